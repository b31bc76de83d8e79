"""The shim's pipeline for one invocation: parse, resolve, classify, decide, act, run, explain.

Each stage is a function in its own module over plain data; this module only
strings them together and applies the failure policy of DESIGN.md: when
awsguard itself breaks on a command that needs no confirmation, it warns in
one line and runs the real CLI; on a command that needs confirmation it
refuses (exit 77) and says why.
"""

from __future__ import annotations

import os
import sys

from . import realcli
from .envfacts import in_ci
from .errors import EXIT_REFUSED
from .invocation import Invocation
from .situation import Situation


def _say(line: str) -> None:
    from .redact import escape_lines  # outside text never draws on the terminal

    try:
        sys.stderr.write(escape_lines(line.rstrip("\n")) + "\n")
        sys.stderr.flush()
    except OSError:
        pass


def _warn(message: str) -> None:
    from .redact import escape  # one warning, one line

    _say(escape(f"awsguard: {message}"))


def _oneline(err: BaseException) -> str:
    text = str(err).strip().replace("\n", " ")
    return text or type(err).__name__


def _debug() -> bool:
    return os.environ.get("AWSGUARD_DEBUG") == "1"


def _strip_profile(argv: list[str]) -> list[str]:
    """argv without --profile NAME / --profile=NAME (moved into AWS_PROFILE for the child)."""
    out: list[str] = []
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg == "--profile" and i + 1 < len(argv):
            skip = True
            continue
        if arg.startswith("--profile="):
            continue
        out.append(arg)
    return out


