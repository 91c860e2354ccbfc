-- wrk script: Kinesis GetRecords from one iterator (ITERATOR, valid 5 minutes), LIMIT records
-- of 200 bytes per call: the same page each time, so every call reads and encodes LIMIT records.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "kinesis_common.lua")
local req
function init(args)
  req = kinesis_request("GetRecords", '{"ShardIterator":"' .. os.getenv("ITERATOR") .. '","Limit":' ..
    (os.getenv("LIMIT") or "1000") .. '}')
end
function request() return req end
