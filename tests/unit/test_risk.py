"""awsguard.risk: every aws invocation is read, write, permissions or destructive."""

from __future__ import annotations

import json
import shlex

import pytest

from awsguard import cliargs
from awsguard.cli import main
from awsguard.invocation import parse
from awsguard.risk import Classification, Risk, classify


def risk_of(command: str) -> Classification:
    return classify(parse(shlex.split(command)))


# --- the examples of issue 4 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "risk", "operation", "action"),
    [
        ("s3 rb s3://bucket", Risk.DESTRUCTIVE, "s3 rb", "s3:DeleteBucket"),
        ("s3 rb s3://bucket --force", Risk.DESTRUCTIVE, "s3 rb", "s3:DeleteBucket"),
        ("s3 rm s3://bucket/ --recursive", Risk.DESTRUCTIVE, "s3 rm", "s3:DeleteObject"),
        ("s3 mv s3://a/k s3://b/k", Risk.DESTRUCTIVE, "s3 mv", "s3:DeleteObject"),
        ("s3 mv ./file s3://b/k", Risk.DESTRUCTIVE, "s3 mv", "s3:PutObject"),
        ("s3 sync ./site s3://bucket --delete", Risk.DESTRUCTIVE, "s3 sync", "s3:DeleteObject"),
        ("s3 sync ./site s3://bucket", Risk.WRITE, "s3 sync", "s3:PutObject"),
        ("s3 cp ./file s3://bucket/key", Risk.WRITE, "s3 cp", "s3:PutObject"),
        ("s3 cp - s3://bucket/key", Risk.WRITE, "s3 cp", "s3:PutObject"),
        ("s3 mb s3://bucket", Risk.WRITE, "s3 mb", "s3:CreateBucket"),
        ("s3 website s3://bucket --index-document i.html", Risk.WRITE, "s3 website", None),
        ("s3 ls", Risk.READ, "s3 ls", "s3:ListAllMyBuckets"),
        ("s3 ls s3://bucket/prefix/", Risk.READ, "s3 ls", "s3:ListBucket"),
        ("s3 presign s3://bucket/key", Risk.READ, "s3 presign", "s3:GetObject"),
        (
            "ec2 terminate-instances --instance-ids i-1",
            Risk.DESTRUCTIVE,
            "TerminateInstances",
            "ec2:TerminateInstances",
        ),
        ("iam delete-user --user-name bob", Risk.DESTRUCTIVE, "DeleteUser", "iam:DeleteUser"),
        (
            "s3api put-bucket-policy --bucket b --policy file://p.json",
            Risk.PERMISSIONS,
            "PutBucketPolicy",
            "s3:PutBucketPolicy",
        ),
        (
            "iam attach-role-policy --role-name r --policy-arn arn:aws:iam::aws:policy/X",
            Risk.PERMISSIONS,
            "AttachRolePolicy",
            "iam:AttachRolePolicy",
        ),
        (
            "iam create-access-key --user-name bob",
            Risk.PERMISSIONS,
            "CreateAccessKey",
            "iam:CreateAccessKey",
        ),
        (
            "kms schedule-key-deletion --key-id k --pending-window-in-days 7",
            Risk.DESTRUCTIVE,
            "ScheduleKeyDeletion",
            "kms:ScheduleKeyDeletion",
        ),
        ("ec2 describe-instances", Risk.READ, "DescribeInstances", "ec2:DescribeInstances"),
        (
            "s3api list-objects-v2 --bucket b",
            Risk.READ,
            "ListObjectsV2",
            "s3:ListBucket",
        ),
        (
            "configservice describe-config-rules",
            Risk.READ,
            "DescribeConfigRules",
            "config:DescribeConfigRules",
        ),
    ],
)
def test_issue_examples(command, risk, operation, action):
    result = risk_of(command)
    assert result.risk is risk, result.reason
    assert result.operation == operation
    if action is not None:
        assert result.action == action


def test_s3_high_level_commands_name_the_service_s3():
    assert risk_of("s3 rm s3://b/k").service == "s3"


def test_downloads_change_only_local_files_so_they_are_reads():
    assert risk_of("s3 cp s3://bucket/key ./file").risk is Risk.READ
    assert risk_of("s3 cp s3://bucket/key -").risk is Risk.READ
    assert risk_of("s3 sync s3://bucket ./dir").risk is Risk.READ


def test_sync_delete_is_destructive_in_either_direction():
    assert risk_of("s3 sync s3://bucket ./dir --delete").risk is Risk.DESTRUCTIVE


def test_s3_value_options_are_not_taken_for_paths():
    result = risk_of("s3 cp --exclude s3://x --storage-class STANDARD ./f s3://b/k")
    assert result.risk is Risk.WRITE


