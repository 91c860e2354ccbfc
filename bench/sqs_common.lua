-- Shared by the SQS wrk scripts: the JSON protocol as current SDKs send it.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk_report.lua")

QUEUE_URL = os.getenv("QUEUE_URL") or "http://127.0.0.1:4566/000000000000/bench"
BODY_200 = string.rep("x", 200)

function sqs_request(op, json_body)
  return wrk.format("POST", "/", {
    ["Content-Type"] = "application/x-amz-json-1.0",
    ["X-Amz-Target"] = "AmazonSQS." .. op,
    ["X-Amz-Date"] = "20260101T000000Z",
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sqs/aws4_request, " ..
      "SignedHeaders=content-type;host;x-amz-date, Signature=" .. string.rep("0", 64),
  }, json_body)
end
