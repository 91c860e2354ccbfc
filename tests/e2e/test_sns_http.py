"""SNS delivery to http subscribers: confirmation through SubscribeURL, signed notifications
with the x-amz-sns-* headers, retries and the subscription's dead-letter queue."""
from __future__ import annotations

import base64
import http.server
import json
import threading
import time

import pytest
import requests


def self_signed_context(directory):
    """An ssl server context with a fresh self-signed certificate for 127.0.0.1."""
    import datetime
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    return ctx


class Endpoint:
    """A local http(s) subscriber that records what SNS posts and answers with `status`."""

    def __init__(self, status: int = 200, tls=None):
        self.status = status
        self.posts: list[tuple[dict, dict]] = []
        self.times: list[float] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.times.append(time.monotonic())
                outer.posts.append(({k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, timeout: float = 5.0) -> list[tuple[dict, dict]]:
        deadline = time.time() + timeout
        while len(self.posts) < count and time.time() < deadline:
            time.sleep(0.02)
        return self.posts

    def close(self):
        self.server.shutdown()


@pytest.fixture
def endpoint():
    e = Endpoint()
    yield e
    e.close()


def verify(envelope: dict, fields: list[str]):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    canonical = "".join(f"{k}\n{envelope[k]}\n" for k in fields if k in envelope)
    cert = x509.load_pem_x509_certificate(requests.get(envelope["SigningCertURL"], timeout=5).content)
    cert.public_key().verify(base64.b64decode(envelope["Signature"]), canonical.encode(),
                             padding.PKCS1v15(), hashes.SHA1())


def test_http_subscription_confirms_and_receives(client, endpoint):
    sns = client("sns")
    topic = sns.create_topic(Name="http-topic")["TopicArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)["SubscriptionArn"] == \
        "pending confirmation"
    headers, conf = endpoint.wait(1)[0]
    assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert headers["x-amz-sns-topic-arn"] == topic
    assert conf["Type"] == "SubscriptionConfirmation" and conf["TopicArn"] == topic
    verify(conf, ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"])
    # Visiting SubscribeURL confirms, as a subscriber's code does.
    assert requests.get(conf["SubscribeURL"], timeout=5).status_code == 200
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert subs[0]["SubscriptionArn"].startswith(topic + ":")

    msg_id = sns.publish(TopicArn=topic, Message="to http", Subject="s")["MessageId"]
    headers, note = endpoint.wait(2)[1]
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-message-id"] == msg_id
    assert headers["x-amz-sns-subscription-arn"] == subs[0]["SubscriptionArn"]
    assert note["Message"] == "to http" and note["MessageId"] == msg_id
    verify(note, ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"])


def test_http_retries_then_dead_letter_queue(client):
    failing = Endpoint(status=500)
    try:
        sns, sqs = client("sns"), client("sqs")
        topic = sns.create_topic(Name="http-dlq")["TopicArn"]
        dlq = sqs.create_queue(QueueName="http-dlq-q")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        arn = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=failing.url,
                            ReturnSubscriptionArn=True)["SubscriptionArn"]
        token = failing.wait(1)[0][1]["Token"]
        sns.confirm_subscription(TopicArn=topic, Token=token)
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(
            {"healthyRetryPolicy": {"numRetries": 2, "minDelayTarget": 0, "maxDelayTarget": 1}}))
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RedrivePolicy",
                                        AttributeValue=json.dumps({"deadLetterTargetArn": dlq_arn}))
        sns.publish(TopicArn=topic, Message="undeliverable")
        posts = failing.wait(1 + 3)  # confirmation + first try + 2 retries
        assert [p[1]["Type"] for p in posts[1:]] == ["Notification"] * 3
        msgs = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=3).get("Messages", [])
        assert json.loads(msgs[0]["Body"])["Message"] == "undeliverable"
    finally:
        failing.close()


def test_http_retry_phases_follow_the_delivery_policy(client):
    """Immediate retries come at once; the post-backoff phase waits maxDelayTarget."""
    failing = Endpoint(status=503)
    try:
        sns = client("sns")
        topic = sns.create_topic(Name="http-phases")["TopicArn"]
        arn = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=failing.url,
                            ReturnSubscriptionArn=True)["SubscriptionArn"]
        sns.confirm_subscription(TopicArn=topic, Token=failing.wait(1)[0][1]["Token"])
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(
            {"healthyRetryPolicy": {"numRetries": 3, "numNoDelayRetries": 2, "numMaxDelayRetries": 1,
                                    "minDelayTarget": 1, "maxDelayTarget": 2, "backoffFunction": "exponential"}}))
        sns.publish(TopicArn=topic, Message="retry me")
        posts = failing.wait(1 + 4, timeout=6)
        assert len(posts) == 5, posts  # confirmation, first try, 3 retries, and no more
        first, r1, r2, r3 = failing.times[1:5]
        assert r2 - first < 0.8  # numNoDelayRetries: both at once
        assert r3 - r2 >= 1.8  # the post-backoff retry waits maxDelayTarget
        time.sleep(0.5)
        assert len(failing.posts) == 5
    finally:
        failing.close()


def test_https_subscription_confirms_and_receives(client, tmp_path):
    secure = Endpoint(tls=self_signed_context(tmp_path))
    try:
        sns = client("sns")
        topic = sns.create_topic(Name="https-topic")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=secure.url)
        conf = secure.wait(1)[0][1]
        assert conf["Type"] == "SubscriptionConfirmation"
        sns.confirm_subscription(TopicArn=topic, Token=conf["Token"])
        msg_id = sns.publish(TopicArn=topic, Message="over tls")["MessageId"]
        headers, note = secure.wait(2)[1]
        assert headers["x-amz-sns-message-type"] == "Notification"
        assert note["MessageId"] == msg_id and note["Message"] == "over tls"
    finally:
        secure.close()
