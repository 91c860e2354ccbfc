"""Secrets Manager through boto3: values sealed by KMS (the given key or aws/secretsmanager,
so a disabled key stops reads and writes, and the data directory holds no clear text), and
replica regions (ReplicateSecretToRegions, changes reaching replicas, read-only replicas,
RemoveRegionsFromReplication, StopReplicationToReplica).
"""
from __future__ import annotations

import pathlib
import uuid

import pytest
from botocore.exceptions import ClientError

from stratus_helpers import REGION, make_client

WEST = "us-west-2"
REPLICA_ONLY = ("InvalidRequestException",
                "Operation not permitted on a replica secret. Call must be made in primary secret's region.")


def err(exc_info) -> tuple[str, str]:
    e = exc_info.value.response["Error"]
    return e["Code"], e.get("Message", "")


def name(prefix="r") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def clients(stratus):
    account = "777777777777"
    return {
        "sm": make_client("secretsmanager", stratus.url, key=account),
        "sm_west": make_client("secretsmanager", stratus.url, key=account, region=WEST),
        "kms": make_client("kms", stratus.url, key=account),
        "kms_west": make_client("kms", stratus.url, key=account, region=WEST),
    }


# ---- KMS ------------------------------------------------------------------------------------

def test_default_key_is_aws_secretsmanager(clients):
    sm, kms = clients["sm"], clients["kms"]
    n = name()
    sm.create_secret(Name=n, SecretString="hidden")
    aliases = {a["AliasName"]: a for a in kms.list_aliases()["Aliases"]}
    assert "alias/aws/secretsmanager" in aliases
    assert sm.get_secret_value(SecretId=n)["SecretString"] == "hidden"


def test_a_disabled_key_stops_reads_and_writes(clients):
    sm, kms = clients["sm"], clients["kms"]
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    n = name()
    sm.create_secret(Name=n, SecretBinary=b"\x00\x01bytes", KmsKeyId=key)
    assert sm.get_secret_value(SecretId=n)["SecretBinary"] == b"\x00\x01bytes"
    kms.disable_key(KeyId=key)
    with pytest.raises(ClientError) as e:
        sm.get_secret_value(SecretId=n)
    assert err(e)[0] == "DecryptionFailure"
    with pytest.raises(ClientError) as e:
        sm.put_secret_value(SecretId=n, SecretString="new")
    assert err(e)[0] == "EncryptionFailure"
    kms.enable_key(KeyId=key)
    sm.put_secret_value(SecretId=n, SecretString="new")
    assert sm.get_secret_value(SecretId=n)["SecretString"] == "new"
    with pytest.raises(ClientError) as e:
        sm.create_secret(Name=name(), SecretString="x", KmsKeyId=str(uuid.uuid4()))
    assert err(e)[0] == "EncryptionFailure"


def test_values_are_not_stored_in_clear(start_stratus, tmp_path):
    data = tmp_path / "data"
    server = start_stratus("--data-dir", str(data))
    sm = make_client("secretsmanager", server.url)
    marker = "clear-text-marker-" + uuid.uuid4().hex
    n = name()
    sm.create_secret(Name=n, SecretString=marker)
    server.kill()
    blob = b"".join(p.read_bytes() for p in pathlib.Path(data).rglob("*") if p.is_file())
    assert marker.encode() not in blob
    server = start_stratus("--data-dir", str(data))
    sm = make_client("secretsmanager", server.url)
    assert sm.get_secret_value(SecretId=n)["SecretString"] == marker


# ---- replicas -------------------------------------------------------------------------------