class Pipeline:
    """The state of one invocation as it moves through the stages."""

    def __init__(self, real: str, argv: list[str], environ: dict[str, str]) -> None:
        self.real = real
        self.argv = list(argv)
        self.environ = environ
        self.child_env = dict(environ)
        self.child_argv = list(argv)
        # Read as the real CLI's own parser reads it, for its major version (argparse
        # prefixes such as `--p prod`, aliases from the alias file under environ's HOME).
        # The Situation whoami, doctor and the prompt start from: one parse, one config.toml,
        # one resolution, the conflicts config.toml leaves on (situation.py).
        self.situation = Situation(environ, argv, real_cli=realcli.identify(real, environ))
        self.invocation: Invocation = self.situation.invocation
        self.config = None
        self.config_error: str | None = None
        self.files = None
        self.resolution = None
        self.classification = None
        self.outcome = None
        self.warnings: list[str] = []  # conflict lines shown (warn, not block)
        self.session_considered = False
        self.session_pass = None  # plancache.SessionPass: the keyring item that served it
        self.local_change = False  # `configure set` over a profile's credentials

    # --- stages ----------------------------------------------------------------------

    def load_config(self) -> None:
        try:
            self.config = self.situation.config
        except Exception as err:  # noqa: BLE001 - a broken config must not break reads
            self.config_error = _oneline(err)
            _warn(self.config_error)

    def resolve(self) -> None:
        self.files = self.situation.files
        self.resolution = self.situation.resolution

    def sso_login(self) -> int | None:
        """The SSO token is missing or expired and the CLI cannot refresh it: on a
        terminal offer `aws sso login` (one per start URL at a time), else name it, 77."""
        from . import ssologin

        login = ssologin.login_needed(self.resolution, self.environ)
        if login is None:
            return None
        if self.config is not None and hasattr(self.config, "conflict_action"):
            if self.config.conflict_action("sso-token-expired") == "off":
                return None
        interactive = not in_ci(self.environ)
        if interactive:
            from . import tty

            interactive = tty.has_terminal()

        def still_needed() -> ssologin.SsoLogin | None:
            self.situation.forget_resolution()  # the token cache changed: resolve afresh
            self.resolve()
            return ssologin.login_needed(self.resolution, self.environ)

        return ssologin.ensure_logged_in(
            login, self.environ, interactive, still_needed,
            lambda argv: realcli.run_real(self.real, argv, self.environ),
        )

    def report_conflicts(self) -> int | None:
        """One line per conflict on stderr; a conflict configured to `block` refuses."""
        from .resolve import format_conflict_line

        blocked = []
        for conflict in self.resolution.conflicts:
            if not conflict.applies_to_shim:
                continue
            action = self.situation.conflict_action(conflict.code)
            if action == "off":
                continue
            line = format_conflict_line(conflict)
            _say(line)
            if action == "block":
                blocked.append(conflict.code)
            else:
                self.warnings.append(line)
        if blocked:
            _warn(
                f"refused: the awsguard config blocks {', '.join(blocked)} "
                f"([conflicts] in {self._config_path()}). Fix the setup above, or set the "
                "code to \"warn\" in that table. The AWS CLI did not run."
            )
            return EXIT_REFUSED
        return None

    def classify(self) -> None:
        from . import risk

        if self.invocation.service == "configure":
            # `configure set` over a profile's credentials: what the profile holds decides.
            from . import awsconfig

            self.files = awsconfig.load_files(self.environ)
            self.classification = risk.classify(self.invocation, self.files, self.environ)
            return
        self.classification = risk.classify(self.invocation)

    def sessions(self) -> int | None:
        """Temporary credentials for MFA and keyring-backed profiles, into the child's env."""
        profile = self.resolution.profile if self.resolution else None
        if not profile or self.resolution.source == "env":
            return None
        from .sessionplan import plan_chain

        if plan_chain(profile, self.files, self.environ) is None:
            return None  # awsguard has nothing to add: the sessions machinery stays unloaded
        self.session_considered = True  # sessions age: never remembered as a quiet pass
        from . import sessions
        from .errors import AwsguardError

        interactive = not in_ci(self.environ)
        if interactive:
            from . import tty

            interactive = tty.has_terminal()
        try:
            cli = realcli.identify(self.real, self.environ)
            creds = sessions.credentials_for(
                profile, self.files, self.environ, interactive, cli=(cli.major, cli.version)
            )
        except AwsguardError as err:
            _warn(str(err))
            return err.exit_code if err.exit_code == EXIT_REFUSED else None
        if creds is None:
            return None
        self.child_env = creds.apply(self.child_env)
        # An explicit --profile makes the CLI ignore environment credentials, so the
        # profile moves into AWS_PROFILE: its region and output settings still apply.
        self.child_env["AWS_PROFILE"] = profile
        self.child_env.pop("AWS_DEFAULT_PROFILE", None)
        # however --profile was spelled (`--p x`, `--prof=x`), as the CLI's parser reads it
        if self.child_argv == self.argv:
            self.child_argv = self.invocation.argv_without("<global:--profile>")
        else:
            self.child_argv = _strip_profile(self.child_argv)
        try:
            self.session_pass = _session_pass(profile, self.files, self.environ, creds)
        except Exception:  # noqa: BLE001 - not remembered: it only costs time next call
            if _debug():
                raise
        return None

    def confirm(self) -> int | None:
        from . import confirm

        self.outcome = confirm.check(
            _ActsForProfile(self.invocation) if self.local_change else self.invocation,
            self.classification,
            self.resolution,
            self.config,
            self.child_env,
            self.real,
            child_argv=self.child_argv,
        )
        if self.outcome.decision in ("refused", "aborted"):
            if self.outcome.message:
                _warn(self.outcome.message)
            self.audit(None)
            return EXIT_REFUSED
        return None

    def guarded_by_config(self) -> bool:
        """Whether the config asks for more than `never` for this command, before the
        identity is known (a write under a `risk = ["write"]` rule)."""
        if self.config is None or self.classification is None:
            return False
        try:
            return self.config.plan(self.classification, self.resolution).level != "never"
        except Exception:  # noqa: BLE001 - cannot tell: treat it as guarded
            return True

    def refuse_unconfirmable(self, why: str) -> int:
        _warn(
            f"refused: {why}. This command would need a confirmation, so awsguard fails "
            "closed. Fix the problem above, or run it without the guard: AWSGUARD_DISABLE=1 aws …"
        )
        return EXIT_REFUSED

    def audit(self, status: int | None) -> None:
        if self.outcome is None or self.outcome.decision == "pass":
            return
        try:
            from . import audit

            audit.record(self.outcome, self.invocation, status)
        except Exception as err:  # noqa: BLE001 - the audit log must not break the command
            _warn(f"could not write the audit log: {_oneline(err)}")

    def unreadable_files(self) -> list[str]:
        """AWS config/credentials files awsguard would not read (a FIFO, a device, too
        large): what the CLI will do with them is unknown, so guarded commands fail closed."""
        return [str(p) for p in getattr(self.files, "errors", ()) if getattr(p, "fatal", False)]

    def passes_unchanged(self) -> bool:
        """The guard passed this invocation with at most its conflict warnings, and the
        answer does not age: the next identical invocation can repeat them and run."""
        from . import plancache

        risk = self.classification.risk.value if self.classification else None
        return (
            plancache.may_remember(self.invocation, risk, self.resolution)
            and not self.session_considered
            and self.child_env == self.environ
            and self.child_argv == self.argv
            and self._passed_quietly()
        )

    def _passed_quietly(self) -> bool:
        """What a remembered pass needs, plain or with a session: every file and the
        config were read, the guard passed, outside CI, with an identity that does not age."""
        return (
            not self.unreadable_files()
            and self.config_error is None
            and not getattr(self.config, "error", None)
            and self.outcome is not None
            and self.outcome.decision == "pass"
            and not in_ci(self.environ)
            and self.resolution is not None
            and not self.resolution.expires_at
            # The profile's own CSM settings are read only by the full path.
            and not any(k.startswith("csm_") for k in self._profile_config())
        )

    def passes_with_session(self) -> bool:
        """passes_unchanged, for a read served from the keyring: the same conditions but
        the identity's, which the SessionPass pins (plancache's module doc). Checked by
        replaying it now: the replay must give the child exactly what this run gives."""
        from . import plancache

        risk = self.classification.risk.value if self.classification else None
        if not (
            self.session_pass is not None
            and plancache.may_remember_session(self.invocation, risk)
            and self._passed_quietly()
        ):
            return False
        self.session_pass.removed = _removed_positions(self.argv, self.child_argv)
        replay = plancache.session_child(self.session_pass, self.argv, self.environ)
        return replay == (self.child_argv, self.child_env)

    def _profile_config(self) -> dict:
        try:
            return self.files.profile(self.resolution.profile) if self.files else {}
        except Exception:  # noqa: BLE001
            return {}

    # --- running -----------------------------------------------------------------------

    def explain_enabled(self) -> bool:
        if self.environ.get("AWSGUARD_EXPLAIN", "1") == "0":
            return False
        section = getattr(self.config, "raw", {}).get("explain", {}) if self.config else {}
        return section.get("enabled", True) is not False

    def run_child(self) -> int:
        """Run the real CLI as a child with Client Side Monitoring, then explain failures."""
        from . import monitor as csm

        profile_config = self._profile_config()
        listener = csm.Monitor(csm.user_csm_target(self.environ, profile_config)).start()
        status = realcli.run_real(self.real, self.child_argv, listener.child_env(self.child_env))
        events = listener.stop()
        self.explain(events)
        return status

    def explain(self, events: list) -> None:
        try:
            from . import monitor as csm

            failures = csm.auth_failures(events)
            if not failures:
                return
            from . import explain

            if self.resolution is None:  # the fast path skipped it: worth it now
                self.resolve()
            event = failures[-1]
            res = self.resolution
            identity = (self.outcome.identity if self.outcome else None) or {}
            context = explain.DiagnosisContext(
                principal_arn=identity.get("arn") or self._cached_arn(),
                credential_source=res.source if res else None,
                profile=res.profile if res else None,
                argv=tuple(self.argv),
                region=event.region or (res.region if res else None),
                access_key=event.access_key or (res.access_key_id if res else None),
                expires_at=res.expires_at if res else None,
                profile_has_mfa=bool(res.mfa_serial) if res else None,
            )
            diagnosis = explain.diagnose(
                event.aws_exception,
                event.aws_exception_message,
                api=event.api,
                service=event.service,
                context=context,
            )
            if not diagnosis.is_auth_failure:
                return
            from .explain import enrich

            # AWS's message often names no policy layer: when the user asked for it, ask
            # the offline engine over the policies this identity can read (fail-soft,
            # bounded time); else a hint says how to ask.
            section = getattr(self.config, "raw", {}).get("explain", {}) if self.config else {}
            configured = section.get("policies") if isinstance(section, dict) else None
            diagnosis = enrich.with_policies(
                diagnosis, self.child_env, self.invocation, configured
            )
            _say(explain.render(diagnosis))
            explain.save_last(diagnosis, self.environ)
        except Exception as err:  # noqa: BLE001 - explaining must never break the command
            if _debug():
                raise
            _warn(f"could not explain the failure: {_oneline(err)}")

    def _cached_arn(self) -> str | None:
        try:
            from . import identity

            cached = identity.cached(self.resolution)
            return cached.get("arn") if cached else None
        except Exception:  # noqa: BLE001
            return None

    def _config_path(self) -> str:
        from . import paths

        return str(paths.config_file(self.environ))


