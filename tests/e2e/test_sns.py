"""SNS through boto3 (the query protocol), delivering to SQS (boto3's JSON protocol) and to a
local HTTP endpoint the test runs on 127.0.0.1.

Topics (names, FIFO, attributes, tags, pagination), subscriptions (SQS, HTTP confirmation,
attributes, raw delivery), publishing (the JSON envelope and its signature, checked against the
certificate at SigningCertURL; message attributes; MessageStructure json), fan-out, filter
policies on attributes and on the message body, FIFO topics to FIFO queues, PublishBatch, the
errors AWS answers with, and durability across kill -9 (--data-dir).

Delivery is asynchronous: receives long-poll (WaitTimeSeconds=2) until the expected messages
came, and checks that nothing else came only after that.
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import http.server
import json
import queue
import re
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from stratus_helpers import (
    DEFAULT_ACCOUNT, FORM_CT, REGION, make_client, parse_xml, sign, xml_error)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UUID_RE = re.compile(f"^{UUID}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
TOPIC_NAME_MSG = "Invalid parameter: Topic Name"
TOPIC_NOT_FOUND_MSG = "Topic does not exist"
SUB_NOT_FOUND_MSG = "Subscription does not exist"
MAX_MESSAGE = 262144


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def topic_arn(name: str, account: str = DEFAULT_ACCOUNT, region: str = REGION) -> str:
    return f"arn:aws:sns:{region}:{account}:{name}"


def assert_error(exc: pytest.ExceptionInfo, code: str, message: str | None = None,
                 status: int = 400, prefix: str | None = None):
    resp = exc.value.response
    err = resp["Error"]
    assert err["Code"] == code, err
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == status, resp
    if message is not None:
        assert err["Message"] == message, err
    if prefix is not None:
        assert err["Message"].startswith(prefix), err
    assert err.get("Type") == "Sender", err


# ---- fixtures ----------------------------------------------------------------------------

class Env:
    """An SNS and an SQS client on one server, and helpers to make topics, queues and
    subscriptions and to receive what was delivered."""

    def __init__(self, server):
        self.server = server
        self.sns = make_client("sns", server.url)
        self.sqs = make_client("sqs", server.url)

    def topic(self, name: str | None = None, **attributes) -> str:
        kw = {"Name": name or unique()}
        if attributes:
            kw["Attributes"] = {k: str(v) for k, v in attributes.items()}
        return self.sns.create_topic(**kw)["TopicArn"]

    def fifo_topic(self, **attributes) -> str:
        return self.topic(unique("ft") + ".fifo", FifoTopic="true", **attributes)

    def queue(self, fifo: bool = False) -> tuple[str, str]:
        """(url, arn) of a new queue."""
        if fifo:
            url = self.sqs.create_queue(QueueName=unique("q") + ".fifo",
                                        Attributes={"FifoQueue": "true"})["QueueUrl"]
        else:
            url = self.sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
        arn = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def subscribe(self, topic: str, queue_arn: str, **attributes) -> str:
        kw = {"TopicArn": topic, "Protocol": "sqs", "Endpoint": queue_arn,
              "ReturnSubscriptionArn": True}
        if attributes:
            kw["Attributes"] = {k: v if isinstance(v, str) else json.dumps(v)
                                for k, v in attributes.items()}
        return self.sns.subscribe(**kw)["SubscriptionArn"]

    def subscribed_queue(self, topic: str, fifo: bool = False, **attributes):
        """(queue url, subscription arn) of a new queue subscribed to `topic`."""
        url, arn = self.queue(fifo)
        return url, self.subscribe(topic, arn, **attributes)

    def receive(self, url: str, n: int, timeout: float = 6.0, deadline: float | None = None,
                **kw) -> list[dict]:
        """Receives (long polls of up to 2 s) and deletes until `n` messages came or the
        deadline (monotonic; default now + `timeout`) passed; receives at least once if n > 0."""
        out: list[dict] = []
        if deadline is None:
            deadline = time.monotonic() + timeout
        while len(out) < n:
            left = deadline - time.monotonic()
            wait = max(0, min(2, int(left)))
            got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=wait, **kw).get("Messages", [])
            if got:
                self.sqs.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(got)])
            out += got
            if left <= 0:
                break
            if not got and wait == 0:
                time.sleep(0.05)
        return out

    def receive_now(self, url: str, **kw) -> list[dict]:
        return self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                        WaitTimeSeconds=0, **kw).get("Messages", [])

    def envelopes(self, url: str, n: int, **kw) -> list[dict]:
        msgs = self.receive(url, n, **kw)
        assert len(msgs) == n, msgs
        return [json.loads(m["Body"]) for m in msgs]


@pytest.fixture
def env(stratus) -> Env:
    return Env(stratus)


@pytest.fixture
def sns(env):
    return env.sns


class HttpSink:
    """An HTTP server on 127.0.0.1 recording every POST: (path, headers, body)."""

    def __init__(self):
        self.requests: queue.Queue = queue.Queue()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                sink.requests.put((self.path, {k.lower(): v for k, v in self.headers.items()},
                                   body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def next(self, timeout: float = 5.0):
        try:
            return self.requests.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no POST reached {self.url} within {timeout}s")

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_sink():
    sink = HttpSink()
    yield sink
    sink.close()


# ---- signatures --------------------------------------------------------------------------

NOTIFICATION_KEYS = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
CONFIRMATION_KEYS = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn",
                     "Type"]


def string_to_sign(doc: dict) -> bytes:
    keys = NOTIFICATION_KEYS if doc["Type"] == "Notification" else CONFIRMATION_KEYS
    return "".join(f"{k}\n{doc[k]}\n" for k in keys if k in doc).encode("utf-8")


@functools.cache
def _certificate(url: str) -> x509.Certificate:
    r = requests.get(url, timeout=5)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return x509.load_pem_x509_certificate(r.content)


def verify_signature(doc: dict, server):
    """Checks Signature against the certificate served at SigningCertURL (which must be this
    Stratus: the tests never fetch anything off this machine)."""
    url = doc["SigningCertURL"]
    parts = urlsplit(url)
    assert parts.hostname in ("127.0.0.1", "localhost") and parts.port == server.port, \
        f"SigningCertURL is not served by this Stratus ({server.url}): {url}"
    cert = _certificate(url)
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}[doc["SignatureVersion"]]
    cert.public_key().verify(base64.b64decode(doc["Signature"], validate=True),
                             string_to_sign(doc), padding.PKCS1v15(), algorithm)


def assert_recent(timestamp: str):
    assert TIMESTAMP_RE.match(timestamp), timestamp
    when = dt.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=dt.timezone.utc)
    assert abs((dt.datetime.now(dt.timezone.utc) - when).total_seconds()) < 60, timestamp


# ---- CreateTopic -------------------------------------------------------------------------

def test_create_topic_arn_and_idempotent(sns):
    name = unique()
    arn = sns.create_topic(Name=name)["TopicArn"]
    assert arn == topic_arn(name)
    assert sns.create_topic(Name=name)["TopicArn"] == arn
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["TopicArn"] == arn


def test_create_topic_longest_name_and_all_allowed_characters(sns):
    name = ("Ab-_9" + uuid.uuid4().hex + "z" * 256)[:256]
    assert sns.create_topic(Name=name)["TopicArn"] == topic_arn(name)


@pytest.mark.parametrize("name", ["", "a" * 257, "has space", "dot.name", "bad!", "sl/ash",
                                  "\u00e9t\u00e9", "colon:name"])
def test_create_topic_invalid_name(sns, name):
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=name)
    assert_error(exc, "InvalidParameter", TOPIC_NAME_MSG)


def test_account_and_region_come_from_the_request(stratus):
    name = unique()
    other = make_client("sns", stratus.url, key="123456789012")
    assert other.create_topic(Name=name)["TopicArn"] == topic_arn(name, "123456789012")
    west = make_client("sns", stratus.url, region="eu-west-1")
    assert west.create_topic(Name=name)["TopicArn"] == topic_arn(name, region="eu-west-1")
    # Neither is visible to the default account in us-east-1.
    default = make_client("sns", stratus.url)
    with pytest.raises(ClientError) as exc:
        default.get_topic_attributes(TopicArn=topic_arn(name))
    assert_error(exc, "NotFound", TOPIC_NOT_FOUND_MSG, 404)


def test_create_fifo_topic(sns):
    name = unique("f") + ".fifo"
    arn = sns.create_topic(Name=name, Attributes={"FifoTopic": "true"})["TopicArn"]
    assert arn == topic_arn(name)
    a = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert a["FifoTopic"] == "true"
    assert a["ContentBasedDeduplication"] == "false"
    sns.set_topic_attributes(TopicArn=arn, AttributeName="ContentBasedDeduplication",
                             AttributeValue="true")
    a = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert a["ContentBasedDeduplication"] == "true"
    arn2 = sns.create_topic(Name=unique("f") + ".fifo", Attributes={
        "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    assert sns.get_topic_attributes(
        TopicArn=arn2)["Attributes"]["ContentBasedDeduplication"] == "true"


def test_fifo_topic_name_rules(sns):
    # FifoTopic=true needs the .fifo suffix; a .fifo name needs FifoTopic=true.
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=unique(), Attributes={"FifoTopic": "true"})
    assert_error(exc, "InvalidParameter", prefix="Invalid parameter:")
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=unique() + ".fifo")
    assert_error(exc, "InvalidParameter", prefix="Invalid parameter:")


SNS_NS = "http://sns.amazonaws.com/doc/2010-03-31/"


def raw_sns(server, **params) -> requests.Response:
    body = urlencode({**params, "Version": "2010-03-31"}).encode()
    headers = sign("POST", server.url + "/", "sns", body, {"Content-Type": FORM_CT})
    return requests.post(server.url + "/", data=body, headers=headers, timeout=10)


def test_query_protocol_xml(stratus):
    name = unique()
    r = raw_sns(stratus, Action="CreateTopic", Name=name)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/xml"), r.headers
    root = ET.fromstring(r.content)
    assert root.tag == f"{{{SNS_NS}}}CreateTopicResponse", r.text
    doc = parse_xml(r.content)
    assert doc.find("CreateTopicResult/TopicArn").text == topic_arn(name)
    assert UUID_RE.match(doc.find("ResponseMetadata/RequestId").text), r.text
    r = raw_sns(stratus, Action="GetTopicAttributes", TopicArn=topic_arn(unique("missing")))
    assert r.status_code == 404, r.text
    assert ET.fromstring(r.content).tag == f"{{{SNS_NS}}}ErrorResponse", r.text
    err = xml_error(r.content)
    assert (err["Type"], err["Code"], err["Message"]) == ("Sender", "NotFound",
                                                          TOPIC_NOT_FOUND_MSG)
    assert err["RequestId"]


# ---- DeleteTopic, ListTopics -------------------------------------------------------------

def test_delete_topic(env, sns):
    arn = env.topic()
    url, sub = env.subscribed_queue(arn)
    sns.delete_topic(TopicArn=arn)
    with pytest.raises(ClientError) as exc:
        sns.get_topic_attributes(TopicArn=arn)
    assert_error(exc, "NotFound", TOPIC_NOT_FOUND_MSG, 404)
    with pytest.raises(ClientError) as exc:
        sns.list_subscriptions_by_topic(TopicArn=arn)
    assert_error(exc, "NotFound", TOPIC_NOT_FOUND_MSG, 404)
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, Message="gone")
    assert_error(exc, "NotFound", TOPIC_NOT_FOUND_MSG, 404)
    # Deleting a topic that does not exist is not an error.
    sns.delete_topic(TopicArn=arn)
    topics = [t["TopicArn"] for p in sns.get_paginator("list_topics").paginate()
              for t in p["Topics"]]
    assert arn not in topics
    subs = [s["SubscriptionArn"] for p in sns.get_paginator("list_subscriptions").paginate()
            for s in p["Subscriptions"]]
    assert sub not in subs


def test_list_topics_and_subscriptions_paginate_by_100(start_stratus):
    env = Env(start_stratus())
    names = sorted(unique(f"p{i:03d}") for i in range(150))
    arns = [env.topic(n) for n in names]
    first = env.sns.list_topics()
    assert len(first["Topics"]) == 100, len(first["Topics"])
    assert first.get("NextToken")
    second = env.sns.list_topics(NextToken=first["NextToken"])
    assert len(second["Topics"]) == 50
    assert "NextToken" not in second
    listed = [t["TopicArn"] for t in first["Topics"] + second["Topics"]]
    assert sorted(listed) == sorted(arns)

    _, queue_arn = env.queue()
    subs = [env.subscribe(a, queue_arn) for a in arns[:105]]
    first = env.sns.list_subscriptions()
    assert len(first["Subscriptions"]) == 100
    assert first.get("NextToken")
    second = env.sns.list_subscriptions(NextToken=first["NextToken"])
    assert len(second["Subscriptions"]) == 5
    assert "NextToken" not in second
    assert sorted(s["SubscriptionArn"] for s in first["Subscriptions"] +
                  second["Subscriptions"]) == sorted(subs)


# ---- Get/SetTopicAttributes --------------------------------------------------------------

def test_get_topic_attributes_defaults(sns):
    arn = sns.create_topic(Name=unique())["TopicArn"]
    a = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert a["TopicArn"] == arn
    assert a["Owner"] == DEFAULT_ACCOUNT
    assert a.get("DisplayName", "") == ""
    for k in ("SubscriptionsConfirmed", "SubscriptionsPending", "SubscriptionsDeleted"):
        assert a[k] == "0", (k, a)
    policy = json.loads(a["Policy"])
    assert policy["Version"] == "2008-10-17"
    statement = policy["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == arn
    assert "SNS:Publish" in statement["Action"]
    assert statement["Condition"] == {"StringEquals": {"AWS:SourceOwner": DEFAULT_ACCOUNT}}
    delivery = json.loads(a["EffectiveDeliveryPolicy"])
    retry = delivery["http"]["defaultHealthyRetryPolicy"]
    assert retry["numRetries"] == 3
    assert retry["minDelayTarget"] == 20 and retry["maxDelayTarget"] == 20


def test_get_topic_attributes_of_missing_topic(sns):
    with pytest.raises(ClientError) as exc:
        sns.get_topic_attributes(TopicArn=topic_arn(unique("missing")))
    assert_error(exc, "NotFound", TOPIC_NOT_FOUND_MSG, 404)
    assert isinstance(exc.value, sns.exceptions.NotFoundException)


def test_set_topic_attributes(sns):
    arn = sns.create_topic(Name=unique(), Attributes={"DisplayName": "first"})["TopicArn"]
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "first"
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName",
                             AttributeValue="Second name")
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "pub", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "sns:Publish", "Resource": arn}]}
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy",
                             AttributeValue=json.dumps(policy))
    delivery = {"http": {"defaultHealthyRetryPolicy": {
        "minDelayTarget": 5, "maxDelayTarget": 30, "numRetries": 7, "numMaxDelayRetries": 0,
        "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear"},
        "disableSubscriptionOverrides": False}}
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DeliveryPolicy",
                             AttributeValue=json.dumps(delivery))
    a = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert a["DisplayName"] == "Second name"
    assert json.loads(a["Policy"]) == policy
    assert json.loads(a["DeliveryPolicy"]) == delivery
    assert json.loads(a["EffectiveDeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"][
        "numRetries"] == 7


def test_set_topic_attributes_errors(sns):
    arn = sns.create_topic(Name=unique())["TopicArn"]
    with pytest.raises(ClientError) as exc:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="NoSuchAttribute",
                                 AttributeValue="x")
    assert_error(exc, "InvalidParameter", "Invalid parameter: AttributeName")
    with pytest.raises(ClientError) as exc:
        sns.set_topic_attributes(TopicArn=topic_arn(unique("missing")),
                                 AttributeName="DisplayName", AttributeValue="x")
    assert_error(exc, "NotFound", TOPIC_NOT_FOUND_MSG, 404)


# ---- tags --------------------------------------------------------------------------------

def test_tags(sns):
    arn = sns.create_topic(Name=unique(), Tags=[{"Key": "env", "Value": "dev"}])["TopicArn"]

    def tags():
        return {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(
            ResourceArn=arn)["Tags"]}

    assert tags() == {"env": "dev"}
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"},
                                            {"Key": "env", "Value": "prod"}])
    assert tags() == {"env": "prod", "team": "a"}
    sns.untag_resource(ResourceArn=arn, TagKeys=["env", "absent"])
    assert tags() == {"team": "a"}
    missing = topic_arn(unique("missing"))
    for call in (lambda: sns.list_tags_for_resource(ResourceArn=missing),
                 lambda: sns.tag_resource(ResourceArn=missing,
                                          Tags=[{"Key": "k", "Value": "v"}])):
        with pytest.raises(ClientError) as exc:
            call()
        assert_error(exc, "ResourceNotFound", status=404)


# ---- Subscribe and subscription attributes -----------------------------------------------

def test_subscribe_sqs_queue(env, sns):
    arn = env.topic()
    _, queue_arn = env.queue()
    resp = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
    sub = resp["SubscriptionArn"]
    assert sub.startswith(arn + ":"), sub
    assert UUID_RE.match(sub[len(arn) + 1:]), sub
    # Subscribing the same endpoint again returns the same subscription.
    assert sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)[
        "SubscriptionArn"] == sub
    a = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert a["SubscriptionArn"] == sub
    assert a["TopicArn"] == arn
    assert a["Protocol"] == "sqs"
    assert a["Endpoint"] == queue_arn
    assert a["Owner"] == DEFAULT_ACCOUNT
    assert a["RawMessageDelivery"] == "false"
    assert a["PendingConfirmation"] == "false"
    assert a["ConfirmationWasAuthenticated"] == "true"
    t = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (t["SubscriptionsConfirmed"], t["SubscriptionsPending"]) == ("1", "0")


def test_list_subscriptions(env, sns):
    arn = env.topic()
    other = env.topic()
    _, q1 = env.queue()
    _, q2 = env.queue()
    s1 = env.subscribe(arn, q1)
    s2 = env.subscribe(arn, q2)
    s3 = env.subscribe(other, q1)
    by_topic = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert sorted(s["SubscriptionArn"] for s in by_topic) == sorted([s1, s2])
    entry = next(s for s in by_topic if s["SubscriptionArn"] == s1)
    assert entry == {"SubscriptionArn": s1, "Owner": DEFAULT_ACCOUNT, "Protocol": "sqs",
                     "Endpoint": q1, "TopicArn": arn}
    everything = [s for p in sns.get_paginator("list_subscriptions").paginate()
                  for s in p["Subscriptions"]]
    mine = {s["SubscriptionArn"]: s for s in everything if s["TopicArn"] in (arn, other)}
    assert set(mine) == {s1, s2, s3}
    assert mine[s3]["Endpoint"] == q1 and mine[s3]["TopicArn"] == other
    with pytest.raises(ClientError) as exc:
        sns.list_subscriptions_by_topic(TopicArn=topic_arn(unique("missing")))
    assert_error(exc, "NotFound", TOPIC_NOT_FOUND_MSG, 404)


def test_set_subscription_attributes(env, sns):
    arn = env.topic()
    _, sub = env.subscribed_queue(arn)
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery",
                                    AttributeValue="true")
    policy = {"color": ["red"]}
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                    AttributeValue=json.dumps(policy))
    a = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert a["RawMessageDelivery"] == "true"
    assert json.loads(a["FilterPolicy"]) == policy
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="NoSuchAttribute",
                                        AttributeValue="x")
    assert_error(exc, "InvalidParameter", "Invalid parameter: AttributeName")
    missing = arn + ":" + str(uuid.uuid4())
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(SubscriptionArn=missing,
                                        AttributeName="RawMessageDelivery",
                                        AttributeValue="true")
    assert_error(exc, "NotFound", SUB_NOT_FOUND_MSG, 404)


def test_subscribe_with_attributes(env, sns):
    arn = env.topic()
    _, sub = env.subscribed_queue(arn, RawMessageDelivery="true",
                                  FilterPolicy={"k": ["v"]})
    a = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert a["RawMessageDelivery"] == "true"
    assert json.loads(a["FilterPolicy"]) == {"k": ["v"]}


def test_unsubscribe(env, sns):
    arn = env.topic()
    url, sub = env.subscribed_queue(arn)
    sns.unsubscribe(SubscriptionArn=sub)
    with pytest.raises(ClientError) as exc:
        sns.get_subscription_attributes(SubscriptionArn=sub)
    assert_error(exc, "NotFound", SUB_NOT_FOUND_MSG, 404)
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsConfirmed"] == "0"
    sns.publish(TopicArn=arn, Message="after unsubscribe")
    time.sleep(0.5)
    assert env.receive_now(url) == []


def test_get_subscription_attributes_of_missing_subscription(sns):
    missing = topic_arn(unique("missing")) + ":" + str(uuid.uuid4())
    with pytest.raises(ClientError) as exc:
        sns.get_subscription_attributes(SubscriptionArn=missing)
    assert_error(exc, "NotFound", SUB_NOT_FOUND_MSG, 404)


def test_subscribe_errors(env, sns):
    arn = env.topic()
    _, queue_arn = env.queue()
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=arn, Protocol="carrier-pigeon", Endpoint="coo")
    assert_error(exc, "InvalidParameter", prefix="Invalid parameter:")
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="not-an-arn")
    assert_error(exc, "InvalidParameter", prefix="Invalid parameter:")
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=topic_arn(unique("missing")), Protocol="sqs",
                      Endpoint=queue_arn)
    assert_error(exc, "NotFound", TOPIC_NOT_FOUND_MSG, 404)
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn,
                      Attributes={"NoSuchAttribute": "x"})
    assert_error(exc, "InvalidParameter", prefix="Invalid parameter:")


# ---- HTTP subscriptions ------------------------------------------------------------------

def test_http_subscription_is_pending_confirmation(env, sns, http_sink):
    arn = env.topic()
    resp = sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=http_sink.url + "/a")
    assert resp["SubscriptionArn"] == "pending confirmation"
    sub = sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=http_sink.url + "/b",
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert sub.startswith(arn + ":") and UUID_RE.match(sub[len(arn) + 1:]), sub
    a = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert a["PendingConfirmation"] == "true"
    assert a["Protocol"] == "http" and a["Endpoint"] == http_sink.url + "/b"
    listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert sorted(s["SubscriptionArn"] for s in listed) == ["PendingConfirmation"] * 2
    t = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (t["SubscriptionsConfirmed"], t["SubscriptionsPending"]) == ("0", "2")


def test_http_confirmation_and_delivery(env, sns, http_sink, stratus):
    arn = env.topic()
    endpoint = http_sink.url + "/hook"
    sub = sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=endpoint,
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    path, headers, body = http_sink.next()
    assert path == "/hook"
    assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert headers["x-amz-sns-topic-arn"] == arn
    doc = json.loads(body)
    assert doc["Type"] == "SubscriptionConfirmation"
    assert doc["TopicArn"] == arn
    assert headers["x-amz-sns-message-id"] == doc["MessageId"]
    assert doc["Token"]
    assert "ConfirmSubscription" in doc["SubscribeURL"]
    assert_recent(doc["Timestamp"])
    assert doc["SignatureVersion"] == "1"
    verify_signature(doc, stratus)

    with pytest.raises(ClientError) as exc:
        sns.confirm_subscription(TopicArn=arn, Token="not-the-token")
    assert_error(exc, "InvalidParameter", prefix="Invalid")
    confirmed = sns.confirm_subscription(TopicArn=arn, Token=doc["Token"])["SubscriptionArn"]
    assert confirmed == sub
    a = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert a["PendingConfirmation"] == "false"

    mid = sns.publish(TopicArn=arn, Message="over http", Subject="hi")["MessageId"]
    path, headers, body = http_sink.next()
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-message-id"] == mid
    assert headers["x-amz-sns-topic-arn"] == arn
    assert headers["x-amz-sns-subscription-arn"] == sub
    doc = json.loads(body)
    assert (doc["Type"], doc["MessageId"], doc["Message"], doc["Subject"]) == (
        "Notification", mid, "over http", "hi")
    verify_signature(doc, stratus)


# ---- Publish: the envelope ---------------------------------------------------------------

def test_publish_envelope_to_sqs(env, sns, stratus):
    arn = env.topic()
    url, sub = env.subscribed_queue(arn)
    resp = sns.publish(TopicArn=arn, Message="hello \u00e9\n\"world\"", Subject="Greetings",
                       MessageAttributes={
                           "name": {"DataType": "String", "StringValue": "v"},
                           "count": {"DataType": "Number", "StringValue": "42"},
                           "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"}})
    mid = resp["MessageId"]
    assert UUID_RE.match(mid), mid
    [doc] = env.envelopes(url, 1)
    assert doc["Type"] == "Notification"
    assert doc["MessageId"] == mid
    assert doc["TopicArn"] == arn
    assert doc["Subject"] == "Greetings"
    assert doc["Message"] == "hello \u00e9\n\"world\""
    assert_recent(doc["Timestamp"])
    assert doc["SignatureVersion"] == "1"
    base64.b64decode(doc["Signature"], validate=True)
    unsubscribe = urlsplit(doc["UnsubscribeURL"])
    q = parse_qs(unsubscribe.query)
    assert q["Action"] == ["Unsubscribe"] and q["SubscriptionArn"] == [sub], doc
    assert doc["MessageAttributes"] == {
        "name": {"Type": "String", "Value": "v"},
        "count": {"Type": "Number", "Value": "42"},
        "blob": {"Type": "Binary", "Value": base64.b64encode(b"\x00\x01\xff").decode()}}
    verify_signature(doc, stratus)


def test_publish_without_subject_or_attributes(env, sns, stratus):
    arn = env.topic()
    url, _ = env.subscribed_queue(arn)
    sns.publish(TopicArn=arn, Message="plain")
    [doc] = env.envelopes(url, 1)
    assert "Subject" not in doc
    assert "MessageAttributes" not in doc
    assert doc["Message"] == "plain"
    verify_signature(doc, stratus)


def test_signature_version_2(env, sns, stratus):
    arn = env.topic()
    sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion",
                             AttributeValue="2")
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SignatureVersion"] == "2"
    url, _ = env.subscribed_queue(arn)
    sns.publish(TopicArn=arn, Message="sha256", Subject="s")
    [doc] = env.envelopes(url, 1)
    assert doc["SignatureVersion"] == "2"
    verify_signature(doc, stratus)


def test_unsubscribe_url_unsubscribes(env, sns, stratus):
    arn = env.topic()
    url, sub = env.subscribed_queue(arn)
    sns.publish(TopicArn=arn, Message="m")
    [doc] = env.envelopes(url, 1)
    target = urlsplit(doc["UnsubscribeURL"])
    assert target.hostname in ("127.0.0.1", "localhost") and target.port == stratus.port, \
        doc["UnsubscribeURL"]
    r = requests.get(doc["UnsubscribeURL"], timeout=5)
    assert r.status_code == 200, r.text
    with pytest.raises(ClientError) as exc:
        sns.get_subscription_attributes(SubscriptionArn=sub)
    assert_error(exc, "NotFound", SUB_NOT_FOUND_MSG, 404)


def test_raw_message_delivery(env, sns):
    arn = env.topic()
    url, sub = env.subscribed_queue(arn)
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery",
                                    AttributeValue="true")
    sns.publish(TopicArn=arn, Message='{"raw": true}', Subject="ignored",
                MessageAttributes={
                    "name": {"DataType": "String", "StringValue": "v"},
                    "count": {"DataType": "Number", "StringValue": "7"},
                    "blob": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}})
    [m] = env.receive(url, 1, MessageAttributeNames=["All"])
    assert m["Body"] == '{"raw": true}'
    assert m["MessageAttributes"] == {
        "name": {"DataType": "String", "StringValue": "v"},
        "count": {"DataType": "Number", "StringValue": "7"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}}


def test_fan_out_to_five_queues(env, sns):
    arn = env.topic()
    queues = [env.subscribed_queue(arn)[0] for _ in range(5)]
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsConfirmed"] == "5"
    m1 = sns.publish(TopicArn=arn, Message="one")["MessageId"]
    m2 = sns.publish(TargetArn=arn, Message="two")["MessageId"]
    for url in queues:
        docs = env.envelopes(url, 2)
        assert sorted((d["MessageId"], d["Message"]) for d in docs) == sorted(
            [(m1, "one"), (m2, "two")])


# ---- filter policies ---------------------------------------------------------------------

def _s(v):
    return {"DataType": "String", "StringValue": v}


def _n(v):
    return {"DataType": "Number", "StringValue": str(v)}


FILTER_PUBLISHES = {
    "P1": {"color": _s("red"), "price": _n(15), "store": _s("yes")},
    "P2": {"color": _s("blue"), "price": _n(5)},
    "P3": {"color": _s("Red"), "size": _s("L"), "price": _n(25)},
    "P4": {"color": _s("green"), "store": _s("x")},
    "P5": {"color": _s("black"), "price": _n(20), "size": _s("M")},
}

FILTER_MATRIX = [
    ("exact", {"color": ["red"]}, {"P1"}),
    ("list", {"color": ["red", "blue"]}, {"P1", "P2"}),
    ("anything-but", {"color": [{"anything-but": ["red", "blue"]}]}, {"P3", "P4", "P5"}),
    ("prefix", {"color": [{"prefix": "bl"}]}, {"P2", "P5"}),
    ("numeric-range", {"price": [{"numeric": [">", 10, "<=", 20]}]}, {"P1", "P5"}),
    ("numeric-equals", {"price": [{"numeric": ["=", 5]}]}, {"P2"}),
    ("exists-true", {"store": [{"exists": True}]}, {"P1", "P4"}),
    ("exists-false", {"store": [{"exists": False}]}, {"P2", "P3", "P5"}),
    ("suffix", {"color": [{"suffix": "een"}]}, {"P4"}),
    ("equals-ignore-case", {"color": [{"equals-ignore-case": "RED"}]}, {"P1", "P3"}),
    ("or", {"$or": [{"color": ["blue"]}, {"size": ["L"]}]}, {"P2", "P3"}),
    ("and", {"color": ["red", "Red", "black"], "price": [{"numeric": [">=", 20]}]},
     {"P3", "P5"}),
]


def test_filter_policy_matrix(env, sns):
    arn = env.topic()
    subs = {}
    for i, (label, policy, expected) in enumerate(FILTER_MATRIX):
        if i % 2:
            # Half get the policy when subscribing, half later through SetSubscriptionAttributes.
            url, sub = env.subscribed_queue(arn, FilterPolicy=policy)
        else:
            url, sub = env.subscribed_queue(arn)
            sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                            AttributeValue=json.dumps(policy))
        subs[label] = url
    for body, attributes in FILTER_PUBLISHES.items():
        sns.publish(TopicArn=arn, Message=body, MessageAttributes=attributes)
    got = {}
    deadline = time.monotonic() + 5
    for label, _, expected in FILTER_MATRIX:
        got[label] = [json.loads(m["Body"])["Message"]
                      for m in env.receive(subs[label], len(expected), deadline=deadline)]
    time.sleep(0.3)
    for label, _, _ in FILTER_MATRIX:
        got[label] += [json.loads(m["Body"])["Message"] for m in env.receive_now(subs[label])]
    wrong = {label: (sorted(got[label]), sorted(expected))
             for label, _, expected in FILTER_MATRIX if sorted(got[label]) != sorted(expected)}
    assert not wrong, f"policy: (received, expected): {wrong}"


def test_filter_policy_on_string_array_attribute(env, sns):
    arn = env.topic()
    url, _ = env.subscribed_queue(arn, FilterPolicy={"colors": ["red"]})
    sns.publish(TopicArn=arn, Message="has red", MessageAttributes={
        "colors": {"DataType": "String.Array", "StringValue": '["green", "red"]'}})
    sns.publish(TopicArn=arn, Message="no red", MessageAttributes={
        "colors": {"DataType": "String.Array", "StringValue": '["green", "blue"]'}})
    sns.publish(TopicArn=arn, Message="last red", MessageAttributes={"colors": _s("red")})
    docs = env.envelopes(url, 2)
    assert sorted(d["Message"] for d in docs) == ["has red", "last red"]
    assert docs[0]["MessageAttributes"]["colors"]["Type"] in ("String.Array", "String")


def test_filter_policy_scope_message_body(env, sns):
    arn = env.topic()
    policy = {"order": {"customer": {"tier": ["gold"]}, "total": [{"numeric": [">=", 100]}]}}
    url, sub = env.subscribed_queue(arn, FilterPolicyScope="MessageBody", FilterPolicy=policy)
    a = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert a["FilterPolicyScope"] == "MessageBody"
    bodies = {
        "gold-150": {"order": {"customer": {"tier": "gold"}, "total": 150}},
        "silver-150": {"order": {"customer": {"tier": "silver"}, "total": 150}},
        "gold-50": {"order": {"customer": {"tier": "gold"}, "total": 50}},
        "gold-100-extra": {"order": {"customer": {"tier": "gold", "x": 1}, "total": 100},
                           "other": True},
        "flat": {"tier": "gold", "total": 150},
    }
    for label, body in bodies.items():
        sns.publish(TopicArn=arn, Message=json.dumps({**body, "label": label}),
                    MessageAttributes={"tier": _s("gold")})
    sns.publish(TopicArn=arn, Message="not json at all")
    docs = env.envelopes(url, 2)
    time.sleep(0.3)
    docs += [json.loads(m["Body"]) for m in env.receive_now(url)]
    assert sorted(json.loads(d["Message"])["label"] for d in docs) == [
        "gold-100-extra", "gold-150"]


@pytest.mark.parametrize("policy", [
    "{not json",
    '{"color": "red"}',
    '{"price": [{"numeric": ["<<", 1]}]}',
    '{"color": [{"no-such-operator": "x"}]}',
    json.dumps({"a": [str(i) for i in range(10)], "b": [str(i) for i in range(10)],
                "c": ["x", "y"]}),
])
def test_invalid_filter_policy(env, sns, policy):
    arn = env.topic()
    _, queue_arn = env.queue()
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn,
                      Attributes={"FilterPolicy": policy})
    assert_error(exc, "InvalidParameter", prefix="Invalid parameter: FilterPolicy")
    sub = env.subscribe(arn, queue_arn)
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                        AttributeValue=policy)
    assert_error(exc, "InvalidParameter", prefix="Invalid parameter: FilterPolicy")


# ---- MessageStructure json ---------------------------------------------------------------

def test_message_structure_json(env, sns):
    arn = env.topic()
    url, _ = env.subscribed_queue(arn)
    raw_url, _ = env.subscribed_queue(arn, RawMessageDelivery="true")
    sns.publish(TopicArn=arn, MessageStructure="json",
                Message=json.dumps({"default": "d", "sqs": "s", "http": "h"}))
    sns.publish(TopicArn=arn, MessageStructure="json",
                Message=json.dumps({"default": "only default"}))
    docs = env.envelopes(url, 2)
    assert sorted(d["Message"] for d in docs) == ["only default", "s"]
    raw = env.receive(raw_url, 2)
    assert sorted(m["Body"] for m in raw) == ["only default", "s"]


def test_message_structure_json_errors(env, sns):
    arn = env.topic()
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, MessageStructure="json",
                    Message=json.dumps({"sqs": "s"}))
    assert_error(exc, "InvalidParameter",
                 "Invalid parameter: Message Structure - No default entry in JSON message body")
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, MessageStructure="json", Message="{not json")
    assert_error(exc, "InvalidParameter",
                 "Invalid parameter: Message Structure - JSON message body failed to parse")


# ---- FIFO --------------------------------------------------------------------------------

def test_fifo_topic_to_fifo_queue_keeps_group_order(env, sns):
    arn = env.fifo_topic()
    url, _ = env.subscribed_queue(arn, fifo=True)
    sequence = []
    for i in range(6):
        for group in ("g1", "g2"):
            resp = sns.publish(TopicArn=arn, Message=f"{group}-{i}", MessageGroupId=group,
                               MessageDeduplicationId=f"{group}-{i}")
            assert re.match(r"^\d+$", resp["SequenceNumber"]), resp
            sequence.append(int(resp["SequenceNumber"]))
    assert sequence == sorted(sequence) and len(set(sequence)) == len(sequence)
    msgs = env.receive(url, 12, MessageSystemAttributeNames=["MessageGroupId"])
    assert len(msgs) == 12, msgs
    by_group: dict[str, list[str]] = {}
    for m in msgs:
        doc = json.loads(m["Body"])
        assert doc["TopicArn"] == arn
        assert "SequenceNumber" in doc, doc
        group = m["Attributes"]["MessageGroupId"]
        by_group.setdefault(group, []).append(doc["Message"])
    assert by_group == {g: [f"{g}-{i}" for i in range(6)] for g in ("g1", "g2")}


def test_fifo_topic_deduplication(env, sns):
    arn = env.fifo_topic(ContentBasedDeduplication="true")
    url, _ = env.subscribed_queue(arn, fifo=True, RawMessageDelivery="true")
    sns.publish(TopicArn=arn, Message="same", MessageGroupId="g")
    sns.publish(TopicArn=arn, Message="same", MessageGroupId="g")
    sns.publish(TopicArn=arn, Message="same", MessageGroupId="g",
                MessageDeduplicationId="explicit")
    sns.publish(TopicArn=arn, Message="other", MessageGroupId="g")
    msgs = env.receive(url, 3)
    time.sleep(0.3)
    msgs += env.receive_now(url)
    assert [m["Body"] for m in msgs] == ["same", "same", "other"]


def test_fifo_topic_publish_errors(env, sns):
    arn = env.fifo_topic()
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, Message="m", MessageDeduplicationId="d")
    assert_error(exc, "InvalidParameter",
                 "Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
    # Without ContentBasedDeduplication a deduplication id is required.
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, Message="m", MessageGroupId="g")
    assert_error(exc, "InvalidParameter", prefix="Invalid parameter:")


# ---- PublishBatch ------------------------------------------------------------------------

def test_publish_batch(env, sns):
    arn = env.topic()
    url, _ = env.subscribed_queue(arn)
    entries = [{"Id": f"e{i}", "Message": f"batch {i}"} for i in range(10)]
    entries[3]["Subject"] = "with subject"
    entries[4]["MessageAttributes"] = {"k": _s("v")}
    resp = sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=entries)
    assert resp.get("Failed", []) == []
    assert sorted(s["Id"] for s in resp["Successful"]) == sorted(e["Id"] for e in entries)
    ids = {s["Id"]: s["MessageId"] for s in resp["Successful"]}
    assert all(UUID_RE.match(v) for v in ids.values()), ids
    docs = {d["MessageId"]: d for d in env.envelopes(url, 10)}
    assert set(docs) == set(ids.values())
    assert docs[ids["e3"]]["Subject"] == "with subject"
    assert docs[ids["e4"]]["MessageAttributes"] == {"k": {"Type": "String", "Value": "v"}}
    assert sorted(d["Message"] for d in docs.values()) == sorted(e["Message"] for e in entries)


def test_publish_batch_partial_failure(env, sns):
    arn = env.topic()
    url, _ = env.subscribed_queue(arn, RawMessageDelivery="true")
    resp = sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": "good", "Message": "fine"},
        {"Id": "bad", "Message": json.dumps({"sqs": "no default"}), "MessageStructure": "json"},
    ])
    assert [s["Id"] for s in resp["Successful"]] == ["good"]
    [failed] = resp["Failed"]
    assert failed["Id"] == "bad"
    assert failed["SenderFault"] is True
    assert failed["Code"] == "InvalidParameter", failed
    assert [m["Body"] for m in env.receive(url, 1)] == ["fine"]


BATCH_ERRORS = {
    "too-many": ([{"Id": f"e{i}", "Message": "m"} for i in range(11)],
                 "TooManyEntriesInBatchRequest",
                 "The batch request contains more entries than permissible."),
    "ids-not-distinct": ([{"Id": "same", "Message": "a"}, {"Id": "same", "Message": "b"}],
                         "BatchEntryIdsNotDistinct",
                         "Two or more batch entries in the request have the same Id."),
    "empty": ([], "EmptyBatchRequest", None),
    "invalid-id": ([{"Id": "bad id!", "Message": "a"}], "InvalidBatchEntryId", None),
    "id-too-long": ([{"Id": "i" * 81, "Message": "a"}], "InvalidBatchEntryId", None),
    "too-long": ([{"Id": "a", "Message": "x" * 140000}, {"Id": "b", "Message": "y" * 140000}],
                 "BatchRequestTooLong", None),
}


@pytest.mark.parametrize("case", list(BATCH_ERRORS))
def test_publish_batch_errors(env, sns, case):
    entries, code, message = BATCH_ERRORS[case]
    arn = env.topic()
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=entries)
    assert_error(exc, code, message)


def test_publish_batch_to_missing_topic(sns):
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=topic_arn(unique("missing")),
                          PublishBatchRequestEntries=[{"Id": "a", "Message": "m"}])
    assert_error(exc, "NotFound", TOPIC_NOT_FOUND_MSG, 404)


# ---- Publish errors ----------------------------------------------------------------------

def test_publish_to_missing_topic(sns):
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic_arn(unique("missing")), Message="m")
    assert_error(exc, "NotFound", TOPIC_NOT_FOUND_MSG, 404)


def test_publish_message_size_limit(env, sns):
    arn = env.topic()
    url, _ = env.subscribed_queue(arn, RawMessageDelivery="true")
    sns.publish(TopicArn=arn, Message="x" * MAX_MESSAGE)
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, Message="x" * (MAX_MESSAGE + 1))
    assert_error(exc, "InvalidParameter", "Invalid parameter: Message too long")
    [m] = env.receive(url, 1)
    assert len(m["Body"]) == MAX_MESSAGE


INVALID_PUBLISHES = {
    "empty-message": ({"Message": ""}, "InvalidParameter", "Invalid parameter: Empty message"),
    "subject-too-long": ({"Message": "m", "Subject": "s" * 101}, "InvalidParameter",
                         "Invalid parameter: Subject"),
    "subject-line-break": ({"Message": "m", "Subject": "a\nb"}, "InvalidParameter",
                           "Invalid parameter: Subject"),
    "number-not-a-number": ({"Message": "m", "MessageAttributes": {
        "n": {"DataType": "Number", "StringValue": "not a number"}}},
        "ParameterValueInvalid", "Could not cast message attribute 'n' value to number."),
    "unknown-attribute-type": ({"Message": "m", "MessageAttributes": {
        "n": {"DataType": "Fancy", "StringValue": "x"}}}, "ParameterValueInvalid",
        "The message attribute 'n' has an invalid message attribute type, the set of "
        "supported type prefixes is Binary, Number, and String."),
}


@pytest.mark.parametrize("case", list(INVALID_PUBLISHES))
def test_publish_invalid_parameters(env, sns, case):
    kwargs, code, message = INVALID_PUBLISHES[case]
    arn = env.topic()
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, **kwargs)
    assert_error(exc, code, message)


# ---- durability --------------------------------------------------------------------------

def test_topics_and_subscriptions_survive_kill_9(start_stratus, tmp_path):
    data = str(tmp_path / "data")
    env = Env(start_stratus("--data-dir", data))
    name = unique("durable")
    arn = env.topic(name, DisplayName="Durable")
    env.sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])
    queue_name_url, queue_arn = env.queue()
    queue_name = queue_name_url.rsplit("/", 1)[1]
    sub = env.subscribe(arn, queue_arn, RawMessageDelivery="true",
                        FilterPolicy={"kind": ["keep"]})
    fifo = env.fifo_topic(ContentBasedDeduplication="true")
    env.server.kill()

    env = Env(start_stratus("--data-dir", data))
    # Every check runs; the test reports all that differ.
    problems = []

    def check(what, got, expected):
        if got != expected:
            problems.append(f"{what}: got {got!r}, expected {expected!r}")

    check("topics", sorted(t["TopicArn"] for t in env.sns.list_topics()["Topics"]),
          sorted([arn, fifo]))
    a = env.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    check("DisplayName", a["DisplayName"], "Durable")
    check("SubscriptionsConfirmed", a["SubscriptionsConfirmed"], "1")
    f = env.sns.get_topic_attributes(TopicArn=fifo)["Attributes"]
    check("fifo attributes", (f.get("FifoTopic"), f.get("ContentBasedDeduplication")),
          ("true", "true"))
    check("tags", env.sns.list_tags_for_resource(ResourceArn=arn)["Tags"],
          [{"Key": "k", "Value": "v"}])
    sa = env.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    check("RawMessageDelivery", sa["RawMessageDelivery"], "true")
    check("FilterPolicy", json.loads(sa["FilterPolicy"]), {"kind": ["keep"]})
    check("subscriptions", [x["SubscriptionArn"] for x in env.sns.list_subscriptions_by_topic(
        TopicArn=arn)["Subscriptions"]], [sub])

    url = env.sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    env.sns.publish(TopicArn=arn, Message="dropped", MessageAttributes={"kind": _s("drop")})
    env.sns.publish(TopicArn=arn, Message="kept", MessageAttributes={"kind": _s("keep")})
    msgs = env.receive(url, 1, timeout=4)
    time.sleep(0.3)
    msgs += env.receive_now(url)
    check("delivered after restart", [m["Body"] for m in msgs], ["kept"])
    assert not problems, "\n".join(problems)


def test_reset_sns_forgets_topics(start_stratus):
    env = Env(start_stratus())
    arn = env.topic()
    _, queue_arn = env.queue()
    env.subscribe(arn, queue_arn)
    assert requests.post(env.server.url + "/_stratus/reset?service=sns",
                         timeout=10).status_code == 200
    assert env.sns.list_topics()["Topics"] == []
    assert env.sns.list_subscriptions()["Subscriptions"] == []
    # Only SNS was reset: the queue is still there.
    assert env.sqs.list_queues()["QueueUrls"]
