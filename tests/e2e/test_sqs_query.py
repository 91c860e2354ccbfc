"""SQS in the query protocol on the wire, as older SDKs and hand-written clients send it:
form-encoded `Action=...` requests (POSTed to / or to the queue URL, or sent as GET), XML
answers in the 2012-11-05 namespace, XML errors, flattened lists and maps, base64 binary
attributes, XML escaping of bodies. The behaviour shared with the JSON protocol is tested in
test_sqs.py with both a JSON and a legacy query client.
"""
from __future__ import annotations

import base64
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from sqs_legacy import md5_hex, md5_of_attributes, query_client, queue_arn, unique  # noqa: F401
from stratus_helpers import DEFAULT_ACCOUNT, FORM_CT, parse_xml, sign, xml_error

NS = "http://queue.amazonaws.com/doc/2012-11-05/"
VERSION = "2012-11-05"
NON_EXISTENT = "AWS.SimpleQueueService.NonExistentQueue"


def form(action: str, params: dict | list | None = None) -> bytes:
    items = [("Action", action), ("Version", VERSION)]
    if isinstance(params, dict):
        items += list(params.items())
    elif params:
        items += list(params)
    return urlencode(items).encode()


def post(url: str, action: str, params: dict | list | None = None, path: str = "/",
         key: str = "test") -> requests.Response:
    body = form(action, params)
    target = url + path
    headers = sign("POST", target, "sqs", body, {"Content-Type": FORM_CT}, key=key)
    return requests.post(target, data=body, headers=headers, timeout=30)


def get(url: str, action: str, params: dict | list | None = None,
        path: str = "/") -> requests.Response:
    target = f"{url}{path}?{form(action, params).decode()}"
    headers = sign("GET", target, "sqs")
    return requests.get(target, headers=headers, timeout=30)


def ok_xml(r: requests.Response, action: str) -> ET.Element:
    assert r.status_code == 200, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("text/xml"), r.headers
    raw = ET.fromstring(r.content)
    assert raw.tag == f"{{{NS}}}{action}Response", raw.tag
    root = parse_xml(r.content)
    rid = root.find("ResponseMetadata/RequestId")
    assert rid is not None and rid.text, r.text
    return root


def create(url: str, name: str | None = None, **attrs) -> str:
    params = [("QueueName", name or unique())]
    for i, (k, v) in enumerate(attrs.items(), 1):
        params += [(f"Attribute.{i}.Name", k), (f"Attribute.{i}.Value", str(v))]
    root = ok_xml(post(url, "CreateQueue", params), "CreateQueue")
    return root.find("CreateQueueResult/QueueUrl").text


def queue_path(queue_url: str) -> str:
    return urlsplit(queue_url).path


def attributes_of(el: ET.Element) -> dict:
    return {a.find("Name").text: a.find("Value").text for a in el.findall("Attribute")}


# ---- responses and errors ----------------------------------------------------------------

def test_create_queue_xml(stratus):
    name = unique()
    r = post(stratus.url, "CreateQueue", {"QueueName": name, "Attribute.1.Name":
                                          "VisibilityTimeout", "Attribute.1.Value": "12",
                                          "Tag.1.Key": "env", "Tag.1.Value": "dev"})
    root = ok_xml(r, "CreateQueue")
    url = root.find("CreateQueueResult/QueueUrl").text
    assert url == f"{stratus.url}/{DEFAULT_ACCOUNT}/{name}"
    r = post(stratus.url, "GetQueueAttributes",
             {"QueueUrl": url, "AttributeName.1": "VisibilityTimeout",
              "AttributeName.2": "QueueArn"})
    got = attributes_of(ok_xml(r, "GetQueueAttributes").find("GetQueueAttributesResult"))
    assert got == {"VisibilityTimeout": "12", "QueueArn": queue_arn(name)}
    r = post(stratus.url, "ListQueueTags", {"QueueUrl": url})
    tags = ok_xml(r, "ListQueueTags").findall("ListQueueTagsResult/Tag")
    assert [(t.find("Key").text, t.find("Value").text) for t in tags] == [("env", "dev")]


