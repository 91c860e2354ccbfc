-- wrk script: SQS steady-state consumption on each connection: ReceiveMessage, then
-- DeleteMessage with the receipt handle it returned, and again. Each request counts.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "sqs_common.lua")
local receive
local pending = nil
function init(args)
  receive = sqs_request("ReceiveMessage", '{"QueueUrl":"' .. QUEUE_URL .. '","MaxNumberOfMessages":1}')
end
function request()
  if pending then
    local r = sqs_request("DeleteMessage", '{"QueueUrl":"' .. QUEUE_URL .. '","ReceiptHandle":"' .. pending .. '"}')
    pending = nil
    return r
  end
  return receive
end
function response(status, headers, body)
  local handle = body:match('"ReceiptHandle":"([^"]+)"')
  if handle then pending = handle end
end
