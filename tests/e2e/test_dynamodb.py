"""DynamoDB through boto3 (client and resource APIs): tables and their descriptions, items with
conditions and return values, key validation, Query and Scan on tables and indexes,
batches, transactions, TTL and durability across kill -9.

Errors are asserted by code and by AWS's message where AWS's wording is known.
"""
from __future__ import annotations

import decimal
import time
import uuid

import boto3
import pytest
import requests
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from stratus_helpers import DEFAULT_ACCOUNT, REGION


@pytest.fixture
def ddb(client):
    return client("dynamodb")


@pytest.fixture
def resource(stratus):
    return boto3.resource("dynamodb", endpoint_url=stratus.url, region_name=REGION,
                          aws_access_key_id="test", aws_secret_access_key="test")


def err(exc_info) -> tuple[str, str]:
    e = exc_info.value.response["Error"]
    return e["Code"], e.get("Message", "")


def name() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def make_table(ddb, range_key: bool = False, hash_type: str = "S", **kw) -> str:
    n = kw.pop("TableName", None) or name()
    attrs = [{"AttributeName": "pk", "AttributeType": hash_type}]
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if range_key:
        attrs.append({"AttributeName": "sk", "AttributeType": "N"})
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
    attrs += kw.pop("ExtraAttributes", [])
    ddb.create_table(TableName=n, AttributeDefinitions=attrs, KeySchema=schema,
                     BillingMode=kw.pop("BillingMode", "PAY_PER_REQUEST"), **kw)
    return n


# ---- tables -------------------------------------------------------------------------------

