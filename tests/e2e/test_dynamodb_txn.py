"""DynamoDB transaction conflicts with boto3. A TransactWriteItems (or PartiQL
ExecuteTransaction) held in flight by the transaction_hold_ms setting meets the requests
AWS's "Transaction conflict handling in DynamoDB" lists: single-item writes get
TransactionConflictException, transactions naming a held item are cancelled with
TransactionConflict, and reads see the items as they were before the transaction."""
from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import Future

import pytest
import requests
from botocore.exceptions import ClientError

from stratus_helpers import make_client

HOLD_MS = 500
ONGOING = "Transaction is ongoing for the item"
CONFLICT = {"Code": "TransactionConflict", "Message": ONGOING}


@pytest.fixture
def server(start_stratus):
    # One worker thread: a hold that kept it would leave nothing to serve the requests below.
    return start_stratus("--threads", "1", env={"STRATUS_DYNAMODB_TRANSACTION_HOLD_MS": str(HOLD_MS)})


@pytest.fixture
def ddb(server):
    return make_client("dynamodb", server.url)


def err(exc_info) -> tuple[str, str, int]:
    r = exc_info.value.response
    return r["Error"]["Code"], r["Error"].get("Message", ""), r["ResponseMetadata"]["HTTPStatusCode"]


def make_table(ddb) -> str:
    n = f"t-{uuid.uuid4().hex[:10]}"
    ddb.create_table(TableName=n, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    return n


def key(pk: str) -> dict:
    return {"pk": {"S": pk}}


def item(pk: str, v: int) -> dict:
    return {"pk": {"S": pk}, "v": {"N": str(v)}}


def in_background(url: str, op: str, **kw) -> Future:
    """Calls op on its own client in a thread; the future holds (result, seconds taken)."""
    fut: Future = Future()
    client = make_client("dynamodb", url)

    def run():
        start = time.monotonic()
        try:
            out = getattr(client, op)(**kw)
            fut.set_result((out, time.monotonic() - start))
        except Exception as e:  # noqa: BLE001 - handed to the test
            fut.set_exception(e)

    threading.Thread(target=run, daemon=True).start()
    return fut


def wait_held(ddb, table: str, pk: str) -> ClientError:
    """Until a TransactGetItems of the item is cancelled by the held transaction (a read, so
    probing changes nothing); returns that error."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            ddb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": key(pk)}}])
        except ClientError as e:
            return e
        time.sleep(0.005)
    pytest.fail("the transaction was never seen in flight")


def value(ddb, table: str, pk: str):
    got = ddb.get_item(TableName=table, Key=key(pk), ConsistentRead=True).get("Item")
    return None if got is None else int(got["v"]["N"])


def test_single_item_writes_conflict_and_reads_see_the_state_before(ddb, server):
    n = make_table(ddb)
    ddb.put_item(TableName=n, Item=item("a", 1))
    fut = in_background(server.url, "transact_write_items", TransactItems=[
        {"Update": {"TableName": n, "Key": key("a"), "UpdateExpression": "SET v = :two",
                    "ExpressionAttributeValues": {":two": {"N": "2"}}}},
        {"Put": {"TableName": n, "Item": item("b", 1)}},
        {"ConditionCheck": {"TableName": n, "Key": key("c"), "ConditionExpression": "attribute_not_exists(pk)"}},
    ])
    probe = wait_held(ddb, n, "a")
    assert probe.response["Error"]["Code"] == "TransactionCanceledException"
    assert probe.response["CancellationReasons"] == [CONFLICT]

    for call in (lambda: ddb.put_item(TableName=n, Item=item("a", 9)),
                 lambda: ddb.update_item(TableName=n, Key=key("b"), UpdateExpression="SET v = :v",
                                         ExpressionAttributeValues={":v": {"N": "9"}}),
                 lambda: ddb.delete_item(TableName=n, Key=key("c"))):
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == ("TransactionConflictException", ONGOING, 400)

    # Reads are not blocked and see the items as they were before the transaction.
    assert value(ddb, n, "a") == 1 and value(ddb, n, "b") is None
    assert [i["pk"]["S"] for i in ddb.scan(TableName=n)["Items"]] == ["a"]
    q = ddb.query(TableName=n, KeyConditionExpression="pk = :a", ExpressionAttributeValues={":a": {"S": "a"}})
    assert q["Items"] == [item("a", 1)]
    ddb.put_item(TableName=n, Item=item("d", 1))  # an item outside the transaction

    assert not fut.done()
    out, took = fut.result(timeout=10)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert took >= HOLD_MS / 1000 * 0.9
    assert value(ddb, n, "a") == 2 and value(ddb, n, "b") == 1 and value(ddb, n, "d") == 1
    ddb.put_item(TableName=n, Item=item("a", 3))  # released
    assert value(ddb, n, "a") == 3


def test_transactions_naming_a_held_item_are_cancelled(ddb, server):
    n = make_table(ddb)
    fut = in_background(server.url, "transact_write_items",
                        TransactItems=[{"Put": {"TableName": n, "Item": item("a", 2)}}])
    wait_held(ddb, n, "a")

    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": n, "Item": item("x", 1)}},
            {"Update": {"TableName": n, "Key": key("a"), "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"N": "7"}}}},
        ])
    assert err(e) == ("TransactionCanceledException", "Transaction cancelled, please refer cancellation "
                      "reasons for specific reasons [None, TransactionConflict]", 400)
    assert e.value.response["CancellationReasons"] == [{"Code": "None"}, CONFLICT]

    with pytest.raises(ClientError) as e:
        ddb.transact_get_items(TransactItems=[{"Get": {"TableName": n, "Key": key("x")}},
                                              {"Get": {"TableName": n, "Key": key("a")}}])
    assert err(e) == ("TransactionCanceledException", "Transaction cancelled, please refer cancellation "
                      "reasons for specific reasons [None, TransactionConflict]", 400)
    assert e.value.response["CancellationReasons"] == [{"Code": "None"}, CONFLICT]

    # PartiQL shares the path: ExecuteTransaction is cancelled, ExecuteStatement conflicts,
    # BatchExecuteStatement fails that statement alone.
    with pytest.raises(ClientError) as e:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": f"INSERT INTO \"{n}\" VALUE {{'pk': 'y'}}"},
            {"Statement": f"UPDATE \"{n}\" SET v = 7 WHERE pk = 'a'"},
        ])
    assert err(e)[0] == "TransactionCanceledException"
    assert e.value.response["CancellationReasons"] == [{"Code": "None"}, CONFLICT]
    with pytest.raises(ClientError) as e:
        ddb.execute_transaction(TransactStatements=[{"Statement": f"SELECT * FROM \"{n}\" WHERE pk = 'a'"}])
    assert e.value.response["CancellationReasons"] == [CONFLICT]
    with pytest.raises(ClientError) as e:
        ddb.execute_statement(Statement=f"UPDATE \"{n}\" SET v = 7 WHERE pk = 'a'")
    assert err(e) == ("TransactionConflictException", ONGOING, 400)
    batch = ddb.batch_execute_statement(Statements=[
        {"Statement": f"UPDATE \"{n}\" SET v = 7 WHERE pk = 'a'"},
        {"Statement": f"INSERT INTO \"{n}\" VALUE {{'pk': 'z', 'v': 1}}"},
    ])["Responses"]
    assert batch[0]["Error"] == {"Code": "TransactionConflict", "Message": ONGOING}
    assert "Error" not in batch[1]

    fut.result(timeout=10)
    assert value(ddb, n, "a") == 2
    assert value(ddb, n, "x") is None and value(ddb, n, "z") == 1
    assert "Item" not in ddb.get_item(TableName=n, Key=key("y"))


def test_batch_write_leaves_held_items_unprocessed(ddb, server):
    n = make_table(ddb)
    fut = in_background(server.url, "transact_write_items",
                        TransactItems=[{"Put": {"TableName": n, "Item": item("a", 2)}}])
    wait_held(ddb, n, "a")
    out = ddb.batch_write_item(RequestItems={n: [{"PutRequest": {"Item": item("a", 9)}},
                                                 {"PutRequest": {"Item": item("e", 1)}}]})
    assert out["UnprocessedItems"] == {n: [{"PutRequest": {"Item": item("a", 9)}}]}
    assert value(ddb, n, "e") == 1
    fut.result(timeout=10)
    assert value(ddb, n, "a") == 2


def test_client_request_token_in_progress_then_replayed(ddb, server):
    n = make_table(ddb)
    request = {"TransactItems": [{"Put": {"TableName": n, "Item": item("a", 2)}}], "ClientRequestToken": "tok-1"}
    fut = in_background(server.url, "transact_write_items", **request)
    wait_held(ddb, n, "a")
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(**request)
    assert err(e) == ("TransactionInProgressException",
                      "The transaction with the given request token is already in progress", 400)
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": n, "Item": item("a", 3)}}],
                                 ClientRequestToken="tok-1")
    assert err(e)[0] == "IdempotentParameterMismatchException"
    fut.result(timeout=10)
    # The token is recorded once the transaction is applied: a retry answers without writing.
    ddb.put_item(TableName=n, Item=item("a", 5))
    start = time.monotonic()
    ddb.transact_write_items(**request)
    assert time.monotonic() - start < HOLD_MS / 1000
    assert value(ddb, n, "a") == 5


def test_execute_transaction_writes_are_held(ddb, server):
    n = make_table(ddb)
    ddb.put_item(TableName=n, Item=item("a", 1))
    fut = in_background(server.url, "execute_transaction", TransactStatements=[
        {"Statement": f"UPDATE \"{n}\" SET v = 2 WHERE pk = 'a'"},
        {"Statement": f"INSERT INTO \"{n}\" VALUE {{'pk': 'b', 'v': 1}}"},
    ])
    wait_held(ddb, n, "b")
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=n, Item=item("a", 9))
    assert err(e) == ("TransactionConflictException", ONGOING, 400)
    assert value(ddb, n, "a") == 1
    _, took = fut.result(timeout=10)
    assert took >= HOLD_MS / 1000 * 0.9
    assert value(ddb, n, "a") == 2 and value(ddb, n, "b") == 1


def test_table_deleted_during_hold(ddb, server):
    n, m = make_table(ddb), make_table(ddb)
    fut = in_background(server.url, "transact_write_items", TransactItems=[
        {"Put": {"TableName": n, "Item": item("a", 1)}}, {"Put": {"TableName": m, "Item": item("a", 1)}}])
    wait_held(ddb, n, "a")
    ddb.delete_table(TableName=n)
    fut.result(timeout=10)
    assert value(ddb, m, "a") == 1
    # A table of the same name made again holds nothing of the old one.
    made = ddb.create_table(
        TableName=n, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    assert made["TableDescription"]["TableName"] == n
    assert value(ddb, n, "a") is None


def test_setting_and_reset(start_stratus):
    server = start_stratus()
    ddb = make_client("dynamodb", server.url)
    settings = f"{server.url}/_stratus/dynamodb/settings"
    n = make_table(ddb)
    # Off by default: applied at once, nothing to meet in flight.
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": n, "Item": item("a", 1)}}])
    assert value(ddb, n, "a") == 1
    assert requests.post(f"{settings}?transaction_hold_ms=5000").json() == {
        "enforce_throughput": False, "transaction_hold_ms": 5000, "layout_chunk_items": 4096,
        "layout_manual": False}
    fut = in_background(server.url, "transact_write_items",
                        TransactItems=[{"Put": {"TableName": n, "Item": item("a", 2)}}])
    wait_held(ddb, n, "a")
    # Reset answers the held transaction at once and drops everything.
    assert requests.post(f"{server.url}/_stratus/reset?service=dynamodb").status_code == 200
    _, took = fut.result(timeout=3)
    assert took < 4
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName=n)
    assert err(e)[0] == "ResourceNotFoundException"
    assert requests.post(f"{settings}?transaction_hold_ms=0").json()["transaction_hold_ms"] == 0


def test_shutdown_waits_for_held_transaction(start_stratus, tmp_path):
    data = str(tmp_path / "data")
    server = start_stratus("--data-dir", data, env={"STRATUS_DYNAMODB_TRANSACTION_HOLD_MS": str(HOLD_MS)})
    ddb = make_client("dynamodb", server.url)
    n = make_table(ddb)
    fut = in_background(server.url, "transact_write_items",
                        TransactItems=[{"Put": {"TableName": n, "Item": item("a", 2)}}])
    wait_held(ddb, n, "a")
    assert server.stop() == 0  # SIGTERM: the server drains the held transaction first
    out, _ = fut.result(timeout=10)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    again = start_stratus("--data-dir", data)
    assert value(make_client("dynamodb", again.url), n, "a") == 2


def test_stopping_applies_held_transactions(start_stratus, tmp_path):
    """SIGTERM during a long hold: the held transaction applies and answers at once, the server
    exits without waiting out the hold, and (with --data-dir) the write is there after."""
    data = str(tmp_path / "data")
    server = start_stratus("--data-dir", data,
                           env={"STRATUS_DYNAMODB_TRANSACTION_HOLD_MS": "30000"})
    ddb = make_client("dynamodb", server.url)
    n = make_table(ddb)
    fut = in_background(server.url, "transact_write_items",
                        TransactItems=[{"Put": {"TableName": n, "Item": item("a", 7)}}])
    wait_held(ddb, n, "a")
    t0 = time.monotonic()
    assert server.stop(timeout=10) == 0
    assert time.monotonic() - t0 < 3
    _, waited = fut.result(timeout=5)
    assert waited < 5
    again = start_stratus("--data-dir", data)
    assert make_client("dynamodb", again.url).get_item(TableName=n, Key=key("a"))["Item"] == item("a", 7)
