"""Plain-data parts of exec/export/import: the credentials server's answers, export's text,
the credentials file rewrite and its exact undo, and which account rules ask."""

from __future__ import annotations

import json
import shlex
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from awsguard import credfile, credserver, handout, rules
from awsguard.commands import export
from awsguard.sessions import ChildCredentials

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def creds(minutes_left: int | None, key: str = "ASIAEXAMPLE000000001") -> ChildCredentials:
    expiration = None if minutes_left is None else NOW + timedelta(minutes=minutes_left)
    return ChildCredentials("p", "assume-role", key, "secret-value", "token-value", expiration)


# --- the credentials server --------------------------------------------------------------------


def fetch_counting(answers: list[ChildCredentials]):
    calls = []

    def fetch() -> ChildCredentials:
        calls.append(1)
        return answers[min(len(calls), len(answers)) - 1]

    return fetch, calls


def test_the_server_asks_again_only_when_what_it_holds_runs_short() -> None:
    fetch, calls = fetch_counting([creds(60), creds(90, "ASIAEXAMPLE000000002")])
    clock = [NOW]
    server = credserver.CredentialsServer(fetch, now=lambda: clock[0])
    assert server.document()["AccessKeyId"].endswith("1")
    assert server.document()["Expiration"] == "2030-01-02T04:04:05Z"
    assert len(calls) == 1
    clock[0] = NOW + timedelta(minutes=45)  # 15 minutes left: inside the SDKs' window
    assert server.document()["AccessKeyId"].endswith("2")
    assert len(calls) == 2


def test_a_long_term_key_is_served_with_an_expiration_an_hour_ahead_and_no_token() -> None:
    key = ChildCredentials("p", "keyring", "AKIAEXAMPLE000000001", "secret-value")
    server = credserver.CredentialsServer(lambda: key, now=lambda: NOW)
    document = server.document()
    assert document["Token"] == "" and document["Expiration"] == "2030-01-02T04:04:05Z"


def request(url: str, headers: dict[str, str], method: str = "GET") -> tuple[int, dict]:
    req = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as err:
        body = err.read()
        return err.code, json.loads(body) if body else {}


def test_the_server_answers_only_its_token_on_its_path_from_loopback() -> None:
    with credserver.CredentialsServer(lambda: creds(60)) as server:
        assert server.url.startswith("http://127.0.0.1:")
        token = server.token
        assert len(token) >= 40
        status, body = request(server.url, {"Authorization": token})
        assert status == 200 and body["SecretAccessKey"] == "secret-value"
        assert request(server.url, {})[0] == 401
        assert request(server.url, {"Authorization": "Bearer " + token})[0] == 403
        assert request(server.url, {"Authorization": token.upper()})[0] == 403
        assert request(server.url + "/../x", {"Authorization": token})[0] == 404
        assert request(server.url, {"Authorization": token}, "PUT")[0] == 405
        # A page that rebinds its own DNS name to 127.0.0.1 sends its own Host.
        rebound = {"Authorization": token, "Host": "evil.example:80"}
        assert request(server.url, rebound)[0] == 403
        # Refusals never carry a secret.
        assert "secret-value" not in json.dumps(request(server.url, {})[1])
        url = server.url
    with pytest.raises(urllib.error.URLError):  # it lives only as long as the command
        request(url, {})


def test_a_failing_renewal_is_a_500_and_one_line_for_the_user() -> None:
    lines: list[str] = []

    def broken() -> ChildCredentials:
        raise RuntimeError("the keyring is locked\nsecond line")

    with credserver.CredentialsServer(broken, on_error=lines.append) as server:
        status, body = request(server.url, {"Authorization": server.token})
    assert status == 500 and body["Message"] == "the keyring is locked"
    assert lines == ["credentials server: the keyring is locked"]


# --- export's text ----------------------------------------------------------------------------


