"""SSM Parameter Store through boto3: String, StringList and SecureString parameters
(SecureString sealed by KMS under alias/aws/ssm or a given key), overwrite rules, tiers,
AllowedPattern, DataType, name rules, versions and their history, labels, selectors, path
queries, DescribeParameters filters, tags, per-account isolation and durability across kill -9.

Errors are asserted by code and by AWS's message where AWS's wording is known.
"""
from __future__ import annotations

import base64
import uuid

import pytest
from botocore.exceptions import ClientError

from stratus_helpers import DEFAULT_ACCOUNT, REGION, make_client

ARN_PREFIX = f"arn:aws:ssm:{REGION}:{DEFAULT_ACCOUNT}:parameter"


@pytest.fixture
def ssm(client):
    return client("ssm")


@pytest.fixture
def kms(client):
    return client("kms")


def err(exc_info) -> tuple[str, str]:
    e = exc_info.value.response["Error"]
    return e["Code"], e.get("Message", "")


def unique(prefix: str = "/t") -> str:
    return f"{prefix}/{uuid.uuid4().hex[:10]}"


# ---- PutParameter / GetParameter -----------------------------------------------------------

def test_put_and_get_string(ssm):
    name = unique()
    out = ssm.put_parameter(Name=name, Value="v1", Type="String", Description="d")
    assert out["Version"] == 1 and out["Tier"] == "Standard"
    p = ssm.get_parameter(Name=name)["Parameter"]
    assert p["Name"] == name and p["Value"] == "v1" and p["Type"] == "String"
    assert p["Version"] == 1 and p["DataType"] == "text"
    assert p["ARN"] == f"{ARN_PREFIX}{name}"  # no double slash
    assert "Selector" not in p


def test_arn_of_flat_name(ssm):
    name = f"flat-{uuid.uuid4().hex[:8]}"
    ssm.put_parameter(Name=name, Value="x", Type="StringList")
    p = ssm.get_parameter(Name=name)["Parameter"]
    assert p["ARN"] == f"{ARN_PREFIX}/{name}"
    assert p["Type"] == "StringList"
    # Lookup by ARN too.
    assert ssm.get_parameter(Name=p["ARN"])["Parameter"]["Value"] == "x"


def test_overwrite_rules(ssm):
    name = unique()
    ssm.put_parameter(Name=name, Value="a", Type="String", Description="keep me")
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=name, Value="b", Type="String")
    assert err(e) == ("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, "
                      "set the overwrite option in the request to true.")
    assert ssm.put_parameter(Name=name, Value="b", Overwrite=True)["Version"] == 2
    p = ssm.get_parameter(Name=name)["Parameter"]
    assert p["Value"] == "b" and p["Version"] == 2 and p["Type"] == "String"
    md = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"][0]
    assert md["Description"] == "keep me" and md["Version"] == 2
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=name, Value="c", Overwrite=True, Tags=[{"Key": "k", "Value": "v"}])
    assert err(e)[0] == "ValidationException" and "tags and overwrite can't be used together" in err(e)[1]


def test_type_required_and_not_found(ssm):
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=unique(), Value="a")
    assert err(e) == ("ValidationException", "A parameter type is required when you create a parameter.")
    with pytest.raises(ClientError) as e:
        ssm.get_parameter(Name=unique())
    assert err(e)[0] == "ParameterNotFound"
    with pytest.raises(ClientError) as e:
        ssm.delete_parameter(Name=unique())
    assert err(e)[0] == "ParameterNotFound"


@pytest.mark.parametrize("name,code", [
    ("aws-thing", "ValidationException"),
    ("SSM.thing", "ValidationException"),
    ("/aws/x/y", "AccessDeniedException"),
    ("has space", "ValidationException"),
    ("bad*char", "ValidationException"),
    ("no/leading", "ValidationException"),
    ("/" + "/".join(["l"] * 16), "HierarchyLevelLimitExceededException"),
])
def test_name_rules(ssm, name, code):
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=name, Value="a", Type="String")
    assert err(e)[0] == code


