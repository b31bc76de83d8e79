"""Confirm the identity before a command that needs it: decide, find out who, ask.

`check()` is what the shim calls for every invocation, after classify and resolve:

  1. rules.Config.plan -> never | confirm | type | deny (and why);
  2. when a confirmation is needed (or CI is set), who the command will run as
     (identity.identify: cached per access key, else STS through botocore);
  3. on a terminal, a prompt on /dev/tty; without one (or in CI), approval only
     through AWSGUARD_APPROVE=<the account id or name the command acts on>.

It returns an Outcome; the shim prints `message` when the decision is `refused` or
`aborted` and exits 77 without running the real CLI, then calls
`audit.record(outcome, invocation, exit_status)`.
"""

from __future__ import annotations

from .envfacts import in_ci
from .errors import EXIT_REFUSED

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

MAX_ATTEMPTS = 5
APPROVE_VAR = "AWSGUARD_APPROVE"
# How long a read in CI (or without a terminal) waits for STS to say who it runs as.
READ_IDENTITY_DEADLINE = 1.5
# How long a command that needs the identity (a confirmation, an account rule) waits
# before it is refused: botocore alone would take ~30 s (timeouts and retries) against
# an endpoint that accepts the connection and never answers.
GUARDED_IDENTITY_DEADLINE = 10.0
GUARDED_IDENTITY_VAR = "AWSGUARD_GUARDED_IDENTITY_TIMEOUT"


class Outcome:
    """What check() decided. A plain class: the shim imports this on every call."""

    def __init__(
        self,
        decision: str,  # pass | approved | refused | aborted
        level: str = "never",  # never | confirm | type | deny
        message: str = "",  # for stderr when refused or aborted
        identity: dict[str, Any] | None = None,  # account, arn, alias, name, region, ...
        risk: str | None = None,
        operation: str | None = None,
        action: str | None = None,
        because: str = "",
    ) -> None:
        self.decision = decision
        self.level = level
        self.message = message
        self.identity = identity
        self.risk = risk
        self.operation = operation
        self.action = action
        self.because = because
        self.ci_line: str | None = None  # already printed to stderr by check()
        self.warnings: list[str] = []  # already printed to stderr

    def __repr__(self) -> str:
        return f"Outcome({self.decision!r}, level={self.level!r}, because={self.because!r})"

    @property
    def runs(self) -> bool:
        return self.decision in ("pass", "approved")

    @property
    def exit_code(self) -> int | None:
        return None if self.runs else EXIT_REFUSED


def _stderr(line: str) -> None:
    from .redact import say_escaped  # names, ARNs and argv come from outside: one line each

    say_escaped(line)


def _risk_name(classification: Any) -> str:
    risk = getattr(classification, "risk", None)
    return str(getattr(risk, "value", risk))


def command_text(invocation: Any, limit: int = 160) -> str:
    """The command, secrets redacted, shell-quoted and escaped (redact.command_text)."""
    from .redact import command_text as text

    return text(invocation, limit)