def test_error_xml(stratus):
    r = post(stratus.url, "GetQueueUrl", {"QueueName": unique("missing")})
    assert r.status_code == 400, r.text
    assert r.headers["Content-Type"].startswith("text/xml"), r.headers
    err = xml_error(r.content)
    assert err["Type"] == "Sender"
    assert err["Code"] == NON_EXISTENT
    assert err["Message"].startswith("The specified queue does not exist")
    assert err["RequestId"]


def test_purge_in_progress_xml_is_403(stratus):
    name = unique()
    url = create(stratus.url, name)
    ok_xml(post(stratus.url, "PurgeQueue", {"QueueUrl": url}), "PurgeQueue")
    r = post(stratus.url, "PurgeQueue", {"QueueUrl": url})
    assert r.status_code == 403, r.text
    err = xml_error(r.content)
    assert err["Code"] == "AWS.SimpleQueueService.PurgeQueueInProgress"
    assert err["Type"] == "Sender"
    assert name in err["Message"]


def test_queue_already_exists_code(stratus):
    name = unique()
    create(stratus.url, name, VisibilityTimeout=10)
    r = post(stratus.url, "CreateQueue", {"QueueName": name, "Attribute.1.Name":
                                          "VisibilityTimeout", "Attribute.1.Value": "11"})
    assert r.status_code == 400, r.text
    assert xml_error(r.content)["Code"] == "QueueAlreadyExists"


def test_unknown_action(stratus):
    r = post(stratus.url, "NoSuchAction")
    assert r.status_code == 400, r.text
    assert xml_error(r.content)["Code"] == "InvalidAction"


def test_list_queues_xml(stratus):
    prefix = unique("lx")
    urls = sorted(create(stratus.url, f"{prefix}-{i}") for i in range(3))
    root = ok_xml(post(stratus.url, "ListQueues", {"QueueNamePrefix": prefix}), "ListQueues")
    assert sorted(e.text for e in root.findall("ListQueuesResult/QueueUrl")) == urls
    root = ok_xml(post(stratus.url, "ListQueues", {"QueueNamePrefix": prefix,
                                                   "MaxResults": "2"}), "ListQueues")
    assert len(root.findall("ListQueuesResult/QueueUrl")) == 2
    token = root.find("ListQueuesResult/NextToken")
    assert token is not None and token.text
    root = ok_xml(post(stratus.url, "ListQueues", {"QueueNamePrefix": prefix, "MaxResults": "2",
                                                   "NextToken": token.text}), "ListQueues")
    assert len(root.findall("ListQueuesResult/QueueUrl")) == 1
    assert root.find("ListQueuesResult/NextToken") is None


# ---- addressing: the queue URL as path, GET ----------------------------------------------

