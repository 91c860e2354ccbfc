"""SQS helpers for the black-box tests.

- The legacy SQS client: current botocore with the last SQS model that used the query protocol
  (botocore 1.29.165, the wheel scripts/setup.sh keeps in ~/.cache/stratus), so requests go
  out as `Action=SendMessage` forms and answers are parsed from XML, the way older SDKs talk.
  `make_query_client(url, ...)` builds one; the `query_client` fixture is a factory of them.
- `sqs_client(protocol, url, ...)`: a 'json' (current botocore) or 'query' (legacy) SQS
  client, with the settings of stratus_helpers.make_client.
- The MD5 digests SQS returns (body, message attributes, system attributes), computed as the
  SDKs that verify them do.
- `unique(prefix)`: a queue name no other test uses (tests share one server).

Nothing here knows Stratus internals.
"""
from __future__ import annotations

import atexit
import functools
import hashlib
import os
import shutil
import tempfile
import threading
import uuid
import zipfile
from pathlib import Path

import botocore.session
import pytest
from botocore.config import Config

from stratus_helpers import REGION

LEGACY_BOTOCORE_VERSION = "1.29.165"
LEGACY_MODEL = "botocore/data/sqs/2012-11-05/service-2.json"


def legacy_wheel() -> Path:
    cache = Path(os.environ.get("STRATUS_CACHE_DIR", Path.home() / ".cache" / "stratus"))
    return cache / f"botocore-{LEGACY_BOTOCORE_VERSION}-py3-none-any.whl"


@functools.cache
def legacy_models_dir() -> Path:
    """A temporary data directory holding only sqs/2012-11-05/service-2.json from the legacy
    wheel (removed at exit)."""
    wheel = legacy_wheel()
    if not wheel.exists():
        pytest.fail(f"legacy botocore wheel not found at {wheel}: run scripts/setup.sh",
                    pytrace=False)
    root = Path(tempfile.mkdtemp(prefix="stratus-sqs-legacy-"))
    atexit.register(shutil.rmtree, root, True)
    target = root / "sqs" / "2012-11-05" / "service-2.json"
    target.parent.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as z:
        target.write_bytes(z.read(LEGACY_MODEL))
    return root


@functools.cache
def _session(legacy: bool) -> botocore.session.Session:
    session = botocore.session.Session()
    if legacy:
        session.get_component("data_loader").search_paths.insert(0, str(legacy_models_dir()))
    return session


_session_lock = threading.Lock()


def _client(legacy: bool, url: str, key="test", secret="test", token=None, region=REGION,
            validate=True):
    # One botocore session per protocol, so each model is loaded once; the client settings
    # are those of stratus_helpers.make_client (no retries, optional validation).
    with _session_lock:
        return _session(legacy).create_client(
            "sqs", endpoint_url=url, region_name=region, aws_access_key_id=key,
            aws_secret_access_key=secret, aws_session_token=token,
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                          parameter_validation=validate, connect_timeout=5, read_timeout=30))


def make_query_client(url: str, **kw):
    """A botocore SQS client speaking the query protocol (the legacy model found first)."""
    c = _client(True, url, **kw)
    assert c.meta.service_model.protocol == "query", c.meta.service_model.metadata
    return c


def make_json_client(url: str, **kw):
    """A current botocore SQS client (JSON protocol), like stratus_helpers.make_client's."""
    c = _client(False, url, **kw)
    assert c.meta.service_model.protocol == "json", c.meta.service_model.metadata
    return c


def sqs_client(protocol: str, url: str, **kw):
    if protocol == "json":
        return make_json_client(url, **kw)
    if protocol == "query":
        return make_query_client(url, **kw)
    raise ValueError(protocol)


@pytest.fixture
def query_client(stratus):
    """query_client(url=None, key='test', ...) -> legacy query-protocol SQS client."""

    def build(url: str | None = None, **kw):
        return make_query_client(url or stratus.url, **kw)

    return build


# ---- names -------------------------------------------------------------------------------

def unique(prefix: str = "q") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def queue_arn(name: str, account: str = "000000000000", region: str = REGION) -> str:
    return f"arn:aws:sqs:{region}:{account}:{name}"


# ---- MD5 digests -------------------------------------------------------------------------

def md5_hex(data: str | bytes) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.md5(data).hexdigest()


def _len_prefixed(b: bytes) -> bytes:
    return len(b).to_bytes(4, "big") + b


def md5_of_attributes(attrs: dict) -> str:
    """MD5OfMessageAttributes / MD5OfMessageSystemAttributes: for each attribute sorted by
    name, length-prefixed name, data type, a transport byte (1 string, 2 binary) and the
    length-prefixed value."""
    h = hashlib.md5()
    for name in sorted(attrs, key=lambda n: n.encode("utf-8")):
        a = attrs[name]
        h.update(_len_prefixed(name.encode("utf-8")))
        h.update(_len_prefixed(a["DataType"].encode("utf-8")))
        if "BinaryValue" in a and a["BinaryValue"] is not None:
            value = a["BinaryValue"]
            if isinstance(value, str):
                value = value.encode("utf-8")
            h.update(b"\x02" + _len_prefixed(value))
        else:
            h.update(b"\x01" + _len_prefixed(a["StringValue"].encode("utf-8")))
    return h.hexdigest()