def test_fifteen_levels_allowed(ssm):
    name = "/" + "/".join([uuid.uuid4().hex[:6]] + ["l"] * 14)
    assert ssm.put_parameter(Name=name, Value="a", Type="String")["Version"] == 1


def test_tiers_and_limits(ssm):
    name = unique()
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=name, Value="x" * 4097, Type="String")
    assert err(e)[0] == "ValidationException" and "maximum parameter value of 4096" in err(e)[1]
    assert ssm.put_parameter(Name=name, Value="x" * 4096, Type="String")["Tier"] == "Standard"
    out = ssm.put_parameter(Name=name, Value="x" * 8192, Type="String", Tier="Advanced", Overwrite=True)
    assert out["Tier"] == "Advanced"
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=name, Value="x" * 8193, Type="String", Tier="Advanced", Overwrite=True)
    assert err(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=name, Value="small", Tier="Standard", Overwrite=True)
    assert err(e)[0] == "ValidationException" and "can't downgrade" in err(e)[1]
    other = unique()
    assert ssm.put_parameter(Name=other, Value="x" * 5000, Type="String",
                             Tier="Intelligent-Tiering")["Tier"] == "Advanced"


def test_allowed_pattern_and_data_type(ssm):
    name = unique()
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=name, Value="abc", Type="String", AllowedPattern=r"^\d+$")
    assert err(e) == ("ParameterPatternMismatchException",
                      r"Parameter value, cannot be validated against allowedPattern: ^\d+$")
    ssm.put_parameter(Name=name, Value="123", Type="String", AllowedPattern=r"^\d+$")
    with pytest.raises(ClientError) as e:  # the pattern stays on overwrite
        ssm.put_parameter(Name=name, Value="x", Overwrite=True)
    assert err(e)[0] == "ParameterPatternMismatchException"
    ami = unique()
    ssm.put_parameter(Name=ami, Value="ami-0123456789abcdef0", Type="String", DataType="aws:ec2:image")
    assert ssm.get_parameter(Name=ami)["Parameter"]["DataType"] == "aws:ec2:image"
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=unique(), Value="not-an-ami", Type="String", DataType="aws:ec2:image")
    assert err(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=unique(), Value="x", Type="String", DataType="Text")
    assert err(e) == ("ValidationException",
                      "The following data type is not supported: Text (Data type names are all lowercase.)")


# ---- SecureString through KMS --------------------------------------------------------------

def test_secure_string_default_key(ssm, kms):
    name = unique()
    ssm.put_parameter(Name=name, Value="s3cret", Type="SecureString")
    p = ssm.get_parameter(Name=name)["Parameter"]
    assert p["Type"] == "SecureString" and p["Value"] != "s3cret"
    blob = base64.b64decode(p["Value"])
    # The stored value is a real KMS ciphertext under the AWS-managed alias/aws/ssm key, bound
    # to the parameter's ARN (encryption context PARAMETER_ARN, as AWS documents).
    out = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"PARAMETER_ARN": p["ARN"]})
    assert out["Plaintext"] == b"s3cret"
    managed = kms.describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]
    assert out["KeyId"] == managed["Arn"]
    with pytest.raises(ClientError) as e:
        kms.decrypt(CiphertextBlob=blob)
    assert err(e)[0] == "InvalidCiphertextException"
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == "s3cret"
    md = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"][0]
    assert md["KeyId"] == "alias/aws/ssm"


