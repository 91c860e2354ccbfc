-- wrk script: DynamoDB PutItem of 1 KB items (a new key each request; 1,000-byte attribute).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "dynamodb_common.lua")
local pad = string.rep("x", 1000)
local n = 0
function request()
  n = n + 1
  return ddb_request("PutItem", '{"TableName":"' .. TABLE .. '","Item":{"pk":{"S":"w' .. n ..
    '"},"data":{"S":"' .. pad .. '"}}}')
end
