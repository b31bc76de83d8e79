"""Credentials for programs that never pass through the shim: obtain, check who, confirm.

`awsguard exec`, `export` and `credential-process` hand a profile's credentials to
another program (Terraform, CDK, an SDK script, a coding agent's shell). They get
them exactly as the shim would for `aws --profile P`:

  - a profile whose sessions awsguard manages (MFA, roles from a keyring or file
    key: `sessionplan.plan_chain`) through `sessions.Broker`, which renews under its
    lock and asks for a code only when it must;
  - any other profile (SSO, credential_process, web identity, roles without MFA,
    plain keys) through botocore as the CLI configures it, sharing the CLI's
    assume-role cache.

Then who they act as (STS GetCallerIdentity, cached per key as for the shim), and
whether the account's rules in awsguard's config ask before handing them out: a
program started with them can do anything the identity may, so account and
profile rules apply whatever their `risk` list says.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from . import sessions, timefmt
from .envfacts import in_ci
from .errors import EXIT_REFUSED, AwsguardError
from .redact import escape
from .sessions import ChildCredentials

# Variables that pick credentials or a profile; the child's are set by us or removed.
CREDENTIAL_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
)
# What the exec'd shell's prompt segment and nested tools can read (no secret).
EXEC_PROFILE_VAR = "AWSGUARD_EXEC_PROFILE"
EXEC_ACCOUNT_VAR = "AWSGUARD_EXEC_ACCOUNT"
EXEC_ARN_VAR = "AWSGUARD_EXEC_ARN"
# The masked key id handed out, so the prompt can tell them from keys exported later.
EXEC_KEY_VAR = "AWSGUARD_EXEC_KEY_ID"


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def say(line: str) -> None:
    """`awsguard: line` on stderr as one escaped line (it may carry outside text, e.g. an
    error's message); text already passed through `shown` comes out unchanged."""
    try:
        sys.stderr.write(f"awsguard: {shown(line)}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


# Text from outside, safe on a terminal: control characters escaped, one line.
shown = escape


# --- which profile -------------------------------------------------------------------------


def chosen_profile(given: str | None, environ: Mapping[str, str]) -> str | None:
    """The profile asked for: --profile, else AWS_PROFILE / AWS_DEFAULT_PROFILE, else None
    (None with keys in the environment: those keys; else the default profile)."""
    if given:
        return given
    named = environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE")
    if named:
        return named
    if environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY"):
        return None
    return "default"


# --- where the credentials come from ---------------------------------------------------------


class ProfileCredentials:
    """One profile's credentials, asked for again whenever they are needed (`current`)."""

    def __init__(
        self,
        profile: str | None,
        files: Any,
        environ: Mapping[str, str],
        interactive: bool,
        ask_code: Callable[[str, str], str] | None = None,
        role_renew_before: int | None = None,
    ) -> None:
        self.profile = profile
        self.files = files
        self.environ = environ
        self.chain = sessions.plan_chain(profile, files, environ) if profile else None
        self._broker: sessions.Broker | None = None
        self._botocore: Any = None
        if self.chain is not None:
            self._broker = sessions.Broker(
                self.chain,
                files,
                environ,
                sessions.load_settings(environ),
                interactive,
                ask_code=ask_code,
            )
            if role_renew_before is not None:
                # Never renew a short role session on every request: at most at half-life.
                shortest = min((r.duration_seconds for r in self.chain.roles), default=0)
                if shortest:
                    role_renew_before = min(role_renew_before, shortest // 2)
                self._broker.role_renew_before = role_renew_before

    @property
    def managed(self) -> bool:
        """True when awsguard's own sessions serve this profile (MFA, roles, keyring)."""
        return self._broker is not None

    def current(self) -> ChildCredentials:
        if self._broker is not None:
            return self._broker.credentials()
        if self.profile is None:
            return _env_credentials(self.environ)
        return self._from_botocore()

    def _from_botocore(self) -> ChildCredentials:
        if self._botocore is None:
            self._botocore = _botocore_credentials(self.profile or "default", self.files,
                                                   self.environ)
        creds = self._botocore
        try:
            frozen = creds.get_frozen_credentials()
        except Exception as err:  # noqa: BLE001 - botocore refresh errors are many kinds
            raise AwsguardError(
                f"the credentials of profile {self.profile!r} could not be renewed: "
                f"{type(err).__name__}: {shown(err)}."
            ) from None
        expiry = getattr(creds, "_expiry_time", None)
        if isinstance(expiry, datetime) and expiry.tzinfo is None:
            expiry = expiry.replace(tzinfo=timezone.utc)
        return ChildCredentials(
            profile=self.profile or "default",
            source=str(getattr(creds, "method", "") or "botocore"),
            access_key_id=frozen.access_key,
            secret_access_key=frozen.secret_key,
            session_token=frozen.token or None,
            expiration=expiry if isinstance(expiry, datetime) else None,
        )


def _env_credentials(environ: Mapping[str, str]) -> ChildCredentials:
    expiration = None
    raw = environ.get("AWS_CREDENTIAL_EXPIRATION")
    if raw:
        from .timefmt import parse_time

        expiration = parse_time(raw)
    return ChildCredentials(
        profile="env",
        source="env",
        access_key_id=environ["AWS_ACCESS_KEY_ID"],
        secret_access_key=environ["AWS_SECRET_ACCESS_KEY"],
        session_token=environ.get("AWS_SESSION_TOKEN") or None,
        expiration=expiration,
    )


def _botocore_credentials(profile: str, files: Any, environ: Mapping[str, str]) -> Any:
    """botocore's credentials for `--profile profile`, as the CLI would find them."""
    from botocore.exceptions import BotoCoreError

    from .clisession import MfaNeeded, cli_session, refuse_mfa_prompt, use_cli_cache
    from .identity import process_environ

    if not files.has_profile(profile) and profile != "default":
        raise no_such_profile(profile, files)
    with process_environ(environ):
        session = cli_session(profile, None, 2)
        try:
            use_cli_cache(session, prompter=refuse_mfa_prompt)
            creds = session.get_credentials()
        except MfaNeeded:
            raise AwsguardError(
                f"profile {profile!r} assumes a role that needs an MFA code. Run "
                f"`awsguard mfa {profile}` first (or give its source profile a key in "
                "awsguard's keyring with `awsguard add`), then try again.",
                exit_code=EXIT_REFUSED,
            ) from None
        except (BotoCoreError, ValueError) as err:
            raise AwsguardError(
                f"the credentials of profile {profile!r} could not be loaded: {shown(err)}. "
                f"`awsguard whoami --profile {profile}` shows where they should come from."
            ) from None
    if creds is None:
        raise AwsguardError(
            f"profile {profile!r} has no credentials (none of botocore's sources found "
            f"any). `awsguard whoami --profile {profile}` shows what was tried."
        )
    return creds


def no_such_profile(profile: str, files: Any) -> AwsguardError:
    return AwsguardError(
        f"there is no profile {shown(profile)!r} in {files.config_path} or "
        f"{files.credentials_path}. `aws configure list-profiles` lists the profiles."
    )


# --- who, and may it be handed out ------------------------------------------------------------


def region_for(profile: str | None, files: Any, environ: Mapping[str, str]) -> str | None:
    """The region the CLI would use for `--profile profile` (environment first, as botocore)."""
    value = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if value:
        return value
    if profile and files.has_profile(profile):
        region = files.profile(profile).get("region")
        if region:
            return str(region)
    return None


def env_with(
    environ: Mapping[str, str],
    creds: ChildCredentials,
    region: str | None,
) -> dict[str, str]:
    """`environ` with these credentials (and region) in place of every other source."""
    child = {k: v for k, v in environ.items() if k not in CREDENTIAL_VARS}
    child.update(creds.env())
    if region:
        child["AWS_REGION"] = region
        child["AWS_DEFAULT_REGION"] = region
    return child


def identify(creds: ChildCredentials, files: Any, environ: Mapping[str, str],
             region: str | None) -> dict[str, Any]:
    """Who these credentials act as: account, arn, alias, name (from awsguard's config)."""
    from . import identity as identity_mod
    from .confirm import guarded_identity_deadline
    from .invocation import parse
    from .resolve import resolve

    env = env_with(environ, creds, region)
    invocation = parse(["sts", "get-caller-identity"])
    resolution = resolve(invocation, env, files, 2)
    deadline = guarded_identity_deadline(environ)  # an STS that never answers: refused
    who = identity_mod.identify(invocation, resolution, env, deadline=deadline)
    return {
        "account": who.account,
        "arn": who.arn,
        "alias": who.alias,
        "region": region,
        "profile": creds.profile,
        "cached": who.cached,
    }


def describe(identity: Mapping[str, Any], creds: ChildCredentials, now: datetime | None = None
             ) -> str:
    """One line: who, which account, region, and how long the credentials last."""
    from .confirm import account_label

    now = now or _utcnow()
    lasts = "long-term key"
    if creds.expiration is not None:
        left = timefmt.remaining((creds.expiration - now).total_seconds())
        local = creds.expiration.astimezone().strftime("%H:%M %Z")
        lasts = f"valid until {local} ({left} left)"
    return (
        f"{shown(identity.get('arn'))}, account {shown(account_label(identity))}, "
        f"region {shown(identity.get('region') or 'not set')}, {lasts}"
    )


def expect_account(expected: str, identity: Mapping[str, Any], config: Any = None) -> None:
    """Refuse (77) unless `expected` is the account's id, or a configured name or alias
    only this account has (as AWSGUARD_APPROVE)."""
    from .confirm import account_label, approval_names

    if expected.strip() in approval_names(identity, config):
        return

    raise AwsguardError(
        f"refused: --expect-account {shown(expected)} but profile "
        f"{shown(identity.get('profile'))} acts as {shown(identity.get('arn'))} in account "
        f"{shown(account_label(identity))}. Nothing was started; check the profile's "
        "role_arn, sso_account_id or keys.",
        exit_code=EXIT_REFUSED,
    )


def exec_rule(config: Any, identity: Mapping[str, Any], profile: str | None
              ) -> tuple[str, str]:
    """(level, because) for handing this identity's credentials to another program.

    Account and profile rules apply whatever their `risk` list: the program may do
    anything the identity may. Account rules beat profile rules; within a rank the
    stricter level wins (as in Config.plan).
    """
    from .rules import LEVELS

    accounts = {str(v) for v in (identity.get("account"), identity.get("name"),
                                 identity.get("alias")) if v}
    best = None
    for rule in config.all_rules():
        if rule.command is not None or rule.action is not None:
            continue
        if rule.account is None and rule.profile is None:
            continue
        if rule.account is not None and rule.account not in accounts:
            continue
        if rule.profile is not None and not (
            profile is not None and fnmatch.fnmatchcase(profile, rule.profile)
        ):
            continue
        key = (0 if rule.account is not None else 1, -LEVELS.index(rule.level))
        if best is None or key < best[0]:
            best = (key, rule)
    if best is None:
        return "never", ""
    rule = best[1]
    return rule.level, f"{rule.origin} ({rule.selectors()}) in {config.path}"


class Aborted(AwsguardError):
    """Ctrl-C or Ctrl-D at the confirmation: nothing was started (77)."""


def approve(
    config: Any,
    identity: dict[str, Any],
    profile: str | None,
    what: str,
    environ: Mapping[str, str],
) -> None:
    """Ask (or check AWSGUARD_APPROVE) when the account's rules say so; raise 77 if not."""

    identity.setdefault("name", config.account_name(identity.get("account")))
    level, because = exec_rule(config, identity, profile)
    if level == "never":
        return
    decision = "refused"
    try:
        _decide(config, identity, profile, what, environ, level, because)
        decision = "approved"
    except Aborted:
        decision = "aborted"
        raise
    finally:
        _audit(what, identity, level, because, decision, environ)


def _audit(what: str, identity: dict[str, Any], level: str, because: str, decision: str,
           environ: Mapping[str, str]) -> None:
    """One line in the audit log, as the shim writes for its confirmations. Only the
    program's name: its arguments are not the AWS CLI's, so redaction cannot know them."""
    from types import SimpleNamespace

    from . import audit, confirm

    words = what.split()[:3]
    if words[1:2] == ["exec"] and len(words) == 3:
        words[2] = os.path.basename(words[2])
    else:
        words = words[:2]
    outcome = confirm.Outcome(decision=decision, level=level, identity=identity,
                              risk="exec", operation=words[1], because=because)
    invocation = SimpleNamespace(argv=words, service=None, operation=words[1])
    try:
        audit.record(outcome, invocation, None, environ)
    except Exception:  # noqa: BLE001 - the audit log must not decide the command
        pass


def _decide(config: Any, identity: dict[str, Any], profile: str | None, what: str,
            environ: Mapping[str, str], level: str, because: str) -> None:
    from . import confirm

    label = confirm.account_label(identity)
    if level == "deny":
        raise AwsguardError(
            f"refused: {what} as {shown(identity.get('arn'))} (account {shown(label)}): "
            f"denied by {because}. Nothing was started.",
            exit_code=EXIT_REFUSED,
        )
    from . import tty

    ci = in_ci(environ)
    if ci or not tty.has_terminal():
        outcome = confirm.Outcome(decision="pass", level=level, identity=identity,
                                  risk="exec", because=because)
        outcome = confirm._approve_from_env(outcome, environ, what, ci, config=config)
        if outcome.decision != "approved":
            raise AwsguardError(
                outcome.message.replace("The real CLI did not run", "Nothing was started"),
                exit_code=EXIT_REFUSED,
            )
        return
    _ask(level, because, identity, profile, what)


def _ask(level: str, because: str, identity: Mapping[str, Any], profile: str | None,
         what: str) -> None:
    from . import confirm, confirm_tty, tty

    rows = [
        ("command", what),
        ("account", confirm.account_label(identity)),
        ("identity", str(identity.get("arn"))),
        ("region", str(identity.get("region") or "not set")),
        ("profile", str(profile or "env")),
        ("rule", f"{level}: {because}"),
    ]
    body = "\n".join(f"  {name:<10} {shown(value)}" for name, value in rows)
    panel = f"awsguard: handing out these credentials needs a confirmation\n{body}\n"
    refused = f"refused: {what}; nothing was started."
    try:
        if level == "type":
            expected = confirm.expected_name(identity)
            question = f"Type the account name {expected} to continue (Ctrl-C to cancel): "
            answer = confirm_tty.ask_line(panel + question)
            for _ in range(confirm.MAX_ATTEMPTS - 1):
                if answer == expected:
                    return
                answer = confirm_tty.ask_line(f"awsguard: that is not {expected}. {question}")
            if answer == expected:
                return
            raise AwsguardError(f"{refused} The account name was not typed.",
                                exit_code=EXIT_REFUSED)
        answer = confirm_tty.ask_line(panel + "Continue? [y/N] ").lower()
        for _ in range(confirm.MAX_ATTEMPTS):
            if answer in ("y", "yes"):
                return
            if answer in ("", "n", "no"):
                raise AwsguardError(f"{refused} You answered no.", exit_code=EXIT_REFUSED)
            answer = confirm_tty.ask_line("awsguard: please answer y or n. Continue? [y/N] "
                                          ).lower()
        raise AwsguardError(f"{refused} No yes/no answer.", exit_code=EXIT_REFUSED)
    except tty.PromptAborted as err:
        raise Aborted(f"{refused} {err}", exit_code=EXIT_REFUSED) from None
    except tty.NoTerminal as err:
        raise AwsguardError(f"{refused} {err}", exit_code=EXIT_REFUSED) from None


# --- the whole hand-out, as exec and export do it -------------------------------------------


class Handout:
    """A profile's credentials, checked: who they act as, and approved for handing out."""

    def __init__(self, source: ProfileCredentials, creds: ChildCredentials,
                 identity: dict[str, Any] | None, region: str | None) -> None:
        self.source = source
        self.creds = creds
        self.identity = identity
        self.region = region


def prepare(
    profile_arg: str | None,
    expect: str | None,
    what: str,
    environ: Mapping[str, str],
    role_renew_before: int | None = None,
) -> Handout:
    """Credentials for `profile_arg`, the identity shown, --expect-account and the rules
    applied. Raises AwsguardError (77 for a refusal)."""
    from . import awsconfig, rules, tty

    files = awsconfig.load_files(environ)
    profile = chosen_profile(profile_arg, environ)
    if profile is not None and profile != "default" and not files.has_profile(profile):
        raise no_such_profile(profile, files)
    config = rules.load_config(environ)
    if config.error is not None:
        raise AwsguardError(
            f"{config.error} awsguard cannot tell whether this account is protected, so it "
            "hands out no credentials until the file is fixed.",
            exit_code=EXIT_REFUSED,
        )
    interactive = not in_ci(environ) and tty.has_terminal()
    source = ProfileCredentials(profile, files, environ, interactive,
                                role_renew_before=role_renew_before)
    creds = source.current()
    region = region_for(profile, files, environ)
    from .identity import IdentityUnknown

    try:
        identity = identify(creds, files, environ, region)
    except IdentityUnknown as err:
        guarded = any(r.account is not None or r.profile is not None
                      for r in config.all_rules())
        if expect or guarded:
            raise AwsguardError(
                f"refused: {what}: {err} Nothing was started.", exit_code=EXIT_REFUSED
            ) from None
        say(f"warning: who profile {shown(profile or 'env')} acts as is unknown: {err}")
        return Handout(source, creds, None, region)
    identity["profile"] = profile or "env"
    identity["name"] = config.account_name(identity.get("account"))
    say(f"{shown(profile or 'environment keys')} is {describe(identity, creds)}")
    if expect:
        expect_account(expect, identity, config)
    approve(config, identity, profile, what, environ)
    return Handout(source, creds, identity, region)
