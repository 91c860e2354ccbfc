"""DynamoDB through boto3, the rarer parts: PartiQL (ExecuteStatement, BatchExecuteStatement,
ExecuteTransaction), backups and restores, point-in-time recovery, stream iterators and
retention, LSIs, index key validation, legacy Query/Scan parameters and capacity rules.
"""
from __future__ import annotations

import time
import uuid

import pytest
import requests
from botocore.exceptions import ClientError

from stratus_helpers import REGION


@pytest.fixture
def ddb(client):
    return client("dynamodb")


def err(exc_info) -> tuple[str, str]:
    e = exc_info.value.response["Error"]
    return e["Code"], e.get("Message", "")


def make_table(ddb, range_key=False, **kw) -> str:
    n = f"m-{uuid.uuid4().hex[:10]}"
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}] + kw.pop("ExtraAttributes", [])
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if range_key:
        attrs.append({"AttributeName": "sk", "AttributeType": "S"})
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
    ddb.create_table(TableName=n, AttributeDefinitions=attrs, KeySchema=schema, BillingMode="PAY_PER_REQUEST", **kw)
    return n


# ---- PartiQL --------------------------------------------------------------------------------

def test_partiql_insert_select_update_delete(ddb):
    n = make_table(ddb, range_key=True)
    ddb.execute_statement(Statement=f"INSERT INTO \"{n}\" VALUE {{'pk': ?, 'sk': ?, 'v': ?}}",
                          Parameters=[{"S": "a"}, {"S": "1"}, {"N": "5"}])
    ddb.execute_statement(Statement=f"INSERT INTO \"{n}\" VALUE {{'pk': 'a', 'sk': '2', 'v': 7}}")
    with pytest.raises(ClientError) as e:
        ddb.execute_statement(Statement=f"INSERT INTO \"{n}\" VALUE {{'pk': 'a', 'sk': '2'}}")
    assert err(e) == ("DuplicateItemException", "Duplicate primary key exists in table")
    r = ddb.execute_statement(Statement=f"SELECT * FROM \"{n}\" WHERE pk = ?", Parameters=[{"S": "a"}])
    assert sorted(i["sk"]["S"] for i in r["Items"]) == ["1", "2"]
    ddb.execute_statement(Statement=f"UPDATE \"{n}\" SET v = v + 1 WHERE pk = 'a' AND sk = '1'")
    r = ddb.execute_statement(Statement=f"SELECT v FROM \"{n}\" WHERE pk = 'a' AND sk = '1'")
    assert r["Items"] == [{"v": {"N": "6"}}]
    with pytest.raises(ClientError) as e:
        ddb.execute_statement(Statement=f"UPDATE \"{n}\" SET v = 1 WHERE pk = 'zz' AND sk = '1'")
    assert err(e)[0] == "ConditionalCheckFailedException"
    ddb.execute_statement(Statement=f"DELETE FROM \"{n}\" WHERE pk = 'a' AND sk = '2'")
    r = ddb.execute_statement(Statement=f"SELECT * FROM \"{n}\"")
    assert [i["sk"]["S"] for i in r["Items"]] == ["1"]


def test_partiql_select_pagination(ddb):
    n = make_table(ddb, range_key=True)
    for i in range(7):
        ddb.put_item(TableName=n, Item={"pk": {"S": "p"}, "sk": {"S": f"{i:02d}"}})
    got, kw = [], {}
    while True:
        r = ddb.execute_statement(Statement=f"SELECT sk FROM \"{n}\" WHERE pk = 'p'", Limit=3, **kw)
        got += [i["sk"]["S"] for i in r["Items"]]
        if "NextToken" not in r:
            break
        kw["NextToken"] = r["NextToken"]
    assert got == [f"{i:02d}" for i in range(7)]


