"""SQS through boto3, in both protocols a real SDK sends: every test that does not depend on the
protocol runs with a current boto3 client (JSON protocol, X-Amz-Target AmazonSQS.*) and with a
legacy botocore client (query protocol, Action=... forms, XML answers; see sqs_legacy.py).

Queues, attributes, tags, permissions, purge, messages and their attributes, visibility,
delays, batches, long polling, concurrent consumers, FIFO queues, dead-letter queues and
message move tasks, accounts, and durability across kill -9 (--data-dir).

Error codes are asserted as the SDKs report them: for the JSON protocol botocore takes the
code from the x-amzn-query-error header (so e.g. AWS.SimpleQueueService.NonExistentQueue, as
in the query protocol).
"""
from __future__ import annotations

import json
import re
import threading
import time
import uuid

import pytest
import requests
from botocore.exceptions import ClientError

from sqs_legacy import (
    md5_hex, md5_of_attributes, queue_arn, sqs_client, unique)
from stratus_helpers import DEFAULT_ACCOUNT, json_error_code, sign

PROTOCOLS = ["json", "query"]

NON_EXISTENT = "AWS.SimpleQueueService.NonExistentQueue"
NON_EXISTENT_MSG = re.compile(r"^The specified queue does not exist( for this wsdl version)?\.$")
NAME_RULES_MSG = ("Can only include alphanumeric characters, hyphens, or underscores. "
                  "1 to 80 in length")
FIFO_NAME_RULES_MSG = ("The name of a FIFO queue can only include alphanumeric characters, "
                       "hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in "
                       "length.")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


# ---- fixtures and helpers ----------------------------------------------------------------

@pytest.fixture(params=PROTOCOLS)
def protocol(request) -> str:
    return request.param


@pytest.fixture
def new_sqs(protocol, stratus):
    """new_sqs(url=None, key='test', ...) -> an SQS client of this test's protocol."""

    def build(url: str | None = None, **kw):
        return sqs_client(protocol, url or stratus.url, **kw)

    return build


@pytest.fixture
def sqs(new_sqs):
    return new_sqs()


@pytest.fixture
def make_queue(sqs):
    """make_queue(name=None, prefix='q', tags=None, **attributes) -> queue URL."""

    def create(name: str | None = None, prefix: str = "q", tags: dict | None = None,
               **attributes) -> str:
        kw = {"QueueName": name or unique(prefix)}
        if attributes:
            kw["Attributes"] = {k: str(v) for k, v in attributes.items()}
        if tags:
            kw["tags"] = tags
        return sqs.create_queue(**kw)["QueueUrl"]

    return create


def assert_error(exc: pytest.ExceptionInfo, code: str, message: str | None = None,
                 status: int = 400, match: str | re.Pattern | None = None):
    resp = exc.value.response
    err = resp["Error"]
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == status, resp
    assert err["Code"] == code, err
    if message is not None:
        assert err["Message"] == message, err
    if match is not None:
        assert re.search(match, err["Message"]), err
    assert err.get("Type") == "Sender", err


def attrs(sqs, url: str, *names: str) -> dict:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names) or ["All"]).get(
        "Attributes", {})


def counts(sqs, url: str) -> tuple[int, int, int]:
    a = attrs(sqs, url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
              "ApproximateNumberOfMessagesDelayed")
    return (int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"]),
            int(a["ApproximateNumberOfMessagesDelayed"]))


def receive(sqs, url: str, **kw) -> list[dict]:
    kw.setdefault("MaxNumberOfMessages", 10)
    return sqs.receive_message(QueueUrl=url, **kw).get("Messages", [])


def receive_all(sqs, url: str, expected: int, timeout: float = 5.0, **kw) -> list[dict]:
    """Receives (without deleting) until `expected` messages came or `timeout` passed."""
    out: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(out) < expected and time.monotonic() < deadline:
        out += receive(sqs, url, **kw)
    return out


def send_batch(sqs, url: str, bodies: list[str]) -> list[dict]:
    ok = []
    for i in range(0, len(bodies), 10):
        chunk = bodies[i:i + 10]
        resp = sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(j), "MessageBody": b} for j, b in enumerate(chunk)])
        assert not resp.get("Failed"), resp
        ok += resp["Successful"]
    return ok


def check_message_md5s(m: dict):
    assert m["MD5OfBody"] == md5_hex(m["Body"]), m
    if m.get("MessageAttributes"):
        assert m["MD5OfMessageAttributes"] == md5_of_attributes(m["MessageAttributes"]), m


# ---- CreateQueue -------------------------------------------------------------------------

def test_create_queue_url(sqs, stratus):
    name = unique()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"{stratus.url}/{DEFAULT_ACCOUNT}/{name}"


def test_queue_url_uses_the_host_the_client_addressed(new_sqs, stratus):
    name = unique()
    c = new_sqs(f"http://localhost:{stratus.port}")
    url = c.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"http://localhost:{stratus.port}/{DEFAULT_ACCOUNT}/{name}"
    assert c.get_queue_url(QueueName=name)["QueueUrl"] == url


def test_create_queue_is_idempotent_with_identical_attributes(sqs):
    name = unique()
    first = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45",
                                                         "DelaySeconds": "2"})["QueueUrl"]
    again = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45",
                                                         "DelaySeconds": "2"})["QueueUrl"]
    assert again == first


def test_create_queue_with_different_attributes_is_queue_already_exists(sqs):
    name = unique()
    sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "60"})
    assert_error(exc, "QueueAlreadyExists")
    assert isinstance(exc.value, sqs.exceptions.QueueNameExists)


@pytest.mark.parametrize("name", ["a" * 81, "has space", "dot.name", "bad!", "slash/name",
                                  "\u00e9t\u00e9"])
def test_create_queue_invalid_name(sqs, name):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=name)
    assert_error(exc, "InvalidParameterValue", NAME_RULES_MSG)


def test_create_standard_queue_with_fifo_suffix_is_invalid(sqs):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=unique() + ".fifo")
    assert_error(exc, "InvalidParameterValue")


def test_create_queue_name_lengths_and_characters(sqs, stratus):
    name = ("A-b_9" + uuid.uuid4().hex) + "x" * 80
    name = name[:80]
    assert sqs.create_queue(QueueName=name)["QueueUrl"].endswith("/" + name)
    fifo = (uuid.uuid4().hex + "y" * 80)[:75] + ".fifo"
    url = sqs.create_queue(QueueName=fifo, Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert url == f"{stratus.url}/{DEFAULT_ACCOUNT}/{fifo}"
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=(uuid.uuid4().hex + "z" * 80)[:76] + ".fifo",
                         Attributes={"FifoQueue": "true"})
    assert_error(exc, "InvalidParameterValue")


