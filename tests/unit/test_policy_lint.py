"""The policy linter: ARN shapes, unknown actions, misleading conditions, broad grants."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from awsguard.cli import main
from awsguard.policy.lint import default_catalog, lint_policy, nearest_action, patterns_intersect
from awsguard.policy.model import parse_policy

OBJECT = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
BUCKET = "arn:${Partition}:s3:::${BucketName}"


@dataclass(frozen=True)
class Ref:
    name: str
    required: bool
    arn_patterns: tuple[str, ...]


@dataclass(frozen=True)
class Info:
    service: str
    name: str
    access_level: str
    resource_types: tuple
    condition_keys: tuple = ()


class FakeCatalog:
    """A few S3 and IAM actions shaped like the Service Authorization Reference."""

    ACTIONS = {
        "s3:GetObject": (Ref("object", True, (OBJECT,)),),
        "s3:PutObject": (Ref("object", True, (OBJECT,)),),
        "s3:ListBucket": (Ref("bucket", True, (BUCKET,)),),
        "s3:ListAllMyBuckets": (),
        "iam:PassRole": (Ref("role", True, ("arn:${Partition}:iam::${Account}:role/"
                                           "${RoleNameWithPath}",)),),
    }

    def service_known(self, prefix: str) -> bool:
        return prefix in {"s3", "iam"}

    def service_actions(self, prefix: str) -> list[str]:
        return [a for a in self.ACTIONS if a.startswith(prefix + ":")]

    def action_info(self, action: str):
        for name, refs in self.ACTIONS.items():
            if name.lower() == action.lower():
                service, short = name.split(":")
                return Info(service, short, "Read", refs)
        return None


def lint(*statements: dict, kind: str = "identity") -> list:
    policy = parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, "p", kind)
    return lint_policy(policy, FakeCatalog())


def codes(findings: list) -> list[str]:
    return [f.code for f in findings]


def test_get_object_on_bucket_arn_is_flagged_with_the_object_form() -> None:
    found = lint({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs"})
    assert codes(found) == ["resource-mismatch"]
    assert found[0].severity == "error"
    assert "arn:aws:s3:::logs/*" in found[0].fix


def test_list_bucket_on_object_arn_is_flagged_with_the_bucket_form() -> None:
    found = lint({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::logs/*"})
    assert codes(found) == ["resource-mismatch"]
    assert "'arn:aws:s3:::logs'" in found[0].fix


def test_matching_shapes_pass() -> None:
    assert lint({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                 "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"]}) == []


def test_wildcard_action_is_fine_when_one_expansion_fits() -> None:
    assert lint({"Effect": "Allow", "Action": "s3:List*", "Resource": "arn:aws:s3:::logs"}) == []


def test_star_only_action_with_an_arn_is_flagged() -> None:
    found = lint({"Effect": "Allow", "Action": "s3:ListAllMyBuckets",
                  "Resource": "arn:aws:s3:::logs"})
    assert codes(found) == ["star-only-action"]


def test_unknown_service_and_action() -> None:
    found = lint({"Effect": "Allow", "Action": ["s4:GetObject", "s3:GetObjct"], "Resource": "*"})
    assert codes(found) == ["unknown-service", "unknown-action"]


def test_allow_with_not_action_and_not_resource_warn() -> None:
    assert codes(lint({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})) == [
        "allow-not-action"]
    assert codes(lint({"Effect": "Allow", "Action": "s3:GetObject",
                       "NotResource": "arn:aws:s3:::secret/*"})) == ["allow-not-resource"]


def test_deny_not_action_is_not_flagged() -> None:
    assert lint({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}) == []


def test_mfa_bool_in_deny_is_flagged_and_ifexists_is_not() -> None:
    deny = {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}
    found = lint({**deny, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}})
    assert codes(found) == ["mfa-bool-deny"]
    assert "BoolIfExists" in found[0].fix
    assert lint({**deny, "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}) \
        == []


def test_mfa_ifexists_in_allow_is_flagged() -> None:
    found = lint({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
                  "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}})
    assert codes(found) == ["mfa-ifexists-allow"]


def test_broad_wildcards() -> None:
    assert codes(lint({"Effect": "Allow", "Action": "*", "Resource": "*"})) == ["broad-wildcard"]
    assert codes(lint({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})) == [
        "broad-wildcard"]


def test_public_principal_without_condition() -> None:
    found = lint({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                  "Resource": "arn:aws:s3:::site/*"}, kind="resource")
    assert codes(found) == ["public-principal"]


def test_set_operator_findings() -> None:
    found = lint({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
                  "Condition": {"StringEquals": {"aws:TagKeys": "env"},
                                "ForAllValues:StringEquals": {"aws:SourceIp": "10.0.0.1"}}})
    assert codes(found) == ["missing-set-operator", "set-operator-on-single-value"]


def test_for_all_values_allow_without_null_guard_is_noted() -> None:
    statement = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
                 "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}}
    assert codes(lint(statement)) == ["for-all-values-allow"]
    statement["Condition"]["Null"] = {"aws:TagKeys": "false"}
    assert lint(statement) == []


@pytest.mark.parametrize(("policy", "reference", "expected"), [
    ("arn:aws:s3:::logs/*", OBJECT, True),
    ("arn:aws:s3:::logs", OBJECT, False),
    ("arn:aws:s3:::logs/*", BUCKET, False),
    ("arn:aws:s3:::*", BUCKET, True),
    ("arn:aws:s3:::*", OBJECT, True),
    ("arn:aws:s3:::logs-?", BUCKET, True),
    ("arn:aws:iam::111122223333:role/a/b/c", "arn:${Partition}:iam::${Account}:role/"
     "${RoleNameWithPath}", True),
    ("arn:aws:iam::111122223333:user/x", "arn:${Partition}:iam::${Account}:role/${RoleName}",
     False),
])
def test_patterns_intersect(policy: str, reference: str, expected: bool) -> None:
    assert patterns_intersect(policy, reference) is expected


def test_lint_command_exit_status_and_json(tmp_path, capsys) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}))
    assert main(["lint", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in out["findings"]] == ["mfa-bool-deny"]
    assert set(out["findings"][0]) == {"severity", "code", "policy", "statement", "message", "fix"}


def test_lint_command_reports_invalid_policy_by_statement_and_field(tmp_path, capsys) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"Statement": [{"Effect": "Alow", "Action": "s3:*",
                                               "Resource": "*"}]}))
    assert main(["lint", str(path)]) == 1
    err = capsys.readouterr().err
    assert "statement #1" in err and "'Effect'" in err and str(path) in err


real_catalog = default_catalog()


@pytest.mark.skipif(real_catalog is None, reason="awsguard.catalog tables not generated")
def test_real_catalog_flags_get_object_on_bucket(tmp_path, capsys) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": "arn:aws:s3:::logs"}]}))
    assert main(["lint", str(path), "--json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["code"], f["fix"]) for f in findings] == [
        ("resource-mismatch", "Use 'arn:aws:s3:::logs/*' for s3:GetObject.")]


@pytest.mark.skipif(real_catalog is None, reason="awsguard.catalog tables not generated")
def test_real_catalog_knows_common_actions() -> None:
    policy = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sqs:SendMessage", "kms:Decrypt", "iam:PassRole"],
         "Resource": ["arn:aws:sqs:us-east-1:111122223333:q",
                      "arn:aws:kms:us-east-1:111122223333:key/abc",
                      "arn:aws:iam::111122223333:role/app"]}]}, "p")
    assert lint_policy(policy, real_catalog) == []


def test_misspelled_action_gets_the_nearest_known_one() -> None:
    catalog = default_catalog()
    if catalog is None:
        pytest.skip("the generated action tables are not installed")
    assert nearest_action("s3:GetObjekt", catalog) == "s3:GetObject"
    assert nearest_action("ec2:DescribeInstancez", catalog) == "ec2:DescribeInstances"
    assert nearest_action("dynamodbb:GetItem", catalog) == "dynamodb:GetItem"
    assert nearest_action("s3:CompletelyDifferentThing", catalog) is None
    found = lint_policy(parse_policy({"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}, "p"), catalog)
    assert [f.code for f in found] == ["unknown-action"]
    assert "'s3:GetObject'" in found[0].fix


def test_what_aws_would_reject_is_a_lint_error_with_statement_and_field() -> None:
    found = lint_policy(parse_policy({"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}]}, "p"), use_catalog=False)
    assert [(f.severity, f.code, f.statement) for f in found] == [("error", "invalid-policy", "#1")]
    assert "'Principal'" in found[0].message
