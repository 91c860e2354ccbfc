"""SNS mobile push and SMS calls: stored, listed, validated; deliveries recorded at
/_stratus/sns/messages."""
from __future__ import annotations

import pytest
import requests
from botocore.exceptions import ClientError


@pytest.fixture
def sns(client, endpoint):
    requests.delete(endpoint + "/_stratus/sns/messages", timeout=5)
    return client("sns")


def recorded(endpoint) -> list[dict]:
    return requests.get(endpoint + "/_stratus/sns/messages", timeout=5).json()["messages"]


def test_platform_application_and_endpoints(sns, endpoint):
    app = sns.create_platform_application(Name="app1", Platform="GCM",
                                          Attributes={"PlatformCredential": "server-key"})["PlatformApplicationArn"]
    assert app == "arn:aws:sns:us-east-1:000000000000:app/GCM/app1"
    attrs = sns.get_platform_application_attributes(PlatformApplicationArn=app)["Attributes"]
    assert "PlatformCredential" not in attrs  # credentials are write-only
    assert any(a["PlatformApplicationArn"] == app for a in sns.list_platform_applications()["PlatformApplications"])

    ep = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1",
                                      CustomUserData="user-7")["EndpointArn"]
    assert ep.startswith("arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app1/")
    # The same token and attributes give the same endpoint; other attributes are an error.
    assert sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1",
                                        CustomUserData="user-7")["EndpointArn"] == ep
    with pytest.raises(ClientError) as exc:
        sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1", CustomUserData="other")
    assert exc.value.response["Error"]["Code"] == "InvalidParameter"
    assert sns.get_endpoint_attributes(EndpointArn=ep)["Attributes"] == {
        "CustomUserData": "user-7", "Enabled": "true", "Token": "device-1"}
    listed = sns.list_endpoints_by_platform_application(PlatformApplicationArn=app)["Endpoints"]
    assert [e["EndpointArn"] for e in listed] == [ep]

    msg_id = sns.publish(TargetArn=ep, Message="push!")["MessageId"]
    assert any(m["MessageId"] == msg_id and m["Protocol"] == "application" and m["Message"] == "push!"
               for m in recorded(endpoint))
    sns.set_endpoint_attributes(EndpointArn=ep, Attributes={"Enabled": "false"})
    with pytest.raises(ClientError) as exc:
        sns.publish(TargetArn=ep, Message="push!")
    assert exc.value.response["Error"]["Code"] == "EndpointDisabled"

    sns.delete_endpoint(EndpointArn=ep)
    assert sns.list_endpoints_by_platform_application(PlatformApplicationArn=app)["Endpoints"] == []
    sns.delete_platform_application(PlatformApplicationArn=app)
    with pytest.raises(ClientError) as exc:
        sns.get_platform_application_attributes(PlatformApplicationArn=app)
    assert exc.value.response["Error"]["Code"] == "NotFound"


def test_platform_application_validation(sns):
    with pytest.raises(ClientError) as exc:
        sns.create_platform_application(Name="a", Platform="PIGEON", Attributes={"PlatformCredential": "k"})
    assert exc.value.response["Error"]["Code"] == "InvalidParameter"
    with pytest.raises(ClientError) as exc:
        sns.create_platform_application(Name="a", Platform="APNS", Attributes={"PlatformCredential": "k"})
    assert "PlatformPrincipal" in exc.value.response["Error"]["Message"]


def test_sms_publish_opt_out_and_sandbox(sns, endpoint):
    msg_id = sns.publish(PhoneNumber="+15555550100", Message="hello sms")["MessageId"]
    assert any(m["MessageId"] == msg_id and m["Endpoint"] == "+15555550100" for m in recorded(endpoint))
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550100")["isOptedOut"] is False
    requests.post(endpoint + "/_stratus/sns/opt-out", params={"phoneNumber": "+15555550100"}, timeout=5)
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550100")["isOptedOut"] is True
    assert "+15555550100" in sns.list_phone_numbers_opted_out()["phoneNumbers"]
    with pytest.raises(ClientError) as exc:
        sns.publish(PhoneNumber="+15555550100", Message="again")
    assert exc.value.response["Error"]["Code"] == "OptedOut"
    sns.opt_in_phone_number(phoneNumber="+15555550100")
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550100")["isOptedOut"] is False

    sns.create_sms_sandbox_phone_number(PhoneNumber="+15555550101")
    assert {"PhoneNumber": "+15555550101", "Status": "Pending"} in sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"]
    with pytest.raises(ClientError) as exc:
        sns.verify_sms_sandbox_phone_number(PhoneNumber="+15555550101", OneTimePassword="999999")
    assert exc.value.response["Error"]["Code"] == "VerificationException"
    otp = recorded(endpoint)[-1]["Message"].split()[-1]
    sns.verify_sms_sandbox_phone_number(PhoneNumber="+15555550101", OneTimePassword=otp)
    assert {"PhoneNumber": "+15555550101", "Status": "Verified"} in sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"]
    assert sns.get_sms_sandbox_account_status()["IsInSandbox"] is True

    sns.set_sms_attributes(attributes={"DefaultSMSType": "Transactional"})
    assert sns.get_sms_attributes()["attributes"]["DefaultSMSType"] == "Transactional"
    with pytest.raises(ClientError) as exc:
        sns.set_sms_attributes(attributes={"DefaultSMSType": "Loud"})
    assert exc.value.response["Error"]["Code"] == "InvalidParameter"


def test_platform_and_sms_state_survive_kill_9(start_stratus, tmp_path):
    from stratus_helpers import make_client

    data = str(tmp_path / "data")
    server = start_stratus("--data-dir", data)
    sns = make_client("sns", server.url)
    app = sns.create_platform_application(Name="durable-app", Platform="GCM",
                                          Attributes={"PlatformCredential": "k"})["PlatformApplicationArn"]
    ep = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="tok-1")["EndpointArn"]
    sns.set_endpoint_attributes(EndpointArn=ep, Attributes={"Enabled": "false"})
    gone = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="tok-2")["EndpointArn"]
    sns.delete_endpoint(EndpointArn=gone)
    sns.set_sms_attributes(attributes={"DefaultSMSType": "Transactional"})
    requests.post(server.url + "/_stratus/sns/opt-out", params={"phoneNumber": "+15550001111"}, timeout=5)
    sns.create_sms_sandbox_phone_number(PhoneNumber="+15550002222")
    server.kill()

    server = start_stratus("--data-dir", data)
    sns = make_client("sns", server.url)
    assert [a["PlatformApplicationArn"] for a in sns.list_platform_applications()["PlatformApplications"]] == [app]
    listed = sns.list_endpoints_by_platform_application(PlatformApplicationArn=app)["Endpoints"]
    assert listed == [{"EndpointArn": ep, "Attributes": {"Enabled": "false", "Token": "tok-1"}}]
    assert sns.get_sms_attributes()["attributes"] == {"DefaultSMSType": "Transactional"}
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == ["+15550001111"]
    assert sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"] == [
        {"PhoneNumber": "+15550002222", "Status": "Pending"}]
