"""awsguard's config file and the confirmation rules: rules.load_config and Config.plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from awsguard.invocation import parse
from awsguard.risk import classify
from awsguard.rules import ConfigError, load_config, parse_config

PROD = {"account": "123456789012", "alias": None}
SANDBOX = {"account": "210987654321", "alias": "play-area"}


class Res:
    def __init__(self, profile: str = "default") -> None:
        self.profile = profile


def config_from(tmp_path: Path, text: str):
    path = tmp_path / "awsguard" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return load_config({"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)})


def decide(config, *argv: str, profile: str = "default", identity=None):
    invocation = parse(list(argv))
    return config.plan(classify(invocation), Res(profile), identity, invocation)


def test_no_file_gives_the_issue_defaults(tmp_path: Path) -> None:
    config = load_config({"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)})
    assert not config.exists and config.error is None
    assert decide(config, "s3", "rb", "s3://b").level == "confirm"
    assert decide(config, "s3api", "put-bucket-policy", "--bucket", "b").level == "confirm"
    assert decide(config, "s3", "cp", "f", "s3://b/k").level == "never"
    assert decide(config, "s3", "ls").level == "never"
    assert "built-in default" in decide(config, "s3", "rb", "s3://b").because


def test_awsguard_config_variable_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text('[risk]\nwrite = "confirm"\n')
    config = load_config({"AWSGUARD_CONFIG": str(path), "HOME": str(tmp_path)})
    assert config.path == path
    assert decide(config, "s3", "cp", "f", "s3://b/k").level == "confirm"


def test_protected_account_asks_to_type_once_the_identity_is_known(tmp_path: Path) -> None:
    config = config_from(tmp_path, '[accounts."123456789012"]\nname = "prod"\nprotected = true\n')
    before = decide(config, "ec2", "terminate-instances", "--instance-ids", "i-1")
    assert before.level == "confirm" and before.identity_needed
    after = decide(config, "ec2", "terminate-instances", "--instance-ids", "i-1", identity=PROD)
    assert after.level == "type" and not after.identity_needed
    assert '[accounts."123456789012"]' in after.because
    other = decide(config, "ec2", "terminate-instances", "--instance-ids", "i-1", identity=SANDBOX)
    assert other.level == "confirm"


def test_account_rules_do_not_reach_reads_unless_they_name_the_risk(tmp_path: Path) -> None:
    config = config_from(tmp_path, '[accounts."123456789012"]\nprotected = true\n')
    assert decide(config, "s3", "ls", identity=PROD).level == "never"
    assert not decide(config, "s3", "ls").identity_needed
    config = config_from(
        tmp_path, '[[rules]]\naccount = "123456789012"\nrisk = "write"\nconfirm = "confirm"\n'
    )
    assert decide(config, "s3", "cp", "f", "s3://b/k").identity_needed
    assert decide(config, "s3", "cp", "f", "s3://b/k", identity=PROD).level == "confirm"
    assert decide(config, "s3", "ls", identity=PROD).level == "never"


def test_profile_glob_applies_to_guarded_commands(tmp_path: Path) -> None:
    config = config_from(tmp_path, '[[rules]]\nprofile = "*prod*"\nconfirm = "type"\n')
    assert decide(config, "iam", "delete-user", "--user-name", "u", profile="my-prod").level == (
        "type"
    )
    assert decide(config, "iam", "delete-user", "--user-name", "u", profile="dev").level == (
        "confirm"
    )
    assert decide(config, "s3", "ls", profile="my-prod").level == "never"


def test_command_rule_beats_a_protected_account(tmp_path: Path) -> None:
    config = config_from(
        tmp_path,
        '[accounts."123456789012"]\nname = "prod"\nprotected = true\n'
        '[[rules]]\ncommand = "s3 rb"\nconfirm = "deny"\n',
    )
    decision = decide(config, "s3", "rb", "s3://b", identity=PROD)
    assert decision.level == "deny"
    assert "[[rules]] #1" in decision.because and 'command = "s3 rb"' in decision.because


def test_command_rule_matches_the_cli_and_the_api_spelling(tmp_path: Path) -> None:
    for written in ("ec2 terminate-instances", "ec2 TerminateInstances", "ec2 terminate-*"):
        config = config_from(tmp_path, f'[[rules]]\ncommand = "{written}"\nconfirm = "never"\n')
        assert decide(config, "ec2", "terminate-instances", "--instance-ids", "i").level == "never"
        assert decide(config, "ec2", "delete-vpc", "--vpc-id", "v").level == "confirm"


def test_action_glob_with_an_account_name_outranks_a_plain_command_rule(tmp_path: Path) -> None:
    config = config_from(
        tmp_path,
        '[accounts."123456789012"]\nname = "prod"\n'
        '[[rules]]\ncommand = "iam delete-user"\nconfirm = "confirm"\n'
        '[[rules]]\naction = "IAM:Delete*"\naccount = "prod"\nconfirm = "deny"\n',
    )
    assert decide(config, "iam", "delete-user", "--user-name", "u", identity=PROD).level == "deny"
    assert (
        decide(config, "iam", "delete-user", "--user-name", "u", identity=SANDBOX).level
        == "confirm"
    )


def test_within_one_rank_the_stricter_level_wins(tmp_path: Path) -> None:
    config = config_from(
        tmp_path,
        '[[rules]]\nprofile = "*"\nconfirm = "type"\n'
        '[[rules]]\nprofile = "prod*"\nconfirm = "confirm"\n',
    )
    assert decide(config, "s3", "rb", "s3://b", profile="prod-eu").level == "type"


def test_an_account_rule_can_relax_a_sandbox_by_its_alias(tmp_path: Path) -> None:
    config = config_from(tmp_path, '[[rules]]\naccount = "play-area"\nconfirm = "never"\n')
    assert decide(config, "s3", "rb", "s3://b", identity=SANDBOX).level == "never"
    assert decide(config, "s3", "rb", "s3://b", identity=PROD).level == "confirm"


def test_risk_table_changes_the_defaults_and_says_where(tmp_path: Path) -> None:
    config = config_from(tmp_path, '[risk]\nwrite = "confirm"\ndestructive = "type"\n')
    assert decide(config, "s3", "cp", "f", "s3://b/k").level == "confirm"
    decision = decide(config, "s3", "rm", "s3://b", "--recursive")
    assert decision.level == "type" and "[risk] in" in decision.because
    assert config.risk_origins["read"] == "built-in default"


def test_broken_toml_is_an_error_with_line_and_column(tmp_path: Path) -> None:
    config = config_from(tmp_path, '[risk]\ndestructive = "confirm"\nthis is not toml\n')
    assert isinstance(config.error, ConfigError)
    assert config.error.line == 3 and config.error.column
    text = str(config.error)
    assert "line 3" in text and "this is not toml" in text and str(config.path) in text
    assert "\n" not in text
    with pytest.raises(ConfigError):
        config.raise_for_error()


def test_broken_config_fails_closed_for_guarded_and_open_for_reads(tmp_path: Path) -> None:
    config = config_from(tmp_path, "[risk\n")
    assert decide(config, "s3", "rb", "s3://b").level == "deny"
    assert decide(config, "iam", "attach-user-policy", "--user-name", "u").level == "deny"
    assert decide(config, "s3", "ls").level == "never"
    assert decide(config, "s3", "cp", "f", "s3://b/k").level == "never"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[risk]\ndestructive = "maybe"\n', "[risk] destructive"),
        ('[risk]\nscary = "confirm"\n', "[risk] scary"),
        ('[accounts."12345"]\nname = "x"\n', '[accounts."12345"]'),
        ('[accounts."123456789012"]\nprotected = "yes"\n', "protected"),
        ('[[rules]]\nprofile = "*"\n', "[[rules]] #1"),
        ('[[rules]]\nprofile = "*"\nconfirm = "type"\nfoo = 1\n', "'foo'"),
        ('[[rules]]\nrisk = "scary"\nconfirm = "type"\n', "[[rules]] #1 risk"),
        ('[conflicts]\nprofile-shadowed = "explode"\n', "[conflicts] profile-shadowed"),
    ],
)
def test_bad_values_name_the_table_and_key(tmp_path: Path, text: str, named: str) -> None:
    config = config_from(tmp_path, text)
    assert config.error is not None
    assert named in str(config.error)


def test_conflict_actions_default_to_warn(tmp_path: Path) -> None:
    config = config_from(tmp_path, '[conflicts]\nprofile-shadowed = "block"\nregion-x = "off"\n')
    assert config.conflict_action("profile-shadowed") == "block"
    assert config.conflict_action("region-x") == "off"
    assert config.conflict_action("anything-else") == "warn"
    config = config_from(tmp_path, '[conflicts]\ndefault = "block"\n')
    assert config.conflict_action("anything-else") == "block"


def test_other_features_read_their_raw_sections(tmp_path: Path) -> None:
    config = config_from(tmp_path, "[sessions]\nrefresh_threshold = 300\n[prompt]\nshow = 1\n")
    assert config.error is None
    assert config.section("sessions") == {"refresh_threshold": 300}
    assert config.section("prompt") == {"show": 1}
    assert config.section("missing") == {}
    assert config.raw["sessions"]["refresh_threshold"] == 300


def test_parse_config_accepts_text_directly(tmp_path: Path) -> None:
    config = parse_config('[accounts."123456789012"]\nname = "prod"\n', tmp_path / "c.toml")
    assert config.account_name("123456789012") == "prod"
    assert config.account_name("000000000000") is None


def test_parsed_config_is_reused_until_the_file_changes(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)}
    path = tmp_path / "awsguard" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[risk]\nwrite = "confirm"\n')
    assert load_config(env).risk_levels["write"] == "confirm"
    cache = tmp_path / ".cache" / "awsguard" / "config.parsed"
    assert cache.exists()
    path.write_text('[risk]\nwrite = "type"\n\n')
    assert load_config(env).risk_levels["write"] == "type"
    path.write_text('[risk]\nwrite = "deny"\n\n')  # same size, maybe the same timestamp
    assert load_config(env).risk_levels["write"] == "deny"
    path.write_text("[risk\n")
    assert load_config(env).error is not None


def test_dates_in_the_config_do_not_break_the_parse_cache(tmp_path: Path) -> None:
    config = config_from(tmp_path, "[prompt]\nsince = 2024-01-01\n")
    assert config.error is None and str(config.section("prompt")["since"]) == "2024-01-01"


def test_kebab_case_of_an_api_name_matches_the_regular_expression_it_replaced() -> None:
    import random
    import re

    from awsguard.rules import _kebab

    def by_re(api: str) -> str:
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", api).lower()

    words = ["TerminateInstances", "GetObjectACL", "S3Get", "x9Y", "ÉtéAbc", "aÀB", "", "A", "--B"]
    rng = random.Random(14)
    alphabet = "aZ9-_ÀéB0z"
    words += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(500)]
    for word in words:
        assert _kebab(word) == by_re(word), word


def test_the_shim_loads_the_config_without_pathlib_re_or_fnmatch(tmp_path) -> None:
    import subprocess
    import sys

    config = tmp_path / "config.toml"
    config.write_text('[risk]\nwrite = "confirm"\n[accounts."123456789012"]\nname = "prod"\n')
    environ = {"AWSGUARD_CONFIG": str(config), "HOME": str(tmp_path),
               "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code = (
        f"import sys; sys.path[:0] = {sys.path!r}; from awsguard import rules\n"
        f"c = rules.load_config({environ!r})\n"
        "assert c.error is None and c.risk_levels['write'] == 'confirm', c.error\n"
        "print(sorted(m for m in ('pathlib', 're', 'fnmatch') if m in sys.modules))\n"
        "print(c.path.name, c.accounts['123456789012'].name)\n"
    )
    outputs = []
    for _ in range(2):  # parsed (tomllib imports `re`), then read from the parse cache
        done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout.split("\n")[:2])
    assert outputs[1] == ["[]", "config.toml prod"]
