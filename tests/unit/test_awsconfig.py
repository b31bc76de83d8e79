"""~/.aws/config and credentials as data: parsed the way botocore parses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore import configloader

from awsguard.awsconfig import FileProblem, load_files, parse_ini

SAMPLES = {
    "plain": "[default]\nregion = us-east-1\n[profile dev]\nregion=eu-west-1\n",
    "colon_and_case": "[profile Dev]\nRegion: eu-west-2\noutput : json\n",
    "comments": "# top\n[default]\n; note\nregion = us-east-1 # not a comment\n  # indented\n",
    "nested": "[profile dev]\ns3 =\n  addressing_style = path\n\n  signature_version = s3v4\n"
    "region = us-west-2\n",
    "continuation": "[default]\ncredential_process = /bin/echo\n    --flag\n",
    "default_section": "[DEFAULT]\nregion = ap-south-1\n[profile a]\noutput = json\n"
    "[profile b]\nregion = us-east-2\n",
    "quoted": '[profile "with space"]\nregion = us-east-1\n[profile  spaced ]\nregion = x\n',
    "ignored": "[profiledev]\na = 1\n[profile a b]\nb = 2\n[preview]\nc = 3\n",
    "services": "[profile dev]\nservices = local\n[services local]\ns3 =\n"
    "  endpoint_url = http://localhost:4566\nsts =\n  endpoint_url = http://localhost:1\n",
    "sso": "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
    "sso_region = us-east-1\n[profile sso]\nsso_session = corp\n",
    "empty_value": "[default]\nregion =\noutput = json\n",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sections_match_botocore_raw_config_parse(tmp_path: Path, name: str) -> None:
    path = tmp_path / "config"
    path.write_text(SAMPLES[name])
    ours, problems = parse_ini(SAMPLES[name], path)
    assert problems == []
    assert ours == configloader.raw_config_parse(str(path))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_profiles_match_botocore_load_config(tmp_path: Path, name: str) -> None:
    path = tmp_path / "config"
    path.write_text(SAMPLES[name])
    files = load_files({"AWS_CONFIG_FILE": str(path), "AWS_SHARED_CREDENTIALS_FILE": "/nope"})
    theirs = configloader.load_config(str(path))
    assert files.config_profiles == theirs["profiles"]
    assert files.sso_sessions == theirs["sso_sessions"]
    assert files.services == theirs["services"]


def test_later_of_default_and_profile_default_wins_outright(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[default]\nregion = a\noutput = json\n[profile default]\nregion = b\n")
    files = load_files({"AWS_CONFIG_FILE": str(path)})
    assert files.profile("default") == {"region": "b"}


def test_credentials_file_values_win_over_config_for_same_profile(tmp_path: Path) -> None:
    (tmp_path / "config").write_text("[profile dev]\nregion = a\naws_access_key_id = AKIACONFIG\n")
    (tmp_path / "credentials").write_text("[dev]\naws_access_key_id = AKIACREDS\n")
    files = load_files(
        {
            "AWS_CONFIG_FILE": str(tmp_path / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        }
    )
    assert files.profile("dev") == {"region": "a", "aws_access_key_id": "AKIACREDS"}
    assert files.where("dev", "aws_access_key_id") == tmp_path / "credentials"
    assert files.where("dev", "region") == tmp_path / "config"


def test_credentials_file_section_names_are_profile_names_as_written(tmp_path: Path) -> None:
    (tmp_path / "credentials").write_text("[profile dev]\naws_access_key_id = A\n[ops]\nx = 1\n")
    files = load_files({"AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
                        "AWS_CONFIG_FILE": str(tmp_path / "none")})
    assert files.profile_names() == ["profile dev", "ops"]
    assert files.has_profile("ops") and not files.has_profile("dev")


def test_paths_come_from_home_and_environment_variables(tmp_path: Path) -> None:
    files = load_files({"HOME": str(tmp_path)})
    assert files.config_path == tmp_path / ".aws" / "config"
    assert files.credentials_path == tmp_path / ".aws" / "credentials"
    files = load_files({"HOME": str(tmp_path), "DIR": "/etc/x",
                        "AWS_CONFIG_FILE": "~/c", "AWS_SHARED_CREDENTIALS_FILE": "${DIR}/k"})
    assert files.config_path == tmp_path / "c"
    assert files.credentials_path == Path("/etc/x/k")
    assert not files.config_exists and files.errors == []


def test_malformed_lines_are_reported_with_line_numbers_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        "region = stray\n[default]\nregion = us-east-1\nthis line is junk\n"
        "[profile dev]\nregion = eu-west-1\nregion = again\n[default]\n"
        "s3 =\n  nonsense\n"
    )
    files = load_files({"AWS_CONFIG_FILE": str(path), "AWS_SHARED_CREDENTIALS_FILE": "/nope"})
    lines = [(p.line, p.message) for p in files.errors]
    assert [line for line, _ in lines] == [1, 4, 7, 8, 10]
    assert files.config_profiles["dev"]["region"] == "again"
    assert files.config_profiles["default"]["region"] == "us-east-1"
    assert all(isinstance(p, FileProblem) and p.path == path for p in files.errors)
    assert str(files.errors[1]).startswith(f"{path}:4: ")


def test_unreadable_and_binary_files_become_problems_not_exceptions(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_bytes(b"[default]\nregion = \xff\xfe\n")
    files = load_files({"AWS_CONFIG_FILE": str(path)})
    assert files.errors[0].line == 2
    path.write_text("[default]\n")
    path.chmod(0)
    try:
        files = load_files({"AWS_CONFIG_FILE": str(path)})
    finally:
        path.chmod(0o600)
    import os

    if os.geteuid() != 0:
        assert files.errors and files.errors[0].line is None


def test_missing_files_are_empty_without_problems(tmp_path: Path) -> None:
    files = load_files({"AWS_CONFIG_FILE": str(tmp_path / "a"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "b")})
    assert files.profile_names() == [] and files.errors == []
    assert files.profile("default") == {}


def test_the_shim_reads_both_files_without_pathlib_or_re(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "config").write_text("[profile dev]\nregion = eu-west-1\n")
    (tmp_path / "credentials").write_text("[dev]\naws_access_key_id = AKIAEXAMPLE\n")
    environ = {"AWS_CONFIG_FILE": str(tmp_path / "config"),
               "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path) + "//credentials/"}
    code = (
        f"import sys; sys.path[:0] = {sys.path!r}\n"
        "from awsguard.awsconfig import load_files\n"
        f"files = load_files({environ!r})\n"
        "print(sorted(m for m in ('pathlib', 're') if m in sys.modules))\n"
        "print(files.where_file('dev', 'aws_access_key_id'), files.profile('dev')['region'])\n"
        "print(files.credentials_path == __import__('pathlib').Path(files.credentials_file))\n"
    )
    done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == [
        "[]", f"{tmp_path / 'credentials'} eu-west-1", "True"
    ]


def test_header_and_option_splits_match_configparsers_patterns() -> None:
    import random
    import re

    from awsguard.awsconfig import _option, _section_header

    section = re.compile(r"\[(?P<header>.+)\]")
    option = re.compile(r"(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$")
    pieces = ["[", "]", "=", ":", " ", "\t", "a", "x y", "#", "\u00a0", "\u2003", "\x0c",
              "\x1f", "==", "::", "]]", "[[", "k", "v"]
    rng = random.Random(14)
    for _ in range(5000):
        line = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))).strip()
        for part in line.splitlines() or [""]:
            found = section.match(part)
            assert _section_header(part) == (found.group("header") if found else None), part
            found = option.match(part)
            expected = (found.group("option"), found.group("value")) if found else None
            assert _option(part) == expected, part
