"""What the guard shows is what the CLI will do, for each CLI version (issue 19).

The oracles are the real CLIs: AWS CLI v2 2.9 from Debian (/usr/bin/aws) and the
current v1 from PyPI (the test virtualenv). Each test sets up one situation, asks
the real CLI what it does there, and checks that awsguard, through the installed
shim, acts on the same facts: auto-prompt (v2 only) is asked about first, an
endpoint the version ignores is ignored by the identity lookup too, commands that
report credentials see the session awsguard manages, SSO role credentials the CLI
cached count, and a remembered decision is dropped when the CLI's version is learnt.
The v2 cases are skipped only when /usr/bin/aws is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pexpect
import pytest
from fixtures.install import TEST_VENV_BIN, Install, base_env
from fixtures.keyring import make_aws_world
from fixtures.realclis import TEST_KEY_ID, TEST_SECRET, V2_PATH, v2_available
from fixtures.worlds import run_detached, write_guard_config

pytestmark = pytest.mark.e2e

REFUSED = 77
MOTO_ACCOUNT = "123456789012"
V1_PATH = TEST_VENV_BIN / "aws"
# Nothing listens here: a call that leaves for real AWS fails at once, offline or not.
DEAD_PROXY = "http://127.0.0.1:9"

needs_v2 = pytest.mark.skipif(
    not v2_available(),
    reason="AWS CLI v2 is not installed at /usr/bin/aws (apt-get install awscli)",
)


def _which_aws(env: dict[str, str]) -> str:
    aws = shutil.which("aws", path=env["PATH"])
    assert aws, env["PATH"]
    return aws


def run(env: dict[str, str], *args: str, direct: Path | None = None) -> subprocess.CompletedProcess:
    """`aws ARGS` through the shim, or the real CLI `direct` itself; no terminal."""
    return run_detached(env, *args, program=direct or "aws")


def awsguard(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run_detached(env, *args, program="awsguard")


def write_config(env: dict[str, str], text: str = "") -> None:
    """config.toml: `text`, and no endpoint-override warning (moto is one)."""
    write_guard_config(env, '[conflicts]\n"endpoint-override" = "off"\n' + text)


def user(installed: Install, home: Path, real: Path) -> dict[str, str]:
    """A user with the shim first on PATH and `real` as the real CLI; keys for moto."""
    env = base_env(home, f"{installed.bin_dir}:/usr/bin:/bin")
    env.update(
        {
            "AWSGUARD_REAL_AWS": str(real),
            "AWS_ACCESS_KEY_ID": TEST_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": TEST_SECRET,
            "AWS_DEFAULT_REGION": "us-east-1",
            "HTTPS_PROXY": DEAD_PROXY,
            "HTTP_PROXY": DEAD_PROXY,
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    write_config(env)
    return env


def marked_cli(folder: Path, target: Path) -> tuple[Path, Path]:
    """A real CLI that leaves a mark each time it starts for a command (`--version`, asked
    once by awsguard to learn the version, leaves none): proof of whether it ran."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "started"
    script = folder / "aws"
    script.write_text(
        "#!/bin/bash\n"
        f'case " $* " in *" --version "*) ;; *) echo "$*" >> "{marker}" ;; esac\n'
        f'exec "{target}" "$@"\n'
    )
    script.chmod(0o755)
    return script, marker


# --- 1. auto-prompt ------------------------------------------------------------------------


@pytest.fixture
def prompt_world(installed: Install, home: Path, tmp_path: Path, moto_server) -> dict:
    script, marker = marked_cli(tmp_path / "real", V2_PATH)
    env = user(installed, home, script)
    return {"env": env, "marker": marker, "url": moto_server.url}


def spawn(env: dict[str, str], *args: str) -> pexpect.spawn:
    return pexpect.spawn(_which_aws(env), list(args), env=env, timeout=90, encoding="utf-8")


