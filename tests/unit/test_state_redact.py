"""redact: outside text cannot draw on the terminal; secrets never reach a panel or a log,
however the option was spelled and wherever in a structured value they sit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from awsguard import audit, confirm, redact
from awsguard.confirm import Outcome
from awsguard.invocation import parse

SECRET = "hunter2-Sup3rSecret"
REPO = Path(__file__).resolve().parents[2]


# --- escaping --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text — fine…", "plain text — fine…"),
        ("a\nb", "a\\nb"),
        ("\x1b[8mhidden", "\\x1b[8mhidden"),
        ("tab\there\r", "tab\\there\\r"),
        ("\x9b2J", "\\x9b2J"),  # C1 CSI
        ("evil\u202etxt.exe", "evil\\u202etxt.exe"),  # right-to-left override
        ("bad\udcffbyte", "bad\\udcffbyte"),  # undecodable argv byte
    ],
)
def test_escape_shows_control_characters_and_keeps_one_line(raw, shown):
    assert redact.escape(raw) == shown
    assert "\n" not in redact.escape(raw)


def test_the_panel_cannot_be_redrawn_by_an_argument():
    argv = [
        "s3", "rm", "s3://prod/", "--recursive", "--exclude",
        "x\x1b[8m\n  risk         read\n  account      111111111111 (sandbox)\x1b[0m",
    ]
    outcome = Outcome(
        decision="pass", level="confirm", risk="destructive", operation="s3 rm",
        because="built-in default",
        identity={"account": "123456789012", "arn": "arn:aws:iam::123456789012:user/a\x1b[2J",
                  "name": "prod\nrisk read", "alias": None, "region": "us-east-1"},
    )
    text = confirm.panel(outcome, parse(argv), None)
    rows = text.rstrip("\n").split("\n")
    assert len(rows) == 8  # the title and seven rows, whatever the values hold
    assert "\x1b" not in text
    assert [r.split()[0] for r in rows[1:]] == [
        "command", "risk", "account", "identity", "region", "credentials", "rule"
    ]
    assert "risk         destructive" in text


def test_conflict_lines_stay_one_line():
    from awsguard.resolve import Conflict, format_conflict_line

    conflict = Conflict("profile-not-found", "profile 'a\x1b]0;pwned\x07\nb' is not there", "fix")
    line = format_conflict_line(conflict)
    assert "\n" not in line and "\x1b" not in line and "\\x1b]0;pwned\\x07\\nb" in line


def test_awsguard_log_escapes_what_the_log_holds(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state"), "PATH": "/usr/bin"}
    outcome = Outcome(decision="refused", level="confirm", risk="destructive",
                      identity={"account": "123456789012", "name": "prod\x1b[8m"})
    audit.record(outcome, parse(["s3", "rb", "s3://b\x1b[2J\nfake line"]), None, env)
    shown = subprocess.run(
        [sys.executable, "-m", "awsguard", "log"], env=env, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert "\x1b" not in shown.stdout and shown.stdout.count("\n") == 1
    assert "\\x1b[2J\\nfake line" in shown.stdout


# --- redaction -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["iam", "change-password", "--old-pass", SECRET, "--new-pass", SECRET + "2"],
        ["iam", "change-password", f"--old-passw={SECRET}", f"--new-password={SECRET}"],
        ["iam", "upload-server-certificate", "--server-certificate-name", "c",
         "--certificate-body", "b", "--private", SECRET],
        ["ssm", "put-parameter", "--name", "/db", "--val", SECRET],
        ["iam", "enable-mfa-device", "--user-name", "u", "--serial-number", "s",
         "--authentication-code1", SECRET, "--authentication-code2", SECRET],
        ["cloudformation", "create-stack", "--stack-name", "s", "--parameters",
         f"ParameterKey=DbPassword,ParameterValue={SECRET}",
         f"ParameterKey=Other,ParameterValue={SECRET}"],
        ["cloudformation", "create-stack", "--stack-name", "s", "--parameters",
         json.dumps([{"ParameterKey": "P", "ParameterValue": SECRET}])],
        ["lambda", "update-function-configuration", "--function-name", "f",
         "--environment", f"Variables={{DB={SECRET}}}"],
        ["opensearch", "create-domain", "--domain-name", "d", "--advanced-security-options",
         f"Enabled=true,MasterUserOptions={{MasterUserName=a,MasterUserPassword={SECRET}}}"],
        ["ssm", "put-parameter", "--cli-input-json", json.dumps({"Name": "n", "Value": SECRET})],
        ["secretsmanager", "create-secret", "--cli-input-yaml", f"SecretString: {SECRET}"],
        ["configure", "set", "profile.p.aws_secret_access_key", SECRET],
        ["s3", "cp", "a", "s3://b/a", "--sse-c", "AES256", "--sse-c-k", SECRET],
        ["cognito-idp", "admin-set-user-password", "--user-pool-id", "p", "--username", "u",
         "--pass", SECRET],
    ],
)
def test_secrets_are_redacted_however_the_option_is_spelled(argv):
    shown = " ".join(redact.argv(argv))
    assert SECRET not in shown and redact.REDACTED in shown


def test_what_says_what_the_command_does_stays_visible():
    argv = ["cloudformation", "create-stack", "--stack-name", "s", "--parameters",
            f"ParameterKey=DbPassword,ParameterValue={SECRET}"]
    assert "ParameterKey=DbPassword" in " ".join(redact.argv(argv))
    argv = ["s3", "cp", "a", "s3://b/a", "--sse-c", "AES256", "--sse-c-copy-source", "AES256"]
    assert redact.argv(argv) == argv
    argv = ["ssm", "put-parameter", "--cli-input-json", "file://in.json"]
    assert redact.argv(argv) == argv
    argv = ["iam", "change-password", "--old-password", "file://old.txt", "--new-password", "x"]
    assert redact.argv(argv)[3] == "file://old.txt"


def test_the_parsers_owners_decide_when_given():
    words = ["iam", "change-password", "--o", SECRET, "--new-password", SECRET, "positional"]
    owners = [None, None, "--old-password", "--old-password", "--new-password",
              "--new-password", None]
    shown = redact.redact_words(words, owners, "iam", "change-password")
    assert shown == ["iam", "change-password", "--o", redact.REDACTED, "--new-password",
                     redact.REDACTED, "positional"]


def test_every_model_flagged_option_is_in_the_table():
    table = (REPO / "awsguard" / "data" / "sensitive.tsv").read_text()
    assert "iam\tchange-password\t--new-password --old-password" in table
    assert redact.sensitive_options("lambda", "create-function") >= {"--environment"}
    # A secret nested in a structure makes the whole option sensitive.
    assert "--advanced-security-options" in redact.sensitive_options("opensearch", "create-domain")
    assert redact.sensitive_options("s3api", "put-object") >= {"--sse-customer-key"}


def test_the_audit_log_and_the_refusal_hold_no_secret(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state")}
    invocation = parse(["iam", "change-password", "--old-pass", SECRET, "--new-pass", SECRET])
    outcome = Outcome(decision="refused", level="confirm", risk="permissions", identity={})
    audit.record(outcome, invocation, None, env)
    assert SECRET not in audit.log_path(env).read_text()
    assert SECRET not in confirm.command_text(invocation)


def test_key_ids_are_masked_one_way():
    from awsguard import monitor, resolve, vault

    key = "AKIAIOSFODNN7EXAMPLE"
    assert redact.mask_key(key) == resolve.mask_key(key) == monitor.mask_key(key)
    assert vault.mask(key) == "AKIA…MPLE"
    assert redact.mask_key_ids(f"key {key} denied") == "key AKIA…MPLE denied"


def test_the_prompt_segment_cannot_retitle_the_terminal(tmp_path):
    env = {
        "HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "AWSGUARD_PROMPT_CACHE": "0",
        "AWS_PROFILE": "evil\x1b]0;pwned\x07\x1b[8m", "NO_COLOR": "1",
    }
    for extra in ([], ["--shell", "bash"], ["--shell", "zsh"]):
        shown = subprocess.run(
            [sys.executable, "-m", "awsguard", "prompt", *extra],
            env=env, capture_output=True, text=True,
        )
        assert shown.returncode == 0, shown.stderr
        assert "\x07" not in shown.stdout and "]0;pwned" in shown.stdout
        assert "\x1b]" not in shown.stdout and "\x1b[8m" not in shown.stdout
