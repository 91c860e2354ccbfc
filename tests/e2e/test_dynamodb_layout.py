"""DynamoDB reads served from the laid-out table: once a table has grown, its next Query or
Scan lays it out again in key order with each item's JSON text kept beside it, and Query, Scan
and GetItem copy that text into their responses. These tests check that what comes back is
exactly what was written (every attribute type, escapes, normalized numbers), and that items
written after the layout come back as written, not as they were laid out.
"""
from __future__ import annotations

import base64
import json
import uuid

import pytest
import requests

from stratus_helpers import REGION


@pytest.fixture
def ddb(client):
    return client("dynamodb")


def make_table(ddb) -> str:
    n = f"lay-{uuid.uuid4().hex[:10]}"
    ddb.create_table(
        TableName=n, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                                    {"AttributeName": "sk", "KeyType": "RANGE"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    return n


def item(i: int, version: str = "v1") -> dict:
    """An item with every attribute type; text with quotes, backslashes, control characters and
    characters outside ASCII; a number written unnormalized."""
    return {
        "pk": {"S": f"p{i % 3}"}, "sk": {"N": str(i)}, "g": {"S": f"g{i % 2}"},
        "s": {"S": f'{version} "q" \\ \n\t\x01 é 𝄞 </script> {i}'},
        "n": {"N": f"0{i}.50"},
        "b": {"B": bytes([i % 256, 0, 255, 10])},
        "ss": {"SS": [f"a{i}", "b"]}, "ns": {"NS": ["1", f"{i + 2}"]}, "bs": {"BS": [b"\x00", b"\x01"]},
        "l": {"L": [{"S": "x"}, {"N": "-1e2"}, {"NULL": True}, {"BOOL": False}]},
        "m": {"M": {"inner": {"M": {"deep": {"S": version}}}, "t": {"BOOL": True}}},
    }


def expected(i: int, version: str = "v1") -> dict:
    e = item(i, version)
    e["n"] = {"N": f"{i}.5"}                      # DynamoDB's normalization
    e["l"]["L"][1] = {"N": "-100"}
    return e


def norm(it: dict) -> dict:
    out = dict(it)
    for k in ("ss", "ns", "bs"):
        t = next(iter(out[k]))
        out[k] = {t: sorted(out[k][t])}
    return out


def pages(call, **args) -> list[dict]:
    """Every item of a paginated Query or Scan, each page's Count checked."""
    items, start = [], None
    while True:
        r = call(**args, **({"ExclusiveStartKey": start} if start else {}))
        items += r["Items"]
        assert r["Count"] == len(r["Items"])
        start = r.get("LastEvaluatedKey")
        if not start:
            return items


def query_all(ddb, table, pk, **kw) -> list[dict]:
    return pages(ddb.query, TableName=table, KeyConditionExpression="pk = :p",
                 ExpressionAttributeValues={":p": {"S": pk}}, **kw)


N = 300  # well past the size at which a table is laid out


def test_laid_out_reads_return_what_was_written(ddb):
    t = make_table(ddb)
    for b in range(0, N, 25):
        ddb.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": item(i)}} for i in range(b, b + 25)]})
    # The first Query lays the table out; every read after it copies the kept text.
    for p in range(3):
        got = query_all(ddb, t, f"p{p}", Limit=37)
        want = [expected(i) for i in range(N) if i % 3 == p]
        assert [norm(x) for x in got] == [norm(x) for x in want]
    got = ddb.query(TableName=t, KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
                    ExpressionAttributeValues={":p": {"S": "p1"}, ":a": {"N": "100"}, ":b": {"N": "130"}},
                    ScanIndexForward=False)["Items"]
    assert [x["sk"]["N"] for x in got] == [str(i) for i in range(130, 99, -1) if i % 3 == 1]
    for i in (0, 1, 150, N - 1):
        got = ddb.get_item(TableName=t, Key={"pk": {"S": f"p{i % 3}"}, "sk": {"N": str(i)}})["Item"]
        assert norm(got) == norm(expected(i))
    scanned = [x for seg in range(3) for x in pages(ddb.scan, TableName=t, Segment=seg, TotalSegments=3, Limit=50)]
    assert sorted(int(x["sk"]["N"]) for x in scanned) == list(range(N))
    assert all(norm(x) == norm(expected(int(x["sk"]["N"]))) for x in scanned)
    # Through the index (projection ALL): the same items.
    got = ddb.query(TableName=t, IndexName="byg", KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": {"S": "g0"}}, Limit=10)["Items"]
    assert [norm(x) for x in got] == [norm(expected(i)) for i in range(0, 20, 2)]


def test_writes_after_the_layout_are_read_as_written(ddb):
    t = make_table(ddb)
    for b in range(0, N, 25):
        ddb.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": item(i)}} for i in range(b, b + 25)]})
    query_all(ddb, t, "p0")  # laid out
    ddb.put_item(TableName=t, Item=item(3, "v2"))
    ddb.update_item(TableName=t, Key={"pk": {"S": "p0"}, "sk": {"N": "6"}},
                    UpdateExpression="SET s = :s REMOVE m", ExpressionAttributeValues={":s": {"S": "updated"}})
    ddb.delete_item(TableName=t, Key={"pk": {"S": "p0"}, "sk": {"N": "9"}})
    ddb.put_item(TableName=t, Item=item(N * 3, "new"))  # pk p0, a key that was not there
    want = {i: expected(i) for i in range(N) if i % 3 == 0}
    want[3] = expected(3, "v2")
    want[6] = dict(expected(6), s={"S": "updated"})
    del want[6]["m"]
    del want[9]
    want[N * 3] = expected(N * 3, "new")
    got = query_all(ddb, t, "p0", Limit=40)
    assert [norm(x) for x in got] == [norm(want[k]) for k in sorted(want)]
    assert norm(ddb.get_item(TableName=t, Key={"pk": {"S": "p0"}, "sk": {"N": "6"}})["Item"]) == norm(want[6])
    # BatchGetItem writes laid-out items, rewritten ones and projections the same way.
    keys = [{"pk": {"S": "p0"}, "sk": {"N": str(k)}} for k in (0, 3, 6, 9, 12)]
    r = ddb.batch_get_item(RequestItems={t: {"Keys": keys}})
    assert r["UnprocessedKeys"] == {}
    got = sorted(r["Responses"][t], key=lambda x: int(x["sk"]["N"]))
    assert [norm(x) for x in got] == [norm(want[k]) for k in (0, 3, 6, 12)]
    r = ddb.batch_get_item(RequestItems={t: {"Keys": keys[:2], "ProjectionExpression": "sk, n"}})
    assert sorted(r["Responses"][t], key=lambda x: int(x["sk"]["N"])) == [
        {"sk": {"N": "0"}, "n": {"N": "0.5"}}, {"sk": {"N": "3"}, "n": {"N": "3.5"}}]
    # Projections and filters read the items themselves, laid out or not.
    got = ddb.query(TableName=t, KeyConditionExpression="pk = :p AND sk <= :k",
                    FilterExpression="begins_with(s, :v)", ProjectionExpression="sk, m.#i",
                    ExpressionAttributeNames={"#i": "inner"},
                    ExpressionAttributeValues={":p": {"S": "p0"}, ":k": {"N": "12"}, ":v": {"S": "v"}})["Items"]
    assert got == [{"sk": {"N": "0"}, "m": {"M": {"inner": {"M": {"deep": {"S": "v1"}}}}}},
                   {"sk": {"N": "3"}, "m": {"M": {"inner": {"M": {"deep": {"S": "v2"}}}}}},
                   {"sk": {"N": "12"}, "m": {"M": {"inner": {"M": {"deep": {"S": "v1"}}}}}}]


def test_laid_out_page_is_the_wire_text(endpoint, ddb):
    """The raw response of a laid-out page: valid JSON, members in the model's order, the
    control character escaped as Boost.JSON and AWS write it, binary as base64."""
    t = make_table(ddb)
    for b in range(0, 100, 25):
        ddb.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": item(i)}} for i in range(b, b + 25)]})
    body = json.dumps({"TableName": t, "KeyConditionExpression": "pk = :p", "Limit": 2,
                       "ExpressionAttributeValues": {":p": {"S": "p0"}}, "ReturnConsumedCapacity": "TOTAL"})
    r = requests.post(endpoint, data=body, headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.Query",
        "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/dynamodb/aws4_request, "
                         "SignedHeaders=host, Signature=0"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/x-amz-json-1.0"
    doc = json.loads(r.text)
    assert list(doc) == ["Items", "Count", "ScannedCount", "LastEvaluatedKey", "ConsumedCapacity"]
    assert doc["Count"] == 2 and doc["LastEvaluatedKey"] == {"pk": {"S": "p0"}, "sk": {"N": "3"}}
    assert "\\u0001" in r.text and "\\n" in r.text and "é" in r.text
    assert base64.b64decode(doc["Items"][1]["b"]["B"]) == bytes([3, 0, 255, 10])


def test_layout_of_a_large_table_goes_on_between_requests(ddb):
    """A table of several layout chunks is laid out from the event loop, a chunk at a time;
    writes meanwhile land, and the table and its index read back right during and after."""
    t = make_table(ddb)
    total = 9000
    small = lambda i, v="v1": {"pk": {"S": f"p{i % 7}"}, "sk": {"N": str(i)}, "g": {"S": f"g{i % 2}"},
                               "v": {"S": f"{v}-{i}"}}
    for b in range(0, total, 25):
        ddb.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": small(i)}} for i in range(b, b + 25)]})
    want = {i: small(i) for i in range(total)}
    # The first page starts the layout; these writes race with its later chunks.
    ddb.query(TableName=t, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p0"}}, Limit=5)
    for i in range(0, total, 97):
        ddb.put_item(TableName=t, Item=small(i, "v2"))
        want[i] = small(i, "v2")
    for i in range(5, total, 501):
        ddb.delete_item(TableName=t, Key={"pk": want[i]["pk"], "sk": want[i]["sk"]})
        del want[i]
    for p in range(7):
        got = query_all(ddb, t, f"p{p}", Limit=1000)
        assert got == [want[i] for i in sorted(want) if i % 7 == p]
    got = pages(ddb.query, TableName=t, IndexName="byg", KeyConditionExpression="g = :g",
                ExpressionAttributeValues={":g": {"S": "g1"}})
    assert [x["v"]["S"] for x in got] == [want[i]["v"]["S"] for i in sorted(want) if i % 2 == 1]


# ---- Query pages served from a laid-out partition's read run -------------------------------
# Partitions of eight items or more get a read run at layout (the service README, "Memory
# layout"): its own sorted array of sort keys, searched by their 8-byte prefixes, then whole.
# These pages are checked against a model of DynamoDB's key order, with keys chosen to tie on
# their prefixes (long shared prefixes, keys that are prefixes of others, binary zeros), and a
# partition large enough for two summary levels above the prefixes.

from decimal import Decimal  # noqa: E402


def _typed_table(ddb, sk_type: str) -> str:
    n = f"run-{sk_type}-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=n, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": sk_type}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    return n


def _fill(ddb, table, items):
    for b in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": x}} for x in items[b:b + 25]]})


_OPS = {
    "=": lambda k, a, b: k == a, "<": lambda k, a, b: k < a, "<=": lambda k, a, b: k <= a,
    ">": lambda k, a, b: k > a, ">=": lambda k, a, b: k >= a, "BETWEEN": lambda k, a, b: a <= k <= b,
    "begins_with": lambda k, a, b: k[:len(a)] == a,
}


def _condition(op: str) -> str:
    if op == "BETWEEN":
        return "pk = :p AND sk BETWEEN :a AND :b"
    if op == "begins_with":
        return "pk = :p AND begins_with(sk, :a)"
    return f"pk = :p AND sk {op} :a"


def _check_pages(ddb, table, pk, sk_type, keys, key_of, probes, ops, limit_every=5):
    """Every op with every probe (and BETWEEN with probe pairs), both directions, against the
    model: `keys` are the partition's sort keys as Python values ordered as DynamoDB orders
    them, key_of(value) their attribute value."""
    ordered = sorted(keys)
    n = 0
    for op in ops:
        pairs = [(a, b) for a in probes for b in probes if a <= b] if op == "BETWEEN" else [(a, None) for a in probes]
        for a, b in pairs:
            for forward in (True, False):
                n += 1
                want = [k for k in ordered if _OPS[op](k, a, b)]
                if not forward:
                    want.reverse()
                values = {":p": {"S": pk}, ":a": {sk_type: key_of(a)}}
                if b is not None:
                    values[":b"] = {sk_type: key_of(b)}
                kw = {"Limit": 3 + n % 11} if n % limit_every == 0 and len(want) < 100 else {}
                got = pages(ddb.query, TableName=table, KeyConditionExpression=_condition(op),
                            ExpressionAttributeValues=values, ScanIndexForward=forward, **kw)
                assert [x["sk"] for x in got] == [{sk_type: key_of(k)} for k in want], (op, a, b, forward, kw)


def test_read_run_pages_match_the_key_order_strings(ddb):
    t = _typed_table(ddb, "S")
    keys = [f"k{i:05d}" for i in range(0, 10000, 2)]             # 5,000: two summary levels
    keys += [f"2024-01-01T{h:02d}:{m:02d}" for h in range(3) for m in range(0, 60, 7)]  # 11-byte shared prefix
    keys += ["a", "ab", "abc", "abd", "abcdefgh", "abcdefghi", "abcdefgh~", "b", "é", "𝄞", "~" * 20]
    _fill(ddb, t, [{"pk": {"S": "big"}, "sk": {"S": k}, "v": {"S": k * 2}} for k in keys]
          + [{"pk": {"S": f"other{i % 4}"}, "sk": {"S": f"s{i}"}} for i in range(60)])
    ddb.query(TableName=t, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "big"}}, Limit=1)
    # Probes: keys present and absent, below, between and above them, on and off shared prefixes.
    probes = ["", "0", "2024-01-01T", "2024-01-01T01:14", "2024-01-01T01:15", "2024-01-01T02",
              "a", "abc", "abcdefgh", "abcdefgh}", "abcdefghi", "b", "k", "k00000", "k00001", "k04095",
              "k04096", "k09998", "k1", "é", "~", "~" * 21]
    probes = [p for p in probes if p]  # an empty string is not a valid key value
    _check_pages(ddb, t, "big", "S", keys, lambda k: k, probes, ["=", "<", "<=", ">", ">=", "begins_with"])
    _check_pages(ddb, t, "big", "S", keys, lambda k: k, ["a", "abcdefgh", "k04096", "é"], ["BETWEEN"])
    # The item itself comes back whole, and a filter and a projection read it.
    got = ddb.query(TableName=t, KeyConditionExpression="pk = :p AND sk >= :a", Limit=4,
                    ExpressionAttributeValues={":p": {"S": "big"}, ":a": {"S": "k04096"}})
    assert got["Items"] == [{"pk": {"S": "big"}, "sk": {"S": k}, "v": {"S": k * 2}}
                            for k in ("k04096", "k04098", "k04100", "k04102")]
    assert got["LastEvaluatedKey"] == {"pk": {"S": "big"}, "sk": {"S": "k04102"}}
    got = ddb.query(TableName=t, KeyConditionExpression="pk = :p AND begins_with(sk, :a)",
                    FilterExpression="v <> :x", ProjectionExpression="sk",
                    ExpressionAttributeValues={":p": {"S": "big"}, ":a": {"S": "abc"}, ":x": {"S": "abcabc"}})
    assert got["Items"] == [{"sk": {"S": k}} for k in ("abcdefgh", "abcdefghi", "abcdefgh~")]
    assert (got["Count"], got["ScannedCount"]) == (3, 4)


def test_read_run_pages_match_the_key_order_numbers_and_binary(ddb):
    tn = _typed_table(ddb, "N")
    nums = ["-1e10", "-5", "-1.5", "-0.001", "0", "0.001", "1", "1.5", "2", "10", "100", "1234567890123",
            "1234567890124", "12345678901234567890", "1.2345678901234567890123e30", "9.9e125", "-9.9e125"]
    nums += [str(i * 7) for i in range(1, 80)]
    nums = sorted(set(nums), key=Decimal)
    _fill(ddb, tn, [{"pk": {"S": "n"}, "sk": {"N": x}} for x in nums])
    ddb.query(TableName=tn, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "n"}}, Limit=1)
    probes = [Decimal(x) for x in ("-1e11", "-5", "-1", "0", "0.0005", "1.5", "3", "1234567890123", "1234567890123.5",
                                   "1e20", "9.99e125")]
    # Each number as DynamoDB gives it back (normalized), for the expected pages.
    stored = [ddb.get_item(TableName=tn, Key={"pk": {"S": "n"}, "sk": {"N": x}})["Item"]["sk"]["N"] for x in nums]
    text = dict(zip([Decimal(x) for x in nums], stored))
    _check_pages(ddb, tn, "n", "N", [Decimal(x) for x in nums], lambda d: text.get(d, str(d)), probes,
                 ["=", "<", "<=", ">", ">="])

    tb = _typed_table(ddb, "B")
    blobs = [b"\x00", b"\x00\x00", b"\x00\x01", b"\x01", b"\x7f", b"\x80", b"\xff", b"\xff" * 8, b"\xff" * 8 + b"\x00",
             b"\xff" * 8 + b"\x01", b"\xff" * 9, b"abcdefgh", b"abcdefgh\x00", b"abcdefg"]
    blobs += [bytes([i, 255 - i]) for i in range(2, 120, 3)]
    blobs = sorted(set(blobs))
    _fill(ddb, tb, [{"pk": {"S": "b"}, "sk": {"B": x}} for x in blobs])
    ddb.query(TableName=tb, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "b"}}, Limit=1)
    probes = [b"\x00", b"\x00\x00", b"\x00\x00\x00", b"\x7f", b"\xff" * 8, b"\xff" * 8 + b"\x00", b"abcdefg",
              b"abcdefgh", b"abcdefgh\x00\x00"]
    _check_pages(ddb, tb, "b", "B", blobs, bytes, probes, ["=", "<", "<=", ">", ">=", "begins_with"])
    _check_pages(ddb, tb, "b", "B", blobs, bytes, [b"\x00", b"\xff" * 8, b"abcdefgh"], ["BETWEEN"])