def _guarded_by_default(risk: str) -> bool:
    """Whether a risk needs a confirmation by default (an unknown one does): the guard
    fails closed for these when it cannot ask."""
    from .rules import DEFAULT_RISK_LEVELS

    return DEFAULT_RISK_LEVELS.get(risk, "confirm") != "never"


def _guarded_local_change(pipe: Pipeline) -> bool:
    """`aws configure set aws_access_key_id …` (and the like) on a profile that has
    credentials: it makes no AWS call, but swaps the identity the profile acts as."""
    if pipe.invocation.service != "configure":
        return False
    try:
        pipe.classify()
    except Exception:  # noqa: BLE001 - cannot tell: guard it
        if _debug():
            raise
        pipe.local_change = True
        return True
    pipe.local_change = _guarded_by_default(pipe.classification.risk.value)
    return pipe.local_change


def _session_pass(profile: str, files: object, environ: dict[str, str], creds: object):
    """The SessionPass for credentials the sessions stage injected (None when they did not
    come from one keyring item: then the pass is not remembered)."""
    from . import plancache, vault
    from .sessionplan import plan_chain

    chain = plan_chain(profile, files, environ)
    source = getattr(creds, "source", None)
    if chain is None:
        return None
    if chain.roles and source == "assume-role":
        from .sessions import Broker

        step = chain.roles[-1]
        kind, item = "role", vault.role_item(step.role_arn, step.session_name, chain.root)
        threshold = Broker.role_renew_before
    elif chain.mfa_serial and not chain.roles and source == "mfa-session":
        from .sessions import load_settings

        kind, item = "mfa", vault.mfa_item(chain.root, chain.mfa_serial)
        threshold = load_settings(environ).refresh_threshold
    elif not chain.mfa_serial and not chain.roles and source == "keyring":
        kind, item, threshold = "key", vault.key_item(chain.root), 0
    else:
        return None
    key_id = plancache.key_id_digest(getattr(creds, "access_key_id", "") or "")
    return plancache.SessionPass(kind, item, profile, threshold, key_id)


