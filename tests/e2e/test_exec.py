"""`awsguard exec`, `exec --server`, `export` and `credential-process` with an SDK other than the
CLI (boto3 in a child process), against moto's STS and a real gnome-keyring Secret Service.

The world: `dev` holds a long-term key and an MFA device; `admin` assumes a role from
it. Codes come from an `mfa_process` (counted), as in CI; prompts run in pexpect PTYs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.keyring import count_lines, make_aws_world, write_mfa_process

from awsguard import vault

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
AWSGUARD = str(BIN / "awsguard")
SYSTEM_PATH = "/usr/bin:/bin"
ACCOUNT = "123456789012"
ADMIN_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/awsguard-test-admin/admin-session"

# A child that reports what an SDK sees: its credential method, who it is, what it was given.
PROBE = """\
import json, os, sys, urllib.request, urllib.error
import boto3
session = boto3.Session()
creds = session.get_credentials()
answer = {
    "method": creds.method,
    "arn": session.client("sts").get_caller_identity()["Arn"],
    "region": session.region_name,
    "env": sorted(k for k in os.environ if k.startswith(("AWS_", "AWSGUARD_EXEC"))),
    "profile": os.environ.get("AWSGUARD_EXEC_PROFILE"),
}
url = os.environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
if url:
    def status(headers, method="GET", target=url):
        request = urllib.request.Request(target, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:
                json.load(reply)
                return reply.status
        except urllib.error.HTTPError as err:
            return err.code
    token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    answer["no_token"] = status({})
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    answer["wrong_token"] = status({"Authorization": wrong})
    answer["right_token"] = status({"Authorization": token})
    answer["post"] = status({"Authorization": token}, "POST")
    answer["other_path"] = status({"Authorization": token}, target=url + "x")
    answer["host"] = url.split("/")[2].split(":")[0]
print(json.dumps(answer))
"""


@pytest.fixture
def world(tmp_path: Path, moto_server, keyring_env) -> dict:
    env = make_aws_world(tmp_path, moto_server.url, keyring_env)
    env["PATH"] = f"{BIN}{os.pathsep}{SYSTEM_PATH}"
    env["TERM"] = "xterm"
    env.pop("CI", None)
    env["AWS_PROFILE"] = "plain"  # a conflicting profile the child must not inherit
    write_mfa_process(tmp_path, env)
    return env


def write_config(env: dict, body: str) -> None:
    path = Path(env["XDG_CONFIG_HOME"]) / "awsguard" / "config.toml"
    path.write_text(path.read_text() + "\n" + body)


def run(args: list[str], env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    # A new session: no controlling terminal, as in CI.
    return subprocess.run(
        args, env=env, input=stdin, capture_output=True, text=True, timeout=120,
        start_new_session=True,
    )


def awsguard(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return run([AWSGUARD, *args], env, stdin)


def probe(env: dict, *exec_args: str) -> dict:
    done = awsguard(env, "exec", *exec_args, "--", sys.executable, "-c", PROBE)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    answer["stderr"] = done.stderr
    return answer


def test_exec_gives_boto3_the_role_session_in_its_environment(world: dict, tmp_path: Path) -> None:
    seen = probe(world, "--profile", "admin")
    assert seen["method"] == "env"
    assert seen["arn"] == ADMIN_ARN
    assert seen["region"] == "eu-central-1"
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION", "AWS_REGION", "AWS_DEFAULT_REGION"} <= set(seen["env"])
    assert "AWS_PROFILE" not in seen["env"] and "AWS_DEFAULT_PROFILE" not in seen["env"]
    assert seen["profile"] == "admin"
    # The identity was shown before the command started, with no secret.
    assert ADMIN_ARN in seen["stderr"] and ACCOUNT in seen["stderr"]
    stored = vault.load_session(vault.mfa_item("dev", "arn:aws:iam::123456789012:mfa/dev-device"))
    assert stored is not None and stored.secret_access_key not in seen["stderr"]
    # One code served the MFA session; a second exec reuses the cached sessions.
    assert count_lines(tmp_path / "mfa-process-calls") == 1
    assert probe(world, "--profile", "admin")["arn"] == ADMIN_ARN
    assert count_lines(tmp_path / "mfa-process-calls") == 1


def test_exec_server_serves_boto3_and_refuses_requests_without_the_token(world: dict) -> None:
    seen = probe(world, "--profile", "admin", "--server")
    assert seen["method"] == "container-role"
    assert seen["arn"] == ADMIN_ARN
    assert "AWS_ACCESS_KEY_ID" not in seen["env"] and "AWS_SESSION_TOKEN" not in seen["env"]
    assert "AWS_PROFILE" not in seen["env"]
    assert seen["host"] == "127.0.0.1"
    assert seen["no_token"] == 401
    assert seen["wrong_token"] == 403
    assert seen["right_token"] == 200
    assert seen["post"] == 405
    assert seen["other_path"] == 404


def test_exec_server_with_default_keys_in_the_file_still_serves_the_checked_identity(
    world: dict,
) -> None:
    # [plain] keys become [default] keys: botocore would prefer them to the server.
    creds = Path(world["AWS_SHARED_CREDENTIALS_FILE"])
    creds.write_text(creds.read_text().replace("[plain]", "[default]"))
    env = {k: v for k, v in world.items() if k != "AWS_PROFILE"}
    seen = probe(env, "--profile", "admin", "--server")
    assert seen["arn"] == ADMIN_ARN and seen["method"] == "container-role"
    assert "AWS_SHARED_CREDENTIALS_FILE=/dev/null" in seen["stderr"]


def test_exit_status_and_death_by_signal_are_the_commands(world: dict) -> None:
    assert awsguard(world, "exec", "--profile", "admin", "--", "sh", "-c", "exit 7").returncode == 7
    killed = awsguard(world, "exec", "--profile", "admin", "--server", "--",
                      "sh", "-c", "kill -TERM $$")
    assert killed.returncode == -signal.SIGTERM
    missing = awsguard(world, "exec", "--profile", "admin", "--", "no-such-command-here")
    assert missing.returncode == 127 and "Traceback" not in missing.stderr


def test_without_a_command_exec_starts_the_shell_with_the_identity(world: dict) -> None:
    env = {**world, "SHELL": "/bin/sh"}
    done = awsguard(env, "exec", "--profile", "admin",
                    stdin='echo "$AWSGUARD_EXEC_PROFILE $AWSGUARD_EXEC_ACCOUNT"\nexit 3\n')
    assert done.returncode == 3, done.stderr
    assert done.stdout.split() == ["admin", ACCOUNT]
    # The prompt segment inside that shell names the account (from the identity cache).
    inside = awsguard(env, "exec", "--profile", "admin", "--", AWSGUARD, "prompt", "--json")
    assert inside.returncode == 0, inside.stderr
    assert json.loads(inside.stdout)["account"] == ACCOUNT
    # ... and the exec'd profile, not `env`; with the credentials server too.
    assert json.loads(inside.stdout)["profile"] == "admin"
    served = awsguard(env, "exec", "--profile", "admin", "--server", "--",
                      AWSGUARD, "prompt", "--json")
    assert served.returncode == 0, served.stderr
    assert json.loads(served.stdout)["profile"] == "admin"
    assert json.loads(served.stdout)["account"] == ACCOUNT
    # Keys exported by hand inside that shell are `env` again.
    by_hand = awsguard(env, "exec", "--profile", "admin", "--", "sh", "-c",
                       f"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE {AWSGUARD} prompt --json")
    assert json.loads(by_hand.stdout)["profile"] == "env"


def test_a_protected_account_is_refused_without_a_terminal(world: dict, tmp_path: Path) -> None:
    write_config(world, f'[accounts."{ACCOUNT}"]\nname = "prod"\nprotected = true\n')
    marker = tmp_path / "ran"
    command = ["--", "sh", "-c", f"touch {marker}"]
    done = awsguard(world, "exec", "--profile", "admin", *command)
    assert done.returncode == 77
    assert "AWSGUARD_APPROVE" in done.stderr and not marker.exists()
    server = awsguard(world, "exec", "--profile", "admin", "--server", *command)
    assert server.returncode == 77 and not marker.exists()
    exported = awsguard(world, "export", "--profile", "admin")
    assert exported.returncode == 77 and exported.stdout == ""
    wrong = awsguard({**world, "AWSGUARD_APPROVE": "999999999999"}, "exec", "--profile", "admin",
                     *command)
    assert wrong.returncode == 77 and not marker.exists()
    approved = awsguard({**world, "AWSGUARD_APPROVE": "prod"}, "exec", "--profile", "admin",
                        *command)
    assert approved.returncode == 0, approved.stderr
    assert marker.exists()


def test_a_protected_account_asks_for_its_name_on_the_terminal(world: dict, tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    write_config(world, f'[accounts."{ACCOUNT}"]\nname = "prod"\nprotected = true\n')
    marker = tmp_path / "ran"
    args = ["exec", "--profile", "admin", "--", "sh", "-c", f"touch {marker}"]
    child = pexpect.spawn(AWSGUARD, args, env=world, encoding="utf-8", timeout=60)
    child.expect("Type the account name prod")
    child.sendline("staging")
    child.expect("that is not prod")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 77 and not marker.exists()
    child = pexpect.spawn(AWSGUARD, args, env=world, encoding="utf-8", timeout=60)
    child.expect("Type the account name prod")
    child.sendline("prod")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and marker.exists()


def test_expect_account_refuses_another_account(world: dict, tmp_path: Path) -> None:
    write_config(world, f'[accounts."{ACCOUNT}"]\nname = "sandbox"\n')
    marker = tmp_path / "ran"
    command = ["--", "sh", "-c", f"touch {marker}"]
    done = awsguard(world, "exec", "--profile", "admin", "--expect-account", "210987654321",
                    *command)
    assert done.returncode == 77 and "210987654321" in done.stderr and not marker.exists()
    done = awsguard(world, "exec", "--profile", "admin", "--expect-account", "sandbox", *command)
    assert done.returncode == 0, done.stderr
    assert marker.exists()


def test_export_formats_give_the_same_session(world: dict) -> None:
    done = awsguard(world, "export", "--profile", "admin", "--format", "json")
    assert done.returncode == 0, done.stderr
    variables = json.loads(done.stdout)
    assert variables["AWS_SESSION_TOKEN"] and variables["AWS_REGION"] == "eu-central-1"
    process = json.loads(awsguard(world, "export", "--profile", "admin", "--format",
                                  "process").stdout)
    assert process["Version"] == 1 and process["AccessKeyId"] == variables["AWS_ACCESS_KEY_ID"]
    assert process["Expiration"] == variables["AWS_CREDENTIAL_EXPIRATION"]
    # `eval "$(awsguard export)"` in sh, then boto3 in that shell.
    script = f'eval "$({AWSGUARD} export --profile admin)" && exec {sys.executable} -c "$PROBE"'
    shell = run(["sh", "-c", script], {**world, "PROBE": PROBE})
    assert shell.returncode == 0, shell.stderr
    seen = json.loads(shell.stdout)
    assert seen["arn"] == ADMIN_ARN and "AWS_PROFILE" not in seen["env"]
    assert "secret" not in shell.stderr.lower() or "warning" not in shell.stderr  # no tty


def test_export_on_a_terminal_warns_that_the_output_holds_secrets(world: dict) -> None:
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(AWSGUARD, ["export", "--profile", "admin"], env=world,
                          encoding="utf-8", timeout=60)
    child.expect("holds secret credentials")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


# --- credential-process: the profile's MFA session for any SDK ---------------------------------


def import_dev(world: dict) -> None:
    done = awsguard(world, "import", "--yes", "--profile", "dev")
    assert done.returncode == 0, done.stderr


BOTO3_CREDS = (
    "import boto3, json, sys\n"
    "s = boto3.Session(profile_name=sys.argv[1])\n"
    "c = s.get_credentials()\n"
    "f = c.get_frozen_credentials()\n"
    "print(json.dumps({'method': c.method, 'token': bool(f.token),\n"
    "    'arn': s.client('sts').get_caller_identity()['Arn']}))\n"
)


def boto3_profile(env: dict, profile: str) -> subprocess.CompletedProcess:
    bare = {k: v for k, v in env.items() if k != "AWS_PROFILE"}
    bare["PATH"] = SYSTEM_PATH  # no awsguard on PATH: the imported line is absolute
    return run([sys.executable, "-c", BOTO3_CREDS, profile], bare)


def test_credential_process_serves_the_mfa_session_to_boto3(world: dict, tmp_path: Path) -> None:
    import_dev(world)
    done = boto3_profile(world, "dev")
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["method"] == "custom-process" and seen["token"] is True  # a session, not the key
    # A role on top of it: botocore assumes it with the MFA session's credentials.
    role = boto3_profile(world, "admin")
    assert role.returncode == 0, role.stderr
    assert json.loads(role.stdout)["arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/")
    assert count_lines(tmp_path / "mfa-process-calls") == 1
    printed = awsguard(world, "credential-process", "dev")
    document = json.loads(printed.stdout)
    assert document["Version"] == 1 and document["SessionToken"] and document["Expiration"]


def test_credential_process_without_any_way_to_ask_is_one_line_naming_awsguard_mfa(
    world: dict,
) -> None:
    import_dev(world)
    config = Path(world["XDG_CONFIG_HOME"]) / "awsguard" / "config.toml"
    config.write_text("")  # no mfa_process
    env = {k: v for k, v in world.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = awsguard(env, "credential-process", "dev")
    assert done.returncode == 77 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "awsguard mfa dev" in done.stderr


def test_credential_process_asks_a_graphical_prompt_when_there_is_a_display(
    world: dict, tmp_path: Path
) -> None:
    import_dev(world)
    (Path(world["XDG_CONFIG_HOME"]) / "awsguard" / "config.toml").write_text("")
    folder = tmp_path / "gui"
    folder.mkdir()
    calls = tmp_path / "zenity-calls"
    zenity = folder / "zenity"
    zenity.write_text(f'#!/bin/sh\necho "$*" >> {calls}\necho 654321\n')
    zenity.chmod(0o755)
    env = {**world, "DISPLAY": ":77", "PATH": f"{folder}{os.pathsep}{world['PATH']}"}
    done = awsguard(env, "credential-process", "dev")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["SessionToken"]
    assert "MFA code for dev" in calls.read_text()


# --- the JavaScript SDK v3 (from the npm registry), where npm installs it -------------------

JS_SDK_PACKAGE = "@aws-sdk/client-sts@^3"
JS_WHOAMI = """\
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
const client = new STSClient({});
const creds = await client.config.credentials();
const who = await client.send(new GetCallerIdentityCommand({}));
console.log(JSON.stringify({
  arn: who.Arn,
  token: Boolean(creds.sessionToken),
  keysInEnv: Boolean(process.env.AWS_ACCESS_KEY_ID),
  server: Boolean(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI),
}));
"""


def js_sdk_dir() -> Path:
    """Where the tests keep the SDK (.ci/run fills the same folder): never the repo."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "awsguard-tests" / "js-sdk-v3"


@pytest.fixture(scope="session")
def js_sdk() -> Path:
    """A folder with @aws-sdk/client-sts installed and whoami.mjs beside it."""
    import shutil

    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are not installed: the JavaScript SDK tests need them")
    folder = js_sdk_dir()
    if not (folder / "node_modules" / "@aws-sdk" / "client-sts").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix",
             str(folder), JS_SDK_PACKAGE],
            capture_output=True, text=True, timeout=300,
        )
        if done.returncode != 0:
            pytest.skip(f"npm could not install {JS_SDK_PACKAGE}: {done.stderr[-300:]}")
    (folder / "whoami.mjs").write_text(JS_WHOAMI)
    return folder


