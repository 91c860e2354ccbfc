"""The server underneath every service: built-in endpoints, headers, HTTP/1.1 behaviour (keep-alive,
100-continue, chunked and gzip bodies, size limit), routing errors and the protocol layer's
answers to bad input. STS is the implemented service used to carry requests."""
from __future__ import annotations

import gzip
import http.client
import re
import time

import pytest
import requests
from botocore.exceptions import ClientError

from stratus_helpers import (
    DEFAULT_ACCOUNT, FORM_CT, chunked, connect, exchange, json_error_code, json_error_message,
    parse_http_date, parse_xml, raw_request, read_final_response, read_response, sign,
    signed_dynamodb, signed_sts, sts_form, utcnow, xml_error)

GCI = sts_form(Action="GetCallerIdentity")


def assert_common_headers(headers):
    """Every response carries a request id and a current RFC 7231 Date."""
    h = {k.lower(): v for k, v in headers.items()}
    assert h.get("x-amzn-requestid"), f"no x-amzn-RequestId in {h}"
    assert "date" in h, f"no Date in {h}"
    when = parse_http_date(h["date"])
    assert when.tzinfo is not None
    assert abs((when - utcnow()).total_seconds()) < 60, h["date"]


def account_of(body: bytes) -> str:
    return parse_xml(body).find("GetCallerIdentityResult/Account").text


# ---- built-in endpoints ----------------------------------------------------------------------

