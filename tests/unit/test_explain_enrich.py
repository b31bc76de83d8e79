"""Naming the policy layer AWS did not name: the pure conclusion over plain data, and
with_policies against a moto server (no IAM enforcement: every policy is readable)."""

from __future__ import annotations

import json
import os

import pytest

from awsguard.explain import DiagnosisContext, diagnose, render
from awsguard.explain.enrich import (
    OPT_OUT_VAR,
    conclude,
    request_context,
    resource_for,
    wanted,
    with_policies,
)
from awsguard.invocation import parse
from awsguard.policy import EvaluationInput, Request, evaluate, parse_policy
from awsguard.policy.online import Gathered

ACCOUNT = "123456789012"
USER = f"arn:aws:iam::{ACCOUNT}:user/x"
BUCKET = "arn:aws:s3:::reports"
ARGV = ("s3api", "list-objects-v2", "--bucket", "reports")
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYENRICHKEY"


def bare_s3_denial(principal: str | None = USER):
    """What the shim diagnoses from moto's (or another account's) bare S3 refusal."""
    return diagnose(
        "AccessDenied",
        "Access Denied",
        api="ListObjectsV2",
        service="s3",
        context=DiagnosisContext(principal_arn=principal, argv=ARGV),
    )


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


READ_IAM = {"Sid": "ReadOwn", "Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}
ALLOW_S3 = {"Sid": "AllS3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
DENY_LIST = {"Sid": "DenyS3", "Effect": "Deny", "Action": "s3:ListBucket", "Resource": BUCKET}


def gathered(
    identity: list[tuple[str, dict]],
    read: list[str] | None = None,
    unreadable: list[dict[str, str]] | None = None,
    boundary: tuple[str, dict] | None = None,
    action: str = "s3:ListBucket",
    resource: str = BUCKET,
) -> Gathered:
    policies = [parse_policy(document, name) for name, document in identity]
    boundaries = (
        [parse_policy(boundary[1], boundary[0], "permission-boundary")] if boundary else []
    )
    given = EvaluationInput(
        request=Request(principal=USER, action=action, resource=resource),
        identity_policies=policies,
        permission_boundaries=boundaries,
    )
    default_read = [f"inline policy {name.split('/')[-1]} of user x" for name, _ in identity]
    return Gathered(given, default_read if read is None else read, unreadable or [])


def concluded(d, found: Gathered):
    return conclude(d, found, evaluate(found.input), ARGV)


# --- the pure conclusion ------------------------------------------------------------------


def test_a_matching_deny_makes_it_an_explicit_deny_in_the_identity_policy():
    d = bare_s3_denial()
    assert (d.category, d.policy_type) == ("implicit-deny", None)
    out = concluded(d, gathered([("x/guard", doc(ALLOW_S3, DENY_LIST))]))
    assert (out.category, out.policy_type) == ("explicit-deny", "identity")
    assert out.hints[0].startswith(
        "Statement 'DenyS3' in inline policy 'guard' of user x denies s3:ListBucket on "
        f"{BUCKET}"
    )
    assert "Deny statement" in out.reason
    block = render(out)
    assert "explicit deny in an identity-based policy" in block
    assert "Statement 'DenyS3'" in block


def test_the_bare_s3_hints_go_once_the_layer_is_known():
    d = bare_s3_denial()
    assert any("another account's bucket" in h for h in d.hints)
    out = concluded(d, gathered([("x/guard", doc(ALLOW_S3, DENY_LIST))]))
    assert not any("another account's bucket" in h for h in out.hints)
    assert not any("Requester Pays" in h for h in out.hints)


def test_no_allow_makes_it_an_implicit_deny_by_identity_policies():
    out = concluded(bare_s3_denial(), gathered([("x/reads", doc(READ_IAM))]))
    assert (out.category, out.policy_type) == ("implicit-deny", "identity")
    assert "no identity-based policy allows it" in render(out)
    assert out.hints[0] == (
        "None of the policies awsguard read for user x (inline policy 'reads') allows "
        f"s3:ListBucket on {BUCKET}."
    )


def test_a_boundary_without_the_action_is_named_as_the_layer():
    boundary = ("arn:aws:iam::123456789012:policy/OnlyIam",
                doc({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}))
    out = concluded(bare_s3_denial(), gathered([("x/guard", doc(ALLOW_S3))], boundary=boundary))
    assert (out.category, out.policy_type) == ("implicit-deny", "permission-boundary")


def test_an_allow_failing_a_condition_is_shown_as_the_closest_statement():
    from_office = dict(ALLOW_S3, Sid="FromOffice",
                       Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    out = concluded(bare_s3_denial(), gathered([("x/office", doc(from_office))]))
    assert out.policy_type == "identity"
    assert any(h.startswith("Closest: Allow statement FromOffice") for h in out.hints)


def test_deny_in_a_group_policy_names_the_group():
    out = concluded(bare_s3_denial(), gathered([("group devs/no-list", doc(DENY_LIST))]))
    assert out.hints[0].startswith("Statement 'DenyS3' in inline policy 'no-list' of group devs")


def test_deny_in_a_managed_policy_without_sid_names_the_policy_and_number():
    arn = "arn:aws:iam::123456789012:policy/NoListing"
    deny = {k: v for k, v in DENY_LIST.items() if k != "Sid"}
    out = concluded(bare_s3_denial(), gathered([(arn, doc(ALLOW_S3, deny))]))
    assert out.hints[0].startswith(f"Statement #2 in managed policy 'NoListing' ({arn})")


def test_what_could_not_be_read_is_listed():
    unreadable = [{"what": "bucket policy of reports", "why": "AccessDenied"},
                  {"what": "SCPs (AWS Organizations)", "why": "403"}]
    out = concluded(bare_s3_denial(),
                    gathered([("x/guard", doc(ALLOW_S3, DENY_LIST))], unreadable=unreadable))
    assert out.hints[1] == (
        "Not readable with these credentials, so not accounted for: bucket policy of reports "
        "(AccessDenied); SCPs (AWS Organizations) (AccessDenied)."
    )


def test_unreadable_own_policies_leave_the_diagnosis_with_one_hint():
    d = bare_s3_denial()
    unreadable = [{"what": "inline policies of user x", "why": "AccessDenied"},
                  {"what": "managed policies of user x", "why": "AccessDenied"},
                  {"what": "groups of user x", "why": "AccessDenied"}]
    out = concluded(d, gathered([], read=[], unreadable=unreadable))
    assert (out.category, out.policy_type, out.reason) == (d.category, None, d.reason)
    assert out.hints[1:] == d.hints
    assert out.hints[0].startswith("awsguard could not read the policies of user x (AccessDenied)")
    assert "iam:ListUserPolicies" in out.hints[0]


def test_some_identity_policies_unreadable_no_allow_is_not_claimed():
    unreadable = [{"what": "groups of user x", "why": "AccessDenied"}]
    out = concluded(bare_s3_denial(), gathered([("x/reads", doc(READ_IAM))], unreadable=unreadable))
    assert (out.category, out.policy_type) == ("implicit-deny", None)
    assert "some could not be read" in out.hints[0]


def test_a_readable_deny_is_claimed_even_when_some_policies_are_unreadable():
    unreadable = [{"what": "groups of user x", "why": "AccessDenied"}]
    out = concluded(bare_s3_denial(),
                    gathered([("x/guard", doc(DENY_LIST))], unreadable=unreadable))
    assert (out.category, out.policy_type) == ("explicit-deny", "identity")


def test_aws_said_explicit_but_no_readable_deny_keeps_the_category():
    d = diagnose(
        "AccessDenied",
        f"User: {USER} is not authorized to perform: s3:ListBucket on resource: {BUCKET} "
        "with an explicit deny",
        api="ListObjectsV2",
        service="s3",
        context=DiagnosisContext(argv=ARGV),
    )
    assert (d.category, d.policy_type) == ("explicit-deny", None)
    out = concluded(d, gathered([("x/reads", doc(READ_IAM))]))
    assert (out.category, out.policy_type) == ("explicit-deny", None)
    assert "no Deny statement in the policies awsguard could read" in out.hints[0]


def test_readable_policies_that_allow_point_at_what_could_not_be_seen():
    d = bare_s3_denial()
    out = concluded(d, gathered([("x/guard", doc(ALLOW_S3))]))
    assert (out.category, out.policy_type) == (d.category, None)
    assert out.hints[0].startswith(
        "The policies awsguard could read allow s3:ListBucket on arn:aws:s3:::reports "
        "(Statement 'AllS3' in inline policy 'guard' of user x allows it)"
    )


def test_principal_learned_from_sts_fills_an_unknown_who():
    out = concluded(bare_s3_denial(principal=None), gathered([("x/guard", doc(DENY_LIST))]))
    assert out.principal == USER


def test_request_context_has_what_the_shim_knows():
    from datetime import datetime, timezone

    when = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert request_context("eu-west-1", True, when) == {
        "aws:CurrentTime": "2026-03-01T12:00:00Z",
        "aws:EpochTime": str(int(when.timestamp())),
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": "eu-west-1",
    }


# --- when it runs ---------------------------------------------------------------------------


def test_policies_are_read_only_when_asked_and_named_layers_are_left_alone():
    d = bare_s3_denial()
    assert not wanted(d, {})  # off unless asked: it costs the exit status ~0.5 s
    assert wanted(d, {OPT_OUT_VAR: "1"})
    assert wanted(d, {}, True)  # [explain] policies = true
    assert not wanted(d, {}, "yes")  # only a TOML boolean
    assert not wanted(d, {OPT_OUT_VAR: "0"}, True)  # the variable wins
    assert wanted(d, {OPT_OUT_VAR: "on"}, False)
    named = diagnose("AccessDenied", f"User: {USER} is not authorized to perform: s3:ListBucket "
                     "because no identity-based policy allows the s3:ListBucket action")
    assert named.policy_type == "identity" and not wanted(named, {OPT_OUT_VAR: "1"})
    expired = diagnose("ExpiredToken", "The security token included in the request is expired")
    assert not wanted(expired, {OPT_OUT_VAR: "1"})


def test_not_asked_the_diagnosis_is_unchanged_but_for_a_hint_naming_the_switch(monkeypatch):
    import awsguard.explain.enrich as enrich

    def boom(*_args):
        raise AssertionError("must not gather")

    monkeypatch.setattr(enrich, "_gather_and_evaluate", boom)
    d = bare_s3_denial()
    hinted = with_policies(d, {}, parse(list(ARGV)))
    assert hinted.hints == [*d.hints, enrich.SWITCH_HINT]
    assert (hinted.category, hinted.policy_type) == (d.category, d.policy_type)
    assert with_policies(d, {}, parse(list(ARGV)), False) == hinted
    expired = diagnose("ExpiredToken", "The security token included in the request is expired")
    assert with_policies(expired, {}, parse(list(ARGV))) is expired  # reading would not help


def test_opt_out_returns_the_same_diagnosis_without_calling_aws(monkeypatch):
    import awsguard.explain.enrich as enrich

    def boom(*_args):
        raise AssertionError("must not gather")

    monkeypatch.setattr(enrich, "_gather_and_evaluate", boom)
    d = bare_s3_denial()
    assert with_policies(d, {OPT_OUT_VAR: "0"}, parse(list(ARGV))) is d


def test_resource_is_star_only_for_actions_without_resources():
    assert resource_for(bare_s3_denial()) == BUCKET
    no_bucket = diagnose("AccessDenied", "Access Denied", api="ListObjectsV2", service="s3")
    assert resource_for(no_bucket) is None
    listing = diagnose("AccessDenied", f"User: {USER} is not authorized to perform: "
                       "s3:ListAllMyBuckets", api="ListBuckets", service="s3")
    assert resource_for(listing) == "*"


def test_any_internal_error_returns_the_diagnosis_unchanged(monkeypatch, capfd):
    import awsguard.explain.enrich as enrich

    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(enrich, "_gather_and_evaluate", broken)
    d = bare_s3_denial()
    assert with_policies(d, {OPT_OUT_VAR: "1"}, parse(list(ARGV))) is d
    assert capfd.readouterr() == ("", "")


# --- against moto ---------------------------------------------------------------------------


@pytest.fixture
def moto_env(moto_server, monkeypatch) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "AKIAENRICHTESTKEY001",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_server.url,
        "AWS_CONFIG_FILE": "/nonexistent/config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
        OPT_OUT_VAR: "1",  # asked for: these tests are about the reading itself
    }


def _client(service: str, env: dict[str, str]):
    import boto3

    return boto3.client(
        service,
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def test_moto_deny_in_a_group_policy_is_found_with_the_clis_credentials(moto_env, capfd):
    iam, s3 = _client("iam", moto_env), _client("s3", moto_env)
    iam.create_user(UserName="enrich-u1")
    iam.put_user_policy(UserName="enrich-u1", PolicyName="all-s3",
                        PolicyDocument=json.dumps(doc(ALLOW_S3)))
    iam.create_group(GroupName="enrich-g1")
    iam.add_user_to_group(GroupName="enrich-g1", UserName="enrich-u1")
    deny = dict(DENY_LIST, Resource="arn:aws:s3:::enrich-b1")
    iam.put_group_policy(GroupName="enrich-g1", PolicyName="no-list",
                         PolicyDocument=json.dumps(doc(deny)))
    s3.create_bucket(Bucket="enrich-b1")
    argv = ["s3", "ls", "s3://enrich-b1"]
    d = diagnose("AccessDenied", "Access Denied", api="ListObjectsV2", service="s3",
                 context=DiagnosisContext(principal_arn=f"arn:aws:iam::{ACCOUNT}:user/enrich-u1",
                                          argv=tuple(argv)))
    environ_before = dict(os.environ)

    out = with_policies(d, moto_env, parse(argv))

    assert (out.category, out.policy_type) == ("explicit-deny", "identity")
    assert out.hints[0].startswith(
        "Statement 'DenyS3' in inline policy 'no-list' of group enrich-g1 denies s3:ListBucket"
    )
    assert dict(os.environ) == environ_before
    assert capfd.readouterr() == ("", "")
    assert SECRET not in json.dumps(out.as_dict())


def test_moto_unknown_principal_is_asked_of_sts(moto_env):
    # Without IAM enforcement moto's GetCallerIdentity answers user/moto for any key.
    iam = _client("iam", moto_env)
    try:
        iam.create_user(UserName="moto")
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    iam.put_user_policy(UserName="moto", PolicyName="enrich-deny",
                        PolicyDocument=json.dumps(doc(dict(DENY_LIST, Sid="DenyNobody",
                                                           Resource="arn:aws:s3:::enrich-nobody"))))
    argv = ["s3api", "list-objects-v2", "--bucket", "enrich-nobody"]
    d = diagnose("AccessDenied", "Access Denied", api="ListObjectsV2", service="s3",
                 context=DiagnosisContext(argv=tuple(argv)))
    assert d.principal is None
    try:
        out = with_policies(d, moto_env, parse(argv))
    finally:
        iam.delete_user_policy(UserName="moto", PolicyName="enrich-deny")
    assert out.principal == f"arn:aws:sts::{ACCOUNT}:user/moto"
    assert (out.category, out.policy_type) == ("explicit-deny", "identity")
    assert out.hints[0].startswith("Statement 'DenyNobody' in inline policy 'enrich-deny'")


def test_moto_missing_user_leaves_the_diagnosis_unchanged(moto_env):
    d = bare_s3_denial(principal=f"arn:aws:iam::{ACCOUNT}:user/enrich-no-such-user")
    out = with_policies(d, moto_env, parse(list(ARGV)))
    assert (out.category, out.policy_type, out.hints) == (d.category, None, d.hints)


def test_unreachable_endpoint_leaves_the_diagnosis_unchanged(moto_env, capfd):
    from fixtures.moto import free_port

    env = dict(moto_env, AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
    d = bare_s3_denial()
    out = with_policies(d, env, parse(list(ARGV)))
    assert (out.category, out.policy_type, out.hints) == (d.category, None, d.hints)
    assert capfd.readouterr() == ("", "")


def test_a_role_session_is_read_as_its_role():
    role_session = f"arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/ci-run"
    given = EvaluationInput(
        request=Request(principal=role_session, action="s3:ListBucket", resource=BUCKET),
        identity_policies=[parse_policy(doc(ALLOW_S3, DENY_LIST), "Deployer/guard")],
    )
    found = Gathered(given, ["inline policy guard of role Deployer"], [
        {"what": "the session policy of this role session",
         "why": "AWS does not expose session policies after AssumeRole"}])
    out = concluded(bare_s3_denial(principal=role_session), found)
    assert (out.category, out.policy_type) == ("explicit-deny", "identity")
    assert out.hints[0].startswith("Statement 'DenyS3' in inline policy 'guard' of role Deployer")
    assert "the session policy of this role session" in out.hints[1]


def test_a_credential_process_profile_is_never_run(moto_env, tmp_path):
    marker = tmp_path / "ran"
    config = tmp_path / "config"
    config.write_text(f"[profile tool]\ncredential_process = sh -c 'touch {marker}'\n")
    env = {k: v for k, v in moto_env.items() if not k.startswith("AWS_ACCESS_KEY_ID")
           and k != "AWS_SECRET_ACCESS_KEY"}
    env["AWS_CONFIG_FILE"] = str(config)
    argv = ["--profile", "tool", *ARGV]
    d = bare_s3_denial()
    assert with_policies(d, env, parse(argv)) is d
    assert not marker.exists()


def test_a_server_that_never_answers_leaves_the_diagnosis_unchanged(moto_env):
    import socket

    # Accepts connections (the kernel's backlog) but never answers: reads time out, and the
    # watchdog gives up on the whole gathering.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        env = dict(moto_env, AWS_ENDPOINT_URL=f"http://127.0.0.1:{silent.getsockname()[1]}")
        d = bare_s3_denial()
        out = with_policies(d, env, parse(list(ARGV)))
    assert (out.category, out.policy_type, out.hints) == (d.category, None, d.hints)


def _role_profile(tmp_path, moto_env, extra: str = "") -> dict[str, str]:
    config = tmp_path / "config"
    config.write_text(
        "[profile src]\naws_access_key_id = AKIAENRICHSOURCE0001\n"
        f"aws_secret_access_key = {SECRET}\n"
        "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/enrich-deploy\n"
        f"source_profile = src\n{extra}"
    )
    env = {k: v for k, v in moto_env.items()
           if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    return dict(env, AWS_CONFIG_FILE=str(config), HOME=str(tmp_path))


def test_an_assume_role_profile_needing_mfa_never_prompts(moto_env, tmp_path, capfd):
    env = _role_profile(tmp_path, moto_env, "mfa_serial = arn:aws:iam::123456789012:mfa/me\n")
    d = bare_s3_denial()
    out = with_policies(d, env, parse(["--profile", "deploy", *ARGV]))
    assert (out.category, out.policy_type, out.hints) == (d.category, None, d.hints)
    assert capfd.readouterr() == ("", "")


def test_assumed_role_credentials_are_not_written_to_the_cli_cache(
    moto_env, tmp_path, monkeypatch
):
    env = _role_profile(tmp_path, moto_env)
    # As in the shim, whose own environment is the user's: botocore creates the STS client
    # for AssumeRole when the credentials are first used, after the CLI's env was put back.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with_policies(bare_s3_denial(), env, parse(["--profile", "deploy", *ARGV]))
    assert not (tmp_path / ".aws" / "cli" / "cache").exists()
    assert SECRET not in "".join(p.read_text(errors="ignore")
                                 for p in tmp_path.rglob("*") if p.is_file() and p.name != "config")
