"""Kinesis Data Streams with boto3: stream lifecycle, shards over the hash-key space, writes
and reads, a hot partition key, resharding while producing and reading a resharded stream in
order through its lineage, consumers, settings, bad inputs with AWS's messages, CBOR bodies
and persistence across a restart (--data-dir)."""
from __future__ import annotations

import datetime as dt
import hashlib
import struct
import time
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

from stratus_helpers import StratusServer, make_client

MAX_HASH = 2**128 - 1
# Status transitions take 150 ms here (100 ms by default): long enough to see CREATING or
# UPDATING right after a call even on a slow (sanitizer) build, short enough for a fast suite.
FAST = {"STRATUS_KINESIS_TRANSITION_MS": "150"}


@pytest.fixture(scope="module")
def server():
    s = StratusServer(["--log-level", "warn"], env=FAST)
    yield s
    rc = s.stop()
    assert rc == 0, f"stratus exited with {rc} after SIGTERM\n{s.log_text()}"


@pytest.fixture
def k(server):
    return make_client("kinesis", server.url)


def name(prefix="s"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def wait_status(k, stream, status="ACTIVE"):
    for _ in range(500):
        got = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamStatus"]
        if got == status:
            return
        time.sleep(0.01)
    raise AssertionError(f"{stream} never became {status}")


def create(k, shards=1, **kw):
    stream = name()
    k.create_stream(StreamName=stream, ShardCount=shards, **kw)
    wait_status(k, stream)
    return stream


def eventually(fn, tries=1000):
    """Polls fn (every 10 ms) until it returns a true value; returns it."""
    for _ in range(tries):
        got = fn()
        if got:
            return got
        time.sleep(0.01)
    raise AssertionError("condition never held")


def error(excinfo):
    e = excinfo.value.response["Error"]
    return e["Code"], e["Message"]


def read_shard(k, stream, shard_id, kind="TRIM_HORIZON", **kw):
    """All records of a shard from `kind`, and the last GetRecords response."""
    it = k.get_shard_iterator(StreamName=stream, ShardId=shard_id, ShardIteratorType=kind, **kw)["ShardIterator"]
    records, last = [], None
    for _ in range(1000):
        last = k.get_records(ShardIterator=it, Limit=1000)
        records += last["Records"]
        it = last.get("NextShardIterator")
        if it is None or not last["Records"]:
            break
    return records, last


# ---- streams ------------------------------------------------------------------------------

def test_create_describe_and_even_hash_ranges(k):
    stream = name()
    k.create_stream(StreamName=stream, ShardCount=3)
    summary = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["StreamStatus"] == "CREATING"
    k.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0.05, "MaxAttempts": 100})
    d = k.describe_stream(StreamName=stream)["StreamDescription"]
    assert d["StreamStatus"] == "ACTIVE"
    assert d["StreamARN"] == f"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}"
    assert d["RetentionPeriodHours"] == 24
    assert d["HasMoreShards"] is False
    assert d["EncryptionType"] == "NONE"
    assert d["EnhancedMonitoring"] == [{"ShardLevelMetrics": []}]
    assert d["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert [s["ShardId"] for s in d["Shards"]] == [f"shardId-00000000000{i}" for i in range(3)]
    # AWS's split of the 128-bit space into three.
    assert [(s["HashKeyRange"]["StartingHashKey"], s["HashKeyRange"]["EndingHashKey"]) for s in d["Shards"]] == [
        ("0", "113427455640312821154458202477256070484"),
        ("113427455640312821154458202477256070485", "226854911280625642308916404954512140969"),
        ("226854911280625642308916404954512140970", "340282366920938463463374607431768211455"),
    ]
    for s in d["Shards"]:
        assert "EndingSequenceNumber" not in s["SequenceNumberRange"]
        assert len(s["SequenceNumberRange"]["StartingSequenceNumber"]) == 56
    summary = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 3 and summary["ConsumerCount"] == 0
    two = create(k, 2)
    shards = k.list_shards(StreamName=two)["Shards"]
    assert shards[0]["HashKeyRange"]["EndingHashKey"] == str(2**127 - 1)
    assert shards[1]["HashKeyRange"]["StartingHashKey"] == str(2**127)


def test_describe_pages_shards(k):
    stream = create(k, 5)
    page = k.describe_stream(StreamName=stream, Limit=2)["StreamDescription"]
    assert [s["ShardId"] for s in page["Shards"]] == ["shardId-000000000000", "shardId-000000000001"]
    assert page["HasMoreShards"] is True
    rest = k.describe_stream(StreamName=stream, ExclusiveStartShardId="shardId-000000000001")["StreamDescription"]
    assert [s["ShardId"] for s in rest["Shards"]][0] == "shardId-000000000002"
    assert rest["HasMoreShards"] is False


def test_list_streams_with_summaries_and_pages(server):
    k = make_client("kinesis", server.url, key="111122223333")
    names = sorted(create(k) for _ in range(3))
    out = k.list_streams()
    assert out["StreamNames"] == names and out["HasMoreStreams"] is False
    assert [s["StreamName"] for s in out["StreamSummaries"]] == names
    assert out["StreamSummaries"][0]["StreamStatus"] == "ACTIVE"
    assert out["StreamSummaries"][0]["StreamARN"].startswith("arn:aws:kinesis:us-east-1:111122223333:stream/")
    first = k.list_streams(Limit=2)
    assert first["StreamNames"] == names[:2] and first["HasMoreStreams"] is True
    second = k.list_streams(NextToken=first["NextToken"])
    assert second["StreamNames"] == names[2:] and second["HasMoreStreams"] is False
    assert k.list_streams(ExclusiveStartStreamName=names[0])["StreamNames"] == names[1:]


def test_delete_stream(k):
    stream = create(k)
    k.delete_stream(StreamName=stream)
    assert k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamStatus"] == "DELETING"
    k.get_waiter("stream_not_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0.05, "MaxAttempts": 100})
    with pytest.raises(ClientError) as e:
        k.describe_stream(StreamName=stream)
    assert error(e) == ("ResourceNotFoundException", f"Stream {stream} under account 000000000000 not found.")


def test_on_demand_stream_and_mode_switch(k):
    stream = name()
    k.create_stream(StreamName=stream, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    wait_status(k, stream)
    d = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert d["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"} and d["OpenShardCount"] == 4
    k.update_stream_mode(StreamARN=d["StreamARN"], StreamModeDetails={"StreamMode": "PROVISIONED"})
    assert k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamStatus"] == "UPDATING"
    wait_status(k, stream)
    assert k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamModeDetails"] == {
        "StreamMode": "PROVISIONED"}
    limits = k.describe_limits()
    assert limits["ShardLimit"] == 500 and limits["OnDemandStreamCountLimit"] == 50
    assert limits["OpenShardCount"] >= 4 and limits["OnDemandStreamCount"] >= 0


def test_stream_errors(k):
    stream = create(k)
    with pytest.raises(ClientError) as e:
        k.create_stream(StreamName=stream, ShardCount=1)
    assert error(e) == ("ResourceInUseException", f"Stream {stream} under account 000000000000 already exists.")
    with pytest.raises(ClientError) as e:
        k.describe_stream_summary(StreamName="missing-stream")
    assert error(e) == ("ResourceNotFoundException", "Stream missing-stream under account 000000000000 not found.")
    with pytest.raises(ClientError) as e:
        k.create_stream(StreamName="x", ShardCount=501)
    code, msg = error(e)
    assert code == "LimitExceededException"
    assert msg.startswith("This request would exceed the shard limit for the account 000000000000 in us-east-1.")
    with pytest.raises(ClientError) as e:
        k.describe_stream(StreamName="bad name!")
    code, msg = error(e)
    assert code == "ValidationException"
    assert "failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+" in msg


def test_retention_periods(k):
    stream = create(k)
    for call, hours, msg in [
        (k.increase_stream_retention_period, 10,
         "Minimum allowed retention period is 24 hours. Requested retention period (10 hours) is too short."),
        (k.increase_stream_retention_period, 9000,
         "Maximum allowed retention period is 8760 hours. Requested retention period (9000 hours) is too long."),
    ]:
        with pytest.raises(ClientError) as e:
            call(StreamName=stream, RetentionPeriodHours=hours)
        assert error(e) == ("InvalidArgumentException", msg)
    k.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=48)
    assert k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["RetentionPeriodHours"] == 48
    with pytest.raises(ClientError) as e:
        k.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=25)
    assert error(e) == ("InvalidArgumentException",
                        f"Requested retention period (25 hours) for stream {stream} can not be shorter than existing "
                        "retention period (48 hours). Use DecreaseRetentionPeriod API.")
    with pytest.raises(ClientError) as e:
        k.decrease_stream_retention_period(StreamName=stream, RetentionPeriodHours=72)
    assert error(e) == ("InvalidArgumentException",
                        f"Requested retention period (72 hours) for stream {stream} can not be longer than existing "
                        "retention period (48 hours). Use IncreaseRetentionPeriod API.")
    k.decrease_stream_retention_period(StreamName=stream, RetentionPeriodHours=24)
    assert k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["RetentionPeriodHours"] == 24


