"""Confirmation before destructive and permission-changing commands, through the installed
shim, the real AWS CLI v1 and moto, on a pseudo-terminal (issue 4, item 8)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pytest
from fixtures.worlds import moto_client, run_detached, unique, write_guard_config

ACCOUNT = "123456789012"  # moto's account
REFUSED = 77


@dataclass
class Case:
    """A command on a fresh resource, and how to tell whether the command took effect."""

    argv: list[str]
    untouched: Callable[[], bool]


def case_s3_rb(env: dict[str, str]) -> Case:
    s3, bucket = moto_client(env, "s3"), unique("rb")
    s3.create_bucket(Bucket=bucket)
    names = lambda: {b["Name"] for b in s3.list_buckets()["Buckets"]}  # noqa: E731
    return Case(["s3", "rb", f"s3://{bucket}"], lambda: bucket in names())


def case_s3_rm(env: dict[str, str]) -> Case:
    s3, bucket = moto_client(env, "s3"), unique("rm")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a/one.txt", Body=b"1")
    s3.put_object(Bucket=bucket, Key="a/two.txt", Body=b"2")
    count = lambda: s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0)  # noqa: E731
    return Case(["s3", "rm", f"s3://{bucket}/a/", "--recursive"], lambda: count() == 2)


def case_ec2_terminate(env: dict[str, str]) -> Case:
    ec2 = moto_client(env, "ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]
    iid = instance["InstanceId"]

    def running() -> bool:
        found = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
        return found["State"]["Name"] not in ("shutting-down", "terminated")

    return Case(["ec2", "terminate-instances", "--instance-ids", iid], running)


def case_iam_delete_user(env: dict[str, str]) -> Case:
    iam, user = moto_client(env, "iam"), unique("user")
    iam.create_user(UserName=user)
    names = lambda: {u["UserName"] for u in iam.list_users()["Users"]}  # noqa: E731
    return Case(["iam", "delete-user", "--user-name", user], lambda: user in names())


def case_put_bucket_policy(env: dict[str, str]) -> Case:
    s3, bucket = moto_client(env, "s3"), unique("policy")
    s3.create_bucket(Bucket=bucket)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:DeleteBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
            }
        ],
    }

    def no_policy() -> bool:
        try:
            s3.get_bucket_policy(Bucket=bucket)
        except s3.exceptions.ClientError:
            return True
        return False

    argv = ["s3api", "put-bucket-policy", "--bucket", bucket, "--policy", json.dumps(policy)]
    return Case(argv, no_policy)


CASES = {
    "s3 rb": case_s3_rb,
    "s3 rm --recursive": case_s3_rm,
    "ec2 terminate-instances": case_ec2_terminate,
    "iam delete-user": case_iam_delete_user,
    "s3api put-bucket-policy": case_put_bucket_policy,
}


def spawn(env: dict[str, str], *args: str) -> pexpect.spawn:
    aws = shutil.which("aws", path=env["PATH"])
    assert aws
    return pexpect.spawn(aws, list(args), env=env, timeout=60, encoding="utf-8")


def finish(child: pexpect.spawn) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before or ""


@pytest.mark.parametrize("name", list(CASES))
def test_guarded_command_prompts_and_refusal_keeps_the_resource(aws_env, name: str) -> None:
    case = CASES[name](aws_env)
    child = spawn(aws_env, *case.argv)
    child.expect(f"{ACCOUNT}")
    child.expect(r"Run it\? \[y/N\]")
    child.sendline("n")
    status, _ = finish(child)
    assert status == REFUSED
    assert case.untouched()


@pytest.mark.parametrize("name", list(CASES))
def test_guarded_command_prompts_and_approval_runs_it(aws_env, name: str) -> None:
    case = CASES[name](aws_env)
    child = spawn(aws_env, *case.argv)
    child.expect(r"Run it\? \[y/N\]")
    child.sendline("y")
    status, output = finish(child)
    assert status == 0, output
    assert not case.untouched()


def test_reads_never_prompt(aws_env) -> None:
    for argv in (["s3", "ls"], ["iam", "list-users"]):
        child = spawn(aws_env, *argv)
        status, output = finish(child)
        assert status == 0, output
        assert "[y/N]" not in output and "confirmation" not in output


def test_without_a_terminal_refuses_unless_approved_for_this_account(aws_env) -> None:
    case = case_s3_rb(aws_env)
    refused = run_detached(aws_env, *case.argv)
    assert refused.returncode == REFUSED
    assert "AWSGUARD_APPROVE" in refused.stderr and case.untouched()

    wrong = run_detached({**aws_env, "AWSGUARD_APPROVE": "999999999999"}, *case.argv)
    assert wrong.returncode == REFUSED and case.untouched()

    approved = run_detached({**aws_env, "AWSGUARD_APPROVE": ACCOUNT}, *case.argv)
    assert approved.returncode == 0, approved.stderr
    assert not case.untouched()


def test_type_rejects_a_wrong_name(aws_env) -> None:
    write_guard_config(
        aws_env, f'[accounts."{ACCOUNT}"]\nname = "moto-prod"\nprotected = true\n'
    )
    case = case_iam_delete_user(aws_env)
    child = spawn(aws_env, *case.argv)
    child.expect("Type the account name moto-prod")
    child.sendline("moto-staging")
    child.expect("that is not moto-prod")
    child.sendintr()
    status, _ = finish(child)
    assert status == REFUSED and case.untouched()

    child = spawn(aws_env, *case.argv)
    child.expect("Type the account name moto-prod")
    child.sendline("moto-prod")
    status, output = finish(child)
    assert status == 0, output
    assert not case.untouched()


def test_decisions_are_in_the_audit_log(aws_env) -> None:
    case = case_s3_rb(aws_env)
    child = spawn(aws_env, *case.argv)
    child.expect(r"\[y/N\]")
    child.sendline("n")
    finish(child)
    child = spawn(aws_env, *case.argv)
    child.expect(r"\[y/N\]")
    child.sendline("y")
    finish(child)
    log = Path(aws_env["XDG_STATE_HOME"]) / "awsguard" / "audit.jsonl"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["decision"], e["exit_status"]) for e in entries] == [
        ("refused", None),
        ("approved", 0),
    ]
    assert entries[0]["account"] == ACCOUNT and entries[0]["argv"] == case.argv
    awsguard = shutil.which("awsguard", path=aws_env["PATH"])
    listed = subprocess.run([awsguard, "log"], env=aws_env, capture_output=True, text=True)
    assert listed.returncode == 0 and "refused" in listed.stdout and "approved" in listed.stdout


def test_second_command_uses_the_cached_identity(aws_env) -> None:
    from awsguard import identity

    seeded = identity.Identity(
        "210987654321",
        "arn:aws:iam::210987654321:user/from-cache",
        "AIDA",
        None,
        identity._now().isoformat(timespec="seconds"),
        endpoint_url=aws_env["AWS_ENDPOINT_URL"],
    )
    identity.write_cached(aws_env["AWS_ACCESS_KEY_ID"], seeded, aws_env)
    case = case_s3_rb(aws_env)
    child = spawn(aws_env, *case.argv)
    child.expect("user/from-cache")  # moto would have said 123456789012: STS was not asked
    child.expect(r"\[y/N\]")
    child.sendline("n")
    assert finish(child)[0] == REFUSED


def test_ci_prints_the_identity_for_every_aws_call(aws_env) -> None:
    listed = run_detached({**aws_env, "CI": "true"}, "s3", "ls")
    assert listed.returncode == 0, listed.stderr
    lines = [line for line in listed.stderr.splitlines() if "awsguard: CI:" in line]
    assert len(lines) == 1
    assert "running as arn:aws:" in lines[0] and f"::{ACCOUNT}:" in lines[0]
    assert "region us-east-1" in lines[0]


def test_broken_config_refuses_guarded_commands_and_lets_reads_run(aws_env) -> None:
    write_guard_config(aws_env, '[risk]\ndestructive = "confirm"\n= oops\n')
    case = case_s3_rb(aws_env)
    refused = run_detached({**aws_env, "AWSGUARD_APPROVE": ACCOUNT}, *case.argv)
    assert refused.returncode == REFUSED and "line 3" in refused.stderr
    assert case.untouched()
    listed = run_detached(aws_env, "s3", "ls")
    assert listed.returncode == 0 and "line 3" in listed.stderr
