"""parse(): the AWS CLI's own parsing rules, over plain data (issue 12, item 1).

The differential test (test_parse_differential.py) holds these against the real CLI;
here each rule is pinned on its own, with its CLI behaviour named.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from awsguard import cliargs
from awsguard.cliparams import ParamProblem, shorthand
from awsguard.invocation import UNPARSED, parse

V1 = cliargs.load(1, "_global").version
V2 = cliargs.load(2, "_global").version
NOHOME = {"HOME": "/nonexistent-awsguard-test"}


def p(line: str | list[str], major: int = 1, **kw):
    argv = line.split() if isinstance(line, str) else line
    kw.setdefault("environ", NOHOME)
    kw.setdefault("version", V1 if major == 1 else V2)
    return parse(argv, major=major, **kw)


# --- global options: any unique prefix, anywhere ---------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "--p prod s3 rb s3://b --force",
        "--prof prod s3 rb s3://b --force",
        "s3 rb s3://b --force --p prod",
        "s3 --profile=prod rb s3://b --force",
        "s3 rb --pro=prod s3://b --force",
    ],
)
def test_abbreviated_profile_anywhere_is_the_profile(line: str):
    inv = p(line)
    assert (inv.service, inv.operation) == ("s3", "rb")
    assert inv.profile == "prod" and inv.globals == {"--profile": "prod"}
    assert inv.options == {"--force": ()} and inv.positionals == ("s3://b",)
    assert inv.problem is None and not inv.cli_error and inv.calls_aws


def test_global_prefix_taken_before_the_operation_sees_it():
    # the main parser reads every word first: `--de` is --debug, not s3 sync's --delete
    inv = p("s3 sync d s3://b --de")
    assert "--debug" in inv.flags and "--delete" not in inv.options
    assert p("s3 sync d s3://b --del").options == {"--delete": ()}


def test_ambiguous_global_prefix_is_the_clis_error():
    inv = p("--c x sts get-caller-identity")  # --color, --ca-bundle, --cli-...
    assert inv.cli_error


def test_version_wins_where_argparse_reaches_it():
    assert p("--version s3 rb s3://b").is_version
    assert not p("--version s3 rb s3://b").calls_aws
    assert p("s3 ls --vers").is_version


def test_v2_globals():
    inv = p("--no-cli-p --cli-binary-format raw-in-base64-out sts get-caller-identity", major=2)
    assert (
        "--no-cli-pager" in inv.flags and inv.globals["--cli-binary-format"] == "raw-in-base64-out"
    )
    assert p("--cli-binary-format raw-in-base64-out sts get-caller-identity").cli_error  # not in v1


def test_auto_prompt_is_not_certain():
    assert p("--cli-auto-prompt s3 ls", major=2).problem
    assert p("s3 ls", major=2, environ={**NOHOME, "AWS_CLI_AUTO_PROMPT": "on"}).problem


# --- operation options -------------------------------------------------------------------


def test_operation_options_canonical():
    inv = p("ec2 terminate-instances --inst i-1 --dry-run --no-dry")
    assert inv.args == ("--instance-ids", "i-1", "--dry-run", "--no-dry-run")
    assert inv.has_arg("--no-dry-run") and inv.arg_value("--instance-ids") == "i-1"
    assert inv.params == {"InstanceIds": ["i-1"], "DryRun": False}
    assert inv.api_operation == "TerminateInstances"


def test_the_last_of_a_boolean_pair_wins():
    # argparse stores into one dest; found by the differential test (v2, seed 215)
    assert (
        p("ec2 terminate-instances --insta=i-1 --no-dry-run --dry-run --no-dry").params["DryRun"]
        is False
    )
    assert (
        p("ec2 terminate-instances --instance-ids i-1 --no-dry-run --dry-run").params["DryRun"]
        is True
    )


def test_equals_form_keeps_the_value_with_the_full_name():
    inv = p("ec2 modify-image-attribute --image-id=ami-1 --attr=launchPermission --op=add")
    assert "--attribute=launchPermission" in inv.args and "--operation-type=add" in inv.args
    assert inv.params["Attribute"] == "launchPermission"


def test_value_starting_with_dash_is_an_error_unless_a_number():
    assert p("ec2 terminate-instances --instance-ids -x").cli_error
    inv = p("ec2 terminate-instances --instance-ids -1")
    assert inv.params["InstanceIds"] == ["-1"] and not inv.cli_error


def test_unknown_option_is_the_clis_error_and_unsure_for_another_version():
    assert p("s3api list-buckets --nope").cli_error
    assert p("s3api list-buckets --nope").problem is None
    newer = p("s3api list-buckets --nope", version="1.99.0")
    assert newer.cli_error and "tables" in newer.problem and newer.calls_aws


def test_abbreviation_with_tables_of_another_version_is_unsure():
    assert p("--p prod s3 rb s3://b --force", version="1.99.0").problem
    assert p("--profile prod s3 rb s3://b --force", version="1.99.0").problem is None
    assert p("--p prod s3 rb s3://b --fo").problem is None  # the tables' own version


def test_unknown_operation_is_named_for_the_risk_stage():
    inv = p("ec2 delete-shiny-new-thing --id 1", version=None)
    assert (inv.service, inv.operation) == ("ec2", "delete-shiny-new-thing")
    assert inv.problem and inv.calls_aws


def test_append_options_keep_every_occurrence():
    inv = p("s3 sync d s3://b --exclude a --include b --exclude c")
    assert inv.options["--exclude"] == ("a", "c")


def test_double_dash_is_not_mirrored():
    assert p("s3 rm -- s3://b/k").problem


# --- help where the CLI sees it --------------------------------------------------------------


@pytest.mark.parametrize(
    "line, is_help",
    [
        ("help", True),
        ("s3 help", True),
        ("ec2 help", True),
        ("ec2 describe-instances help", True),
        ("ec2 describe-instances --dry-run help", True),
        ("ec2 describe-instances --instance-ids i-1 help", False),  # a second instance id
        ("s3 ls help", True),
        ("s3 sync help s3://b --delete", False),  # `help` is a local folder
        ("s3 mv help s3://b/k", False),
        ("s3 ls s3://b help", False),  # Unknown options: help
    ],
)
def test_help_only_where_the_cli_recognises_it(line: str, is_help: bool):
    assert p(line).is_help is is_help


def test_help_as_a_path_still_calls_aws():
    inv = p("s3 sync help s3://b --delete")
    assert inv.calls_aws and inv.positionals == ("help", "s3://b") and "--delete" in inv.options


# --- aliases ---------------------------------------------------------------------------------


ALIASES = {
    "wipe": "s3 rb s3://b --force",
    "nuke": "s3 rb --force",
    "chain": "wipe",
    "loopa": "loopb",
    "loopb": "loopa",
    "s3": "s3 --region eu-west-1",
    "shell": "!aws s3 rb s3://b --force",
    "bad": "--profile prod s3 ls",
}


def test_toplevel_alias_expands_in_place():
    inv = p("--p prod nuke s3://x", aliases=ALIASES)
    assert (inv.service, inv.operation, inv.alias) == ("s3", "rb", "nuke")
    assert inv.options == {"--force": ()} and inv.positionals == ("s3://x",)
    assert inv.words == ("--p", "prod", "s3", "--region", "eu-west-1", "rb", "--force", "s3://x")
    assert inv.profile == "prod" and inv.region == "eu-west-1"
    assert inv.argv_without("<global:--profile>") == ["nuke", "s3://x"]


def test_alias_chain_and_shadowing():
    inv = p("chain", aliases=ALIASES)
    assert (inv.service, inv.operation) == ("s3", "rb") and "--force" in inv.options


def test_alias_loop_is_an_error_awsguard_is_unsure_of():
    inv = p("loopa", aliases=ALIASES)
    assert inv.cli_error and "loops" in inv.problem


def test_shell_alias_is_unknown():
    inv = p("shell", aliases=ALIASES)
    assert inv.shell_alias and inv.problem and inv.calls_aws


def test_profile_in_an_alias_is_the_clis_error():
    assert p("bad", aliases=ALIASES).cli_error


def test_alias_file_from_home(tmp_path: Path):
    (tmp_path / ".aws" / "cli").mkdir(parents=True)
    (tmp_path / ".aws" / "cli" / "alias").write_text("[toplevel]\nWipe = s3 rb s3://b\n  --force\n")
    inv = p("wipe", environ={"HOME": str(tmp_path)})  # configparser lowercases names
    assert (inv.service, inv.operation) == ("s3", "rb") and "--force" in inv.options


@pytest.mark.parametrize(
    "text",
    [
        "[toplevel]\nwipe = s3 rb s3://b --force\n# c\n; c\n\n[command ec2]\nx = y\n",
        "[toplevel]\nA = s3 ls # not a comment\nb=  s3  ls  \n",
        "[toplevel]\nwipe = s3 rb\n  --force\n",  # continuation: configparser's own reading
        "[toplevel]\nw: s3 ls\n",
        "[toplevel]\nw = a\nw = b\n",  # duplicate: configparser's error
        "[DEFAULT]\nw = s3 ls\n[toplevel]\n",
    ],
)
def test_plain_alias_files_read_as_configparser_reads_them(text: str):
    import configparser

    from awsguard.invocation import _plain_ini

    plain = _plain_ini(text)
    cp = configparser.RawConfigParser()
    try:
        cp.read_string(text)
    except configparser.Error:
        assert plain is None
        return
    expected = {s: {k: cp.get(s, k).strip() for k in cp.options(s)} for s in cp.sections()}
    assert plain is None or plain == expected


# v2's `[command <lineage>]` aliases (awscli/alias.py AliasSubCommandInjector): injected
# into that command's table; the alias's words, less its global options, go before the
# rest; named like a built-in, it proxies to the built-in without its first word.
SUB_ALIASES = """[toplevel]
myec2 = ec2

