"""Red team: walking around the guard as an attacker or a tired operator would.

Through the INSTALLED shim in front of each REAL CLI (v1 from PyPI, v2 2.9 from Debian)
and a moto server, with no terminal, CI=1 and AWSGUARD_APPROVE naming ANOTHER account,
in an account marked `protected = true`. Each spelling of something that deletes,
grants, exposes, executes, turns audit off or overwrites credentials must be refused
(77) and leave moto (or the credentials file) unchanged; the free neighbours must run.

Attacks are batched per CLI (one assertion lists every spelling that got through), so
the whole file stays fast: a refusal costs the shim ~40 ms.
"""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import boto3
import pytest

from fixtures.realclis import TEST_KEY_ID, TEST_SECRET

REFUSED = 77
PROTECTED = "123456789012"  # moto's default account: the test keys act in it
OTHER = "111111111111"  # what AWSGUARD_APPROVE names: never this command's account


@pytest.fixture
def red(cli_env, real_cli, moto_server, home, tmp_path):
    """(run, client, workdir): `run(argv, endpoint=True, **env)` runs the shim with no
    terminal in CI with the approval for another account."""
    config = home / ".config" / "awsguard" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[accounts."{PROTECTED}"]\nname = "prod"\nprotected = true\n'
        '[conflicts]\n"endpoint-override" = "off"\n'
    )
    (home / ".aws" / "config").write_text("[default]\nregion = us-east-1\n")
    work = tmp_path / "work"
    work.mkdir()
    env = {**cli_env, "CI": "1", "AWSGUARD_APPROVE": OTHER}
    shim = shutil.which("aws", path=env["PATH"])
    assert shim

    def run(argv, endpoint=True, path_extra=None, **extra):
        words = real_cli.at(moto_server.url, *argv) if endpoint else list(argv)
        run_env = {k: v for k, v in {**env, **extra}.items() if v is not None}
        if path_extra:
            run_env["PATH"] = f"{run_env['PATH']}:{path_extra}"
        return subprocess.run(
            [shim, *words],
            env=run_env,
            cwd=work,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            start_new_session=True,
        )

    def client(service):
        return boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url=moto_server.url,
            aws_access_key_id=TEST_KEY_ID,
            aws_secret_access_key=TEST_SECRET,
        )

    return run, client, work


