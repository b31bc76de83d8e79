"""What the guard remembers and whom an approval names: a remembered pass replays only what
decided it, a name two accounts share approves nothing, a read never waits on STS."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from awsguard import confirm, identity, plancache, rules
from awsguard.invocation import parse


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text("[default]\nregion = us-east-1\n")
    return {
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
    }


def key(environ, *argv):
    return plancache.key(parse(list(argv)), environ, "/bin/true")


# --- the plan cache --------------------------------------------------------------------------


def test_each_file_resolution_reads_is_in_the_key(environ, tmp_path):
    before = key(environ, "s3", "ls")
    for path in (
        tmp_path / ".aws" / "cli" / "alias",
        tmp_path / "config" / "awsguard" / "config.toml",
        tmp_path / "state" / "awsguard" / "vault-index.json",
        tmp_path / "cache" / "awsguard" / "realcli.json",
        tmp_path / ".aws" / "credentials",
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        after = key(environ, "s3", "ls")
        assert after != before, path
        before = after


def test_a_file_rewritten_with_the_same_size_and_mtime_still_changes_the_key(environ, tmp_path):
    config = tmp_path / ".aws" / "config"
    before = key(environ, "s3", "ls")
    stat = config.stat()
    config.write_text("[default]\nregion = eu-west-1\n")
    os.utime(config, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert key(environ, "s3", "ls") != before  # ctime and inode still tell


@pytest.mark.parametrize(
    ("risk", "source", "base", "remembered"),
    [
        ("read", "env", None, True),
        ("read", "shared-credentials-file", None, True),
        ("read", "assume-role", "shared-credentials-file", True),
        ("read", "custom-process", None, False),
        ("read", "sso", None, False),
        ("read", "assume-role-with-web-identity", None, False),
        ("read", "container-role", None, False),
        ("read", "iam-role", None, False),
        ("read", "assume-role", "custom-process", False),
        ("read", "assume-role", "sso", False),
        ("read", "assume-role", None, False),  # credential_source = Ec2InstanceMetadata
        ("write", "env", None, False),
        ("destructive", "env", None, False),
        ("permissions", "env", None, False),
        ("exposure", "env", None, False),
        ("execute", "env", None, False),
        ("audit-off", "env", None, False),
        ("interactive", "env", None, False),
    ],
)
def test_only_reads_with_a_fixed_identity_are_remembered(risk, source, base, remembered):
    class Resolution:
        pass

    res = Resolution()
    res.source, res.base_source, res.credential_source = source, base, None
    assert plancache.may_remember(parse(["s3", "ls"]), risk, res) is remembered


def test_a_role_over_environment_keys_is_remembered():
    class Resolution:
        source, base_source, credential_source = "assume-role", None, "Environment"

    assert plancache.may_remember(parse(["s3", "ls"]), "read", Resolution())


def test_a_command_awsguard_was_unsure_about_is_not_remembered():
    class Unsure:
        problem = "ambiguous option --de"

    class Res:
        source = "env"

    assert not plancache.may_remember(Unsure(), "read", Res())


def test_a_planted_cache_file_is_not_replayed(environ, tmp_path):
    entry = key(environ, "s3", "ls")
    path = tmp_path / "cache" / "awsguard" / plancache.FILE_NAME
    path.parent.mkdir(parents=True)
    path.write_text(entry + ":exec\n")
    os.chmod(path, 0o666)
    assert plancache.known(entry + ":exec", environ) is None


# --- account names ---------------------------------------------------------------------------


def test_two_accounts_with_one_name_are_refused_in_one_line_naming_both(tmp_path):
    path = tmp_path / "config.toml"
    text = (
        '[accounts."111111111111"]\nname = "prod"\n'
        '[accounts."222222222222"]\nname = "Prod"\nprotected = true\n'
    )
    config = rules.parse_config(text, path)
    assert config.error is not None
    message = str(config.error)
    assert "111111111111" in message and "222222222222" in message and "\n" not in message
    assert config.plan("destructive").level == "deny"


def test_approval_by_name_only_while_the_name_is_unique(tmp_path):
    config = rules.parse_config(
        '[accounts."111111111111"]\nname = "sandbox"\n'
        '[accounts."123456789012"]\nname = "prod"\nprotected = true\n',
        tmp_path / "c.toml",
    )
    prod = {"account": "123456789012", "name": "prod", "alias": "sandbox"}
    # The IAM alias is another account's configured name: it approves nothing.
    assert confirm.approval_names(prod, config) == {"123456789012", "prod"}
    sandbox = {"account": "111111111111", "name": "sandbox", "alias": "sandbox"}
    assert confirm.approval_names(sandbox, config) == {"111111111111", "sandbox"}


# --- a read never waits on STS ---------------------------------------------------------------


def test_a_lookup_past_its_deadline_gives_up():
    class Res:
        raw_access_key_id = None
        expires_at = None

    def slow(*_args):
        time.sleep(5)
        raise AssertionError("not reached")

    started = time.monotonic()
    with pytest.raises(identity.IdentityUnknown, match="within 0.3 s"):
        identity.identify(parse(["s3", "ls"]), Res(), {}, fetch=slow, deadline=0.3)
    assert time.monotonic() - started < 1.5


def test_ci_reads_get_the_short_deadline_and_terminals_do_not(monkeypatch):
    assert confirm._read_deadline({"CI": "1"}, ci=True) == confirm.READ_IDENTITY_DEADLINE
    assert confirm._read_deadline({"AWSGUARD_READ_IDENTITY_TIMEOUT": "0.5"}, ci=True) == 0.5
    from awsguard import tty

    monkeypatch.setattr(tty, "has_terminal", lambda: True)
    assert confirm._read_deadline({}, ci=False) is None
    monkeypatch.setattr(tty, "has_terminal", lambda: False)
    assert confirm._read_deadline({}, ci=False) == confirm.READ_IDENTITY_DEADLINE
