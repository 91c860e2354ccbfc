"""STS through boto3: every operation, the credentials it issues used afterwards, accounts,
signature verification (--verify-signatures) and durable credentials (--data-dir)."""
from __future__ import annotations

import base64
import datetime as dt
import json
import re
import time

import pytest
import requests
from botocore.exceptions import ClientError

from stratus_helpers import (
    DEFAULT_ACCOUNT, make_client, parse_xml, presign, signed_sts, sts_form, utcnow, xml_error)

ROLE = "arn:aws:iam::000000000000:role/my-role"
ASIA_RE = re.compile(r"^ASIA[A-Z0-9]{16}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9/+]{40}$")
ROLE_ID_RE = re.compile(r"^AROA[A-Z0-9]{17}$")  # IAM unique ids are 21 characters

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.")
INVALID_TOKEN = "The security token included in the request is invalid."


def range_error(value, member, op, bound):
    word = "greater" if op == ">=" else "less"
    return (f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
            f"constraint: Member must have value {word} than or equal to {bound}")


def length_error(value, member, bound):
    return (f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
            f"constraint: Member must have length greater than or equal to {bound}")


def null_error(member):
    return (f"1 validation error detected: Value null at '{member}' failed to satisfy "
            f"constraint: Member must not be null")


def assert_error(exc: pytest.ExceptionInfo, code: str, message: str | None = None,
                 status: int = 400):
    resp = exc.value.response
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == status, resp
    assert resp["Error"]["Code"] == code, resp["Error"]
    if message is not None:
        assert resp["Error"]["Message"] == message
    if status < 500:
        assert resp["Error"].get("Type") == "Sender", resp["Error"]


def assert_credentials(c: dict, duration: int):
    assert ASIA_RE.match(c["AccessKeyId"]), c["AccessKeyId"]
    assert SECRET_RE.match(c["SecretAccessKey"]), c["SecretAccessKey"]
    assert c["SessionToken"] and not re.search(r"\s", c["SessionToken"])
    left = (c["Expiration"] - utcnow()).total_seconds()
    assert abs(left - duration) < 60, (left, duration)


def with_creds(url: str, c: dict, service="sts"):
    return make_client(service, url, key=c["AccessKeyId"], secret=c["SecretAccessKey"],
                       token=c["SessionToken"])


@pytest.fixture
def sts_nv(client):
    """STS client without client-side parameter validation: out-of-range values reach the
    server."""
    return client("sts", validate=False)


# ---- GetCallerIdentity -------------------------------------------------------------------

def test_get_caller_identity_default_account(sts):
    ident = sts.get_caller_identity()
    assert ident["Account"] == DEFAULT_ACCOUNT
    assert ident["Arn"] == "arn:aws:iam::000000000000:root"
    assert ident["UserId"] == DEFAULT_ACCOUNT


def test_get_caller_identity_non_numeric_key_is_default_account(client):
    ident = client("sts", key="AKIAIOSFODNN7EXAMPLE").get_caller_identity()
    assert ident["Account"] == DEFAULT_ACCOUNT


@pytest.mark.parametrize("key", ["123456789012", "111111111111", "999999999999"])
def test_twelve_digit_key_is_the_account(client, key):
    ident = client("sts", key=key).get_caller_identity()
    assert ident["Account"] == key
    assert ident["Arn"] == f"arn:aws:iam::{key}:root"
    assert ident["UserId"] == key


@pytest.mark.parametrize("key", ["12345678901", "1234567890123", "12345678901a"])
def test_almost_twelve_digit_key_is_default_account(client, key):
    assert client("sts", key=key).get_caller_identity()["Account"] == DEFAULT_ACCOUNT


def test_region_does_not_change_identity(client):
    ident = client("sts", region="eu-west-1").get_caller_identity()
    assert ident["Arn"] == "arn:aws:iam::000000000000:root"