def test_fifo_queue_requires_fifo_suffix(sqs):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=unique(), Attributes={"FifoQueue": "true"})
    assert_error(exc, "InvalidParameterValue", FIFO_NAME_RULES_MSG)


@pytest.mark.parametrize("attr,value", [
    ("VisibilityTimeout", "-1"), ("VisibilityTimeout", "43201"), ("VisibilityTimeout", "abc"),
    ("DelaySeconds", "901"), ("DelaySeconds", "-1"),
    ("MessageRetentionPeriod", "59"), ("MessageRetentionPeriod", "1209601"),
    ("MaximumMessageSize", "1023"), ("MaximumMessageSize", "1048577"),
    ("ReceiveMessageWaitTimeSeconds", "21"),
])
def test_create_queue_attribute_out_of_range(sqs, attr, value):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=unique(), Attributes={attr: value})
    assert_error(exc, "InvalidAttributeValue", f"Invalid value for the parameter {attr}.")


@pytest.mark.parametrize("bound", ["low", "high"])
def test_create_queue_attribute_bounds_are_accepted(sqs, bound):
    values = {"VisibilityTimeout": ("0", "43200"), "DelaySeconds": ("0", "900"),
              "MessageRetentionPeriod": ("60", "1209600"),
              "MaximumMessageSize": ("1024", "1048576"),
              "ReceiveMessageWaitTimeSeconds": ("0", "20")}
    chosen = {k: v[0 if bound == "low" else 1] for k, v in values.items()}
    url = sqs.create_queue(QueueName=unique(), Attributes=chosen)["QueueUrl"]
    got = attrs(sqs, url, *chosen)
    assert got == chosen


def test_create_queue_unknown_attribute(sqs):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=unique(), Attributes={"Foo": "1"})
    assert_error(exc, "InvalidAttributeName", "Unknown Attribute Foo.")


# ---- GetQueueUrl, ListQueues, DeleteQueue ------------------------------------------------

def test_get_queue_url(sqs, make_queue):
    name = unique()
    url = make_queue(name)
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=DEFAULT_ACCOUNT)[
        "QueueUrl"] == url


def test_get_queue_url_unknown_queue(sqs):
    with pytest.raises(ClientError) as exc:
        sqs.get_queue_url(QueueName=unique("missing"))
    assert_error(exc, NON_EXISTENT, match=NON_EXISTENT_MSG)
    assert isinstance(exc.value, sqs.exceptions.QueueDoesNotExist)


@pytest.mark.parametrize("op", ["send_message", "receive_message", "get_queue_attributes",
                                "purge_queue", "delete_queue"])
def test_operation_on_missing_queue_url(sqs, stratus, op):
    url = f"{stratus.url}/{DEFAULT_ACCOUNT}/{unique('missing')}"
    kw = {"QueueUrl": url}
    if op == "send_message":
        kw["MessageBody"] = "x"
    with pytest.raises(ClientError) as exc:
        getattr(sqs, op)(**kw)
    assert_error(exc, NON_EXISTENT, match=NON_EXISTENT_MSG)


def test_list_queues_with_prefix(sqs, make_queue):
    prefix = unique("lp")
    urls = {make_queue(f"{prefix}-a"), make_queue(f"{prefix}-b"), make_queue(f"{prefix}_c")}
    make_queue(unique("other"))
    got = sqs.list_queues(QueueNamePrefix=prefix)
    assert set(got["QueueUrls"]) == urls
    assert "NextToken" not in got
    assert set(sqs.list_queues(QueueNamePrefix=f"{prefix}-")["QueueUrls"]) == \
        {u for u in urls if f"{prefix}-" in u}
    assert sqs.list_queues(QueueNamePrefix=unique("nothing")).get("QueueUrls", []) == []
    everything = sqs.list_queues()["QueueUrls"]
    assert urls <= set(everything)


def test_list_queues_pagination(sqs, make_queue):
    prefix = unique("pg")
    urls = {make_queue(f"{prefix}-{i}") for i in range(5)}
    seen: list[str] = []
    kw = {"QueueNamePrefix": prefix, "MaxResults": 2}
    pages = 0
    while True:
        page = sqs.list_queues(**kw)
        pages += 1
        assert len(page["QueueUrls"]) <= 2
        seen += page["QueueUrls"]
        if "NextToken" not in page:
            break
        kw["NextToken"] = page["NextToken"]
        assert pages < 10
    assert pages == 3
    assert len(seen) == 5 and set(seen) == urls


def test_list_queues_max_results_out_of_range(sqs):
    with pytest.raises(ClientError) as exc:
        sqs.list_queues(MaxResults=1001)
    assert_error(exc, "InvalidParameterValue")


def test_delete_queue(sqs, make_queue):
    name = unique()
    url = make_queue(name)
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as exc:
        sqs.get_queue_url(QueueName=name)
    assert_error(exc, NON_EXISTENT)
    assert url not in sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", [])
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert_error(exc, NON_EXISTENT)


# ---- attributes --------------------------------------------------------------------------

def test_get_queue_attributes_all_defaults(sqs, make_queue):
    name = unique()
    before = int(time.time())
    url = make_queue(name)
    a = attrs(sqs, url)
    assert a["QueueArn"] == queue_arn(name)
    assert a["VisibilityTimeout"] == "30"
    assert a["DelaySeconds"] == "0"
    assert a["MessageRetentionPeriod"] == "345600"
    assert a["MaximumMessageSize"] == "1048576"
    assert a["ReceiveMessageWaitTimeSeconds"] == "0"
    assert a["ApproximateNumberOfMessages"] == "0"
    assert a["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert a["ApproximateNumberOfMessagesDelayed"] == "0"
    created = int(a["CreatedTimestamp"])
    assert before - 5 <= created <= time.time() + 5
    assert abs(int(a["LastModifiedTimestamp"]) - created) <= 5
    for absent in ("FifoQueue", "ContentBasedDeduplication", "RedrivePolicy", "Policy"):
        assert absent not in a, a


def test_get_queue_attributes_specific_names(sqs, make_queue):
    name = unique()
    url = make_queue(name, VisibilityTimeout=40)
    a = attrs(sqs, url, "QueueArn", "VisibilityTimeout")
    assert a == {"QueueArn": queue_arn(name), "VisibilityTimeout": "40"}


def test_get_queue_attributes_unknown_name(sqs, make_queue):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Foo"])
    assert_error(exc, "InvalidAttributeName", "Unknown Attribute Foo.")


def test_message_counts(sqs, make_queue):
    url = make_queue()
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.send_message(QueueUrl=url, MessageBody="b")
    sqs.send_message(QueueUrl=url, MessageBody="c", DelaySeconds=60)
    assert counts(sqs, url) == (2, 0, 1)
    assert len(receive(sqs, url, MaxNumberOfMessages=1)) == 1
    assert counts(sqs, url) == (1, 1, 1)


def test_set_queue_attributes(sqs, make_queue):
    url = make_queue()
    created = attrs(sqs, url, "CreatedTimestamp")["CreatedTimestamp"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "VisibilityTimeout": "45", "DelaySeconds": "3", "MaximumMessageSize": "2048",
        "MessageRetentionPeriod": "600", "ReceiveMessageWaitTimeSeconds": "4"})
    a = attrs(sqs, url)
    assert (a["VisibilityTimeout"], a["DelaySeconds"], a["MaximumMessageSize"],
            a["MessageRetentionPeriod"], a["ReceiveMessageWaitTimeSeconds"]) == \
        ("45", "3", "2048", "600", "4")
    assert a["CreatedTimestamp"] == created
    assert int(a["LastModifiedTimestamp"]) >= int(created)