def test_partiql_batch_and_transaction(ddb):
    n = make_table(ddb)
    r = ddb.batch_execute_statement(Statements=[
        {"Statement": f"INSERT INTO \"{n}\" VALUE {{'pk': 'a'}}"},
        {"Statement": f"INSERT INTO \"{n}\" VALUE {{'pk': 'b'}}"},
        {"Statement": f"INSERT INTO \"{n}\" VALUE {{'pk': 'a'}}"},
    ])["Responses"]
    assert "Error" not in r[0] and "Error" not in r[1]
    assert r[2]["Error"]["Code"] == "DuplicateItem"
    r = ddb.batch_execute_statement(Statements=[
        {"Statement": f"SELECT * FROM \"{n}\" WHERE pk = 'a'"},
        {"Statement": f"SELECT * FROM \"{n}\" WHERE pk = 'missing'"},
    ])["Responses"]
    assert r[0]["Item"] == {"pk": {"S": "a"}} and "Item" not in r[1]
    with pytest.raises(ClientError) as e:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": f"INSERT INTO \"{n}\" VALUE {{'pk': 'c'}}"},
            {"Statement": f"INSERT INTO \"{n}\" VALUE {{'pk': 'a'}}"},
        ])
    assert err(e)[0] == "TransactionCanceledException"
    assert [x["Code"] for x in e.value.response["CancellationReasons"]] == ["None", "DuplicateItem"]
    assert "Item" not in ddb.get_item(TableName=n, Key={"pk": {"S": "c"}})
    ddb.execute_transaction(TransactStatements=[
        {"Statement": f"INSERT INTO \"{n}\" VALUE {{'pk': 'c'}}"},
        {"Statement": f"DELETE FROM \"{n}\" WHERE pk = 'b'"},
    ])
    keys = sorted(i["pk"]["S"] for i in ddb.scan(TableName=n)["Items"])
    assert keys == ["a", "c"]


# ---- backups --------------------------------------------------------------------------------

def test_backup_restore_with_data(ddb):
    n = make_table(ddb, ExtraAttributes=[{"AttributeName": "g", "AttributeType": "S"}],
                   GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                            "Projection": {"ProjectionType": "ALL"}}])
    for i in range(5):
        ddb.put_item(TableName=n, Item={"pk": {"S": f"k{i}"}, "g": {"S": "x"}})
    b = ddb.create_backup(TableName=n, BackupName="snap")["BackupDetails"]
    assert b["BackupName"] == "snap" and b["BackupStatus"] == "AVAILABLE" and b["BackupType"] == "USER"
    assert b["BackupArn"].startswith(f"arn:aws:dynamodb:{REGION}:") and f":table/{n}/backup/" in b["BackupArn"]
    ddb.put_item(TableName=n, Item={"pk": {"S": "after"}})
    d = ddb.describe_backup(BackupArn=b["BackupArn"])["BackupDescription"]
    assert d["SourceTableDetails"]["TableName"] == n and d["SourceTableDetails"]["ItemCount"] == 5
    assert d["SourceTableFeatureDetails"]["GlobalSecondaryIndexes"][0]["IndexName"] == "byg"
    assert any(s["BackupArn"] == b["BackupArn"] for s in ddb.list_backups(TableName=n)["BackupSummaries"])
    target = n + "-restored"
    r = ddb.restore_table_from_backup(TargetTableName=target, BackupArn=b["BackupArn"])["TableDescription"]
    assert r["RestoreSummary"]["SourceBackupArn"] == b["BackupArn"] and r["RestoreSummary"]["RestoreInProgress"] is False
    assert ddb.scan(TableName=target, Select="COUNT")["Count"] == 5
    q = ddb.query(TableName=target, IndexName="byg", KeyConditionExpression="g = :g",
                  ExpressionAttributeValues={":g": {"S": "x"}})
    assert q["Count"] == 5
    with pytest.raises(ClientError) as e:
        ddb.restore_table_from_backup(TargetTableName=target, BackupArn=b["BackupArn"])
    assert err(e) == ("TableAlreadyExistsException", f"Table already exists: {target}")
    ddb.delete_backup(BackupArn=b["BackupArn"])
    with pytest.raises(ClientError) as e:
        ddb.describe_backup(BackupArn=b["BackupArn"])
    assert err(e) == ("BackupNotFoundException", f"Backup not found: {b['BackupArn']}")