def test_unsigned_request_without_verification_is_default_account(endpoint):
    r = requests.post(endpoint + "/", data=sts_form(Action="GetCallerIdentity"),
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert r.status_code == 200, r.text
    assert parse_xml(r.content).find("GetCallerIdentityResult/Account").text == DEFAULT_ACCOUNT


# ---- AssumeRole --------------------------------------------------------------------------

def test_assume_role(sts):
    resp = sts.assume_role(RoleArn=ROLE, RoleSessionName="s1")
    assert_credentials(resp["Credentials"], 3600)
    user = resp["AssumedRoleUser"]
    assert user["Arn"] == "arn:aws:sts::000000000000:assumed-role/my-role/s1"
    role_id, _, session = user["AssumedRoleId"].partition(":")
    assert ROLE_ID_RE.match(role_id), role_id
    assert session == "s1"
    assert "PackedPolicySize" not in resp


def test_assumed_role_credentials_identify_the_session(sts, endpoint):
    resp = sts.assume_role(RoleArn=ROLE, RoleSessionName="worker-7")
    ident = with_creds(endpoint, resp["Credentials"]).get_caller_identity()
    assert ident["Account"] == DEFAULT_ACCOUNT
    assert ident["Arn"] == "arn:aws:sts::000000000000:assumed-role/my-role/worker-7"
    assert ident["UserId"] == resp["AssumedRoleUser"]["AssumedRoleId"]


def test_issued_keys_are_unique(sts):
    keys = {sts.assume_role(RoleArn=ROLE, RoleSessionName=f"s{i}")["Credentials"]["AccessKeyId"]
            for i in range(5)}
    assert len(keys) == 5


def test_role_id_is_stable_per_role(sts):
    def role_id(arn, session):
        return sts.assume_role(RoleArn=arn, RoleSessionName=session)[
            "AssumedRoleUser"]["AssumedRoleId"].split(":")[0]
    a1 = role_id(ROLE, "one")
    a2 = role_id(ROLE, "two")
    b = role_id("arn:aws:iam::000000000000:role/other-role", "one")
    assert a1 == a2
    assert a1 != b


def test_role_path_is_not_in_the_assumed_role_arn(sts):
    resp = sts.assume_role(RoleArn="arn:aws:iam::000000000000:role/team/app/deployer",
                           RoleSessionName="ci")
    assert resp["AssumedRoleUser"]["Arn"] == \
        "arn:aws:sts::000000000000:assumed-role/deployer/ci"


def test_assume_role_in_another_account(sts, endpoint):
    resp = sts.assume_role(RoleArn="arn:aws:iam::111111111111:role/cross", RoleSessionName="xa")
    assert resp["AssumedRoleUser"]["Arn"] == "arn:aws:sts::111111111111:assumed-role/cross/xa"
    ident = with_creds(endpoint, resp["Credentials"]).get_caller_identity()
    assert ident["Account"] == "111111111111"
    assert ident["Arn"] == "arn:aws:sts::111111111111:assumed-role/cross/xa"


@pytest.mark.parametrize("duration", [900, 7200, 43200])
def test_assume_role_duration(sts, duration):
    resp = sts.assume_role(RoleArn=ROLE, RoleSessionName="dur", DurationSeconds=duration)
    assert_credentials(resp["Credentials"], duration)


@pytest.mark.parametrize("duration,op,bound", [(100, ">=", 900), (899, ">=", 900),
                                               (43201, "<=", 43200)])
def test_assume_role_duration_out_of_range(sts_nv, duration, op, bound):
    with pytest.raises(ClientError) as exc:
        sts_nv.assume_role(RoleArn=ROLE, RoleSessionName="dur", DurationSeconds=duration)
    assert_error(exc, "ValidationError", range_error(duration, "durationSeconds", op, bound))


def test_assume_role_missing_role_arn(sts_nv):
    with pytest.raises(ClientError) as exc:
        sts_nv.assume_role(RoleSessionName="s1")
    assert_error(exc, "ValidationError", null_error("roleArn"))


def test_assume_role_missing_session_name(sts_nv):
    with pytest.raises(ClientError) as exc:
        sts_nv.assume_role(RoleArn=ROLE)
    assert_error(exc, "ValidationError", null_error("roleSessionName"))


def test_assume_role_session_name_too_short(sts_nv):
    with pytest.raises(ClientError) as exc:
        sts_nv.assume_role(RoleArn=ROLE, RoleSessionName="a")
    assert_error(exc, "ValidationError", length_error("a", "roleSessionName", 2))


def test_assume_role_session_name_pattern(sts_nv):
    with pytest.raises(ClientError) as exc:
        sts_nv.assume_role(RoleArn=ROLE, RoleSessionName="bad name!")
    assert_error(exc, "ValidationError",
                 "1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to "
                 "satisfy constraint: Member must satisfy regular expression pattern: "
                 "[\\w+=,.@-]*")


def test_assume_role_session_name_too_long(sts_nv):
    name = "n" * 65
    with pytest.raises(ClientError) as exc:
        sts_nv.assume_role(RoleArn=ROLE, RoleSessionName=name)
    assert_error(exc, "ValidationError",
                 f"1 validation error detected: Value '{name}' at 'roleSessionName' failed to "
                 f"satisfy constraint: Member must have length less than or equal to 64")


def test_assume_role_malformed_arn(sts):
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn="this-is-not-an-arn-at-all", RoleSessionName="s1")
    assert_error(exc, "ValidationError")


