"""Online `awsguard simulate` against an AWS Organization in moto: SCPs from root to account.

Which account is which (moto 5):
- The plain `testing` keys are moto's default account 123456789012. That account calls
  CreateOrganization below, so it is the organization's MANAGEMENT account (asserted in the
  fixture). No SCP applies to it.
- CreateAccount makes a MEMBER account with a random id; it is moved into the OU
  "Workloads". AssumeRole into its OrganizationAccountAccessRole gives keys for it (moto maps
  STS keys to the account in the role ARN). IAM (and S3) are per account in moto, as in AWS.
- Only the management account can read the organization's structure and policies (ListParents,
  ListPoliciesForTarget, DescribePolicy); a member can only DescribeOrganization. In moto a
  member's ListParents fails with AccountNotFoundException, in AWS with AccessDenied.

So no single set of keys can read both a member user's IAM policies and the SCPs above it.
The CLI runs with one set of keys, so its subprocess tests cover what each side can see; the
full picture (member identity policies + SCPs) goes through `gather()` with a session whose
Organizations client holds the management keys and every other client the member's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from awsguard.policy.evaluate import evaluate
from awsguard.policy.online import gather

# The awsguard of the interpreter running the tests (whatever checkout or venv it is).
AWSGUARD = [sys.executable, "-m", "awsguard"]
MANAGEMENT = "123456789012"
REGION = "us-east-1"
ALL_S3 = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AllS3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
NO_DELETE_BUCKET = {"Version": "2012-10-17", "Statement": [
    {"Sid": "KeepBuckets", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}
EC2_ONLY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}
ONLY_S3_READS = {"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadsOnly", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
BUCKET = "arn:aws:s3:::scp-bucket"
OBJECT = f"{BUCKET}/k"
DELETE = ["--action", "s3:DeleteBucket", "--resource", BUCKET]
GET = ["--action", "s3:GetObject", "--resource", OBJECT]


@dataclass
class Org:
    url: str
    management_keys: dict[str, str]
    member_keys: dict[str, str]
    member: str
    root: str
    ou: str

    def session(self, keys: dict[str, str]) -> Any:
        import boto3

        return boto3.session.Session(
            aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=keys.get("AWS_SESSION_TOKEN"), region_name=REGION)

    def client(self, keys: dict[str, str], service: str) -> Any:
        return self.session(keys).client(service, endpoint_url=self.url)

    def orgs(self) -> Any:
        return self.client(self.management_keys, "organizations")

    def attach_scp(self, name: str, document: dict, target: str) -> str:
        orgs = self.orgs()
        policy = orgs.create_policy(Name=name, Description=name, Type="SERVICE_CONTROL_POLICY",
                                    Content=json.dumps(document))["Policy"]["PolicySummary"]
        orgs.attach_policy(PolicyId=policy["Id"], TargetId=target)
        return policy["Id"]

    def user(self, keys: dict[str, str], name: str, document: dict) -> str:
        iam = self.client(keys, "iam")
        arn = iam.create_user(UserName=name)["User"]["Arn"]
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(document))
        return arn


class _Routed:
    """A boto3-like session: Organizations with the management keys, the rest as the member."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.region_name = REGION

    def client(self, service: str, region_name: str | None = None) -> Any:
        keys = self.org.management_keys if service == "organizations" else self.org.member_keys
        return self.org.session(keys).client(service, region_name=region_name or REGION)


@pytest.fixture
def org(moto_server, monkeypatch) -> Any:
    moto_server.reset()  # the server is shared by the whole session
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    management = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    setup = Org(moto_server.url, management, {}, "", "", "")
    orgs = setup.orgs()
    created = orgs.create_organization(FeatureSet="ALL")["Organization"]
    assert created["MasterAccountId"] == MANAGEMENT
    assert setup.client(management, "sts").get_caller_identity()["Account"] == MANAGEMENT
    root = orgs.list_roots()["Roots"][0]["Id"]
    ou = orgs.create_organizational_unit(ParentId=root, Name="Workloads")[
        "OrganizationalUnit"]["Id"]
    member = orgs.create_account(AccountName="member", Email="member@example.com")[
        "CreateAccountStatus"]["AccountId"]
    assert member != MANAGEMENT
    orgs.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)
    creds = setup.client(management, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole",
        RoleSessionName="tests")["Credentials"]
    member_keys = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
                   "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                   "AWS_SESSION_TOKEN": creds["SessionToken"]}
    assert setup.client(member_keys, "sts").get_caller_identity()["Account"] == member
    built = Org(moto_server.url, management, member_keys, member, root, ou)
    built.client(member_keys, "s3").create_bucket(Bucket="scp-bucket")
    yield built
    moto_server.reset()  # leave no organization behind for later online tests