def check(
    invocation: Any,
    classification: Any,
    resolution: Any,
    config: Any,
    environ: Mapping[str, str],
    real_cli: str | None = None,
    child_argv: list[str] | None = None,
) -> Outcome:
    """Decide whether this invocation may run. Never raises for awsguard's own failures.

    `environ` is the child's environment; `child_argv`, when the shim changed the argv
    (its MFA feature moves --profile into AWS_PROFILE), is what the real CLI will get:
    the identity is asked for with exactly those.
    """
    outcome = Outcome(
        decision="pass",
        risk=_risk_name(classification),
        operation=getattr(classification, "operation", None),
        action=getattr(classification, "action", None),
    )
    if not getattr(invocation, "calls_aws", True):
        outcome.because = "no AWS call"
        return outcome
    ci = in_ci(environ)

    error = getattr(config, "error", None)
    decision = config.plan(classification, resolution, None, invocation)
    if error is not None and decision.level == "never":
        outcome.warnings.append(
            f"awsguard: warning: awsguard's config file is broken: "
            f"{getattr(error, 'sentence', error)} This {outcome.risk} command runs anyway; "
            "commands that need a confirmation are refused until it is fixed."
        )
        _stderr(outcome.warnings[-1])

    want_identity = decision.level not in ("never", "deny") or decision.identity_needed or ci
    who = None
    unknown = ""
    if want_identity and (error is None or ci):
        quick = outcome.risk == "read" and decision.level == "never"
        from . import identity as identity_mod

        try:
            acting = invocation
            if child_argv is not None:
                from .invocation import parse

                acting = parse(child_argv, major=getattr(invocation, "major", 1), environ=environ)
            # A read never waits on awsguard: in CI or without a terminal, STS gets a
            # short deadline, and an answer that does not come leaves the read unguarded.
            # Anything else gets a longer one, and is refused when it passes.
            deadline = _read_deadline(environ, ci) if quick else guarded_identity_deadline(environ)
            who = identity_mod.identify(acting, resolution, environ, deadline=deadline)
        except identity_mod.IdentityTimeout as err:
            unknown = str(err) if quick else (
                f"the identity could not be confirmed in time: {err} "
                f"{GUARDED_IDENTITY_VAR}=SECONDS waits longer."
            )
        except identity_mod.IdentityUnknown as err:
            unknown = str(err)
    if who is not None:
        outcome.identity = _identity_dict(who, invocation, resolution, config)
        decision = config.plan(classification, resolution, outcome.identity, invocation)
    outcome.level, outcome.because = decision.level, decision.because

    if ci:
        outcome.ci_line = _ci_line(outcome.identity, unknown, invocation, resolution)
        _stderr(outcome.ci_line)

    if decision.level == "never":
        return outcome
    what = _what(invocation, outcome)
    if decision.level == "deny" and error is not None:
        return _refuse(
            outcome,
            f"refused: {what} and needs a confirmation, but awsguard's config file is "
            f"broken: {getattr(error, 'sentence', error)} The real CLI did not run. "
            f"{getattr(error, 'REMEDY', '')}".rstrip(),
        )
    if decision.level == "deny":
        return _refuse(
            outcome,
            f"refused: {what}: denied by {decision.because}. "
            "The real CLI did not run. To allow it, change that rule (`awsguard config` "
            "lists the rules and where each is written).",
        )
    if outcome.identity is None:
        return _refuse(
            outcome,
            f"refused: {what} and needs a confirmation ({decision.because}), "
            f"but {_lower_first_word(unknown)}",
        )
    from . import tty  # only now: a prompt may be needed

    if ci or not tty.has_terminal():
        return _approve_from_env(outcome, environ, what, ci, config)
    return _prompt(outcome, invocation, resolution, what)


def _identity_dict(who: Any, invocation: Any, resolution: Any, config: Any) -> dict[str, Any]:
    return {
        "account": who.account,
        "arn": who.arn,
        "user_id": who.user_id,
        "alias": who.alias,
        "name": config.account_name(who.account),
        "region": getattr(invocation, "region", None) or getattr(resolution, "region", None),
        "profile": getattr(resolution, "profile", None),
        "source": getattr(resolution, "source", None),
        "cached": who.cached,
    }


def account_label(identity: Mapping[str, Any]) -> str:
    """`123456789012 (prod)`: the id with its configured name or IAM alias."""
    names = [n for n in (identity.get("name"), identity.get("alias")) if n]
    names = list(dict.fromkeys(names))
    return f"{identity['account']} ({', '.join(names)})" if names else str(identity["account"])


def expected_name(identity: Mapping[str, Any]) -> str:
    """What `type` asks for: the account's configured name, else its alias, else the id."""
    return str(identity.get("name") or identity.get("alias") or identity["account"])


def _what(invocation: Any, outcome: Outcome) -> str:
    return f"`{command_text(invocation)}` is {outcome.risk}"


