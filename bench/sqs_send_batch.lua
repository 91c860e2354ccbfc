-- wrk script: SQS SendMessageBatch, 10 entries of 200 bytes.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "sqs_common.lua")
local req
function init(args)
  local entries = {}
  for i = 1, 10 do
    entries[i] = '{"Id":"m' .. i .. '","MessageBody":"' .. BODY_200 .. '"}'
  end
  req = sqs_request("SendMessageBatch",
    '{"QueueUrl":"' .. QUEUE_URL .. '","Entries":[' .. table.concat(entries, ",") .. ']}')
end
function request() return req end