def _removed_positions(argv: list[str], child_argv: list[str]) -> tuple[int, ...]:
    """Positions of argv the child does not get (any set that leaves child_argv will do:
    the replay's argv is the same list, word for word)."""
    removed: list[int] = []
    at = 0
    for i, word in enumerate(argv):
        if at < len(child_argv) and child_argv[at] == word:
            at += 1
        else:
            removed.append(i)
    return tuple(removed)


class _ActsForProfile:
    """The invocation as confirm.check sees a guarded local change: confirm passes
    commands that make no AWS call, but this one replaces the credentials of the
    profile, so it is confirmed like a call made as that profile."""

    calls_aws = True

    def __init__(self, invocation: Invocation) -> None:
        self._invocation = invocation

    def __getattr__(self, name: str) -> object:
        return getattr(self._invocation, name)


def _depends_on_values(inv: Invocation) -> bool:
    """A command whose risk depends on values or file contents is never remembered as a
    quiet pass: the next call with other values must be classified afresh."""
    from .risk import depends_on_values

    return depends_on_values(inv)


def _foreign_models(
    inv: Invocation, environ: dict[str, str], data_path: str | None = None
) -> str | None:
    """Where the real CLI would load this command's service model from outside its own
    package, or None. botocore searches ~/.aws/models (what `aws configure add-model`
    writes) and the folders of AWS_DATA_PATH (or a profile's data_path) before its own
    models: a model there can make `s3api list-buckets --bucket b` a DELETE, which
    awsguard's tables cannot know. The parser's Invocation.unseen already looked at
    ~/.aws/models and AWS_DATA_PATH: when it found nothing there, neither can this."""
    if inv.service is None:
        return None
    if data_path is None and inv.unseen is None and inv.problem is None and environ.get("HOME"):
        return None  # invocation.find_unseen: no AWS_DATA_PATH, ~/.aws/models empty or absent
    home = environ.get("HOME") or os.path.expanduser("~")
    if data_path is None:
        data_path = environ.get("AWS_DATA_PATH") or ""
        folders = [os.path.join(home, ".aws", "models")]
    else:
        folders = []
    folders += [
        home + p[1:] if p.startswith("~") else p for p in data_path.split(os.pathsep) if p
    ]
    name = None
    for folder in folders:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        if name is None:
            name = _model_name(inv.service)
        # a service awsguard cannot name: any model there may be it
        if (name in entries) if name else entries:
            return os.path.join(folder, name or "")
    return None