def _lower_first_word(text: str) -> str:
    """`The identity…` reads on after "but"; `STS …` and `AWS …` keep their capitals."""
    word = text.split(" ", 1)[0]
    if word[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def _refuse(outcome: Outcome, message: str, decision: str = "refused") -> Outcome:
    outcome.decision = decision
    outcome.message = message
    return outcome


def _ci_line(
    identity: Mapping[str, Any] | None, unknown: str, invocation: Any, resolution: Any
) -> str:
    if identity is None:
        region = getattr(invocation, "region", None) or getattr(resolution, "region", None)
        return f"awsguard: CI: identity unknown (region {region or 'not set'}): {unknown}"
    return (
        f"awsguard: CI: running as {identity['arn']} "
        f"(account {account_label(identity)}, region {identity.get('region') or 'not set'})"
    )


def _read_deadline(environ: Mapping[str, str], ci: bool) -> float | None:
    """Seconds STS may take to say who a read runs as (None: the usual timeouts)."""
    if not ci:
        from . import tty

        if tty.has_terminal():
            return None
    try:
        return max(0.1, float(environ.get("AWSGUARD_READ_IDENTITY_TIMEOUT", "")))
    except ValueError:
        return READ_IDENTITY_DEADLINE


def guarded_identity_deadline(environ: Mapping[str, str]) -> float:
    """Seconds STS may take to say who a guarded command runs as before it is refused."""
    try:
        return max(0.1, float(environ.get(GUARDED_IDENTITY_VAR, "")))
    except ValueError:
        return GUARDED_IDENTITY_DEADLINE


def approval_names(identity: Mapping[str, Any], config: Any = None) -> set[str]:
    """What AWSGUARD_APPROVE may say for this account: its id, and its configured name
    or IAM alias only while that name points at this account alone (a name two
    accounts share, or an alias that is another account's configured name, approves
    nothing)."""
    account = str(identity.get("account") or "")
    accepted = {account} if account else set()
    named = getattr(config, "accounts_named", None)
    for name in (identity.get("name"), identity.get("alias")):
        if not name:
            continue
        owners = set(named(str(name))) if named else set()
        if owners <= {account}:
            accepted.add(str(name))
    return accepted


def _approve_from_env(
    outcome: Outcome, environ: Mapping[str, str], what: str, ci: bool, config: Any = None
) -> Outcome:
    identity = outcome.identity or {}
    accepted = approval_names(identity, config)
    given = environ.get(APPROVE_VAR, "").strip()
    where = "CI is set" if ci else "there is no terminal to ask on"
    label = account_label(identity)
    if given and given in accepted:
        outcome.decision = "approved"
        _stderr(
            f"awsguard: approved by {APPROVE_VAR}={given}: {what}, running as "
            f"{identity.get('arn')} (account {label}, region {identity.get('region') or 'not set'})"
        )
        return outcome
    if given:
        reason = (
            f"{APPROVE_VAR}={given!r} does not name the account this command acts on "
            f"({label}) alone; it must equal the account id, or a name only this "
            "account has"
        )
    else:
        reason = where
    return _refuse(
        outcome,
        f"refused: {what} and needs a confirmation ({outcome.because}), but "
        f"{reason}. It would run as {identity.get('arn')} in account {label}, region "
        f"{identity.get('region') or 'not set'}. To approve it without a prompt, set "
        f"{APPROVE_VAR}={identity.get('account')} for this command.",
    )


def panel(outcome: Outcome, invocation: Any, resolution: Any) -> str:
    """What the prompt shows before the question."""
    identity = outcome.identity or {}
    source = getattr(resolution, "source", None) or "unknown"
    key = getattr(resolution, "access_key_id", None)
    profile = getattr(resolution, "profile", None)
    credentials = (
        source + (f" ({key})" if key else "") + (f", profile {profile}" if profile else "")
    )
    reason = ""
    if getattr(outcome, "operation", None):
        reason = f" ({outcome.operation})"
    rows = [
        ("command", command_text(invocation)),
        ("risk", f"{outcome.risk}{reason}"),
        ("account", account_label(identity)),
        ("identity", str(identity.get("arn"))),
        ("region", str(identity.get("region") or "not set")),
        ("credentials", credentials),
        ("rule", f"{outcome.level}: {outcome.because}"),
    ]
    from .redact import escape  # each row stays one row, whatever the values hold

    body = "\n".join(f"  {name:<12} {escape(value)}" for name, value in rows)
    return f"awsguard: this command needs a confirmation\n{body}\n"


def _prompt(outcome: Outcome, invocation: Any, resolution: Any, what: str) -> Outcome:
    from . import confirm_tty, tty

    text = panel(outcome, invocation, resolution)
    identity = outcome.identity or {}
    try:
        if outcome.level == "type":
            expected = expected_name(identity)
            from .redact import escape

            question = f"Type the account name {escape(expected)} to run it (Ctrl-C to cancel): "
            answer = confirm_tty.ask_line(text + question)
            for _ in range(MAX_ATTEMPTS - 1):
                if answer == expected:
                    outcome.decision = "approved"
                    return outcome
                answer = confirm_tty.ask_line(
                    f"awsguard: that is not {escape(expected)}. {question}"
                )
            if answer == expected:
                outcome.decision = "approved"
                return outcome
            return _refuse(
                outcome,
                f"refused: {what}; the account name was not typed "
                f"({MAX_ATTEMPTS} tries). The real CLI did not run.",
            )
        question = "Run it? [y/N] "
        answer = confirm_tty.ask_line(text + question).lower()
        for _ in range(MAX_ATTEMPTS):
            if answer in ("y", "yes"):
                outcome.decision = "approved"
                return outcome
            if answer in ("", "n", "no"):
                return _refuse(
                    outcome,
                    f"refused: {what}; you answered no. The real CLI did not run.",
                )
            answer = confirm_tty.ask_line(f"awsguard: please answer y or n. {question}").lower()
        return _refuse(outcome, f"refused: {what}; no yes/no answer. The real CLI did not run.")
    except tty.PromptAborted as err:
        return _refuse(outcome, f"aborted: {what}; {err} The real CLI did not run.", "aborted")
    except tty.NoTerminal as err:
        return _refuse(outcome, f"refused: {what}; {err}")