def test_point_in_time_recovery(ddb):
    n = make_table(ddb)
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}})
    d = ddb.describe_continuous_backups(TableName=n)["ContinuousBackupsDescription"]
    assert d == {"ContinuousBackupsStatus": "ENABLED",
                 "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    with pytest.raises(ClientError) as e:
        ddb.restore_table_to_point_in_time(SourceTableName=n, TargetTableName=n + "-pitr", UseLatestRestorableTime=True)
    assert err(e) == ("PointInTimeRecoveryUnavailableException", f"Point in time recovery is not enabled for table '{n}'")
    d = ddb.update_continuous_backups(TableName=n, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    pitr = d["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED" and "EarliestRestorableDateTime" in pitr
    ddb.restore_table_to_point_in_time(SourceTableName=n, TargetTableName=n + "-pitr", UseLatestRestorableTime=True)
    assert ddb.get_item(TableName=n + "-pitr", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}
    with pytest.raises(ClientError) as e:
        ddb.describe_continuous_backups(TableName="no-such-table")
    assert err(e) == ("TableNotFoundException", "Table not found: no-such-table")


# ---- streams ----------------------------------------------------------------------------------

def stream_records(streams, arn, iterator_type="TRIM_HORIZON", **kw):
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=iterator_type, **kw)
    return streams.get_records(ShardIterator=it["ShardIterator"])["Records"]


@pytest.mark.parametrize("view,has_new,has_old", [
    ("KEYS_ONLY", False, False), ("NEW_IMAGE", True, False), ("OLD_IMAGE", False, True),
    ("NEW_AND_OLD_IMAGES", True, True)])
def test_stream_view_types(ddb, client, view, has_new, has_old):
    streams = client("dynamodbstreams")
    n = make_table(ddb, StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.update_item(TableName=n, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"N": "2"}})
    arn = ddb.describe_table(TableName=n)["Table"]["LatestStreamArn"]
    rec = stream_records(streams, arn)[1]["dynamodb"]
    assert rec["StreamViewType"] == view and rec["Keys"] == {"pk": {"S": "a"}}
    assert ("NewImage" in rec) == has_new and ("OldImage" in rec) == has_old
    assert rec["SizeBytes"] > 0


def test_stream_disable_and_errors(ddb, client):
    streams = client("dynamodbstreams")
    n = make_table(ddb, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    arn = ddb.describe_table(TableName=n)["Table"]["LatestStreamArn"]
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}})
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=n, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    assert err(e) == ("ValidationException", f"Table already has an enabled stream: TableName: {n}")
    ddb.update_table(TableName=n, StreamSpecification={"StreamEnabled": False})
    d = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert d["StreamStatus"] == "DISABLED"
    assert "EndingSequenceNumber" in d["Shards"][0]["SequenceNumberRange"]
    t = ddb.describe_table(TableName=n)["Table"]
    assert "StreamSpecification" not in t and t["LatestStreamArn"] == arn
    with pytest.raises(ClientError) as e:
        streams.describe_stream(StreamArn=arn + "x")
    assert err(e)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        streams.get_shard_iterator(StreamArn=arn, ShardId="shardId-00000000000000000000-00000000", ShardIteratorType="LATEST")
    assert err(e)[0] == "ResourceNotFoundException"


