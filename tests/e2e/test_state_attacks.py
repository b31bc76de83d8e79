"""awsguard's own state and output, attacked through the installed shim, the real AWS CLI v1
and moto (issue 13): nothing destructive runs, nothing secret leaks, nothing hangs."""

from __future__ import annotations

import json
import marshal
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pexpect
import pytest

from fixtures.install import run_real

ACCOUNT = "123456789012"  # moto's default account
SANDBOX = "111111111111"
REFUSED = 77
OTHER_UID = 65534
SECRET = "Hunter2-very-secret-value"
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="planting another uid's files needs root")


def client(env: dict[str, str], service: str, **creds: str):
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        aws_access_key_id=creds.get("key", env["AWS_ACCESS_KEY_ID"]),
        aws_secret_access_key=creds.get("secret", env["AWS_SECRET_ACCESS_KEY"]),
        aws_session_token=creds.get("token"),
    )


def bucket_with_object(env: dict[str, str]) -> tuple[str, callable]:
    s3, bucket = client(env, "s3"), f"prod-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="precious", Body=b"1")

    def keys() -> set[str]:
        return {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}

    return bucket, keys


def aws(env: dict[str, str], *args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    """`aws ARGS` with no controlling terminal (cron, a CI runner)."""
    exe = shutil.which("aws", path=env["PATH"])
    assert exe
    return subprocess.run(
        [exe, *args], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=timeout, start_new_session=True, **kw,
    )


def config(env: dict[str, str], text: str) -> Path:
    path = Path(env["XDG_CONFIG_HOME"]) / "awsguard" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[conflicts]\n"endpoint-override" = "off"\n' + text)
    return path


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("awsguard: warning:")]


# --- 1. the plan cache replays nothing that changed -------------------------------------------


def test_a_credential_process_that_switches_accounts_is_decided_afresh(aws_env, tmp_path):
    config(
        aws_env,
        f'[accounts."{SANDBOX}"]\nname = "sandbox"\nconfirm = "never"\n'
        f'[accounts."{ACCOUNT}"]\nname = "prod"\nprotected = true\n',
    )
    sandbox = client(aws_env, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{SANDBOX}:role/sandbox", RoleSessionName="attack"
    )["Credentials"]
    served = tmp_path / "served.json"

    def serve(key: str, secret: str, token: str | None = None) -> None:
        creds = {"Version": 1, "AccessKeyId": key, "SecretAccessKey": secret}
        if token:
            creds["SessionToken"] = token
        served.write_text(json.dumps(creds))

    script = tmp_path / "helper.py"
    script.write_text(f"print(open({str(served)!r}).read())\n")
    Path(aws_env["AWS_CONFIG_FILE"]).write_text(
        f"[profile helper]\ncredential_process = {sys.executable} {script}\nregion = us-east-1\n"
    )
    bucket, keys = bucket_with_object(aws_env)
    serve(sandbox["AccessKeyId"], sandbox["SecretAccessKey"], sandbox["SessionToken"])
    argv = ["--profile", "helper", "s3", "rm", f"s3://{bucket}/precious"]
    first = aws(aws_env, *argv)  # the sandbox account: confirm = "never", it runs
    assert first.returncode == 0, first.stderr
    aws(aws_env, "--profile", "helper", "s3api", "list-buckets")  # a read, same helper
    assert not (Path(aws_env["XDG_CACHE_HOME"]) / "awsguard" / "clean-invocations").exists()
    # (moto keeps one bucket namespace for all accounts: put the object back.)
    client(aws_env, "s3").put_object(Bucket=bucket, Key="precious", Body=b"1")

    serve(aws_env["AWS_ACCESS_KEY_ID"], aws_env["AWS_SECRET_ACCESS_KEY"])  # now: prod
    second = aws(aws_env, *argv)
    assert second.returncode == REFUSED, second.stderr
    assert "precious" in keys()


def test_a_remembered_read_does_not_let_a_write_past_a_rule(aws_env, tmp_path):
    config(aws_env, '[[rules]]\nrisk = ["write", "destructive", "exposure"]\nconfirm = "confirm"\n')
    bucket, keys = bucket_with_object(aws_env)
    listing = ["s3api", "list-objects-v2", "--bucket", bucket]
    assert aws(aws_env, *listing).returncode == 0
    assert aws(aws_env, *listing).returncode == 0  # now remembered
    assert (Path(aws_env["XDG_CACHE_HOME"]) / "awsguard" / "clean-invocations").exists()
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "new.txt").write_text("x")
    for argv in (
        ["s3api", "put-object", "--bucket", bucket, "--key", "new.txt", "--body",
         str(tmp_path / "up" / "new.txt")],
        ["s3", "sync", str(tmp_path / "up"), f"s3://{bucket}/"],
    ):
        upload = aws(aws_env, *argv)
        assert upload.returncode == REFUSED, upload.stderr
    assert keys() == {"precious"}