def test_create_table_description(ddb):
    n = name()
    before = time.time() - 5
    d = ddb.create_table(
        TableName=n, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 3})["TableDescription"]
    assert d["TableStatus"] == "CREATING"
    assert d["TableArn"] == f"arn:aws:dynamodb:{REGION}:{DEFAULT_ACCOUNT}:table/{n}"
    assert len(d["TableId"]) == 36
    assert d["ProvisionedThroughput"] == {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 5,
                                          "WriteCapacityUnits": 3}
    assert "BillingModeSummary" not in d
    assert d["ItemCount"] == 0 and d["TableSizeBytes"] == 0
    assert d["CreationDateTime"].timestamp() >= before
    assert d["DeletionProtectionEnabled"] is False
    for absent in ("StreamSpecification", "LatestStreamArn", "SSEDescription", "TableClassSummary",
                   "GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        assert absent not in d
    ddb.get_waiter("table_exists").wait(TableName=n, WaiterConfig={"Delay": 1, "MaxAttempts": 3})
    t = ddb.describe_table(TableName=n)["Table"]
    assert t["TableStatus"] == "ACTIVE"
    assert t["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]


def test_pay_per_request_summary_and_options(ddb):
    n = make_table(ddb, TableClass="STANDARD_INFREQUENT_ACCESS", DeletionProtectionEnabled=True,
                   SSESpecification={"Enabled": True},
                   StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                   Tags=[{"Key": "team", "Value": "a"}])
    t = ddb.describe_table(TableName=n)["Table"]
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert "LastUpdateToPayPerRequestDateTime" in t["BillingModeSummary"]
    assert t["ProvisionedThroughput"] == {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0,
                                          "WriteCapacityUnits": 0}
    assert t["TableClassSummary"] == {"TableClass": "STANDARD_INFREQUENT_ACCESS"}
    assert t["DeletionProtectionEnabled"] is True
    assert t["SSEDescription"]["Status"] == "ENABLED" and t["SSEDescription"]["SSEType"] == "KMS"
    assert t["SSEDescription"]["KMSMasterKeyArn"].startswith(f"arn:aws:kms:{REGION}:")
    assert t["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert t["LatestStreamArn"] == f"{t['TableArn']}/stream/{t['LatestStreamLabel']}"
    assert ddb.list_tags_of_resource(ResourceArn=t["TableArn"])["Tags"] == [{"Key": "team", "Value": "a"}]
    with pytest.raises(ClientError) as e:
        ddb.delete_table(TableName=n)
    assert err(e) == ("ValidationException", "Resource cannot be deleted as it is currently protected "
                      "against deletion. Disable deletion protection first.")
    ddb.update_table(TableName=n, DeletionProtectionEnabled=False)
    ddb.delete_table(TableName=n)


def test_indexes_in_description(ddb):
    n = name()
    d = ddb.create_table(
        TableName=n,
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "g", "l")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[{"IndexName": "lsi", "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]},
                                 "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}],
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})["TableDescription"]
    g = d["GlobalSecondaryIndexes"][0]
    assert g["IndexStatus"] == "CREATING"
    assert g["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]}
    assert g["IndexArn"] == f"{d['TableArn']}/index/gsi"
    assert g["ProvisionedThroughput"]["ReadCapacityUnits"] == 1
    lsi = d["LocalSecondaryIndexes"][0]
    assert "IndexStatus" not in lsi and "ProvisionedThroughput" not in lsi
    assert lsi["IndexArn"] == f"{d['TableArn']}/index/lsi"
    t = ddb.describe_table(TableName=n)["Table"]
    assert t["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"


@pytest.mark.parametrize("kw,message", [
    ({"AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                               {"AttributeName": "x", "AttributeType": "S"}]},
     "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match "
     "number of attributes defined in AttributeDefinitions"),
    ({"AttributeDefinitions": [{"AttributeName": "x", "AttributeType": "S"}]},
     "One or more parameter values were invalid: Some index key attributes are not defined in "
     "AttributeDefinitions. Keys: [pk], AttributeDefinitions: [x]"),
    ({"BillingMode": "PROVISIONED"},
     "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be "
     "specified when BillingMode is PROVISIONED"),
    ({"ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}},
     "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be "
     "specified when BillingMode is PAY_PER_REQUEST"),
    ({"KeySchema": [{"AttributeName": "pk", "KeyType": "RANGE"}]},
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    ({"LocalSecondaryIndexes": [{"IndexName": "lsi", "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]},
     "One or more parameter values were invalid: Table KeySchema does not have a range key, which is "
     "required when specifying a LocalSecondaryIndex"),
])
def test_create_table_invalid(ddb, kw, message):
    args = {"TableName": name(), "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}
    args.update(kw)
    with pytest.raises(ClientError) as e:
        ddb.create_table(**args)
    assert err(e) == ("ValidationException", message)


def test_create_existing_and_missing_tables(ddb):
    n = make_table(ddb)
    with pytest.raises(ClientError) as e:
        make_table(ddb, TableName=n)
    assert err(e) == ("ResourceInUseException", f"Table already exists: {n}")
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName="missing-table")
    assert err(e) == ("ResourceNotFoundException", "Requested resource not found: Table: missing-table not found")
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="missing-table", Key={"pk": {"S": "a"}})
    assert err(e) == ("ResourceNotFoundException", "Requested resource not found")


def test_list_tables_pagination_and_delete_waiter(ddb):
    names = sorted(make_table(ddb, TableName=f"lst-{uuid.uuid4().hex[:6]}-{i}") for i in range(3))
    all_names = []
    kw = {"Limit": 2}
    while True:
        page = ddb.list_tables(**kw)
        all_names += page["TableNames"]
        if "LastEvaluatedTableName" not in page:
            break
        kw["ExclusiveStartTableName"] = page["LastEvaluatedTableName"]
    assert all(n in all_names for n in names)
    assert all_names == sorted(all_names)
    d = ddb.delete_table(TableName=names[0])["TableDescription"]
    assert d["TableStatus"] == "DELETING" and d["TableName"] == names[0]
    assert "KeySchema" not in d and "AttributeDefinitions" not in d
    ddb.get_waiter("table_not_exists").wait(TableName=names[0], WaiterConfig={"Delay": 1, "MaxAttempts": 3})


def test_update_table_throughput_billing_and_gsi(ddb):
    n = make_table(ddb, BillingMode="PROVISIONED",
                   ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=n, ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    assert err(e)[0] == "ValidationException"
    assert err(e)[1].startswith("The provisioned throughput for the table will not change.")
    d = ddb.update_table(TableName=n, ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 2})
    d = d["TableDescription"]
    assert d["TableStatus"] == "UPDATING"
    pt = d["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"], pt["NumberOfDecreasesToday"]) == (10, 2, 1)
    assert "LastIncreaseDateTime" in pt and "LastDecreaseDateTime" in pt
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "g": {"S": "x"}})
    ddb.put_item(TableName=n, Item={"pk": {"S": "b"}})
    d = ddb.update_table(
        TableName=n, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {"IndexName": "byg", "KeySchema": [
            {"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}])
    assert d["TableDescription"]["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    t = ddb.describe_table(TableName=n)["Table"]
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert t["GlobalSecondaryIndexes"][0]["ItemCount"] == 1  # backfilled, sparse
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=n)
    assert err(e)[0] == "ValidationException"
    ddb.update_table(TableName=n, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byg"}}])
    t = ddb.describe_table(TableName=n)["Table"]
    assert "GlobalSecondaryIndexes" not in t
    assert [a["AttributeName"] for a in t["AttributeDefinitions"]] == ["pk"]


def test_ttl_tags_limits_endpoints(ddb):
    n = make_table(ddb)
    assert ddb.describe_time_to_live(TableName=n)["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}
    r = ddb.update_time_to_live(TableName=n, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert r["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "exp"}
    assert ddb.describe_time_to_live(TableName=n)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    with pytest.raises(ClientError) as e:
        ddb.update_time_to_live(TableName=n, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert err(e) == ("ValidationException", "TimeToLive is already enabled")
    arn = ddb.describe_table(TableName=n)["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}])
    ddb.untag_resource(ResourceArn=arn, TagKeys=["b"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "1"}]
    with pytest.raises(ClientError) as e:
        ddb.list_tags_of_resource(ResourceArn=arn + "x")
    assert err(e) == ("ResourceNotFoundException", f"Requested resource not found: ResourcArn: {arn}x not found")
    limits = ddb.describe_limits()
    assert limits["TableMaxReadCapacityUnits"] == 40000 and limits["AccountMaxWriteCapacityUnits"] == 80000
    assert ddb.describe_endpoints()["Endpoints"][0]["CachePeriodInMinutes"] == 1440


# ---- items --------------------------------------------------------------------------------

def test_put_get_delete_round_trip(ddb):
    n = make_table(ddb, range_key=True)
    item = {"pk": {"S": "a"}, "sk": {"N": "1.50"}, "s": {"S": "x"}, "b": {"B": b"\x00\x01"},
            "l": {"L": [{"N": "1"}, {"BOOL": True}, {"NULL": True}]}, "m": {"M": {"k": {"SS": ["a", "b"]}}},
            "ns": {"NS": ["1", "2"]}, "empty": {"S": ""}}
    assert "Attributes" not in ddb.put_item(TableName=n, Item=item)
    got = ddb.get_item(TableName=n, Key={"pk": {"S": "a"}, "sk": {"N": "1.5"}}, ConsistentRead=True)["Item"]
    assert got["sk"] == {"N": "1.5"}
    assert got["b"] == {"B": b"\x00\x01"}
    assert got["l"] == item["l"] and got["empty"] == {"S": ""}
    old = ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "sk": {"N": "1.5"}}, ReturnValues="ALL_OLD")
    assert old["Attributes"]["s"] == {"S": "x"}
    d = ddb.delete_item(TableName=n, Key={"pk": {"S": "a"}, "sk": {"N": "1.5"}}, ReturnValues="ALL_OLD")
    assert d["Attributes"] == {"pk": {"S": "a"}, "sk": {"N": "1.5"}}
    assert "Item" not in ddb.get_item(TableName=n, Key={"pk": {"S": "a"}, "sk": {"N": "1.5"}})
    assert ddb.describe_table(TableName=n)["Table"]["ItemCount"] == 0


@pytest.mark.parametrize("item,message", [
    ({"pk": {"N": "1"}}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"),
    ({"x": {"S": "1"}}, "One or more parameter values were invalid: Missing the key pk in the item"),
    ({"pk": {"S": ""}}, "One or more parameter values are not valid. The AttributeValue for a key attribute "
                        "cannot contain an empty string value. Key: pk"),
    ({"pk": {"S": "a"}, "big": {"S": "x" * 410_000}}, "Item size has exceeded the maximum allowed size"),
])
def test_put_item_invalid(ddb, item, message):
    n = make_table(ddb)
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=n, Item=item)
    assert err(e) == ("ValidationException", message)


@pytest.mark.parametrize("key", [{"pk": {"N": "1"}}, {"pk": {"S": "a"}, "x": {"S": "b"}}, {"x": {"S": "a"}}])
def test_get_item_key_schema_mismatch(ddb, key):
    n = make_table(ddb)
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName=n, Key=key)
    assert err(e) == ("ValidationException", "The provided key element does not match the schema")


def test_conditions_and_return_values(ddb):
    n = make_table(ddb)
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "v": {"N": "1"}},
                 ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=n, Item={"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk)",
                     ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert err(e) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert e.value.response["Item"] == {"pk": {"S": "a"}, "v": {"N": "1"}}
    r = ddb.update_item(TableName=n, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = v + :one, w = :w",
                        ConditionExpression="v = :one", ExpressionAttributeValues={":one": {"N": "1"}, ":w": {"S": "x"}},
                        ReturnValues="UPDATED_NEW")
    assert r["Attributes"] == {"v": {"N": "2"}, "w": {"S": "x"}}
    r = ddb.update_item(TableName=n, Key={"pk": {"S": "a"}}, UpdateExpression="REMOVE w", ReturnValues="UPDATED_OLD")
    assert r["Attributes"] == {"w": {"S": "x"}}
    r = ddb.update_item(TableName=n, Key={"pk": {"S": "new"}}, UpdateExpression="SET c = :c",
                        ExpressionAttributeValues={":c": {"N": "5"}}, ReturnValues="ALL_NEW")
    assert r["Attributes"] == {"pk": {"S": "new"}, "c": {"N": "5"}}
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=n, Key={"pk": {"S": "a"}}, UpdateExpression="SET pk = :c",
                        ExpressionAttributeValues={":c": {"S": "z"}})
    assert err(e) == ("ValidationException", "One or more parameter values were invalid: Cannot update attribute "
                      "pk. This attribute is part of the key")
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=n, Item={"pk": {"S": "a"}}, ReturnValues="ALL_NEW")
    assert err(e) == ("ValidationException", "ReturnValues can only be ALL_OLD or NONE")


def test_legacy_and_expression_parameters_mixed(ddb):
    n = make_table(ddb)
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=n, Item={"pk": {"S": "a"}}, Expected={"pk": {"Exists": False}},
                     ConditionExpression="attribute_not_exists(pk)")
    assert err(e) == ("ValidationException", "Can not use both expression and non-expression parameters in the "
                      "same request: Non-expression parameters: {Expected} Expression parameters: "
                      "{ConditionExpression}")
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "v": {"N": "1"}}, Expected={"pk": {"Exists": False}})
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=n, Item={"pk": {"S": "a"}}, Expected={"pk": {"Exists": False}})
    assert err(e)[0] == "ConditionalCheckFailedException"


def test_consumed_capacity(ddb):
    n = make_table(ddb, ExtraAttributes=[{"AttributeName": "g", "AttributeType": "S"}],
                   GlobalSecondaryIndexes=[{"IndexName": "gsi1", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                            "Projection": {"ProjectionType": "ALL"}}])
    r = ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "g": {"S": "x"}, "d": {"S": "y" * 1500}},
                     ReturnConsumedCapacity="INDEXES")
    cc = r["ConsumedCapacity"]
    assert cc["TableName"] == n and cc["CapacityUnits"] == 4.0
    assert cc["Table"]["CapacityUnits"] == 2.0
    assert cc["GlobalSecondaryIndexes"] == {"gsi1": {"CapacityUnits": 2.0}}
    assert set(cc) == {"TableName", "CapacityUnits", "Table", "GlobalSecondaryIndexes"}
    r = ddb.get_item(TableName=n, Key={"pk": {"S": "a"}}, ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"]["CapacityUnits"] == 0.5
    r = ddb.get_item(TableName=n, Key={"pk": {"S": "a"}}, ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
    assert r["ConsumedCapacity"]["CapacityUnits"] == 1.0
    assert "ConsumedCapacity" not in ddb.get_item(TableName=n, Key={"pk": {"S": "a"}})


# ---- query and scan ------------------------------------------------------------------------

@pytest.fixture
def sorted_table(ddb):
    n = make_table(ddb, range_key=True, ExtraAttributes=[{"AttributeName": "g", "AttributeType": "S"}],
                   GlobalSecondaryIndexes=[{"IndexName": "gsi1", "KeySchema": [
                       {"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                       "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    for i in range(-5, 15):
        item = {"pk": {"S": "p"}, "sk": {"N": str(i)}, "v": {"N": str(i % 3)}}
        if i % 2 == 0:
            item["g"] = {"S": "even"}
        ddb.put_item(TableName=n, Item=item)
    ddb.put_item(TableName=n, Item={"pk": {"S": "other"}, "sk": {"N": "0"}})
    return n


def test_query_order_ranges_and_pagination(ddb, sorted_table):
    n = sorted_table
    q = ddb.query(TableName=n, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}})
    assert [int(i["sk"]["N"]) for i in q["Items"]] == list(range(-5, 15))
    assert q["Count"] == 20 and "LastEvaluatedKey" not in q
    q = ddb.query(TableName=n, KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b", ScanIndexForward=False,
                  ExpressionAttributeValues={":p": {"S": "p"}, ":a": {"N": "-2"}, ":b": {"N": "3"}})
    assert [int(i["sk"]["N"]) for i in q["Items"]] == [3, 2, 1, 0, -1, -2]
    seen, kw = [], {}
    while True:
        q = ddb.query(TableName=n, KeyConditionExpression="pk = :p AND sk > :a", Limit=4,
                      ExpressionAttributeValues={":p": {"S": "p"}, ":a": {"N": "5"}}, **kw)
        seen += [int(i["sk"]["N"]) for i in q["Items"]]
        if "LastEvaluatedKey" not in q:
            break
        assert set(q["LastEvaluatedKey"]) == {"pk", "sk"}
        kw["ExclusiveStartKey"] = q["LastEvaluatedKey"]
    assert seen == list(range(6, 15))


def test_query_filter_after_limit_select_count(ddb, sorted_table):
    q = ddb.query(TableName=sorted_table, KeyConditionExpression="pk = :p", FilterExpression="v = :z", Limit=6,
                  ExpressionAttributeValues={":p": {"S": "p"}, ":z": {"N": "0"}})
    assert q["ScannedCount"] == 6 and q["Count"] == 2
    q = ddb.query(TableName=sorted_table, KeyConditionExpression="pk = :p", Select="COUNT",
                  ExpressionAttributeValues={":p": {"S": "p"}})
    assert q["Count"] == 20 and "Items" not in q


def test_query_gsi_sparse_and_consistent_read_rejected(ddb, sorted_table):
    q = ddb.query(TableName=sorted_table, IndexName="gsi1", KeyConditionExpression="g = :g",
                  ExpressionAttributeValues={":g": {"S": "even"}})
    assert [int(i["sk"]["N"]) for i in q["Items"]] == [-4, -2, 0, 2, 4, 6, 8, 10, 12, 14]
    assert set(q["Items"][0]) == {"pk", "sk", "g"}  # KEYS_ONLY
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=sorted_table, IndexName="gsi1", KeyConditionExpression="g = :g", ConsistentRead=True,
                  ExpressionAttributeValues={":g": {"S": "even"}})
    assert err(e) == ("ValidationException", "Consistent reads are not supported on global secondary indexes")
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=sorted_table, IndexName="nope", KeyConditionExpression="g = :g",
                  ExpressionAttributeValues={":g": {"S": "even"}})
    assert err(e) == ("ValidationException", "The table does not have the specified index: nope")


def test_scan_segments_cover_table(ddb):
    n = make_table(ddb)
    for i in range(60):
        ddb.put_item(TableName=n, Item={"pk": {"S": f"k{i}"}})
    keys = []
    for seg in range(3):
        kw = {}
        while True:
            r = ddb.scan(TableName=n, Segment=seg, TotalSegments=3, Limit=7, **kw)
            keys += [i["pk"]["S"] for i in r["Items"]]
            if "LastEvaluatedKey" not in r:
                break
            kw["ExclusiveStartKey"] = r["LastEvaluatedKey"]
    assert sorted(keys) == sorted(f"k{i}" for i in range(60))
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName=n, Segment=3, TotalSegments=3)
    assert err(e) == ("ValidationException", "The Segment parameter is zero-based and must be less than "
                      "parameter TotalSegments: Segment: 3 is not less than TotalSegments: 3")


def test_resource_api(resource):
    table = resource.create_table(
        TableName=name(), KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                     {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST")
    table.wait_until_exists()
    with table.batch_writer() as bw:
        for i in range(30):
            bw.put_item(Item={"pk": "u", "sk": i, "tag": "odd" if i % 2 else "even", "price": decimal.Decimal("1.25")})
    r = table.query(KeyConditionExpression=Key("pk").eq("u") & Key("sk").between(10, 14),
                    FilterExpression=Attr("tag").eq("even"))
    assert [int(i["sk"]) for i in r["Items"]] == [10, 12, 14]
    assert r["Items"][0]["price"] == decimal.Decimal("1.25")
    table.update_item(Key={"pk": "u", "sk": 0}, UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": 1})
    assert table.get_item(Key={"pk": "u", "sk": 0})["Item"]["n"] == 1
    assert table.scan(FilterExpression=Attr("sk").gte(28))["Count"] == 2


# ---- batches and transactions --------------------------------------------------------------

def test_batch_write_and_get(ddb):
    n = make_table(ddb)
    ddb.batch_write_item(RequestItems={n: [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}}}} for i in range(25)]})
    r = ddb.batch_get_item(RequestItems={n: {"Keys": [{"pk": {"S": f"k{i}"}} for i in range(0, 30, 3)]}})
    assert sorted(i["pk"]["S"] for i in r["Responses"][n]) == sorted(f"k{i}" for i in range(0, 25, 3))
    assert r["UnprocessedKeys"] == {}
    with pytest.raises(ClientError) as e:
        ddb.batch_write_item(RequestItems={n: [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}}}} for i in range(26)]})
    assert err(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        ddb.batch_get_item(RequestItems={n: {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "a"}}]}})
    assert err(e) == ("ValidationException", "Provided list of item keys contains duplicates")
    r = ddb.batch_write_item(RequestItems={n: [{"DeleteRequest": {"Key": {"pk": {"S": "k0"}}}}]})
    assert r["UnprocessedItems"] == {}
    assert "Item" not in ddb.get_item(TableName=n, Key={"pk": {"S": "k0"}})


def test_transact_write_cancellation_reasons_and_idempotency(ddb):
    n = make_table(ddb)
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": n, "Item": {"pk": {"S": "b"}}}},
            {"ConditionCheck": {"TableName": n, "Key": {"pk": {"S": "a"}}, "ConditionExpression": "v = :two",
                                "ExpressionAttributeValues": {":two": {"N": "2"}},
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}])
    assert err(e) == ("TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons "
                      "for specific reasons [None, ConditionalCheckFailed]")
    reasons = e.value.response["CancellationReasons"]
    assert reasons[0] == {"Code": "None"}
    assert reasons[1]["Code"] == "ConditionalCheckFailed" and reasons[1]["Item"]["v"] == {"N": "1"}
    assert "Item" not in ddb.get_item(TableName=n, Key={"pk": {"S": "b"}})
    items = [{"Update": {"TableName": n, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET v = v + :one",
                         "ExpressionAttributeValues": {":one": {"N": "1"}}}},
             {"Delete": {"TableName": n, "Key": {"pk": {"S": "zz"}}}}]
    r = ddb.transact_write_items(TransactItems=items, ClientRequestToken="tok-1", ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == [{"TableName": n, "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}]
    ddb.transact_write_items(TransactItems=items, ClientRequestToken="tok-1")  # replay: not applied again
    assert ddb.get_item(TableName=n, Key={"pk": {"S": "a"}})["Item"]["v"] == {"N": "2"}
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=items[:1], ClientRequestToken="tok-1")
    assert err(e)[0] == "IdempotentParameterMismatchException"
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[items[0], items[0]])
    assert err(e) == ("ValidationException", "Transaction request cannot include multiple operations on one item")
    r = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": n, "Key": {"pk": {"S": "a"}}}},
                                              {"Get": {"TableName": n, "Key": {"pk": {"S": "none"}}}}])
    assert r["Responses"] == [{"Item": {"pk": {"S": "a"}, "v": {"N": "2"}}}, {}]