def test_set_queue_attributes_invalid(sqs, make_queue):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "43201"})
    assert_error(exc, "InvalidAttributeValue", "Invalid value for the parameter VisibilityTimeout.")
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Foo": "1"})
    assert_error(exc, "InvalidAttributeName", "Unknown Attribute Foo.")
    assert attrs(sqs, url, "VisibilityTimeout")["VisibilityTimeout"] == "30"


# ---- tags, permissions -------------------------------------------------------------------

def test_tags(sqs, make_queue):
    url = make_queue(tags={"env": "test", "team": "core"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "test", "team": "core"}
    sqs.tag_queue(QueueUrl=url, Tags={"env": "prod", "cost": "42"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == \
        {"env": "prod", "team": "core", "cost": "42"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team", "cost"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "prod"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["env"])
    assert sqs.list_queue_tags(QueueUrl=url).get("Tags", {}) == {}


def test_add_and_remove_permission(sqs, make_queue):
    name = unique()
    url = make_queue(name)
    sqs.add_permission(QueueUrl=url, Label="allow-send", AWSAccountIds=["111111111111"],
                       Actions=["SendMessage"])
    policy = json.loads(attrs(sqs, url, "Policy")["Policy"])
    statements = policy["Statement"]
    assert len(statements) == 1
    st = statements[0]
    assert st["Sid"] == "allow-send"
    assert st["Effect"] == "Allow"
    assert "111111111111" in json.dumps(st["Principal"])
    actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
    assert [a.lower() for a in actions] == ["sqs:sendmessage"]
    assert st["Resource"] == queue_arn(name)

    sqs.add_permission(QueueUrl=url, Label="allow-receive", AWSAccountIds=["222222222222"],
                       Actions=["ReceiveMessage", "DeleteMessage"])
    sids = [s["Sid"] for s in json.loads(attrs(sqs, url, "Policy")["Policy"])["Statement"]]
    assert sorted(sids) == ["allow-receive", "allow-send"]

    sqs.remove_permission(QueueUrl=url, Label="allow-send")
    sids = [s["Sid"] for s in json.loads(attrs(sqs, url, "Policy")["Policy"])["Statement"]]
    assert sids == ["allow-receive"]
    sqs.remove_permission(QueueUrl=url, Label="allow-receive")
    left = attrs(sqs, url, "Policy").get("Policy")
    assert not left or json.loads(left).get("Statement") in ([], None), left


def test_remove_unknown_permission(sqs, make_queue):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.remove_permission(QueueUrl=url, Label="nope")
    assert_error(exc, "InvalidParameterValue")


# ---- PurgeQueue --------------------------------------------------------------------------

def test_purge_queue(sqs, make_queue):
    name = unique()
    url = make_queue(name)
    send_batch(sqs, url, ["a", "b", "c"])
    assert len(receive(sqs, url, MaxNumberOfMessages=1)) == 1
    sqs.purge_queue(QueueUrl=url)
    assert counts(sqs, url) == (0, 0, 0)
    assert receive(sqs, url) == []
    with pytest.raises(ClientError) as exc:
        sqs.purge_queue(QueueUrl=url)
    assert_error(exc, "AWS.SimpleQueueService.PurgeQueueInProgress", status=403, match=name)
    assert isinstance(exc.value, sqs.exceptions.PurgeQueueInProgress)
    # The queue still works after a purge.
    sqs.send_message(QueueUrl=url, MessageBody="after")
    assert [m["Body"] for m in receive(sqs, url)] == ["after"]


# ---- SendMessage, ReceiveMessage, DeleteMessage ------------------------------------------

def test_send_receive_delete(sqs, make_queue):
    url = make_queue()
    body = "hello \u00e9\u4e16\U0001F600 <&>\t\n\r"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body)
    assert UUID_RE.match(sent["MessageId"]), sent
    assert sent["MD5OfMessageBody"] == md5_hex(body)
    assert "SequenceNumber" not in sent
    msgs = receive(sqs, url)
    assert len(msgs) == 1
    m = msgs[0]
    assert m["Body"] == body
    assert m["MessageId"] == sent["MessageId"]
    assert m["ReceiptHandle"]
    check_message_md5s(m)
    assert "MessageAttributes" not in m
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert counts(sqs, url) == (0, 0, 0)
    assert receive(sqs, url) == []


MESSAGE_ATTRIBUTES = {
    "str": {"DataType": "String", "StringValue": "caf\u00e9 \u4e16"},
    "num": {"DataType": "Number", "StringValue": "-123.45e2"},
    "bin": {"DataType": "Binary", "BinaryValue": bytes(range(256))},
    "custom": {"DataType": "String.custom", "StringValue": "typed"},
    "bin.custom": {"DataType": "Binary.gif", "BinaryValue": b"GIF89a"},
}


def test_message_attributes_round_trip(sqs, make_queue):
    url = make_queue()
    sent = sqs.send_message(QueueUrl=url, MessageBody="with attributes",
                            MessageAttributes=MESSAGE_ATTRIBUTES)
    assert sent["MD5OfMessageBody"] == md5_hex("with attributes")
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(MESSAGE_ATTRIBUTES)
    m = receive(sqs, url, MessageAttributeNames=["All"])[0]
    assert m["MessageAttributes"] == MESSAGE_ATTRIBUTES
    assert m["MD5OfMessageAttributes"] == md5_of_attributes(MESSAGE_ATTRIBUTES)
    check_message_md5s(m)


def test_message_attribute_selection(sqs, make_queue):
    url = make_queue(VisibilityTimeout=0)
    a = {"foo.a": {"DataType": "String", "StringValue": "1"},
         "foo.b": {"DataType": "Number", "StringValue": "2"},
         "bar": {"DataType": "String", "StringValue": "3"}}
    sqs.send_message(QueueUrl=url, MessageBody="sel", MessageAttributes=a)

    def got(names):
        m = receive(sqs, url, **({"MessageAttributeNames": names} if names else {}))[0]
        # The digest covers the attributes returned (SDKs verify it against those).
        check_message_md5s(m)
        return m.get("MessageAttributes", {})

    assert got(["foo.*"]) == {k: a[k] for k in ("foo.a", "foo.b")}
    assert got(["bar"]) == {"bar": a["bar"]}
    assert got([".*"]) == a
    assert got(["All"]) == a
    assert got(None) == {}
    assert got(["missing"]) == {}


def test_aws_trace_header(sqs, make_queue):
    url = make_queue()
    system = {"AWSTraceHeader": {"DataType": "String", "StringValue": TRACE_HEADER}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="traced", MessageSystemAttributes=system)
    assert sent["MD5OfMessageSystemAttributes"] == md5_of_attributes(system)
    m = receive(sqs, url, AttributeNames=["All"])[0]
    assert m["Attributes"]["AWSTraceHeader"] == TRACE_HEADER


def test_system_attributes_on_receive(sqs, make_queue):
    url = make_queue()
    before_ms = int(time.time() * 1000)
    sqs.send_message(QueueUrl=url, MessageBody="sys")
    m = receive(sqs, url, AttributeNames=["All"], VisibilityTimeout=0)[0]
    a = m["Attributes"]
    sent_ts = int(a["SentTimestamp"])
    assert before_ms - 5000 <= sent_ts <= time.time() * 1000 + 5000
    assert a["ApproximateReceiveCount"] == "1"
    first = int(a["ApproximateFirstReceiveTimestamp"])
    assert sent_ts <= first <= time.time() * 1000 + 5000
    assert a["SenderId"] == DEFAULT_ACCOUNT
    for absent in ("SequenceNumber", "MessageGroupId", "MessageDeduplicationId"):
        assert absent not in a

    again = receive(sqs, url, AttributeNames=["All"])[0]["Attributes"]
    assert again["ApproximateReceiveCount"] == "2"
    assert again["ApproximateFirstReceiveTimestamp"] == a["ApproximateFirstReceiveTimestamp"]
    assert again["SentTimestamp"] == a["SentTimestamp"]


def test_specific_system_attribute_names(sqs, make_queue):
    url = make_queue()
    sqs.send_message(QueueUrl=url, MessageBody="one")
    m = receive(sqs, url, AttributeNames=["SentTimestamp", "ApproximateReceiveCount"])[0]
    assert set(m["Attributes"]) == {"SentTimestamp", "ApproximateReceiveCount"}


def test_invalid_receipt_handle(sqs, make_queue):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")
    assert_error(exc, "ReceiptHandleIsInvalid", match=r"(?i)receipt handle")
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle="garbage",
                                      VisibilityTimeout=0)
    assert_error(exc, "ReceiptHandleIsInvalid", match=r"(?i)receipt handle")


def test_change_message_visibility_to_zero(sqs, make_queue):
    url = make_queue()
    sqs.send_message(QueueUrl=url, MessageBody="cmv")
    m = receive(sqs, url)[0]
    assert receive(sqs, url) == []
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                  VisibilityTimeout=0)
    again = receive(sqs, url, AttributeNames=["ApproximateReceiveCount"])
    assert [x["Body"] for x in again] == ["cmv"]
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"


def test_visibility_timeout_hides_then_reveals(sqs, make_queue):
    url = make_queue()
    sqs.send_message(QueueUrl=url, MessageBody="vis")
    first = receive(sqs, url, VisibilityTimeout=1)
    assert [m["Body"] for m in first] == ["vis"]
    assert receive(sqs, url) == []
    assert counts(sqs, url) == (0, 1, 0)
    time.sleep(1.2)
    again = receive(sqs, url, AttributeNames=["ApproximateReceiveCount"])
    assert [m["Body"] for m in again] == ["vis"]
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])
    assert counts(sqs, url) == (0, 0, 0)


