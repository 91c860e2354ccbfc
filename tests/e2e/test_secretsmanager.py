"""Secrets Manager through boto3: secrets, versions and staging labels, idempotency tokens,
secret references (name, ARN, partial ARN), listing and filters, deletion and restore,
GetRandomPassword, resource policies, tags, rotation settings, per-account isolation and
durability across kill -9 (--data-dir).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import string
import uuid

import pytest
from botocore.exceptions import ClientError

from stratus_helpers import DEFAULT_ACCOUNT, REGION, make_client

NOT_FOUND = ("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
MARKED = ("InvalidRequestException",
          "You can't perform this operation on the secret because it was marked for deletion.")
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


@pytest.fixture
def sm(client):
    return client("secretsmanager")


def err(exc_info) -> tuple[str, str]:
    e = exc_info.value.response["Error"]
    return e["Code"], e.get("Message", "")


def name(prefix="s") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def stages(sm, sid) -> dict:
    return sm.describe_secret(SecretId=sid)["VersionIdsToStages"]


# ---- create and read --------------------------------------------------------------------

def test_create_and_get_string(sm, client):
    n = name("app/db")
    kms = client("kms")
    alias = f"alias/{name('mine')}"
    kms.create_alias(AliasName=alias, TargetKeyId=kms.create_key()["KeyMetadata"]["KeyId"])
    out = sm.create_secret(Name=n, SecretString='{"user":"u"}', Description="d",
                           KmsKeyId=alias, Tags=[{"Key": "env", "Value": "dev"}])
    assert re.fullmatch(rf"arn:aws:secretsmanager:{REGION}:{DEFAULT_ACCOUNT}:secret:{n}-[A-Za-z0-9]{{6}}",
                        out["ARN"])
    assert out["Name"] == n
    got = sm.get_secret_value(SecretId=n)
    assert got["ARN"] == out["ARN"] and got["Name"] == n
    assert got["SecretString"] == '{"user":"u"}'
    assert got["VersionId"] == out["VersionId"]
    assert got["VersionStages"] == ["AWSCURRENT"]
    assert isinstance(got["CreatedDate"], dt.datetime)
    # By full ARN and by partial ARN (without the random suffix).
    assert sm.get_secret_value(SecretId=out["ARN"])["SecretString"] == '{"user":"u"}'
    assert sm.get_secret_value(SecretId=out["ARN"][:-7])["SecretString"] == '{"user":"u"}'
    d = sm.describe_secret(SecretId=n)
    assert d["Description"] == "d" and d["KmsKeyId"] == alias
    assert d["Tags"] == [{"Key": "env", "Value": "dev"}]
    assert d["VersionIdsToStages"] == {out["VersionId"]: ["AWSCURRENT"]}
    assert d["RotationEnabled"] is False
    assert "DeletedDate" not in d
    today = dt.datetime.now(dt.timezone.utc).date()
    assert d["LastAccessedDate"].date() == today
    assert d["LastAccessedDate"].hour == 0 and d["LastAccessedDate"].minute == 0


def test_binary_secret_and_both_values(sm):
    n = name()
    sm.create_secret(Name=n, SecretBinary=b"\x00\x01bin")
    got = sm.get_secret_value(SecretId=n)
    assert got["SecretBinary"] == b"\x00\x01bin" and "SecretString" not in got
    with pytest.raises(ClientError) as e:
        sm.create_secret(Name=name(), SecretString="a", SecretBinary=b"b")
    assert err(e) == ("InvalidParameterException",
                      "You can't specify both a binary secret value and a string secret value in the same secret.")


def test_names_and_duplicates(sm):
    with pytest.raises(ClientError) as e:
        sm.create_secret(Name="bad name", SecretString="x")
    assert err(e)[0] == "InvalidParameterException"
    n = name()
    sm.create_secret(Name=n, SecretString="x")
    with pytest.raises(ClientError) as e:
        sm.create_secret(Name=n, SecretString="y")
    assert err(e) == ("ResourceExistsException", f"The operation failed because the secret {n} already exists.")


def test_secret_without_value(sm):
    n = name()
    out = sm.create_secret(Name=n)
    assert "VersionId" not in out
    with pytest.raises(ClientError) as e:
        sm.get_secret_value(SecretId=n)
    assert err(e) == ("ResourceNotFoundException",
                      "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT")


def test_missing_secret(sm):
    for call in (lambda: sm.get_secret_value(SecretId="nope-" + uuid.uuid4().hex),
                 lambda: sm.describe_secret(SecretId="nope-" + uuid.uuid4().hex),
                 lambda: sm.put_secret_value(SecretId="nope-" + uuid.uuid4().hex, SecretString="x"),
                 lambda: sm.get_secret_value(
                     SecretId=f"arn:aws:secretsmanager:{REGION}:{DEFAULT_ACCOUNT}:secret:nope-AbCdEf")):
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == NOT_FOUND
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# ---- idempotency ------------------------------------------------------------------------

def test_create_idempotency_token(sm):
    n, tok = name(), str(uuid.uuid4())
    a = sm.create_secret(Name=n, SecretString="v", ClientRequestToken=tok)
    assert a["VersionId"] == tok
    b = sm.create_secret(Name=n, SecretString="v", ClientRequestToken=tok)
    assert (b["ARN"], b["VersionId"]) == (a["ARN"], tok)
    with pytest.raises(ClientError) as e:
        sm.create_secret(Name=n, SecretString="other", ClientRequestToken=tok)
    assert err(e) == ("ResourceExistsException",
                      "You can't modify an existing version, you can only create a new version.")


def test_put_idempotency_token(sm):
    n = name()
    sm.create_secret(Name=n, SecretString="v1")
    tok = str(uuid.uuid4())
    sm.put_secret_value(SecretId=n, SecretString="v2", ClientRequestToken=tok)
    again = sm.put_secret_value(SecretId=n, SecretString="v2", ClientRequestToken=tok)
    assert again["VersionId"] == tok
    assert len(sm.list_secret_version_ids(SecretId=n)["Versions"]) == 2
    with pytest.raises(ClientError) as e:
        sm.put_secret_value(SecretId=n, SecretString="v3", ClientRequestToken=tok)
    assert err(e)[0] == "ResourceExistsException"


# ---- versions and stages ----------------------------------------------------------------

def test_version_stages_after_several_puts(sm):
    n = name()
    v1 = sm.create_secret(Name=n, SecretString="1")["VersionId"]
    v2 = sm.put_secret_value(SecretId=n, SecretString="2")["VersionId"]
    assert stages(sm, n) == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]}
    v3 = sm.put_secret_value(SecretId=n, SecretString="3")["VersionId"]
    assert stages(sm, n) == {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}
    assert sm.get_secret_value(SecretId=n)["SecretString"] == "3"
    assert sm.get_secret_value(SecretId=n, VersionStage="AWSPREVIOUS")["SecretString"] == "2"
    assert sm.get_secret_value(SecretId=n, VersionId=v1)["SecretString"] == "1"
    assert sm.get_secret_value(SecretId=n, VersionId=v1)["VersionStages"] == []
    # Explicit labels leave AWSCURRENT where it is.
    v4 = sm.put_secret_value(SecretId=n, SecretString="4", VersionStages=["AWSPENDING"])
    assert v4["VersionStages"] == ["AWSPENDING"]
    assert sm.get_secret_value(SecretId=n)["SecretString"] == "3"
    assert sm.get_secret_value(SecretId=n, VersionStage="AWSPENDING")["SecretString"] == "4"
    listed = sm.list_secret_version_ids(SecretId=n)["Versions"]
    assert {v["VersionId"] for v in listed} == {v2, v3, v4["VersionId"]}
    everything = sm.list_secret_version_ids(SecretId=n, IncludeDeprecated=True)["Versions"]
    assert len(everything) == 4
    with pytest.raises(ClientError) as e:
        sm.get_secret_value(SecretId=n, VersionId=str(uuid.uuid4()))
    assert err(e)[0] == "ResourceNotFoundException"


def test_update_secret_version_stage(sm):
    n = name()
    v1 = sm.create_secret(Name=n, SecretString="1")["VersionId"]
    v2 = sm.put_secret_value(SecretId=n, SecretString="2", VersionStages=["AWSPENDING"])["VersionId"]
    with pytest.raises(ClientError) as e:
        sm.update_secret_version_stage(SecretId=n, VersionStage="AWSCURRENT", MoveToVersionId=v2)
    assert err(e)[0] == "InvalidParameterException"
    assert f"currently attached to version {v1}" in err(e)[1]
    sm.update_secret_version_stage(SecretId=n, VersionStage="AWSCURRENT", MoveToVersionId=v2,
                                   RemoveFromVersionId=v1)
    assert stages(sm, n) == {v1: ["AWSPREVIOUS"], v2: ["AWSPENDING", "AWSCURRENT"]}
    sm.update_secret_version_stage(SecretId=n, VersionStage="AWSPENDING", RemoveFromVersionId=v2)
    assert stages(sm, n) == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]}
    sm.update_secret_version_stage(SecretId=n, VersionStage="custom", MoveToVersionId=v1)
    assert sm.get_secret_value(SecretId=n, VersionStage="custom")["SecretString"] == "1"


def test_update_secret(sm, client):
    n = name()
    k2 = client("kms").create_key()["KeyMetadata"]["KeyId"]
    v1 = sm.create_secret(Name=n, SecretString="1", Description="old")["VersionId"]
    out = sm.update_secret(SecretId=n, Description="new")
    assert "VersionId" not in out
    assert sm.describe_secret(SecretId=n)["Description"] == "new"
    out = sm.update_secret(SecretId=n, SecretString="2", KmsKeyId=k2)
    assert sm.get_secret_value(SecretId=n)["SecretString"] == "2"
    assert stages(sm, n) == {v1: ["AWSPREVIOUS"], out["VersionId"]: ["AWSCURRENT"]}
    assert sm.describe_secret(SecretId=n)["KmsKeyId"] == k2


def test_batch_get_secret_value(sm):
    p = name("batch")
    a = sm.create_secret(Name=p + "-a", SecretString="A")
    sm.create_secret(Name=p + "-b", SecretString="B")
    out = sm.batch_get_secret_value(SecretIdList=[p + "-a", a["ARN"], p + "-missing"])
    assert [v["SecretString"] for v in out["SecretValues"]] == ["A", "A"]
    assert out["Errors"][0]["SecretId"] == p + "-missing"
    assert out["Errors"][0]["ErrorCode"] == "ResourceNotFoundException"
    out = sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": [p]}])
    assert sorted(v["SecretString"] for v in out["SecretValues"]) == ["A", "B"]
    with pytest.raises(ClientError) as e:
        sm.batch_get_secret_value()
    assert err(e)[0] == "InvalidParameterException"


# ---- listing ----------------------------------------------------------------------------

def test_list_secrets_filters_and_pages(sm):
    p = name("list")
    for i in range(5):
        sm.create_secret(Name=f"{p}/{i}", SecretString="x", Description=f"Team Alpha {i}",
                         Tags=[{"Key": f"k{i % 2}", "Value": "Blue" if i < 2 else "red"}])

    def names(**kw):
        out, token = [], None
        while True:
            page = sm.list_secrets(**kw, **({"NextToken": token} if token else {}))
            out += [s["Name"] for s in page["SecretList"]]
            token = page.get("NextToken")
            if not token:
                return out

    assert names(Filters=[{"Key": "name", "Values": [p]}], MaxResults=2) == [f"{p}/{i}" for i in range(5)]
    assert names(Filters=[{"Key": "name", "Values": [p.upper()]}], SortOrder="desc") == \
        [f"{p}/{i}" for i in reversed(range(5))]
    f = [{"Key": "name", "Values": [p]}]
    assert len(names(Filters=f + [{"Key": "tag-key", "Values": ["k1"]}])) == 2
    assert len(names(Filters=f + [{"Key": "tag-value", "Values": ["Blue"]}])) == 2
    assert names(Filters=f + [{"Key": "tag-value", "Values": ["blue"]}]) == []
    assert len(names(Filters=f + [{"Key": "description", "Values": ["team alpha 3"]}])) == 1
    assert len(names(Filters=f + [{"Key": "all", "Values": ["alpha"]}])) == 5
    assert len(names(Filters=f + [{"Key": "tag-key", "Values": ["!k1"]}])) == 3
    entry = sm.list_secrets(Filters=[{"Key": "name", "Values": [f"{p}/0"]}])["SecretList"][0]
    assert list(entry["SecretVersionsToStages"].values()) == [["AWSCURRENT"]]
    assert entry["Tags"] == [{"Key": "k0", "Value": "Blue"}]


# ---- deletion ---------------------------------------------------------------------------

def test_delete_and_restore(sm):
    n = name()
    sm.create_secret(Name=n, SecretString="x")
    out = sm.delete_secret(SecretId=n, RecoveryWindowInDays=7)
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((out["DeletionDate"] - now) - dt.timedelta(days=7)) < dt.timedelta(minutes=1)
    assert "DeletedDate" in sm.describe_secret(SecretId=n)
    for call in (lambda: sm.get_secret_value(SecretId=n),
                 lambda: sm.put_secret_value(SecretId=n, SecretString="y"),
                 lambda: sm.update_secret(SecretId=n, Description="z")):
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == MARKED
    assert n not in [s["Name"] for s in sm.list_secrets(Filters=[{"Key": "name", "Values": [n]}])["SecretList"]]
    assert n in [s["Name"] for s in sm.list_secrets(Filters=[{"Key": "name", "Values": [n]}],
                                                    IncludePlannedDeletion=True)["SecretList"]]
    with pytest.raises(ClientError) as e:
        sm.create_secret(Name=n, SecretString="again")
    assert err(e)[0] == "InvalidRequestException"
    sm.restore_secret(SecretId=n)
    assert "DeletedDate" not in sm.describe_secret(SecretId=n)
    assert sm.get_secret_value(SecretId=n)["SecretString"] == "x"


def test_delete_parameters_and_force(sm):
    n = name()
    sm.create_secret(Name=n, SecretString="x")
    with pytest.raises(ClientError) as e:
        sm.delete_secret(SecretId=n, RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True)
    assert err(e)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        sm.delete_secret(SecretId=n, RecoveryWindowInDays=5)
    assert err(e)[0] == "InvalidParameterException"
    default = sm.delete_secret(SecretId=n)
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((default["DeletionDate"] - now) - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    sm.delete_secret(SecretId=n, ForceDeleteWithoutRecovery=True)
    with pytest.raises(ClientError) as e:
        sm.describe_secret(SecretId=n)
    assert err(e) == NOT_FOUND
    sm.create_secret(Name=n, SecretString="reborn")
    assert sm.get_secret_value(SecretId=n)["SecretString"] == "reborn"


# ---- passwords --------------------------------------------------------------------------

def test_random_password_defaults(sm):
    pw = sm.get_random_password()["RandomPassword"]
    assert len(pw) == 32
    assert any(c in string.ascii_lowercase for c in pw) and any(c in string.ascii_uppercase for c in pw)
    assert any(c in string.digits for c in pw) and any(c in PUNCTUATION for c in pw)
    assert " " not in pw


def test_random_password_options(sm):
    pw = sm.get_random_password(PasswordLength=200, ExcludePunctuation=True, ExcludeUppercase=True,
                                ExcludeCharacters="abc012")["RandomPassword"]
    assert len(pw) == 200
    assert set(pw) <= set(string.ascii_lowercase + string.digits) - set("abc012")
    pw = sm.get_random_password(PasswordLength=4, ExcludeLowercase=True, ExcludeUppercase=True,
                                ExcludeNumbers=True, IncludeSpace=True)["RandomPassword"]
    assert " " in pw and set(pw) <= set(PUNCTUATION + " ")
    for _ in range(20):
        pw = sm.get_random_password(PasswordLength=5, IncludeSpace=True)["RandomPassword"]
        assert " " in pw
    pw = sm.get_random_password(PasswordLength=1, RequireEachIncludedType=False)["RandomPassword"]
    assert len(pw) == 1
    with pytest.raises(ClientError) as e:
        sm.get_random_password(PasswordLength=3)
    assert err(e)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        sm.get_random_password(PasswordLength=5000)
    assert err(e)[0] in ("InvalidParameterException", "ValidationException")


# ---- policies, tags, rotation -----------------------------------------------------------

def test_resource_policy(sm):
    n = name()
    sm.create_secret(Name=n, SecretString="x")
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId=n)
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    assert sm.validate_resource_policy(ResourcePolicy=policy)["PolicyValidationPassed"] is True
    sm.put_resource_policy(SecretId=n, ResourcePolicy=policy)
    assert sm.get_resource_policy(SecretId=n)["ResourcePolicy"] == policy
    with pytest.raises(ClientError) as e:
        sm.put_resource_policy(SecretId=n, ResourcePolicy="{not json")
    assert err(e)[0] == "MalformedPolicyDocumentException"
    sm.delete_resource_policy(SecretId=n)
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId=n)


def test_tags(sm):
    n = name()
    sm.create_secret(Name=n, SecretString="x", Tags=[{"Key": "a", "Value": "1"}])
    sm.tag_resource(SecretId=n, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "9"}])
    assert sm.describe_secret(SecretId=n)["Tags"] == [{"Key": "a", "Value": "9"}, {"Key": "b", "Value": "2"}]
    sm.untag_resource(SecretId=n, TagKeys=["a"])
    assert sm.describe_secret(SecretId=n)["Tags"] == [{"Key": "b", "Value": "2"}]


def test_rotation_settings(sm):
    n = name()
    sm.create_secret(Name=n, SecretString="x")
    with pytest.raises(ClientError) as e:
        sm.rotate_secret(SecretId=n)
    assert err(e)[0] == "InvalidRequestException"
    fn = f"arn:aws:lambda:{REGION}:{DEFAULT_ACCOUNT}:function:rotator"
    sm.rotate_secret(SecretId=n, RotationLambdaARN=fn, RotationRules={"AutomaticallyAfterDays": 10})
    d = sm.describe_secret(SecretId=n)
    assert d["RotationEnabled"] is True and d["RotationLambdaARN"] == fn
    assert d["RotationRules"] == {"AutomaticallyAfterDays": 10}
    assert "NextRotationDate" in d
    sm.cancel_rotate_secret(SecretId=n)
    assert sm.describe_secret(SecretId=n)["RotationEnabled"] is False


# ---- accounts and durability ------------------------------------------------------------

def test_accounts_are_isolated(client):
    a = client("secretsmanager", key="111111111111")
    b = client("secretsmanager", key="222222222222")
    n = name()
    arn = a.create_secret(Name=n, SecretString="mine")["ARN"]
    assert ":111111111111:secret:" in arn
    for sid in (n, arn):
        with pytest.raises(ClientError) as e:
            b.get_secret_value(SecretId=sid)
        assert err(e) == NOT_FOUND
    b.create_secret(Name=n, SecretString="theirs")
    assert a.get_secret_value(SecretId=n)["SecretString"] == "mine"
    assert b.get_secret_value(SecretId=n)["SecretString"] == "theirs"


def test_secrets_survive_kill_9(start_stratus, tmp_path):
    data = str(tmp_path / "data")
    server = start_stratus("--data-dir", data)
    sm = make_client("secretsmanager", server.url)
    n = name()
    arn = sm.create_secret(Name=n, SecretString="1", Tags=[{"Key": "t", "Value": "v"}])["ARN"]
    v2 = sm.put_secret_value(SecretId=n, SecretBinary=b"\x02")["VersionId"]
    sm.put_resource_policy(SecretId=n, ResourcePolicy="{}")
    gone = name()
    sm.create_secret(Name=gone, SecretString="x")
    sm.delete_secret(SecretId=gone, RecoveryWindowInDays=7)
    before = sm.describe_secret(SecretId=n)
    server.kill()

    server = start_stratus("--data-dir", data)
    sm = make_client("secretsmanager", server.url)
    got = sm.get_secret_value(SecretId=arn)
    assert got["SecretBinary"] == b"\x02" and got["VersionId"] == v2
    after = sm.describe_secret(SecretId=n)
    for k in ("ARN", "Tags", "VersionIdsToStages", "CreatedDate", "LastChangedDate"):
        assert after[k] == before[k]
    assert sm.get_resource_policy(SecretId=n)["ResourcePolicy"] == "{}"
    assert "DeletedDate" in sm.describe_secret(SecretId=gone)
