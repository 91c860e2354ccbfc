-- wrk script: SSM GetParameter of NAME (WITH_DECRYPTION "true" for SecureString reads).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "kms_common.lua")
local req
function init(args)
  req = json_request("AmazonSSM", "ssm", "GetParameter",
    '{"Name":"' .. os.getenv("NAME") .. '","WithDecryption":' .. (os.getenv("WITH_DECRYPTION") or "false") .. '}')
end
function request() return req end