def test_replicate_and_follow_the_primary(clients):
    sm, west, kms_west = clients["sm"], clients["sm_west"], clients["kms_west"]
    n = name()
    primary = sm.create_secret(Name=n, SecretString="v1", Description="d",
                               Tags=[{"Key": "t", "Value": "1"}])
    west_key = kms_west.create_key()["KeyMetadata"]["Arn"]
    out = sm.replicate_secret_to_regions(SecretId=n, AddReplicaRegions=[{"Region": WEST, "KmsKeyId": west_key}])
    assert out["ARN"] == primary["ARN"]
    assert out["ReplicationStatus"] == [{"Region": WEST, "KmsKeyId": west_key, "Status": "InSync",
                                         "StatusMessage": "Replication succeeded"}]
    d = sm.describe_secret(SecretId=n)
    assert d["PrimaryRegion"] == REGION and [r["Region"] for r in d["ReplicationStatus"]] == [WEST]
    rep = west.describe_secret(SecretId=n)
    suffix = primary["ARN"].split(":secret:")[1]
    assert rep["ARN"] == primary["ARN"].replace(REGION, WEST) and rep["ARN"].endswith(suffix)
    assert rep["PrimaryRegion"] == REGION and "ReplicationStatus" not in rep
    assert rep["Description"] == "d" and rep["Tags"] == [{"Key": "t", "Value": "1"}]
    assert rep["KmsKeyId"] == west_key
    assert west.get_secret_value(SecretId=n)["SecretString"] == "v1"
    # Changes of the primary reach the replica.
    v2 = sm.put_secret_value(SecretId=n, SecretString="v2")["VersionId"]
    sm.tag_resource(SecretId=n, Tags=[{"Key": "u", "Value": "2"}])
    got = west.get_secret_value(SecretId=n)
    assert got["SecretString"] == "v2" and got["VersionId"] == v2
    assert west.describe_secret(SecretId=n)["Tags"] == [{"Key": "t", "Value": "1"}, {"Key": "u", "Value": "2"}]
    # A replica is read-only.
    for call in (lambda: west.put_secret_value(SecretId=n, SecretString="x"),
                 lambda: west.update_secret(SecretId=n, Description="x"),
                 lambda: west.tag_resource(SecretId=n, Tags=[{"Key": "x", "Value": "y"}]),
                 lambda: west.delete_secret(SecretId=n)):
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == REPLICA_ONLY
    # A primary with replicas cannot be deleted.
    with pytest.raises(ClientError) as e:
        sm.delete_secret(SecretId=n, ForceDeleteWithoutRecovery=True)
    assert err(e)[0] == "InvalidRequestException"

    out = sm.remove_regions_from_replication(SecretId=n, RemoveReplicaRegions=[WEST])
    assert out["ReplicationStatus"] == []
    with pytest.raises(ClientError) as e:
        west.describe_secret(SecretId=n)
    assert err(e)[0] == "ResourceNotFoundException"
    assert "ReplicationStatus" not in sm.describe_secret(SecretId=n)
    sm.delete_secret(SecretId=n, ForceDeleteWithoutRecovery=True)


def test_create_with_replicas_and_promote(clients):
    sm, west = clients["sm"], clients["sm_west"]
    n = name()
    out = sm.create_secret(Name=n, SecretString="s", AddReplicaRegions=[{"Region": WEST}])
    assert out["ReplicationStatus"][0]["Region"] == WEST
    assert out["ReplicationStatus"][0]["KmsKeyId"] == "alias/aws/secretsmanager"
    assert west.get_secret_value(SecretId=n)["SecretString"] == "s"
    by_primary = west.list_secrets(Filters=[{"Key": "primary-region", "Values": [REGION]}])["SecretList"]
    assert n in [x["Name"] for x in by_primary]
    assert n in [x["Name"] for x in sm.list_secrets(Filters=[{"Key": "primary-region", "Values": ["us-east"]}])["SecretList"]]
    with pytest.raises(ClientError) as e:
        sm.stop_replication_to_replica(SecretId=n)
    assert err(e)[0] == "InvalidRequestException"
    assert west.stop_replication_to_replica(SecretId=n)["ARN"].startswith(f"arn:aws:secretsmanager:{WEST}:")
    assert "PrimaryRegion" not in west.describe_secret(SecretId=n)
    assert "ReplicationStatus" not in sm.describe_secret(SecretId=n)
    assert n not in [x["Name"] for x in
                     west.list_secrets(Filters=[{"Key": "primary-region", "Values": [REGION]}])["SecretList"]]
    west.put_secret_value(SecretId=n, SecretString="standalone")
    assert west.get_secret_value(SecretId=n)["SecretString"] == "standalone"
    assert sm.get_secret_value(SecretId=n)["SecretString"] == "s"


def test_replica_name_taken(clients):
    sm, west = clients["sm"], clients["sm_west"]
    n = name()
    west.create_secret(Name=n, SecretString="mine")
    sm.create_secret(Name=n, SecretString="primary")
    out = sm.replicate_secret_to_regions(SecretId=n, AddReplicaRegions=[{"Region": WEST}])
    assert out["ReplicationStatus"][0]["Status"] == "Failed"
    assert west.get_secret_value(SecretId=n)["SecretString"] == "mine"
    out = sm.replicate_secret_to_regions(SecretId=n, AddReplicaRegions=[{"Region": WEST}],
                                         ForceOverwriteReplicaSecret=True)
    assert out["ReplicationStatus"][0]["Status"] == "InSync"
    assert west.get_secret_value(SecretId=n)["SecretString"] == "primary"
    with pytest.raises(ClientError) as e:
        sm.replicate_secret_to_regions(SecretId=n, AddReplicaRegions=[{"Region": REGION}])
    assert err(e)[0] == "InvalidParameterException"
