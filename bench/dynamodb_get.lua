-- wrk script: DynamoDB GetItem of random existing 1 KB items (KEYS items k0..k{KEYS-1}).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "dynamodb_common.lua")
local keys = tonumber(os.getenv("KEYS") or "10000")
function request()
  return ddb_request("GetItem", '{"TableName":"' .. TABLE .. '","Key":{"pk":{"S":"k' ..
    math.random(0, keys - 1) .. '"}}}')
end