def _model_name(cli_service: str) -> str | None:
    """botocore's name for a CLI service (`s3api` -> s3, `configservice` -> config)."""
    if cli_service == "s3":
        return "s3"
    try:
        from . import catalog

        table = catalog._cli_table(cli_service)
    except Exception:  # noqa: BLE001 - unknown: the caller assumes the worst
        return None
    return table.header.get("service") if table is not None else None


def _confirm_foreign(pipe: Pipeline, where: str | None) -> None:
    """A command whose service model comes from `where` is confirmed like a destructive
    one: what it calls is whatever that model says."""
    if where is None:
        return
    from .risk import Classification, Risk

    found = pipe.classification
    pipe.classification = Classification(
        Risk.DESTRUCTIVE,
        pipe.invocation.service,
        found.operation if found else pipe.invocation.operation,
        found.action if found else None,
        f"the AWS CLI loads this service's model from {where}, not from its own package: "
        "awsguard cannot tell what this command calls",
    )


def auto_prompt_switch(
    inv: Invocation, environ: dict[str, str], real: str
) -> str | None:
    """The switch that makes the real CLI compose the command itself (AWS CLI v2's
    auto-prompt), or None. Mirrors the CLI's own order (awscli/autoprompt/core.py):
    `help` or `--version` anywhere turn it off, then `--no-cli-auto-prompt`, then
    `--cli-auto-prompt`, then AWS_CLI_AUTO_PROMPT, then the profile's cli_auto_prompt;
    `on` and `on-partial` prompt. Cheap when none is set: no file is parsed."""
    # The CLI looks for these exact words in its argv, before parsing it: an
    # abbreviation (`--cli-auto`) does not switch the prompt on.
    words = inv.argv
    if "help" in words or "--version" in words or "--no-cli-auto-prompt" in words:
        return None
    if "--cli-auto-prompt" in words:
        switch = "--cli-auto-prompt"
    elif "AWS_CLI_AUTO_PROMPT" in environ:
        value = environ["AWS_CLI_AUTO_PROMPT"].strip().lower()
        if value not in ("on", "on-partial"):
            return None
        switch = f"AWS_CLI_AUTO_PROMPT={value}"
    else:
        switch = _profile_auto_prompt(inv, environ)
        if switch is None:
            return None
    from .resolve import cli_honours

    cli = realcli.identify(real, environ)
    return switch if cli_honours("auto-prompt", cli.major, cli.version) else None