def test_post_to_queue_url_path(stratus):
    """Older SDKs send queue operations to the queue URL, without a QueueUrl parameter."""
    url = create(stratus.url)
    path = queue_path(url)
    root = ok_xml(post(stratus.url, "SendMessage", {"MessageBody": "by path"}, path=path),
                  "SendMessage")
    assert root.find("SendMessageResult/MD5OfMessageBody").text == md5_hex("by path")
    root = ok_xml(post(stratus.url, "ReceiveMessage", {"MaxNumberOfMessages": "10"}, path=path),
                  "ReceiveMessage")
    msgs = root.findall("ReceiveMessageResult/Message")
    assert [m.find("Body").text for m in msgs] == ["by path"]
    ok_xml(post(stratus.url, "DeleteMessage",
                {"ReceiptHandle": msgs[0].find("ReceiptHandle").text}, path=path),
           "DeleteMessage")
    root = ok_xml(post(stratus.url, "GetQueueAttributes", {"AttributeName.1": "All"}, path=path),
                  "GetQueueAttributes")
    a = attributes_of(root.find("GetQueueAttributesResult"))
    assert a["ApproximateNumberOfMessages"] == "0"
    assert a["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_get_request(stratus):
    name = unique()
    url = create(stratus.url, name)
    root = ok_xml(get(stratus.url, "GetQueueUrl", {"QueueName": name}), "GetQueueUrl")
    assert root.find("GetQueueUrlResult/QueueUrl").text == url
    ok_xml(get(stratus.url, "SendMessage", {"MessageBody": "via get"}, path=queue_path(url)),
           "SendMessage")
    root = ok_xml(get(stratus.url, "ReceiveMessage", {"QueueUrl": url}), "ReceiveMessage")
    assert [m.find("Body").text for m in root.findall("ReceiveMessageResult/Message")] == \
        ["via get"]


# ---- messages on the wire ----------------------------------------------------------------

def test_message_attributes_xml(stratus):
    url = create(stratus.url)
    binary = bytes(range(256))
    params = [
        ("QueueUrl", url), ("MessageBody", "attrs"),
        ("MessageAttribute.1.Name", "s"), ("MessageAttribute.1.Value.DataType", "String"),
        ("MessageAttribute.1.Value.StringValue", "v\u00e9"),
        ("MessageAttribute.2.Name", "n"), ("MessageAttribute.2.Value.DataType", "Number"),
        ("MessageAttribute.2.Value.StringValue", "42"),
        ("MessageAttribute.3.Name", "b"), ("MessageAttribute.3.Value.DataType", "Binary.x"),
        ("MessageAttribute.3.Value.BinaryValue", base64.b64encode(binary).decode()),
        ("MessageSystemAttribute.1.Name", "AWSTraceHeader"),
        ("MessageSystemAttribute.1.Value.DataType", "String"),
        ("MessageSystemAttribute.1.Value.StringValue", "Root=1-5759e988-bd862e3fe1be46a994272793"),
    ]
    expected = {"s": {"DataType": "String", "StringValue": "v\u00e9"},
                "n": {"DataType": "Number", "StringValue": "42"},
                "b": {"DataType": "Binary.x", "BinaryValue": binary}}
    root = ok_xml(post(stratus.url, "SendMessage", params), "SendMessage")
    res = root.find("SendMessageResult")
    assert res.find("MD5OfMessageBody").text == md5_hex("attrs")
    assert res.find("MD5OfMessageAttributes").text == md5_of_attributes(expected)
    assert res.find("MD5OfMessageSystemAttributes").text == md5_of_attributes(
        {"AWSTraceHeader": {"DataType": "String",
                            "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}})
    message_id = res.find("MessageId").text

    root = ok_xml(post(stratus.url, "ReceiveMessage", {
        "QueueUrl": url, "MessageAttributeName.1": "All", "AttributeName.1": "All"}),
        "ReceiveMessage")
    msgs = root.findall("ReceiveMessageResult/Message")
    assert len(msgs) == 1
    m = msgs[0]
    assert m.find("MessageId").text == message_id
    assert m.find("Body").text == "attrs"
    assert m.find("MD5OfBody").text == md5_hex("attrs")
    got = {}
    for a in m.findall("MessageAttribute"):
        v = a.find("Value")
        entry = {"DataType": v.find("DataType").text}
        if v.find("BinaryValue") is not None:
            entry["BinaryValue"] = base64.b64decode(v.find("BinaryValue").text)
        else:
            entry["StringValue"] = v.find("StringValue").text
        got[a.find("Name").text] = entry
    assert got == expected
    assert m.find("MD5OfMessageAttributes").text == md5_of_attributes(expected)
    system = attributes_of(m)
    assert system["AWSTraceHeader"] == "Root=1-5759e988-bd862e3fe1be46a994272793"
    assert system["ApproximateReceiveCount"] == "1"
    assert system["SenderId"] == DEFAULT_ACCOUNT
    assert abs(int(system["SentTimestamp"]) - time.time() * 1000) < 60_000


@pytest.mark.parametrize("body", ["a\rb\r\nc\n", "<xml attr=\"x\">&amp;</xml>", "]]>",
                                  "\t tab and trailing space ", "\U0001F600\u4e16"])
def test_body_escaping_round_trip(stratus, body):
    url = create(stratus.url)
    root = ok_xml(post(stratus.url, "SendMessage", {"QueueUrl": url, "MessageBody": body}),
                  "SendMessage")
    assert root.find("SendMessageResult/MD5OfMessageBody").text == md5_hex(body)
    root = ok_xml(post(stratus.url, "ReceiveMessage", {"QueueUrl": url}), "ReceiveMessage")
    m = root.find("ReceiveMessageResult/Message")
    assert m.find("Body").text == body
    assert m.find("MD5OfBody").text == md5_hex(body)


def test_empty_receive_xml(stratus):
    url = create(stratus.url)
    root = ok_xml(post(stratus.url, "ReceiveMessage", {"QueueUrl": url}), "ReceiveMessage")
    result = root.find("ReceiveMessageResult")
    assert result is not None
    assert result.findall("Message") == []


def test_batch_xml(stratus):
    url = create(stratus.url)
    params = {"QueueUrl": url,
              "SendMessageBatchRequestEntry.1.Id": "good",
              "SendMessageBatchRequestEntry.1.MessageBody": "fine",
              "SendMessageBatchRequestEntry.2.Id": "bad",
              "SendMessageBatchRequestEntry.2.MessageBody": "nul\u0000"}
    root = ok_xml(post(stratus.url, "SendMessageBatch", params), "SendMessageBatch")
    result = root.find("SendMessageBatchResult")
    ok = result.findall("SendMessageBatchResultEntry")
    assert [e.find("Id").text for e in ok] == ["good"]
    assert ok[0].find("MD5OfMessageBody").text == md5_hex("fine")
    assert ok[0].find("MessageId").text
    failed = result.findall("BatchResultErrorEntry")
    assert [(e.find("Id").text, e.find("Code").text, e.find("SenderFault").text)
            for e in failed] == [("bad", "InvalidMessageContents", "true")]

    root = ok_xml(post(stratus.url, "ReceiveMessage", {"QueueUrl": url}), "ReceiveMessage")
    handle = root.find("ReceiveMessageResult/Message/ReceiptHandle").text
    root = ok_xml(post(stratus.url, "DeleteMessageBatch", {
        "QueueUrl": url,
        "DeleteMessageBatchRequestEntry.1.Id": "d1",
        "DeleteMessageBatchRequestEntry.1.ReceiptHandle": handle}), "DeleteMessageBatch")
    assert [e.find("Id").text for e in
            root.findall("DeleteMessageBatchResult/DeleteMessageBatchResultEntry")] == ["d1"]


def test_empty_batch_xml(stratus):
    url = create(stratus.url)
    r = post(stratus.url, "SendMessageBatch", {"QueueUrl": url})
    assert r.status_code == 400, r.text
    err = xml_error(r.content)
    assert err["Code"] == "AWS.SimpleQueueService.EmptyBatchRequest"
    assert err["Message"] == \
        "There should be at least one SendMessageBatchRequestEntry in the request."


# ---- the legacy botocore client ----------------------------------------------------------

def test_legacy_client_speaks_query(query_client, stratus):
    """The legacy client really sends forms and gets XML (not the JSON protocol)."""
    c = query_client()
    seen = {}

    def text(v):
        return v.decode() if isinstance(v, bytes) else v

    def capture(request, **kw):
        seen["content_type"] = text(request.headers.get("Content-Type"))
        seen["target"] = text(request.headers.get("X-Amz-Target"))
        seen["body"] = text(request.body)

    def capture_response(response, **kw):
        if response:
            seen["response_type"] = response[0].headers.get("Content-Type")

    c.meta.events.register("before-send.sqs.*", capture)
    c.meta.events.register("needs-retry.sqs.*", capture_response)
    name = unique()
    assert c.create_queue(QueueName=name)["QueueUrl"] == f"{stratus.url}/{DEFAULT_ACCOUNT}/{name}"
    assert seen["content_type"].startswith("application/x-www-form-urlencoded")
    assert seen["target"] is None
    assert seen["body"].startswith("Action=CreateQueue&Version=2012-11-05")
    assert seen["response_type"].startswith("text/xml")