# --- commands that make no change ---------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "ec2 run-instances --image-id ami-1 --dry-run",
        "ec2 terminate-instances --instance-ids i-1 --dry-run",
        "dynamodb wait table-exists --table-name t",
        "s3api wait bucket-exists --bucket b",
        "help",
        "ec2 help",
        "s3 help",
        "ec2 terminate-instances help",
        "iam delete-user --generate-cli-skeleton",
        "iam delete-user --generate-cli-skeleton output",
        "s3 rm s3://bucket/key --dryrun",
        "--version",
        "configure",
        "configure list",
        "configure set region eu-west-1",
        "sts get-caller-identity",
        "ec2",
        "",
    ],
)
def test_no_change_commands_are_reads(command):
    assert risk_of(command).risk is Risk.READ


def test_dry_run_keeps_the_operation_and_action():
    result = risk_of("ec2 run-instances --dry-run")
    assert (result.operation, result.action) == ("RunInstances", "ec2:RunInstances")
    assert "--dry-run" in result.reason


def test_no_dry_run_is_not_a_dry_run():
    assert risk_of("ec2 terminate-instances --no-dry-run").risk is Risk.DESTRUCTIVE


def test_a_waiter_names_itself_as_the_operation():
    assert risk_of("dynamodb wait table-exists --table-name t").operation == "wait table-exists"


def test_global_options_anywhere_do_not_change_the_classification():
    result = risk_of("--profile prod s3 --region eu-west-1 rb s3://b --debug")
    assert (result.risk, result.operation) == (Risk.DESTRUCTIVE, "s3 rb")


# --- permissions versus destructive -------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "s3api delete-bucket-policy --bucket b",  # decided: a policy change, not a deletion
        "s3api put-bucket-acl --bucket b --acl private",
        "iam delete-access-key --access-key-id AKIA",
        "iam update-access-key --access-key-id AKIA --status Inactive",
        "iam detach-role-policy --role-name r --policy-arn x",
        "iam put-role-policy --role-name r --policy-name p --policy-document {}",
        "iam delete-role-policy --role-name r --policy-name p",
        "iam update-assume-role-policy --role-name r --policy-document {}",
        "iam delete-policy --policy-arn x",
        "iam add-user-to-group --user-name u --group-name g",
        "iam create-login-profile --user-name u --password x",
        "lambda add-permission --function-name f --statement-id s --action a --principal p",
        "lambda remove-permission --function-name f --statement-id s",
        "sqs add-permission --queue-url q --label l",
        "sqs set-queue-attributes --queue-url q --attributes Policy=x",
        "sns set-topic-attributes --topic-arn t --attribute-name Policy --attribute-value x",
        "kms put-key-policy --key-id k --policy x",
        "kms create-grant --key-id k --grantee-principal p --operations Decrypt",
        "kms revoke-grant --key-id k --grant-id g",
        "secretsmanager put-resource-policy --secret-id s --resource-policy x",
    ],
)
def test_permission_changes(command):
    result = risk_of(command)
    assert result.risk is Risk.PERMISSIONS, result.reason


@pytest.mark.parametrize(
    "command",
    [
        "s3api delete-object --bucket b --key k",
        "s3api delete-objects --bucket b --delete file://d.json",
        "s3api delete-bucket --bucket b",
        "dynamodb delete-table --table-name t",
        "rds delete-db-instance --db-instance-identifier d",
        "sqs purge-queue --queue-url q",
        "ec2 deregister-image --image-id ami-1",
        "ec2 revoke-security-group-ingress --group-id sg-1",
        "ec2 release-address --allocation-id a",
        "organizations leave-organization",
        "cloudformation delete-stack --stack-name s",
        "iam delete-role --role-name r",
        "apigateway delete-rest-api --rest-api-id a",
        "secretsmanager delete-secret --secret-id s",
    ],
)
def test_destructive_commands(command):
    result = risk_of(command)
    assert result.risk is Risk.DESTRUCTIVE, result.reason


@pytest.mark.parametrize(
    "command",
    [
        "ec2 delete-tags --resources i-1 --tags Key=a",  # labels only
        "ec2 stop-instances --instance-ids i-1",
        "ec2 run-instances --image-id ami-1",
        "autoscaling put-scaling-policy --auto-scaling-group-name g --policy-name p",
        "kms disable-key --key-id k",
        "lambda invoke --function-name f out.json",
        "ec2 modify-image-attribute --image-id ami-1 --description x",
        "cloudformation deploy --template-file t.yml --stack-name s",
        "cloudformation package --template-file t.yml --s3-bucket b",
        "ecs deploy --service s --task-definition t.json --codedeploy-appspec a.json",
        "deploy push --application-name a --s3-location s3://b/k",
    ],
)
def test_writes(command):
    result = risk_of(command)
    assert result.risk is Risk.WRITE, result.reason