[command s3]
zap = rm --recursive
rm = rm --recursive
syncd = --region eu-west-1 sync --delete
dbg = --debug ls
prof = --p prod ls
x = !rm -rf /
loop1 = loop2
loop2 = loop1
empty =

[command ec2]
tid = terminate-instances --instance-ids
describe-instances = x --dry-run
help = terminate-instances

[command  ec2  wait]
it = instance-terminated

[command ec2 describe-images]
mine = --owners self
"""


@pytest.fixture
def sub_home(tmp_path: Path) -> dict[str, str]:
    (tmp_path / ".aws" / "cli").mkdir(parents=True)
    (tmp_path / ".aws" / "cli" / "alias").write_text(SUB_ALIASES)
    return {"HOME": str(tmp_path)}


def test_v2_subcommand_alias_is_what_the_cli_runs(sub_home):
    # `zap` -> `rm --recursive`, and `rm` is itself an alias proxying to the built-in rm
    inv = p("s3 zap s3://b/", major=2, environ=sub_home)
    assert (inv.service, inv.operation, inv.alias) == ("s3", "rm", "zap")
    assert inv.options == {"--recursive": ()} and inv.positionals == ("s3://b/",)
    assert inv.words == ("s3", "rm", "--recursive", "--recursive", "s3://b/")
    assert inv.problem is None and not inv.cli_error


def test_v2_subcommand_alias_delete_is_classified_as_the_delete(sub_home):
    from awsguard.risk import Risk, classify

    result = classify(p("s3 zap s3://b/", major=2, environ=sub_home))
    assert (result.risk, result.operation) == (Risk.DESTRUCTIVE, "s3 rm")


def test_v1_has_no_subcommand_aliases(sub_home):
    inv = p("s3 zap s3://b/", major=1, environ=sub_home)
    assert inv.cli_error and inv.operation == "zap"
    assert p("s3 rm s3://b/k", major=1, environ=sub_home).options == {}


def test_v2_subcommand_alias_of_a_service_with_its_globals(sub_home):
    inv = p("ec2 tid i-1", major=2, environ=sub_home)
    assert (inv.operation, inv.api_operation) == ("terminate-instances", "TerminateInstances")
    assert inv.params == {"InstanceIds": ["i-1"]}
    inv = p("s3 syncd d s3://b", major=2, environ=sub_home)
    assert (inv.operation, inv.region) == ("sync", "eu-west-1") and "--delete" in inv.options
    inv = p("myec2 tid i-1", major=2, environ=sub_home)  # reached through a toplevel alias
    assert inv.api_operation == "TerminateInstances"


def test_v2_alias_named_like_a_builtin_drops_its_first_word(sub_home):
    inv = p("ec2 describe-instances", major=2, environ=sub_home)
    assert inv.api_operation == "DescribeInstances" and inv.params == {"DryRun": True}


def test_v2_alias_named_help_is_replaced_by_help(sub_home):
    assert p("ec2 help", major=2, environ=sub_home).is_help


def test_v2_aliases_of_nested_commands_and_operations(sub_home):
    inv = p("ec2 wait it --instance-ids i-1", major=2, environ=sub_home)
    assert inv.positionals == ("instance-terminated",)
    inv = p("ec2 describe-images mine", major=2, environ=sub_home)
    assert inv.params == {"Owners": ["self"]}
    # with a subcommand table, a positional word must be one of its names
    assert p("ec2 describe-images --dry-run help", major=2, environ=sub_home).cli_error


@pytest.mark.parametrize("line", ["s3 dbg", "s3 prof"])
def test_v2_debug_or_profile_in_a_subcommand_alias_is_the_clis_error(sub_home, line):
    assert p(line, major=2, environ=sub_home).cli_error


def test_v2_subcommand_alias_loop_and_shell_alias(sub_home):
    inv = p("s3 loop1", major=2, environ=sub_home)
    assert inv.cli_error and "loops" in inv.problem
    inv = p("s3 x", major=2, environ=sub_home)
    assert inv.shell_alias and inv.problem


def test_v2_empty_subcommand_alias_passes_the_words_on(sub_home):
    inv = p("s3 empty rm s3://b/k", major=2, environ=sub_home)
    assert inv.operation == "rm" and "--recursive" in inv.options


def test_unreadable_alias_file_is_a_problem(tmp_path: Path):
    (tmp_path / ".aws" / "cli" / "alias").mkdir(parents=True)
    assert p("s3 ls", environ={"HOME": str(tmp_path)}).problem


# --- parameters ---------------------------------------------------------------------------------


def test_cli_input_json_merged_under_explicit_options(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("in.json").write_text(
        '{"ImageId": "ami-1", "LaunchPermission": {"Add": [{"Group": "all"}]}}'
    )
    inv = p("ec2 modify-image-attribute --cli-input-json file://in.json --image-id ami-2")
    assert inv.params == {"ImageId": "ami-2", "LaunchPermission": {"Add": [{"Group": "all"}]}}
    # the required-argument check is lifted only for the exact spelling
    assert p("ec2 modify-image-attribute --cli-input-j file://in.json").cli_error
    assert (
        p("ec2 modify-image-attribute --cli-input-json file://in.json").params["ImageId"] == "ami-1"
    )
    assert inv.owners[2:4] == ("--cli-input-json", "--cli-input-json")


def test_unreadable_input_json_makes_every_parameter_unknown(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inv = p("ec2 modify-image-attribute --image-id a --cli-input-json file://missing.json")
    assert inv.problem and inv.param("LaunchPermission") is UNPARSED and inv.param("ImageId") == "a"
    inv = p("ec2 modify-image-attribute --image-id a --cli-input-yaml x", major=2)
    assert inv.problem and inv.param("Attribute") is UNPARSED


def test_unreadable_or_special_files_are_unparsed(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inv = p("ec2 run-instances --image-id x --user-data file://missing")
    assert inv.params["UserData"] is UNPARSED and "missing" in inv.problem
    os.mkfifo("pipe")
    inv = p("ec2 run-instances --image-id x --user-data file://pipe")
    assert inv.params["UserData"] is UNPARSED and "regular" in inv.problem


def test_v1_url_values_are_unknown_and_exempt_ones_are_not():
    assert p("ssm put-parameter --name n --value https://e.example").params["Value"] is UNPARSED
    inv = p("cloudformation create-stack --stack-name s --template-url https://e.example/t")
    assert inv.params["TemplateURL"] == "https://e.example/t" and inv.problem is None
    assert p("ssm put-parameter --name n --value https://e.example", major=2).params["Value"] == (
        "https://e.example"
    )


def test_shorthand_json_numbers_and_lists():
    inv = p(
        "ec2 authorize-security-group-ingress --group-id sg-1 --ip-permissions "
        "IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]"
    )
    assert inv.params["IpPermissions"] == [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ]
    assert p("ecs update-service --service s --desired-count 0").params["desiredCount"] == 0
    filters = p("ec2 describe-instances --filters Name=a,Values=b").params["Filters"]
    assert filters == [{"Name": "a", "Values": ["b"]}]
    batch = '{"Changes":[{"Action":"DELETE"}]}'
    inv = p(
        ["route53", "change-resource-record-sets", "--hosted-zone-id", "Z", "--change-batch", batch]
    )
    assert inv.params["ChangeBatch"] == {"Changes": [{"Action": "DELETE"}]}
    assert (
        p("rds modify-db-instance --db-instance-identifier d --no-deletion-p").params[
            "DeletionProtection"
        ]
        is False
    )


def test_bad_json_is_unparsed():
    inv = p(
        ["route53", "change-resource-record-sets", "--hosted-zone-id", "Z", "--change-batch", "{x"]
    )
    assert inv.params["ChangeBatch"] is UNPARSED and inv.problem


def test_shorthand_parser():
    assert shorthand("a=b,c=d") == {"a": "b", "c": "d"}
    assert shorthand("a=b,c,d=e") == {"a": ["b", "c"], "d": "e"}
    assert shorthand("a=[x,y],m={k=v}") == {"a": ["x", "y"], "m": {"k": "v"}}
    assert shorthand('a=\'x,y\',b="q\\"r"') == {"a": "x,y", "b": 'q"r'}
    assert shorthand(r"a=x\,y") == {"a": "x,y"}
    with pytest.raises(ParamProblem):
        shorthand("a=b,a=c")
    with pytest.raises(ParamProblem):
        shorthand("a=[x")


# --- owners, for redaction -----------------------------------------------------------------------


def test_owners_name_the_option_however_spelled():
    inv = p("iam change-password --old-pass s3cret --new-password=n3w --p prod")
    assert inv.owners == (
        None,
        None,
        "--old-password",
        "--old-password",
        "--new-password",
        "<global:--profile>",
        "<global:--profile>",
    )


def test_never_raises_on_odd_input():
    for argv in (["\x00"], ["s3api", "../../etc"], ["-"], [""], ["--"], ["s3", "cp", "-", "-"]):
        inv = p(argv)
        assert inv.argv == tuple(argv)


def test_aliases_come_from_the_home_the_cli_would_use(tmp_path, monkeypatch):
    # The CLI finds ~/.aws/cli/alias through os.path.expanduser: HOME when set, else the
    # password database. Without HOME, awsguard must still see the alias.
    import pwd

    from awsguard.invocation import _cli_home

    assert _cli_home({"HOME": str(tmp_path) + "/"}) == str(tmp_path)
    assert _cli_home({"HOME": ""}) == ""
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: type("E", (), {"pw_dir": str(tmp_path)}))
    assert _cli_home({}) == str(tmp_path)
    (tmp_path / ".aws" / "cli").mkdir(parents=True)
    (tmp_path / ".aws" / "cli" / "alias").write_text("[toplevel]\nwipe = s3 rb s3://b --force\n")
    inv = parse(["wipe"], major=1, environ={})
    assert (inv.service, inv.operation) == ("s3", "rb")