def test_assume_role_with_policy_reports_packed_size(sts):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    resp = sts.assume_role(RoleArn=ROLE, RoleSessionName="pol", Policy=policy,
                           Tags=[{"Key": "team", "Value": "core"}], ExternalId="ext-123",
                           SourceIdentity="alice")
    assert isinstance(resp["PackedPolicySize"], int) and 0 <= resp["PackedPolicySize"] <= 100
    assert resp["SourceIdentity"] == "alice"


def test_role_chaining(sts, endpoint):
    first = sts.assume_role(RoleArn=ROLE, RoleSessionName="first")
    chained = with_creds(endpoint, first["Credentials"]).assume_role(
        RoleArn="arn:aws:iam::000000000000:role/second", RoleSessionName="second")
    ident = with_creds(endpoint, chained["Credentials"]).get_caller_identity()
    assert ident["Arn"] == "arn:aws:sts::000000000000:assumed-role/second/second"


# ---- AssumeRoleWithWebIdentity -----------------------------------------------------------

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(claims: dict) -> str:
    header = b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "k1"}).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{header}.{body}.{b64url(b'not-a-real-signature')}"


def test_assume_role_with_web_identity(client, endpoint):
    now = int(time.time())
    token = jwt({"iss": "https://idp.example.com", "sub": "user-123", "aud": "my-client-id",
                 "iat": now, "exp": now + 3600})
    # This operation is unsigned in the SDKs (no credentials needed).
    resp = client("sts").assume_role_with_web_identity(
        RoleArn="arn:aws:iam::000000000000:role/web-role", RoleSessionName="web-session",
        WebIdentityToken=token, DurationSeconds=900)
    assert_credentials(resp["Credentials"], 900)
    assert resp["AssumedRoleUser"]["Arn"] == \
        "arn:aws:sts::000000000000:assumed-role/web-role/web-session"
    assert ROLE_ID_RE.match(resp["AssumedRoleUser"]["AssumedRoleId"].split(":")[0])
    assert resp["SubjectFromWebIdentityToken"] == "user-123"
    assert resp["Audience"] == "my-client-id"
    ident = with_creds(endpoint, resp["Credentials"]).get_caller_identity()
    assert ident["Arn"] == "arn:aws:sts::000000000000:assumed-role/web-role/web-session"


