-- wrk script: Kinesis PutRecords, 500 records of 200 bytes, 500 partition keys.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "kinesis_common.lua")
local req
function init(args)
  local records = {}
  for i = 1, 500 do
    records[i] = '{"Data":"' .. DATA_200 .. '","PartitionKey":"key-' .. i .. '"}'
  end
  req = kinesis_request("PutRecords", '{"StreamName":"' .. STREAM .. '","Records":[' .. table.concat(records, ",") .. ']}')
end
function request() return req end