# --- 2. state folders and files others control are not trusted --------------------------------


@needs_root
def test_a_cache_folder_planted_by_another_user_cannot_turn_the_guard_off(aws_env):
    path = config(aws_env, "")
    cache = Path(aws_env["XDG_CACHE_HOME"]) / "awsguard"
    cache.mkdir(parents=True, exist_ok=True)
    raw = path.read_bytes()
    turned_off = {"risk": {"destructive": "never"}, "conflicts": {"endpoint-override": "off"}}
    (cache / "config.parsed").write_bytes(marshal.dumps((str(path), raw, turned_off)))
    for planted in (cache / "config.parsed", cache):
        os.chown(planted, OTHER_UID, OTHER_UID)
    os.chmod(cache, 0o777)
    bucket, keys = bucket_with_object(aws_env)
    result = aws(aws_env, "s3", "rm", f"s3://{bucket}/precious")
    assert result.returncode == REFUSED, result.stderr
    assert "precious" in keys()
    shown = warnings(result.stderr)
    assert len(shown) == 1 and "owned by uid 65534" in shown[0]


def test_a_symlinked_audit_log_does_not_write_elsewhere(aws_env, tmp_path):
    config(aws_env, "")
    state = Path(aws_env["XDG_STATE_HOME"]) / "awsguard"
    state.mkdir(parents=True, mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (state / "audit.jsonl").symlink_to(victim)
    bucket, keys = bucket_with_object(aws_env)
    result = aws(aws_env, "s3", "rm", f"s3://{bucket}/precious")
    assert result.returncode == REFUSED and "precious" in keys()
    assert victim.read_text() == "precious\n"
    assert len([w for w in warnings(result.stderr) if "symlink" in w]) == 1


# --- 3. escape sequences cannot redraw the panel ------------------------------------------------


def test_an_argument_cannot_draw_fake_rows_on_the_panel(aws_env):
    config(aws_env, "")
    bucket, keys = bucket_with_object(aws_env)
    forged = "x\x1b[8m\n  risk         read\n  account      111111111111 (sandbox)\x1b[0m"
    exe = shutil.which("aws", path=aws_env["PATH"])
    child = pexpect.spawn(
        exe, ["s3", "rm", f"s3://{bucket}/", "--recursive", "--exclude", forged],
        env=aws_env, timeout=60, encoding="utf-8",
    )
    child.expect(r"Run it\? \[y/N\]")
    panel = child.before
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == REFUSED and "precious" in keys()
    assert "\x1b[8m" not in panel and "\\x1b[8m\\n  risk         read" in panel
    rows = [line.split()[0] for line in panel.splitlines() if line.startswith("  ")]
    assert rows.count("risk") == 1 and rows.count("account") == 1


# --- 4. secrets under abbreviated options never reach the log or the terminal -----------------


def test_abbreviated_secret_options_are_redacted_in_refusal_and_audit_log(aws_env):
    config(aws_env, '[[rules]]\ncommand = "*"\nconfirm = "confirm"\n')
    commands = [
        ["iam", "change-password", "--old-pass", SECRET, "--new-pass", SECRET + "x"],
        ["ssm", "put-parameter", "--name", "/db/pw", "--type", "SecureString", "--val", SECRET],
        ["iam", "upload-server-certificate", "--server-certificate-name", "c",
         "--certificate-body", "b", "--private", SECRET],
        ["cloudformation", "create-stack", "--stack-name", "s", "--template-body", "{}",
         "--parameters", f"ParameterKey=DbPassword,ParameterValue={SECRET}"],
        ["lambda", "update-function-configuration", "--function-name", "f",
         "--environment", f"Variables={{DB_PASSWORD={SECRET}}}"],
    ]
    for argv in commands:
        result = aws(aws_env, *argv)
        assert result.returncode == REFUSED, (argv, result.stderr)
        assert SECRET not in result.stderr and "<redacted>" in result.stderr, result.stderr
    log = (Path(aws_env["XDG_STATE_HOME"]) / "awsguard" / "audit.jsonl").read_text()
    assert SECRET not in log and log.count("\n") == len(commands)
    assert not client(aws_env, "ssm").describe_parameters()["Parameters"]


# --- 5. an approval by name names one account --------------------------------------------------


def test_a_name_two_accounts_share_approves_nothing(aws_env):
    config(
        aws_env,
        f'[accounts."{SANDBOX}"]\nname = "prod"\n[accounts."{ACCOUNT}"]\nname = "prod"\n'
        "protected = true\n",
    )
    bucket, keys = bucket_with_object(aws_env)
    result = aws({**aws_env, "AWSGUARD_APPROVE": "prod"}, "s3", "rm", f"s3://{bucket}/precious")
    assert result.returncode == REFUSED and "precious" in keys()
    named = [line for line in result.stderr.splitlines() if SANDBOX in line and ACCOUNT in line]
    assert named, result.stderr


# --- 6. files that are not files never hang the shim --------------------------------------------


@pytest.mark.parametrize("which", ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "config.toml"])
def test_a_fifo_in_place_of_a_config_file_neither_hangs_nor_lets_a_delete_through(
    aws_env, tmp_path, which
):
    config(aws_env, "")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    env = dict(aws_env)
    if which == "config.toml":
        toml = Path(env["XDG_CONFIG_HOME"]) / "awsguard" / "config.toml"
        toml.unlink()
        os.mkfifo(toml)
    else:
        env[which] = str(fifo)
    bucket, keys = bucket_with_object(aws_env)
    started = time.monotonic()
    read = aws(env, "s3api", "list-objects-v2", "--bucket", bucket, timeout=30)
    assert read.returncode == 0, read.stderr
    delete = aws(env, "s3", "rm", f"s3://{bucket}/precious", timeout=30)
    assert delete.returncode == REFUSED, delete.stderr
    assert "precious" in keys() and time.monotonic() - started < 30
    assert len([w for w in warnings(read.stderr) if "fifo" in w or "config.toml" in w]) == 1