# ---- streams, TTL -----------------------------------------------------------------------------

def test_streams_records_per_view_type(ddb, client, stratus):
    streams = client("dynamodbstreams")
    n = make_table(ddb, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    arn = ddb.describe_table(TableName=n)["Table"]["LatestStreamArn"]
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "v": {"N": "1"}})  # no change: no record
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "v": {"N": "2"}})
    ddb.delete_item(TableName=n, Key={"pk": {"S": "a"}})
    listed = streams.list_streams(TableName=n)["Streams"]
    assert listed == [{"StreamArn": arn, "TableName": n, "StreamLabel": arn.split("/")[-1]}]
    desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert desc["StreamStatus"] == "ENABLED" and desc["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    shard = desc["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    r = streams.get_records(ShardIterator=it)
    recs = r["Records"]
    assert [x["eventName"] for x in recs] == ["INSERT", "MODIFY", "REMOVE"]
    assert recs[1]["dynamodb"]["OldImage"]["v"] == {"N": "1"} and recs[1]["dynamodb"]["NewImage"]["v"] == {"N": "2"}
    assert "NewImage" not in recs[2]["dynamodb"] and recs[2]["dynamodb"]["Keys"] == {"pk": {"S": "a"}}
    seqs = [int(x["dynamodb"]["SequenceNumber"]) for x in recs]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert recs[0]["eventSource"] == "aws:dynamodb" and recs[0]["awsRegion"] == REGION
    after = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                       SequenceNumber=recs[0]["dynamodb"]["SequenceNumber"])["ShardIterator"]
    assert [x["eventName"] for x in streams.get_records(ShardIterator=after)["Records"]] == ["MODIFY", "REMOVE"]
    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    assert streams.get_records(ShardIterator=latest)["Records"] == []
    ddb.put_item(TableName=n, Item={"pk": {"S": "b"}})
    assert [x["eventName"] for x in streams.get_records(ShardIterator=r["NextShardIterator"])["Records"]] == ["INSERT"]