def test_secure_string_custom_key(ssm, kms):
    key = kms.create_key()["KeyMetadata"]
    name = unique()
    ssm.put_parameter(Name=name, Value="v", Type="SecureString", KeyId=key["KeyId"])
    p = ssm.get_parameter(Name=name)["Parameter"]
    out = kms.decrypt(CiphertextBlob=base64.b64decode(p["Value"]),
                      EncryptionContext={"PARAMETER_ARN": p["ARN"]})
    assert out["KeyId"] == key["Arn"] and out["Plaintext"] == b"v"
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=unique(), Value="v", Type="SecureString",
                          KeyId="alias/does-not-exist")
    assert err(e)[0] == "InvalidKeyId"
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=unique(), Value="v", Type="String", KeyId=key["KeyId"])
    assert err(e)[0] == "ValidationException"
    kms.disable_key(KeyId=key["KeyId"])
    with pytest.raises(ClientError) as e:
        ssm.get_parameter(Name=name, WithDecryption=True)
    assert err(e)[0] == "DisabledException"


# ---- GetParameters / DeleteParameters -------------------------------------------------------

def test_get_parameters_and_delete_parameters(ssm):
    a, b, missing = unique(), unique(), unique()
    ssm.put_parameter(Name=a, Value="A", Type="String")
    ssm.put_parameter(Name=b, Value="B", Type="SecureString")
    out = ssm.get_parameters(Names=[a, b, missing], WithDecryption=True)
    assert sorted(p["Value"] for p in out["Parameters"]) == ["A", "B"]
    assert out["InvalidParameters"] == [missing]
    out = ssm.delete_parameters(Names=[a, missing])
    assert out["DeletedParameters"] == [a] and out["InvalidParameters"] == [missing]
    ssm.delete_parameter(Name=b)
    assert ssm.get_parameters(Names=[a, b])["InvalidParameters"] == [a, b]


# ---- versions, history, labels --------------------------------------------------------------

def test_versions_selectors_and_labels(ssm):
    name = unique()
    for i in range(1, 4):
        ssm.put_parameter(Name=name, Value=f"v{i}", Type="String", Overwrite=True)
    p = ssm.get_parameter(Name=f"{name}:2")["Parameter"]
    assert p["Value"] == "v2" and p["Version"] == 2 and p["Selector"] == ":2"
    with pytest.raises(ClientError) as e:
        ssm.get_parameter(Name=f"{name}:9")
    assert err(e) == ("ParameterVersionNotFound", f"Systems Manager could not find version 9 of {name}. "
                      "Verify the version and try again.")
    out = ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=["prod", "1bad", "awsx", "ok.too"])
    assert out["ParameterVersion"] == 1 and sorted(out["InvalidLabels"]) == ["1bad", "awsx"]
    p = ssm.get_parameter(Name=f"{name}:prod")["Parameter"]
    assert p["Value"] == "v1" and p["Selector"] == ":prod"
    # Moving a label to another version.
    assert ssm.label_parameter_version(Name=name, Labels=["prod"])["ParameterVersion"] == 3
    assert ssm.get_parameter(Name=f"{name}:prod")["Parameter"]["Version"] == 3
    hist = ssm.get_parameter_history(Name=name)["Parameters"]
    assert [h["Version"] for h in hist] == [1, 2, 3]
    assert hist[0]["Labels"] == ["ok.too"] and hist[2]["Labels"] == ["prod"]
    out = ssm.unlabel_parameter_version(Name=name, ParameterVersion=3, Labels=["prod", "nope"])
    assert out == {**out, "RemovedLabels": ["prod"], "InvalidLabels": ["nope"]}
    with pytest.raises(ClientError) as e:
        ssm.label_parameter_version(Name=name, ParameterVersion=2, Labels=[f"l{i}" for i in range(11)])
    assert err(e)[0] in ("ParameterVersionLabelLimitExceeded", "ValidationException")
    ssm.label_parameter_version(Name=name, ParameterVersion=2, Labels=[f"l{i}" for i in range(10)])
    with pytest.raises(ClientError) as e:
        ssm.label_parameter_version(Name=name, ParameterVersion=2, Labels=["extra"])
    assert err(e)[0] == "ParameterVersionLabelLimitExceeded"


