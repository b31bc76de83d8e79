"""Diagnosis from what the monitor sees and what the shim knows; the kept last diagnosis."""

from __future__ import annotations

import json
import stat
import sys
import types

import pytest

from awsguard.explain import (
    Diagnosis,
    DiagnosisContext,
    diagnose,
    diagnose_text,
    load_last,
    render,
    save_last,
)
from awsguard.explain.codes import is_auth_failure

ISSUE_KEYS = {"category", "policy_type", "action", "principal", "resource", "hints"}


@pytest.fixture
def state_env(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return {"XDG_STATE_HOME": str(tmp_path / "state"), "HOME": str(tmp_path)}


def test_csm_fields_alone_give_action_from_api_and_principal_from_identity_cache():
    context = DiagnosisContext(
        principal_arn="arn:aws:sts::111122223333:assumed-role/Dev/alice",
        credential_source="assume-role",
        profile="dev",
        region="eu-west-1",
        argv=("s3", "ls", "s3://logs-bucket/2024/"),
    )
    d = diagnose("AccessDenied", "Access Denied", "ListObjectsV2", "S3", context)
    assert (d.category, d.action, d.principal, d.resource) == (
        "implicit-deny",
        "s3:ListBucket",
        "arn:aws:sts::111122223333:assumed-role/Dev/alice",
        "arn:aws:s3:::logs-bucket",
    )
    assert (
        "aws cloudtrail lookup-events --lookup-attributes "
        "AttributeKey=Username,AttributeValue=alice --max-results 20 "
        "--profile dev --region eu-west-1"
    ) in d.next_commands
    assert d.next_commands[0] == (
        "awsguard simulate --action s3:ListBucket --resource arn:aws:s3:::logs-bucket"
    )


def test_head_object_maps_to_get_object_and_names_the_object_arn():
    context = DiagnosisContext(argv=("s3api", "head-object", "--bucket", "b", "--key", "k/x.bin"))
    d = diagnose("403", "Forbidden", "HeadObject", "S3", context)
    assert (d.category, d.action, d.resource) == (
        "implicit-deny",
        "s3:GetObject",
        "arn:aws:s3:::b/k/x.bin",
    )
    assert any("403, not 404" in h for h in d.hints)


def test_upload_uses_the_last_s3_uri_as_target():
    context = DiagnosisContext(argv=("s3", "cp", "s3://src/a.txt", "s3://dst/b.txt"))
    d = diagnose("AccessDenied", "Access Denied", "PutObject", "S3", context)
    assert d.resource == "arn:aws:s3:::dst/b.txt"
    d = diagnose("AccessDenied", "Access Denied", "GetObject", "S3", context)
    assert d.resource == "arn:aws:s3:::src/a.txt"


def test_message_principal_wins_over_identity_cache():
    message = "User: arn:aws:iam::1:user/real is not authorized to perform: iam:ListUsers"
    d = diagnose(
        "AccessDenied",
        message,
        "ListUsers",
        "IAM",
        DiagnosisContext(principal_arn="arn:aws:iam::1:user/cached"),
    )
    assert d.principal == "arn:aws:iam::1:user/real"


def test_catalog_is_asked_first_for_the_action(monkeypatch):
    fake = types.ModuleType("awsguard.catalog")
    fake.iam_actions_for_api = lambda service, api: ["ec2:CustomFromCatalog"]
    monkeypatch.setitem(sys.modules, "awsguard.catalog", fake)
    monkeypatch.setattr("awsguard.catalog", fake, raising=False)
    d = diagnose("UnauthorizedOperation", "You are not authorized", "RunInstances", "EC2")
    assert d.action == "ec2:CustomFromCatalog"


def test_broken_catalog_falls_back_to_the_hand_kept_table(monkeypatch):
    fake = types.ModuleType("awsguard.catalog")

    def broken(service, api):
        raise RuntimeError("table missing")

    fake.iam_actions_for_api = broken
    monkeypatch.setitem(sys.modules, "awsguard.catalog", fake)
    monkeypatch.setattr("awsguard.catalog", fake, raising=False)
    d = diagnose("AccessDenied", "Access Denied", "ListObjectsV2", "S3")
    assert d.action == "s3:ListBucket"


def test_a_catalog_without_the_call_falls_back_to_the_hand_kept_table(monkeypatch):
    from awsguard import catalog

    monkeypatch.setattr(catalog, "iam_actions_for_api", lambda service, api: [])
    d = diagnose("403", "Forbidden", "HeadObject", "S3")
    assert d.action == "s3:GetObject"


def test_encoded_message_cut_at_the_csm_limit_is_not_offered_for_decoding():
    head = (
        "You are not authorized to perform this operation. Encoded authorization failure message: "
    )
    message = head + "A" * (512 - len(head))
    d = diagnose("UnauthorizedOperation", message, "RunInstances", "EC2")
    assert d.encoded_message is None
    assert not any(c.startswith("awsguard decode") for c in d.next_commands)
    assert any("cut short" in h for h in d.hints)
    whole = diagnose("UnauthorizedOperation", head + "B" * 40, "RunInstances", "EC2")
    assert whole.encoded_message == "B" * 40


def test_expired_sso_credentials_suggest_sso_login():
    d = diagnose(
        "ExpiredToken",
        "The security token included in the request is expired",
        "ListBuckets",
        "S3",
        DiagnosisContext(credential_source="sso", profile="work"),
    )
    assert d.category == "expired-credentials"
    assert d.next_commands == ["aws sso login --profile work"]


def test_expired_env_credentials_say_where_they_come_from():
    d = diagnose(
        "ExpiredToken",
        "The security token included in the request is expired",
        context=DiagnosisContext(
            credential_source="env", profile="dev", expires_at="2026-01-01T00:00:00Z"
        ),
    )
    assert "AWS_SESSION_TOKEN" in " ".join(d.hints)
    assert d.expires_at == "2026-01-01T00:00:00Z"
    # awsguard mfa refreshes the profile's session, which env keys would still shadow.
    assert d.next_commands == ["unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN"]


def test_signature_mismatch_with_known_skew_is_clock_skew():
    d = diagnose(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match",
        context=DiagnosisContext(clock_skew_seconds=420),
    )
    assert d.category == "clock-skew"
    assert "420 s" in d.reason
    small = diagnose("SignatureDoesNotMatch", "x", context=DiagnosisContext(clock_skew_seconds=3))
    assert small.category == "signature-mismatch"


def test_profile_names_are_shell_quoted_in_next_commands():
    d = diagnose("ExpiredToken", "expired",
                 context=DiagnosisContext(profile="my team", profile_has_mfa=True))
    assert "awsguard mfa 'my team'" in d.next_commands


@pytest.mark.parametrize(
    ("code", "status", "want"),
    [
        ("AccessDenied", 403, True),
        ("Client.UnauthorizedOperation", 400, True),
        ("AccessDeniedForDependencyException", 400, True),
        ("ExpiredTokenException", 400, True),
        ("403", 403, True),
        (None, 403, True),
        ("NoSuchKey", 404, False),
        ("ThrottlingException", 400, False),
        (None, 200, False),
    ],
)
def test_auth_failure_codes(code, status, want):
    assert is_auth_failure(code, status) is want


def test_as_dict_has_the_issue_keys_and_is_json():
    d = diagnose_text(
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied"
    )
    data = json.loads(json.dumps(d.as_dict()))
    assert ISSUE_KEYS <= set(data)
    assert Diagnosis.from_dict(data) == d


def test_render_has_who_what_why_next():
    context = DiagnosisContext(
        principal_arn="arn:aws:iam::1:user/x",
        credential_source="shared-credentials-file",
        profile="dev",
    )
    d = diagnose(
        "AccessDenied",
        "User: arn:aws:iam::1:user/x is not authorized to perform: s3:ListBucket on "
        'resource: "arn:aws:s3:::b" with an explicit deny in a service control policy',
        "ListObjectsV2",
        "S3",
        context,
    )
    lines = render(d).splitlines()
    assert lines[0] == (
        "awsguard: access refused (AccessDenied): explicit deny in a service control policy "
        "(AWS Organizations)"
    )
    assert (
        lines[1]
        == "  who:  arn:aws:iam::1:user/x (credentials: shared-credentials-file, profile dev)"
    )
    assert lines[2] == "  what: s3:ListBucket on arn:aws:s3:::b  [S3 ListObjectsV2]"
    assert lines[3].startswith("  why:  a service control policy denies s3:ListBucket")
    assert any(
        line.startswith("  next: awsguard simulate --action s3:ListBucket") for line in lines
    )


def test_render_shows_at_most_the_requested_hints():
    d = diagnose("AccessDenied", "Access Denied", "GetObject", "S3")
    assert len(d.hints) > 2
    assert sum(line.startswith("        - ") for line in render(d, max_hints=2).splitlines()) == 2


def test_save_and_load_last_round_trip_in_a_private_file(state_env, tmp_path):
    d = diagnose_text(
        "An error occurred (InvalidAccessKeyId) when calling the ListBuckets operation: "
        "The AWS Access Key Id AKIAIOSFODNN7EXAMPLE you provided does not exist in our records."
    )
    save_last(d, state_env)
    path = tmp_path / "state" / "awsguard" / "last-diagnosis.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "AKIAIOSFODNN7EXAMPLE" not in path.read_text()
    assert load_last(state_env) == d


def test_load_last_is_none_when_missing_or_corrupt(state_env, tmp_path):
    assert load_last(state_env) is None
    path = tmp_path / "state" / "awsguard" / "last-diagnosis.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"category": "nonsense"}')
    assert load_last(state_env) is None
    path.write_text("{not json")
    assert load_last(state_env) is None


# --- the explain command ----------------------------------------------------------------


def test_explain_message_json_goes_to_stdout(state_env, capsys):
    from awsguard.cli import main

    text = (
        "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: "
        "The security token included in the request is expired"
    )
    assert main(["explain", "--message", text, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["category"] == "expired-credentials"
    assert ISSUE_KEYS <= set(data)


def test_explain_message_reads_stdin(state_env, capsys, monkeypatch):
    import io

    from awsguard.cli import main

    monkeypatch.setattr(
        sys,
        "stdin",
        io.StringIO(
            "upload failed\nAn error occurred (AccessDenied) when calling the PutObject operation: "
            "Access Denied\n"
        ),
    )
    assert main(["explain", "--message", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["action"] == "s3:PutObject"


def test_explain_without_message_shows_the_last_diagnosis(state_env, capsys):
    from awsguard.cli import main

    save_last(diagnose("AccessDenied", "Access Denied", "ListBuckets", "S3"), state_env)
    assert main(["explain"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("awsguard: access refused (AccessDenied)")
    assert "s3:ListAllMyBuckets" in out


def test_explain_without_a_kept_diagnosis_says_how_to_proceed(state_env, capsys):
    from awsguard.cli import main

    assert main(["explain"]) == 1
    err = capsys.readouterr().err
    assert "no diagnosis kept yet" in err and "awsguard explain --message" in err
