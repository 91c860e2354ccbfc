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