def through(run, cases, **kw):
    """The cases that were not refused with 77: (argv, exit status, stderr tail)."""
    escaped = []
    for argv in cases:
        result = run(argv, **kw)
        if result.returncode != REFUSED:
            escaped.append((argv, result.returncode, result.stderr[-300:]))
    return escaped


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _bucket(client) -> tuple[str, callable]:
    s3 = client("s3")
    bucket = unique("red")
    s3.create_bucket(Bucket=bucket)
    for key in ("k0", "k1", "k2"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")

    def keys():
        try:
            return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
        except s3.exceptions.NoSuchBucket:
            return "bucket gone"

    return bucket, keys


# --- deletes, however they are spelled ----------------------------------------------------


def test_s3_deletes_in_every_spelling_are_refused(red) -> None:
    run, client, work = red
    bucket, keys = _bucket(client)
    s3 = f"s3://{bucket}"
    (work / "empty").mkdir()
    (work / "help").mkdir()
    (work / "help" / "f").write_text("x")
    (work / "up.txt").write_text("x")
    (work / "del.json").write_text('{"Objects": [{"Key": "k0"}, {"Key": "k1"}]}')
    cases = [
        ["--p", "default", "s3", "rm", f"{s3}/k0"],
        ["s3", "rm", f"{s3}/k0", "--reg", "us-east-1", "--out=json"],
        ["s3", "rm", "--", f"{s3}/k0"],
        ["--debug", "s3", "rm", f"{s3}/k0", "--no-paginate"],
        ["s3", "rm", s3, "--rec", "--exclude", "*", "--include", "k*"],
        ["s3", "rm", f"{s3}/", "--recursive", "--exclude", "nothing"],
        ["s3", "sync", "empty", s3, "--dele"],
        ["s3", "sync", "empty", s3, "--delete", "--exact-timestamps"],
        ["s3", "sync", "--delete", "empty", s3, "--size-only"],
        ["s3", "sync", "help", s3, "--delete"],
        ["s3", "sync", s3, "help", "--delete"],
        ["s3", "sync", "--", "empty", s3, "--delete"],
        ["s3", "mv", "up.txt", f"{s3}/up.txt"],
        ["s3", "mv", "help", f"{s3}/h", "--recursive"],
        ["s3", "mv", f"{s3}/k0", f"{s3}/k0-moved"],
        ["s3", "mv", f"{s3}/k0", "help"],
        ["s3", "rb", s3, "--fo"],
        ["s3api", "delete-objects", "--bucket", bucket, "--delete", "file://del.json"],
        ["s3api", "delete-object", "--bucket=" + bucket, "--k=k0"],
        ["s3api", "delete-object", "--bucket", bucket, "--key", "help"],
    ]
    escaped = through(run, cases)
    assert keys() == ["k0", "k1", "k2"], f"deleted in moto; escaped: {escaped}"
    assert not escaped, escaped


def test_toplevel_aliases_do_not_hide_a_delete(red, home) -> None:
    run, client, _work = red
    bucket, keys = _bucket(client)
    s3 = f"s3://{bucket}"
    alias = home / ".aws" / "cli" / "alias"
    alias.parent.mkdir(parents=True, exist_ok=True)
    files = [
        (f"[toplevel]\nwipe = s3 rm {s3}/k0\n", ["wipe"]),
        ("[toplevel]\nwipe = nuke\nnuke = s3 rm\n", ["wipe", f"{s3}/k0"]),
        (f"[toplevel]\nls = s3 rm {s3}/k0\n", ["ls"]),
        (f"[toplevel]\nsts = s3 rm {s3}/k0\n", ["sts", "get-caller-identity"]),
        (f"[toplevel]\nhelp = s3 rm {s3}/k0\n", ["help"]),
        (f"[toplevel]\nwipe = s3 rm\n    {s3}/k0\n", ["wipe"]),
        (f"[DEFAULT]\nwipe = s3 rm {s3}/k0\n[toplevel]\nx = s3 ls\n", ["wipe"]),
        ("[toplevel]\nls3 = s3 sync ./\n", ["ls3", s3, "--delete"]),
        (f"[toplevel]\nwipe = !aws s3 rm {s3}/k0\n", ["wipe"]),
    ]
    escaped = []
    for text, argv in files:
        alias.write_text(text)
        escaped += through(run, [argv])
    alias.unlink()
    assert keys() == ["k0", "k1", "k2"], f"deleted in moto; escaped: {escaped}"
    assert not escaped, escaped


def test_v2_command_aliases_do_not_hide_a_delete(red, home, real_cli) -> None:
    if real_cli.major != 2:
        pytest.skip("AWS CLI v1 has no [command …] aliases")
    run, client, _work = red
    bucket, keys = _bucket(client)
    alias = home / ".aws" / "cli" / "alias"
    alias.parent.mkdir(parents=True, exist_ok=True)
    escaped = []
    for text, argv in [
        (f"[command s3]\nzap = rm s3://{bucket}/k2\n", ["s3", "zap"]),
        (f"[command s3api]\nzap = delete-object --bucket {bucket} --key k1\n", ["s3api", "zap"]),
    ]:
        alias.write_text(text)
        escaped += through(run, [argv])
    alias.unlink()
    assert keys() == ["k0", "k1", "k2"], f"deleted in moto; escaped: {escaped}"
    assert not escaped, escaped


# --- values that decide the risk --------------------------------------------------------


def test_termination_protection_off_in_every_spelling_is_refused(red) -> None:
    run, client, _work = red
    ec2 = client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    iid = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": True})
    base = ["ec2", "modify-instance-attribute", "--instance-id", iid]
    cases = [
        [*base, "--no-disable-api-termination"],
        [*base, "--no-disable-api-term"],
        [*base, "--disable-api-termination", "Value=false"],
        [*base, "--disable-api-termination", "Value=FALSE"],
        [*base, "--disable-api-termination", '{"Value": false}'],
        [*base, "--attribute", "disableApiTermination", "--value", "false"],
        [*base, "--attr", "disableApiTermination", "--val", "0"],
    ]
    escaped = through(run, cases)
    state = ec2.describe_instance_attribute(InstanceId=iid, Attribute="disableApiTermination")
    assert state["DisableApiTermination"]["Value"] is True, f"turned off; escaped: {escaped}"
    assert not escaped, escaped
    # The neighbour that turns it on still runs.
    assert run([*base, "--disable-api-termination"]).returncode == 0


def test_exposure_spellings_are_refused(red) -> None:
    run, client, work = red
    ec2, s3 = client("ec2"), client("s3")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    iid = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ami = ec2.create_image(InstanceId=iid, Name=unique("ami"))["ImageId"]
    group = ec2.create_security_group(GroupName=unique("sg"), Description="d")["GroupId"]
    bucket = unique("pub")
    s3.create_bucket(Bucket=bucket)
    (work / "page.html").write_text("x")
    (work / "share.json").write_text(
        json.dumps({"ImageId": ami, "LaunchPermission": {"Add": [{"Group": "all"}]}})
    )
    (work / "lp.json").write_text(json.dumps({"Add": [{"Group": "all"}]}))
    (work / "perm.json").write_text(
        json.dumps(
            [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                }
            ]
        )
    )
    ingress = ["ec2", "authorize-security-group-ingress", "--group-id", group]
    share = ["ec2", "modify-image-attribute", "--image-id", ami]
    cases = [
        [*share, "--launch-permission", "file://lp.json"],
        ["ec2", "modify-image-attribute", "--cli-input-json", "file://share.json"],
        [*share, "--attr", "LAUNCHPERMISSION", "--operation-type", "ADD", "--user-groups", "ALL"],
        [
            *share,
            "--attribute",
            "launchPermission",
            "--operation-type",
            "add",
            "--user-groups",
            "all",
            "--dry-run",
            "--no-dry-run",
        ],
        [*ingress, "--protocol", "tcp", "--port", "22", "--cidr", "0/0"],
        [*ingress, "--protocol", "tcp", "--port", "22", "--cidr=0.0.0.0/1"],
        [*ingress, "--ip-permissions", "file://perm.json"],
        [*ingress, "--ip-permissions", "IpProtocol=-1,Ipv6Ranges=[{CidrIpv6=0::/0}]"],
        [*ingress, "--ip-permissions", "IpProtocol=-1,IpRanges=[{CidrIp=1.0.0.0/2}]"],
        [*ingress, "--protocol", "tcp", "--port", "22", "--cidr", "0.0.0.0/0", "--dry", "--no-dry"],
        ["s3", "cp", "page.html", f"s3://{bucket}/p", "--acl", "private", "--acl", "public-read"],
        [
            "s3",
            "cp",
            "page.html",
            f"s3://{bucket}/p",
            "--grants",
            "READ=URI=http://acs.amazonaws.com/groups/global/AllUsers",
        ],
        ["s3", "sync", ".", f"s3://{bucket}", "--ac", "public-read-write"],
        ["lambda", "create-function-url-config", "--function-name", "f", "--auth", "NONE"],
    ]
    escaped = through(run, cases)
    perms = ec2.describe_image_attribute(ImageId=ami, Attribute="launchPermission")
    rules = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert perms["LaunchPermissions"] == [] and rules == [], f"exposed; escaped: {escaped}"
    assert s3.list_objects_v2(Bucket=bucket).get("Contents", []) == [], escaped
    assert not escaped, escaped


