"""Outside text (AWS_* values, profile names, config values, AWS messages) in awsguard's
reports: escaped, and one line of the report stays one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import scrubbed

import awsguard
from awsguard import doctor
from awsguard.explain import DiagnosisContext, diagnose, render
from awsguard.redact import json_text

ESC = "\x1b"
HOSTILE = "a\x1b[31mred\x1b]0;title\x07\nrisk read\u202e"


def test_doctor_prints_escape_sequences_of_aws_profile_and_config_escaped(
    tmp_path: Path,
) -> None:
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "config").write_text(
        "[profile a\x1b[31mred]\nregion = us-\x1b]0;x\x07east-1\n", encoding="utf-8"
    )
    environ = {
        "HOME": str(tmp_path),
        "PATH": str(tmp_path / "empty-bin"),
        "AWS_CONFIG_FILE": str(aws / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
        "AWS_PROFILE": "a\x1b[31mred",
        "AWS_DEFAULT_OUTPUT": "json\nfake line\x1b[8m",
    }
    report = doctor.run_doctor(environ, doctor.Options(online=False, keyring=False))
    text = doctor.format_report(report, colour=False)
    assert ESC not in text and "\x07" not in text
    assert "a\\x1b[31mred" in text  # shown, not hidden
    assert "json\\nfake line\\x1b[8m" in text
    assert not any(line.startswith("fake line") for line in text.splitlines())


def test_doctor_keeps_each_evidence_line_one_line() -> None:
    check = doctor.Check("env.variables", doctor.OK, f"x {HOSTILE}", (f"AWS_PROFILE={HOSTILE}",))
    text = doctor.format_report(doctor.Report([check]), colour=False)
    body = text.splitlines()
    # heading, summary, one evidence line, blank, verdict
    assert len(body) == 5, body
    assert ESC not in text and "\u202e" not in text and "\\u202e" in text


def test_explain_render_keeps_outside_text_with_newlines_on_its_lines() -> None:
    # The profile and the S3 key come from argv; AWS's message quotes them back.
    hostile = DiagnosisContext(
        profile="p\nnext: rm -rf ~",
        argv=("s3", "cp", "s3://b/k\r\n  why:  fine\x1b[8m\u202e", "."),
    )
    plain = DiagnosisContext(profile="p", argv=("s3", "cp", "s3://b/k", "."))
    message = "Access Denied\n  why:  all fine\x1b[8m"
    text = render(diagnose("AccessDenied", message, "GetObject", "S3", hostile))
    clean = render(diagnose("AccessDenied", "Access Denied", "GetObject", "S3", plain))
    assert ESC not in text and "\r" not in text and "\u202e" not in text
    assert len(text.splitlines()) == len(clean.splitlines())
    assert "profile p\\nnext: rm -rf ~" in text
    lines = text.splitlines()
    assert not any(line.lstrip().startswith(("why:  fine", "next: rm")) for line in lines)


# --- --json outputs ------------------------------------------------------------------------

# ESC, a C1 CSI (U+009B), bidi override and isolates, direction marks, a line separator.
INVISIBLE = "\x1b[31m\x9b2J\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u2028"
PROFILE = f"dev{INVISIBLE}prod"


def test_json_text_escapes_what_is_not_printable_and_parses_to_the_same_data() -> None:
    data = {"profile": PROFILE, "région": "é😀\U000e0041", "n": [1, None, True]}
    for indent in (None, 1, 2):
        text = json_text(data, indent=indent)
        assert json.loads(text) == data
        assert all(char == "\n" or char.isprintable() for char in text), text
        assert "é😀" in text  # letters stay readable
    assert "\\u202e" in json_text(PROFILE) and "\\u009b" in json_text(PROFILE)


def _awsguard(*args: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "awsguard", *args],
        env=environ, capture_output=True, text=True, timeout=60, check=False,
    )


def test_json_commands_keep_invisible_characters_of_a_profile_name_escaped(
    tmp_path: Path,
) -> None:
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "config").write_text(f"[profile {PROFILE}]\nregion = eu-west-1\n", encoding="utf-8")
    environ = {
        **scrubbed(os.environ),
        "HOME": str(tmp_path),
        "PATH": str(tmp_path / "empty-bin"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "AWS_CONFIG_FILE": str(aws / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
        "AWS_PROFILE": PROFILE,
        "PYTHONIOENCODING": "utf-8",
    }
    runs = {
        "doctor": _awsguard("doctor", "--json", "--offline", "--no-keyring", environ=environ),
        "prompt": _awsguard("prompt", "--json", environ=environ),
        "config": _awsguard("config", "--json", "--", "s3", "ls", environ=environ),
        "classify": _awsguard("classify", "--json", "--", "--profile", PROFILE, "s3", "rb",
                              f"s3://b{INVISIBLE}", environ=environ),
        "explain": _awsguard("explain", "--json", "--message",
                             f"User: {PROFILE} is not authorized to perform: s3:ListBucket",
                             environ=environ),
    }
    for name, run in runs.items():
        assert run.stdout.strip(), (name, run.stderr)
        assert all(char == "\n" or char.isprintable() for char in run.stdout), (name, run.stdout)
        json.loads(run.stdout)
    assert json.loads(runs["prompt"].stdout)["profile"] == PROFILE
    assert "\\u202e" in runs["doctor"].stdout


def test_every_json_output_of_a_command_goes_through_json_text() -> None:
    # whoami belongs to the resolver's owner for now; credential-process answers an SDK.
    allowed = {"whoami.py", "credential_process.py"}
    commands = Path(awsguard.__file__).parent / "commands"
    for path in commands.glob("*.py"):
        if path.name in allowed:
            continue
        source = path.read_text(encoding="utf-8")
        assert "json.dump" not in source, f"{path.name}: use redact.json_text"
