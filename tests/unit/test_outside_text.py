"""Outside text (AWS_* values, profile names, config values, AWS messages) in awsguard's
reports: escaped, and one line of the report stays one line."""

from __future__ import annotations

from pathlib import Path

from awsguard import doctor
from awsguard.explain import DiagnosisContext, diagnose, render

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