@needs_v2
def test_auto_prompt_is_asked_about_first_and_no_exits_77_without_starting_the_cli(
    prompt_world: dict,
) -> None:
    env, marker = prompt_world["env"], prompt_world["marker"]
    argv = ["sts", "get-caller-identity", "--cli-auto-prompt"]
    child = spawn(env, *argv, "--endpoint-url", prompt_world["url"])
    child.expect("chosen inside the CLI")
    child.expect(MOTO_ACCOUNT)  # the identity, asked of moto as the CLI would
    child.expect(r"\[y/N\]")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == REFUSED
    assert not marker.exists()


@needs_v2
def test_auto_prompt_yes_starts_the_cli(prompt_world: dict) -> None:
    env, marker = prompt_world["env"], prompt_world["marker"]
    # on-partial with a complete command: the CLI runs it without its own prompt.
    env = {**env, "AWS_CLI_AUTO_PROMPT": "on-partial"}
    child = spawn(env, "sts", "get-caller-identity", "--endpoint-url", prompt_world["url"])
    child.expect("chosen inside the CLI")
    child.expect(r"\[y/N\]")
    child.sendline("y")
    child.expect(f"arn:aws:sts::{MOTO_ACCOUNT}")  # the real CLI's answer
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "get-caller-identity" in marker.read_text()


@needs_v2
def test_auto_prompt_without_a_terminal_is_refused_and_never_lets_it_run(
    prompt_world: dict,
) -> None:
    env, marker = prompt_world["env"], prompt_world["marker"]
    env = {**env, "AWS_CLI_AUTO_PROMPT": "on-partial"}
    done = run(env, "sts", "get-caller-identity", "--endpoint-url", prompt_world["url"])
    assert done.returncode == REFUSED, done.stderr
    assert "AWS_CLI_AUTO_PROMPT=on-partial" in done.stderr
    assert not marker.exists()

    write_config(env, '\n[risk]\ninteractive = "never"\n')
    done = run(env, "sts", "get-caller-identity", "--endpoint-url", prompt_world["url"])
    assert done.returncode == 0, done.stderr
    assert f"arn:aws:sts::{MOTO_ACCOUNT}" in done.stdout
    assert marker.exists()


def test_v1_has_no_auto_prompt_so_the_switch_changes_nothing(
    installed: Install, home: Path, moto_server
) -> None:
    env = {**user(installed, home, V1_PATH), "AWS_CLI_AUTO_PROMPT": "on"}
    done = run(env, "sts", "get-caller-identity", "--endpoint-url", moto_server.url)
    assert done.returncode == 0, done.stderr
    assert MOTO_ACCOUNT in done.stdout


# --- 2. an endpoint the version ignores -------------------------------------------------------