def test_tags(k):
    stream = create(k)
    k.add_tags_to_stream(StreamName=stream, Tags={"b": "2", "a": "1", "c": ""})
    out = k.list_tags_for_stream(StreamName=stream)
    assert out["Tags"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}, {"Key": "c", "Value": ""}]
    assert out["HasMoreTags"] is False
    page = k.list_tags_for_stream(StreamName=stream, Limit=1, ExclusiveStartTagKey="a")
    assert page["Tags"] == [{"Key": "b", "Value": "2"}] and page["HasMoreTags"] is True
    k.remove_tags_from_stream(StreamName=stream, TagKeys=["a", "zz"])
    assert [t["Key"] for t in k.list_tags_for_stream(StreamName=stream)["Tags"]] == ["b", "c"]
    with pytest.raises(ClientError) as e:
        k.add_tags_to_stream(StreamName=stream, Tags={f"k{i}": "v" for i in range(11)})
    assert error(e) == ("InvalidArgumentException",
                        f"Failed to add tags to stream {stream} under account 000000000000 because a given request "
                        "cannot have more than 10 tags.")


def test_encryption_and_enhanced_monitoring(k):
    stream = create(k)
    k.start_stream_encryption(StreamName=stream, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    wait_status(k, stream)
    d = k.describe_stream(StreamName=stream)["StreamDescription"]
    assert d["EncryptionType"] == "KMS" and d["KeyId"] == "alias/aws/kinesis"
    put = k.put_record(StreamName=stream, Data=b"secret", PartitionKey="p")
    assert put["EncryptionType"] == "KMS"
    records, _ = read_shard(k, stream, "shardId-000000000000")
    assert records[0]["EncryptionType"] == "KMS" and records[0]["Data"] == b"secret"
    k.stop_stream_encryption(StreamName=stream, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    wait_status(k, stream)
    d = k.describe_stream(StreamName=stream)["StreamDescription"]
    assert d["EncryptionType"] == "NONE" and "KeyId" not in d

    out = k.enable_enhanced_monitoring(StreamName=stream, ShardLevelMetrics=["OutgoingBytes", "IncomingBytes"])
    assert out["CurrentShardLevelMetrics"] == []
    assert out["DesiredShardLevelMetrics"] == ["IncomingBytes", "OutgoingBytes"]
    assert out["StreamName"] == stream and out["StreamARN"].endswith(f":stream/{stream}")
    out = k.disable_enhanced_monitoring(StreamName=stream, ShardLevelMetrics=["IncomingBytes"])
    assert out["CurrentShardLevelMetrics"] == ["IncomingBytes", "OutgoingBytes"]
    assert out["DesiredShardLevelMetrics"] == ["OutgoingBytes"]
    out = k.enable_enhanced_monitoring(StreamName=stream, ShardLevelMetrics=["ALL"])
    assert len(out["DesiredShardLevelMetrics"]) == 7
    assert k.describe_stream(StreamName=stream)["StreamDescription"]["EnhancedMonitoring"] == [
        {"ShardLevelMetrics": out["DesiredShardLevelMetrics"]}]


# ---- writing and reading ------------------------------------------------------------------

def test_hot_partition_key_keeps_order_in_one_shard(k):
    stream = create(k, 4)
    key = "hot-key"
    expected_shard = None
    h = int(hashlib.md5(key.encode()).hexdigest(), 16)
    for s in k.list_shards(StreamName=stream)["Shards"]:
        if int(s["HashKeyRange"]["StartingHashKey"]) <= h <= int(s["HashKeyRange"]["EndingHashKey"]):
            expected_shard = s["ShardId"]
    seqs = []
    for i in range(60):
        out = k.put_record(StreamName=stream, Data=f"m{i}".encode(), PartitionKey=key)
        assert out["ShardId"] == expected_shard
        seqs.append(out["SequenceNumber"])
    batch = k.put_records(StreamName=stream, Records=[
        {"Data": f"m{i}".encode(), "PartitionKey": key} for i in range(60, 300)])
    assert batch["FailedRecordCount"] == 0
    assert {r["ShardId"] for r in batch["Records"]} == {expected_shard}
    seqs += [r["SequenceNumber"] for r in batch["Records"]]
    assert all(len(s) == 56 for s in seqs)
    assert [int(s) for s in seqs] == sorted(int(s) for s in seqs) and len(set(seqs)) == 300
    # Paged reads with Limit keep the order and end at the tip.
    it = k.get_shard_iterator(StreamName=stream, ShardId=expected_shard,
                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    got = []
    first = k.get_records(ShardIterator=it, Limit=100)
    assert len(first["Records"]) == 100 and first["MillisBehindLatest"] >= 0
    got += first["Records"]
    it = first["NextShardIterator"]
    while True:
        out = k.get_records(ShardIterator=it, Limit=100)
        got += out["Records"]
        it = out["NextShardIterator"]
        if not out["Records"]:
            assert out["MillisBehindLatest"] == 0
            break
    assert [r["Data"] for r in got] == [f"m{i}".encode() for i in range(300)]
    assert [r["SequenceNumber"] for r in got] == seqs
    assert all(r["PartitionKey"] == key and isinstance(r["ApproximateArrivalTimestamp"], dt.datetime) for r in got)
    assert "EncryptionType" not in got[0]  # records name it only when encrypted
    assert batch["EncryptionType"] == "NONE"
    for other in k.list_shards(StreamName=stream)["Shards"]:
        if other["ShardId"] != expected_shard:
            assert read_shard(k, stream, other["ShardId"])[0] == []


def test_explicit_hash_key_routing_and_stream_arn(k):
    stream = create(k, 2)
    arn = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    assert k.put_record(StreamARN=arn, Data=b"a", PartitionKey="x", ExplicitHashKey="0")["ShardId"] == \
        "shardId-000000000000"
    assert k.put_record(StreamName=stream, Data=b"b", PartitionKey="x",
                        ExplicitHashKey=str(MAX_HASH))["ShardId"] == "shardId-000000000001"
    assert k.put_record(StreamName=stream, Data=b"c", PartitionKey="x",
                        ExplicitHashKey=str(2**127))["ShardId"] == "shardId-000000000001"
    out = k.put_records(StreamARN=arn, Records=[{"Data": b"d", "PartitionKey": "x", "ExplicitHashKey": str(2**127 - 1)}])
    assert out["Records"][0]["ShardId"] == "shardId-000000000000"
    with pytest.raises(ClientError) as e:
        k.put_record(StreamName=stream, Data=b"a", PartitionKey="x", ExplicitHashKey=str(2**128))
    assert error(e) == ("InvalidArgumentException",
                        "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value "
                        f"was {2**128}")
    it = k.get_shard_iterator(StreamARN=arn, ShardId="shardId-000000000001",
                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [r["Data"] for r in k.get_records(ShardIterator=it, StreamARN=arn)["Records"]] == [b"b", b"c"]
    assert k.list_shards(StreamARN=arn)["Shards"][1]["ShardId"] == "shardId-000000000001"
    assert k.describe_stream(StreamARN=arn)["StreamDescription"]["StreamName"] == stream
    with pytest.raises(ClientError) as e:
        k.describe_stream_summary(StreamARN=arn.replace(stream, "nope"))
    assert error(e) == ("ResourceNotFoundException", "Stream nope under account 000000000000 not found.")


def test_iterator_types(k):
    stream = create(k)
    shard = "shardId-000000000000"
    seqs = [k.put_record(StreamName=stream, Data=f"{i}".encode(), PartitionKey="p")["SequenceNumber"]
            for i in range(5)]

    def data(kind, **kw):
        return [r["Data"] for r in read_shard(k, stream, shard, kind, **kw)[0]]

    assert data("TRIM_HORIZON") == [b"0", b"1", b"2", b"3", b"4"]
    assert data("AT_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[2]) == [b"2", b"3", b"4"]
    assert data("AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[2]) == [b"3", b"4"]
    latest = k.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    assert k.get_records(ShardIterator=latest)["Records"] == []
    # boto3 sends whole seconds: start the next record in a later second than the others.
    time.sleep(1.01 - time.time() % 1)
    mark = dt.datetime.fromtimestamp(int(time.time()), dt.timezone.utc)
    k.put_record(StreamName=stream, Data=b"5", PartitionKey="p")
    assert [r["Data"] for r in k.get_records(ShardIterator=latest)["Records"]] == [b"5"]
    assert data("AT_TIMESTAMP", Timestamp=mark) == [b"5"]
    assert data("AT_TIMESTAMP", Timestamp=mark - dt.timedelta(hours=1)) == [b"0", b"1", b"2", b"3", b"4", b"5"]


def test_read_and_write_errors(k):
    stream = create(k, 2)
    seq1 = k.put_record(StreamName=stream, Data=b"x", PartitionKey="p", ExplicitHashKey=str(MAX_HASH))["SequenceNumber"]
    with pytest.raises(ClientError) as e:
        k.get_shard_iterator(StreamName=stream, ShardId="shardId-000000000000",
                             ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=seq1)
    assert error(e) == ("InvalidArgumentException",
                        "Invalid StartingSequenceNumber. It encodes shardId-000000000001, while it was used in a call "
                        "to a shard with shardId-000000000000")
    with pytest.raises(ClientError) as e:
        k.get_shard_iterator(StreamName=stream, ShardId="shardId-000000000009", ShardIteratorType="LATEST")
    assert error(e) == ("ResourceNotFoundException",
                        f"Shard shardId-000000000009 in stream {stream} under account 000000000000 does not exist")
    with pytest.raises(ClientError) as e:
        k.get_shard_iterator(StreamName=stream, ShardId="shardId-000000000000", ShardIteratorType="AT_TIMESTAMP")
    assert error(e) == ("InvalidArgumentException",
                        "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request "
                        "has no timestamp parameter.")
    with pytest.raises(ClientError) as e:
        k.get_shard_iterator(StreamName=stream, ShardId="shardId-000000000000", ShardIteratorType="SOMETIME")
    code, msg = error(e)
    assert code == "ValidationException" and "Member must satisfy enum value set" in msg
    with pytest.raises(ClientError) as e:
        k.get_records(ShardIterator="bm90IGFuIGl0ZXJhdG9y")
    assert error(e) == ("InvalidArgumentException", "Invalid ShardIterator.")
    bad = make_client("kinesis", k.meta.endpoint_url, validate=False)
    with pytest.raises(ClientError) as e:
        bad.put_record(StreamName=stream, Data=b"x", PartitionKey="")
    code, msg = error(e)
    assert code == "ValidationException"
    assert "at 'partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1" in msg
    with pytest.raises(ClientError) as e:
        bad.put_records(StreamName=stream, Records=[{"Data": b"x", "PartitionKey": "p"}] * 501)
    code, msg = error(e)
    assert code == "ValidationException"
    assert "at 'records' failed to satisfy constraint: Member must have length less than or equal to 500" in msg
    big = b"x" * (1024 * 1024 - 10)
    with pytest.raises(ClientError) as e:
        k.put_records(StreamName=stream, Records=[{"Data": big, "PartitionKey": "p"}] * 6)
    assert error(e) == ("InvalidArgumentException", "Records size exceeds 5 MB limit")
    with pytest.raises(ClientError) as e:
        k.put_record(StreamName="nope", Data=b"x", PartitionKey="p")
    assert error(e) == ("ResourceNotFoundException", "Stream nope under account 000000000000 not found.")


def test_iterator_expires(start_stratus):
    s = start_stratus("--log-level", "warn", env={**FAST, "STRATUS_KINESIS_ITERATOR_TTL_MS": "300"})
    k = make_client("kinesis", s.url)
    stream = create(k)
    it = k.get_shard_iterator(StreamName=stream, ShardId="shardId-000000000000",
                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    time.sleep(0.4)
    with pytest.raises(ClientError) as e:
        k.get_records(ShardIterator=it)
    code, msg = error(e)
    assert code == "ExpiredIteratorException"
    assert msg.startswith("Iterator expired. The iterator was created at time ")
    assert msg.endswith("which is further in the future than the tolerated delay of 300 milliseconds.")


def test_throughput_enforced_per_shard_when_enabled(start_stratus):
    s = start_stratus("--log-level", "warn", env={**FAST, "STRATUS_KINESIS_ENFORCE_THROUGHPUT": "true"})
    k = make_client("kinesis", s.url)
    stream = create(k)
    records = [{"Data": b"x" * 2500, "PartitionKey": "p"}] * 500
    time.sleep(1.01 - time.time() % 1)  # the next calls within one second
    out = k.put_records(StreamName=stream, Records=records)
    assert 0 < out["FailedRecordCount"] < 500
    failed = [r for r in out["Records"] if "ErrorCode" in r]
    assert failed[0] == {"ErrorCode": "ProvisionedThroughputExceededException",
                         "ErrorMessage": f"Rate exceeded for shard shardId-000000000000 in stream {stream} under "
                                         "account 000000000000."}
    assert "ErrorCode" not in out["Records"][0] and out["Records"][0]["ShardId"] == "shardId-000000000000"
    with pytest.raises(ClientError) as e:
        k.put_record(StreamName=stream, Data=b"x" * 1000, PartitionKey="p")
    assert error(e) == ("ProvisionedThroughputExceededException",
                        f"Rate exceeded for shard shardId-000000000000 in stream {stream} under account "
                        "000000000000.")
    # Reads: 5 GetRecords calls per shard and second (six calls well within one second).
    it = k.get_shard_iterator(StreamName=stream, ShardId="shardId-000000000000",
                              ShardIteratorType="LATEST")["ShardIterator"]
    time.sleep(1.01 - time.time() % 1)
    for _ in range(5):
        k.get_records(ShardIterator=it)
    with pytest.raises(ClientError) as e:
        k.get_records(ShardIterator=it)
    assert error(e) == ("ProvisionedThroughputExceededException",
                        f"Rate exceeded for Shard - shardId-000000000000 in stream {stream} under account "
                        "000000000000.")


# ---- resharding ---------------------------------------------------------------------------

def read_in_lineage_order(k, stream):
    """Reads every shard, parents before children, following ChildShards from the shards
    open at the trim horizon. Returns records by shard in reading order."""
    roots = k.list_shards(StreamName=stream, ShardFilter={"Type": "AT_TRIM_HORIZON"})["Shards"]
    queue = [s["ShardId"] for s in roots]
    done, order = set(), []
    parents = {s["ShardId"]: [p for p in (s.get("ParentShardId"), s.get("AdjacentParentShardId")) if p]
               for s in k.list_shards(StreamName=stream)["Shards"]}
    while queue:
        shard = queue.pop(0)
        if shard in done:
            continue
        if any(p not in done for p in parents[shard]):
            queue.append(shard)
            continue
        records, last = read_shard(k, stream, shard)
        done.add(shard)
        order.append((shard, records))
        if last.get("NextShardIterator") is None:
            for child in last["ChildShards"]:
                queue.append(child["ShardId"])
    return order


def test_split_merge_and_lineage(k):
    stream = create(k, 2)
    for i in range(20):
        k.put_record(StreamName=stream, Data=f"a{i}".encode(), PartitionKey=f"k{i % 5}")
    with pytest.raises(ClientError) as e:
        k.split_shard(StreamName=stream, ShardToSplit="shardId-000000000000", NewStartingHashKey="1")
    assert error(e) == ("InvalidArgumentException",
                        f"NewStartingHashKey 1 used in SplitShard() on shard shardId-000000000000 in stream {stream} "
                        "under account 000000000000 is not both greater than one plus the shard's StartingHashKey 0 "
                        "and less than the shard's EndingHashKey 170141183460469231731687303715884105727.")
    k.split_shard(StreamName=stream, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**126))
    assert k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamStatus"] == "UPDATING"
    with pytest.raises(ClientError) as e:
        k.split_shard(StreamName=stream, ShardToSplit="shardId-000000000001", NewStartingHashKey=str(2**127 + 5))
    assert error(e) == ("ResourceInUseException",
                        f"Stream {stream} under account 000000000000 not ACTIVE, instead in state UPDATING")
    wait_status(k, stream)
    shards = {s["ShardId"]: s for s in k.list_shards(StreamName=stream)["Shards"]}
    assert set(shards) == {f"shardId-00000000000{i}" for i in range(4)}
    assert "EndingSequenceNumber" in shards["shardId-000000000000"]["SequenceNumberRange"]
    assert shards["shardId-000000000002"]["ParentShardId"] == "shardId-000000000000"
    assert shards["shardId-000000000002"]["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": str(2**126 - 1)}
    assert shards["shardId-000000000003"]["HashKeyRange"] == {"StartingHashKey": str(2**126),
                                                              "EndingHashKey": str(2**127 - 1)}
    assert int(shards["shardId-000000000002"]["SequenceNumberRange"]["StartingSequenceNumber"]) > \
        int(shards["shardId-000000000000"]["SequenceNumberRange"]["EndingSequenceNumber"]) - 10**30
    with pytest.raises(ClientError) as e:
        k.merge_shards(StreamName=stream, ShardToMerge="shardId-000000000002", AdjacentShardToMerge="shardId-000000000001")
    assert error(e) == ("InvalidArgumentException",
                        f"Shards shardId-000000000002 and shardId-000000000001 in stream {stream} under account "
                        "000000000000 are not an adjacent pair of shards eligible for merging")
    for i in range(20, 40):
        k.put_record(StreamName=stream, Data=f"a{i}".encode(), PartitionKey=f"k{i % 5}")
    k.merge_shards(StreamName=stream, ShardToMerge="shardId-000000000003", AdjacentShardToMerge="shardId-000000000001")
    wait_status(k, stream)
    merged = k.list_shards(StreamName=stream, ShardFilter={"Type": "AT_LATEST"})["Shards"]
    assert [s["ShardId"] for s in merged] == ["shardId-000000000002", "shardId-000000000004"]
    assert merged[1]["ParentShardId"] == "shardId-000000000003"
    assert merged[1]["AdjacentParentShardId"] == "shardId-000000000001"
    assert merged[1]["HashKeyRange"] == {"StartingHashKey": str(2**126), "EndingHashKey": str(MAX_HASH)}
    with pytest.raises(ClientError) as e:
        k.split_shard(StreamName=stream, ShardToSplit="shardId-000000000001", NewStartingHashKey=str(2**127 + 5))
    assert error(e) == ("InvalidArgumentException",
                        f"Shard shardId-000000000001 in stream {stream} under account 000000000000 has already been "
                        "merged or split, and thus is not eligible for merging or splitting.")
    for i in range(40, 60):
        k.put_record(StreamName=stream, Data=f"a{i}".encode(), PartitionKey=f"k{i % 5}")

    # The end of a closed shard: its records, no next iterator, and its children.
    records, last = read_shard(k, stream, "shardId-000000000000")
    assert last.get("NextShardIterator") is None
    assert last["ChildShards"] == [
        {"ShardId": "shardId-000000000002", "ParentShards": ["shardId-000000000000"],
         "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": str(2**126 - 1)}},
        {"ShardId": "shardId-000000000003", "ParentShards": ["shardId-000000000000"],
         "HashKeyRange": {"StartingHashKey": str(2**126), "EndingHashKey": str(2**127 - 1)}}]
    _, last = read_shard(k, stream, "shardId-000000000001")
    assert [c["ShardId"] for c in last["ChildShards"]] == ["shardId-000000000004"]
    assert last["ChildShards"][0]["ParentShards"] == ["shardId-000000000003", "shardId-000000000001"]

    # Every record once, and each key's records in the order they were written.
    order = read_in_lineage_order(k, stream)
    seen = [r["Data"].decode() for _, recs in order for r in recs]
    assert sorted(seen) == sorted(f"a{i}" for i in range(60))
    for key in range(5):
        mine = [int(d[1:]) for d in seen if int(d[1:]) % 5 == key]
        assert mine == sorted(mine)

    # Shard filters.
    def ids(**f):
        return [s["ShardId"] for s in k.list_shards(StreamName=stream, ShardFilter=f)["Shards"]]
    assert ids(Type="AT_TRIM_HORIZON") == ["shardId-000000000000", "shardId-000000000001"]
    assert ids(Type="FROM_TRIM_HORIZON") == [f"shardId-00000000000{i}" for i in range(5)]
    assert ids(Type="AFTER_SHARD_ID", ShardId="shardId-000000000002") == ["shardId-000000000003", "shardId-000000000004"]
    # (boto3 sends whole seconds)
    assert ids(Type="AT_TIMESTAMP", Timestamp=dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)) == \
        ["shardId-000000000002", "shardId-000000000004"]
    page = k.list_shards(StreamName=stream, MaxResults=2)
    assert [s["ShardId"] for s in page["Shards"]] == ["shardId-000000000000", "shardId-000000000001"]
    rest = k.list_shards(NextToken=page["NextToken"])
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000000002", "shardId-000000000003",
                                                      "shardId-000000000004"]
    assert "NextToken" not in rest
    with pytest.raises(ClientError) as e:
        k.list_shards(StreamName=stream, NextToken=page["NextToken"])
    assert error(e) == ("InvalidArgumentException", "NextToken and StreamName cannot be provided together.")


def test_update_shard_count_while_producing(k):
    stream = create(k, 2)
    written = []

    def produce(n0, n1):
        batch = [{"Data": f"r{i}".encode(), "PartitionKey": f"key{i % 7}"} for i in range(n0, n1)]
        assert k.put_records(StreamName=stream, Records=batch)["FailedRecordCount"] == 0
        written.extend(range(n0, n1))

    produce(0, 100)
    out = k.update_shard_count(StreamName=stream, TargetShardCount=3, ScalingType="UNIFORM_SCALING")
    assert out["CurrentShardCount"] == 2 and out["TargetShardCount"] == 3 and out["StreamName"] == stream
    produce(100, 200)  # UPDATING still takes writes
    wait_status(k, stream)
    open_shards = k.list_shards(StreamName=stream, ShardFilter={"Type": "AT_LATEST"})["Shards"]
    assert len(open_shards) == 3
    assert open_shards[0]["HashKeyRange"]["StartingHashKey"] == "0"
    assert open_shards[2]["HashKeyRange"]["EndingHashKey"] == str(MAX_HASH)
    assert open_shards[1]["ParentShardId"] == "shardId-000000000000"
    assert open_shards[1]["AdjacentParentShardId"] == "shardId-000000000001"
    with pytest.raises(ClientError) as e:
        k.update_shard_count(StreamName=stream, TargetShardCount=7, ScalingType="UNIFORM_SCALING")
    assert error(e)[0] == "LimitExceededException"
    k.update_shard_count(StreamName=stream, TargetShardCount=2, ScalingType="UNIFORM_SCALING")
    produce(200, 300)
    wait_status(k, stream)
    order = read_in_lineage_order(k, stream)
    seen = [int(r["Data"][1:]) for _, recs in order for r in recs]
    assert sorted(seen) == written
    for key in range(7):
        mine = [i for i in seen if i % 7 == key]
        assert mine == sorted(mine)


# ---- consumers ----------------------------------------------------------------------------

def test_stream_consumers(k):
    stream = create(k)
    arn = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    c = k.register_stream_consumer(StreamARN=arn, ConsumerName="app1")["Consumer"]
    assert c["ConsumerName"] == "app1" and c["ConsumerStatus"] == "CREATING"
    assert c["ConsumerARN"].startswith(arn + "/consumer/app1:")
    with pytest.raises(ClientError) as e:
        k.register_stream_consumer(StreamARN=arn, ConsumerName="app1")
    assert error(e) == ("ResourceInUseException",
                        f"Consumer app1 under stream {stream} already exists for account 000000000000.")
    d = eventually(lambda: (x := k.describe_stream_consumer(ConsumerARN=c["ConsumerARN"])["ConsumerDescription"])
                   ["ConsumerStatus"] == "ACTIVE" and x)
    assert d["StreamARN"] == arn
    assert k.describe_stream_consumer(StreamARN=arn, ConsumerName="app1")["ConsumerDescription"]["ConsumerARN"] == \
        c["ConsumerARN"]
    k.register_stream_consumer(StreamARN=arn, ConsumerName="app2")
    page = k.list_stream_consumers(StreamARN=arn, MaxResults=1)
    assert [x["ConsumerName"] for x in page["Consumers"]] == ["app1"]
    assert [x["ConsumerName"] for x in k.list_stream_consumers(StreamARN=arn, NextToken=page["NextToken"])["Consumers"]] \
        == ["app2"]
    assert k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["ConsumerCount"] == 2
    with pytest.raises(ClientError) as e:
        k.delete_stream(StreamName=stream)
    assert error(e)[0] == "ResourceInUseException"
    k.deregister_stream_consumer(ConsumerARN=c["ConsumerARN"])
    assert k.describe_stream_consumer(ConsumerARN=c["ConsumerARN"])["ConsumerDescription"]["ConsumerStatus"] == \
        "DELETING"
    eventually(lambda: c["ConsumerName"] not in
               [x["ConsumerName"] for x in k.list_stream_consumers(StreamARN=arn)["Consumers"]])
    with pytest.raises(ClientError) as e:
        k.describe_stream_consumer(ConsumerARN=c["ConsumerARN"])
    assert error(e) == ("ResourceNotFoundException", f"Consumer {c['ConsumerARN']} not found.")
    k.delete_stream(StreamName=stream, EnforceConsumerDeletion=True)


# ---- CBOR bodies (the AWS SDK for Java's default) -----------------------------------------

def cbor_encode(v) -> bytes:
    def head(major, n):
        if n < 24:
            return bytes([major << 5 | n])
        for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
            if n < 256 ** struct.calcsize(fmt):
                return bytes([major << 5 | info]) + struct.pack(fmt, n)
    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, str):
        return head(3, len(v.encode())) + v.encode()
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(cbor_encode(x) for x in v)
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(cbor_encode(a) + cbor_encode(b) for a, b in v.items())
    if isinstance(v, dt.datetime):
        return b"\xc1" + cbor_encode(int(v.timestamp() * 1000))
    raise TypeError(v)


def cbor_decode(data: bytes):
    pos = 0

    def item():
        nonlocal pos
        ib = data[pos]
        pos += 1
        major, info = ib >> 5, ib & 31
        if major == 7:
            if info == 20:
                return False
            if info == 21:
                return True
            if info in (22, 23):
                return None
            if info == 27:
                pos += 8
                return struct.unpack(">d", data[pos - 8:pos])[0]
            raise ValueError(info)
        if info < 24:
            n = info
        else:
            size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
            n = int.from_bytes(data[pos:pos + size], "big")
            pos += size
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major in (2, 3):
            pos += n
            raw = data[pos - n:pos]
            return raw if major == 2 else raw.decode()
        if major == 4:
            return [item() for _ in range(n)]
        if major == 5:
            return {item(): item() for _ in range(n)}
        if major == 6:
            return ("tag", n, item())
        raise ValueError(major)

    return item()


def cbor_call(url, op, body):
    req = urllib.request.Request(url + "/", data=cbor_encode(body), method="POST", headers={
        "Content-Type": "application/x-amz-cbor-1.1", "X-Amz-Target": f"Kinesis_20131202.{op}",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/kinesis/aws4_request, "
                         "SignedHeaders=host, Signature=00"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), cbor_decode(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), cbor_decode(e.read())


def test_cbor_bodies(server, k):
    stream = create(k)
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    status, headers, out = cbor_call(server.url, "PutRecord",
                                     {"StreamName": stream, "Data": b"\x00\x01binary\xff", "PartitionKey": "p"})
    assert status == 200 and headers["Content-Type"] == "application/x-amz-cbor-1.1"
    assert out["ShardId"] == "shardId-000000000000" and len(out["SequenceNumber"]) == 56
    status, _, out = cbor_call(server.url, "GetShardIterator", {
        "StreamName": stream, "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP",
        "Timestamp": before})
    assert status == 200
    status, _, out = cbor_call(server.url, "GetRecords", {"ShardIterator": out["ShardIterator"]})
    assert status == 200
    [rec] = out["Records"]
    assert rec["Data"] == b"\x00\x01binary\xff"  # a byte string, not base64 text
    tag, number, millis = rec["ApproximateArrivalTimestamp"]
    assert (tag, number) == ("tag", 1) and isinstance(millis, int)
    assert abs(millis / 1000 - time.time()) < 60
    # The same record through JSON.
    assert read_shard(k, stream, "shardId-000000000000")[0][0]["Data"] == b"\x00\x01binary\xff"
    status, headers, out = cbor_call(server.url, "DescribeStreamSummary", {"StreamName": "nope"})
    assert status == 400 and headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert out == {"__type": "ResourceNotFoundException",
                   "message": "Stream nope under account 000000000000 not found."}


# ---- persistence --------------------------------------------------------------------------

def test_streams_and_records_survive_restart(start_stratus, tmp_path):
    data = str(tmp_path / "data")
    s = start_stratus("--data-dir", data, "--log-level", "warn", env=FAST)
    k = make_client("kinesis", s.url)
    stream = create(k, 2)
    k.add_tags_to_stream(StreamName=stream, Tags={"team": "data"})
    k.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=48)
    seqs = [k.put_record(StreamName=stream, Data=f"d{i}".encode(), PartitionKey=f"p{i}")["SequenceNumber"]
            for i in range(10)]
    k.split_shard(StreamName=stream, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**126))
    wait_status(k, stream)
    k.put_record(StreamName=stream, Data=b"after-split", PartitionKey="x", ExplicitHashKey="5")
    arn = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    k.register_stream_consumer(StreamARN=arn, ConsumerName="c1")
    gone = create(k)
    k.delete_stream(StreamName=gone)
    before = k.list_shards(StreamName=stream)["Shards"]
    assert s.stop() == 0

    s = start_stratus("--data-dir", data, "--log-level", "warn", env=FAST)
    k = make_client("kinesis", s.url)
    summary = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["StreamStatus"] == "ACTIVE" and summary["RetentionPeriodHours"] == 48
    assert summary["ConsumerCount"] == 1
    assert k.list_tags_for_stream(StreamName=stream)["Tags"] == [{"Key": "team", "Value": "data"}]
    assert k.list_shards(StreamName=stream)["Shards"] == before
    assert gone not in k.list_streams()["StreamNames"]
    order = read_in_lineage_order(k, stream)
    got = sorted((r["SequenceNumber"], r["Data"]) for _, recs in order for r in recs)
    assert {d for _, d in got} == {f"d{i}".encode() for i in range(10)} | {b"after-split"}
    assert set(seqs) <= {q for q, _ in got}
    # New records continue the sequence.
    new = k.put_record(StreamName=stream, Data=b"new", PartitionKey="x", ExplicitHashKey="5")
    assert new["ShardId"] == "shardId-000000000002"
    assert int(new["SequenceNumber"]) > max(int(q) for q in seqs)


# ---- the ARN-based API generation -----------------------------------------------------------

def test_tags_and_policies_by_resource_arn(k):
    stream = name()
    k.create_stream(StreamName=stream, ShardCount=1, Tags={"env": "test"})
    wait_status(k, stream)
    arn = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    assert k.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "test"}]
    k.tag_resource(ResourceARN=arn, Tags={"a": "1"})
    # Both generations see the same tags.
    assert k.list_tags_for_stream(StreamName=stream)["Tags"] == [{"Key": "a", "Value": "1"},
                                                               {"Key": "env", "Value": "test"}]
    k.untag_resource(ResourceARN=arn, TagKeys=["env"])
    assert k.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "a", "Value": "1"}]
    consumer = k.register_stream_consumer(StreamARN=arn, ConsumerName="c", Tags={"t": "v"})["Consumer"]
    assert k.list_tags_for_resource(ResourceARN=consumer["ConsumerARN"])["Tags"] == [{"Key": "t", "Value": "v"}]

    policy = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:'
              'root"},"Action":"kinesis:GetRecords","Resource":"' + arn + '"}]}')
    k.put_resource_policy(ResourceARN=arn, Policy=policy)
    assert k.get_resource_policy(ResourceARN=arn)["Policy"] == policy
    k.delete_resource_policy(ResourceARN=arn)
    assert k.get_resource_policy(ResourceARN=arn)["Policy"] == "{}"
    with pytest.raises(ClientError) as e:
        k.put_resource_policy(ResourceARN=arn, Policy="not json")
    assert error(e) == ("InvalidArgumentException", "Policy is not a valid JSON document.")
    with pytest.raises(ClientError) as e:
        k.list_tags_for_resource(ResourceARN=arn.replace(stream, "absent"))
    assert error(e) == ("ResourceNotFoundException", "Stream absent under account 000000000000 not found.")