def test_history_pagination_and_version_limit(ssm):
    name = unique()
    for i in range(100):
        ssm.put_parameter(Name=name, Value=str(i), Type="String", Overwrite=True)
    pages = ssm.get_paginator("get_parameter_history").paginate(Name=name, PaginationConfig={"PageSize": 30})
    versions = [h["Version"] for page in pages for h in page["Parameters"]]
    assert versions == list(range(1, 101))
    ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=["old"])
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=name, Value="x", Overwrite=True)
    assert err(e)[0] == "ParameterMaxVersionLimitExceeded" and "Version 1, the oldest version" in err(e)[1]
    ssm.unlabel_parameter_version(Name=name, ParameterVersion=1, Labels=["old"])
    assert ssm.put_parameter(Name=name, Value="x", Overwrite=True)["Version"] == 101
    hist = ssm.get_parameter_history(Name=name, MaxResults=50)
    assert hist["Parameters"][0]["Version"] == 2 and "NextToken" in hist


# ---- path queries and DescribeParameters ----------------------------------------------------

def test_get_parameters_by_path(ssm):
    root = unique("/app")
    for n in ("a", "b", "sub/c", "sub/deep/d"):
        ssm.put_parameter(Name=f"{root}/{n}", Value=n, Type="String")
    ssm.put_parameter(Name=f"{root}/s", Value="sec", Type="SecureString")
    one = ssm.get_parameters_by_path(Path=root)["Parameters"]
    assert sorted(p["Name"] for p in one) == [f"{root}/a", f"{root}/b", f"{root}/s"]
    pages = ssm.get_paginator("get_parameters_by_path").paginate(
        Path=root + "/", Recursive=True, WithDecryption=True, PaginationConfig={"PageSize": 2})
    allp = [p for page in pages for p in page["Parameters"]]
    assert len(allp) == 5 and {p["Value"] for p in allp} >= {"sec", "sub/deep/d"}
    typed = ssm.get_parameters_by_path(Path=root, Recursive=True, ParameterFilters=[
        {"Key": "Type", "Option": "Equals", "Values": ["SecureString"]}])["Parameters"]
    assert [p["Name"] for p in typed] == [f"{root}/s"]
    ssm.put_parameter(Name=f"{root}/a", Value="a2", Overwrite=True)
    ssm.label_parameter_version(Name=f"{root}/a", ParameterVersion=1, Labels=["stable"])
    labelled = ssm.get_parameters_by_path(Path=root, ParameterFilters=[
        {"Key": "Label", "Values": ["stable"]}])["Parameters"]
    assert [(p["Name"], p["Value"]) for p in labelled] == [(f"{root}/a", "a")]
    with pytest.raises(ClientError) as e:
        ssm.get_parameters_by_path(Path=root, ParameterFilters=[{"Key": "Name", "Values": ["x"]}])
    assert err(e)[0] == "InvalidFilterKey"
    with pytest.raises(ClientError) as e:
        ssm.get_parameters_by_path(Path=root, MaxResults=11)
    assert err(e)[0] == "ValidationException"


