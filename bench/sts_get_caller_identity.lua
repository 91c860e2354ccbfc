-- wrk script: STS GetCallerIdentity as the AWS SDKs send it (query protocol, form body,
-- SigV4 header). It crosses the whole request path: route (credential scope "sts" and
-- Action=), auth (access key -> account), model, query decode, handler, XML encode.
-- The signature is static and fake (the Host header carries a port that changes per run):
-- valid only while Stratus runs without --verify-signatures, its default.
-- Usage: wrk -t1 -c32 -d10s --latency -s bench/sts_get_caller_identity.lua http://127.0.0.1:PORT
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk_report.lua")

wrk.method = "POST"
wrk.path = "/"
wrk.body = "Action=GetCallerIdentity&Version=2011-06-15"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
wrk.headers["X-Amz-Date"] = "20260101T000000Z"
wrk.headers["Authorization"] =
  "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, " ..
  "SignedHeaders=content-type;host;x-amz-date, " ..
  "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
