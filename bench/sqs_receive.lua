-- wrk script: SQS ReceiveMessage with VisibilityTimeout 0, so the message is visible again at
-- once and the queue keeps its size: the cost of a receive at a given queue depth.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "sqs_common.lua")
local req
function init(args)
  req = sqs_request("ReceiveMessage", '{"QueueUrl":"' .. QUEUE_URL .. '","MaxNumberOfMessages":1,"VisibilityTimeout":0}')
end
function request() return req end
function response(status, headers, body)
  if not body:find("ReceiptHandle", 1, true) then error("empty receive: the queue drained") end
end
