-- wrk script: KMS Encrypt of PLAINTEXT (base64, from bench/kms.sh) under KEY_ID.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "kms_common.lua")
local req
function init(args)
  req = json_request("TrentService", "kms", "Encrypt",
    '{"KeyId":"' .. os.getenv("KEY_ID") .. '","Plaintext":"' .. os.getenv("PLAINTEXT") .. '"}')
end
function request() return req end