def test_queue_visibility_timeout_default(sqs, make_queue):
    url = make_queue(VisibilityTimeout=1)
    sqs.send_message(QueueUrl=url, MessageBody="qv")
    assert len(receive(sqs, url)) == 1
    assert receive(sqs, url) == []
    time.sleep(1.2)
    assert len(receive(sqs, url)) == 1


def test_delay_seconds_per_message(sqs, make_queue):
    url = make_queue()
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    sqs.send_message(QueueUrl=url, MessageBody="now")
    assert [m["Body"] for m in receive(sqs, url)] == ["now"]
    assert counts(sqs, url)[2] == 1
    time.sleep(1.2)
    assert [m["Body"] for m in receive(sqs, url)] == ["later"]


def test_delay_seconds_queue_default(sqs, make_queue):
    url = make_queue(DelaySeconds=1)
    sqs.send_message(QueueUrl=url, MessageBody="queued")
    sqs.send_message(QueueUrl=url, MessageBody="override", DelaySeconds=0)
    assert [m["Body"] for m in receive(sqs, url)] == ["override"]
    assert counts(sqs, url) == (0, 1, 1)
    time.sleep(1.2)
    assert [m["Body"] for m in receive(sqs, url)] == ["queued"]


def test_delay_seconds_out_of_range(sqs, make_queue):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)
    assert_error(exc, "InvalidParameterValue", match="DelaySeconds")


@pytest.mark.parametrize("n", [11, 0])
def test_max_number_of_messages_out_of_range(sqs, make_queue, n):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=n)
    assert_error(exc, "InvalidParameterValue",
                 match=rf"^Value {n} for parameter MaxNumberOfMessages is invalid\. "
                       r"Reason: [Mm]ust be between 1 and 10, if provided\.$")


def test_receive_returns_up_to_max(sqs, make_queue):
    url = make_queue()
    send_batch(sqs, url, [f"m{i}" for i in range(15)])
    got: list[dict] = []
    for _ in range(10):
        batch = receive(sqs, url, MaxNumberOfMessages=10)
        assert len(batch) <= 10
        got += batch
        if len(got) >= 15:
            break
    assert sorted(m["Body"] for m in got) == sorted(f"m{i}" for i in range(15))
    assert len(receive(sqs, url, MaxNumberOfMessages=1)) == 0
    assert counts(sqs, url) == (0, 15, 0)


@pytest.mark.parametrize("body", ["bad\u0000char", "bad\u0008char", "\ufffe"])
def test_invalid_message_contents(sqs, make_queue, body):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    assert_error(exc, "InvalidMessageContents")
    assert isinstance(exc.value, sqs.exceptions.InvalidMessageContents)