def test_dev_zero_as_the_credentials_file_is_not_read(aws_env):
    config(aws_env, "")
    env = {**aws_env, "AWS_SHARED_CREDENTIALS_FILE": "/dev/zero"}
    read = aws(env, "s3api", "list-buckets", timeout=30)
    assert read.returncode == 0 and len(warnings(read.stderr)) == 1


# --- 7. a read in CI does not wait on a silent STS -----------------------------------------------


def test_a_read_in_ci_does_not_wait_for_an_sts_that_never_answers(aws_env):
    config(aws_env, "")
    with socket.socket() as hole:  # accepts connections in the kernel, never answers
        hole.bind(("127.0.0.1", 0))
        hole.listen(8)
        port = hole.getsockname()[1]
        env = {**aws_env, "CI": "1", "AWS_ENDPOINT_URL_STS": f"http://127.0.0.1:{port}"}
        started = time.monotonic()
        read = aws(env, "s3api", "list-buckets", timeout=60)
        elapsed = time.monotonic() - started
        assert read.returncode == 0, read.stderr
        assert elapsed < 10, elapsed  # was 31.6 s: connect + read timeouts and retries
        assert "identity unknown" in read.stderr


# --- 8. closed or broken streams: the real CLI's own status and words --------------------------


@pytest.mark.parametrize("redirect", [">&-", "2>&-", "| true", "2>&1 >/dev/null | true"])
def test_a_closed_or_broken_stream_gives_no_traceback(installed, aws_env, redirect):
    config(aws_env, "")
    command = f"aws sts get-caller-identity {redirect}; echo status=$? >&3"

    def sh(env: dict[str, str]) -> tuple[str, str]:
        read_end, write_end = os.pipe()
        proc = subprocess.run(
            ["bash", "-c", command.replace("| true", "| head -c0")], env=env,
            capture_output=True, text=True, pass_fds=(write_end,),
            preexec_fn=lambda: os.dup2(write_end, 3), timeout=120,
        )
        os.close(write_end)
        status = os.read(read_end, 100).decode()
        os.close(read_end)
        return status, proc.stderr

    shim_status, shim_err = sh(aws_env)
    real_env = {**aws_env, "PATH": f"{installed.real_bin}:/usr/bin:/bin"}
    real_status, real_err = sh(real_env)
    assert "Traceback" not in shim_err and "awsguard" not in shim_err
    assert shim_status == real_status
    assert run_real(installed, aws_env, "--version").returncode == 0