def test_max_record_size_and_account_settings(k):
    stream = create(k)
    summary = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["MaxRecordSizeInKiB"] == 1024
    big = b"x" * (1024 * 1024)
    with pytest.raises(ClientError) as e:
        k.put_record(StreamName=stream, Data=big, PartitionKey="p")
    assert error(e)[0] == "InvalidArgumentException"
    k.update_max_record_size(StreamARN=summary["StreamARN"], MaxRecordSizeInKiB=2048)
    assert k.put_record(StreamName=stream, Data=big, PartitionKey="p")["ShardId"] == "shardId-000000000000"
    assert k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["MaxRecordSizeInKiB"] == 2048
    with pytest.raises(ClientError) as e:
        k.update_stream_warm_throughput(StreamName=stream, WarmThroughputMiBps=10)
    assert error(e)[0] == "InvalidArgumentException"

    other = make_client("kinesis", k.meta.endpoint_url, key="444455556666")
    assert other.describe_account_settings()["MinimumThroughputBillingCommitment"] == {"Status": "DISABLED"}
    out = other.update_account_settings(MinimumThroughputBillingCommitment={"Status": "ENABLED"})
    assert out["MinimumThroughputBillingCommitment"]["Status"] == "ENABLED"
    assert "EarliestAllowedEndAt" in out["MinimumThroughputBillingCommitment"]
    out = other.update_account_settings(MinimumThroughputBillingCommitment={"Status": "DISABLED"})
    assert out["MinimumThroughputBillingCommitment"]["Status"] == "ENABLED_UNTIL_EARLIEST_ALLOWED_END"


