"""The AWS CLI (v1, `python3 -m awscli`) against Stratus, as a user would run it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from stratus_helpers import DEFAULT_ACCOUNT

CLI_TIMEOUT = 60


# Exit code of a command whose service call failed: 255 in CLI v1 (pinned), 254 in v2.
SERVICE_ERROR_RC = (254, 255)


def run_cli(*args, endpoint: str | None = None, env: dict | None = None):
    """Runs `python3 -m awscli ARGS` with only the given settings; returns CompletedProcess."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("AWS_") and not k.startswith("STRATUS_")}
    base.update({
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"})
    base.update(env or {})
    cmd = [sys.executable, "-m", "awscli", *args]
    if "--output" not in args:
        cmd += ["--output", "json"]
    if endpoint:
        cmd += ["--endpoint-url", endpoint]
    return subprocess.run(cmd, env=base, capture_output=True, text=True, timeout=CLI_TIMEOUT,
                          stdin=subprocess.DEVNULL)


def ok_json(proc: subprocess.CompletedProcess):
    assert proc.returncode == 0, \
        f"rc={proc.returncode}\nstdout={proc.stdout}\nstderr={proc.stderr}"
    return json.loads(proc.stdout)


def test_get_caller_identity_with_endpoint_flag(endpoint):
    doc = ok_json(run_cli("sts", "get-caller-identity", endpoint=endpoint))
    assert doc == {"UserId": DEFAULT_ACCOUNT, "Account": DEFAULT_ACCOUNT,
                   "Arn": "arn:aws:iam::000000000000:root"}


def test_get_caller_identity_with_endpoint_env(endpoint):
    doc = ok_json(run_cli("sts", "get-caller-identity",
                          env={"AWS_ENDPOINT_URL": endpoint,
                               "AWS_ACCESS_KEY_ID": "123456789012"}))
    assert doc["Account"] == "123456789012"
    assert doc["Arn"] == "arn:aws:iam::123456789012:root"


def test_assume_role_then_use_the_credentials(stratus_verify):
    url = stratus_verify.url
    doc = ok_json(run_cli("sts", "assume-role", "--role-arn",
                          "arn:aws:iam::000000000000:role/cli-role", "--role-session-name",
                          "cli-session", "--duration-seconds", "900", endpoint=url))
    c = doc["Credentials"]
    assert c["AccessKeyId"].startswith("ASIA") and len(c["AccessKeyId"]) == 20
    assert len(c["SecretAccessKey"]) == 40
    assert doc["AssumedRoleUser"]["Arn"] == \
        "arn:aws:sts::000000000000:assumed-role/cli-role/cli-session"
    ident = ok_json(run_cli("sts", "get-caller-identity", env={
        "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": c["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": c["SecretAccessKey"], "AWS_SESSION_TOKEN": c["SessionToken"]}))
    assert ident["Arn"] == "arn:aws:sts::000000000000:assumed-role/cli-role/cli-session"
    assert ident["UserId"] == doc["AssumedRoleUser"]["AssumedRoleId"]


def test_query_and_text_output(endpoint):
    proc = run_cli("sts", "get-caller-identity", "--query", "Account", "--output", "text",
                   endpoint=endpoint)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == DEFAULT_ACCOUNT


def test_signature_error_is_reported(stratus_verify):
    proc = run_cli("sts", "get-caller-identity", endpoint=stratus_verify.url,
                   env={"AWS_SECRET_ACCESS_KEY": "wrong"})
    assert proc.returncode in SERVICE_ERROR_RC, (proc.returncode, proc.stderr)
    assert "An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity " \
           "operation" in proc.stderr


def test_not_implemented_is_reported(endpoint):
    proc = run_cli("dynamodb", "describe-global-table", "--global-table-name", "some-table",
                   endpoint=endpoint)
    assert proc.returncode in SERVICE_ERROR_RC, (proc.returncode, proc.stderr)
    assert "An error occurred (NotImplemented) when calling the DescribeGlobalTable operation" \
        in proc.stderr