def test_message_larger_than_maximum_size(sqs, make_queue):
    url = make_queue(MaximumMessageSize=1024)
    sqs.send_message(QueueUrl=url, MessageBody="x" * 1024)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 1025)
    assert_error(exc, "InvalidParameterValue",
                 "One or more parameters are invalid. Reason: Message must be shorter than "
                 "1024 bytes.")


def test_empty_message_body(sqs, make_queue):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="")
    assert_error(exc, "MissingParameter")


# ---- batches -----------------------------------------------------------------------------

def test_send_message_batch(sqs, make_queue):
    url = make_queue()
    resp = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok-1", "MessageBody": "first",
         "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
        {"Id": "ok_2", "MessageBody": "second", "DelaySeconds": 0},
        {"Id": "bad", "MessageBody": "bad\u0000"},
    ])
    ok = {e["Id"]: e for e in resp["Successful"]}
    assert set(ok) == {"ok-1", "ok_2"}
    assert ok["ok-1"]["MD5OfMessageBody"] == md5_hex("first")
    assert ok["ok-1"]["MD5OfMessageAttributes"] == md5_of_attributes(
        {"k": {"DataType": "String", "StringValue": "v"}})
    assert ok["ok_2"]["MD5OfMessageBody"] == md5_hex("second")
    assert UUID_RE.match(ok["ok-1"]["MessageId"])
    failed = resp.get("Failed", [])
    assert len(failed) == 1
    assert failed[0]["Id"] == "bad"
    assert failed[0]["SenderFault"] is True
    assert failed[0]["Code"] == "InvalidMessageContents"
    msgs = receive_all(sqs, url, 2)
    assert sorted(m["Body"] for m in msgs) == ["first", "second"]
    for m in msgs:
        check_message_md5s(m)


def test_delete_message_batch(sqs, make_queue):
    url = make_queue()
    send_batch(sqs, url, ["a", "b"])
    msgs = receive_all(sqs, url, 2)
    resp = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "m0", "ReceiptHandle": msgs[0]["ReceiptHandle"]},
        {"Id": "m1", "ReceiptHandle": msgs[1]["ReceiptHandle"]},
        {"Id": "bad", "ReceiptHandle": "garbage"},
    ])
    assert sorted(e["Id"] for e in resp["Successful"]) == ["m0", "m1"]
    failed = resp.get("Failed", [])
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in failed] == \
        [("bad", "ReceiptHandleIsInvalid", True)]
    assert counts(sqs, url) == (0, 0, 0)


def test_change_message_visibility_batch(sqs, make_queue):
    url = make_queue()
    send_batch(sqs, url, ["a", "b"])
    msgs = receive_all(sqs, url, 2)
    resp = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "m0", "ReceiptHandle": msgs[0]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "m1", "ReceiptHandle": msgs[1]["ReceiptHandle"], "VisibilityTimeout": 600},
        {"Id": "bad", "ReceiptHandle": "garbage", "VisibilityTimeout": 0},
    ])
    assert sorted(e["Id"] for e in resp["Successful"]) == ["m0", "m1"]
    assert [(f["Id"], f["Code"]) for f in resp.get("Failed", [])] == \
        [("bad", "ReceiptHandleIsInvalid")]
    assert [m["Body"] for m in receive(sqs, url)] == [msgs[0]["Body"]]


BATCH_OPS = {
    "send_message_batch": ("SendMessageBatchRequestEntry",
                           lambda i: {"Id": i, "MessageBody": "x"}),
    "delete_message_batch": ("DeleteMessageBatchRequestEntry",
                             lambda i: {"Id": i, "ReceiptHandle": f"rh-{i}"}),
    "change_message_visibility_batch": ("ChangeMessageVisibilityBatchRequestEntry",
                                        lambda i: {"Id": i, "ReceiptHandle": f"rh-{i}",
                                                   "VisibilityTimeout": 0}),
}


@pytest.mark.parametrize("op", list(BATCH_OPS))
def test_empty_batch(sqs, make_queue, op):
    url = make_queue()
    entry_name, _ = BATCH_OPS[op]
    with pytest.raises(ClientError) as exc:
        getattr(sqs, op)(QueueUrl=url, Entries=[])
    assert_error(exc, "AWS.SimpleQueueService.EmptyBatchRequest",
                 f"There should be at least one {entry_name} in the request.")
    assert isinstance(exc.value, sqs.exceptions.EmptyBatchRequest)


@pytest.mark.parametrize("op", list(BATCH_OPS))
def test_too_many_entries_in_batch(sqs, make_queue, op):
    url = make_queue()
    _, entry = BATCH_OPS[op]
    with pytest.raises(ClientError) as exc:
        getattr(sqs, op)(QueueUrl=url, Entries=[entry(f"e{i}") for i in range(11)])
    assert_error(exc, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                 "Maximum number of entries per request are 10. You have sent 11.")


@pytest.mark.parametrize("op", list(BATCH_OPS))
def test_batch_entry_ids_not_distinct(sqs, make_queue, op):
    url = make_queue()
    _, entry = BATCH_OPS[op]
    with pytest.raises(ClientError) as exc:
        getattr(sqs, op)(QueueUrl=url, Entries=[entry("a"), entry("b"), entry("a")])
    assert_error(exc, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id a repeated.")


def test_invalid_batch_entry_id(sqs, make_queue):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "bad id!", "MessageBody": "x"}])
    assert_error(exc, "AWS.SimpleQueueService.InvalidBatchEntryId")


# ---- long polling ------------------------------------------------------------------------

def test_long_poll_returns_when_a_message_arrives(sqs, new_sqs, make_queue):
    url = make_queue()
    sender = new_sqs()

    def send_later():
        time.sleep(0.5)
        sender.send_message(QueueUrl=url, MessageBody="woke")

    t = threading.Thread(target=send_later)
    start = time.monotonic()
    t.start()
    try:
        msgs = receive(sqs, url, WaitTimeSeconds=5)
    finally:
        t.join()
    elapsed = time.monotonic() - start
    assert [m["Body"] for m in msgs] == ["woke"]
    assert 0.4 <= elapsed < 2.0, elapsed


def test_long_poll_on_empty_queue_waits(sqs, make_queue):
    url = make_queue()
    start = time.monotonic()
    assert receive(sqs, url, WaitTimeSeconds=1) == []
    elapsed = time.monotonic() - start
    assert 0.9 <= elapsed < 2.5, elapsed


def test_queue_receive_wait_time_default(sqs, make_queue):
    url = make_queue(ReceiveMessageWaitTimeSeconds=1)
    start = time.monotonic()
    assert receive(sqs, url) == []
    elapsed = time.monotonic() - start
    assert 0.9 <= elapsed < 2.5, elapsed
    start = time.monotonic()
    assert receive(sqs, url, WaitTimeSeconds=0) == []
    assert time.monotonic() - start < 0.5


