-- wrk script: DynamoDB Query pages of 100 items: a random partition p0..p{PARTITIONS-1}
-- holding PER items with sort keys 0..PER-1, starting at a random sort key.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "dynamodb_common.lua")
local partitions = tonumber(os.getenv("PARTITIONS") or "10")
local per = tonumber(os.getenv("PER") or "100")
function request()
  local from = math.random(0, per - 100)
  return ddb_request("Query", '{"TableName":"' .. TABLE .. '","Limit":100,' ..
    '"KeyConditionExpression":"pk = :p AND sk >= :s","ExpressionAttributeValues":{":p":{"S":"p' ..
    math.random(0, partitions - 1) .. '"},":s":{"N":"' .. from .. '"}}}')
end
