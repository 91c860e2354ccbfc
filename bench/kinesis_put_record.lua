-- wrk script: Kinesis PutRecord, 200 bytes.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "kinesis_common.lua")
local req
function init(args)
  req = kinesis_request("PutRecord", '{"StreamName":"' .. STREAM .. '","Data":"' .. DATA_200 .. '","PartitionKey":"k"}')
end
function request() return req end
