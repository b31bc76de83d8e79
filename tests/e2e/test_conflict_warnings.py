"""Credential precedence traps are reported by the installed shim on stderr, before the CLI."""

from __future__ import annotations

import json

from fixtures.install import run_aws, run_real


def write_config(home, text: str) -> None:
    (home / ".aws" / "config").write_text(text)


def awsguard_config(home, text: str) -> None:
    path = home / ".config" / "awsguard" / "config.toml"
    path.write_text('[conflicts]\n"endpoint-override" = "off"\n' + text)


def test_env_keys_over_aws_profile_warn_on_stderr_only(aws_env, home):
    write_config(home, "[profile dev]\nregion = us-east-1\n")
    env = {**aws_env, "AWS_PROFILE": "dev"}
    out = run_aws(env, "sts", "get-caller-identity")
    assert out.returncode == 0, out.stderr
    lines = out.stderr.decode().splitlines()
    assert any("[env-overrides-profile]" in line for line in lines)
    assert all(line.startswith("awsguard: ") for line in lines)
    json.loads(out.stdout)  # stdout is the CLI's, untouched


def test_no_conflict_prints_nothing(aws_env):
    out = run_aws(aws_env, "sts", "get-caller-identity")
    assert out.returncode == 0
    assert out.stderr == b""


def test_a_blocked_conflict_refuses_with_77_and_the_cli_does_not_run(aws_env, home):
    write_config(home, "[profile dev]\nregion = us-east-1\n")
    awsguard_config(home, '"env-overrides-profile" = "block"\n')
    env = {**aws_env, "AWS_PROFILE": "dev"}
    out = run_aws(env, "sts", "get-caller-identity")
    assert out.returncode == 77
    assert out.stdout == b""
    assert b"[env-overrides-profile]" in out.stderr and b"refused" in out.stderr


def test_a_conflict_turned_off_is_silent(aws_env, home):
    write_config(home, "[profile dev]\nregion = us-east-1\n")
    awsguard_config(home, '"env-overrides-profile" = "off"\n')
    env = {**aws_env, "AWS_PROFILE": "dev"}
    out = run_aws(env, "sts", "get-caller-identity")
    assert out.returncode == 0 and out.stderr == b""


def test_partial_env_keys_and_disagreeing_profile_variables(aws_env, home):
    write_config(home, "[profile a]\nregion = us-east-1\n[profile b]\nregion = us-east-1\n")
    env = {k: v for k, v in aws_env.items() if k != "AWS_SECRET_ACCESS_KEY"}
    env.update({"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": "b"})
    out = run_aws(env, "s3", "ls")
    err = out.stderr.decode()
    assert "[partial-env-keys]" in err
    assert "[profile-vars-disagree]" in err
    # AWS CLI v1 reads AWS_DEFAULT_PROFILE first: the warning names the winner.
    line = next(x for x in err.splitlines() if "[profile-vars-disagree]" in x)
    assert "b" in line


def test_malformed_config_file_warns_with_file_and_line_and_the_cli_still_runs(
    installed, aws_env, home
):
    write_config(home, "[default]\nregion = us-east-1\nthis line is not ini\n")
    out = run_aws(aws_env, "sts", "get-caller-identity")
    real = run_real(installed, aws_env, "sts", "get-caller-identity")
    ours = [x for x in out.stderr.decode().splitlines() if x.startswith("awsguard:")]
    assert len(ours) == 1
    assert str(home / ".aws" / "config") in ours[0]
    assert "line 3" in ours[0] or ":3" in ours[0]
    # The real CLI ran and reported its own error, exactly as without the shim.
    rest = [x for x in out.stderr.decode().splitlines() if not x.startswith("awsguard:")]
    assert rest == real.stderr.decode().splitlines()
    assert out.returncode == real.returncode


def test_expired_env_token_is_reported(aws_env):
    env = {
        **aws_env,
        "AWS_ACCESS_KEY_ID": "ASIAEXPIREDEXAMPLE01",
        "AWS_SESSION_TOKEN": "SeCrEtSeSsIoNtOkEnVaLuE",
        "AWS_CREDENTIAL_EXPIRATION": "2020-01-01T00:00:00Z",
    }
    out = run_aws(env, "sts", "get-caller-identity")
    assert b"[expired-env-credentials]" in out.stderr
    assert b"SeCrEtSeSsIoNtOkEnVaLuE" not in out.stderr
    assert b"ASIAEXPIREDEXAMPLE01" not in out.stderr  # key ids only masked


def test_a_repeated_command_repeats_its_warnings_from_memory(aws_env, home):
    write_config(home, "[profile dev]\nregion = us-east-1\n")
    env = {**aws_env, "AWS_PROFILE": "dev"}
    first = run_aws(env, "sts", "get-caller-identity")
    memory = home / ".cache" / "awsguard" / "clean-invocations"
    assert memory.exists() and b"[env-overrides-profile]" in memory.read_bytes()
    assert b"wJalrXUtnFEMI" not in memory.read_bytes()
    second = run_aws(env, "sts", "get-caller-identity")
    assert second.returncode == first.returncode == 0
    assert second.stderr == first.stderr
    assert json.loads(second.stdout) == json.loads(first.stdout)


def test_a_remembered_pass_is_forgotten_when_the_config_blocks_it(aws_env, home):
    write_config(home, "[profile dev]\nregion = us-east-1\n")
    env = {**aws_env, "AWS_PROFILE": "dev"}
    assert run_aws(env, "sts", "get-caller-identity").returncode == 0
    awsguard_config(home, '"env-overrides-profile" = "block"\n')
    out = run_aws(env, "sts", "get-caller-identity")
    assert out.returncode == 77 and out.stdout == b""