def _profile_auto_prompt(inv: Invocation, environ: dict[str, str]) -> str | None:
    home = environ.get("HOME") or os.path.expanduser("~")
    path = environ.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config")
    try:
        from . import safefs

        if b"cli_auto_prompt" not in safefs.read_outside(os.path.expanduser(path)):
            return None
    except OSError:
        return None
    from . import awsconfig

    files = awsconfig.load_files(environ)
    from .resolve import profile_vars

    # Only v2 reads it, so the profile is v2's (resolve.profile_vars).
    named = (environ[var] for var in profile_vars(2) if environ.get(var))
    name = inv.profile or next(named, "default")
    value = str(files.profile(name).get("cli_auto_prompt", "")).strip().lower()
    if value not in ("on", "on-partial"):
        return None
    return f"cli_auto_prompt = {value} in profile {name}"


class _Composed:
    """The invocation as the confirmation sees it under auto-prompt: whatever was typed
    (even nothing, or `configure`), the CLI may go on to call AWS."""

    def __init__(self, inv: Invocation) -> None:
        self._inv = inv

    calls_aws = True

    def __getattr__(self, name: str):
        return getattr(self._inv, name)


def _run_auto_prompt(pipe: Pipeline, switch: str) -> int:
    """The CLI will choose the command inside its own prompt: show who it runs as and
    ask first (risk `interactive`); without a terminal, refuse (the prompt needs one)."""
    from .risk import Classification, Risk

    inv = pipe.invocation
    pipe.classification = Classification(
        Risk.INTERACTIVE,
        inv.service,
        "auto-prompt: the command is chosen inside the CLI and cannot be checked",
        None,
        f"{switch} turns on the AWS CLI's auto-prompt: the command is chosen inside "
        "the CLI and cannot be checked",
    )
    try:
        pipe.load_config()
        if pipe.config_error:
            return pipe.refuse_unconfirmable("the awsguard config cannot be read")
        pipe.resolve()
        status = pipe.report_conflicts()
        if status is not None:
            return status
        status = pipe.sessions()
        if status is not None:
            return status
        level = "confirm"
        if pipe.config is not None:
            level = pipe.config.plan(pipe.classification, pipe.resolution, None, inv).level
        if level != "never":
            from . import tty

            if not tty.has_terminal():
                _warn(
                    f"refused: {switch} lets the AWS CLI choose the command in its own "
                    "prompt, where awsguard cannot check it, and there is no terminal to "
                    "ask on (the prompt needs one too). The AWS CLI did not run."
                )
                return EXIT_REFUSED
        pipe.invocation = _Composed(inv)  # type: ignore[assignment]
        status = pipe.confirm()
        if status is not None:
            return status
    except Exception as err:  # noqa: BLE001 - fail closed: the command is unknown
        if _debug():
            raise
        return pipe.refuse_unconfirmable(f"awsguard failed: {_oneline(err)}")
    status = realcli.run_real(pipe.real, pipe.child_argv, pipe.child_env)
    pipe.audit(status)
    return realcli.exit_like(status)