def test_wait_time_seconds_out_of_range(sqs, make_queue):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.receive_message(QueueUrl=url, WaitTimeSeconds=21)
    assert_error(exc, "InvalidParameterValue", match="WaitTimeSeconds")


# ---- concurrency -------------------------------------------------------------------------

def test_concurrent_consumers_receive_each_message_once(sqs, new_sqs, make_queue):
    url = make_queue(VisibilityTimeout=30)
    sent = send_batch(sqs, url, [f"msg-{i}" for i in range(200)])
    sent_ids = {e["MessageId"] for e in sent}
    assert len(sent_ids) == 200
    received: list[list[dict]] = [[] for _ in range(4)]
    errors: list[BaseException] = []
    deadline = time.monotonic() + 20

    clients = [new_sqs() for _ in range(4)]

    def consume(i: int):
        c = clients[i]
        empties = 0
        try:
            while time.monotonic() < deadline and empties < 3:
                got = receive(c, url, MaxNumberOfMessages=10)
                empties = empties + 1 if not got else 0
                received[i] += got
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=consume, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    ids = [m["MessageId"] for r in received for m in r]
    assert len(ids) == len(set(ids)), "a message was received twice while invisible"
    assert set(ids) == sent_ids
    handles = [m["ReceiptHandle"] for r in received for m in r]
    assert len(set(handles)) == 200
    for i in range(0, 200, 10):
        resp = sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(j), "ReceiptHandle": h} for j, h in enumerate(handles[i:i + 10])])
        assert not resp.get("Failed"), resp
    assert counts(sqs, url) == (0, 0, 0)


# ---- FIFO --------------------------------------------------------------------------------

@pytest.fixture
def fifo_queue(sqs):
    def create(content_dedup: bool = True, **attributes) -> str:
        a = {"FifoQueue": "true", "ContentBasedDeduplication": str(content_dedup).lower()}
        a.update({k: str(v) for k, v in attributes.items()})
        return sqs.create_queue(QueueName=unique("fifo") + ".fifo", Attributes=a)["QueueUrl"]

    return create


def test_fifo_queue_attributes(sqs, fifo_queue):
    url = fifo_queue()
    a = attrs(sqs, url)
    assert a["FifoQueue"] == "true"
    assert a["ContentBasedDeduplication"] == "true"
    assert a["QueueArn"].endswith(".fifo")
    assert a["DeduplicationScope"] == "queue"
    assert a["FifoThroughputLimit"] == "perQueue"


def test_fifo_requires_message_group_id(sqs, fifo_queue):
    url = fifo_queue()
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert_error(exc, "MissingParameter", "The request must contain the parameter MessageGroupId.")


def test_fifo_without_dedup_id_or_content_dedup(sqs, fifo_queue):
    url = fifo_queue(content_dedup=False)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert_error(exc, "InvalidParameterValue", match="ContentBasedDeduplication")
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g",
                     MessageDeduplicationId="d")
    assert counts(sqs, url)[0] == 1


def test_fifo_content_based_deduplication(sqs, fifo_queue):
    url = fifo_queue()
    first = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    sqs.send_message(QueueUrl=url, MessageBody="other", MessageGroupId="g")
    assert counts(sqs, url)[0] == 2
    msgs = []
    for _ in range(3):
        got = receive(sqs, url)
        msgs += got
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert [m["Body"] for m in msgs] == ["same", "other"]
    assert msgs[0]["MessageId"] == first["MessageId"]
    # Deleted, but still deduplicated within the 5-minute interval.
    sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    assert receive(sqs, url) == []


def test_fifo_explicit_deduplication_id(sqs, fifo_queue):
    url = fifo_queue()
    sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="g",
                     MessageDeduplicationId="dup")
    sqs.send_message(QueueUrl=url, MessageBody="two", MessageGroupId="g",
                     MessageDeduplicationId="dup")
    msgs = receive(sqs, url, AttributeNames=["All"])
    assert [m["Body"] for m in msgs] == ["one"]
    a = msgs[0]["Attributes"]
    assert a["MessageDeduplicationId"] == "dup"
    assert a["MessageGroupId"] == "g"


def test_fifo_order_and_sequence_numbers(sqs, fifo_queue):
    url = fifo_queue()
    bodies = [f"m{i}" for i in range(6)]
    seqs = []
    for b in bodies:
        resp = sqs.send_message(QueueUrl=url, MessageBody=b, MessageGroupId="g")
        assert re.fullmatch(r"\d+", resp["SequenceNumber"]), resp
        seqs.append(int(resp["SequenceNumber"]))
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    got: list[dict] = []
    deadline = time.monotonic() + 5
    while len(got) < len(bodies) and time.monotonic() < deadline:
        batch = receive(sqs, url, AttributeNames=["All"])
        got += batch
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert [m["Body"] for m in got] == bodies
    assert [int(m["Attributes"]["SequenceNumber"]) for m in got] == seqs


def test_fifo_group_in_flight_blocks_the_group(sqs, new_sqs, fifo_queue):
    url = fifo_queue()
    other = new_sqs()  # another receiver
    sqs.send_message(QueueUrl=url, MessageBody="a1", MessageGroupId="A")
    sqs.send_message(QueueUrl=url, MessageBody="a2", MessageGroupId="A")
    first = receive(sqs, url, MaxNumberOfMessages=1)
    assert [m["Body"] for m in first] == ["a1"]
    assert receive(other, url) == []
    sqs.send_message(QueueUrl=url, MessageBody="b1", MessageGroupId="B")
    assert [m["Body"] for m in receive(other, url)] == ["b1"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    assert [m["Body"] for m in receive(other, url)] == ["a2"]


def test_fifo_receives_follow_a_model_of_groups(sqs, fifo_queue):
    """Many groups sent interleaved, then receives of 1-10 messages, deletes and messages made
    visible again, in a seeded random order: every receive gives exactly what a model of FIFO
    delivery gives (in sequence order, each group up to its first message in flight)."""
    import random
    rnd = random.Random(11)
    url = fifo_queue()
    model = []  # [body, group, in_flight, receipt] in sequence order
    for i in range(120):
        g = f"g{rnd.choice([0, 0, 0, 1, 2, 3, 4, 5, 6, 7])}"  # one big group, several small
        body = f"m{i}-{g}"
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=g)
        model.append([body, g, False, None])

    def expect(n):
        out, blocked = [], set()
        for m in model:
            if len(out) == n:
                break
            if m[1] in blocked:
                continue
            if m[2]:
                blocked.add(m[1])
                continue
            out.append(m)
        return out

    for step in range(150):
        action = rnd.random()
        in_flight = [m for m in model if m[2]]
        if action < 0.5 or not in_flight:
            n = rnd.randint(1, 10)
            want = expect(n)
            got = receive(sqs, url, MaxNumberOfMessages=n, VisibilityTimeout=600)
            assert [m["Body"] for m in got] == [m[0] for m in want], step
            for m, r in zip(want, got):
                m[2], m[3] = True, r["ReceiptHandle"]
        elif action < 0.8:
            m = rnd.choice(in_flight)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m[3])
            model.remove(m)
        else:
            m = rnd.choice(in_flight)
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m[3], VisibilityTimeout=0)
            m[2] = False
        if not model:
            break


