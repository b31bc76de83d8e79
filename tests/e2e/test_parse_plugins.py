"""A CLI plugin adds a command awsguard's tables do not have (issue 12, item 1).

A real plugin, loaded by each real CLI from the AWS config file (`[plugins]`: v1 imports
the module from its path, v2 2.9 only with `cli_legacy_plugin_path`), adds `aws s3 zap`,
which deletes an object. Through the installed shim with no terminal, CI=1 and the
approval for another account: the command is refused with 77 and the object stays, a
write is confirmed too, and a read still runs with the plugin loaded. `awsguard
classify` says the same as the shim.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid

import boto3
import pytest

from fixtures.realclis import TEST_KEY_ID, TEST_SECRET

REFUSED = 77
OTHER = "111111111111"

PLUGIN = '''
from awscli.customizations.commands import BasicCommand


class Zap(BasicCommand):
    NAME = "zap"
    DESCRIPTION = "deletes one object (a plugin awsguard cannot see)"
    ARG_TABLE = [{"name": "bucket", "required": True}, {"name": "key", "required": True}]

    def _run_main(self, args, parsed_globals):
        s3 = self._session.create_client(
            "s3", region_name="us-east-1", endpoint_url=parsed_globals.endpoint_url
        )
        s3.delete_object(Bucket=args.bucket, Key=args.key)
        return 0


def _add(command_table, session, **kwargs):
    command_table["zap"] = Zap(session)


def awscli_initialize(cli):
    cli.register("building-command-table.s3", _add)
'''


@pytest.fixture
def world(cli_env, real_cli, moto_server, home, tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "zap_plugin.py").write_text(PLUGIN)
    section = "[plugins]\nzap = zap_plugin\n"
    env = {**cli_env, "CI": "1", "AWSGUARD_APPROVE": OTHER}
    if real_cli.major == 2:
        section = f"[plugins]\ncli_legacy_plugin_path = {plugins}\nzap = zap_plugin\n"
    else:
        env["PYTHONPATH"] = str(plugins)  # v1 imports the module by name
    (home / ".aws" / "config").write_text("[default]\nregion = us-east-1\n" + section)
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=moto_server.url,
        aws_access_key_id=TEST_KEY_ID,
        aws_secret_access_key=TEST_SECRET,
    )
    bucket = f"plug-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"1")

    def run(
        *argv: str, program: str = "aws", direct: bool = False
    ) -> subprocess.CompletedProcess[str]:
        run_env = {**env, "PATH": real_cli.direct_path()} if direct else env
        found = shutil.which(program, path=run_env["PATH"])
        assert found
        return subprocess.run(
            [found, *argv],
            env=run_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            start_new_session=True,
        )

    keys = lambda: [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]  # noqa: E731
    return run, real_cli.at(moto_server.url, "s3", "zap", "--bucket", bucket, "--key", "k"), keys


def test_a_command_a_plugin_adds_is_refused_and_reads_still_run(world, real_cli) -> None:
    run, zap, keys = world
    refused = run(*zap)
    assert refused.returncode == REFUSED, refused.stderr
    assert keys() == ["k"], "the plugin's command ran"
    # a write is confirmed too, since a plugin may change what it does
    mb = run(*real_cli.at(_endpoint(zap), "s3", "mb", f"s3://made-{uuid.uuid4().hex[:8]}"))
    assert mb.returncode == REFUSED, mb.stderr
    # reads run, with the plugin loaded by the real CLI
    listed = run(*real_cli.at(_endpoint(zap), "s3", "ls"))
    assert listed.returncode == 0, listed.stderr
    # and the plugin is real: the CLI itself, without the shim, deletes with it
    deleted = run(*zap, direct=True)
    assert deleted.returncode == 0 and keys() == [], deleted.stderr


def test_classify_agrees_with_the_shim(world) -> None:
    run, zap, _keys = world
    shown = run("classify", "--json", "--", *zap, program="awsguard")
    assert shown.returncode == 0, shown.stderr
    result = json.loads(shown.stdout)
    assert result["risk"] == "destructive" and "plugins" in result["reason"], result


def _endpoint(words: list[str]) -> str:
    return words[words.index("--endpoint-url") + 1]