def test_stream_retention_and_iterator_expiry(ddb, client, start_stratus):
    server = start_stratus()
    from stratus_helpers import make_client
    ddb = make_client("dynamodb", server.url)
    streams = make_client("dynamodbstreams", server.url)
    n = make_table(ddb, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    arn = ddb.describe_table(TableName=n)["Table"]["LatestStreamArn"]
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    requests.post(f"{server.url}/_stratus/dynamodb/advance?seconds=1000")
    with pytest.raises(ClientError) as e:
        streams.get_records(ShardIterator=it)
    assert err(e)[0] == "ExpiredIteratorException"
    assert len(stream_records(streams, arn)) == 1
    requests.post(f"{server.url}/_stratus/dynamodb/advance?seconds=86400")
    assert stream_records(streams, arn) == []


# ---- indexes, legacy parameters, capacity ---------------------------------------------------------

def test_lsi_query_and_item_collection_metrics(ddb):
    n = make_table(ddb, range_key=True, ExtraAttributes=[{"AttributeName": "l", "AttributeType": "N"}],
                   LocalSecondaryIndexes=[{"IndexName": "byl", "KeySchema": [
                       {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                       "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    for i, l in enumerate([30, 10, 20]):
        r = ddb.put_item(TableName=n, Item={"pk": {"S": "p"}, "sk": {"S": f"s{i}"}, "l": {"N": str(l)}, "x": {"S": "y"}},
                         ReturnItemCollectionMetrics="SIZE")
    assert r["ItemCollectionMetrics"]["ItemCollectionKey"] == {"pk": {"S": "p"}}
    q = ddb.query(TableName=n, IndexName="byl", KeyConditionExpression="pk = :p AND l >= :m",
                  ExpressionAttributeValues={":p": {"S": "p"}, ":m": {"N": "15"}})
    assert [i["l"]["N"] for i in q["Items"]] == ["20", "30"]
    assert "x" not in q["Items"][0]
    q = ddb.query(TableName=n, IndexName="byl", KeyConditionExpression="pk = :p", Select="ALL_ATTRIBUTES",
                  ExpressionAttributeValues={":p": {"S": "p"}})
    assert q["Items"][0]["x"] == {"S": "y"}  # an LSI fetches the rest from the table
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=n, Item={"pk": {"S": "p"}, "sk": {"S": "z"}, "l": {"S": "oops"}})
    assert err(e) == ("ValidationException", "One or more parameter values were invalid: Type mismatch for Index Key "
                      "l Expected: N Actual: S IndexName: byl")


def test_legacy_query_scan_parameters(ddb):
    n = make_table(ddb, range_key=True)
    for i in range(6):
        ddb.put_item(TableName=n, Item={"pk": {"S": "p"}, "sk": {"S": f"s{i}"}, "v": {"N": str(i)}})
    q = ddb.query(TableName=n, KeyConditions={
        "pk": {"AttributeValueList": [{"S": "p"}], "ComparisonOperator": "EQ"},
        "sk": {"AttributeValueList": [{"S": "s2"}], "ComparisonOperator": "GE"}},
        QueryFilter={"v": {"AttributeValueList": [{"N": "4"}], "ComparisonOperator": "LT"}},
        AttributesToGet=["sk"])
    assert q["Items"] == [{"sk": {"S": "s2"}}, {"sk": {"S": "s3"}}]
    s = ddb.scan(TableName=n, ScanFilter={"v": {"AttributeValueList": [{"N": "3"}], "ComparisonOperator": "GT"}})
    assert s["Count"] == 2 and s["ScannedCount"] == 6
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=n, KeyConditionExpression="pk = :p", QueryFilter={
            "v": {"AttributeValueList": [{"N": "4"}], "ComparisonOperator": "LT"}},
            ExpressionAttributeValues={":p": {"S": "p"}})
    assert err(e) == ("ValidationException", "Can not use both expression and non-expression parameters in the same "
                      "request: Non-expression parameters: {QueryFilter} Expression parameters: "
                      "{KeyConditionExpression}")
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=n)
    assert err(e) == ("ValidationException", "Either the KeyConditions or KeyConditionExpression parameter must be "
                      "specified in the request.")


def test_query_capacity_and_key_condition_type(ddb):
    n = make_table(ddb, range_key=True)
    for i in range(10):
        ddb.put_item(TableName=n, Item={"pk": {"S": "p"}, "sk": {"S": f"s{i}"}, "d": {"S": "x" * 1000}})
    q = ddb.query(TableName=n, KeyConditionExpression="pk = :p", ReturnConsumedCapacity="TOTAL",
                  ExpressionAttributeValues={":p": {"S": "p"}})
    assert q["ConsumedCapacity"]["CapacityUnits"] == 1.5  # 10 KB read: 3 units, halved
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=n, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"N": "1"}})
    assert err(e) == ("ValidationException", "One or more parameter values were invalid: Condition parameter type "
                      "does not match schema type")