def test_fifo_per_message_delay_is_invalid(sqs, fifo_queue):
    url = fifo_queue()
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", DelaySeconds=1)
    assert_error(exc, "InvalidParameterValue",
                 "Value 1 for parameter DelaySeconds is invalid. Reason: The request include "
                 "parameter that is not valid for this queue type.")


def test_fifo_batch(sqs, fifo_queue):
    url = fifo_queue()
    resp = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": f"e{i}", "MessageBody": f"b{i}", "MessageGroupId": "g"} for i in range(3)])
    assert len(resp["Successful"]) == 3
    assert all(re.fullmatch(r"\d+", e["SequenceNumber"]) for e in resp["Successful"])
    got: list[str] = []
    deadline = time.monotonic() + 5
    while len(got) < 3 and time.monotonic() < deadline:
        batch = receive(sqs, url)
        got += [m["Body"] for m in batch]
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert got == ["b0", "b1", "b2"]


# ---- dead-letter queues, message move tasks ----------------------------------------------

def make_dlq_pair(sqs, make_queue, max_receive: int = 2):
    dlq_name, src_name = unique("dlq"), unique("src")
    dlq = make_queue(dlq_name)
    policy = json.dumps({"deadLetterTargetArn": queue_arn(dlq_name),
                         "maxReceiveCount": max_receive})
    src = make_queue(src_name, RedrivePolicy=policy)
    return src, src_name, dlq, dlq_name


def test_redrive_to_dead_letter_queue(sqs, make_queue):
    src, src_name, dlq, dlq_name = make_dlq_pair(sqs, make_queue)
    rp = json.loads(attrs(sqs, src, "RedrivePolicy")["RedrivePolicy"])
    assert rp["deadLetterTargetArn"] == queue_arn(dlq_name)
    assert int(rp["maxReceiveCount"]) == 2

    sent = sqs.send_message(QueueUrl=src, MessageBody="poison")
    for n in (1, 2):
        got = receive(sqs, src, VisibilityTimeout=0, AttributeNames=["ApproximateReceiveCount"])
        assert [m["Body"] for m in got] == ["poison"]
        assert got[0]["Attributes"]["ApproximateReceiveCount"] == str(n)
    assert receive(sqs, src) == []
    moved = receive(sqs, dlq)
    assert [m["Body"] for m in moved] == ["poison"]
    assert moved[0]["MessageId"] == sent["MessageId"]
    assert counts(sqs, src) == (0, 0, 0)

    sources = sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"]
    assert sources == [src]
    assert sqs.list_dead_letter_source_queues(QueueUrl=src).get("queueUrls", []) == []


def test_redrive_allow_policy_is_enforced(sqs, make_queue):
    # The dead-letter queue's RedriveAllowPolicy decides which queues may name it.
    deny_name, allow_name = unique("deny"), unique("only")
    make_queue(deny_name, RedriveAllowPolicy=json.dumps({"redrivePermission": "denyAll"}))
    allowed_src = unique("src")
    make_queue(allow_name, RedriveAllowPolicy=json.dumps(
        {"redrivePermission": "byQueue", "sourceQueueArns": [queue_arn(allowed_src)]}))
    to_deny = json.dumps({"deadLetterTargetArn": queue_arn(deny_name), "maxReceiveCount": 1})
    with pytest.raises(ClientError) as exc:
        make_queue(RedrivePolicy=to_deny)
    assert_error(exc, "InvalidParameterValue")
    assert "does not allow this queue" in exc.value.response["Error"]["Message"]
    to_allow = json.dumps({"deadLetterTargetArn": queue_arn(allow_name), "maxReceiveCount": 1})
    make_queue(allowed_src, RedrivePolicy=to_allow)
    with pytest.raises(ClientError) as exc:
        make_queue(RedrivePolicy=to_allow)
    assert_error(exc, "InvalidParameterValue")


def test_redrive_with_change_message_visibility(sqs, make_queue):
    src, _, dlq, _ = make_dlq_pair(sqs, make_queue)
    sqs.send_message(QueueUrl=src, MessageBody="poison")
    for _ in range(2):
        m = receive(sqs, src)[0]
        sqs.change_message_visibility(QueueUrl=src, ReceiptHandle=m["ReceiptHandle"],
                                      VisibilityTimeout=0)
    assert receive(sqs, src) == []
    assert [m["Body"] for m in receive(sqs, dlq)] == ["poison"]


def test_message_move_task(sqs, make_queue):
    src, src_name, dlq, dlq_name = make_dlq_pair(sqs, make_queue, max_receive=1)
    sqs.send_message(QueueUrl=src, MessageBody="back")
    sqs.send_message(QueueUrl=src, MessageBody="again")
    receive_all(sqs, src, 2, VisibilityTimeout=0)
    assert receive(sqs, src) == []
    assert counts(sqs, dlq)[0] == 2

    task = sqs.start_message_move_task(SourceArn=queue_arn(dlq_name),
                                       DestinationArn=queue_arn(src_name))
    assert task["TaskHandle"]
    deadline = time.monotonic() + 5
    while True:
        results = sqs.list_message_move_tasks(SourceArn=queue_arn(dlq_name))["Results"]
        assert results, "no move task listed"
        latest = results[0]
        assert latest["SourceArn"] == queue_arn(dlq_name)
        assert latest["DestinationArn"] == queue_arn(src_name)
        assert latest["Status"] in ("RUNNING", "COMPLETED"), latest
        if latest["Status"] == "COMPLETED" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert latest["Status"] == "COMPLETED", latest
    assert latest["ApproximateNumberOfMessagesMoved"] == 2
    assert isinstance(latest["StartedTimestamp"], int)
    assert counts(sqs, dlq) == (0, 0, 0)
    moved = receive_all(sqs, src, 2)
    assert sorted(m["Body"] for m in moved) == ["again", "back"]


def test_message_move_task_needs_a_dead_letter_queue(sqs, make_queue):
    name = unique()
    make_queue(name)
    with pytest.raises(ClientError) as exc:
        sqs.start_message_move_task(SourceArn=queue_arn(name))
    assert exc.value.response["Error"]["Code"] in ("InvalidParameterValue",
                                                   "AWS.SimpleQueueService.UnsupportedOperation")