def run(real: str, argv: list[str], environ: dict[str, str]) -> int:
    pipe = Pipeline(real, argv, environ)
    inv = pipe.invocation
    # AWS CLI v2's auto-prompt: the command is composed inside the CLI, unseen.
    switch = auto_prompt_switch(inv, environ, real)
    if switch is not None:
        return _run_auto_prompt(pipe, switch)
    # `--version`, help, `configure`, completion: nothing to guard, nothing to say;
    # except `configure set`/`import` over a profile's credentials (risk.py decides).
    if not inv.calls_aws and not _guarded_local_change(pipe):
        realcli.exec_real(real, argv, environ)

    # Service models the CLI loads from outside its package (~/.aws/models, AWS_DATA_PATH)
    # can make any command do anything: never replayed, always confirmed.
    foreign = _foreign_models(inv, environ)
    # Seen before with nothing to say, and nothing it depends on changed: just run it.
    entry = None
    try:
        from . import plancache

        entry = None if foreign else plancache.key(inv, environ, real)
        found = plancache.lookup(entry, environ) if entry else None
        if found is not None:
            mode, repeat, session = found
            child_argv, child_env = argv, environ
            if session is not None:
                # Served from the keyring: only while the item holds what it held.
                replay = plancache.session_child(session, argv, environ)
                if replay is None:
                    mode = None
                else:
                    child_argv, child_env = replay
            if mode is not None:
                for line in repeat:
                    _say(line)
                if mode.endswith("monitor"):
                    pipe.child_argv, pipe.child_env = child_argv, child_env
                    return realcli.exit_like(pipe.run_child())
                realcli.exec_real(real, child_argv, child_env)
    except Exception:  # noqa: BLE001 - a cache problem only costs time
        if _debug():
            raise
        entry = None

    try:
        pipe.classify()
    except Exception as err:  # noqa: BLE001 - unknown risk: treated as needing confirmation
        if _debug():
            raise
        _warn(f"could not classify this command: {_oneline(err)}")
    _confirm_foreign(pipe, foreign)
    risk = pipe.classification.risk.value if pipe.classification else "unknown"
    needs_confirmation = _guarded_by_default(risk)
    # The installed CLI certainly rejects this line (a usage error by awsguard's tables for
    # its exact version, no plugin): no AWS call follows, so there is nothing to resolve,
    # ask STS about, or monitor. A line that looks dangerous is still guarded.
    if (
        inv.cli_error
        and not inv.problem
        and not inv.unseen
        and foreign is None
        and risk in ("read", "write")
    ):
        realcli.exec_real(real, argv, environ)
    try:
        pipe.load_config()
        if pipe.config_error and needs_confirmation:
            return pipe.refuse_unconfirmable("the awsguard config cannot be read")
        pipe.resolve()
        if foreign is None:
            # the profile's own `data_path` (botocore reads it like AWS_DATA_PATH)
            data_path = str(pipe._profile_config().get("data_path") or "").strip()
            foreign = _foreign_models(inv, environ, data_path) if data_path else None
            if foreign is not None:
                _confirm_foreign(pipe, foreign)
                needs_confirmation = True
        unreadable = pipe.unreadable_files()
        if unreadable and (needs_confirmation or pipe.guarded_by_config()):
            return pipe.refuse_unconfirmable(
                f"{unreadable[0]}, so who this command acts as is unknown"
            )
        status = pipe.sso_login()
        if status is not None:
            return status
        status = pipe.report_conflicts()
        if status is not None:
            return status
        status = pipe.sessions()
        if status is not None:
            return status
        status = pipe.confirm()
        if status is not None:
            return status
    except Exception as err:  # noqa: BLE001 - the failure policy of DESIGN.md
        if _debug():
            raise
        if needs_confirmation and pipe.outcome is None:
            return pipe.refuse_unconfirmable(f"awsguard failed: {_oneline(err)}")
        _warn(f"internal error, running the AWS CLI unguarded: {_oneline(err)}")

    explain = pipe.explain_enabled()
    mode = "monitor" if explain else "exec"
    try:
        if entry and pipe.passes_unchanged() and not _depends_on_values(inv):
            plancache.remember(f"{entry}:{mode}", environ, pipe.warnings)
        elif entry and pipe.passes_with_session() and not _depends_on_values(inv):
            plancache.remember(
                f"{entry}:session-{mode}", environ, pipe.warnings, pipe.session_pass
            )
    except Exception:  # noqa: BLE001 - a cache problem only costs time
        if _debug():
            raise
    if explain:
        status = pipe.run_child()
        pipe.audit(status)
        return realcli.exit_like(status)
    if pipe.outcome is not None and pipe.outcome.decision != "pass":
        status = realcli.run_real(real, pipe.child_argv, pipe.child_env)
        pipe.audit(status)
        return realcli.exit_like(status)
    realcli.exec_real(real, pipe.child_argv, pipe.child_env)
    return 0  # not reached
