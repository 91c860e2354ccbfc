"""Fixtures for the black-box tests: the stratus binary (STRATUS_BIN, default
build/release/stratus under the repo root) started on port 0, and boto3 clients for it.

- `stratus`: one server for the whole session (in-memory, no signature checks).
- `stratus_verify`: one server for the session started with --verify-signatures.
- `start_stratus(*flags, env=None, default_flags=True)`: extra servers for one test; stopped
  (SIGTERM) at the end of the test unless the test stopped them.
- `client(service, url=None, key=..., secret=..., token=..., validate=True)`: boto3 clients.
"""
from __future__ import annotations

import os

import pytest

from stratus_helpers import StratusServer, make_client

# The JS tests and their node_modules live below this folder.
collect_ignore = ["js"]


def pytest_configure(config):
    # Keep the developer's AWS config out of the clients these tests build.
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN",
                 "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.pop(name, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def _start(*args, **kw) -> StratusServer:
    try:
        return StratusServer(list(args), **kw)
    except (RuntimeError, OSError) as e:
        pytest.fail(f"cannot start stratus: {e}", pytrace=False)


@pytest.fixture(scope="session")
def stratus():
    server = _start("--log-level", "info")
    yield server
    rc = server.stop()
    assert rc == 0, f"stratus exited with {rc} after SIGTERM\n{server.log_text()}"


@pytest.fixture(scope="session")
def stratus_verify():
    server = _start("--log-level", "info", "--verify-signatures")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def endpoint(stratus) -> str:
    return stratus.url


@pytest.fixture
def start_stratus():
    started: list[StratusServer] = []

    def start(*args, env: dict | None = None, default_flags: bool = True) -> StratusServer:
        server = _start(*args, env=env, default_flags=default_flags)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.running:
            server.stop()


@pytest.fixture
def client(stratus):
    """client('sts', url=None, key='test', secret='test', token=None, validate=True)"""

    def build(service: str, url: str | None = None, **kw):
        return make_client(service, url or stratus.url, **kw)

    return build


@pytest.fixture
def sts(client):
    return client("sts")
