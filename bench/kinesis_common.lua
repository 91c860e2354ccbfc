-- Shared by the Kinesis wrk scripts: JSON 1.1 as the SDKs send it (Data is base64).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk_report.lua")

STREAM = os.getenv("STREAM") or "bench"
-- 200 bytes of data, base64 (200 = 3 * 66 + 2: 268 characters).
DATA_200 = string.rep("eHh4", 66) .. "eHg="

function kinesis_request(op, json_body)
  return wrk.format("POST", "/", {
    ["Content-Type"] = "application/x-amz-json-1.1",
    ["X-Amz-Target"] = "Kinesis_20131202." .. op,
    ["X-Amz-Date"] = "20260101T000000Z",
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/kinesis/aws4_request, " ..
      "SignedHeaders=content-type;host;x-amz-date, Signature=" .. string.rep("0", 64),
  }, json_body)
end
