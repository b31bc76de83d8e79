"""`awsguard simulate`: the input file, the shorthand flags, errors, and online mode on moto."""

from __future__ import annotations

import json

import pytest

from awsguard.cli import main

USER = "arn:aws:iam::111122223333:user/alice"
READ = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::r/*",
     "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}


@pytest.fixture(autouse=True)
def no_aws_env(monkeypatch, tmp_path):

    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))


def write(tmp_path, name: str, data) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def simulate_json(capsys, *argv: str) -> dict:
    assert main(["simulate", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_input_file_json_names_the_failed_condition(tmp_path, capsys) -> None:
    path = write(tmp_path, "in.json", {
        "request": {"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::r/k",
                    "context": {"aws:SourceIp": "198.51.100.1"}},
        "identity_policies": [{"name": "ReadR", "document": READ}]})
    out = simulate_json(capsys, "--input", path)
    assert set(out) == {"decision", "blocked_by", "statements", "explanation", "warnings",
                        "validation"}
    assert out["decision"] == "implicit-deny"
    assert out["blocked_by"] == ["identity"]
    [near] = out["statements"]
    assert (near["policy"], near["statement"]) == ("ReadR", "Read")
    assert near["condition_failures"] == [{"operator": "IpAddress", "key": "aws:SourceIp",
                                           "policy_values": ["203.0.113.0/24"],
                                           "request_values": ["198.51.100.1"]}]


def test_input_file_explicit_deny_for_people(tmp_path, capsys) -> None:
    path = write(tmp_path, "in.json", {
        "request": {"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::r/k",
                    "context": {"aws:SourceIp": "203.0.113.9"}},
        "identity_policies": [READ],
        "resource_policy": {"Statement": [{"Sid": "NoHttp", "Effect": "Deny", "Principal": "*",
                                           "Action": "s3:*", "Resource": "*"}]}})
    assert main(["simulate", "--input", path]) == 0
    out = capsys.readouterr().out
    assert "Decision: explicit-deny  (blocked by: resource)" in out
    assert "NoHttp" in out


def test_shorthand_flags_with_multivalued_context(tmp_path, capsys) -> None:
    identity = write(tmp_path, "id.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
         "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}}}]})
    allowed = simulate_json(capsys, "--action", "ec2:CreateTags", "--principal", USER,
                            "--policy", identity, "--context", "aws:TagKeys=env",
                            "--context", "aws:TagKeys=team", "--no-lint")
    assert allowed["decision"] == "allowed"
    denied = simulate_json(capsys, "--action", "ec2:CreateTags", "--principal", USER,
                           "--policy", identity, "--context", "aws:TagKeys=env",
                           "--context", "aws:TagKeys=owner", "--no-lint")
    assert denied["decision"] == "implicit-deny"


def test_shorthand_scp_levels_and_resource_policy(tmp_path, capsys) -> None:
    full = write(tmp_path, "full.json", {"Statement": [{"Effect": "Allow", "Action": "*",
                                                        "Resource": "*"}]})
    ec2 = write(tmp_path, "ec2.json", {"Statement": [{"Effect": "Allow", "Action": "ec2:*",
                                                      "Resource": "*"}]})
    bucket = write(tmp_path, "bucket.json", {"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::r/*"}]})
    base = ["--action", "s3:GetObject", "--resource", "arn:aws:s3:::r/k", "--principal", USER,
            "--resource-account", "111122223333", "--resource-policy", bucket]
    assert simulate_json(capsys, *base, "--scp", full)["decision"] == "allowed"
    out = simulate_json(capsys, *base, "--scp", full, "--scp", ec2)
    assert (out["decision"], out["blocked_by"]) == ("implicit-deny", ["scp"])


def test_lint_findings_become_warnings(tmp_path, capsys) -> None:
    identity = write(tmp_path, "id.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]})
    out = simulate_json(capsys, "--action", "s3:GetObject", "--principal", USER,
                        "--policy", identity)
    assert any("mfa-bool-deny" in w for w in out["warnings"])


def test_invalid_json_names_the_file(tmp_path, capsys) -> None:
    path = write(tmp_path, "broken.json", '{"request": ')
    assert main(["simulate", "--input", path]) == 1
    err = capsys.readouterr().err
    assert "broken.json" in err and "not valid JSON" in err and "Traceback" not in err


def test_invalid_policy_names_policy_statement_and_field(tmp_path, capsys) -> None:
    path = write(tmp_path, "in.json", {
        "request": {"principal": USER, "action": "s3:GetObject"},
        "identity_policies": [{"name": "Mine", "document": {"Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Sid": "Odd", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
             "Condition": {"StringEqualz": {"a": "b"}}}]}}]})
    assert main(["simulate", "--input", path, "--strict"]) == 1
    err = capsys.readouterr().err
    assert "policy 'Mine'" in err and "statement #2 (Odd)" in err
    assert "Condition.StringEqualz" in err


def test_policy_iam_would_reject_is_still_evaluated_with_a_warning(tmp_path, capsys) -> None:
    path = write(tmp_path, "in.json", {
        "request": {"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"},
        "identity_policies": [{"name": "Mine", "document": {"Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
             "Principal": {"AWS": USER}}]}}]})
    out = simulate_json(capsys, "--input", path)
    assert out["decision"] == "allowed"
    assert out["validation"] == [{"policy": "Mine", "statement_index": 0, "statement": "#1",
                                  "field": "Principal", "message": out["validation"][0]["message"]}]
    assert any("field 'Principal'" in w for w in out["warnings"])
    assert main(["simulate", "--input", path, "--strict"]) == 1
    assert "field 'Principal'" in capsys.readouterr().err


def test_missing_request_fields_are_reported(tmp_path, capsys) -> None:
    path = write(tmp_path, "in.json", {"request": {"action": "s3:GetObject"}})
    assert main(["simulate", "--input", path]) == 1
    assert "request.principal" in capsys.readouterr().err


def test_input_and_shorthand_flags_do_not_mix(tmp_path, capsys) -> None:
    path = write(tmp_path, "in.json", {"request": {"principal": USER, "action": "s3:GetObject"}})
    assert main(["simulate", "--input", path, "--action", "s3:PutObject"]) == 1
    assert "--input" in capsys.readouterr().err


def test_online_mode_reads_user_and_bucket_policies(moto_server, monkeypatch, capsys) -> None:
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    iam, s3 = boto3.client("iam"), boto3.client("s3")
    name = "simulate-online-user"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::sim-r/*"}]}))
    group = "simulate-online-group"
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=name)
    iam.put_group_policy(GroupName=group, PolicyName="noput", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]}))
    s3.create_bucket(Bucket="sim-r")
    s3.put_bucket_policy(Bucket="sim-r", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": "arn:aws:s3:::sim-r/*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    account = boto3.client("sts").get_caller_identity()["Account"]
    principal = f"arn:aws:iam::{account}:user/{name}"
    base = ["--action", "s3:GetObject", "--resource", "arn:aws:s3:::sim-r/k",
            "--principal", principal, "--no-lint"]

    allowed = simulate_json(capsys, *base, "--context", "aws:SecureTransport=true")
    assert allowed["decision"] == "allowed"
    assert any("bucket policy of sim-r" in item for item in allowed["online"]["read"])
    assert any("group simulate-online-group" in item for item in allowed["online"]["read"])
    assert "iam_simulation" in allowed["online"]

    denied = simulate_json(capsys, *base, "--context", "aws:SecureTransport=false")
    assert (denied["decision"], denied["blocked_by"]) == ("explicit-deny", ["resource"])
    assert denied["statements"][0]["statement"] == "TlsOnly"

    put = simulate_json(capsys, "--action", "s3:PutObject", "--resource", "arn:aws:s3:::sim-r/k",
                        "--principal", principal, "--no-lint", "--no-compare")
    # The group's Deny, and no Allow in either the user's policies or the bucket policy.
    assert (put["decision"], put["blocked_by"]) == ("explicit-deny", ["identity", "resource"])


def test_online_mode_lists_what_it_could_not_read(moto_server, monkeypatch, capsys) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    out = simulate_json(capsys, "--action", "s3:GetObject", "--resource",
                        "arn:aws:s3:::no-such-bucket-x/k", "--principal",
                        "arn:aws:iam::123456789012:user/nobody-here", "--no-lint", "--no-compare")
    unreadable = [item["what"] for item in out["online"]["unreadable"]]
    assert "inline policies of user nobody-here" in unreadable
    assert any("could not read" in w for w in out["warnings"])
    assert out["decision"] == "implicit-deny"