def test_health(endpoint):
    r = requests.get(f"{endpoint}/_stratus/health", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    doc = r.json()
    assert isinstance(doc["version"], str) and doc["version"]
    assert isinstance(doc["uptime_seconds"], (int, float)) and doc["uptime_seconds"] >= 0
    assert doc["services"]["sts"] == "available"
    assert_common_headers(r.headers)


def test_health_uptime_advances(endpoint):
    first = requests.get(f"{endpoint}/_stratus/health", timeout=10).json()["uptime_seconds"]
    time.sleep(1.1)
    second = requests.get(f"{endpoint}/_stratus/health", timeout=10).json()["uptime_seconds"]
    assert second >= first + 1


def test_localstack_health_alias(endpoint):
    r = requests.get(f"{endpoint}/_localstack/health", timeout=10)
    assert r.status_code == 200
    doc = r.json()
    assert doc["services"]["sts"] in ("available", "running")
    assert_common_headers(r.headers)


def test_info(endpoint):
    r = requests.get(f"{endpoint}/_stratus/info", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert isinstance(r.json(), dict)
    assert_common_headers(r.headers)


@pytest.mark.parametrize("path", ["/_stratus/reset", "/_stratus/reset?service=sts",
                                  "/moto-api/reset"])
def test_reset(start_stratus, path):
    server = start_stratus()
    r = requests.post(server.url + path, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert isinstance(r.json(), dict)
    assert_common_headers(r.headers)
    # The server still serves after a reset.
    r = requests.post(server.url + "/", data=GCI, headers=signed_sts(server.url, GCI), timeout=10)
    assert r.status_code == 200


def test_reset_unknown_service_is_a_client_error(endpoint):
    r = requests.post(f"{endpoint}/_stratus/reset?service=nosuchservice", timeout=10)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert_common_headers(r.headers)


# ---- configuration -----------------------------------------------------------------------

def test_sigterm_stops_gracefully(start_stratus):
    server = start_stratus()
    assert requests.get(server.url + "/_stratus/health", timeout=10).status_code == 200
    assert server.stop() == 0


def test_port_zero_picks_distinct_free_ports(start_stratus, stratus):
    other = start_stratus()
    assert other.port != stratus.port and other.port > 0


def test_default_account_flag(start_stratus, client):
    server = start_stratus("--default-account", "111111111111")
    ident = client("sts", url=server.url).get_caller_identity()
    assert ident["Account"] == "111111111111"
    assert ident["Arn"] == "arn:aws:iam::111111111111:root"


def test_configuration_from_environment(start_stratus, client):
    server = start_stratus(default_flags=False, env={
        "STRATUS_HOST": "127.0.0.1", "STRATUS_PORT": "0", "STRATUS_LOG_LEVEL": "info",
        "STRATUS_DEFAULT_ACCOUNT": "222222222222", "STRATUS_SERVICES": "sts"})
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert client("sts", url=server.url).get_caller_identity()["Account"] == "222222222222"
    health = requests.get(server.url + "/_stratus/health", timeout=10).json()
    assert health["services"]["sts"] == "available"


def test_flag_overrides_environment(start_stratus, client):
    server = start_stratus("--default-account", "333333333333",
                           env={"STRATUS_DEFAULT_ACCOUNT": "222222222222"})
    assert client("sts", url=server.url).get_caller_identity()["Account"] == "333333333333"


# ---- headers -----------------------------------------------------------------------------

def test_request_id_and_date_on_success(sts):
    resp = sts.get_caller_identity()
    headers = resp["ResponseMetadata"]["HTTPHeaders"]
    assert_common_headers(headers)
    # The query protocol repeats the id in the body; both must agree.
    assert resp["ResponseMetadata"]["RequestId"] == headers["x-amzn-requestid"]


def test_request_ids_are_unique(endpoint):
    ids = set()
    for _ in range(20):
        r = requests.post(endpoint + "/", data=GCI, headers=signed_sts(endpoint, GCI), timeout=10)
        ids.add(r.headers["x-amzn-RequestId"])
    assert len(ids) == 20


def test_request_id_and_date_on_errors(endpoint):
    body = sts_form(Action="Foo")
    r = requests.post(endpoint + "/", data=body, headers=signed_sts(endpoint, body), timeout=10)
    assert r.status_code == 400
    assert_common_headers(r.headers)
    assert xml_error(r.content)["RequestId"] == r.headers["x-amzn-RequestId"]

    r = requests.post(endpoint + "/", data=b"{oops",
                      headers=signed_dynamodb(endpoint, "ListTables", b"{oops"), timeout=10)
    assert r.status_code == 400
    assert_common_headers(r.headers)


# ---- HTTP/1.1 ----------------------------------------------------------------------------

def test_keep_alive_reuses_connection(stratus):
    conn = http.client.HTTPConnection("127.0.0.1", stratus.port, timeout=10)
    try:
        conn.request("GET", "/_stratus/health")
        r = conn.getresponse()
        r.read()
        assert r.status == 200
        sock = conn.sock
        assert sock is not None, "server closed a keep-alive connection"
        for _ in range(3):
            headers = signed_sts(stratus.url, GCI)
            conn.request("POST", "/", body=GCI, headers=headers)
            r = conn.getresponse()
            body = r.read()
            assert r.status == 200, body
            assert account_of(body) == DEFAULT_ACCOUNT
            assert conn.sock is sock, "connection was not kept alive"
    finally:
        conn.close()


def test_pipelined_requests(stratus):
    req = raw_request("POST", "/", signed_sts(stratus.url, GCI), GCI)
    health = raw_request("GET", "/_stratus/health", {"Host": f"127.0.0.1:{stratus.port}"})
    with connect(stratus.port) as s, s.makefile("rb") as f:
        s.sendall(req + health + req)
        first, second, third = read_response(f), read_response(f), read_response(f)
    assert first.status == 200 and account_of(first.body) == DEFAULT_ACCOUNT
    assert second.status == 200 and second.json()["services"]["sts"] == "available"
    assert third.status == 200 and account_of(third.body) == DEFAULT_ACCOUNT


def test_connection_close_is_honoured(stratus):
    req = raw_request("GET", "/_stratus/health", {"Host": f"127.0.0.1:{stratus.port}",
                                                   "Connection": "close"})
    with connect(stratus.port) as s, s.makefile("rb") as f:
        s.sendall(req)
        r = read_response(f)
        assert r.status == 200
        assert f.read() == b"", "server kept the connection open after Connection: close"


def test_http_1_0_without_keep_alive_closes(stratus):
    req = raw_request("GET", "/_stratus/health", {"Host": f"127.0.0.1:{stratus.port}"},
                      version="HTTP/1.0")
    with connect(stratus.port) as s, s.makefile("rb") as f:
        s.sendall(req)
        r = read_response(f)
        assert r.status == 200
        assert r.json()["services"]["sts"] == "available"
        assert f.read() == b""


def test_expect_100_continue(stratus_verify):
    url = stratus_verify.url
    headers = signed_sts(url, GCI)
    head = raw_request("POST", "/", headers, b"",
                       extra_headers=[("Content-Length", str(len(GCI))),
                                      ("Expect", "100-continue")])
    with connect(stratus_verify.port) as s, s.makefile("rb") as f:
        s.sendall(head)
        interim = read_response(f)
        assert interim.status == 100, interim
        s.sendall(GCI)
        r = read_final_response(f)
    assert r.status == 200, r
    assert account_of(r.body) == DEFAULT_ACCOUNT


def test_expect_100_continue_with_http_client(stratus_verify):
    # http.client sends headers and body together; the server must not get confused by an
    # Expect header whose body already arrived.
    url = stratus_verify.url
    headers = signed_sts(url, GCI)
    headers["Expect"] = "100-continue"
    conn = http.client.HTTPConnection("127.0.0.1", stratus_verify.port, timeout=10)
    try:
        conn.request("POST", "/", body=GCI, headers=headers)
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    assert r.status == 200, body
    assert account_of(body) == DEFAULT_ACCOUNT


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_chunked_request_body(stratus_verify, chunk):
    # The signature covers the payload; Transfer-Encoding framing is below it.
    url = stratus_verify.url
    headers = signed_sts(url, GCI)
    data = raw_request("POST", "/", headers, chunked(GCI, chunk),
                       extra_headers=[("Transfer-Encoding", "chunked")])
    r = exchange(stratus_verify.port, data)
    assert r.status == 200, r
    assert account_of(r.body) == DEFAULT_ACCOUNT


def test_chunked_body_with_http_client_generator(stratus_verify):
    url = stratus_verify.url
    headers = signed_sts(url, GCI)
    headers["Transfer-Encoding"] = "chunked"
    conn = http.client.HTTPConnection("127.0.0.1", stratus_verify.port, timeout=10)
    try:
        conn.request("POST", "/", body=(GCI[i:i + 5] for i in range(0, len(GCI), 5)),
                     headers=headers, encode_chunked=True)
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    assert r.status == 200, body
    assert account_of(body) == DEFAULT_ACCOUNT


def test_gzip_request_body(stratus_verify):
    # Content-Encoding: gzip; the SigV4 payload hash is over the bytes on the wire (gzipped).
    url = stratus_verify.url
    body = gzip.compress(sts_form(Action="GetCallerIdentity"))
    headers = sign("POST", url + "/", "sts", body,
                   {"Content-Type": FORM_CT, "Content-Encoding": "gzip"})
    r = requests.post(url + "/", data=body, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    assert account_of(r.content) == DEFAULT_ACCOUNT


def test_gzip_and_chunked_together(stratus_verify):
    url = stratus_verify.url
    body = gzip.compress(sts_form(Action="GetCallerIdentity"))
    headers = sign("POST", url + "/", "sts", body,
                   {"Content-Type": FORM_CT, "Content-Encoding": "gzip"})
    data = raw_request("POST", "/", headers, chunked(body, 10),
                       extra_headers=[("Transfer-Encoding", "chunked")])
    r = exchange(stratus_verify.port, data)
    assert r.status == 200, r
    assert account_of(r.body) == DEFAULT_ACCOUNT


def test_corrupt_gzip_body_is_a_client_error(endpoint):
    body = b"\x1f\x8b\x08\x00garbage-not-deflate"
    headers = sign("POST", endpoint + "/", "sts", body,
                   {"Content-Type": FORM_CT, "Content-Encoding": "gzip"})
    r = requests.post(endpoint + "/", data=body, headers=headers, timeout=10)
    assert r.status_code == 400, r.text
    assert_common_headers(r.headers)


def test_aws_chunked_unsigned_trailer_body(endpoint):
    # SigV4 streaming framing (as S3 uploads send it) decoded below the protocol layer.
    payload = sts_form(Action="GetCallerIdentity")
    framed = (f"{len(payload):x}\r\n".encode() + payload + b"\r\n0\r\n"
              b"x-amz-checksum-crc32:AAAAAA==\r\n\r\n")
    headers = sign("POST", endpoint + "/", "sts", framed, {
        "Content-Type": FORM_CT, "Content-Encoding": "aws-chunked",
        "X-Amz-Decoded-Content-Length": str(len(payload)),
        "X-Amz-Trailer": "x-amz-checksum-crc32",
        "X-Amz-Content-SHA256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"})
    r = requests.post(endpoint + "/", data=framed, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    assert account_of(r.content) == DEFAULT_ACCOUNT


def test_query_protocol_over_get(stratus_verify):
    url = stratus_verify.url + "/?Action=GetCallerIdentity&Version=2011-06-15"
    r = requests.get(url, headers=sign("GET", url, "sts"), timeout=10)
    assert r.status_code == 200, r.text
    assert account_of(r.content) == DEFAULT_ACCOUNT


# ---- size limit --------------------------------------------------------------------------

@pytest.fixture
def small_server(start_stratus):
    return start_stratus("--max-request-bytes", "1024")


def test_oversized_body_gets_413(small_server):
    url = small_server.url
    body = sts_form(Action="GetCallerIdentity", Padding="x" * 2000)
    r = requests.post(url + "/", data=body, headers=signed_sts(url, body), timeout=10)
    assert r.status_code == 413, r.text
    assert_common_headers(r.headers)
    # A body under the limit still works, and the server is still up.
    r = requests.post(url + "/", data=GCI, headers=signed_sts(url, GCI), timeout=10)
    assert r.status_code == 200, r.text


def test_oversized_chunked_body_gets_413(small_server):
    url = small_server.url
    body = sts_form(Action="GetCallerIdentity", Padding="x" * 4000)
    data = raw_request("POST", "/", signed_sts(url, body), chunked(body, 512),
                       extra_headers=[("Transfer-Encoding", "chunked")])
    with connect(small_server.port) as s, s.makefile("rb") as f:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything
        r = read_response(f)
    assert r.status == 413, r
    assert_common_headers(r.headers)


def test_body_at_the_limit_is_accepted(small_server):
    url = small_server.url
    base = sts_form(Action="GetCallerIdentity", Padding="")
    body = base + b"x" * (1024 - len(base))
    assert len(body) == 1024
    r = requests.post(url + "/", data=body, headers=signed_sts(url, body), timeout=10)
    assert r.status_code == 200, r.text


def test_gzip_body_inflating_past_the_limit_gets_413(small_server):
    url = small_server.url
    body = gzip.compress(sts_form(Action="GetCallerIdentity", Padding="x" * 100_000))
    assert len(body) < 1024
    headers = sign("POST", url + "/", "sts", body,
                   {"Content-Type": FORM_CT, "Content-Encoding": "gzip"})
    r = requests.post(url + "/", data=body, headers=headers, timeout=10)
    assert r.status_code == 413, r.text


# ---- routing errors ----------------------------------------------------------------------

def test_unknown_query_action(endpoint):
    body = sts_form(Action="Foo")
    r = requests.post(endpoint + "/", data=body, headers=signed_sts(endpoint, body), timeout=10)
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("text/xml")
    err = xml_error(r.content)
    assert err["Type"] == "Sender"
    assert err["Code"] == "InvalidAction"
    assert err["Message"] == "The action Foo is not valid for this web service."


def test_unknown_json_target(endpoint):
    body = b"{}"
    r = requests.post(endpoint + "/", data=body,
                      headers=signed_dynamodb(endpoint, "DescribeUnicorns", body), timeout=10)
    assert r.status_code == 400, r.text
    assert json_error_code(r.json()) == "UnknownOperationException"
    assert_common_headers(r.headers)


@pytest.mark.parametrize("service,headers,body", [
    ("nosuchservice", {"Content-Type": FORM_CT}, b"Action=DoThing&Version=2020-01-01"),
    ("nosuchservice", {"Content-Type": "application/x-amz-json-1.1",
                       "X-Amz-Target": "NoSuchService_20200101.DoThing"}, b"{}"),
])
def test_unknown_service_is_a_client_error(endpoint, service, headers, body):
    h = sign("POST", endpoint + "/", service, body, headers)
    r = requests.post(endpoint + "/", data=body, headers=h, timeout=10)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert_common_headers(r.headers)


def test_unroutable_request_is_a_client_error(endpoint):
    # Unsigned GET of a path no service claims (S3 path-style routing may later take it: then a
    # 4xx from S3 or 501 while S3 is missing). Never a 5xx failure.
    r = requests.get(f"{endpoint}/some/random/path", timeout=10)
    assert 400 <= r.status_code < 500 or r.status_code == 501, (r.status_code, r.text)
    assert_common_headers(r.headers)


# ---- NotImplemented ----------------------------------------------------------------------
# Operations that are in the AWS models but have no handler yet. When one of these services
# lands, move the test to an operation that is still missing.

def assert_not_implemented(err: ClientError, service_words: tuple[str, ...], operation: str):
    e = err.response["Error"]
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 501, err.response
    assert e["Code"] == "NotImplemented"
    assert operation in e["Message"], e["Message"]
    assert any(w.lower() in e["Message"].lower() for w in service_words), e["Message"]


def test_not_implemented_dynamodb_json(client):
    with pytest.raises(ClientError) as exc:
        client("dynamodb").describe_global_table(GlobalTableName="some-table")
    assert_not_implemented(exc.value, ("dynamodb",), "DescribeGlobalTable")


def test_not_implemented_ecs_json(client):
    with pytest.raises(ClientError) as exc:
        client("ecs").list_clusters()
    assert_not_implemented(exc.value, ("ecs",), "ListClusters")


def test_not_implemented_query(endpoint):
    # A query-protocol operation without a handler answers in XML.
    body = b"Action=GetDelegatedAccessToken&Version=2011-06-15&TradeInToken=abc"
    h = sign("POST", endpoint + "/", "sts", body, {"Content-Type": FORM_CT})
    r = requests.post(endpoint + "/", data=body, headers=h, timeout=10)
    assert r.status_code == 501, r.text
    err = xml_error(r.content)
    assert err["Code"] == "NotImplemented"
    assert "GetDelegatedAccessToken" in err["Message"] and "sts" in err["Message"].lower()


def test_not_implemented_rest_json(client):
    with pytest.raises(ClientError) as exc:
        client("lambda").list_functions()
    assert_not_implemented(exc.value, ("lambda",), "ListFunctions")


def test_not_implemented_raw_headers(endpoint):
    body = b'{"GlobalTableName": "some-table"}'
    r = requests.post(endpoint + "/", data=body,
                      headers=signed_dynamodb(endpoint, "DescribeGlobalTable", body), timeout=10)
    assert r.status_code == 501
    assert json_error_code(r.json()) == "NotImplemented"
    assert_common_headers(r.headers)


def test_empty_json_body_counts_as_empty_object(endpoint):
    # SDKs send no body for operations without input members; that is {} not a parse error.
    r = requests.post(endpoint + "/", data=b"",
                      headers=signed_dynamodb(endpoint, "ListTables", b""), timeout=10)
    assert r.status_code in (200, 501), r.text  # 501 until DynamoDB exists


# ---- malformed input ---------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    b"{not json",
    b'{"Limit": 5',
    b'{"Limit": 5}}',
    b"[]",
    b'"a string"',
    b'{"Limit": "five"}',
    b'{"ExclusiveStartTableName": 5}',
    b'{"Limit": {"nested": true}}',
    b"\xff\xfe\x00garbage",
])
def test_bad_json_is_serialization_exception(endpoint, body):
    r = requests.post(endpoint + "/", data=body,
                      headers=signed_dynamodb(endpoint, "ListTables", body), timeout=10)
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/x-amz-json-1.0") or \
        r.headers["Content-Type"].startswith("application/json"), r.headers
    assert json_error_code(r.json()) == "SerializationException", r.text


def test_json_range_validation(endpoint):
    body = b'{"Limit": 0}'
    r = requests.post(endpoint + "/", data=body,
                      headers=signed_dynamodb(endpoint, "ListTables", body), timeout=10)
    assert r.status_code == 400, r.text
    doc = r.json()
    assert json_error_code(doc) == "ValidationException"
    assert json_error_message(doc) == (
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1")


def test_json_missing_required_member(endpoint):
    body = b"{}"
    r = requests.post(endpoint + "/", data=body,
                      headers=signed_dynamodb(endpoint, "DescribeTable", body), timeout=10)
    assert r.status_code == 400, r.text
    doc = r.json()
    assert json_error_code(doc) == "ValidationException"
    assert json_error_message(doc) == (
        "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: "
        "Member must not be null")


def test_query_missing_required_param(endpoint):
    body = sts_form(Action="AssumeRole", RoleSessionName="s1")
    r = requests.post(endpoint + "/", data=body, headers=signed_sts(endpoint, body), timeout=10)
    assert r.status_code == 400
    err = xml_error(r.content)
    assert err["Type"] == "Sender"
    assert err["Code"] == "ValidationError"
    assert err["Message"] == ("1 validation error detected: Value null at 'roleArn' failed to "
                              "satisfy constraint: Member must not be null")


@pytest.mark.parametrize("value", ["abc", "12.5", "1e3", "", "99999999999999999999"])
def test_query_wrong_type_is_a_client_error(endpoint, value):
    body = sts_form(Action="GetSessionToken", DurationSeconds=value)
    r = requests.post(endpoint + "/", data=body, headers=signed_sts(endpoint, body), timeout=10)
    assert r.status_code == 400, (r.status_code, r.text)
    err = xml_error(r.content)
    assert err["Type"] == "Sender"
    assert err["Code"] and err["Code"] not in ("InternalFailure", "InternalError")


def test_query_body_that_is_not_a_form(endpoint):
    body = b'{"Action": "GetCallerIdentity"}'
    h = sign("POST", endpoint + "/", "sts", body, {"Content-Type": FORM_CT})
    r = requests.post(endpoint + "/", data=body, headers=h, timeout=10)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert_common_headers(r.headers)


def test_server_survives_garbage(stratus):
    # Not HTTP at all; then a normal request on a new connection still works.
    with connect(stratus.port, timeout=5) as s:
        s.sendall(b"\x00\x01\x02 not http at all\r\n\r\n")
        try:
            s.recv(4096)
        except (ConnectionResetError, TimeoutError):
            pass
    r = requests.get(f"{stratus.url}/_stratus/health", timeout=10)
    assert r.status_code == 200


def test_query_error_document_shape(endpoint):
    body = sts_form(Action="AssumeRole", RoleArn="arn:aws:iam::000000000000:role/r",
                    RoleSessionName="s1", DurationSeconds="100")
    r = requests.post(endpoint + "/", data=body, headers=signed_sts(endpoint, body), timeout=10)
    assert r.status_code == 400
    root = parse_xml(r.content)
    assert root.tag == "ErrorResponse"
    assert re.search(rb'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"', r.content)
    err = xml_error(r.content)
    assert err == {
        "Type": "Sender", "Code": "ValidationError",
        "Message": "1 validation error detected: Value '100' at 'durationSeconds' failed to "
                   "satisfy constraint: Member must have value greater than or equal to 900",
        "RequestId": r.headers["x-amzn-RequestId"]}
