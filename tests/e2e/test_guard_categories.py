"""Risk by value, through the installed shim in front of the real AWS CLI v1 and moto
(issue 12, items 2 and 4): without a terminal, each kind of dangerous call is refused
with 77 before the real CLI starts (the resource in moto is unchanged), and the free
commands beside it still run."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from fixtures.worlds import moto_client, run_detached, unique

REFUSED = 77
ACCOUNT = "123456789012"  # moto's
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def aws(env: dict[str, str], *args: str, ci: bool = False) -> subprocess.CompletedProcess[str]:
    """`aws ARGS` with no terminal at all, with CI set or not."""
    run_env = {**env, "CI": "1"} if ci else {k: v for k, v in env.items() if k != "CI"}
    return run_detached(run_env, *args)


def refused(env: dict[str, str], *args: str, ci: bool = False) -> str:
    result = aws(env, *args, ci=ci)
    assert result.returncode == REFUSED, (args, result.returncode, result.stderr)
    assert "awsguard" in result.stderr
    return result.stderr


def runs(env: dict[str, str], *args: str) -> str:
    result = aws(env, *args)
    assert result.returncode == 0, (args, result.stderr)
    return result.stdout


def test_remote_execution_is_refused_and_its_neighbours_run(aws_env, tmp_path: Path) -> None:
    ec2, ssm = moto_client(aws_env, "ec2"), moto_client(aws_env, "ssm")
    lam = moto_client(aws_env, "lambda")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    iid = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, UserData="echo old")[
        "Instances"
    ][0]["InstanceId"]
    function = unique("fn")
    role = moto_client(aws_env, "iam").create_role(
        RoleName=unique("role"), AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    code = tmp_path / "code.zip"
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    lam.create_function(
        FunctionName=function,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": code.read_bytes()},
    )
    sha = lam.get_function(FunctionName=function)["Configuration"]["CodeSha256"]
    new_code = tmp_path / "new.zip"
    with zipfile.ZipFile(new_code, "w") as archive:
        archive.writestr("handler.py", "import os\n")

    stderr = refused(
        aws_env, "ssm", "send-command", "--instance-ids", iid,
        "--document-name", "AWS-RunShellScript", "--parameters", "commands=id",
    )  # fmt: skip
    assert "execute" in stderr
    refused(
        aws_env, "lambda", "update-function-code", "--function-name", function,
        "--zip-file", f"fileb://{new_code}", ci=True,
    )  # fmt: skip
    refused(aws_env, "ec2", "modify-instance-attribute", "--instance-id", iid,
            "--attribute", "userData", "--value", "ZWNobyBuZXc=")  # fmt: skip
    refused(aws_env, "ec2", "modify-instance-attribute", "--instance-id", iid,
            "--user-data", "Value=ZWNobyBuZXc=")  # fmt: skip

    assert ssm.list_commands()["Commands"] == []
    assert lam.get_function(FunctionName=function)["Configuration"]["CodeSha256"] == sha
    data = ec2.describe_instance_attribute(InstanceId=iid, Attribute="userData")
    assert data["UserData"]["Value"] != "ZWNobyBuZXc="

    runs(aws_env, "lambda", "update-function-configuration", "--function-name", function,
         "--memory-size", "256")  # fmt: skip
    runs(aws_env, "ssm", "list-commands")


def test_exposure_is_refused_and_private_neighbours_run(aws_env, tmp_path: Path) -> None:
    s3, ec2 = moto_client(aws_env, "s3"), moto_client(aws_env, "ec2")
    bucket = unique("expose")
    s3.create_bucket(Bucket=bucket)
    page = tmp_path / "page.html"
    page.write_text("hello")
    group = ec2.create_security_group(GroupName=unique("sg"), Description="d")["GroupId"]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    iid = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ami = ec2.create_image(InstanceId=iid, Name=unique("ami"))["ImageId"]
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    snapshot = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    share = tmp_path / "share.json"
    share.write_text(json.dumps({"ImageId": ami, "LaunchPermission": {"Add": [{"Group": "all"}]}}))

    stderr = refused(aws_env, "s3", "cp", str(page), f"s3://{bucket}/public.html",
                     "--acl", "public-read")  # fmt: skip
    assert "public-read" in stderr
    refused(aws_env, "s3", "cp", str(page), f"s3://{bucket}/granted.html",
            "--grants", f"read=uri={ALL_USERS}")  # fmt: skip
    refused(aws_env, "s3api", "put-object", "--bucket", bucket, "--key", "g.html",
            "--body", str(page), "--grant-read", f"uri={ALL_USERS}", ci=True)  # fmt: skip
    refused(aws_env, "s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "public-read")
    refused(aws_env, "ec2", "authorize-security-group-ingress", "--group-id", group,
            "--protocol", "tcp", "--port", "22", "--cidr", "0.0.0.0/0")  # fmt: skip
    refused(aws_env, "ec2", "authorize-security-group-ingress", "--group-id", group,
            "--ip-permissions",
            "IpProtocol=tcp,FromPort=22,ToPort=22,Ipv6Ranges=[{CidrIpv6=::/0}]")  # fmt: skip
    refused(aws_env, "ec2", "modify-image-attribute", "--cli-input-json", f"file://{share}")
    refused(aws_env, "ec2", "modify-image-attribute", "--image-id", ami,
            "--attribute", "LaunchPermission", "--operation-type", "add",
            "--user-groups", "all")  # fmt: skip
    refused(aws_env, "ec2", "modify-snapshot-attribute", "--snapshot-id", snapshot,
            "--attribute", "createVolumePermission", "--operation-type", "add",
            "--user-ids", "210987654321")  # fmt: skip

    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert keys == set()
    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    assert not any(g["Grantee"].get("URI") == ALL_USERS for g in grants)
    rules = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    assert rules["IpPermissions"] == []
    launch = ec2.describe_image_attribute(ImageId=ami, Attribute="launchPermission")
    assert launch["LaunchPermissions"] == []
    volume_perms = ec2.describe_snapshot_attribute(
        SnapshotId=snapshot, Attribute="createVolumePermission"
    )
    assert volume_perms["CreateVolumePermissions"] == []

    runs(aws_env, "s3", "ls")
    runs(aws_env, "s3", "cp", str(page), f"s3://{bucket}/plain.html")
    runs(aws_env, "s3", "cp", str(page), f"s3://{bucket}/private.html", "--acl", "private")
    runs(aws_env, "ec2", "authorize-security-group-ingress", "--group-id", group,
         "--protocol", "tcp", "--port", "443", "--cidr", "203.0.113.7/32")  # fmt: skip
    runs(aws_env, "ec2", "modify-image-attribute", "--image-id", ami,
         "--description", "Value=renamed")  # fmt: skip
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert keys == {"plain.html", "private.html"}


def test_deletion_by_value_is_refused_and_upserts_run(aws_env) -> None:
    r53, ddb = moto_client(aws_env, "route53"), moto_client(aws_env, "dynamodb")
    ecs = moto_client(aws_env, "ecs")
    zone = r53.create_hosted_zone(Name=f"{unique('z')}.example.com", CallerReference=unique("c"))
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    name = "www." + zone["HostedZone"]["Name"]

    def change(action: str, value: str) -> str:
        record = {"Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": value}]}
        return json.dumps({"Changes": [{"Action": action, "ResourceRecordSet": record}]})

    r53.change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch=json.loads(change("CREATE", "192.0.2.1"))
    )
    table = unique("t")
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName=table, Item={"k": {"S": "keep"}})
    cluster = unique("c")
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family="web", containerDefinitions=[{"name": "w", "image": "nginx", "memory": 64}]
    )
    ecs.create_service(cluster=cluster, serviceName="web", taskDefinition="web", desiredCount=2)
    delete_item = json.dumps({table: [{"DeleteRequest": {"Key": {"k": {"S": "keep"}}}}]})
    put_item = json.dumps({table: [{"PutRequest": {"Item": {"k": {"S": "new"}}}}]})

    stderr = refused(aws_env, "route53", "change-resource-record-sets", "--hosted-zone-id",
                     zone_id, "--change-batch", change("DELETE", "192.0.2.1"))  # fmt: skip
    assert "DELETE" in stderr
    refused(aws_env, "dynamodb", "batch-write-item", "--request-items", delete_item, ci=True)
    refused(aws_env, "ecs", "update-service", "--cluster", cluster, "--service", "web",
            "--desired-count", "0")  # fmt: skip
    refused(aws_env, "ecs", "update-service", "--cluster", cluster, "--service", "web",
            "--desired-count", "3", "--desired-count", "0")  # fmt: skip

    records = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    assert any(r["Name"] == name and r["Type"] == "A" for r in records)
    assert "Item" in ddb.get_item(TableName=table, Key={"k": {"S": "keep"}})
    service = ecs.describe_services(cluster=cluster, services=["web"])["services"][0]
    assert service["desiredCount"] == 2

    runs(aws_env, "route53", "change-resource-record-sets", "--hosted-zone-id", zone_id,
         "--change-batch", change("UPSERT", "192.0.2.2"))  # fmt: skip
    runs(aws_env, "dynamodb", "batch-write-item", "--request-items", put_item)
    runs(aws_env, "ecs", "update-service", "--cluster", cluster, "--service", "web",
         "--desired-count", "3")  # fmt: skip
    assert (
        ecs.describe_services(cluster=cluster, services=["web"])["services"][0]["desiredCount"] == 3
    )
    # --dry-run is AWS's own check: the guard lets it through (AWS answers DryRunOperation).
    image = moto_client(aws_env, "ec2").describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    dry = aws(aws_env, "ec2", "run-instances", "--image-id", image, "--dry-run")
    assert dry.returncode != REFUSED and "DryRunOperation" in dry.stderr, dry.stderr


def test_grants_outside_iam_are_refused(aws_env) -> None:
    idp = moto_client(aws_env, "cognito-idp")
    pool = idp.create_user_pool(PoolName=unique("pool"))["UserPool"]["Id"]
    idp.create_group(UserPoolId=pool, GroupName="admins")
    idp.admin_create_user(UserPoolId=pool, Username="bob")

    stderr = refused(aws_env, "cognito-idp", "admin-add-user-to-group", "--user-pool-id", pool,
                     "--username", "bob", "--group-name", "admins")  # fmt: skip
    assert "permissions" in stderr
    refused(aws_env, "eks", "create-access-entry", "--cluster-name", "c",
            "--principal-arn", f"arn:aws:iam::{ACCOUNT}:role/x", ci=True)  # fmt: skip
    refused(aws_env, "sso-admin", "create-account-assignment", "--instance-arn",
            "arn:aws:sso:::instance/ssoins-1", "--target-id", ACCOUNT, "--target-type",
            "AWS_ACCOUNT", "--permission-set-arn", "arn:aws:sso:::permissionSet/ssoins-1/ps-1",
            "--principal-type", "USER", "--principal-id", "u-1")  # fmt: skip
    refused(aws_env, "organizations", "detach-policy", "--policy-id", "p-12345678",
            "--target-id", "r-1234")  # fmt: skip

    groups = idp.admin_list_groups_for_user(UserPoolId=pool, Username="bob")["Groups"]
    assert groups == []
    runs(aws_env, "cognito-idp", "admin-get-user", "--user-pool-id", pool, "--username", "bob")


def test_turning_audit_off_is_refused(aws_env) -> None:
    s3, trail = moto_client(aws_env, "s3"), moto_client(aws_env, "cloudtrail")
    bucket = unique("trail")
    s3.create_bucket(Bucket=bucket)
    name = unique("trail")
    trail.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=True)
    trail.start_logging(Name=name)
    guardduty = moto_client(aws_env, "guardduty")
    detector = guardduty.create_detector(Enable=True)["DetectorId"]

    stderr = refused(aws_env, "cloudtrail", "stop-logging", "--name", name)
    assert "audit-off" in stderr
    refused(aws_env, "cloudtrail", "delete-trail", "--name", name, ci=True)
    refused(aws_env, "cloudtrail", "update-trail", "--name", name, "--no-is-multi-region-trail")
    refused(aws_env, "guardduty", "update-detector", "--detector-id", detector, "--no-enable")
    refused(aws_env, "guardduty", "delete-detector", "--detector-id", detector)
    refused(aws_env, "configservice", "stop-configuration-recorder",
            "--configuration-recorder-name", "default")  # fmt: skip
    refused(aws_env, "securityhub", "disable-security-hub")

    status = trail.get_trail_status(Name=name)
    assert status["IsLogging"] is True
    assert trail.get_trail(Name=name)["Trail"]["IsMultiRegionTrail"] is True
    assert guardduty.get_detector(DetectorId=detector)["Status"] == "ENABLED"

    runs(aws_env, "cloudtrail", "describe-trails")
    runs(aws_env, "guardduty", "update-detector", "--detector-id", detector,
         "--finding-publishing-frequency", "SIX_HOURS")  # fmt: skip


def test_configure_set_over_a_profiles_keys_is_refused(aws_env) -> None:
    credentials = Path(aws_env["AWS_SHARED_CREDENTIALS_FILE"])
    credentials.write_text("[prod]\naws_access_key_id = AKIAOLDOLDOLDOLD1234\n"
                           "aws_secret_access_key = old\n")  # fmt: skip
    before = credentials.read_text()

    stderr = refused(aws_env, "configure", "set", "aws_access_key_id", "AKIANEWNEWNEW1234",
                     "--profile", "prod")  # fmt: skip
    assert "profile prod" in stderr
    refused(aws_env, "configure", "set", "profile.prod.aws_secret_access_key", "x", ci=True)
    refused({**aws_env, "AWS_PROFILE": "prod"}, "configure", "set", "AWS_SESSION_TOKEN", "x")
    assert credentials.read_text() == before

    runs(aws_env, "configure", "set", "region", "eu-west-1", "--profile", "prod")
    runs(aws_env, "configure", "set", "profile.fresh.aws_access_key_id", "AKIAFRESHFRESH1234")
    assert "AKIAFRESHFRESH1234" in credentials.read_text()

    # Sending prod's signed requests elsewhere, or making the CLI run a module, is asked too.
    config = Path(aws_env["AWS_CONFIG_FILE"])
    config_before = config.read_text() if config.exists() else None
    stderr = refused(aws_env, "configure", "set", "profile.prod.endpoint_url",
                     "https://collector.example", ci=True)  # fmt: skip
    assert "exposure" in stderr
    refused(aws_env, "configure", "set", "plugins.helper", "evil_module", ci=True)
    assert (config.read_text() if config.exists() else None) == config_before


@pytest.mark.parametrize(
    "argv",
    [
        ["s3api", "put-bucket-acl", "--bucket", "b", "--acl", "public-read"],
        ["ssm", "start-session", "--target", "i-1"],
    ],
)
def test_refusal_names_the_risk_and_the_reason(aws_env, argv) -> None:
    stderr = refused(aws_env, *argv)
    assert ("exposure" in stderr) or ("execute" in stderr)