def test_eks_update_kubeconfig_reads_aws_and_writes_only_locally():
    result = risk_of("eks update-kubeconfig --name cluster")
    assert (result.risk, result.action) == (Risk.READ, "eks:DescribeCluster")


def test_get_caller_identity_needs_no_action():
    result = risk_of("sts get-caller-identity")
    assert result.action is None
    assert "no IAM permission" in result.reason


# --- names the tables do not know -----------------------------------------------------------


def test_unknown_service_fails_closed_unless_its_name_reads():
    # a plugin or a newer CLI may add it: awsguard cannot see what it does
    for command in ("frobnicator delete-widget --id 1", "frobnicator create-widget"):
        result = risk_of(command)
        assert result.risk is Risk.DESTRUCTIVE, command
        assert "does not know the service 'frobnicator'" in result.reason
    result = risk_of("frobnicator describe-widgets")
    assert result.risk is Risk.READ and "does not know" in result.reason


def test_unknown_operation_of_a_known_service_fails_closed_unless_its_name_reads():
    result = risk_of("ec2 create-shiny-new-thing --id 1")
    assert (result.risk, result.action) == (Risk.DESTRUCTIVE, "ec2:CreateShinyNewThing")
    assert "does not know the operation 'create-shiny-new-thing'" in result.reason
    assert risk_of("ec2 list-shiny-new-things").risk is Risk.READ
    assert risk_of("ec2 get-shiny-new-thing").risk is Risk.READ


def test_unknown_operation_the_installed_cli_rejects_keeps_its_name_guess():
    # tables of the installed version: the CLI's usage error for certain, nothing runs
    inv = parse(["ec2", "create-shiny-new-thing"], version=cliargs.load(1, "_global").version)
    assert inv.cli_error and inv.problem is None
    result = classify(inv)
    assert result.risk is Risk.WRITE and "rejects this command line" in result.reason


@pytest.mark.parametrize("argv", [["s3api", "../../etc"], ["..", "x"], ["\t", "\n"], ["-"]])
def test_odd_argv_never_crashes(argv):
    assert isinstance(classify(parse(argv)).risk, Risk)


def test_risk_values_are_the_documented_strings():
    assert [r.value for r in Risk] == [
        "read",
        "write",
        "permissions",
        "destructive",
        "exposure",
        "execute",
        "audit-off",
        "interactive",
    ]
    assert Risk("destructive") is Risk.DESTRUCTIVE


# --- awsguard classify ------------------------------------------------------------------------


def test_classify_json_prints_exactly_the_documented_fields(capsys):
    assert main(["classify", "--json", "--", "s3", "rb", "s3://bucket", "--force"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"risk", "service", "operation", "action", "reason"}
    assert out["risk"] == "destructive"
    assert (out["service"], out["operation"], out["action"]) == ("s3", "s3 rb", "s3:DeleteBucket")


def test_classify_accepts_json_after_the_aws_argv(capsys):
    assert main(["classify", "--", "s3api", "list-objects-v2", "--bucket", "b", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["risk"], out["operation"], out["action"]) == (
        "read",
        "ListObjectsV2",
        "s3:ListBucket",
    )


def test_classify_prints_for_people(capsys):
    assert main(["classify", "--", "ec2", "terminate-instances", "--instance-ids", "i-1"]) == 0
    out = capsys.readouterr().out
    assert "risk:      destructive" in out
    assert "ec2:TerminateInstances" in out


def test_classify_without_a_command_is_a_usage_error(capsys):
    assert main(["classify"]) == 2
    assert "needs an aws command line" in capsys.readouterr().err


def test_risk_members_behave_as_the_str_enum_they_replace():
    import copy
    import enum
    import json
    import pickle

    class Old(str, enum.Enum):
        READ = "read"
        AUDIT_OFF = "audit-off"

    for new, old in ((Risk.READ, Old.READ), (Risk.AUDIT_OFF, Old.AUDIT_OFF)):
        shown = (repr(old), str(old), f"{old}", f"{old:>13}")  # "Old" is one letter short
        assert (repr(new), str(new), f"{new}", f"{new:>14}") == tuple(
            text.replace("Old", "Risk") for text in shown
        )
        assert new == old.value and hash(new) == hash(old.value) and new.name == old.name
        assert json.dumps({"risk": new}) == json.dumps({"risk": old})
        assert copy.deepcopy(new) is new and pickle.loads(pickle.dumps(new)) is new
    assert Risk(Risk.WRITE) is Risk.WRITE and len(Risk) == 8
    for bad in ("READ", "nope", 1, None):
        with pytest.raises(ValueError):
            Risk(bad)
    with pytest.raises(AttributeError):
        Risk.READ.name = "WRITE"
