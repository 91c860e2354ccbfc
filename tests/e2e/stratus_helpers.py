"""Helpers shared by the black-box tests: starting the binary, signing raw requests, raw HTTP.

Nothing here knows Stratus internals; it talks to the binary the way a user's tool would.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import queue
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode, urlsplit

import boto3
import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest
from botocore.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / "build" / "release" / "stratus"
READY_RE = re.compile(r"^stratus ready on (http://[^\s/]+:(\d+))\s*$")
READY_TIMEOUT = 10.0
STOP_TIMEOUT = 15.0

REGION = "us-east-1"
DEFAULT_ACCOUNT = "000000000000"
STS_VERSION = "2011-06-15"
FORM_CT = "application/x-www-form-urlencoded; charset=utf-8"
DYNAMODB_CT = "application/x-amz-json-1.0"


def stratus_bin() -> Path:
    return Path(os.environ.get("STRATUS_BIN", str(DEFAULT_BIN)))


def clean_env(extra: dict | None = None) -> dict:
    """The test process's environment without STRATUS_* settings (so only what a test
    passes configures the server), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATUS_")}
    env.update(extra or {})
    return env


class StratusServer:
    """One running stratus process. Reads its ready line, keeps draining stdout, sends
    stderr to a log file so a failed start shows why."""

    def __init__(self, args: list[str], env: dict | None = None, default_flags: bool = True):
        binary = stratus_bin()
        if not binary.exists():
            raise RuntimeError(
                f"stratus binary not found at {binary}: build it or set STRATUS_BIN")
        cmd = [str(binary)]
        if default_flags:
            cmd += ["--host", "127.0.0.1", "--port", "0"]
        cmd += list(args)
        self.cmd = cmd
        self.log = tempfile.NamedTemporaryFile(
            prefix="stratus-", suffix=".log", delete=False, mode="w+b")
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL,
            env=clean_env(env))
        self.stdout_lines: list[str] = []
        self._lines: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        self.url, self.port = self._wait_ready()
        self.host = "127.0.0.1"

    def _drain(self):
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace")
            self.stdout_lines.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise RuntimeError(f"stratus not ready within {READY_TIMEOUT}s: {self.cmd}\n"
                                   f"stdout: {''.join(self.stdout_lines)}\n{self.log_text()}")
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                rc = self.proc.wait(timeout=5)
                raise RuntimeError(f"stratus exited with {rc} before ready: {self.cmd}\n"
                                   f"stdout: {''.join(self.stdout_lines)}\n{self.log_text()}")
            m = READY_RE.match(line)
            if m:
                return m.group(1), int(m.group(2))

    def log_text(self) -> str:
        try:
            return "stderr:\n" + Path(self.log.name).read_text("utf-8", "replace")[-4000:]
        except OSError:
            return ""

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, then wait; returns the exit code (kills after `timeout`)."""
        if self.running:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError(f"stratus ignored SIGTERM for {timeout}s")
        self._close()
        return self.proc.returncode

    def kill(self) -> int:
        """kill -9."""
        if self.running:
            self.proc.kill()
            self.proc.wait()
        self._close()
        return self.proc.returncode

    def _close(self):
        self._reader.join(timeout=2)
        try:
            self.proc.stdout.close()
        except Exception:
            pass
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


# ---- clients -----------------------------------------------------------------------------

def make_client(service: str, url: str, key="test", secret="test", token=None,
                region=REGION, validate=True):
    """A boto3 client for `url`; no retries (so errors are seen as sent), and optionally no
    client-side parameter validation (so out-of-range values reach the server)."""
    return boto3.session.Session().client(
        service, endpoint_url=url, region_name=region, aws_access_key_id=key,
        aws_secret_access_key=secret, aws_session_token=token,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                      parameter_validation=validate, connect_timeout=5, read_timeout=30))


# ---- signing -----------------------------------------------------------------------------

def _naive_utc(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return when


def creds(key="test", secret="test", token=None):
    return botocore.credentials.Credentials(key, secret, token)


def sign(method: str, url: str, service: str, body: bytes = b"", headers: dict | None = None,
         key="test", secret="test", token=None, region=REGION,
         when: dt.datetime | None = None) -> dict:
    """SigV4-signs a request like botocore does (payload hash over `body` exactly as it will
    be sent) and returns the headers to send, including Host. `when` fakes the signing time."""
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    auth = botocore.auth.SigV4Auth(creds(key, secret, token), service, region)
    if when is None:
        auth.add_auth(req)
    else:
        with mock.patch.object(botocore.auth, "get_current_datetime",
                               return_value=_naive_utc(when)):
            auth.add_auth(req)
    out = dict(req.headers.items())
    out.setdefault("Host", urlsplit(url).netloc)
    return out


def presign(url: str, service: str, expires: int = 60, key="test", secret="test", token=None,
            region=REGION, when: dt.datetime | None = None) -> str:
    req = AWSRequest(method="GET", url=url)
    auth = botocore.auth.SigV4QueryAuth(creds(key, secret, token), service, region,
                                        expires=expires)
    if when is None:
        auth.add_auth(req)
    else:
        with mock.patch.object(botocore.auth, "get_current_datetime",
                               return_value=_naive_utc(when)):
            auth.add_auth(req)
    return req.url


def sts_form(**params) -> bytes:
    params.setdefault("Version", STS_VERSION)
    # Action first, as SDKs send it.
    ordered = {"Action": params.pop("Action")} if "Action" in params else {}
    ordered.update(params)
    return urlencode(ordered).encode()


def signed_sts(url: str, body: bytes, **sign_kw) -> dict:
    return sign("POST", url + "/", "sts", body, {"Content-Type": FORM_CT}, **sign_kw)


def signed_dynamodb(url: str, target: str, body: bytes, **sign_kw) -> dict:
    return sign("POST", url + "/", "dynamodb", body,
                {"Content-Type": DYNAMODB_CT, "X-Amz-Target": f"DynamoDB_20120810.{target}"},
                **sign_kw)


# ---- raw HTTP ----------------------------------------------------------------------------

class RawResponse:
    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.reason = reason
        self.header_list = headers
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<RawResponse {self.status} {self.headers} {self.body[:500]!r}>"


def read_response(f, head: bool = False) -> RawResponse:
    """Reads one HTTP/1.1 response from a buffered binary file object (interim 1xx included:
    callers that expect a 100 read it first, this returns whatever comes)."""
    status_line = f.readline()
    if not status_line:
        raise ConnectionError("connection closed before a response")
    parts = status_line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    status = int(parts[1])
    reason = parts[2] if len(parts) > 2 else ""
    headers = []
    while True:
        line = f.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        k, _, v = line.decode("latin-1").partition(":")
        headers.append((k.strip(), v.strip()))
    hmap = {k.lower(): v for k, v in headers}
    body = b""
    if head or status < 200 or status in (204, 304):
        pass
    elif hmap.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int(f.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while f.readline() not in (b"\r\n", b"\n", b""):
                    pass
                break
            body += f.read(size)
            f.readline()
    elif "content-length" in hmap:
        body = f.read(int(hmap["content-length"]))
    else:
        body = f.read()
    return RawResponse(status, reason, headers, body)


def read_final_response(f, head: bool = False) -> RawResponse:
    """Reads a response, skipping interim 1xx responses (HTTP/1.1 allows several)."""
    while True:
        r = read_response(f, head)
        if r.status >= 200:
            return r


def raw_request(method: str, path: str, headers: dict, body: bytes = b"",
                extra_headers: list[tuple[str, str]] | None = None,
                version: str = "HTTP/1.1") -> bytes:
    """Serializes a request. Adds Content-Length unless a Transfer-Encoding is given."""
    lines = [f"{method} {path} {version}"]
    hdrs = list(headers.items()) + list(extra_headers or [])
    names = {k.lower() for k, _ in hdrs}
    if "transfer-encoding" not in names and "content-length" not in names and \
            (body or method in ("POST", "PUT")):
        hdrs.append(("Content-Length", str(len(body))))
    lines += [f"{k}: {v}" for k, v in hdrs]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunked(body: bytes, size: int) -> bytes:
    out = b""
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def connect(port: int, timeout: float = 10.0) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def exchange(port: int, data: bytes, timeout: float = 10.0) -> RawResponse:
    with connect(port, timeout) as s:
        s.sendall(data)
        with s.makefile("rb") as f:
            return read_final_response(f)


# ---- parsing -----------------------------------------------------------------------------

def strip_ns(root: ET.Element) -> ET.Element:
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def parse_xml(body: bytes | str) -> ET.Element:
    return strip_ns(ET.fromstring(body))


def xml_error(body: bytes | str) -> dict:
    """{'Type','Code','Message','RequestId'} of a query-protocol ErrorResponse."""
    root = parse_xml(body)
    assert root.tag == "ErrorResponse", f"not an ErrorResponse: {body!r}"
    err = root.find("Error")
    assert err is not None, f"no <Error>: {body!r}"
    out = {c.tag: (c.text or "") for c in err}
    rid = root.find("RequestId")
    out["RequestId"] = rid.text if rid is not None else None
    return out


def json_error_code(doc: dict) -> str:
    """The error code of a JSON-protocol error body, without any 'namespace#' prefix."""
    return doc.get("__type", doc.get("code", "")).split("#")[-1]


def json_error_message(doc: dict) -> str | None:
    return doc.get("message", doc.get("Message"))


def parse_http_date(value: str) -> dt.datetime:
    return email.utils.parsedate_to_datetime(value)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