# ---- SubscribeToShard (over HTTP/1.1 chunked here; the JS tests use HTTP/2) ---------------

def active_consumer(k, stream, name="efo"):
    arn = k.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    consumer = k.register_stream_consumer(StreamARN=arn, ConsumerName=name)["Consumer"]["ConsumerARN"]
    with pytest.raises(ClientError) as e:
        k.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000000",
                             StartingPosition={"Type": "LATEST"})
    assert error(e) == ("ResourceInUseException",
                        f"Consumer {consumer} is not in ACTIVE state, instead in state CREATING.")
    for _ in range(500):
        if k.describe_stream_consumer(ConsumerARN=consumer)["ConsumerDescription"]["ConsumerStatus"] == "ACTIVE":
            return consumer
        time.sleep(0.01)
    raise AssertionError("consumer never became ACTIVE")


def test_subscribe_to_shard_pushes_records_and_ends_at_a_split(k):
    stream = create(k)
    consumer = active_consumer(k, stream)
    seqs = [k.put_record(StreamName=stream, Data=f"r{i}".encode(), PartitionKey="p")["SequenceNumber"]
            for i in range(3)]
    out = k.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000000",
                               StartingPosition={"Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": seqs[0]})
    assert out["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/vnd.amazon.eventstream"
    got, events = [], []
    for event in out["EventStream"]:
        e = event["SubscribeToShardEvent"]
        events.append(e)
        got += [r["Data"] for r in e["Records"]]
        if len(events) == 1:
            assert got == [b"r1", b"r2"]
            assert e["ContinuationSequenceNumber"] == seqs[2] or int(e["ContinuationSequenceNumber"]) >= int(seqs[2])
            assert e["MillisBehindLatest"] == 0
            k.put_record(StreamName=stream, Data=b"live", PartitionKey="p")
        elif len(events) == 2:
            assert got[-1] == b"live"
            k.split_shard(StreamName=stream, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**127))
    # The split closed the shard: the last event names its children, then the stream ends.
    assert events[-1]["ChildShards"] == [
        {"ShardId": "shardId-000000000001", "ParentShards": ["shardId-000000000000"],
         "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": str(2**127 - 1)}},
        {"ShardId": "shardId-000000000002", "ParentShards": ["shardId-000000000000"],
         "HashKeyRange": {"StartingHashKey": str(2**127), "EndingHashKey": str(MAX_HASH)}}]
    assert "ContinuationSequenceNumber" not in events[-1]
    assert got == [b"r1", b"r2", b"live"]


