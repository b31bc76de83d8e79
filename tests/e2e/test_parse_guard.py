"""An approval names the account the CLI will really act in (issue 12, item 3).

`aws --p prod s3 rb s3://b --force` is `--profile prod` to the AWS CLI (argparse takes
any unique prefix). With AWSGUARD_APPROVE naming the dev account and no terminal
(CI=1), the guard must compare the approval with the account the *parsed* profile
resolves to (here another account, through an assumed role) and refuse with 77;
the bucket in that account must still exist. Through the installed shim, the real
AWS CLI v1 and moto.
"""

from __future__ import annotations

import uuid

import boto3
import pytest
from fixtures.worlds import run_detached

DEV_ACCOUNT = "123456789012"  # moto's default account: the dev profile's keys
PROD_ACCOUNT = "111111111111"  # reached by assuming a role from dev
REFUSED = 77


@pytest.fixture
def world(aws_env: dict[str, str], home):
    """dev: keys in moto's default account; prod: keys of a user in another account
    (moto tells accounts apart by the access key)."""
    endpoint = aws_env["AWS_ENDPOINT_URL"]
    dev = {
        "aws_access_key_id": aws_env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": aws_env["AWS_SECRET_ACCESS_KEY"],
    }
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint, **dev)
    role = f"arn:aws:iam::{PROD_ACCOUNT}:role/admin"
    temp = sts.assume_role(RoleArn=role, RoleSessionName="setup")["Credentials"]
    iam = boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=temp["AccessKeyId"],
        aws_secret_access_key=temp["SecretAccessKey"],
        aws_session_token=temp["SessionToken"],
    )
    user = f"ops-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    prod = {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }
    aws = home / ".aws"
    (aws / "credentials").write_text(
        "".join(
            f"[{name}]\naws_access_key_id = {k['aws_access_key_id']}\n"
            f"aws_secret_access_key = {k['aws_secret_access_key']}\n"
            for name, k in (("dev", dev), ("prod", prod))
        )
    )
    (aws / "config").write_text(
        "[profile dev]\nregion = us-east-1\n[profile prod]\nregion = us-east-1\n"
    )
    (aws / "cli").mkdir(exist_ok=True)
    (aws / "cli" / "alias").write_text("[toplevel]\nwipe = s3 rb --force\n")
    prod_s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint, **prod)
    who = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint, **prod)
    assert who.get_caller_identity()["Account"] == PROD_ACCOUNT
    env = {
        k: v for k, v in aws_env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    }
    env["CI"] = "1"
    return env, prod_s3


def _bucket(prod_s3) -> tuple[str, callable]:
    bucket = f"precious-{uuid.uuid4().hex[:10]}"
    prod_s3.create_bucket(Bucket=bucket)
    prod_s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    exists = lambda: bucket in {b["Name"] for b in prod_s3.list_buckets()["Buckets"]}  # noqa: E731
    return bucket, exists


@pytest.mark.parametrize(
    "spelling",
    [
        ["--p", "prod", "s3", "rb", "{b}", "--force"],
        ["s3", "rb", "{b}", "--fo", "--prof=prod"],
        ["--pro", "prod", "wipe", "{b}"],
    ],
    ids=["--p", "--prof=", "alias"],
)
def test_approval_for_dev_does_not_approve_the_parsed_prod_profile(world, spelling) -> None:
    env, prod_s3 = world
    bucket, exists = _bucket(prod_s3)
    argv = [w.replace("{b}", f"s3://{bucket}") for w in spelling]
    refused = run_detached({**env, "AWSGUARD_APPROVE": DEV_ACCOUNT}, *argv)
    assert refused.returncode == REFUSED, refused.stderr
    assert exists(), "the bucket in the prod account was deleted"
    assert PROD_ACCOUNT in refused.stderr, refused.stderr


def test_approval_for_the_parsed_profiles_account_runs_it(world) -> None:
    env, prod_s3 = world
    bucket, exists = _bucket(prod_s3)
    done = run_detached(
        {**env, "AWSGUARD_APPROVE": PROD_ACCOUNT},
        "--p",
        "prod",
        "s3",
        "rb",
        f"s3://{bucket}",
        "--force",
    )
    assert done.returncode == 0, done.stderr
    assert not exists()
