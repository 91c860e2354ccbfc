"""KMS through boto3: symmetric keys with real AES-256-GCM, key references (id, ARN, alias
name, alias ARN), encryption contexts, key states, aliases, tags, key policies, rotation,
per-account isolation and durability across kill -9 (--data-dir).

Errors are asserted by code and by AWS's message where AWS's wording is known.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid

import pytest
from botocore.exceptions import ClientError

from stratus_helpers import DEFAULT_ACCOUNT, REGION

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ARN_PREFIX = f"arn:aws:kms:{REGION}:{DEFAULT_ACCOUNT}"


@pytest.fixture
def kms(client):
    return client("kms")


def err(exc_info) -> tuple[str, str]:
    e = exc_info.value.response["Error"]
    return e["Code"], e.get("Message", "")


def status(exc_info) -> int:
    return exc_info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def new_key(kms, **kw) -> dict:
    return kms.create_key(**kw)["KeyMetadata"]


def alias_name() -> str:
    return f"alias/test-{uuid.uuid4().hex[:12]}"


# ---- keys ---------------------------------------------------------------------------------

def test_create_key_metadata(kms):
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)
    md = new_key(kms, Description="my key")
    assert UUID_RE.match(md["KeyId"])
    assert md["Arn"] == f"{ARN_PREFIX}:key/{md['KeyId']}"
    assert md["AWSAccountId"] == DEFAULT_ACCOUNT
    assert md["CreationDate"] >= before
    assert md["Enabled"] is True
    assert md["Description"] == "my key"
    assert md["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert md["KeyState"] == "Enabled"
    assert md["Origin"] == "AWS_KMS"
    assert md["KeyManager"] == "CUSTOMER"
    assert md["CustomerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    assert md["KeySpec"] == "SYMMETRIC_DEFAULT"
    assert md["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    assert md["MultiRegion"] is False
    assert re.match(r"^[0-9a-f]{64}$", md["CurrentKeyMaterialId"])
    assert "DeletionDate" not in md
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"] == md


def test_create_key_defaults_and_unsupported_specs(kms):
    md = new_key(kms)
    assert md["Description"] == ""
    with pytest.raises(ClientError) as e:
        kms.create_key(KeySpec="SM2", KeyUsage="SIGN_VERIFY")
    assert err(e) == ("UnsupportedOperationException", "KeySpec SM2 is not supported by Stratus yet")
    assert status(e) == 400
    with pytest.raises(ClientError) as e:
        kms.create_key(KeyUsage="SIGN_VERIFY")
    assert err(e) == ("ValidationException", "KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT")
    with pytest.raises(ClientError) as e:
        kms.create_key(KeySpec="ECC_NIST_P256")  # KeyUsage defaults to ENCRYPT_DECRYPT
    assert err(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        kms.create_key(Policy="{not json")
    assert err(e)[0] == "MalformedPolicyDocumentException"


def test_describe_key_references(kms):
    md = new_key(kms)
    name = alias_name()
    kms.create_alias(AliasName=name, TargetKeyId=md["KeyId"])
    for ref in (md["KeyId"], md["Arn"], name, f"{ARN_PREFIX}:{name}"):
        assert kms.describe_key(KeyId=ref)["KeyMetadata"]["KeyId"] == md["KeyId"]


def test_not_found_messages(kms):
    missing = str(uuid.uuid4())
    with pytest.raises(ClientError) as e:
        kms.describe_key(KeyId=missing)
    assert err(e) == ("NotFoundException", f"Key '{ARN_PREFIX}:key/{missing}' does not exist")
    with pytest.raises(ClientError) as e:
        kms.describe_key(KeyId=f"{ARN_PREFIX}:key/{missing}")
    assert err(e) == ("NotFoundException", f"Key '{ARN_PREFIX}:key/{missing}' does not exist")
    with pytest.raises(ClientError) as e:
        kms.describe_key(KeyId="alias/nope-nope")
    assert err(e) == ("NotFoundException", f"Alias '{ARN_PREFIX}:alias/nope-nope' is not found.")
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=f"{ARN_PREFIX}:alias/nope-nope", Plaintext=b"x")
    assert err(e) == ("NotFoundException", f"Alias '{ARN_PREFIX}:alias/nope-nope' is not found.")
    with pytest.raises(ClientError) as e:
        kms.describe_key(KeyId="not-a-key")
    assert err(e)[0] == "NotFoundException"


def test_list_keys_pagination(client):
    kms = client("kms", key="333333333333")
    ids = {new_key(kms)["KeyId"] for _ in range(5)}
    seen, marker, pages = [], None, 0
    while True:
        kw = {"Limit": 2}
        if marker:
            kw["Marker"] = marker
        page = kms.list_keys(**kw)
        pages += 1
        assert len(page["Keys"]) <= 2
        for k in page["Keys"]:
            assert k["KeyArn"] == f"arn:aws:kms:{REGION}:333333333333:key/{k['KeyId']}"
        seen += [k["KeyId"] for k in page["Keys"]]
        if not page["Truncated"]:
            assert "NextMarker" not in page
            break
        marker = page["NextMarker"]
    assert ids <= set(seen) and len(seen) == len(set(seen))
    assert pages >= 3
    with pytest.raises(ClientError) as e:
        kms.list_keys(Marker="bogus")
    assert err(e)[0] == "InvalidMarkerException"


def test_update_description_enable_disable(kms):
    md = new_key(kms)
    kms.update_key_description(KeyId=md["Arn"], Description="changed")
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["Description"] == "changed"
    kms.disable_key(KeyId=md["KeyId"])
    d = kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
    assert (d["KeyState"], d["Enabled"]) == ("Disabled", False)
    kms.enable_key(KeyId=md["KeyId"])
    d = kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
    assert (d["KeyState"], d["Enabled"]) == ("Enabled", True)


def test_schedule_and_cancel_deletion(kms):
    md = new_key(kms)
    now = dt.datetime.now(dt.timezone.utc)
    out = kms.schedule_key_deletion(KeyId=md["KeyId"])
    assert out["KeyId"] == md["Arn"]
    assert out["KeyState"] == "PendingDeletion"
    assert out["PendingWindowInDays"] == 30
    assert abs((out["DeletionDate"] - now) - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    d = kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
    assert d["KeyState"] == "PendingDeletion" and d["Enabled"] is False
    assert d["PendingDeletionWindowInDays"] == 30 and "DeletionDate" in d
    with pytest.raises(ClientError) as e:
        kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    assert err(e) == ("KMSInvalidStateException", f"{md['Arn']} is pending deletion.")
    with pytest.raises(ClientError) as e:
        kms.enable_key(KeyId=md["KeyId"])
    assert err(e) == ("KMSInvalidStateException", f"{md['Arn']} is pending deletion.")
    assert kms.cancel_key_deletion(KeyId=md["KeyId"])["KeyId"] == md["Arn"]
    d = kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
    assert d["KeyState"] == "Disabled" and "DeletionDate" not in d
    with pytest.raises(ClientError) as e:
        kms.cancel_key_deletion(KeyId=md["KeyId"])
    assert err(e)[0] == "KMSInvalidStateException"
    out = kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    assert out["PendingWindowInDays"] == 7


@pytest.mark.parametrize("days", [6, 31])
def test_schedule_deletion_window_range(kms, days):
    md = new_key(kms)
    with pytest.raises(ClientError) as e:
        kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=days)
    assert err(e)[0] == "ValidationException"
    assert "pendingWindowInDays" in err(e)[1]


def test_management_ops_take_no_alias(kms):
    md = new_key(kms)
    name = alias_name()
    kms.create_alias(AliasName=name, TargetKeyId=md["KeyId"])
    with pytest.raises(ClientError) as e:
        kms.disable_key(KeyId=name)
    assert err(e)[0] == "NotFoundException"


# ---- cryptography -------------------------------------------------------------------------

def test_encrypt_decrypt_round_trip(kms):
    md = new_key(kms)
    plain = bytes(range(256)) * 16  # 4096 bytes, the maximum
    out = kms.encrypt(KeyId=md["KeyId"], Plaintext=plain)
    assert out["KeyId"] == md["Arn"]
    assert out["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    blob = out["CiphertextBlob"]
    assert plain not in blob and len(blob) > len(plain)
    back = kms.decrypt(CiphertextBlob=blob)
    assert back["Plaintext"] == plain
    assert back["KeyId"] == md["Arn"]
    assert back["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert back["KeyMaterialId"] == md["CurrentKeyMaterialId"]
    # Each encryption uses a fresh IV.
    assert kms.encrypt(KeyId=md["KeyId"], Plaintext=plain)["CiphertextBlob"] != blob
    assert kms.decrypt(CiphertextBlob=blob, KeyId=md["Arn"])["Plaintext"] == plain


def test_plaintext_too_long_is_rejected(client):
    kms = client("kms", validate=False)
    md = new_key(kms)
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x" * 4097)
    assert err(e)[0] == "ValidationException"


def test_encryption_context(kms):
    md = new_key(kms)
    ctx = {"purpose": "test", "tenant": "a"}
    blob = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"secret", EncryptionContext=ctx)["CiphertextBlob"]
    # Order of the context does not matter; its content does.
    reordered = {"tenant": "a", "purpose": "test"}
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext=reordered)["Plaintext"] == b"secret"
    for wrong in ({"purpose": "test", "tenant": "b"}, {"purpose": "test"}, None):
        kw = {"EncryptionContext": wrong} if wrong is not None else {}
        with pytest.raises(ClientError) as e:
            kms.decrypt(CiphertextBlob=blob, **kw)
        assert err(e)[0] == "InvalidCiphertextException"
        assert status(e) == 400


def test_tampered_or_garbage_ciphertext(kms):
    md = new_key(kms)
    blob = bytearray(kms.encrypt(KeyId=md["KeyId"], Plaintext=b"data")["CiphertextBlob"])
    blob[-1] ^= 1
    for bad in (bytes(blob), b"garbage" * 10):
        with pytest.raises(ClientError) as e:
            kms.decrypt(CiphertextBlob=bad)
        assert err(e)[0] == "InvalidCiphertextException"


def test_decrypt_with_the_wrong_key(kms):
    a, b = new_key(kms), new_key(kms)
    blob = kms.encrypt(KeyId=a["KeyId"], Plaintext=b"data")["CiphertextBlob"]
    with pytest.raises(ClientError) as e:
        kms.decrypt(CiphertextBlob=blob, KeyId=b["KeyId"])
    assert err(e)[0] == "IncorrectKeyException"


def test_alias_resolution_in_encrypt_and_decrypt(kms):
    md = new_key(kms)
    name = alias_name()
    kms.create_alias(AliasName=name, TargetKeyId=md["Arn"])
    out = kms.encrypt(KeyId=name, Plaintext=b"via alias")
    assert out["KeyId"] == md["Arn"]
    assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"], KeyId=name)["Plaintext"] == b"via alias"
    alias_arn = f"{ARN_PREFIX}:{name}"
    out = kms.encrypt(KeyId=alias_arn, Plaintext=b"via alias arn")
    back = kms.decrypt(CiphertextBlob=out["CiphertextBlob"], KeyId=alias_arn)
    assert back["Plaintext"] == b"via alias arn"


def test_disabled_key(kms):
    md = new_key(kms)
    blob = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    kms.disable_key(KeyId=md["KeyId"])
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")
    assert err(e) == ("DisabledException", f"{md['Arn']} is disabled.")
    with pytest.raises(ClientError) as e:
        kms.decrypt(CiphertextBlob=blob)
    assert err(e) == ("DisabledException", f"{md['Arn']} is disabled.")
    with pytest.raises(ClientError) as e:
        kms.generate_data_key(KeyId=md["KeyId"], KeySpec="AES_256")
    assert err(e)[0] == "DisabledException"
    kms.enable_key(KeyId=md["KeyId"])
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_pending_deletion_key(kms):
    md = new_key(kms)
    blob = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    for call in (lambda: kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x"),
                 lambda: kms.decrypt(CiphertextBlob=blob),
                 lambda: kms.generate_data_key_without_plaintext(KeyId=md["KeyId"], NumberOfBytes=8)):
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == ("KMSInvalidStateException", f"{md['Arn']} is pending deletion.")
    kms.cancel_key_deletion(KeyId=md["KeyId"])
    kms.enable_key(KeyId=md["KeyId"])
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_re_encrypt(kms):
    a, b = new_key(kms), new_key(kms)
    blob = kms.encrypt(KeyId=a["KeyId"], Plaintext=b"move me",
                       EncryptionContext={"k": "1"})["CiphertextBlob"]
    out = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"k": "1"},
                         DestinationKeyId=b["KeyId"], DestinationEncryptionContext={"k": "2"})
    assert out["SourceKeyId"] == a["Arn"] and out["KeyId"] == b["Arn"]
    assert out["SourceEncryptionAlgorithm"] == out["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    back = kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"k": "2"})
    assert back["Plaintext"] == b"move me" and back["KeyId"] == b["Arn"]
    with pytest.raises(ClientError) as e:
        kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=b["KeyId"])
    assert err(e)[0] == "InvalidCiphertextException"


def test_generate_data_key(kms):
    md = new_key(kms)
    for kw, n in (({"KeySpec": "AES_256"}, 32), ({"KeySpec": "AES_128"}, 16),
                  ({"NumberOfBytes": 1}, 1), ({"NumberOfBytes": 1024}, 1024)):
        out = kms.generate_data_key(KeyId=md["KeyId"], EncryptionContext={"c": "d"}, **kw)
        assert len(out["Plaintext"]) == n
        assert out["KeyId"] == md["Arn"]
        back = kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"c": "d"})
        assert back["Plaintext"] == out["Plaintext"]
    out = kms.generate_data_key_without_plaintext(KeyId=md["KeyId"], KeySpec="AES_256")
    assert "Plaintext" not in out and out["KeyId"] == md["Arn"]
    assert len(kms.decrypt(CiphertextBlob=out["CiphertextBlob"])["Plaintext"]) == 32
    for kw in ({}, {"KeySpec": "AES_256", "NumberOfBytes": 32}):
        with pytest.raises(ClientError) as e:
            kms.generate_data_key(KeyId=md["KeyId"], **kw)
        assert err(e)[0] == "ValidationException"


def test_generate_random(client):
    kms = client("kms", validate=False)
    a = kms.generate_random(NumberOfBytes=64)["Plaintext"]
    b = kms.generate_random(NumberOfBytes=64)["Plaintext"]
    assert len(a) == len(b) == 64 and a != b
    assert len(kms.generate_random(NumberOfBytes=1024)["Plaintext"]) == 1024
    for n in (0, 1025):
        with pytest.raises(ClientError) as e:
            kms.generate_random(NumberOfBytes=n)
        assert err(e)[0] == "ValidationException"


# ---- aliases ------------------------------------------------------------------------------

def test_alias_lifecycle(kms):
    a, b = new_key(kms), new_key(kms)
    name = alias_name()
    kms.create_alias(AliasName=name, TargetKeyId=a["KeyId"])
    entries = [x for x in kms.list_aliases()["Aliases"] if x["AliasName"] == name]
    assert len(entries) == 1
    e = entries[0]
    assert e["AliasArn"] == f"{ARN_PREFIX}:{name}"
    assert e["TargetKeyId"] == a["KeyId"]
    assert "CreationDate" in e and "LastUpdatedDate" in e
    with pytest.raises(ClientError) as ex:
        kms.create_alias(AliasName=name, TargetKeyId=b["KeyId"])
    assert err(ex) == ("AlreadyExistsException", f"An alias with the name {ARN_PREFIX}:{name} already exists")
    kms.update_alias(AliasName=name, TargetKeyId=b["Arn"])
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == b["KeyId"]
    by_key = kms.list_aliases(KeyId=b["KeyId"])["Aliases"]
    assert [x["AliasName"] for x in by_key] == [name]
    assert kms.list_aliases(KeyId=a["Arn"])["Aliases"] == []
    kms.delete_alias(AliasName=name)
    with pytest.raises(ClientError) as ex:
        kms.delete_alias(AliasName=name)
    assert err(ex) == ("NotFoundException", f"Alias '{ARN_PREFIX}:{name}' is not found.")
    with pytest.raises(ClientError) as ex:
        kms.update_alias(AliasName=name, TargetKeyId=a["KeyId"])
    assert err(ex)[0] == "NotFoundException"


def test_alias_name_rules(kms):
    md = new_key(kms)
    with pytest.raises(ClientError) as e:
        kms.create_alias(AliasName="no-prefix", TargetKeyId=md["KeyId"])
    assert err(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        kms.create_alias(AliasName="alias/aws/mine", TargetKeyId=md["KeyId"])
    assert err(e)[0] == "NotAuthorizedException"
    other = alias_name()
    kms.create_alias(AliasName=other, TargetKeyId=md["KeyId"])
    with pytest.raises(ClientError) as e:
        kms.create_alias(AliasName=alias_name(), TargetKeyId=other)
    assert err(e)[0] == "ValidationException"
    missing = str(uuid.uuid4())
    with pytest.raises(ClientError) as e:
        kms.create_alias(AliasName=alias_name(), TargetKeyId=missing)
    assert err(e) == ("NotFoundException", f"Key '{ARN_PREFIX}:key/{missing}' does not exist")


def test_list_aliases_pagination(client):
    kms = client("kms", key="444444444444")
    md = new_key(kms)
    names = {alias_name() for _ in range(5)}
    for n in names:
        kms.create_alias(AliasName=n, TargetKeyId=md["KeyId"])
    page = kms.list_aliases(Limit=2)
    assert len(page["Aliases"]) == 2 and page["Truncated"]
    got = [a["AliasName"] for a in page["Aliases"]]
    while page["Truncated"]:
        page = kms.list_aliases(Limit=2, Marker=page["NextMarker"])
        got += [a["AliasName"] for a in page["Aliases"]]
    assert set(got) == names


# ---- tags and policies --------------------------------------------------------------------

def test_tags(kms):
    md = new_key(kms, Tags=[{"TagKey": "team", "TagValue": "a"}])
    kms.tag_resource(KeyId=md["Arn"], Tags=[{"TagKey": "env", "TagValue": "dev"},
                                            {"TagKey": "team", "TagValue": "b"}])
    tags = kms.list_resource_tags(KeyId=md["KeyId"])
    assert sorted(tags["Tags"], key=lambda t: t["TagKey"]) == [
        {"TagKey": "env", "TagValue": "dev"}, {"TagKey": "team", "TagValue": "b"}]
    assert tags["Truncated"] is False
    kms.untag_resource(KeyId=md["KeyId"], TagKeys=["team"])
    assert kms.list_resource_tags(KeyId=md["KeyId"])["Tags"] == [{"TagKey": "env", "TagValue": "dev"}]
    with pytest.raises(ClientError) as e:
        kms.tag_resource(KeyId=md["KeyId"], Tags=[{"TagKey": "aws:x", "TagValue": "y"}])
    assert err(e)[0] == "TagException"


def test_key_policies(kms):
    md = new_key(kms)
    out = kms.get_key_policy(KeyId=md["KeyId"], PolicyName="default")
    policy = json.loads(out["Policy"])
    assert policy == {
        "Version": "2012-10-17", "Id": "key-default-1",
        "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                       "Principal": {"AWS": f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"},
                       "Action": "kms:*", "Resource": "*"}]}
    assert kms.list_key_policies(KeyId=md["KeyId"])["PolicyNames"] == ["default"]
    new = json.dumps({"Version": "2012-10-17", "Statement": []})
    kms.put_key_policy(KeyId=md["KeyId"], PolicyName="default", Policy=new)
    assert kms.get_key_policy(KeyId=md["Arn"])["Policy"] == new
    with pytest.raises(ClientError) as e:
        kms.put_key_policy(KeyId=md["KeyId"], PolicyName="default", Policy="nope")
    assert err(e)[0] == "MalformedPolicyDocumentException"
    with pytest.raises(ClientError) as e:
        kms.get_key_policy(KeyId=md["KeyId"], PolicyName="other")
    assert err(e)[0] == "NotFoundException"
    custom = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]})
    md2 = new_key(kms, Policy=custom)
    assert kms.get_key_policy(KeyId=md2["KeyId"])["Policy"] == custom


# ---- rotation -----------------------------------------------------------------------------

def test_rotation_status(kms):
    md = new_key(kms)
    st = kms.get_key_rotation_status(KeyId=md["KeyId"])
    assert st["KeyRotationEnabled"] is False and st["KeyId"] == md["Arn"]
    kms.enable_key_rotation(KeyId=md["KeyId"])
    st = kms.get_key_rotation_status(KeyId=md["KeyId"])
    assert st["KeyRotationEnabled"] is True and st["RotationPeriodInDays"] == 365
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((st["NextRotationDate"] - now) - dt.timedelta(days=365)) < dt.timedelta(minutes=1)
    kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=90)
    assert kms.get_key_rotation_status(KeyId=md["KeyId"])["RotationPeriodInDays"] == 90
    kms.disable_key_rotation(KeyId=md["KeyId"])
    st = kms.get_key_rotation_status(KeyId=md["KeyId"])
    assert st["KeyRotationEnabled"] is False and "RotationPeriodInDays" not in st

def test_rotation_period_range(client):
    kms = client("kms", validate=False)
    md = new_key(kms)
    for days in (89, 2561):
        with pytest.raises(ClientError) as e:
            kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=days)
        assert err(e)[0] == "ValidationException"


def test_rotation_of_a_disabled_key(kms):
    md = new_key(kms)
    kms.disable_key(KeyId=md["KeyId"])
    with pytest.raises(ClientError) as e:
        kms.enable_key_rotation(KeyId=md["KeyId"])
    assert err(e) == ("DisabledException", f"{md['Arn']} is disabled.")


def test_rotate_on_demand_keeps_old_ciphertexts(kms):
    md = new_key(kms)
    old = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"before")["CiphertextBlob"]
    assert kms.list_key_rotations(KeyId=md["KeyId"])["Rotations"] == []
    assert kms.rotate_key_on_demand(KeyId=md["KeyId"])["KeyId"] == md["Arn"]
    current = kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
    assert current != md["CurrentKeyMaterialId"]
    new = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"after")["CiphertextBlob"]
    old_back = kms.decrypt(CiphertextBlob=old)
    assert old_back["Plaintext"] == b"before"
    assert old_back["KeyMaterialId"] == md["CurrentKeyMaterialId"]
    new_back = kms.decrypt(CiphertextBlob=new)
    assert new_back["Plaintext"] == b"after" and new_back["KeyMaterialId"] == current
    rotations = kms.list_key_rotations(KeyId=md["KeyId"])["Rotations"]
    assert len(rotations) == 1
    assert rotations[0]["RotationType"] == "ON_DEMAND"
    assert rotations[0]["KeyId"] == md["KeyId"] and "RotationDate" in rotations[0]
    kms.rotate_key_on_demand(KeyId=md["KeyId"])
    assert len(kms.list_key_rotations(KeyId=md["KeyId"])["Rotations"]) == 2
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"before"
    # ReEncrypt moves an old ciphertext to the current material.
    moved = kms.re_encrypt(CiphertextBlob=old, DestinationKeyId=md["KeyId"])
    assert moved["SourceKeyMaterialId"] == md["CurrentKeyMaterialId"]
    assert moved["DestinationKeyMaterialId"] != md["CurrentKeyMaterialId"]


# ---- accounts and durability --------------------------------------------------------------

def test_accounts_are_isolated(client):
    a = client("kms", key="111111111111")
    b = client("kms", key="222222222222")
    md = new_key(a)
    assert md["AWSAccountId"] == "111111111111"
    assert md["Arn"] == f"arn:aws:kms:{REGION}:111111111111:key/{md['KeyId']}"
    blob = a.encrypt(KeyId=md["KeyId"], Plaintext=b"mine")["CiphertextBlob"]
    with pytest.raises(ClientError) as e:
        b.decrypt(CiphertextBlob=blob)
    assert err(e)[0] == "InvalidCiphertextException"
    with pytest.raises(ClientError) as e:
        b.describe_key(KeyId=md["KeyId"])
    assert err(e) == ("NotFoundException",
                      f"Key 'arn:aws:kms:{REGION}:222222222222:key/{md['KeyId']}' does not exist")
    assert md["KeyId"] not in [k["KeyId"] for k in b.list_keys(Limit=1000)["Keys"]]
    name = alias_name()
    a.create_alias(AliasName=name, TargetKeyId=md["KeyId"])
    with pytest.raises(ClientError) as e:
        b.encrypt(KeyId=name, Plaintext=b"x")
    assert err(e)[0] == "NotFoundException"
    assert a.decrypt(CiphertextBlob=blob)["Plaintext"] == b"mine"


def test_regions_are_isolated(stratus):
    from stratus_helpers import make_client
    east = make_client("kms", stratus.url, key="555555555555")
    west = make_client("kms", stratus.url, key="555555555555", region="us-west-2")
    md = new_key(east)
    blob = east.encrypt(KeyId=md["KeyId"], Plaintext=b"east")["CiphertextBlob"]
    with pytest.raises(ClientError) as e:
        west.decrypt(CiphertextBlob=blob)
    assert err(e)[0] == "InvalidCiphertextException"
    with pytest.raises(ClientError) as e:
        west.describe_key(KeyId=md["Arn"])
    assert err(e)[0] == "NotFoundException"


def test_keys_survive_kill_9(start_stratus, tmp_path):
    from stratus_helpers import make_client
    data = str(tmp_path / "data")
    server = start_stratus("--data-dir", data)
    kms = make_client("kms", server.url)
    md = new_key(kms, Description="durable", Tags=[{"TagKey": "t", "TagValue": "v"}])
    name = alias_name()
    kms.create_alias(AliasName=name, TargetKeyId=md["KeyId"])
    old = kms.encrypt(KeyId=name, Plaintext=b"persisted", EncryptionContext={"a": "b"})["CiphertextBlob"]
    kms.rotate_key_on_demand(KeyId=md["KeyId"])
    kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=180)
    new = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"rotated")["CiphertextBlob"]
    server.kill()

    server = start_stratus("--data-dir", data)
    kms = make_client("kms", server.url)
    d = kms.describe_key(KeyId=name)["KeyMetadata"]
    assert d["KeyId"] == md["KeyId"] and d["Description"] == "durable"
    assert kms.decrypt(CiphertextBlob=old, EncryptionContext={"a": "b"})["Plaintext"] == b"persisted"
    assert kms.decrypt(CiphertextBlob=new)["Plaintext"] == b"rotated"
    assert kms.list_resource_tags(KeyId=md["KeyId"])["Tags"] == [{"TagKey": "t", "TagValue": "v"}]
    st = kms.get_key_rotation_status(KeyId=md["KeyId"])
    assert st["KeyRotationEnabled"] and st["RotationPeriodInDays"] == 180
    assert len(kms.list_key_rotations(KeyId=md["KeyId"])["Rotations"]) == 1


def test_key_last_usage(kms):
    md = new_key(kms)
    out = kms.get_key_last_usage(KeyId=md["KeyId"])
    assert out["KeyId"] == md["Arn"] and out["KeyLastUsage"] == {}
    assert out["TrackingStartDate"] == out["KeyCreationDate"] == md["CreationDate"]
    enc = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")
    blob = enc["CiphertextBlob"]
    usage = kms.get_key_last_usage(KeyId=md["Arn"])["KeyLastUsage"]
    assert usage["Operation"] == "Encrypt" and usage["Timestamp"] >= md["CreationDate"]
    assert usage["KmsRequestId"] == enc["ResponseMetadata"]["RequestId"]
    kms.decrypt(CiphertextBlob=blob)
    assert kms.get_key_last_usage(KeyId=md["KeyId"])["KeyLastUsage"]["Operation"] == "Decrypt"
    with pytest.raises(ClientError):  # a failed operation is not a use
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={"no": "match"})
    assert kms.get_key_last_usage(KeyId=md["KeyId"])["KeyLastUsage"]["Operation"] == "Decrypt"
