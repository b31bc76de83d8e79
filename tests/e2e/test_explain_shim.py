"""The shim names the policy layer moto's bare refusals do not, through the installed shim
and the real AWS CLI v1, against a moto server that enforces IAM.

User A may read its own policies and do s3:* on everything, but one statement denies
s3:ListBucket on the locked bucket; user B may only read its own policies. moto answers
both with the same bare "Access Denied": only the shim's reading of their policies tells
an explicit deny from no allow.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from fixtures.install import run_aws
from fixtures.moto import MotoServer, start_moto

LOCKED = "enrich-locked"
OPEN = "enrich-open"
# moto checks IAM calls against Resource "*" (it does not work out the user's ARN for them),
# so "its own policies" is written as iam reads on "*".
READ_OWN = {
    "Sid": "ReadOwnPolicies",
    "Effect": "Allow",
    "Action": ["iam:GetUser", "iam:GetUserPolicy", "iam:ListUserPolicies",
               "iam:ListAttachedUserPolicies", "iam:ListGroupsForUser", "iam:GetPolicy",
               "iam:GetPolicyVersion"],
    "Resource": "*",
}
POLICY_A = {
    "Version": "2012-10-17",
    "Statement": [
        READ_OWN,
        {"Sid": "AllS3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Sid": "DenyS3", "Effect": "Deny", "Action": "s3:ListBucket",
         "Resource": f"arn:aws:s3:::{LOCKED}"},
    ],
}
POLICY_B = {"Version": "2012-10-17", "Statement": [READ_OWN]}


@dataclass
class Enforced:
    server: MotoServer
    keys: dict[str, tuple[str, str]]  # user name -> (access key id, secret)


def _setup(url: str) -> dict[str, tuple[str, str]]:
    """Users, policies and buckets, made with the `testing` keys: SETUP_CALLS calls."""
    import boto3

    kwargs = {"endpoint_url": url, "region_name": "us-east-1",
              "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    iam, s3 = boto3.client("iam", **kwargs), boto3.client("s3", **kwargs)
    keys = {}
    for user, policy in (("a", POLICY_A), ("b", POLICY_B)):
        iam.create_user(UserName=user)  # 1, 4
        iam.put_user_policy(UserName=user, PolicyName="guard",  # 2, 5
                            PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=user)["AccessKey"]  # 3, 6
        keys[user] = (key["AccessKeyId"], key["SecretAccessKey"])
    s3.create_bucket(Bucket=LOCKED)  # 7
    s3.create_bucket(Bucket=OPEN)  # 8
    return keys


SETUP_CALLS = 8  # IAM enforcement starts after exactly these, for the whole server


@pytest.fixture(scope="module")
def enforced() -> Iterator[Enforced]:
    server = start_moto({"INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_CALLS)})
    try:
        yield Enforced(server, _setup(server.url))
    finally:
        server.stop()


def as_user(
    aws_env: dict[str, str], enforced: Enforced, user: str, policies: str | None = "1"
) -> dict[str, str]:
    """The user's environment; policy reading asked for (AWSGUARD_EXPLAIN_POLICIES=1)
    unless `policies` says otherwise (None: the default, not asked)."""
    key_id, secret = enforced.keys[user]
    env = {**aws_env, "AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret,
           "AWS_ENDPOINT_URL": enforced.server.url}
    if policies is not None:
        env["AWSGUARD_EXPLAIN_POLICIES"] = policies
    return env


def diagnosis_block(stderr: bytes) -> str:
    text = stderr.decode()
    assert "awsguard: access refused" in text, text
    return text[text.index("awsguard: access refused"):]


@pytest.mark.parametrize("argv", [
    ("s3", "ls", f"s3://{LOCKED}"),
    ("s3api", "list-objects-v2", "--bucket", LOCKED),
])
def test_explicit_deny_in_the_users_own_policy_is_named(aws_env, enforced, argv):
    out = run_aws(as_user(aws_env, enforced, "a"), *argv)
    assert out.returncode != 0
    block = diagnosis_block(out.stderr)
    assert block.startswith(
        "awsguard: access refused (AccessDenied): explicit deny in an identity-based policy"
    )
    assert "arn:aws:iam::123456789012:user/a" in block
    assert (
        f"Statement 'DenyS3' in inline policy 'guard' of user a denies s3:ListBucket on "
        f"arn:aws:s3:::{LOCKED}" in block
    )
    assert enforced.keys["a"][1] not in out.stderr.decode()


@pytest.mark.parametrize("argv", [
    ("s3", "ls", f"s3://{LOCKED}"),
    ("s3api", "list-objects-v2", "--bucket", LOCKED),
])
def test_no_allow_is_named_as_no_identity_based_policy_allows(aws_env, enforced, argv):
    out = run_aws(as_user(aws_env, enforced, "b"), *argv)
    assert out.returncode != 0
    block = diagnosis_block(out.stderr)
    assert block.startswith(
        "awsguard: access refused (AccessDenied): no identity-based policy allows it"
    )
    assert "None of the policies awsguard read for user b (inline policy 'guard')" in block
    assert "explicit deny" not in block


@pytest.mark.parametrize("policies", [None, "0"])
def test_not_asked_or_turned_off_keeps_the_bare_diagnosis(aws_env, enforced, policies):
    env = as_user(aws_env, enforced, "a", policies)
    out = run_aws(env, "s3api", "list-objects-v2", "--bucket", LOCKED)
    block = diagnosis_block(out.stderr)
    assert block.startswith("awsguard: access refused (AccessDenied): no policy allows it")
    assert "DenyS3" not in block


def test_policies_true_in_config_toml_asks_for_the_reading(aws_env, enforced, tmp_path):
    config = tmp_path / "awsguard-config.toml"
    config.write_text("[explain]\npolicies = true\n")
    config.chmod(0o600)
    env = {**as_user(aws_env, enforced, "a", None), "AWSGUARD_CONFIG": str(config)}
    out = run_aws(env, "s3api", "list-objects-v2", "--bucket", LOCKED)
    block = diagnosis_block(out.stderr)
    assert "Statement 'DenyS3' in inline policy 'guard' of user a denies" in block


def test_a_successful_call_prints_nothing_extra(aws_env, enforced):
    out = run_aws(as_user(aws_env, enforced, "a"), "s3api", "list-objects-v2", "--bucket", OPEN)
    assert out.returncode == 0, out.stderr
    assert out.stderr == b""
    json.loads(out.stdout)  # the CLI's own answer, untouched
