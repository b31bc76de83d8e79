"""`awsguard decode` and `awsguard trail`: formatting, and the AWS calls with stubbed clients.

moto implements neither STS DecodeAuthorizationMessage nor CloudTrail LookupEvents, so
the calls go through real boto3 clients with botocore's Stubber.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.stub import ANY, Stubber

from awsguard.commands import decode as decode_command
from awsguard.commands import trail as trail_command
from awsguard.errors import AwsguardError
from awsguard.explain import decoded, trail

# The shape STS documents for a decoded EC2 authorization failure.
DECODED = {
    "allowed": False,
    "explicitDeny": True,
    "matchedStatements": {
        "items": [
            {
                "statementId": "DenyWithoutMFA",
                "effect": "DENY",
                "principals": {"items": [{"value": "AIDAEXAMPLEUSERID0001"}]},
                "principalGroups": {"items": []},
                "actions": {"items": [{"value": "ec2:RunInstances"}]},
                "resources": {"items": [{"value": "*"}]},
                "conditions": {
                    "items": [
                        {
                            "key": "aws:MultiFactorAuthPresent",
                            "values": {"items": [{"value": "false"}]},
                        }
                    ]
                },
            }
        ]
    },
    "failures": {"items": []},
    "context": {
        "principal": {
            "id": "AIDAEXAMPLEUSERID0001",
            "name": "ops",
            "arn": "arn:aws:iam::123456789012:user/ops",
        },
        "action": "ec2:RunInstances",
        "resource": "arn:aws:ec2:us-east-1:123456789012:instance/*",
        "conditions": {
            "items": [
                {"key": "ec2:InstanceType", "values": {"items": [{"value": "t3.micro"}]}},
                {"key": "aws:MultiFactorAuthPresent", "values": {"items": [{"value": "false"}]}},
            ]
        },
    },
}


def _client(service: str):
    return boto3.client(
        service,
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="not-a-real-secret",
        endpoint_url="https://example.invalid",
    )


@pytest.fixture(autouse=True)
def _no_aws_env(monkeypatch, tmp_path):

    monkeypatch.setenv("HOME", str(tmp_path))


def test_decoded_message_is_rendered_readably():
    text = decoded.render(decoded.summarize(DECODED))
    assert text.splitlines()[:4] == [
        "decision:  denied by an explicit Deny statement",
        "principal: arn:aws:iam::123456789012:user/ops",
        "action:    ec2:RunInstances",
        "resource:  arn:aws:ec2:us-east-1:123456789012:instance/*",
    ]
    assert "  DENY DenyWithoutMFA" in text
    assert "    condition: aws:MultiFactorAuthPresent = false" in text
    assert "  ec2:InstanceType            t3.micro" in text


def test_implicit_deny_without_matched_statements_says_so():
    summary = decoded.summarize({"allowed": False, "explicitDeny": False, "context": {}})
    text = decoded.render(summary)
    assert "implicit deny" in text and "matched statements: none" in text


def test_encoded_message_is_found_inside_a_pasted_error():
    text = (
        "An error occurred (UnauthorizedOperation) when calling the RunInstances operation: "
        "You are not authorized to perform this operation. Encoded authorization failure "
        "message: abcDEF123-_xyz"
    )
    assert decode_command.encoded_from(text) == "abcDEF123-_xyz"
    assert decode_command.encoded_from("  abc\ndef  ") == "abcdef"


def test_decode_command_prints_json_from_sts(monkeypatch, capsys):
    from awsguard.cli import main

    client = _client("sts")
    stub = Stubber(client)
    stub.add_response(
        "decode_authorization_message",
        {"DecodedMessage": json.dumps(DECODED)},
        {"EncodedMessage": "ENCODEDMSG"},
    )
    stub.activate()
    monkeypatch.setattr(decode_command, "sts_client", lambda profile, region: client)
    assert main(["decode", "ENCODEDMSG", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["explicit_deny"] is True
    assert data["matched_statements"][0]["statement_id"] == "DenyWithoutMFA"
    assert data["conditions"]["ec2:InstanceType"] == ["t3.micro"]
    stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("InvalidAuthorizationMessageException", "copy it whole"),
        ("AccessDenied", "sts:DecodeAuthorizationMessage"),
    ],
)
def test_decode_errors_are_one_paragraph(code, fragment):
    client = _client("sts")
    stub = Stubber(client)
    stub.add_client_error("decode_authorization_message", service_error_code=code)
    stub.activate()
    with pytest.raises(AwsguardError) as caught:
        decode_command.decode_message(client, "x")
    assert fragment in str(caught.value)


# --- trail ---------------------------------------------------------------------------------

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
ME = "arn:aws:sts::123456789012:assumed-role/Dev/alice"


def _event(name: str, code: str | None, arn: str = ME, minutes: int = 5, **extra) -> dict:
    record = {"eventName": name, "eventSource": "ec2.amazonaws.com", "userIdentity": {"arn": arn}}
    if code:
        record["errorCode"] = code
        record["errorMessage"] = "denied"
    record.update(extra)
    return {
        "EventId": name,
        "EventName": name,
        "EventTime": NOW - timedelta(minutes=minutes),
        "EventSource": record["eventSource"],
        "Username": "alice",
        "Resources": [],
        "CloudTrailEvent": json.dumps(record),
    }


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("1h", NOW - timedelta(hours=1)),
        ("30m", NOW - timedelta(minutes=30)),
        ("2d", NOW - timedelta(days=2)),
        ("2026-02-28T10:00:00Z", datetime(2026, 2, 28, 10, tzinfo=timezone.utc)),
    ],
)
def test_since_accepts_durations_and_iso_times(text, want):
    assert trail.parse_since(text, NOW) == want


def test_since_rejects_nonsense():
    with pytest.raises(ValueError):
        trail.parse_since("yesterday", NOW)


def test_failures_keep_denials_of_this_principal_only():
    events = [
        _event("RunInstances", "Client.UnauthorizedOperation", minutes=1),
        _event("DescribeInstances", None),
        _event("GetObject", "AccessDenied", minutes=3, requestParameters={"bucketName": "b"}),
        _event(
            "DeleteBucket", "AccessDenied", arn="arn:aws:sts::123456789012:assumed-role/Other/alice"
        ),
        _event("ListTables", "ThrottlingException"),
        _event("GetKeyPolicy", "AccessDeniedException", minutes=9),
    ]
    found = trail.failures(events, caller_arn=ME)
    assert [f.event_name for f in found] == ["RunInstances", "GetObject", "GetKeyPolicy"]
    assert found[1].line() == "2026-03-01T11:57:00Z  ec2.amazonaws.com GetObject  AccessDenied  b"


def test_trail_command_looks_up_by_user_name_and_prints_one_line_each(monkeypatch, capsys):
    from awsguard.cli import main

    sts, cloudtrail = _client("sts"), _client("cloudtrail")
    sts_stub, ct_stub = Stubber(sts), Stubber(cloudtrail)
    sts_stub.add_response(
        "get_caller_identity", {"UserId": "AROAEXAMPLE:alice", "Account": "123456789012", "Arn": ME}
    )
    ct_stub.add_response(
        "lookup_events",
        {
            "Events": [
                _event("RunInstances", "Client.UnauthorizedOperation"),
                _event("DescribeVpcs", None),
            ]
        },
        {
            "LookupAttributes": [{"AttributeKey": "Username", "AttributeValue": "alice"}],
            "StartTime": ANY,
            "EndTime": ANY,
        },
    )
    sts_stub.activate()
    ct_stub.activate()
    monkeypatch.setattr(
        trail_command, "make_clients", lambda p, r: (sts, cloudtrail, "ASIAEXAMPLE")
    )
    assert main(["trail", "--since", "2h"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert "ec2.amazonaws.com RunInstances  Client.UnauthorizedOperation  -" in out[0]
    ct_stub.assert_no_pending_responses()


def test_trail_without_permission_explains_what_is_missing(monkeypatch):
    sts, cloudtrail = _client("sts"), _client("cloudtrail")
    sts_stub, ct_stub = Stubber(sts), Stubber(cloudtrail)
    sts_stub.add_response(
        "get_caller_identity",
        {"UserId": "AIDA", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/bob"},
    )
    ct_stub.add_client_error("lookup_events", service_error_code="AccessDeniedException")
    sts_stub.activate()
    ct_stub.activate()
    with pytest.raises(AwsguardError) as caught:
        trail_command.lookup_failures(sts, cloudtrail, None, NOW - timedelta(hours=1))
    assert "cloudtrail:LookupEvents" in str(caught.value)


def test_trail_rejects_a_bad_since(capsys):
    from awsguard.cli import main

    assert main(["trail", "--since", "soon"]) == 1
    assert "--since 'soon'" in capsys.readouterr().err