def test_ttl_sweep_removes_expired_items_with_service_identity(ddb, client, stratus):
    streams = client("dynamodbstreams")
    n = make_table(ddb, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    ddb.update_time_to_live(TableName=n, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    now = int(time.time())
    ddb.put_item(TableName=n, Item={"pk": {"S": "old"}, "exp": {"N": str(now - 100)}})
    ddb.put_item(TableName=n, Item={"pk": {"S": "new"}, "exp": {"N": str(now + 3600)}})
    ddb.put_item(TableName=n, Item={"pk": {"S": "none"}})
    assert requests.post(f"{stratus.url}/_stratus/dynamodb/ttl-sweep").json()["deleted"] >= 1
    keys = sorted(i["pk"]["S"] for i in ddb.scan(TableName=n)["Items"])
    assert keys == ["new", "none"]
    arn = ddb.describe_table(TableName=n)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    recs = streams.get_records(ShardIterator=it)["Records"]
    removed = [x for x in recs if x["eventName"] == "REMOVE"]
    assert len(removed) == 1
    assert removed[0]["userIdentity"] == {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
    assert "userIdentity" not in recs[0]


# ---- durability -----------------------------------------------------------------------------

def test_tables_items_streams_survive_kill_9(start_stratus, tmp_path):
    data = str(tmp_path / "data")
    server = start_stratus("--data-dir", data)
    from stratus_helpers import make_client
    ddb = make_client("dynamodb", server.url)
    n = make_table(ddb, range_key=True, ExtraAttributes=[{"AttributeName": "g", "AttributeType": "S"}],
                   GlobalSecondaryIndexes=[{"IndexName": "gsi1", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                            "Projection": {"ProjectionType": "ALL"}}],
                   StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    for i in range(5):
        ddb.put_item(TableName=n, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "g": {"S": "x"}})
    ddb.delete_item(TableName=n, Key={"pk": {"S": "p"}, "sk": {"N": "0"}})
    backup = ddb.create_backup(TableName=n, BackupName="before-kill")["BackupDetails"]["BackupArn"]
    ddb.update_time_to_live(TableName=n, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    server.kill()
    server = start_stratus("--data-dir", data)
    ddb = make_client("dynamodb", server.url)
    t = ddb.describe_table(TableName=n)["Table"]
    assert t["ItemCount"] == 4
    q = ddb.query(TableName=n, IndexName="gsi1", KeyConditionExpression="g = :g",
                  ExpressionAttributeValues={":g": {"S": "x"}})
    assert q["Count"] == 4
    streams = make_client("dynamodbstreams", server.url)
    arn = t["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [x["eventName"] for x in streams.get_records(ShardIterator=it)["Records"]] == ["INSERT"] * 5 + ["REMOVE"]
    assert ddb.describe_time_to_live(TableName=n)["TimeToLiveDescription"]["AttributeName"] == "exp"
    ddb.restore_table_from_backup(TargetTableName=n + "-r", BackupArn=backup)
    assert ddb.scan(TableName=n + "-r", Select="COUNT")["Count"] == 4
