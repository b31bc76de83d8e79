"""confirm.check: the decision, the identity, approval without a terminal, the prompt flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from awsguard import confirm, identity, tty
from awsguard.invocation import parse
from awsguard.risk import classify
from awsguard.rules import parse_config

KEY = "AKIAIOSFODNN7EXAMPLE"
ARN = "arn:aws:iam::123456789012:user/alice"


class Res:
    profile = "default"
    source = "env"
    access_key_id = "AKIA…MPLE"
    raw_access_key_id = KEY
    region = "eu-west-1"
    expires_at = None
    cli_major = 1


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    env = {
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": "not-a-real-secret",
    }
    seed = identity.Identity(
        account="123456789012",
        arn=ARN,
        user_id="AIDAEXAMPLE",
        alias="acme-prod",
        fetched_at=identity._now().isoformat(timespec="seconds"),
    )
    identity.write_cached(KEY, seed, env)
    return env


@pytest.fixture
def no_sts(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args):
        raise AssertionError("STS must not be called")

    monkeypatch.setattr(identity, "fetch_with_botocore", refuse)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch):
    """A terminal that answers from a script; records what was shown."""
    shown: list[str] = []
    answers: list[str] = []

    def ask_line(text: str) -> str:
        shown.append(text)
        if not answers:
            raise AssertionError(f"unexpected question: {text}")
        answer = answers.pop(0)
        if answer == "^C":
            raise tty.PromptAborted("the question was cancelled (Ctrl-C).")
        return answer

    from awsguard import confirm_tty

    monkeypatch.setattr(tty, "has_terminal", lambda: True)
    monkeypatch.setattr(confirm_tty, "ask_line", ask_line)
    return shown, answers


@pytest.fixture
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tty, "has_terminal", lambda: False)


def run_check(environ, *argv: str, config_text: str = "", child_argv=None):
    invocation = parse(list(argv))
    config = parse_config(config_text, Path("/nonexistent/config.toml"))
    return confirm.check(
        invocation, classify(invocation), Res(), config, environ, "/usr/bin/aws", child_argv
    )


def test_reads_pass_without_asking_anyone(environ, no_sts, no_terminal, capsys) -> None:
    outcome = run_check(environ, "s3", "ls")
    assert outcome.decision == "pass" and outcome.level == "never"
    assert outcome.identity is None
    assert capsys.readouterr().err == ""


def test_help_and_version_pass_before_any_rule(environ, no_sts, no_terminal) -> None:
    assert run_check(environ, "s3", "rb", "help").decision == "pass"
    assert run_check(environ, "--version").decision == "pass"


def test_prompt_shows_command_risk_account_arn_region_and_source(environ, no_sts, terminal) -> None:
    shown, answers = terminal
    answers.append("y")
    outcome = run_check(environ, "s3", "rb", "s3://my-bucket")
    assert outcome.decision == "approved" and outcome.level == "confirm"
    text = shown[0]
    for expected in (
        "aws s3 rb s3://my-bucket",
        "destructive",
        "123456789012 (acme-prod)",
        ARN,
        "eu-west-1",
        "env (AKIA…MPLE)",
        "[y/N]",
    ):
        assert expected in text
    assert "not-a-real-secret" not in text and KEY not in text


@pytest.mark.parametrize("answer", ["n", "no", ""])
def test_no_or_empty_answer_refuses(environ, no_sts, terminal, answer: str) -> None:
    terminal[1].append(answer)
    outcome = run_check(environ, "iam", "delete-user", "--user-name", "bob")
    assert outcome.decision == "refused" and outcome.exit_code == 77
    assert "answered no" in outcome.message


def test_ctrl_c_aborts(environ, no_sts, terminal) -> None:
    terminal[1].append("^C")
    outcome = run_check(environ, "s3api", "put-bucket-policy", "--bucket", "b", "--policy", "{}")
    assert outcome.decision == "aborted" and outcome.exit_code == 77


def test_other_answers_are_asked_again(environ, no_sts, terminal) -> None:
    shown, answers = terminal
    answers += ["maybe", "yes"]
    assert run_check(environ, "s3", "rb", "s3://b").decision == "approved"
    assert "please answer y or n" in shown[1]


def test_type_accepts_only_the_account_name_and_asks_again(environ, no_sts, terminal) -> None:
    shown, answers = terminal
    answers += ["acme-prod", "prod"]
    config = '[accounts."123456789012"]\nname = "prod"\nprotected = true\n'
    outcome = run_check(environ, "s3", "rb", "s3://b", config_text=config)
    assert outcome.level == "type" and outcome.decision == "approved"
    assert "Type the account name prod" in shown[0]
    assert "that is not prod" in shown[1]


def test_type_gives_up_after_repeated_wrong_names(environ, no_sts, terminal) -> None:
    terminal[1].extend(["wrong"] * confirm.MAX_ATTEMPTS)
    config = '[accounts."123456789012"]\nname = "prod"\nprotected = true\n'
    outcome = run_check(environ, "s3", "rb", "s3://b", config_text=config)
    assert outcome.decision == "refused"


def test_type_asks_for_the_id_when_the_account_has_no_name(environ, terminal, no_sts) -> None:
    identity.write_cached(
        KEY,
        identity.Identity("123456789012", ARN, "AIDA", None, identity._now().isoformat()),
        environ,
    )
    terminal[1].append("123456789012")
    outcome = run_check(environ, "s3", "rb", "s3://b", config_text='[risk]\ndestructive="type"\n')
    assert outcome.decision == "approved"


def test_deny_refuses_without_a_question(environ, terminal) -> None:
    outcome = run_check(
        environ, "s3", "rb", "s3://b", config_text='[[rules]]\ncommand="s3 rb"\nconfirm="deny"\n'
    )
    assert outcome.decision == "refused" and "denied by [[rules]] #1" in outcome.message
    assert terminal[0] == []


def test_without_a_terminal_refuses_and_says_how_to_approve(environ, no_sts, no_terminal) -> None:
    outcome = run_check(environ, "ec2", "terminate-instances", "--instance-ids", "i-1")
    assert outcome.decision == "refused" and outcome.exit_code == 77
    assert "no terminal" in outcome.message
    assert "AWSGUARD_APPROVE=123456789012" in outcome.message


@pytest.mark.parametrize("value", ["123456789012", "acme-prod", "prod"])
def test_approve_variable_names_the_account(environ, no_sts, no_terminal, value: str) -> None:
    environ["AWSGUARD_APPROVE"] = value
    config = '[accounts."123456789012"]\nname = "prod"\n'
    assert run_check(environ, "s3", "rb", "s3://b", config_text=config).decision == "approved"


@pytest.mark.parametrize("value", ["yes", "1", "true", "*", "999999999999"])
def test_blanket_or_wrong_approval_is_refused(environ, no_sts, no_terminal, value: str) -> None:
    environ["AWSGUARD_APPROVE"] = value
    outcome = run_check(environ, "s3", "rb", "s3://b")
    assert outcome.decision == "refused"
    assert "does not name the account" in outcome.message


def test_ci_never_prompts_even_with_a_terminal(environ, no_sts, terminal, capsys) -> None:
    environ["CI"] = "true"
    outcome = run_check(environ, "s3", "rb", "s3://b")
    assert outcome.decision == "refused" and "CI is set" in outcome.message
    assert terminal[0] == []


def test_ci_prints_who_runs_every_aws_call(environ, no_sts, no_terminal, capsys) -> None:
    environ["CI"] = "true"
    outcome = run_check(environ, "s3", "ls")
    assert outcome.decision == "pass"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert ARN in err[0] and "123456789012" in err[0] and "eu-west-1" in err[0]


def test_unknown_identity_refuses_with_why_and_what_to_run(environ, monkeypatch, terminal):
    def offline(*_args):
        raise identity.IdentityUnknown("could not reach STS. Check the network, then try again.")

    environ["AWS_ACCESS_KEY_ID"] = "AKIAOTHERKEY00000000"
    monkeypatch.setattr(identity, "fetch_with_botocore", offline)
    outcome = run_check(environ, "s3", "rb", "s3://b")
    assert outcome.decision == "refused"
    assert "could not reach STS" in outcome.message and "Check the network" in outcome.message
    assert terminal[0] == []


def test_unknown_identity_does_not_stop_a_read_in_ci(environ, monkeypatch, capsys) -> None:
    def offline(*_args):
        raise identity.IdentityUnknown("no network.")

    environ.update({"CI": "1", "AWS_ACCESS_KEY_ID": "AKIAOTHERKEY00000000"})
    monkeypatch.setattr(identity, "fetch_with_botocore", offline)
    assert run_check(environ, "s3", "ls").decision == "pass"
    assert "identity unknown" in capsys.readouterr().err


def test_broken_config_refuses_guarded_and_warns_on_reads(environ, no_sts, terminal, capsys):
    outcome = run_check(environ, "s3", "rb", "s3://b", config_text="[risk\n")
    assert outcome.decision == "refused" and "not valid TOML" in outcome.message
    assert terminal[0] == []
    outcome = run_check(environ, "s3", "ls", config_text="[risk\n")
    assert outcome.decision == "pass"
    assert "not valid TOML" in capsys.readouterr().err


def test_child_argv_decides_the_profile_used_for_sts(environ, monkeypatch, no_terminal) -> None:
    seen = []

    def fetch(invocation, _resolution, env, _cached_for):
        seen.append(invocation.profile)
        raise identity.IdentityUnknown("stop here.")

    environ["AWS_ACCESS_KEY_ID"] = "AKIAOTHERKEY00000000"
    monkeypatch.setattr(identity, "fetch_with_botocore", fetch)
    run_check(environ, "--profile", "prod", "s3", "rb", "s3://b", child_argv=["s3", "rb", "s3://b"])
    assert seen == [None]


def test_refusal_keeps_the_capitals_of_an_acronym_after_but():
    from awsguard.confirm import _lower_first_word

    assert _lower_first_word("STS did not answer in time") == "STS did not answer in time"
    assert _lower_first_word("The identity is unknown") == "the identity is unknown"
