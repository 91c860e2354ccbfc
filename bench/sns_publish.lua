-- wrk script: SNS Publish of a 200-byte message (query protocol, as boto3 sends it).
-- TOPIC_ARN names the topic.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk_report.lua")
local topic = os.getenv("TOPIC_ARN") or "arn:aws:sns:us-east-1:000000000000:bench"
local function enc(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
wrk.method = "POST"
wrk.path = "/"
wrk.body = "Action=Publish&Version=2010-03-31&TopicArn=" .. enc(topic) .. "&Message=" .. string.rep("x", 200)
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
wrk.headers["X-Amz-Date"] = "20260101T000000Z"
wrk.headers["Authorization"] =
  "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sns/aws4_request, " ..
  "SignedHeaders=content-type;host;x-amz-date, Signature=" .. string.rep("0", 64)
