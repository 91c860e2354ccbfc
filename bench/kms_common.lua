-- Shared by the KMS and SSM wrk scripts: the JSON 1.1 protocol as current SDKs send it.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk_report.lua")

-- json_request TARGET_PREFIX SIGNING_NAME OP BODY
function json_request(prefix, service, op, json_body)
  return wrk.format("POST", "/", {
    ["Content-Type"] = "application/x-amz-json-1.1",
    ["X-Amz-Target"] = prefix .. "." .. op,
    ["X-Amz-Date"] = "20260101T000000Z",
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/" .. service ..
      "/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" .. string.rep("0", 64),
  }, json_body)
end