def endpoint_profile(env: dict[str, str], url: str) -> None:
    Path(env["AWS_CONFIG_FILE"]).write_text(
        f"[profile local]\nregion = us-east-1\nendpoint_url = {url}\n"
    )
    Path(env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        f"[local]\naws_access_key_id = {TEST_KEY_ID}\naws_secret_access_key = {TEST_SECRET}\n"
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(name)


@pytest.mark.parametrize(
    "version", [pytest.param("v2", marks=needs_v2), "v1"]
)
def test_the_identity_lookup_uses_the_profile_endpoint_only_when_the_cli_does(
    installed: Install, home: Path, moto_server, version: str
) -> None:
    real = V2_PATH if version == "v2" else V1_PATH
    env = user(installed, home, real)
    endpoint_profile(env, moto_server.url)
    honours = version == "v1"  # 1.46 reads endpoint_url; 2.9 predates it (2.13.0)

    # The oracle: where the real CLI itself sends this profile's calls.
    direct = run(env, "--profile", "local", "sts", "get-caller-identity", direct=real)
    assert (direct.returncode == 0) is honours, direct.stderr[-800:]

    # A guarded command without a terminal: the refusal names the identity awsguard
    # found, or says it could not ask STS, which is then where the CLI would go.
    argv = ["--profile", "local", "s3api", "delete-bucket", "--bucket", "b"]
    done = run(env, *argv)
    assert done.returncode == REFUSED
    assert (f"account {MOTO_ACCOUNT}" in done.stderr) is honours, done.stderr
    if not honours:
        assert "ignored-by-cli-version" in done.stderr

    # --endpoint-url is read by every version: the identity comes from moto.
    done = run(env, *argv, "--endpoint-url", moto_server.url)
    assert done.returncode == REFUSED
    assert f"account {MOTO_ACCOUNT}" in done.stderr, done.stderr


# --- 3. commands that report credentials see the managed session ----------------------------


@pytest.fixture
def mfa_world(tmp_path: Path, installed: Install, moto_server, keyring_env) -> dict[str, str]:
    env = make_aws_world(tmp_path, moto_server.url, keyring_env)
    env["PATH"] = f"{installed.bin_dir}:/usr/bin:/bin"
    env["AWSGUARD_REAL_AWS"] = str(V1_PATH)  # 1.46 reads AWS_ENDPOINT_URL: sessions at moto
    env.pop("CI", None)
    write_config(env)
    done = awsguard(env, "mfa", "dev", "--code", "123456")
    assert done.returncode == 0, done.stderr
    # The role session is made on the first call of the role profile through the shim.
    done = run(env, "--profile", "admin", "sts", "get-caller-identity")
    assert done.returncode == 0, done.stderr
    return env


def shim_key(env: dict[str, str], profile: str) -> str:
    """The masked key of the session whoami says the shim will hand the CLI."""
    done = awsguard(env, "whoami", "--profile", profile, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    expected = "awsguard-role-session" if profile == "admin" else "awsguard-mfa-session"
    assert report["shim_source"] == expected
    assert report["source"] != expected  # the profile's own source is kept beside it
    return report["shim_session_access_key_id"]


def masked(key: str) -> str:
    return f"{key[:4]}…{key[-4:]}"


@needs_v2
@pytest.mark.parametrize("profile", ["dev", "admin"])
def test_export_credentials_through_the_shim_gives_the_managed_session(
    mfa_world: dict[str, str], profile: str
) -> None:
    env = {**mfa_world, "AWSGUARD_REAL_AWS": str(V2_PATH)}
    argv = ["configure", "export-credentials", "--profile", profile, "--format", "process"]
    done = run(env, *argv)
    assert done.returncode == 0, done.stderr
    exported = json.loads(done.stdout)
    assert exported["SessionToken"]
    assert masked(exported["AccessKeyId"]) == shim_key(env, profile)
    if profile == "dev":
        # The oracle without the shim exports the profile's long-term key.
        alone = run(env, *argv, direct=V2_PATH)
        assert json.loads(alone.stdout)["AccessKeyId"] == "AKIAEXAMPLEDEV000001"


def test_configure_list_through_the_shim_shows_the_managed_session(
    mfa_world: dict[str, str],
) -> None:
    done = run(mfa_world, "configure", "list", "--profile", "dev")
    assert done.returncode == 0, done.stderr
    key_line = next(line for line in done.stdout.splitlines() if "access_key" in line)
    assert "env" in key_line
    assert key_line.split()[1][-4:] == shim_key(mfa_world, "dev")[-4:]
    alone = run(mfa_world, "configure", "list", "--profile", "dev", direct=V1_PATH)
    assert "0001" in next(line for line in alone.stdout.splitlines() if "access_key" in line)


# --- 4. SSO: role credentials the CLI cached ----------------------------------------------------


def sso_home(env: dict[str, str], home: Path) -> Path:
    """An SSO profile whose token expired an hour ago, and role credentials AWS CLI v2
    cached with it that are good for another hour."""
    start_url = "https://example.awsapps.com/start"
    Path(env["AWS_CONFIG_FILE"]).write_text(
        "[profile sso]\n"
        f"sso_start_url = {start_url}\nsso_region = us-east-1\n"
        f"sso_account_id = {MOTO_ACCOUNT}\nsso_role_name = Admin\nregion = us-east-1\n"
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(name)
    from datetime import datetime, timedelta, timezone

    from awsguard.resolve import sso_role_cache_path, sso_token_path

    now = datetime.now(timezone.utc)
    token = sso_token_path(str(home), start_url, None)
    token.parent.mkdir(parents=True, exist_ok=True)
    token.write_text(json.dumps({
        "startUrl": start_url, "region": "us-east-1", "accessToken": "expired",
        "expiresAt": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }))
    role = sso_role_cache_path(str(home), MOTO_ACCOUNT, "Admin", start_url, None)
    role.parent.mkdir(parents=True, exist_ok=True)
    role.write_text(json.dumps({
        "ProviderType": "sso",
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLESSOROLE01", "SecretAccessKey": "sso-role-secret",
            "SessionToken": "sso-role-token",
            "Expiration": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    }))
    return role


@needs_v2
def test_sso_with_cached_role_credentials_and_an_expired_token_runs_as_v2_does(
    installed: Install, home: Path, moto_server
) -> None:
    env = user(installed, home, V2_PATH)
    role_cache = sso_home(env, home)
    before = role_cache.read_bytes(), role_cache.stat().st_mtime_ns
    argv = ["--profile", "sso", "sts", "get-caller-identity", "--endpoint-url", moto_server.url]

    alone = run(env, *argv, direct=V2_PATH)  # the oracle: v2 runs on the cached credentials
    assert alone.returncode == 0, alone.stderr[-800:]
    done = run(env, *argv)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Account"] == MOTO_ACCOUNT
    assert "sso-token-expired" not in done.stderr

    # A guarded command: awsguard's own identity lookup uses those cached credentials
    # (the token could not get new ones), and leaves the CLI's cache as it was.
    guarded = ["--profile", "sso", "s3api", "delete-bucket", "--bucket", "b",
               "--endpoint-url", moto_server.url]
    done = run(env, *guarded)
    assert done.returncode == REFUSED
    assert f"account {MOTO_ACCOUNT}" in done.stderr, done.stderr
    assert (role_cache.read_bytes(), role_cache.stat().st_mtime_ns) == before
    assert sorted(p.name for p in role_cache.parent.iterdir()) == [role_cache.name]


def test_v1_keeps_no_sso_role_cache_so_the_expired_token_is_reported(
    installed: Install, home: Path, moto_server
) -> None:
    env = user(installed, home, V1_PATH)
    sso_home(env, home)
    argv = ["--profile", "sso", "sts", "get-caller-identity", "--endpoint-url", moto_server.url]
    alone = run(env, *argv, direct=V1_PATH)
    assert alone.returncode != 0  # the oracle: v1 needs the token
    done = run(env, *argv)
    # Without a terminal the shim stops before the CLI, naming the exact login (issue 15).
    assert done.returncode == 77
    assert "aws sso login --profile sso" in done.stderr
    assert "The AWS CLI did not run" in done.stderr


# --- 5. remembered decisions and the CLI's version ----------------------------------------------


def _forget_version(env: dict[str, str]) -> None:
    """awsguard's record of the real CLI, as if its version had not been known."""
    path = Path(env["XDG_CACHE_HOME"]) / "awsguard" / "realcli.json"
    data = json.loads(path.read_text())
    for entry in data.values():
        entry["version"] = None
    path.write_text(json.dumps(data))
    os.chmod(path, 0o600)


@needs_v2
def test_a_remembered_pass_is_decided_afresh_when_awsguard_real_learns_the_version(
    installed: Install, home: Path, moto_server
) -> None:
    env = user(installed, home, V2_PATH)
    # 2.9 does not read this variable (2.13.0 does): a warning for this version only.
    env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "false"
    argv = ["sts", "get-caller-identity", "--endpoint-url", moto_server.url]
    first = run(env, *argv)
    assert first.returncode == 0, first.stderr
    assert "ignored-by-cli-version" in first.stderr

    _forget_version(env)  # now awsguard assumes the newest v2, which reads it
    for _ in range(2):  # decided, then remembered and replayed
        quiet = run(env, *argv)
        assert quiet.returncode == 0, quiet.stderr
        assert "ignored-by-cli-version" not in quiet.stderr

    learnt = awsguard(env, "real")
    assert "2.9." in learnt.stdout, learnt.stderr
    again = run(env, *argv)
    assert again.returncode == 0, again.stderr
    assert "ignored-by-cli-version" in again.stderr
