-- wrk script: KMS Decrypt of CIPHERTEXT (base64 blob, from bench/kms.sh); no KeyId, as most
-- callers send it.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "kms_common.lua")
local req
function init(args)
  req = json_request("TrentService", "kms", "Decrypt", '{"CiphertextBlob":"' .. os.getenv("CIPHERTEXT") .. '"}')
end
function request() return req end