# ---- accounts ----------------------------------------------------------------------------

def test_accounts_are_isolated_and_urls_cross_them(new_sqs, stratus):
    a = new_sqs(key="111111111111")
    b = new_sqs(key="222222222222")
    name = unique("acct")
    url = a.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"{stratus.url}/111111111111/{name}"
    assert attrs(a, url, "QueueArn")["QueueArn"] == queue_arn(name, "111111111111")
    assert b.list_queues(QueueNamePrefix=name).get("QueueUrls", []) == []
    assert a.list_queues(QueueNamePrefix=name)["QueueUrls"] == [url]
    with pytest.raises(ClientError) as exc:
        b.get_queue_url(QueueName=name)
    assert_error(exc, NON_EXISTENT)
    assert b.get_queue_url(QueueName=name, QueueOwnerAWSAccountId="111111111111")[
        "QueueUrl"] == url
    # The same name in account B is another queue.
    url_b = b.create_queue(QueueName=name)["QueueUrl"]
    assert url_b == f"{stratus.url}/222222222222/{name}"
    # A queue of another account is addressed by its URL.
    b.send_message(QueueUrl=url, MessageBody="from b")
    assert [m["Body"] for m in receive(a, url)] == ["from b"]
    assert receive(b, url_b) == []


# ---- durability --------------------------------------------------------------------------

def test_messages_survive_kill_9(protocol, start_stratus, tmp_path):
    data = str(tmp_path / "data")
    server = start_stratus("--data-dir", data)
    c = sqs_client(protocol, server.url)
    name = unique("durable")
    url = c.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    for i in range(3):
        c.send_message(QueueUrl=url, MessageBody=f"d{i}")
    inflight = receive(c, url, MaxNumberOfMessages=1, VisibilityTimeout=3)
    received_at = time.monotonic()
    assert len(inflight) == 1
    server.kill()

    server = start_stratus("--data-dir", data)
    c = sqs_client(protocol, server.url)
    url = c.get_queue_url(QueueName=name)["QueueUrl"]
    assert url == f"{server.url}/{DEFAULT_ACCOUNT}/{name}"
    assert attrs(c, url, "VisibilityTimeout")["VisibilityTimeout"] == "30"
    visible, not_visible, _ = counts(c, url)
    assert visible + not_visible == 3
    if time.monotonic() - received_at < 2.5:
        assert (visible, not_visible) == (2, 1)
    rest = receive_all(c, url, 2)
    assert sorted(m["Body"] for m in rest) == sorted(
        f"d{i}" for i in range(3) if f"d{i}" != inflight[0]["Body"])
    time.sleep(max(0.0, 3.3 - (time.monotonic() - received_at)))
    back = receive(c, url, AttributeNames=["ApproximateReceiveCount"])
    assert [m["Body"] for m in back] == [inflight[0]["Body"]]
    assert back[0]["Attributes"]["ApproximateReceiveCount"] == "2"


# ---- JSON protocol only ------------------------------------------------------------------

def test_json_message_system_attribute_names(stratus):
    c = sqs_client("json", stratus.url)
    url = c.create_queue(QueueName=unique())["QueueUrl"]
    c.send_message(QueueUrl=url, MessageBody="x")
    m = c.receive_message(QueueUrl=url, MessageSystemAttributeNames=["All"],
                          VisibilityTimeout=0)["Messages"][0]
    assert {"SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp",
            "SenderId"} <= set(m["Attributes"])
    m = c.receive_message(QueueUrl=url, MessageSystemAttributeNames=["SenderId"])[
        "Messages"][0]
    assert m["Attributes"] == {"SenderId": DEFAULT_ACCOUNT}


def test_json_error_wire_format(stratus):
    body = json.dumps({"QueueName": unique("missing")}).encode()
    headers = sign("POST", stratus.url + "/", "sqs", body,
                   {"Content-Type": "application/x-amz-json-1.0",
                    "X-Amz-Target": "AmazonSQS.GetQueueUrl"})
    r = requests.post(stratus.url + "/", data=body, headers=headers, timeout=10)
    assert r.status_code == 400, r.text
    assert r.headers["x-amzn-query-error"] == f"{NON_EXISTENT};Sender"
    assert r.headers["Content-Type"].startswith("application/x-amz-json-1.0")
    doc = r.json()
    assert json_error_code(doc) == "QueueDoesNotExist"
    assert NON_EXISTENT_MSG.match(doc.get("message", doc.get("Message", ""))), doc
    assert r.headers.get("x-amzn-RequestId")


def test_json_success_wire_format(stratus):
    name = unique()
    body = json.dumps({"QueueName": name}).encode()
    headers = sign("POST", stratus.url + "/", "sqs", body,
                   {"Content-Type": "application/x-amz-json-1.0",
                    "X-Amz-Target": "AmazonSQS.CreateQueue"})
    r = requests.post(stratus.url + "/", data=body, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json() == {"QueueUrl": f"{stratus.url}/{DEFAULT_ACCOUNT}/{name}"}
    assert r.headers.get("x-amzn-RequestId")


def test_deleting_a_queue_answers_its_long_polls(sqs, make_queue):
    # A receive waiting on a queue that is deleted is answered (empty), not left hanging.
    url = make_queue()
    result = {}

    def poll():
        t0 = time.time()
        result["messages"] = receive(sqs, url, WaitTimeSeconds=10)
        result["elapsed"] = time.time() - t0

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.5)
    sqs.delete_queue(QueueUrl=url)
    t.join(timeout=15)
    assert result["messages"] == []
    assert result["elapsed"] < 5


def test_stopping_answers_waiting_long_polls(start_stratus):
    """SIGTERM while ReceiveMessage long-polls: the receives end empty, as their wait ending
    would end them, and the server exits at once instead of waiting out the polls."""
    from stratus_helpers import make_client
    server = start_stratus()
    sqs = make_client("sqs", server.url)
    urls = [sqs.create_queue(QueueName=f"stop-{i}")["QueueUrl"] for i in range(2)]
    results = []

    def poll(url):
        t = time.monotonic()
        r = make_client("sqs", server.url).receive_message(QueueUrl=url, WaitTimeSeconds=20)
        results.append((r.get("Messages"), time.monotonic() - t))

    threads = [threading.Thread(target=poll, args=(u,)) for u in urls for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # the four receives are waiting
    t0 = time.monotonic()
    assert server.stop(timeout=5) == 0
    assert time.monotonic() - t0 < 2
    for t in threads:
        t.join(5)
    assert len(results) == 4
    assert all(messages is None and waited < 5 for messages, waited in results)