def simulate(org: Org, keys: dict[str, str], tmp_path: Path, *argv: str) -> dict:
    """Run the installed `awsguard simulate --json` as a process, as the holder of `keys`."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share"),
           "XDG_STATE_HOME": str(home / ".local/state"), "XDG_CACHE_HOME": str(home / ".cache"),
           "AWS_ENDPOINT_URL": org.url, "AWS_DEFAULT_REGION": REGION,
           "AWS_CONFIG_FILE": str(home / "no-config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"), **keys}
    done = subprocess.run([*AWSGUARD, "simulate", *argv, "--no-compare", "--json"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout)


def test_scp_deny_at_the_ou_blocks_a_member_user_whose_identity_allows_s3(org) -> None:
    alice = org.user(org.member_keys, "alice", ALL_S3)
    org.attach_scp("NoDeleteBucket", NO_DELETE_BUCKET, org.ou)

    gathered = gather("s3:DeleteBucket", BUCKET, alice, {}, session=_Routed(org))
    assert gathered.unreadable == []
    assert f"SCPs of account {org.member} (3 levels)" in gathered.read
    levels = gathered.input.scps
    # root first, then the OU, then the account itself; FullAWSAccess stays at every level
    assert [sorted(p.name for p in level) for level in levels] == [
        ["FullAWSAccess"], ["FullAWSAccess", "NoDeleteBucket"], ["FullAWSAccess"]]
    assert gathered.input.request.management_account == MANAGEMENT
    denied = evaluate(gathered.input).to_json()
    assert (denied["decision"], denied["blocked_by"]) == ("explicit-deny", ["scp"])
    [deciding] = denied["statements"]
    assert (deciding["policy"], deciding["statement"], deciding["level"]) == (
        "NoDeleteBucket", "KeepBuckets", 1)

    read = gather("s3:GetObject", OBJECT, alice, {}, session=_Routed(org))
    allowed = evaluate(read.input).to_json()
    assert (allowed["decision"], allowed["blocked_by"]) == ("allowed", [])


def test_allow_list_scp_without_the_action_is_an_implicit_deny(org) -> None:
    alice = org.user(org.member_keys, "alice", ALL_S3)
    org.attach_scp("OnlyS3Reads", ONLY_S3_READS, org.ou)
    org.orgs().detach_policy(PolicyId="p-FullAWSAccess", TargetId=org.ou)

    gathered = gather("s3:DeleteBucket", BUCKET, alice, {}, session=_Routed(org))
    denied = evaluate(gathered.input).to_json()
    assert (denied["decision"], denied["blocked_by"]) == ("implicit-deny", ["scp"])
    read = gather("s3:GetObject", OBJECT, alice, {}, session=_Routed(org))
    assert evaluate(read.input).decision.value == "allowed"


def test_default_full_aws_access_at_every_level_allows(org) -> None:
    alice = org.user(org.member_keys, "alice", ALL_S3)
    gathered = gather("s3:DeleteBucket", BUCKET, alice, {}, session=_Routed(org))
    assert [[p.name for p in level] for level in gathered.input.scps] == [["FullAWSAccess"]] * 3
    out = evaluate(gathered.input).to_json()
    assert (out["decision"], out["blocked_by"]) == ("allowed", [])


def test_cli_as_management_reads_the_member_scps_and_denies(org, tmp_path) -> None:
    """The management keys see the SCPs but not the member's IAM: an SCP Deny still decides."""
    org.user(org.member_keys, "alice", EC2_ONLY)
    org.user(org.management_keys, "alice", ALL_S3)  # same name, other account: must not count
    org.attach_scp("NoDeleteBucket", NO_DELETE_BUCKET, org.ou)
    alice = f"arn:aws:iam::{org.member}:user/alice"

    denied = simulate(org, org.management_keys, tmp_path, *DELETE, "--principal", alice)
    assert denied["decision"] == "explicit-deny"
    assert "scp" in denied["blocked_by"]
    assert any(ref["policy"] == "NoDeleteBucket" for ref in denied["statements"])
    assert f"SCPs of account {org.member} (3 levels)" in denied["online"]["read"]

    get = simulate(org, org.management_keys, tmp_path, *GET, "--principal", alice)
    # before the fix this read the management account's alice (s3:*) and said "allowed"
    assert (get["decision"], get["blocked_by"]) == ("implicit-deny", ["identity"])
    assert [item["what"] for item in get["online"]["unreadable"]] == [
        f"the IAM policies of {alice}"]
    assert not any("inline policy" in item for item in get["online"]["read"])


