"""Through the installed shim, each real CLI (v1 from PyPI, v2 from Debian) behaves as
without it: the same bytes, the same exit statuses, the same pager screens, the same
auto-prompt, and the profile and region the shim predicts are the ones it uses.

Every test runs once per real CLI (`real_cli`, tests/fixtures/realclis.py); moto is
reached with `--endpoint-url`, which AWS CLI v2 2.9 honours (it predates
AWS_ENDPOINT_URL and the config `endpoint_url`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import warnings

import pexpect
import pytest
from fixtures.realclis import RealCli, run_via

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # deprecated, but a plain VT100 screen is all we need
    from pexpect import ANSI


def same(env, args, cli: RealCli, input: bytes | None = None):
    """(shim, real) results for the same argv and environment."""
    shim = run_via(env, args, input=input)
    real = run_via(env, args, direct=cli, input=input)
    return shim, real


def assert_identical(shim, real, args) -> None:
    assert (shim.returncode, shim.stdout, shim.stderr) == (
        real.returncode,
        real.stdout,
        real.stderr,
    ), args


@pytest.fixture
def url(moto_server) -> str:
    return moto_server.url


def test_the_shim_runs_the_cli_it_stands_in_front_of(installed, cli_env, real_cli):
    out = run_via(cli_env, ["--version"])
    assert out.stdout.startswith(f"aws-cli/{real_cli.major}.".encode()), out.stdout
    who = subprocess.run(
        [str(installed.awsguard), "real", "--json"], env=cli_env, capture_output=True, text=True
    )
    assert json.loads(who.stdout)["major"] == real_cli.major


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["configure", "list"],
        ["configure", "export-credentials", "--format", "process"],
        ["configure", "export-credentials", "--format", "env"],
        ["sts", "get-caller-identity"],
        ["ec2", "describe-regions", "--output", "table"],
    ],
    ids=lambda a: "-".join(a),
)
def test_bytes_and_status_are_the_real_clis(cli_env, real_cli, url, args):
    if args[0] not in ("--version", "configure"):
        args = real_cli.at(url, *args)
    shim, real = same(cli_env, args, real_cli)
    assert_identical(shim, real, args)


def test_configure_list_and_export_credentials_for_a_profile(cli_env, real_cli, home):
    env = {k: v for k, v in cli_env.items() if not k.startswith("AWS_ACCESS")}
    env.pop("AWS_SECRET_ACCESS_KEY")
    (home / ".aws" / "credentials").write_text(
        "[work]\naws_access_key_id = ASIAWORKPROFILE00001\naws_secret_access_key = s\n"
        "aws_session_token = t\n"
    )
    (home / ".aws" / "config").write_text("[profile work]\nregion = eu-west-3\n")
    for args in (
        ["configure", "list", "--profile", "work"],
        ["configure", "export-credentials", "--profile", "work", "--format", "process"],
        ["configure", "export-credentials", "--format", "process"],  # nothing for default
    ):
        shim, real = same({**env, "AWS_PROFILE": "work"} if "--profile" not in args else env,
                          args, real_cli)
        assert_identical(shim, real, args)


# Exit statuses: v2 uses 252 for usage errors, 253 for configuration errors, 254 for
# errors AWS returned and 255 for anything else (AWS CLI v2 "Return codes" page).
STATUS_CASES = {
    "usage-missing-argument": (["s3api", "get-object"], 252),
    "usage-no-such-service": (["no-such-service"], 252),
    "service-error": (["s3api", "head-bucket", "--bucket", "no-such-bucket", "@url"], 254),
    "config-no-region": (["ec2", "describe-regions", "@url", "@noregion"], 253),
    "other-profile-not-found": (["sts", "get-caller-identity", "--profile", "nope", "@url"], 255),
    "other-bad-region": (["ec2", "describe-regions", "--region", "bad region", "@url"], 255),
}


@pytest.mark.parametrize("case", sorted(STATUS_CASES))
def test_exit_statuses_are_the_real_clis(cli_env, real_cli, url, case):
    raw, v2_status = STATUS_CASES[case]
    args = [a for a in raw if not a.startswith("@")]
    if "@url" in raw:
        args = real_cli.at(url, *args)
    env = dict(cli_env)
    if "@noregion" in raw:
        env.pop("AWS_DEFAULT_REGION")
    shim, real = same(env, args, real_cli)
    assert shim.returncode == real.returncode != 0, (shim.stderr, real.stderr)
    assert shim.stdout == real.stdout
    assert real.stderr in shim.stderr  # awsguard may add its own warning lines before it
    if real_cli.major == 2:
        assert real.returncode == v2_status, real.stderr


def test_cli_binary_format_is_the_real_clis(cli_env, real_cli, url):
    import boto3

    table = f"bin-{real_cli.name}-{time.monotonic_ns()}"
    client = boto3.client(
        "dynamodb", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "B"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName=table, Item={"k": {"B": b"hi"}, "v": {"S": "found"}})
    for fmt in ("base64", "raw-in-base64-out", "not-a-format", None):
        # base64: the CLI decodes "aGk=" to b"hi"; raw-in-base64-out sends "aGk=" itself.
        args = ["dynamodb", "get-item", "--table-name", table, "--key", '{"k":{"B":"aGk="}}']
        if fmt is not None:
            args += ["--cli-binary-format", fmt]
        args = real_cli.at(url, *args)
        shim, real = same(cli_env, args, real_cli)
        assert_identical(shim, real, args)
        if real_cli.major == 2 and fmt in ("base64", None):
            assert b"found" in real.stdout  # v2's default is base64
        if real_cli.major == 2 and fmt == "raw-in-base64-out":
            assert b"found" not in real.stdout and real.returncode == 0


# --- resolution: the profile and region the shim predicts are the CLI's --------------

CONFIG = """\
[profile alpha]
region = eu-west-1
[profile beta]
region = ap-southeast-2
"""
CREDENTIALS = """\
[alpha]
aws_access_key_id = AKIAALPHA00000000001
aws_secret_access_key = a
[beta]
aws_access_key_id = AKIABETA000000000001
aws_secret_access_key = b
"""


def _whoami(installed, env) -> dict:
    out = subprocess.run(
        [str(installed.awsguard), "whoami", "--json"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _listed(stdout: bytes) -> dict[str, list[str]]:
    rows = {}
    for line in stdout.decode().splitlines()[2:]:
        cells = line.split()
        if cells:
            rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.parametrize(
    "variables",
    [
        {"AWS_PROFILE": "alpha", "AWS_DEFAULT_PROFILE": "beta"},
        {"AWS_DEFAULT_PROFILE": "beta"},
        {"AWS_PROFILE": "alpha", "AWS_REGION": "sa-east-1"},
        {"AWS_PROFILE": "beta", "AWS_REGION": "sa-east-1", "AWS_DEFAULT_REGION": "us-west-2"},
        {"AWS_DEFAULT_PROFILE": "alpha", "AWS_DEFAULT_REGION": "us-west-2"},
    ],
    ids=lambda v: "+".join(sorted(v)),
)
def test_predicted_profile_and_region_are_the_clis(installed, cli_env, real_cli, home, variables):
    (home / ".aws" / "config").write_text(CONFIG)
    (home / ".aws" / "credentials").write_text(CREDENTIALS)
    env = {k: v for k, v in cli_env.items() if k not in (
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}
    env.update(variables)
    shim, real = same(env, ["configure", "list"], real_cli)
    assert (shim.returncode, shim.stdout) == (real.returncode, real.stdout), variables
    # awsguard's own lines (a disagreement between two variables) come first, then the CLI's.
    extra = shim.stderr[: len(shim.stderr) - len(real.stderr)].decode()
    assert shim.stderr.endswith(real.stderr)
    assert all(line.startswith("awsguard: warning [") for line in extra.splitlines())
    listed = _listed(real.stdout)
    predicted = _whoami(installed, env)
    assert predicted["cli_major"] == real_cli.major
    assert listed["profile"][0] == predicted["profile"]
    assert listed["region"][0] == predicted["region"]
    key = listed["access_key"][0]
    assert predicted["access_key_id"].endswith(key[-4:])
    for line in extra.splitlines():  # a warning names the variable this CLI reads
        if "[profile-vars-disagree]" in line:
            assert f"uses AWS_PROFILE={predicted['profile']}" in line or (
                f"uses AWS_DEFAULT_PROFILE={predicted['profile']}" in line
            )
        if "[region-vars-disagree]" in line and real_cli.major == 2:
            assert f"={predicted['region']}" in line.split("uses")[1]


def test_a_profile_variable_naming_no_profile_stops_v2_and_not_v1(
    installed, cli_env, real_cli, home, url
):
    (home / ".aws" / "config").write_text(CONFIG)
    (home / ".aws" / "credentials").write_text(CREDENTIALS)
    env = {k: v for k, v in cli_env.items() if not k.startswith(("AWS_ACCESS", "AWS_SECRET"))}
    env.update({"AWS_PROFILE": "nope", "AWS_DEFAULT_PROFILE": "alpha"})
    args = real_cli.at(url, "sts", "get-caller-identity")
    shim, real = same(env, args, real_cli)
    assert (shim.returncode, shim.stdout) == (real.returncode, real.stdout)
    predicted = _whoami(installed, env)
    if real_cli.major == 2:
        assert real.returncode == 255 and b"could not be found" in real.stderr
        assert b"[profile-not-found]" in shim.stderr
        assert predicted["profile"] == "nope" and predicted["error"]
    else:
        assert real.returncode == 0
        assert b"[profile-not-found]" not in shim.stderr
        assert predicted["profile"] == "alpha" and not predicted["error"]


# --- terminals: the pager and auto-prompt -----------------------------------------

ROWS, COLS = 12, 80


def _screen(data: bytes) -> list[str]:
    term = ANSI.ANSI(ROWS, COLS)
    term.write(data.decode("utf-8", "replace"))
    return [line.rstrip() for line in str(term).splitlines()]


def _pager_session(env, args) -> tuple[list[str], int, bytes]:
    """Run `aws ARGS` on a 12x80 terminal; the first screen, then `q` to leave the pager."""
    aws = shutil.which("aws", path=env["PATH"])
    child = pexpect.spawn(aws, args, env=env, dimensions=(ROWS, COLS))
    index = child.expect([r":\x1b\[K", pexpect.EOF], timeout=60)
    first = child.before + (child.after if index == 0 else b"")
    if index == 0:
        child.send("q")
        child.expect(pexpect.EOF, timeout=30)
    child.close()
    return _screen(first), child.exitstatus, first


def test_the_pager_pages_as_without_the_shim(cli_env, real_cli, url):
    env = {k: v for k, v in cli_env.items() if k not in ("AWS_PAGER", "PAGER", "LESS")}
    args = real_cli.at(url, "ec2", "describe-regions")
    shim_screen, shim_status, shim_raw = _pager_session(env, args)
    real_screen, real_status, real_raw = _pager_session(
        {**env, "PATH": real_cli.direct_path()}, args
    )
    assert shim_status == real_status == 0
    assert shim_screen == real_screen
    if real_cli.major == 2:
        # v2 pipes output through `less` on a terminal: one screen and its prompt.
        assert shim_raw.endswith(b":\x1b[K") and shim_screen[-1] == ":"
        assert '"Regions": [' in "\n".join(shim_screen)
    else:
        assert b":\x1b[K" not in shim_raw  # v1 has no pager


def _auto_prompt_session(env, args) -> tuple[bytes, int]:
    """Accept the command AWS CLI v2's auto-prompt shows (Enter until it runs);
    what the CLI printed after leaving the prompt, and its exit status."""
    aws = shutil.which("aws", path=env["PATH"])
    child = pexpect.spawn(aws, args, env=env, dimensions=(24, COLS))
    child.expect_exact(b"\x1b[6n", timeout=60)  # prompt_toolkit asks where the cursor is
    child.send("\x1b[1;1R")
    child.expect_exact(b"--cli-input-json", timeout=60)
    time.sleep(0.5)
    for _ in range(10):
        child.send("\r")
        if child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=2) == 0:
            break
    child.close()
    out = child.before.rsplit(b"\x1b[?2004l", 1)[-1]
    return out, child.exitstatus


@pytest.mark.parametrize("how", ["disabled", "allowed"])
def test_auto_prompt_is_transparent_when_disabled_or_allowed(cli_env, real_cli, url, home, how):
    env = {**cli_env, "AWS_PAGER": ""}
    args = [*real_cli.at(url, "sts", "get-caller-identity"), "--cli-auto-prompt"]
    if how == "disabled":
        env["AWSGUARD_DISABLE"] = "1"
    else:
        config = home / ".config" / "awsguard" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text('[risk]\ninteractive = "never"\n')
    if real_cli.major == 1:
        # v1 has no auto-prompt: an unknown option, the same refusal either way.
        shim, real = same(env, args, real_cli)
        assert_identical(shim, real, args)
        assert real.returncode != 0
        return
    shim_out, shim_status = _auto_prompt_session(env, args)
    real_out, real_status = _auto_prompt_session({**env, "PATH": real_cli.direct_path()}, args)
    assert shim_status == real_status == 0
    assert shim_out == real_out
    assert b'"Account": "123456789012"' in real_out