def test_assume_role_with_web_identity_missing_token(sts_nv):
    with pytest.raises(ClientError) as exc:
        sts_nv.assume_role_with_web_identity(
            RoleArn="arn:aws:iam::000000000000:role/web-role", RoleSessionName="web-session")
    assert_error(exc, "ValidationError", null_error("webIdentityToken"))


# ---- AssumeRoleWithSAML ------------------------------------------------------------------

SAML_ROLE = "arn:aws:iam::000000000000:role/saml-role"
SAML_PROVIDER = "arn:aws:iam::000000000000:saml-provider/my-idp"
SAML_ISSUER = "https://idp.example.com/saml"


def saml_assertion(session_name: str, subject: str) -> str:
    now = dt.datetime.now(dt.timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    later = (now + dt.timedelta(minutes=5)).strftime(fmt)
    doc = f"""<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
    ID="_r1" Version="2.0" IssueInstant="{now.strftime(fmt)}"
    Destination="https://signin.aws.amazon.com/saml">
  <saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">{SAML_ISSUER}</saml:Issuer>
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0"
      IssueInstant="{now.strftime(fmt)}">
    <saml:Issuer>{SAML_ISSUER}</saml:Issuer>
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{subject}</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml:SubjectConfirmationData NotOnOrAfter="{later}"
            Recipient="https://signin.aws.amazon.com/saml"/>
      </saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotBefore="{now.strftime(fmt)}" NotOnOrAfter="{later}">
      <saml:AudienceRestriction>
        <saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience>
      </saml:AudienceRestriction>
    </saml:Conditions>
    <saml:AttributeStatement>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">
        <saml:AttributeValue>{SAML_ROLE},{SAML_PROVIDER}</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
        <saml:AttributeValue>{session_name}</saml:AttributeValue>
      </saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>"""
    return base64.b64encode(doc.encode()).decode()


def test_assume_role_with_saml(client, endpoint):
    resp = client("sts").assume_role_with_saml(
        RoleArn=SAML_ROLE, PrincipalArn=SAML_PROVIDER,
        SAMLAssertion=saml_assertion("alice@example.com", "alice"))
    assert_credentials(resp["Credentials"], 3600)
    assert resp["AssumedRoleUser"]["Arn"] == \
        "arn:aws:sts::000000000000:assumed-role/saml-role/alice@example.com"
    assert resp["Subject"] == "alice"
    assert resp["SubjectType"] == "persistent"
    assert resp["Issuer"] == SAML_ISSUER
    assert resp["Audience"] == "https://signin.aws.amazon.com/saml"
    ident = with_creds(endpoint, resp["Credentials"]).get_caller_identity()
    assert ident["Arn"] == "arn:aws:sts::000000000000:assumed-role/saml-role/alice@example.com"


def test_assume_role_with_saml_missing_principal(sts_nv):
    with pytest.raises(ClientError) as exc:
        sts_nv.assume_role_with_saml(RoleArn=SAML_ROLE,
                                     SAMLAssertion=saml_assertion("bob", "bob"))
    assert_error(exc, "ValidationError", null_error("principalArn"))


# ---- GetSessionToken ---------------------------------------------------------------------
# AWS: sessions for account owners (root, which every plain key is here) are limited to one
# hour; a longer or absent DurationSeconds gives one hour. IAM users would get 12 h by default.
ROOT_MAX = 3600


def test_get_session_token_default_duration(sts):
    resp = sts.get_session_token()
    assert_credentials(resp["Credentials"], ROOT_MAX)


@pytest.mark.parametrize("duration,expected", [(900, 900), (1800, 1800), (3600, 3600),
                                               (43200, ROOT_MAX), (129600, ROOT_MAX)])
def test_get_session_token_duration(sts, duration, expected):
    assert_credentials(sts.get_session_token(DurationSeconds=duration)["Credentials"], expected)


def test_get_session_token_rejects_session_credentials(sts, endpoint):
    c = sts.assume_role(RoleArn=ROLE, RoleSessionName="nested")["Credentials"]
    with pytest.raises(ClientError) as exc:
        with_creds(endpoint, c).get_session_token()
    assert_error(exc, "AccessDenied", "Cannot call GetSessionToken with session credentials",
                 status=403)


@pytest.mark.parametrize("duration,op,bound", [(899, ">=", 900), (129601, "<=", 129600)])
def test_get_session_token_out_of_range(sts_nv, duration, op, bound):
    with pytest.raises(ClientError) as exc:
        sts_nv.get_session_token(DurationSeconds=duration)
    assert_error(exc, "ValidationError", range_error(duration, "durationSeconds", op, bound))


def test_session_token_credentials_keep_the_callers_identity(client, endpoint):
    resp = client("sts", key="444444444444").get_session_token(DurationSeconds=900)
    ident = with_creds(endpoint, resp["Credentials"]).get_caller_identity()
    assert ident["Account"] == "444444444444"
    assert ident["Arn"] == "arn:aws:iam::444444444444:root"


# ---- GetFederationToken ------------------------------------------------------------------

def test_get_federation_token(sts, endpoint):
    resp = sts.get_federation_token(Name="bob")
    assert_credentials(resp["Credentials"], ROOT_MAX)
    fed = resp["FederatedUser"]
    assert fed["Arn"] == "arn:aws:sts::000000000000:federated-user/bob"
    assert fed["FederatedUserId"] == "000000000000:bob"
    ident = with_creds(endpoint, resp["Credentials"]).get_caller_identity()
    assert ident["Arn"] == "arn:aws:sts::000000000000:federated-user/bob"
    assert ident["UserId"] == "000000000000:bob"
    assert ident["Account"] == DEFAULT_ACCOUNT


def test_get_federation_token_in_account_of_key(client):
    resp = client("sts", key="555555555555").get_federation_token(Name="carol",
                                                                   DurationSeconds=129600)
    assert_credentials(resp["Credentials"], ROOT_MAX)  # root caller: one hour at most
    assert resp["FederatedUser"]["Arn"] == "arn:aws:sts::555555555555:federated-user/carol"


@pytest.mark.parametrize("duration", [900, 2700])
def test_get_federation_token_short_duration(sts, duration):
    resp = sts.get_federation_token(Name="frank", DurationSeconds=duration)
    assert_credentials(resp["Credentials"], duration)


@pytest.mark.parametrize("duration,op,bound", [(899, ">=", 900), (129601, "<=", 129600)])
def test_get_federation_token_out_of_range(sts_nv, duration, op, bound):
    with pytest.raises(ClientError) as exc:
        sts_nv.get_federation_token(Name="bob", DurationSeconds=duration)
    assert_error(exc, "ValidationError", range_error(duration, "durationSeconds", op, bound))


def test_get_federation_token_missing_name(sts_nv):
    with pytest.raises(ClientError) as exc:
        sts_nv.get_federation_token()
    assert_error(exc, "ValidationError", null_error("name"))


def test_get_federation_token_name_too_short(sts_nv):
    with pytest.raises(ClientError) as exc:
        sts_nv.get_federation_token(Name="b")
    assert_error(exc, "ValidationError", length_error("b", "name", 2))


# ---- GetAccessKeyInfo --------------------------------------------------------------------

def test_get_access_key_info_for_issued_key(client):
    issued = client("sts").assume_role(
        RoleArn="arn:aws:iam::666666666666:role/r", RoleSessionName="sess")["Credentials"]
    # Any caller, from any account, may ask.
    for key in ("test", "777777777777"):
        info = client("sts", key=key).get_access_key_info(AccessKeyId=issued["AccessKeyId"])
        assert info["Account"] == "666666666666"


def test_get_access_key_info_agrees_with_the_keys_identity(client):
    # Whatever account a key acts in is the account GetAccessKeyInfo reports for it.
    key = "AKIAIOSFODNN7EXAMPLE"
    acting = client("sts", key=key).get_caller_identity()["Account"]
    assert client("sts").get_access_key_info(AccessKeyId=key)["Account"] == acting


def test_get_access_key_info_validation(sts_nv):
    with pytest.raises(ClientError) as exc:
        sts_nv.get_access_key_info(AccessKeyId="123456789012")
    assert_error(exc, "ValidationError", length_error("123456789012", "accessKeyId", 16))


# ---- DecodeAuthorizationMessage ----------------------------------------------------------

def test_decode_authorization_message(sts):
    try:
        resp = sts.decode_authorization_message(EncodedMessage="not-a-real-encoded-message")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "InvalidAuthorizationMessageException", e.response
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    else:
        assert isinstance(json.loads(resp["DecodedMessage"]), dict)


def test_decode_authorization_message_missing(sts_nv):
    with pytest.raises(ClientError) as exc:
        sts_nv.decode_authorization_message()
    assert_error(exc, "ValidationError", null_error("encodedMessage"))


# ---- --verify-signatures -----------------------------------------------------------------

@pytest.fixture
def vurl(stratus_verify):
    return stratus_verify.url


def test_verify_accepts_secret_test(vurl):
    assert make_client("sts", vurl).get_caller_identity()["Account"] == DEFAULT_ACCOUNT
    assert make_client("sts", vurl, key="123456789012").get_caller_identity()["Account"] == \
        "123456789012"


@pytest.mark.parametrize("key", ["test", "123456789012"])
def test_verify_rejects_wrong_secret(vurl, key):
    with pytest.raises(ClientError) as exc:
        make_client("sts", vurl, key=key, secret="wrong").get_caller_identity()
    assert_error(exc, "SignatureDoesNotMatch", SIGNATURE_MISMATCH, status=403)


def test_verify_rejects_unknown_temporary_key(vurl):
    with pytest.raises(ClientError) as exc:
        make_client("sts", vurl, key="ASIAZZZZZZZZZZZZZZZZ", secret="test",
                    token="FwoGZXIvYXdzEBogus").get_caller_identity()
    assert_error(exc, "InvalidClientTokenId", INVALID_TOKEN, status=403)


def test_verify_issued_credentials(vurl):
    resp = make_client("sts", vurl).assume_role(RoleArn=ROLE, RoleSessionName="verified")
    c = resp["Credentials"]
    ident = with_creds(vurl, c).get_caller_identity()
    assert ident["Arn"] == "arn:aws:sts::000000000000:assumed-role/my-role/verified"

    # The issued secret, not "test", signs for an issued key.
    with pytest.raises(ClientError) as exc:
        make_client("sts", vurl, key=c["AccessKeyId"], secret="test",
                    token=c["SessionToken"]).get_caller_identity()
    assert_error(exc, "SignatureDoesNotMatch", SIGNATURE_MISMATCH, status=403)


def test_verify_issued_key_needs_its_session_token(vurl):
    c = make_client("sts", vurl).assume_role(RoleArn=ROLE, RoleSessionName="tok")["Credentials"]
    with pytest.raises(ClientError) as exc:
        make_client("sts", vurl, key=c["AccessKeyId"],
                    secret=c["SecretAccessKey"]).get_caller_identity()
    assert_error(exc, "InvalidClientTokenId", INVALID_TOKEN, status=403)
    with pytest.raises(ClientError) as exc:
        make_client("sts", vurl, key=c["AccessKeyId"], secret=c["SecretAccessKey"],
                    token=c["SessionToken"][:-4] + "AAAA").get_caller_identity()
    assert_error(exc, "InvalidClientTokenId", INVALID_TOKEN, status=403)


def test_verify_federation_and_session_tokens(vurl):
    sts = make_client("sts", vurl, key="888888888888")
    fed = sts.get_federation_token(Name="dora")["Credentials"]
    assert with_creds(vurl, fed).get_caller_identity()["Arn"] == \
        "arn:aws:sts::888888888888:federated-user/dora"
    ses = sts.get_session_token()["Credentials"]
    assert with_creds(vurl, ses).get_caller_identity()["Arn"] == \
        "arn:aws:iam::888888888888:root"


def test_verify_web_identity_needs_no_signature(vurl):
    # boto3 sends AssumeRoleWithWebIdentity unsigned; it must work with verification on.
    now = int(time.time())
    token = jwt({"iss": "https://idp.example.com", "sub": "u", "aud": "a", "exp": now + 600})
    resp = make_client("sts", vurl, secret="wrong").assume_role_with_web_identity(
        RoleArn="arn:aws:iam::000000000000:role/web-role", RoleSessionName="web",
        WebIdentityToken=token)
    assert with_creds(vurl, resp["Credentials"]).get_caller_identity()["Arn"] == \
        "arn:aws:sts::000000000000:assumed-role/web-role/web"


def test_verify_missing_authentication(vurl):
    r = requests.post(vurl + "/", data=sts_form(Action="GetCallerIdentity"),
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert r.status_code == 403, r.text
    err = xml_error(r.content)
    assert err["Code"] == "MissingAuthenticationToken"
    assert err["Message"] == "Request is missing Authentication Token"


def test_verify_tampered_body(vurl):
    body = sts_form(Action="GetCallerIdentity")
    headers = signed_sts(vurl, body)
    tampered = sts_form(Action="GetSessionToken")
    headers["Content-Length"] = str(len(tampered))
    r = requests.post(vurl + "/", data=tampered, headers=headers, timeout=10)
    assert r.status_code == 403, r.text
    err = xml_error(r.content)
    assert err["Code"] == "SignatureDoesNotMatch"


@pytest.mark.parametrize("minutes", [-20, 20])
def test_verify_skewed_clock(vurl, minutes):
    body = sts_form(Action="GetCallerIdentity")
    when = utcnow() + dt.timedelta(minutes=minutes)
    r = requests.post(vurl + "/", data=body, headers=signed_sts(vurl, body, when=when),
                      timeout=10)
    assert r.status_code == 403, r.text
    err = xml_error(r.content)
    assert err["Code"] == "RequestTimeTooSkewed", err


@pytest.mark.parametrize("minutes", [-14, 14])
def test_verify_small_skew_is_accepted(vurl, minutes):
    body = sts_form(Action="GetCallerIdentity")
    when = utcnow() + dt.timedelta(minutes=minutes)
    r = requests.post(vurl + "/", data=body, headers=signed_sts(vurl, body, when=when),
                      timeout=10)
    assert r.status_code == 200, r.text


def gci_url(base):
    return base + "/?Action=GetCallerIdentity&Version=2011-06-15"


def presigned_arn(r):
    assert r.status_code == 200, r.text
    return parse_xml(r.content).find("GetCallerIdentityResult/Arn").text


def test_presigned_url(vurl):
    assert presigned_arn(requests.get(presign(gci_url(vurl), "sts"), timeout=10)) == \
        "arn:aws:iam::000000000000:root"


def test_presigned_url_from_boto3(vurl):
    url = make_client("sts", vurl, key="123456789012").generate_presigned_url(
        "get_caller_identity", ExpiresIn=60)
    assert "X-Amz-Signature=" in url
    # botocore presigns the model's method, POST for STS.
    assert presigned_arn(requests.post(url, timeout=10)) == "arn:aws:iam::123456789012:root"


def test_presigned_url_with_session_token(vurl):
    c = make_client("sts", vurl).assume_role(RoleArn=ROLE, RoleSessionName="pre")["Credentials"]
    url = presign(gci_url(vurl), "sts", key=c["AccessKeyId"], secret=c["SecretAccessKey"],
                  token=c["SessionToken"])
    assert "X-Amz-Security-Token=" in url
    assert presigned_arn(requests.get(url, timeout=10)) == \
        "arn:aws:sts::000000000000:assumed-role/my-role/pre"


def test_presigned_url_wrong_secret(vurl):
    r = requests.get(presign(gci_url(vurl), "sts", secret="wrong"), timeout=10)
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "SignatureDoesNotMatch"


def test_presigned_url_tampered(vurl):
    url = presign(gci_url(vurl), "sts").replace("Action=GetCallerIdentity",
                                                "Action=GetSessionToken")
    r = requests.get(url, timeout=10)
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "SignatureDoesNotMatch"


def test_presigned_url_expires(vurl):
    # X-Amz-Date has whole seconds: sign just after a second starts so the URL is valid for
    # nearly a full second, use it at once, then once more after it expired.
    time.sleep(1.02 - time.time() % 1)
    url = presign(gci_url(vurl), "sts", expires=1)
    assert presigned_arn(requests.get(url, timeout=10)) == "arn:aws:iam::000000000000:root"
    time.sleep(2)
    r = requests.get(url, timeout=10)
    assert r.status_code == 403, r.text
    err = xml_error(r.content)
    assert "expired" in err["Message"].lower(), err


# ---- durable credentials -----------------------------------------------------------------

@pytest.mark.parametrize("how", ["kill9", "sigterm"])
def test_issued_credentials_survive_restart(start_stratus, tmp_path, how):
    data = str(tmp_path / "data")
    first = start_stratus("--verify-signatures", "--data-dir", data)
    role = make_client("sts", first.url).assume_role(
        RoleArn="arn:aws:iam::121212121212:role/durable", RoleSessionName="keep")["Credentials"]
    fed = make_client("sts", first.url, key="343434343434").get_federation_token(
        Name="eve")["Credentials"]
    if how == "kill9":
        first.kill()
    else:
        assert first.stop() == 0

    second = start_stratus("--verify-signatures", "--data-dir", data)
    ident = with_creds(second.url, role).get_caller_identity()
    assert ident["Arn"] == "arn:aws:sts::121212121212:assumed-role/durable/keep"
    assert with_creds(second.url, fed).get_caller_identity()["Arn"] == \
        "arn:aws:sts::343434343434:federated-user/eve"
    info = make_client("sts", second.url).get_access_key_info(AccessKeyId=role["AccessKeyId"])
    assert info["Account"] == "121212121212"

    # A server without that data has never heard of these keys.
    third = start_stratus("--verify-signatures")
    with pytest.raises(ClientError) as exc:
        with_creds(third.url, role).get_caller_identity()
    assert_error(exc, "InvalidClientTokenId", INVALID_TOKEN, status=403)


def test_in_memory_credentials_do_not_survive_restart(start_stratus):
    first = start_stratus("--verify-signatures")
    c = make_client("sts", first.url).assume_role(RoleArn=ROLE, RoleSessionName="gone")[
        "Credentials"]
    first.kill()
    second = start_stratus("--verify-signatures")
    with pytest.raises(ClientError) as exc:
        with_creds(second.url, c).get_caller_identity()
    assert_error(exc, "InvalidClientTokenId", INVALID_TOKEN, status=403)


@pytest.mark.parametrize("path", ["/_stratus/reset?service=sts", "/_stratus/reset"])
def test_reset_forgets_issued_credentials(start_stratus, path):
    server = start_stratus("--verify-signatures")
    c = make_client("sts", server.url).assume_role(RoleArn=ROLE, RoleSessionName="rst")[
        "Credentials"]
    assert with_creds(server.url, c).get_caller_identity()["Arn"].endswith("/my-role/rst")
    assert requests.post(server.url + path, timeout=10).status_code == 200
    with pytest.raises(ClientError) as exc:
        with_creds(server.url, c).get_caller_identity()
    assert_error(exc, "InvalidClientTokenId", INVALID_TOKEN, status=403)