def test_describe_parameters_filters(ssm, kms):
    root = unique("/desc")
    ssm.put_parameter(Name=f"{root}/one", Value="1", Type="String")
    ssm.put_parameter(Name=f"{root}/two", Value="2", Type="StringList", Tier="Advanced")
    ssm.put_parameter(Name=f"{root}/sub/three", Value="3", Type="SecureString")

    def names(**kw):
        pages = ssm.get_paginator("describe_parameters").paginate(**kw, PaginationConfig={"PageSize": 1})
        return sorted(p["Name"] for page in pages for p in page["Parameters"])

    assert names(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": [root]}]) == [
        f"{root}/one", f"{root}/sub/three", f"{root}/two"]
    assert names(ParameterFilters=[{"Key": "Path", "Values": [root]}]) == [f"{root}/one", f"{root}/two"]
    assert names(ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [root]},
                                   {"Key": "Type", "Values": ["SecureString"]}]) == [f"{root}/sub/three"]
    assert names(ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [root]},
                                   {"Key": "Tier", "Values": ["Advanced"]}]) == [f"{root}/two"]
    assert names(ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [root]},
                                   {"Key": "KeyId", "Values": ["alias/aws/ssm"]}]) == [f"{root}/sub/three"]
    assert names(ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [root]},
                                   {"Key": "DataType", "Values": ["text"]}]) == [
        f"{root}/one", f"{root}/sub/three", f"{root}/two"]
    assert names(Filters=[{"Key": "Name", "Values": [f"{root}/t"]}]) == [f"{root}/two"]
    with pytest.raises(ClientError) as e:
        ssm.describe_parameters(ParameterFilters=[{"Key": "Path", "Option": "Equals", "Values": [root]}])
    assert err(e) == ("InvalidFilterOption", "The following filter option is not valid: Equals. "
                      "Valid options include: [Recursive, OneLevel].")
    with pytest.raises(ClientError) as e:
        ssm.describe_parameters(Filters=[{"Key": "Name", "Values": ["x"]}],
                                ParameterFilters=[{"Key": "Name", "Values": ["x"]}])
    assert err(e)[0] == "ValidationException"
    md = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [f"{root}/two"]}])["Parameters"][0]
    assert md["ARN"] == f"{ARN_PREFIX}{root}/two" and md["Tier"] == "Advanced" and md["Version"] == 1
    assert md["LastModifiedUser"].startswith("arn:aws:")


# ---- tags -----------------------------------------------------------------------------------

def test_tags(ssm):
    name = unique()
    ssm.put_parameter(Name=name, Value="x", Type="String", Tags=[{"Key": "a", "Value": "1"}])
    ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId=name,
                             Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "9"}])
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("a", "9"), ("b", "2")]
    ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId=name, TagKeys=["a"])
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    assert tags == [{"Key": "b", "Value": "2"}]
    found = ssm.describe_parameters(ParameterFilters=[{"Key": "tag:b", "Values": ["2"]},
                                                      {"Key": "Name", "Values": [name]}])["Parameters"]
    assert [p["Name"] for p in found] == [name]
    with pytest.raises(ClientError) as e:
        ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=unique())
    assert err(e)[0] == "InvalidResourceId"


# ---- isolation and durability ---------------------------------------------------------------

def test_accounts_are_isolated(client):
    a = client("ssm", key="111111111111")
    b = client("ssm", key="222222222222")
    name = unique()
    a.put_parameter(Name=name, Value="mine", Type="SecureString")
    with pytest.raises(ClientError) as e:
        b.get_parameter(Name=name)
    assert err(e)[0] == "ParameterNotFound"
    b.put_parameter(Name=name, Value="theirs", Type="String")
    assert a.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == "mine"
    assert a.get_parameter(Name=name)["Parameter"]["ARN"].startswith("arn:aws:ssm:us-east-1:111111111111:")


def test_parameters_survive_kill_9(start_stratus, tmp_path):
    data = str(tmp_path / "data")
    server = start_stratus("--data-dir", data)
    ssm = make_client("ssm", server.url)
    ssm.put_parameter(Name="/durable/p", Value="v1", Type="String", Tags=[{"Key": "t", "Value": "v"}])
    ssm.put_parameter(Name="/durable/p", Value="v2", Overwrite=True)
    ssm.label_parameter_version(Name="/durable/p", ParameterVersion=1, Labels=["first"])
    ssm.put_parameter(Name="/durable/s", Value="secret", Type="SecureString")
    server.kill()

    server = start_stratus("--data-dir", data)
    ssm = make_client("ssm", server.url)
    assert ssm.get_parameter(Name="/durable/p")["Parameter"]["Value"] == "v2"
    assert ssm.get_parameter(Name="/durable/p:first")["Parameter"]["Value"] == "v1"
    assert ssm.get_parameter(Name="/durable/s", WithDecryption=True)["Parameter"]["Value"] == "secret"
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/durable/p")["TagList"]
    assert tags == [{"Key": "t", "Value": "v"}]