VARIABLES = {"AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "a'b\"c$d\\e"}


def test_env_output_survives_sh_quoting() -> None:
    import subprocess

    text = export.render(VARIABLES, "env", {})
    done = subprocess.run(["sh", "-c", text + 'printf %s "$AWS_SECRET_ACCESS_KEY"'],
                          capture_output=True, text=True, check=True)
    assert done.stdout == VARIABLES["AWS_SECRET_ACCESS_KEY"]
    assert "unset AWS_PROFILE AWS_DEFAULT_PROFILE" in text


def test_fish_powershell_and_dotenv_quote_their_own_way() -> None:
    assert "set -gx AWS_SECRET_ACCESS_KEY 'a\\'b\"c$d\\\\e'" in export.render(VARIABLES, "fish", {})
    assert "$env:AWS_SECRET_ACCESS_KEY = 'a''b\"c$d\\e'" in export.render(
        VARIABLES, "powershell", {})
    assert 'AWS_SECRET_ACCESS_KEY="a\'b\\"c\\$d\\\\e"' in export.render(VARIABLES, "dotenv", {})
    assert json.loads(export.render(VARIABLES, "json", {})) == VARIABLES


# --- the credentials file: import's rewrite and unimport's undo ---------------------------------


ORIGINAL = (
    "[a]\r\n"
    "aws_secret_access_key=s3cr3t-a\r\n"
    "region = x\r\n"
    "aws_access_key_id = AKIAEXAMPLE0000000A1\r\n"
    "[b]\r\n"
    "aws_access_key_id = AKIAEXAMPLE0000000B1\r\n"
    "aws_secret_access_key = s3cr3t-b"
)


@pytest.fixture
def launcher(monkeypatch: pytest.MonkeyPatch) -> str:
    path = "/opt/my tools/bin/awsguard"
    monkeypatch.setattr(credfile, "launcher", lambda: path)
    return path


def test_take_keys_then_put_back_is_the_identity(launcher: str) -> None:
    text, records = credfile.take_keys(ORIGINAL, {"a": "AKIA…00A1", "b": "AKIA…00B1"}, True,
                                       "2030-01-02")
    assert "s3cr3t" not in text and "AKIAEXAMPLE" not in text
    assert credfile.imported_profiles(text) == ["a", "b"]
    # The keyring record keeps the layout only, not a second copy of the key.
    assert "s3cr3t" not in json.dumps(records) and "AKIAEXAMPLE" not in json.dumps(records)
    from botocore.compat import compat_shell_split

    line = next(x for x in text.splitlines() if x.startswith("credential_process"))
    assert compat_shell_split(line.split("=", 1)[1].strip()) == [launcher, "credential-process",
                                                                   "a"]
    back = text
    for name in ("b", "a"):
        key = SimpleNamespace(access_key_id=f"AKIAEXAMPLE0000000{name.upper()}1",
                              secret_access_key=f"s3cr3t-{name}")
        back = credfile.put_back(back, name, credfile.lines_for(records[name], key))
    assert back == ORIGINAL


def test_put_back_into_an_edited_section_keeps_the_lines_together(launcher: str) -> None:
    text, records = credfile.take_keys(ORIGINAL, {"a": "AKIA…00A1"}, False, "2030-01-02")
    edited = text.replace("region = x\r\n", "")
    key = SimpleNamespace(access_key_id="AKIAEXAMPLE0000000A1", secret_access_key="s3cr3t-a")
    back = credfile.put_back(edited, "a", credfile.lines_for(records["a"], key))
    section = back.split("[b]")[0]
    assert "aws_secret_access_key=s3cr3t-a" in section
    assert "aws_access_key_id = AKIAEXAMPLE0000000A1" in section
    assert "awsguard import" not in section


def test_a_process_line_of_another_program_is_not_an_import(launcher: str) -> None:
    text = "[x]\ncredential_process = /usr/bin/aws-vault export --format=json x\n"
    assert credfile.imported_profiles(text) == []
    assert credfile.is_awsguard_process(shlex.join(["/a b/awsguard", "credential-process", "x"]),
                                        "x")


def test_target_of_follows_a_symlink_and_refuses_hard_links(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_text("[a]\n")
    link = tmp_path / "link"
    link.symlink_to(real)
    assert credfile.target_of(link) == real
    (tmp_path / "second-name").hardlink_to(real)
    with pytest.raises(handout.AwsguardError, match="hard links"):
        credfile.target_of(link)


# --- which account rules ask before credentials are handed out ---------------------------------


def config(text: str) -> rules.Config:
    return rules.parse_config(text, Path("/config.toml"))


IDENTITY = {"account": "123456789012", "alias": None, "name": "prod"}


def test_a_protected_account_asks_whatever_the_risk_levels_say() -> None:
    text = '[risk]\ndestructive = "never"\n[accounts."123456789012"]\nprotected = true\n'
    level, because = handout.exec_rule(config(text), IDENTITY, "admin")
    assert level == "type" and "123456789012" in because


def test_account_rules_beat_profile_rules_and_command_rules_do_not_apply() -> None:
    text = (
        '[[rules]]\nprofile = "adm*"\nconfirm = "deny"\n'
        '[[rules]]\naccount = "123456789012"\nconfirm = "confirm"\n'
        '[[rules]]\ncommand = "s3 rb"\nconfirm = "type"\n'
    )
    assert handout.exec_rule(config(text), IDENTITY, "admin")[0] == "confirm"
    assert handout.exec_rule(config(text), {"account": "999999999999"}, "admin")[0] == "deny"
    assert handout.exec_rule(config(text), {"account": "999999999999"}, "dev")[0] == "never"


def test_say_escapes_outside_text_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    handout.say("credentials server: bad\x1b[2J\nfake line")
    assert capsys.readouterr().err == "awsguard: credentials server: bad\\x1b[2J\\nfake line\n"
    assert handout.shown(handout.shown("a\x07b")) == "a\\x07b"