def test_update_item_return_values_nested(ddb):
    n = make_table(ddb)
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "m": {"M": {"x": {"N": "1"}, "y": {"N": "2"}}}})
    r = ddb.update_item(TableName=n, Key={"pk": {"S": "a"}}, UpdateExpression="SET m.x = :v",
                        ExpressionAttributeValues={":v": {"N": "9"}}, ReturnValues="UPDATED_NEW")
    assert r["Attributes"] == {"m": {"M": {"x": {"N": "9"}}}}
    r = ddb.update_item(TableName=n, Key={"pk": {"S": "a"}}, UpdateExpression="SET m.x = :v",
                        ExpressionAttributeValues={":v": {"N": "10"}}, ReturnValues="UPDATED_OLD")
    assert r["Attributes"] == {"m": {"M": {"x": {"N": "9"}}}}


def test_accounts_are_isolated(client):
    a = client("dynamodb", key="111111111111")
    b = client("dynamodb", key="222222222222")
    n = make_table(a)
    with pytest.raises(ClientError) as e:
        b.describe_table(TableName=n)
    assert err(e)[0] == "ResourceNotFoundException"


# ---- table ARNs, settings-only features -------------------------------------------------------

def test_table_name_as_arn_and_warm_throughput(ddb):
    n = make_table(ddb)
    arn = ddb.describe_table(TableName=n)["Table"]["TableArn"]
    ddb.put_item(TableName=arn, Item={"pk": {"S": "a"}})
    assert ddb.get_item(TableName=n, Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}
    t = ddb.describe_table(TableName=arn)["Table"]
    assert t["TableName"] == n
    assert t["WarmThroughput"] == {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"}
    ddb.delete_table(TableName=arn)
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName=n)
    assert err(e)[0] == "ResourceNotFoundException"


def test_contributor_insights_and_resource_policy(ddb):
    n = make_table(ddb)
    d = ddb.describe_contributor_insights(TableName=n)
    assert d["ContributorInsightsStatus"] == "DISABLED" and "ContributorInsightsRuleList" not in d
    assert ddb.update_contributor_insights(TableName=n, ContributorInsightsAction="ENABLE")[
        "ContributorInsightsStatus"] == "ENABLING"
    d = ddb.describe_contributor_insights(TableName=n)
    assert d["ContributorInsightsStatus"] == "ENABLED" and len(d["ContributorInsightsRuleList"]) == 4
    assert {"TableName": n, "ContributorInsightsStatus": "ENABLED"} in \
        ddb.list_contributor_insights(TableName=n)["ContributorInsightsSummaries"]
    arn = ddb.describe_table(TableName=n)["Table"]["TableArn"]
    with pytest.raises(ClientError) as e:
        ddb.get_resource_policy(ResourceArn=arn)
    assert err(e) == ("PolicyNotFoundException", f"Resource-based policy not found for the provided ResourceArn: {arn}")
    policy = '{"Version":"2012-10-17","Statement":[]}'
    rev = ddb.put_resource_policy(ResourceArn=arn, Policy=policy)["RevisionId"]
    got = ddb.get_resource_policy(ResourceArn=arn)
    assert got["Policy"] == policy and got["RevisionId"] == rev
    assert ddb.delete_resource_policy(ResourceArn=arn)["RevisionId"] == rev
    assert ddb.list_global_tables()["GlobalTables"] == []
    assert ddb.describe_kinesis_streaming_destination(TableName=n)["KinesisDataStreamDestinations"] == []