def test_subscribe_to_shard_errors_and_end(start_stratus):
    s = start_stratus("--log-level", "warn", env={**FAST, "STRATUS_KINESIS_SUBSCRIPTION_MS": "300"})
    k = make_client("kinesis", s.url)
    stream = create(k)
    consumer = active_consumer(k, stream)
    missing = consumer.replace("/consumer/efo:", "/consumer/nope:")
    with pytest.raises(ClientError) as e:
        k.subscribe_to_shard(ConsumerARN=missing, ShardId="shardId-000000000000",
                             StartingPosition={"Type": "LATEST"})
    assert error(e) == ("ResourceNotFoundException", f"Consumer {missing} not found.")
    with pytest.raises(ClientError) as e:
        k.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000007",
                             StartingPosition={"Type": "LATEST"})
    assert error(e) == ("ResourceNotFoundException",
                        f"Shard shardId-000000000007 in stream {stream} under account 000000000000 does not exist")
    # The subscription ends by itself after its lifetime (300 ms here, 5 minutes by default).
    started = time.monotonic()
    out = k.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000000",
                               StartingPosition={"Type": "LATEST"})
    events = list(out["EventStream"])
    assert [e["SubscribeToShardEvent"]["Records"] for e in events] == [[]]
    assert time.monotonic() - started < 10
    # Deregistering the consumer ends its subscriptions.
    out = k.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000000",
                               StartingPosition={"Type": "TRIM_HORIZON"})
    stream_iter = iter(out["EventStream"])
    next(stream_iter)
    k.deregister_stream_consumer(ConsumerARN=consumer)
    assert list(stream_iter) == []
