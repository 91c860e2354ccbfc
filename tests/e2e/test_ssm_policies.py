"""SSM parameter policies through boto3: Expiration (the parameter is really deleted when
due), ExpirationNotification and NoChangeNotification as DescribeParameters and
GetParameterHistory show them, the Advanced tier they need, and their validation.
"""
from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from stratus_helpers import make_client


@pytest.fixture
def ssm(client):
    return client("ssm")


def err(exc_info) -> tuple[str, str]:
    e = exc_info.value.response["Error"]
    return e["Code"], e.get("Message", "")


def unique() -> str:
    return f"/pol/{uuid.uuid4().hex[:10]}"


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def expiration(when: dt.datetime) -> dict:
    return {"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": iso(when)}}


def describe(ssm, name: str) -> dict:
    out = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
    assert len(out) == 1
    return out[0]


def test_policies_are_recorded_and_shown(ssm):
    name = unique()
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)
    policies = [expiration(later),
                {"Type": "ExpirationNotification", "Version": "1.0", "Attributes": {"Before": "5", "Unit": "Days"}},
                {"Type": "NoChangeNotification", "Version": "1.0", "Attributes": {"After": "60", "Unit": "Days"}}]
    out = ssm.put_parameter(Name=name, Value="v", Type="String", Tier="Advanced", Policies=json.dumps(policies))
    assert out == {**out, "Version": 1, "Tier": "Advanced"}
    shown = describe(ssm, name)["Policies"]
    assert [p["PolicyType"] for p in shown] == ["Expiration", "ExpirationNotification", "NoChangeNotification"]
    assert all(p["PolicyStatus"] == "Pending" for p in shown)
    assert [json.loads(p["PolicyText"]) for p in shown] == policies
    history = ssm.get_parameter_history(Name=name)["Parameters"]
    assert [p["PolicyType"] for p in history[0]["Policies"]] == ["Expiration", "ExpirationNotification",
                                                                 "NoChangeNotification"]
    # Overwrite without Policies keeps them; "[]" removes them.
    ssm.put_parameter(Name=name, Value="v2", Overwrite=True)
    assert len(describe(ssm, name)["Policies"]) == 3
    ssm.put_parameter(Name=name, Value="v3", Overwrite=True, Policies="[]")
    assert describe(ssm, name)["Policies"] == []


def test_intelligent_tiering_with_policies_is_advanced(ssm):
    name = unique()
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    out = ssm.put_parameter(Name=name, Value="small", Type="String", Tier="Intelligent-Tiering",
                            Policies=json.dumps([expiration(later)]))
    assert out["Tier"] == "Advanced"
    plain = ssm.put_parameter(Name=unique(), Value="small", Type="String", Tier="Intelligent-Tiering")
    assert plain["Tier"] == "Standard"


def test_policies_need_the_advanced_tier(ssm):
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=unique(), Value="v", Type="String", Policies=json.dumps([expiration(later)]))
    assert err(e)[0] == "ValidationException"


@pytest.mark.parametrize("policies,code", [
    ([{"Type": "Nope", "Version": "1.0", "Attributes": {}}], "InvalidPolicyTypeException"),
    ([{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": "yesterday"}}],
     "InvalidPolicyAttributeException"),
    ([{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": "2001-01-01T00:00:00.000Z"}}],
     "InvalidPolicyAttributeException"),
    ([{"Type": "NoChangeNotification", "Version": "1.0", "Attributes": {"After": "x", "Unit": "Days"}}],
     "InvalidPolicyAttributeException"),
    ([{"Type": "NoChangeNotification", "Version": "2.0", "Attributes": {"After": "1", "Unit": "Days"}}],
     "InvalidPolicyAttributeException"),
])
def test_invalid_policies(ssm, policies, code):
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=unique(), Value="v", Type="String", Tier="Advanced", Policies=json.dumps(policies))
    assert err(e)[0] == code
    with pytest.raises(ClientError) as e:
        ssm.put_parameter(Name=unique(), Value="v", Type="String", Tier="Advanced", Policies="{not json")
    assert err(e)[0] == "ValidationException"


def test_expiration_deletes_the_parameter(ssm):
    # Stratus has no clock control for the binary: the Expiration is set just ahead.
    name = unique()
    soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1)
    ssm.put_parameter(Name=name, Value="short-lived", Type="String", Tier="Advanced",
                      Policies=json.dumps([expiration(soon)]))
    kept = unique()
    ssm.put_parameter(Name=kept, Value="kept", Type="String", Tier="Advanced",
                      Policies=json.dumps([expiration(soon + dt.timedelta(days=1))]))
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == "short-lived"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            ssm.get_parameter(Name=name)
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ParameterNotFound"
            break
        time.sleep(0.2)
    else:
        pytest.fail("the parameter did not expire")
    assert ssm.get_parameter(Name=kept)["Parameter"]["Value"] == "kept"


def test_expiration_survives_restart(start_stratus, tmp_path):
    data = str(tmp_path / "data")
    server = start_stratus("--data-dir", data)
    ssm = make_client("ssm", server.url)
    name = unique()
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)
    ssm.put_parameter(Name=name, Value="v", Type="String", Tier="Advanced",
                      Policies=json.dumps([expiration(later)]))
    server.kill()
    server = start_stratus("--data-dir", data)
    ssm = make_client("ssm", server.url)
    [p] = describe(ssm, name)["Policies"]
    assert p["PolicyType"] == "Expiration" and json.loads(p["PolicyText"])["Attributes"]["Timestamp"] == iso(later)


# ---- default tier (service settings) ---------------------------------------------------------

TIER = "/ssm/parameter-store/default-parameter-tier"


def test_default_parameter_tier_setting(client):
    ssm = client("ssm", key="888888888888")
    s = ssm.get_service_setting(SettingId=TIER)["ServiceSetting"]
    assert s["SettingId"] == TIER and s["SettingValue"] == "Standard" and s["Status"] == "Default"
    assert s["ARN"] == f"arn:aws:ssm:us-east-1:888888888888:servicesetting{TIER}"
    ssm.update_service_setting(SettingId=TIER, SettingValue="Advanced")
    s = ssm.get_service_setting(SettingId=s["ARN"])["ServiceSetting"]
    assert s["SettingValue"] == "Advanced" and s["Status"] == "Customized"
    assert ssm.put_parameter(Name=unique(), Value="v", Type="String")["Tier"] == "Advanced"
    assert ssm.put_parameter(Name=unique(), Value="v", Type="String", Tier="Standard")["Tier"] == "Standard"
    ssm.update_service_setting(SettingId=TIER, SettingValue="Intelligent-Tiering")
    assert ssm.put_parameter(Name=unique(), Value="v", Type="String")["Tier"] == "Standard"
    assert ssm.put_parameter(Name=unique(), Value="v" * 5000, Type="String")["Tier"] == "Advanced"
    reset = ssm.reset_service_setting(SettingId=TIER)["ServiceSetting"]
    assert reset["SettingValue"] == "Standard" and reset["Status"] == "Default"
    assert ssm.put_parameter(Name=unique(), Value="v", Type="String")["Tier"] == "Standard"
    with pytest.raises(ClientError) as e:
        ssm.update_service_setting(SettingId=TIER, SettingValue="Premium")
    assert err(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        ssm.get_service_setting(SettingId="/ssm/nope")
    assert err(e)[0] == "ServiceSettingNotFound"