def test_cli_full_aws_access_only_leaves_scps_out_of_blocked_by(org, tmp_path) -> None:
    org.user(org.member_keys, "alice", ALL_S3)
    alice = f"arn:aws:iam::{org.member}:user/alice"
    out = simulate(org, org.management_keys, tmp_path, *DELETE, "--principal", alice)
    assert f"SCPs of account {org.member} (3 levels)" in out["online"]["read"]
    assert "scp" not in out["blocked_by"]


def test_cli_no_scp_applies_to_the_management_account(org, tmp_path) -> None:
    admin = org.user(org.management_keys, "admin", ALL_S3)
    assert f":{MANAGEMENT}:" in admin
    org.attach_scp("NoDeleteBucketRoot", NO_DELETE_BUCKET, org.root)
    org.attach_scp("NoDeleteBucketAccount", NO_DELETE_BUCKET, MANAGEMENT)

    out = simulate(org, org.management_keys, tmp_path, *DELETE, "--principal", admin)
    assert (out["decision"], out["blocked_by"]) == ("allowed", [])
    assert "SCPs skipped: they do not apply to the management account" in out["warnings"]
    assert f"SCPs of account {MANAGEMENT} (2 levels)" in out["online"]["read"]


def test_cli_same_scp_blocks_a_member_of_the_root(org, tmp_path) -> None:
    """Control for the management case: the root SCP does reach a member account."""
    org.attach_scp("NoDeleteBucketRoot", NO_DELETE_BUCKET, org.root)
    alice = f"arn:aws:iam::{org.member}:user/alice"
    out = simulate(org, org.management_keys, tmp_path, *DELETE, "--principal", alice)
    assert out["decision"] == "explicit-deny" and "scp" in out["blocked_by"]
    [ref] = [ref for ref in out["statements"] if ref["layer"] == "scp"]
    assert (ref["policy"], ref["level"]) == ("NoDeleteBucketRoot", 0)


def test_cli_as_the_member_reports_the_scps_as_unreadable(org, tmp_path) -> None:
    """A member's own keys read its IAM but not the SCPs; the result says it could not."""
    org.user(org.member_keys, "alice", ALL_S3)
    org.attach_scp("NoDeleteBucket", NO_DELETE_BUCKET, org.ou)
    alice = f"arn:aws:iam::{org.member}:user/alice"
    out = simulate(org, org.member_keys, tmp_path, *DELETE, "--principal", alice)
    assert out["decision"] == "allowed"  # locally; the SCP it could not read would deny
    assert any(item["what"] == f"SCPs of account {org.member}"
               for item in out["online"]["unreadable"])
    assert any(w.startswith(f"could not read SCPs of account {org.member}")
               for w in out["warnings"])


def test_every_page_of_a_level_is_read(org) -> None:
    """ListPoliciesForTarget pages (moto: 20 a page); an SCP on page two must still count."""
    alice = org.user(org.member_keys, "alice", ALL_S3)
    allow_all = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    for index in range(20):
        org.attach_scp(f"AllowAll{index:02}", allow_all, org.ou)
    org.attach_scp("ZzNoDeleteBucket", NO_DELETE_BUCKET, org.ou)

    gathered = gather("s3:DeleteBucket", BUCKET, alice, {}, session=_Routed(org))
    assert len(gathered.input.scps[1]) == 22
    out = evaluate(gathered.input).to_json()
    assert (out["decision"], out["blocked_by"]) == ("explicit-deny", ["scp"])
