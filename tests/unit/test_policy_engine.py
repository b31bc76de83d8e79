"""The engine as a library: ARN matching, variables, parse errors, context handling."""

from __future__ import annotations

import pytest

from awsguard.policy import EvaluationInput, PolicyError, Request, evaluate, parse_policy
from awsguard.policy.arn import action_matches, arn_matches
from awsguard.policy.variables import substitute


@pytest.mark.parametrize(("pattern", "arn", "expected"), [
    ("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", True),
    ("arn:aws:ec2:*:111122223333:instance/*", "arn:aws:ec2:eu-west-1:111122223333:instance/i-1",
     True),
    ("arn:aws:ec2:*:instance/*", "arn:aws:ec2:eu-west-1:111122223333:instance/i-1", False),
    ("arn:aws:s3:*", "arn:aws:s3:::b/x", True),
    ("arn:aws:iam::111122223333:user/?ob", "arn:aws:iam::111122223333:user/bob", True),
    ("arn:aws:iam::111122223333:user/Bob", "arn:aws:iam::111122223333:user/bob", False),
])
def test_arn_matching_is_segment_by_segment(pattern: str, arn: str, expected: bool) -> None:
    assert arn_matches(pattern, arn) is expected


def test_action_matching_ignores_case() -> None:
    assert action_matches("IAM:list*", "iam:ListRoles")
    assert not action_matches("iam:List*", "iam:GetRole")


def test_substitute_marks_values_and_escapes_as_literal() -> None:
    result = substitute("home/${aws:username}/${*}", {"aws:username": ["a*b"]}, "2012-10-17")
    assert result is not None
    assert result.text == "home/a*b/*"
    assert result.literal_spans == ((5, 8), (9, 10))
    assert substitute("${aws:username}", {}, "2012-10-17") is None
    assert substitute("${aws:username, 'x'}", {}, "2012-10-17").text == "x"
    assert substitute("${aws:username}", {}, "2008-10-17").text == "${aws:username}"


@pytest.mark.parametrize(("document", "message"), [
    ({"Statement": []}, "'Statement': is empty"),
    ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "statement #1, field 'Action'"),
    ({"Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]},
     "not service:action"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*",
                     "Resource": "*"}]}, "cannot be used together with NotAction"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                     "Principal": "*"}]}, "not allowed in a identity policy"),
    ({"Version": "2020-01-01", "Statement": [{}]}, "'Version'"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                     "Condition": {"NullIfExists": {"a": "true"}}}]}, "Null has no IfExists"),
])
def test_parse_errors_name_where(document: dict, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(document, "Named", strict=True)
    assert "policy 'Named'" in str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize(("document", "field"), [
    ({"Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}, "Action"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                     "Principal": "*"}]}, "Principal"),
    ({"Version": "2020-01-01", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                              "Resource": "*"}]}, "Version"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                     "Condition": {"NullIfExists": {"a": "true"}}}]}, "Condition.NullIfExists"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}, "Resource"),
])
def test_what_iam_would_reject_is_a_warning_naming_statement_and_field(document: dict,
                                                                       field: str) -> None:
    policy = parse_policy(document, "Named")
    assert [w.field for w in policy.warnings] == [field]
    warning = policy.warnings[0]
    assert warning.policy == "Named"
    assert warning.to_json()["statement_index"] in (0, None)


def test_bare_string_principal_is_read_as_aws_and_warned() -> None:
    policy = parse_policy({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                          "Resource": "*",
                                          "Principal": "arn:aws:iam::111122223333:root"}]},
                          "Bucket", "resource")
    assert policy.statements[0].principal.values("AWS") == ("arn:aws:iam::111122223333:root",)
    assert policy.warnings[0].field == "Principal"
    assert policy.warnings[0].statement_index == 0


def test_given_context_wins_over_derived_keys() -> None:
    policy = parse_policy({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                          "Condition": {"StringEquals": {
                                              "aws:PrincipalAccount": "999999999999"}}}]}, "p")
    request = Request(principal="arn:aws:iam::111122223333:user/a", action="s3:GetObject",
                      context={"aws:principalaccount": "999999999999"})
    assert evaluate(EvaluationInput(request, [policy])).decision.value == "allowed"


def test_result_json_shape() -> None:
    policy = parse_policy({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}, "p")
    result = evaluate(EvaluationInput(Request("arn:aws:iam::111122223333:user/a", "s3:ListBuckets"),
                                      [policy]))
    data = result.to_json()
    assert data["decision"] == "explicit-deny"
    assert data["statements"][0] == {"layer": "identity", "policy": "p", "statement": "#1",
                                      "effect": "Deny", "matched": True, "level": None,
                                      "condition_failures": []}
    assert "explicitly denied" in data["explanation"]
