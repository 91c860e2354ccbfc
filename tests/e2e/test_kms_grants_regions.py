"""KMS grants, multi-Region keys (ReplicateKey, UpdatePrimaryRegion) and imported key
material (GetParametersForImport with RSA wrapping done outside Stratus, ImportKeyMaterial,
expiry, DeleteImportedKeyMaterial), through boto3.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import time

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

from stratus_helpers import DEFAULT_ACCOUNT, REGION, make_client

ROOT = f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"
ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/app"


@pytest.fixture
def kms(client):
    return client("kms")


def err(exc_info) -> tuple[str, str]:
    e = exc_info.value.response["Error"]
    return e["Code"], e.get("Message", "")


# ---- grants ---------------------------------------------------------------------------------

def test_grant_lifecycle(kms):
    md = kms.create_key()["KeyMetadata"]
    out = kms.create_grant(KeyId=md["KeyId"], GranteePrincipal=ROLE, RetiringPrincipal=ROOT,
                           Operations=["Encrypt", "Decrypt"], Name="app-grant",
                           Constraints={"EncryptionContextSubset": {"tenant": "a"}})
    assert re.match(r"^[0-9a-f]{64}$", out["GrantId"]) and out["GrantToken"]
    grants = kms.list_grants(KeyId=md["Arn"])
    assert grants["Truncated"] is False
    [g] = grants["Grants"]
    assert g["KeyId"] == md["Arn"] and g["GrantId"] == out["GrantId"] and g["Name"] == "app-grant"
    assert g["GranteePrincipal"] == ROLE and g["RetiringPrincipal"] == ROOT
    assert g["IssuingAccount"] == ROOT and g["Operations"] == ["Encrypt", "Decrypt"]
    assert g["Constraints"] == {"EncryptionContextSubset": {"tenant": "a"}}
    assert isinstance(g["CreationDate"], dt.datetime)
    # Same name and parameters: the same grant (CreateGrant is idempotent).
    again = kms.create_grant(KeyId=md["KeyId"], GranteePrincipal=ROLE, RetiringPrincipal=ROOT,
                             Operations=["Encrypt", "Decrypt"], Name="app-grant",
                             Constraints={"EncryptionContextSubset": {"tenant": "a"}})
    assert again["GrantId"] == out["GrantId"]
    other = kms.create_grant(KeyId=md["KeyId"], GranteePrincipal=ROLE, Operations=["GenerateDataKey"])
    assert len(kms.list_grants(KeyId=md["KeyId"])["Grants"]) == 2
    assert [x["GrantId"] for x in kms.list_grants(KeyId=md["KeyId"], GrantId=other["GrantId"])["Grants"]] == [
        other["GrantId"]]
    retirable = kms.list_retirable_grants(RetiringPrincipal=ROOT)["Grants"]
    assert out["GrantId"] in [x["GrantId"] for x in retirable]
    assert other["GrantId"] not in [x["GrantId"] for x in retirable]
    kms.retire_grant(GrantToken=out["GrantToken"])
    kms.revoke_grant(KeyId=md["KeyId"], GrantId=other["GrantId"])
    assert kms.list_grants(KeyId=md["KeyId"])["Grants"] == []
    with pytest.raises(ClientError) as e:
        kms.revoke_grant(KeyId=md["KeyId"], GrantId=other["GrantId"])
    assert err(e)[0] == "NotFoundException"
    with pytest.raises(ClientError) as e:
        kms.retire_grant(GrantToken=out["GrantToken"])
    assert err(e)[0] == "InvalidGrantTokenException"


def test_grant_retire_by_key_and_id_and_pages(kms):
    md = kms.create_key()["KeyMetadata"]
    ids = [kms.create_grant(KeyId=md["KeyId"], GranteePrincipal=ROLE, Operations=["Encrypt"])["GrantId"]
           for _ in range(3)]
    page = kms.list_grants(KeyId=md["KeyId"], Limit=2)
    assert len(page["Grants"]) == 2 and page["Truncated"]
    rest = kms.list_grants(KeyId=md["KeyId"], Limit=2, Marker=page["NextMarker"])
    assert [g["GrantId"] for g in page["Grants"] + rest["Grants"]] == ids
    kms.retire_grant(KeyId=md["Arn"], GrantId=ids[0])
    assert [g["GrantId"] for g in kms.list_grants(KeyId=md["KeyId"])["Grants"]] == ids[1:]


def test_grant_operations_must_fit_the_key(kms):
    md = kms.create_key()["KeyMetadata"]
    with pytest.raises(ClientError) as e:
        kms.create_grant(KeyId=md["KeyId"], GranteePrincipal=ROLE, Operations=["Sign"])
    assert err(e)[0] == "ValidationException"
    ecc = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    kms.create_grant(KeyId=ecc["KeyId"], GranteePrincipal=ROLE, Operations=["Sign", "Verify", "GetPublicKey"])
    with pytest.raises(ClientError) as e:
        kms.create_grant(KeyId=ecc["KeyId"], GranteePrincipal=ROLE, Operations=["Encrypt"])
    assert err(e)[0] == "ValidationException"
    missing = "11111111-2222-3333-4444-555555555555"
    with pytest.raises(ClientError) as e:
        kms.create_grant(KeyId=missing, GranteePrincipal=ROLE, Operations=["Encrypt"])
    assert err(e)[0] == "NotFoundException"


# ---- multi-Region keys ----------------------------------------------------------------------

def test_multi_region_key_and_replica(stratus):
    east = make_client("kms", stratus.url, key="666666666666")
    west = make_client("kms", stratus.url, key="666666666666", region="us-west-2")
    md = east.create_key(MultiRegion=True, Description="mrk")["KeyMetadata"]
    assert re.match(r"^mrk-[0-9a-f]{32}$", md["KeyId"]) and md["MultiRegion"] is True
    cfg = md["MultiRegionConfiguration"]
    assert cfg["MultiRegionKeyType"] == "PRIMARY"
    assert cfg["PrimaryKey"] == {"Arn": md["Arn"], "Region": REGION} and cfg["ReplicaKeys"] == []
    blob = east.encrypt(KeyId=md["KeyId"], Plaintext=b"everywhere", EncryptionContext={"a": "b"})["CiphertextBlob"]

    out = east.replicate_key(KeyId=md["Arn"], ReplicaRegion="us-west-2", Description="replica",
                             Tags=[{"TagKey": "t", "TagValue": "v"}])
    rep = out["ReplicaKeyMetadata"]
    replica_arn = f"arn:aws:kms:us-west-2:666666666666:key/{md['KeyId']}"
    assert rep["KeyId"] == md["KeyId"] and rep["Arn"] == replica_arn and rep["Description"] == "replica"
    assert rep["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    assert out["ReplicaTags"] == [{"TagKey": "t", "TagValue": "v"}] and "Statement" in out["ReplicaPolicy"]
    # The same key material: a ciphertext of either region decrypts in the other.
    back = west.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "b"})
    assert back["Plaintext"] == b"everywhere" and back["KeyId"] == replica_arn
    wblob = west.encrypt(KeyId=md["KeyId"], Plaintext=b"from west")["CiphertextBlob"]
    assert east.decrypt(CiphertextBlob=wblob)["Plaintext"] == b"from west"
    primary = east.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["MultiRegionConfiguration"]
    assert primary["ReplicaKeys"] == [{"Arn": replica_arn, "Region": "us-west-2"}]
    with pytest.raises(ClientError) as e:
        east.replicate_key(KeyId=md["KeyId"], ReplicaRegion="us-west-2")
    assert err(e)[0] == "AlreadyExistsException"
    with pytest.raises(ClientError) as e:
        west.replicate_key(KeyId=md["KeyId"], ReplicaRegion="eu-west-1")
    assert err(e)[0] == "UnsupportedOperationException"
    # Rotating the primary reaches the replica: new ciphertexts still open in both regions.
    east.rotate_key_on_demand(KeyId=md["KeyId"])
    rblob = east.encrypt(KeyId=md["KeyId"], Plaintext=b"rotated")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=rblob)["Plaintext"] == b"rotated"

    east.update_primary_region(KeyId=md["KeyId"], PrimaryRegion="us-west-2")
    assert west.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["MultiRegionConfiguration"][
        "MultiRegionKeyType"] == "PRIMARY"
    d = east.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["MultiRegionConfiguration"]
    assert d["MultiRegionKeyType"] == "REPLICA" and d["PrimaryKey"]["Region"] == "us-west-2"


def test_single_region_keys_do_not_replicate(kms):
    md = kms.create_key()["KeyMetadata"]
    with pytest.raises(ClientError) as e:
        kms.replicate_key(KeyId=md["KeyId"], ReplicaRegion="us-west-2")
    assert err(e)[0] == "UnsupportedOperationException"


# ---- imported key material ------------------------------------------------------------------

def wrap(params, material: bytes, algorithm: str) -> bytes:
    public = serialization.load_der_public_key(params["PublicKey"])
    h = hashes.SHA1 if algorithm.endswith("SHA_1") else hashes.SHA256
    oaep = padding.OAEP(mgf=padding.MGF1(h()), algorithm=h(), label=None)
    if algorithm.startswith("RSA_AES_KEY_WRAP"):
        aes = os.urandom(32)
        return public.encrypt(aes, oaep) + aes_key_wrap_with_padding(aes, material)
    return public.encrypt(material, oaep)


@pytest.mark.parametrize("algorithm", ["RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"])
def test_import_key_material(kms, algorithm):
    md = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    assert md["Origin"] == "EXTERNAL" and md["KeyState"] == "PendingImport" and md["Enabled"] is False
    assert "ExpirationModel" not in md
    with pytest.raises(ClientError) as e:
        kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")
    assert err(e) == ("KMSInvalidStateException", f"{md['Arn']} is pending import.")
    params = kms.get_parameters_for_import(KeyId=md["KeyId"], WrappingAlgorithm=algorithm,
                                           WrappingKeySpec="RSA_2048")
    assert params["KeyId"] == md["Arn"] and params["ImportToken"]
    material = os.urandom(32)
    out = kms.import_key_material(KeyId=md["KeyId"], ImportToken=params["ImportToken"],
                                  EncryptedKeyMaterial=wrap(params, material, algorithm),
                                  ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert out["KeyId"] == md["Arn"] and re.match(r"^[0-9a-f]{64}$", out["KeyMaterialId"])
    d = kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
    assert d["KeyState"] == "Enabled" and d["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    blob = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"imported")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"

    kms.delete_imported_key_material(KeyId=md["KeyId"])
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyState"] == "PendingImport"
    with pytest.raises(ClientError) as e:
        kms.decrypt(CiphertextBlob=blob)
    assert err(e)[0] == "KMSInvalidStateException"
    # Only the same material goes back in.
    params = kms.get_parameters_for_import(KeyId=md["KeyId"], WrappingAlgorithm=algorithm,
                                           WrappingKeySpec="RSA_2048")
    with pytest.raises(ClientError) as e:
        kms.import_key_material(KeyId=md["KeyId"], ImportToken=params["ImportToken"],
                                EncryptedKeyMaterial=wrap(params, os.urandom(32), algorithm),
                                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert err(e)[0] == "IncorrectKeyMaterialException"
    kms.import_key_material(KeyId=md["KeyId"], ImportToken=params["ImportToken"],
                            EncryptedKeyMaterial=wrap(params, material, algorithm),
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"


def test_import_errors_and_expiry(kms):
    md = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    params = kms.get_parameters_for_import(KeyId=md["KeyId"], WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                           WrappingKeySpec="RSA_3072")
    material = os.urandom(32)
    wrapped = wrap(params, material, "RSAES_OAEP_SHA_256")
    with pytest.raises(ClientError) as e:
        kms.import_key_material(KeyId=md["KeyId"], ImportToken=b"bogus", EncryptedKeyMaterial=wrapped,
                                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert err(e)[0] == "InvalidImportTokenException"
    with pytest.raises(ClientError) as e:
        kms.import_key_material(KeyId=md["KeyId"], ImportToken=params["ImportToken"],
                                EncryptedKeyMaterial=b"\x00" * 384, ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert err(e)[0] == "InvalidCiphertextException"
    with pytest.raises(ClientError) as e:  # KEY_MATERIAL_EXPIRES (the default) needs ValidTo
        kms.import_key_material(KeyId=md["KeyId"], ImportToken=params["ImportToken"], EncryptedKeyMaterial=wrapped)
    assert err(e)[0] == "ValidationException"
    valid_to = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    kms.import_key_material(KeyId=md["KeyId"], ImportToken=params["ImportToken"], EncryptedKeyMaterial=wrapped,
                            ValidTo=valid_to, ExpirationModel="KEY_MATERIAL_EXPIRES")
    d = kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
    assert d["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert abs(d["ValidTo"] - valid_to) < dt.timedelta(seconds=2)
    sym = kms.create_key()["KeyMetadata"]
    with pytest.raises(ClientError) as e:
        kms.get_parameters_for_import(KeyId=sym["KeyId"], WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                      WrappingKeySpec="RSA_2048")
    assert err(e)[0] == "UnsupportedOperationException"


def test_imported_material_expires(kms):
    # Stratus has no clock control for the binary yet: ValidTo is set just ahead and passed.
    md = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    params = kms.get_parameters_for_import(KeyId=md["KeyId"], WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                           WrappingKeySpec="RSA_2048")
    kms.import_key_material(KeyId=md["KeyId"], ImportToken=params["ImportToken"],
                            EncryptedKeyMaterial=wrap(params, os.urandom(32), "RSAES_OAEP_SHA_256"),
                            ValidTo=dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1),
                            ExpirationModel="KEY_MATERIAL_EXPIRES")
    assert kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"
    time.sleep(1.5)
    d = kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
    assert d["KeyState"] == "PendingImport" and "ValidTo" not in d
