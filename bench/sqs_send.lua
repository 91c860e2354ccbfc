-- wrk script: SQS SendMessage with a 200-byte body (JSON protocol).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "sqs_common.lua")
local req
function init(args)
  req = sqs_request("SendMessage", '{"QueueUrl":"' .. QUEUE_URL .. '","MessageBody":"' .. BODY_200 .. '"}')
end
function request() return req end