def test_throughput_enforcement_setting(start_stratus):
    server = start_stratus()
    from stratus_helpers import make_client
    ddb = make_client("dynamodb", server.url)
    n = f"m-{uuid.uuid4().hex[:10]}"
    ddb.create_table(TableName=n, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    for i in range(5):  # off by default: never throttled
        ddb.put_item(TableName=n, Item={"pk": {"S": f"k{i}"}})
    assert requests.post(f"{server.url}/_stratus/dynamodb/settings?enforce_throughput=true").json() == {
        "enforce_throughput": True, "transaction_hold_ms": 0, "layout_chunk_items": 4096, "layout_manual": False}
    with pytest.raises(ClientError) as e:
        for i in range(20):  # one write unit per second: the bucket empties at once
            ddb.put_item(TableName=n, Item={"pk": {"S": f"w{i}"}, "d": {"S": "x" * 3000}})
    assert err(e) == ("ProvisionedThroughputExceededException",
                      "The level of configured provisioned throughput for the table was exceeded. "
                      "Consider increasing your provisioning level with the UpdateTable API.")


def test_number_and_binary_sort_key_order(ddb):
    import decimal
    n = f"m-{uuid.uuid4().hex[:10]}"
    ddb.create_table(TableName=n, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    values = ["-1E+10", "-5.5", "-5", "-0.001", "0", "0.001", "0.0011", "1", "1.5", "10", "1E+10",
              "99999999999999999999999999999999999999", "-1E-130", "1E-130", "-55", "9.9E+125"]
    for v in values:
        ddb.put_item(TableName=n, Item={"pk": {"S": "p"}, "sk": {"N": v}})
    q = ddb.query(TableName=n, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}})
    got = [decimal.Decimal(i["sk"]["N"]) for i in q["Items"]]
    assert got == sorted(decimal.Decimal(v) for v in values)
    q = ddb.query(TableName=n, KeyConditionExpression="pk = :p AND sk < :z", ScanIndexForward=False,
                  ExpressionAttributeValues={":p": {"S": "p"}, ":z": {"N": "0"}})
    negatives = sorted((decimal.Decimal(v) for v in values if decimal.Decimal(v) < 0), reverse=True)
    assert [decimal.Decimal(i["sk"]["N"]) for i in q["Items"]] == negatives
    b = f"m-{uuid.uuid4().hex[:10]}"
    ddb.create_table(TableName=b, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "B"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    blobs = [b"\xff", b"\x00", b"\x7f\x01", b"\x80", b"\x00\x00", b"a"]
    for v in blobs:
        ddb.put_item(TableName=b, Item={"pk": {"S": "p"}, "sk": {"B": v}})
    q = ddb.query(TableName=b, KeyConditionExpression="pk = :p AND begins_with(sk, :x)",
                  ExpressionAttributeValues={":p": {"S": "p"}, ":x": {"B": b"\x00"}})
    assert [i["sk"]["B"] for i in q["Items"]] == [b"\x00", b"\x00\x00"]
    q = ddb.query(TableName=b, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}})
    assert [i["sk"]["B"] for i in q["Items"]] == sorted(blobs)


def test_sets_add_delete_and_conditions(ddb):
    n = make_table(ddb)
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "tags": {"SS": ["x", "y"]}, "n": {"N": "5"}})
    ddb.update_item(TableName=n, Key={"pk": {"S": "a"}}, UpdateExpression="ADD tags :t, n :one",
                    ExpressionAttributeValues={":t": {"SS": ["z"]}, ":one": {"N": "1"}})
    ddb.update_item(TableName=n, Key={"pk": {"S": "a"}}, UpdateExpression="DELETE tags :d",
                    ExpressionAttributeValues={":d": {"SS": ["x"]}})
    item = ddb.get_item(TableName=n, Key={"pk": {"S": "a"}})["Item"]
    assert sorted(item["tags"]["SS"]) == ["y", "z"] and item["n"] == {"N": "6"}
    with pytest.raises(ClientError) as e:
        ddb.delete_item(TableName=n, Key={"pk": {"S": "a"}},
                        ConditionExpression="contains(tags, :v) AND size(tags) > :two",
                        ExpressionAttributeValues={":v": {"S": "y"}, ":two": {"N": "2"}})
    assert err(e)[0] == "ConditionalCheckFailedException"
    ddb.delete_item(TableName=n, Key={"pk": {"S": "a"}},
                    ConditionExpression="contains(tags, :v) AND attribute_type(n, :num)",
                    ExpressionAttributeValues={":v": {"S": "y"}, ":num": {"S": "N"}})
    assert "Item" not in ddb.get_item(TableName=n, Key={"pk": {"S": "a"}})