def test_deletion_by_value_spellings_are_refused(red, real_cli) -> None:
    run, client, work = red
    r53, ddb = client("route53"), client("dynamodb")
    zone = r53.create_hosted_zone(Name=f"{unique('z')}.example.com", CallerReference=unique("c"))
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    name = "www." + zone["HostedZone"]["Name"]
    record = {"Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.1"}]}
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": record}]},
    )
    delete = {"Changes": [{"Action": "DELETE", "ResourceRecordSet": record}]}
    (work / "del.json").write_text(json.dumps(delete))
    (work / "in.json").write_text(json.dumps({"HostedZoneId": zone_id, "ChangeBatch": delete}))
    (work / "in.yaml").write_text(
        f"HostedZoneId: {zone_id}\nChangeBatch:\n  Changes:\n  - Action: DELETE\n"
        f"    ResourceRecordSet:\n      Name: {name}\n      Type: A\n      TTL: 60\n"
        "      ResourceRecords:\n      - Value: 192.0.2.1\n"
    )
    table = unique("t")
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName=table, Item={"k": {"S": "keep"}})
    (work / "bw.json").write_text(
        json.dumps({table: [{"DeleteRequest": {"Key": {"k": {"S": "keep"}}}}]})
    )
    upsert = json.dumps({"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]})
    change = ["route53", "change-resource-record-sets", "--hosted-zone-id", zone_id]
    cases = [
        [*change, "--change-b", "file://del.json"],
        [*change, "--change-batch", upsert, "--change-batch", "file://del.json"],
        ["route53", "change-resource-record-sets", "--cli-input-json", "file://in.json"],
        ["dynamodb", "batch-write-item", "--request-items", "file://bw.json"],
        [
            "dynamodb",
            "batch-write-item",
            "--request-items",
            f"{table}=[{{DeleteRequest={{Key={{k={{S=keep}}}}}}}}]",
        ],
        ["dynamodb", "execute-statement", "--statement", f"DELETE FROM \"{table}\" WHERE k='keep'"],
        # a leading comment: anything but a plain SELECT/INSERT/UPDATE/EXISTS fails closed
        ["dynamodb", "execute-statement", "--statement", f'/**/DELETE FROM "{table}"'],
    ]
    escaped = through(run, cases)
    records = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    assert any(r["Type"] == "A" for r in records), f"record deleted; escaped: {escaped}"
    assert "Item" in ddb.get_item(TableName=table, Key={"k": {"S": "keep"}}), escaped
    assert not escaped, escaped
    # v2 reads YAML input, which awsguard does not: it fails closed.
    if real_cli.major == 2:
        yaml_input = [
            "route53",
            "change-resource-record-sets",
            "--cli-input-yaml",
            "file://in.yaml",
        ]
        assert run(yaml_input).returncode == REFUSED
    statement = ["dynamodb", "execute-statement", "--statement", f'SELECT * FROM "{table}"']
    assert run(statement).returncode == 0


def test_remote_execution_on_emr_is_refused(red, tmp_path) -> None:
    """`emr ssh` runs ssh to the master node (a shell, or --command there), `emr add-steps`
    runs programs on the cluster, `emr modify-cluster-attributes
    --no-termination-protected` turns the protection off: none may run unasked."""
    run, client, work = red
    emr = client("emr")
    cluster = emr.run_job_flow(
        Name="c",
        ReleaseLabel="emr-6.0.0",
        Instances={
            "MasterInstanceType": "m5.xlarge",
            "SlaveInstanceType": "m5.xlarge",
            "InstanceCount": 1,
            "KeepJobFlowAliveWhenNoSteps": True,
            "TerminationProtected": True,
        },
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
    )["JobFlowId"]
    fake = tmp_path / "fakebin"
    fake.mkdir()
    called = tmp_path / "ssh-called"
    (fake / "ssh").write_text(f'#!/bin/sh\necho "$@" >> {called}\n')
    (fake / "ssh").chmod(0o755)
    (work / "k.pem").write_text("key")
    (work / "k.pem").chmod(0o600)
    cases = [
        ["emr", "ssh", "--cluster-id", cluster, "--key-pair-file", "k.pem", "--command", "id"],
        ["emr", "ssh", "--cluster-id", cluster, "--key-pair-file", "k.pem"],
        [
            "emr",
            "add-steps",
            "--cluster-id",
            cluster,
            "--steps",
            "Type=CUSTOM_JAR,Name=x,Jar=command-runner.jar,Args=[bash,-c,id]",
        ],
        ["emr", "modify-cluster-attributes", "--cluster-id", cluster, "--no-termination"],
    ]
    escaped = through(run, cases, path_extra=str(fake))
    assert not called.exists(), f"ssh ran: {called.read_text()}; escaped: {escaped}"
    assert emr.list_steps(ClusterId=cluster)["Steps"] == [], escaped
    assert emr.describe_cluster(ClusterId=cluster)["Cluster"]["TerminationProtected"], escaped
    assert not escaped, escaped
    on = ["emr", "modify-cluster-attributes", "--cluster-id", cluster, "--termination-protected"]
    assert run(on).returncode == 0


# --- credentials ---------------------------------------------------------------------------


def test_configure_set_over_keys_is_refused_whatever_names_the_profile(red, home) -> None:
    run, _client, _work = red
    credentials, config = home / ".aws" / "credentials", home / ".aws" / "config"
    credentials.write_text(
        "[prod]\naws_access_key_id = AKIAOLDOLDOLDOLD1234\naws_secret_access_key = old\n"
        f"[default]\naws_access_key_id = {TEST_KEY_ID}\naws_secret_access_key = {TEST_SECRET}\n"
    )
    config.write_text("[default]\nregion = us-east-1\n[profile prod]\nregion = us-east-1\n")
    files = {path: path.read_text() for path in (credentials, config)}

    def held() -> dict:
        """What the profiles with keys hold, in both files (a new profile is a write)."""
        out = {}
        for path in files:
            parser = configparser.RawConfigParser()
            parser.read_string(path.read_text())
            for section in ("prod", "default", "profile prod"):
                if parser.has_section(section):
                    out[(path.name, section)] = dict(parser[section])
        return out

    before = held()
    secret = ["configure", "set", "aws_secret_access_key", "NEW"]
    cases = [
        ([*secret, "--prof", "prod"], {}),
        (["--p", "prod", *secret], {}),
        (["configure", "--profile=prod", "set", "aws_secret_access_key", "NEW"], {}),
        (secret, {"AWS_PROFILE": "prod"}),
        (secret, {"AWS_DEFAULT_PROFILE": "prod"}),
        (["configure", "set", "profile.prod.credential_process", "/bin/true"], {}),
        (["configure", "set", "default.aws_session_token", "NEW"], {}),
        # v1 writes AWS_DEFAULT_PROFILE's profile, v2 AWS_PROFILE's: whichever the CLI
        # writes, a profile with keys must not change unasked.
        (secret, {"AWS_PROFILE": "prod", "AWS_DEFAULT_PROFILE": "nosuch"}),
        (secret, {"AWS_PROFILE": "nosuch", "AWS_DEFAULT_PROFILE": "prod"}),
    ]
    escaped = []
    for argv, extra in cases:
        result = run(argv, endpoint=False, **extra)
        if held() != before:
            escaped.append((argv, extra, result.returncode, result.stderr[-200:]))
        for path, text in files.items():
            path.write_text(text)
    assert not escaped, escaped


# --- the CLI composes the command itself ------------------------------------------------------


def test_v2_wizards_and_auto_prompt_are_refused_without_a_terminal(red, home, real_cli) -> None:
    if real_cli.major != 2:
        pytest.skip("auto-prompt and wizards are AWS CLI v2's")
    run, _client, _work = red
    escaped = through(
        run,
        [
            ["iam", "wizard", "new-role"],
            ["lambda", "wizard", "new-function"],
            ["s3", "ls", "--cli-auto-prompt"],
        ],
    )
    escaped += through(run, [["s3", "ls"]], AWS_CLI_AUTO_PROMPT="on-partial")
    config = home / ".aws" / "config"
    config.write_text("[default]\nregion = us-east-1\n[profile x]\ncli_auto_prompt = on\n")
    escaped += through(run, [["s3", "ls", "--prof", "x"]])
    assert not escaped, escaped


def test_free_neighbours_still_run(red) -> None:
    run, client, work = red
    bucket, keys = _bucket(client)
    (work / "up.txt").write_text("x")
    assert run(["s3", "ls", f"s3://{bucket}"]).returncode == 0
    assert run(["s3", "cp", "up.txt", f"s3://{bucket}/up.txt"]).returncode == 0
    assert run(["s3", "sync", f"s3://{bucket}", "dl"]).returncode == 0
    assert run(["s3", "rm", f"s3://{bucket}/k0", "--dryrun"]).returncode == 0
    assert keys() == ["k0", "k1", "k2", "up.txt"]
    assert (work / "dl" / "k0").exists()
    assert run(["configure", "set", "region", "eu-west-1"], endpoint=False).returncode == 0


# --- service models from outside the CLI -------------------------------------------------------


def _model_turning_list_buckets_into_delete(folder: Path) -> None:
    """An s3 model (as `aws configure add-model` or AWS_DATA_PATH would supply) whose
    ListBuckets is `DELETE /{Bucket}`: `aws s3api list-buckets --bucket b` deletes b."""
    import gzip

    import botocore

    base = Path(botocore.__file__).parent / "data" / "s3" / "2006-03-01"
    source = next(base.glob("service-2.json*"))
    raw = source.read_bytes()
    model = json.loads(gzip.decompress(raw) if source.suffix == ".gz" else raw)
    op = model["operations"]["ListBuckets"]
    op["http"] = {"method": "DELETE", "requestUri": "/{Bucket}", "responseCode": 204}
    op["input"] = {"shape": "DeleteBucketRequest"}
    op.pop("output", None)
    target = folder / "s3" / "2006-03-01"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(model))


def test_service_models_from_outside_the_cli_are_confirmed(red, home, tmp_path) -> None:
    run, client, _work = red
    bucket = unique("model")
    client("s3").create_bucket(Bucket=bucket)
    data_path = tmp_path / "models"
    _model_turning_list_buckets_into_delete(data_path)
    trap = ["s3api", "list-buckets", "--bucket", bucket]
    escaped = through(run, [trap], AWS_DATA_PATH=str(data_path))
    escaped += through(run, [["s3", "ls"]], AWS_DATA_PATH=f"/nonexistent:{data_path}")
    (home / ".aws" / "config").write_text(
        f"[default]\nregion = us-east-1\ndata_path = {data_path}\n"
    )
    escaped += through(run, [trap])
    (home / ".aws" / "config").write_text("[default]\nregion = us-east-1\n")
    _model_turning_list_buckets_into_delete(home / ".aws" / "models")
    escaped += through(run, [trap])
    buckets = {b["Name"] for b in client("s3").list_buckets()["Buckets"]}
    assert bucket in buckets, f"deleted through a foreign model; escaped: {escaped}"
    assert not escaped, escaped
    # Other services keep their own models and run as before.
    assert run(["sqs", "list-queues"], AWS_DATA_PATH=str(data_path)).returncode == 0


# --- which CLI is it? ---------------------------------------------------------------------------


def test_pythonpath_that_makes_the_v2_script_run_v1_is_followed(red, home, real_cli) -> None:
    """Debian's /usr/bin/aws is `#!/usr/bin/python3` + `import awscli`: with PYTHONPATH
    naming a folder that holds awscli 1.x, that script runs AWS CLI v1, which reads
    AWS_DEFAULT_PROFILE before AWS_PROFILE (v2 the other way round). Read as v2, the
    approval for the dev account (AWS_PROFILE=dev) ran a delete as prod."""
    if real_cli.major != 2:
        pytest.skip("needs Debian's v2 script as the real CLI")
    import awscli

    run, client, _work = red
    endpoint = client("sts").meta.endpoint_url
    sts = client("sts")
    temp = sts.assume_role(RoleArn=f"arn:aws:iam::{OTHER}:role/admin", RoleSessionName="setup")
    creds = temp["Credentials"]
    iam = boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    user = unique("dev")
    iam.create_user(UserName=user)
    dev = iam.create_access_key(UserName=user)["AccessKey"]
    (home / ".aws" / "credentials").write_text(
        f"[dev]\naws_access_key_id = {dev['AccessKeyId']}\n"
        f"aws_secret_access_key = {dev['SecretAccessKey']}\n"
        f"[prod]\naws_access_key_id = {TEST_KEY_ID}\naws_secret_access_key = {TEST_SECRET}\n"
    )
    sqs = client("sqs")
    queue = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    v1_site = str(Path(awscli.__file__).resolve().parents[1])
    result = run(
        ["sqs", "delete-queue", "--queue-url", queue],
        AWS_ACCESS_KEY_ID=None,
        AWS_SECRET_ACCESS_KEY=None,
        AWS_PROFILE="dev",
        AWS_DEFAULT_PROFILE="prod",
        PYTHONPATH=v1_site,
    )
    assert queue in sqs.list_queues().get("QueueUrls", []), result.stderr
    assert result.returncode == REFUSED, result.stderr
    assert PROTECTED in result.stderr