def node_whoami(js_sdk: Path, env: dict, *exec_args: str) -> dict:
    env = {**env, "NODE_NO_WARNINGS": "1"}
    command = ["node", str(js_sdk / "whoami.mjs")]
    if exec_args:
        command = [AWSGUARD, "exec", *exec_args, "--", *command]
    done = run(command, env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_javascript_sdk_reads_exec_and_exec_server(world: dict, js_sdk: Path) -> None:
    seen = node_whoami(js_sdk, world, "--profile", "admin")
    assert seen == {"arn": ADMIN_ARN, "token": True, "keysInEnv": True, "server": False}
    seen = node_whoami(js_sdk, world, "--profile", "admin", "--server")
    assert seen == {"arn": ADMIN_ARN, "token": True, "keysInEnv": False, "server": True}


def test_the_javascript_sdk_reads_credential_process_without_awsguard_on_path(
    world: dict, js_sdk: Path
) -> None:
    import_dev(world)
    env = {**world, "AWS_PROFILE": "dev", "PATH": SYSTEM_PATH}
    seen = node_whoami(js_sdk, env)
    assert seen["token"] is True and seen["arn"].startswith(f"arn:aws:sts::{ACCOUNT}:")


# --- the server renews what it serves ---------------------------------------------------------

SERVED = """\
import json, os, urllib.request
request = urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
    headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
with urllib.request.urlopen(request, timeout=10) as reply:
    document = json.load(reply)
print(json.dumps({"key": document["AccessKeyId"], "expiration": document["Expiration"]}))
"""


def test_the_server_renews_a_role_session_the_sdks_would_find_too_short(world: dict) -> None:
    from datetime import datetime, timedelta, timezone

    from awsguard.sessions import ROLE_RENEW_BEFORE

    # The cached role session has 10 minutes left: enough for one aws call (the shim and
    # plain exec use it), too little for an SDK that renews 15 minutes before the end.
    now = datetime.now(timezone.utc).replace(microsecond=0)
    item = vault.role_item("arn:aws:iam::123456789012:role/awsguard-test-admin",
                           "admin-session", "dev")
    vault.store_session(item, vault.StoredSession(
        kind="role", profile="admin", access_key_id="ASIAEXAMPLESHORT0001",
        secret_access_key="short-secret", session_token="short-token",
        expiration=now + timedelta(minutes=10), created=now - timedelta(minutes=50),
        source_profile="dev", role_arn="arn:aws:iam::123456789012:role/awsguard-test-admin",
        role_session_name="admin-session",
    ), world)
    assert 600 > ROLE_RENEW_BEFORE
    plain = probe(world, "--profile", "admin")
    assert "10m" in plain["stderr"] or "9m" in plain["stderr"]  # the cached one, as the shim
    done = awsguard(world, "exec", "--profile", "admin", "--server", "--",
                    sys.executable, "-c", SERVED)
    assert done.returncode == 0, done.stderr
    served = json.loads(done.stdout)
    assert served["key"] != "ASIAEXAMPLESHORT0001"
    left = datetime.fromisoformat(served["expiration"].replace("Z", "+00:00")) - now
    assert left > timedelta(minutes=30)
    # Renewed under the session lock into the keyring: the next caller shares it.
    stored = vault.load_session(item)
    assert stored is not None and stored.access_key_id == served["key"]


def test_exec_decisions_on_a_protected_account_reach_the_audit_log(world: dict) -> None:
    write_config(world, f'[accounts."{ACCOUNT}"]\nname = "prod"\nprotected = true\n')
    secret_arg = "--var=password=hunter2-not-logged"
    assert awsguard(world, "exec", "--profile", "admin", "--", "true", secret_arg).returncode == 77
    approved = {**world, "AWSGUARD_APPROVE": ACCOUNT}
    assert awsguard(approved, "exec", "--profile", "admin", "--", "true", secret_arg
                    ).returncode == 0
    log = Path(world["XDG_STATE_HOME"]) / "awsguard" / "audit.jsonl"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["decision"] for e in entries] == ["refused", "approved"]
    assert all(e["account"] == ACCOUNT and e["level"] == "type" for e in entries)
    assert "hunter2" not in log.read_text()