def test_hash_only_table_rejects_sort_key_condition(ddb):
    n = make_table(ddb)
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=n, KeyConditionExpression="pk = :p AND sk > :s",
                  ExpressionAttributeValues={":p": {"S": "a"}, ":s": {"S": "b"}})
    assert err(e)[0] == "ValidationException"


def test_stream_shard_rollover(start_stratus):
    server = start_stratus()
    from stratus_helpers import make_client
    ddb = make_client("dynamodb", server.url)
    streams = make_client("dynamodbstreams", server.url)
    n = make_table(ddb, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    arn = ddb.describe_table(TableName=n)["Table"]["LatestStreamArn"]
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}})
    requests.post(f"{server.url}/_stratus/dynamodb/advance?seconds={4 * 3600 + 1}")
    ddb.put_item(TableName=n, Item={"pk": {"S": "b"}})
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert len(shards) == 2
    assert "EndingSequenceNumber" in shards[0]["SequenceNumberRange"]
    assert shards[1]["ParentShardId"] == shards[0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shards[0]["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    r = streams.get_records(ShardIterator=it)
    assert [x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"]] == ["a"]
    assert "NextShardIterator" not in r  # a closed shard read to its end
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shards[1]["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [x["dynamodb"]["Keys"]["pk"]["S"] for x in streams.get_records(ShardIterator=it)["Records"]] == ["b"]


def test_point_in_time_restore_undoes_later_writes(start_stratus):
    server = start_stratus()
    from stratus_helpers import make_client
    ddb = make_client("dynamodb", server.url)
    n = make_table(ddb)
    ddb.put_item(TableName=n, Item={"pk": {"S": "before-pitr"}})
    d = ddb.update_continuous_backups(TableName=n, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    earliest = d["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"]
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    requests.post(f"{server.url}/_stratus/dynamodb/advance?seconds=100")
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "v": {"N": "2"}})
    ddb.put_item(TableName=n, Item={"pk": {"S": "b"}})
    ddb.delete_item(TableName=n, Key={"pk": {"S": "before-pitr"}})
    import datetime as dt
    at = earliest + dt.timedelta(seconds=50)
    r = ddb.restore_table_to_point_in_time(SourceTableName=n, TargetTableName=n + "-then", RestoreDateTime=at)
    assert int(r["TableDescription"]["RestoreSummary"]["RestoreDateTime"].timestamp()) == int(at.timestamp())
    items = {i["pk"]["S"]: i for i in ddb.scan(TableName=n + "-then")["Items"]}
    assert sorted(items) == ["a", "before-pitr"] and items["a"]["v"] == {"N": "1"}
    ddb.restore_table_to_point_in_time(SourceTableName=n, TargetTableName=n + "-now", UseLatestRestorableTime=True)
    assert sorted(i["pk"]["S"] for i in ddb.scan(TableName=n + "-now")["Items"]) == ["a", "b"]


def test_query_empty_partition_key_value(ddb):
    n = make_table(ddb)
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=n, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": ""}})
    assert err(e) == ("ValidationException", "One or more parameter values are not valid. The AttributeValue for a "
                      "key attribute cannot contain an empty string value. Key: pk")


def test_partiql_consumed_capacity(ddb):
    n = make_table(ddb)
    r = ddb.execute_statement(Statement=f"INSERT INTO \"{n}\" VALUE {{'pk': 'a', 'd': ?}}",
                              Parameters=[{"S": "x" * 1500}], ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == {"TableName": n, "CapacityUnits": 2.0}
    r = ddb.execute_statement(Statement=f"SELECT * FROM \"{n}\" WHERE pk = 'a'", ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == {"TableName": n, "CapacityUnits": 0.5}


def test_query_filter_on_key_attribute_rejected(ddb):
    n = make_table(ddb, range_key=True)
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=n, KeyConditionExpression="pk = :p", FilterExpression="sk > :s",
                  ExpressionAttributeValues={":p": {"S": "a"}, ":s": {"S": "b"}})
    assert err(e) == ("ValidationException", "Filter Expression can only contain non-primary key attributes: "
                      "Primary key attribute: sk")


def test_updated_new_with_list_index(ddb):
    n = make_table(ddb)
    ddb.put_item(TableName=n, Item={"pk": {"S": "a"}, "l": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}})
    r = ddb.update_item(TableName=n, Key={"pk": {"S": "a"}}, UpdateExpression="SET l[1] = :v",
                        ExpressionAttributeValues={":v": {"N": "20"}}, ReturnValues="UPDATED_NEW")
    assert r["Attributes"] == {"l": {"L": [{"N": "20"}]}}


def test_partiql_returning_and_order_by_desc(ddb):
    n = make_table(ddb, range_key=True)
    for i in range(5):
        ddb.put_item(TableName=n, Item={"pk": {"S": "p"}, "sk": {"S": f"s{i}"}, "v": {"N": str(i)}})
    r = ddb.execute_statement(Statement=f"UPDATE \"{n}\" SET v = 10 WHERE pk = 'p' AND sk = 's1' RETURNING ALL OLD *")
    assert r["Items"] == [{"pk": {"S": "p"}, "sk": {"S": "s1"}, "v": {"N": "1"}}]
    r = ddb.execute_statement(Statement=f"UPDATE \"{n}\" SET v = 11 WHERE pk = 'p' AND sk = 's1' RETURNING MODIFIED NEW *")
    assert r["Items"] == [{"v": {"N": "11"}}]
    got, kw = [], {}
    while True:
        r = ddb.execute_statement(Statement=f"SELECT sk FROM \"{n}\" WHERE pk = 'p' ORDER BY sk DESC", Limit=2, **kw)
        got += [i["sk"]["S"] for i in r["Items"]]
        if "NextToken" not in r:
            break
        kw["NextToken"] = r["NextToken"]
    assert got == ["s4", "s3", "s2", "s1", "s0"]


def test_large_table_laid_out_again_keeps_items_and_indexes(ddb):
    """Past 4,096 items the first Query lays the table out again in key order: every item,
    the GSI and later writes must come through it unchanged."""
    name = "relayout-" + uuid.uuid4().hex[:8]
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                                    {"AttributeName": "sk", "KeyType": "RANGE"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    parts, per = 50, 100  # 5,000 items written round-robin across partitions
    items = [{"pk": {"S": f"p{i % parts}"}, "sk": {"N": str(i // parts)}, "g": {"S": f"g{i % 7}"},
              "v": {"S": f"value-{i}"}} for i in range(parts * per)]
    for i in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]})

    def page(pk):
        out = ddb.query(TableName=name, KeyConditionExpression="pk = :p",
                        ExpressionAttributeValues={":p": {"S": pk}})["Items"]
        return [(int(x["sk"]["N"]), x["v"]["S"]) for x in out]

    assert page("p3") == [(k, f"value-{k * parts + 3}") for k in range(per)]  # this query lays it out
    assert page("p49")[-1] == (per - 1, f"value-{(per - 1) * parts + 49}")
    by_g = ddb.query(TableName=name, IndexName="by-g", KeyConditionExpression="g = :g",
                     ExpressionAttributeValues={":g": {"S": "g0"}})["Items"]
    assert len(by_g) == len([i for i in range(parts * per) if i % 7 == 0])
    # Writes after the layout still update the table and the index.
    ddb.put_item(TableName=name, Item={"pk": {"S": "p3"}, "sk": {"N": "0"}, "g": {"S": "g-new"},
                                       "v": {"S": "rewritten"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "p3"}, "sk": {"N": "1"}})
    assert page("p3")[:2] == [(0, "rewritten"), (2, f"value-{2 * parts + 3}")]
    moved = ddb.query(TableName=name, IndexName="by-g", KeyConditionExpression="g = :g",
                      ExpressionAttributeValues={":g": {"S": "g-new"}})["Items"]
    assert [x["v"]["S"] for x in moved] == ["rewritten"]
    assert ddb.scan(TableName=name, Select="COUNT")["Count"] == parts * per - 1