def test_a_write_to_the_partition_being_laid_out_drops_its_run(start_stratus):
    """A layout pass stopped inside a partition (chunks of 50 items, stepped by hand): a write
    to an item of that partition already laid out, one to a partition done and one to a
    partition not reached are all read back as written once the pass has ended."""
    from stratus_helpers import make_client
    server = start_stratus()
    ddb = make_client("dynamodb", server.url)
    base = f"{server.url}/_stratus/dynamodb"
    assert requests.post(f"{base}/settings?layout_chunk_items=50&layout_manual=true").json()["layout_manual"] is True
    t = _typed_table(ddb, "N")
    parts = [f"p{i}" for i in range(4)]
    _fill(ddb, t, [{"pk": {"S": p}, "sk": {"N": str(i)}, "v": {"S": "old"}} for p in parts for i in range(60)])
    # The first page lays out the first 50 items in partition order (hash order): most of
    # the first partition, which is the one being laid out when the pass stops.
    first = ddb.scan(TableName=t, Limit=1)["Items"][0]["pk"]["S"]
    assert requests.post(f"{base}/layout-step").json() == {"in_progress": 1}  # 100 items done
    second = ddb.scan(TableName=t, Limit=1, ExclusiveStartKey={"pk": {"S": first}, "sk": {"N": "59"}})["Items"][0]["pk"]["S"]
    for p in parts:  # sk 0 of each: laid out in the first two, not yet in the others
        ddb.update_item(TableName=t, Key={"pk": {"S": p}, "sk": {"N": "0"}}, UpdateExpression="SET v = :v",
                        ExpressionAttributeValues={":v": {"S": "new"}})
    ddb.put_item(TableName=t, Item={"pk": {"S": second}, "sk": {"N": "30"}, "v": {"S": "new"}})
    while requests.post(f"{base}/layout-step").json()["in_progress"]:
        pass
    for p in parts:
        got = query_all(ddb, t, p)
        want = ["new" if i == 0 or (p == second and i == 30) else "old" for i in range(60)]
        assert [x["v"]["S"] for x in got] == want, p
        assert [x["sk"]["N"] for x in got] == [str(i) for i in range(60)]
    # A partition read whole after the pass, then written, is read as written.
    ddb.delete_item(TableName=t, Key={"pk": {"S": first}, "sk": {"N": "59"}})
    assert [x["sk"]["N"] for x in query_all(ddb, t, first, ScanIndexForward=False)][:2] == ["58", "57"]


