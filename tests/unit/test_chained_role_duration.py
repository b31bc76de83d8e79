"""A role assumed with role credentials (role chaining) gets at most one hour: whoami and
the shim warn (`chained-role-duration`), doctor flags the profile, and explain reads
STS's refusal. AWS STS AssumeRole, DurationSeconds:
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
"""

from __future__ import annotations

from pathlib import Path

import pytest

from awsguard.awsconfig import load_files
from awsguard.doctor.common import OK, WARN
from awsguard.doctor.profile import check_profile
from awsguard.explain import diagnose_text, render
from awsguard.explain.advice import DiagnosisContext
from awsguard.invocation import parse
from awsguard.resolve import CHAINED_ROLE_DURATION, chained_role_basis, resolve

ROLE = "arn:aws:iam::123456789012:role"
CONFIG = f"""\
[profile keys]
aws_access_key_id = AKIAKEYS000000000001
aws_secret_access_key = s

[profile first]
role_arn = {ROLE}/first
source_profile = keys
duration_seconds = 43200

[profile chained]
role_arn = {ROLE}/second
source_profile = first
duration_seconds = 7200

[profile chainedhour]
role_arn = {ROLE}/second
source_profile = first
duration_seconds = 3600

[profile chainednone]
role_arn = {ROLE}/second
source_profile = first

[profile sso]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Admin

[profile onsso]
role_arn = {ROLE}/fromsso
source_profile = sso
duration_seconds = 14400

[profile onec2]
role_arn = {ROLE}/fromec2
credential_source = Ec2InstanceMetadata
duration_seconds = 3601

[profile onecs]
role_arn = {ROLE}/fromecs
credential_source = EcsContainer
duration_seconds = 7200

[profile webid]
role_arn = {ROLE}/web
web_identity_token_file = /nonexistent/token

[profile onwebid]
role_arn = {ROLE}/fromweb
source_profile = webid
duration_seconds = 7200
"""


@pytest.fixture
def home(clean_env: Path) -> Path:
    (clean_env / ".aws" / "config").write_text(CONFIG)
    return clean_env


def resolved(home: Path, profile: str):
    env = {"HOME": str(home), "AWS_PROFILE": profile, "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/creds"}
    return resolve(parse(["s3", "ls"], major=2), env, load_files(env), 2)


def chained_conflict(res):
    return next((c for c in res.conflicts if c.code == CHAINED_ROLE_DURATION), None)


@pytest.mark.parametrize(
    ("profile", "basis"),
    [
        ("chained", "role chain chained -> first"),
        ("onsso", "SSO role credentials of profile sso"),
        ("onec2", "the instance profile's role credentials"),
        ("onecs", "the container's task role credentials"),
        ("onwebid", "web identity role credentials of profile webid"),
    ],
)
def test_a_chained_role_asking_for_more_than_an_hour_is_flagged(home, profile, basis):
    res = resolved(home, profile)
    assert chained_role_basis(res) == basis
    conflict = chained_conflict(res)
    assert conflict is not None and conflict.applies_to_shim
    assert f"duration_seconds = {res.duration_seconds}" in conflict.message
    assert basis in conflict.message and "1 hour" in conflict.message
    assert f"in profile {profile}" in conflict.fix


@pytest.mark.parametrize("profile", ["first", "chainedhour", "chainednone", "keys", "sso"])
def test_no_warning_without_chaining_or_within_the_hour(home, profile):
    assert chained_conflict(resolved(home, profile)) is None


def test_doctor_warns_on_the_profile(home):
    checks = check_profile(resolved(home, "chained"), ["chained"], imds_disabled=True)
    effective = checks[0]
    assert effective.status == WARN
    assert any("[chained-role-duration]" in line for line in effective.evidence)
    assert "duration_seconds to 3600 or less" in (effective.fix or "")
    assert check_profile(resolved(home, "first"), ["first"], True)[0].status == OK


def test_explain_reads_the_sts_refusal():
    text = (
        "An error occurred (ValidationError) when calling the AssumeRole operation: The "
        "requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
        "role chaining."
    )
    d = diagnose_text(text, DiagnosisContext(profile="chained"))
    assert "role chaining" in d.reason and "1 hour" in d.reason
    assert d.next_commands == ["aws configure set duration_seconds 3600 --profile chained"]
    assert "API_AssumeRole.html" in render(d)
    other = diagnose_text("An error occurred (ValidationError) when calling the X operation: "
                          "1 validation error detected")
    assert "role chaining" not in other.reason