def test_a_table_written_over_is_laid_out_again(start_stratus):
    """Writes drop read runs; once a table has been written over by half its size, its next
    Query lays it out again (not only once it has doubled), and the runs are back."""
    from stratus_helpers import make_client
    server = start_stratus()
    ddb = make_client("dynamodb", server.url)
    t = _typed_table(ddb, "N")

    def state():
        tables = requests.get(f"{server.url}/_stratus/dynamodb/layout").json()["tables"]
        return next(x for x in tables if x["table"] == t)

    _fill(ddb, t, [{"pk": {"S": f"p{i % 4}"}, "sk": {"N": str(i)}, "v": {"S": "a"}} for i in range(400)])
    query_all(ddb, t, "p0")
    s = state()
    assert (s["laid_out_items"], s["read_runs"], s["writes_since_layout"], s["in_progress"]) == (400, 4, 0, False)
    for i in range(200):  # half the table, every partition: every run dropped
        ddb.update_item(TableName=t, Key={"pk": {"S": f"p{i % 4}"}, "sk": {"N": str(i)}},
                        UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "b"}})
        if i == 99:
            assert state()["read_runs"] == 0
            query_all(ddb, t, "p1")  # 100 writes: not yet
            assert (state()["read_runs"], state()["writes_since_layout"]) == (0, 100)
    got = query_all(ddb, t, "p2")  # 200 writes of 400 items: laid out again, then read
    assert [x["v"]["S"] for x in got] == ["b" if i < 200 else "a" for i in range(2, 400, 4)]
    s = state()
    assert (s["laid_out_items"], s["read_runs"], s["writes_since_layout"]) == (400, 4, 0)
    assert [x["v"]["S"] for x in query_all(ddb, t, "p3", ScanIndexForward=False)] == \
        ["b" if i < 200 else "a" for i in range(399, 2, -4)]
