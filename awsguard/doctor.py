"""`awsguard doctor`: the whole authentication and authorization checklist, as data.

Two halves. `gather_*` functions touch the world (PATH, files, STS, the keyring)
and return plain facts; `check_*` functions turn facts into `Check`s and do no
I/O, so tests feed them dicts, temp files and datetimes. `run_doctor` strings
them together in the order a person would troubleshoot, and `format_report`
prints the result; nothing here prints.

Every step is guarded: a module another part of awsguard has not finished (an
ImportError, a missing attribute) or a check that breaks becomes that check's
`skip` or `fail` with the reason, and the other checks still run.
"""

from __future__ import annotations

import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .resolve import mask_key as resolve_mask_key
from .timefmt import format_time, parse_time, time_left

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
STATUSES = (OK, WARN, FAIL, SKIP)

# (group id, heading) in the order the report shows them.
GROUPS = (
    ("shim", "The aws shim"),
    ("env", "Environment"),
    ("profile", "Profile and region"),
    ("files", "Config and credentials files"),
    ("credentials", "Credentials"),
    ("expiry", "Expiry"),
    ("clock", "Clock"),
    ("network", "Network settings"),
    ("keyring", "Keyring"),
    ("rules", "Confirmation rules"),
)

# SigV4 refuses requests more than 5 minutes off AWS's clock; a minute is a warning sign.
SKEW_WARN_SECONDS = 60
SKEW_FAIL_SECONDS = 300
# Credentials with less than this left are worth a warning: a long command outlives them.
EXPIRY_WARN_SECONDS = 600
STS_TIMEOUT_SECONDS = 5
PROBE_DEADLINE_SECONDS = 30
KEYRING_SERVICE = "awsguard-doctor"
KEYRING_DEADLINE_SECONDS = 15


@dataclass(frozen=True)
class Check:
    id: str
    status: str  # ok | warn | fail | skip
    summary: str
    evidence: tuple[str, ...] = ()
    fix: str | None = None

    @property
    def group(self) -> str:
        return self.id.split(".", 1)[0]

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "group": self.group,
            "status": self.status,
            "summary": self.summary,
            "evidence": list(self.evidence),
            "fix": self.fix,
        }


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    @property
    def status(self) -> str:
        found = {c.status for c in self.checks}
        if FAIL in found:
            return FAIL
        if WARN in found:
            return WARN
        return OK

    @property
    def exit_code(self) -> int:
        return 1 if self.status == FAIL else 0

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for c in self.checks if c.status == s) for s in STATUSES}

    def get(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def as_dict(self) -> dict[str, object]:
        return {"checks": [c.as_dict() for c in self.checks], "status": self.status}


def _oneline(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def broken_check(check_id: str, err: BaseException) -> Check:
    """What a check that could not run reports, instead of a traceback."""
    if isinstance(err, ImportError):
        return Check(
            check_id,
            SKIP,
            f"not available in this build of awsguard ({_oneline(err)})",
            fix="upgrade awsguard (install.sh) to get this check",
        )
    return Check(
        check_id,
        FAIL,
        f"the check itself failed: {_oneline(err)}",
        fix="run again with AWSGUARD_DEBUG=1 for the traceback, and please report it",
    )


def _guard(ids: Iterable[str], step: Callable[[], list[Check]]) -> list[Check]:
    try:
        return step()
    except Exception as err:  # noqa: BLE001 - one broken check must not hide the others
        if os.environ.get("AWSGUARD_DEBUG") == "1":
            raise
        return [broken_check(i, err) for i in ids]


# --- small pure helpers --------------------------------------------------------------------


def mask_key(key: str | None) -> str:
    """resolve.mask_key, with "" for no key (doctor prints strings)."""
    return (resolve_mask_key(key) or "…") if key else ""


def mask_url(url: str) -> str:
    """A URL with any user name and password replaced by ***."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(not a URL; hidden)" if "@" in url else url
    if parts.username is None and parts.password is None:
        return url
    netloc = f"***@{host}{port}"
    shown = urlunsplit(parts._replace(netloc=netloc))
    return shown if "://" in url else shown.split("://", 1)[1]


_SECRET_WORDS = ("SECRET", "TOKEN", "PASSWORD", "AUTHORIZATION")


def mask_env_value(name: str, value: str) -> str:
    """How doctor shows an environment variable: secrets hidden, key ids and URLs masked."""
    upper = name.upper()
    if upper == "AWS_ACCESS_KEY_ID":
        return mask_key(value)
    if upper.endswith("_FILE"):
        return value
    if any(word in upper for word in _SECRET_WORDS):
        return "(set, hidden)" if value else "(empty)"
    if "PROXY" in upper or "URL" in upper or upper.endswith("_URI"):
        return mask_url(value)  # a user:password@ part is masked
    return value


def _truthy(value: object) -> bool:
    return str(value or "").strip().lower() == "true"


# --- 1. the shim ---------------------------------------------------------------------------


@dataclass
class ShimFacts:
    path_dirs: list[str] = field(default_factory=list)
    first_aws: str | None = None
    first_is_shim: bool = False
    real_path: str | None = None
    real_error: str | None = None
    real_version: str | None = None
    real_major: int | None = None
    describe_error: str | None = None
    real_is_shim: bool = False
    override: str | None = None
    disabled: bool = False


def first_on_path(name: str, path: str) -> str | None:
    for directory in path.split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def gather_shim(environ: Mapping[str, str]) -> ShimFacts:
    from . import realcli

    facts = ShimFacts(
        path_dirs=environ.get("PATH", "").split(os.pathsep),
        override=environ.get("AWSGUARD_REAL_AWS") or None,
        disabled=environ.get("AWSGUARD_DISABLE") == "1",
    )
    facts.first_aws = first_on_path("aws", environ.get("PATH", ""))
    if facts.first_aws:
        facts.first_is_shim = realcli.is_shim(os.path.realpath(facts.first_aws))
    self_path = facts.first_aws if facts.first_is_shim else None
    try:
        facts.real_path = realcli.find_real_cli(environ, self_path)
    except realcli.RealCliNotFound as err:
        facts.real_error = err.message().removeprefix("awsguard: ")
        return facts
    facts.real_is_shim = realcli.is_shim(os.path.realpath(facts.real_path))
    try:
        described = realcli.describe(facts.real_path)
        facts.real_version = described.version
        facts.real_major = described.major
    except Exception as err:  # noqa: BLE001 - a broken CLI is a finding, not a crash
        facts.describe_error = _oneline(err)
        try:
            facts.real_major = realcli.guess_major(facts.real_path)
        except Exception:  # noqa: BLE001
            facts.real_major = None
    return facts


def check_shim(facts: ShimFacts) -> list[Check]:
    install_fix = (
        "put awsguard's bin directory first on PATH: source shell/awsguard.bash "
        "(.zsh, .fish) from your shell's rc file, or re-run install.sh, then open a new shell"
    )
    checks = []
    if facts.first_aws is None:
        on_path = Check(
            "shim.on-path",
            FAIL,
            "no `aws` on PATH at all",
            (f"PATH={os.pathsep.join(facts.path_dirs)}",),
            install_fix,
        )
    elif not facts.first_is_shim:
        on_path = Check(
            "shim.on-path",
            WARN,
            f"the first `aws` on PATH ({facts.first_aws}) is not the awsguard shim: "
            "aws commands run unguarded",
            (f"PATH={os.pathsep.join(facts.path_dirs)}",),
            install_fix,
        )
    else:
        on_path = Check(
            "shim.on-path", OK, f"the first `aws` on PATH is the awsguard shim ({facts.first_aws})"
        )
    if facts.disabled and on_path.status == OK:
        on_path = Check(
            "shim.on-path",
            WARN,
            f"the shim is first on PATH ({facts.first_aws}) but AWSGUARD_DISABLE=1 turns it "
            "into a plain exec of the real CLI",
            fix="`unset AWSGUARD_DISABLE`",
        )
    checks.append(on_path)

    if facts.real_path is None:
        checks.append(
            Check(
                "shim.real-cli",
                FAIL,
                "no real AWS CLI found",
                (facts.real_error or "",),
                "install the AWS CLI, or set AWSGUARD_REAL_AWS=/path/to/aws",
            )
        )
    elif facts.describe_error:
        checks.append(
            Check(
                "shim.real-cli",
                FAIL,
                f"the real AWS CLI at {facts.real_path} does not run: {facts.describe_error}",
                (f"resolved: {os.path.realpath(facts.real_path)}",),
                f"run `{facts.real_path} --version` to see why; reinstall the AWS CLI "
                "or point AWSGUARD_REAL_AWS at a working one",
            )
        )
    else:
        origin = "AWSGUARD_REAL_AWS" if facts.override else "PATH"
        evidence = [f"resolved: {os.path.realpath(facts.real_path)}", f"found through {origin}"]
        checks.append(
            Check(
                "shim.real-cli",
                OK,
                f"real AWS CLI {facts.real_version} (v{facts.real_major}) at {facts.real_path}",
                tuple(evidence),
            )
        )

    loop_reason = None
    if facts.real_error and "awsguard shim" in facts.real_error:
        loop_reason = facts.real_error.split(". ")[0]
    elif facts.real_path and facts.real_is_shim:
        loop_reason = f"the 'real' CLI {facts.real_path} is itself an awsguard shim"
    elif (
        facts.real_path
        and facts.first_aws
        and facts.first_is_shim
        and os.path.realpath(facts.real_path) == os.path.realpath(facts.first_aws)
    ):
        loop_reason = f"the shim {facts.first_aws} would run itself"
    if loop_reason:
        checks.append(
            Check(
                "shim.loop",
                FAIL,
                f"loop: {loop_reason}",
                fix="set AWSGUARD_REAL_AWS to the real `aws` (for example /usr/local/bin/aws)",
            )
        )
    elif facts.real_path is None:
        checks.append(Check("shim.loop", SKIP, "no real CLI found, so no loop to check"))
    else:
        checks.append(Check("shim.loop", OK, "no loop: the real CLI is not an awsguard shim"))
    return checks


# --- 2. the environment --------------------------------------------------------------------

# Conflict codes of resolve.py, by the check that reports them.
ENV_CODES = (
    "env-overrides-profile",
    "partial-env-keys",
    "session-token-with-long-term-key",
    "temporary-key-without-token",
    "profile-vars-disagree",
    "region-vars-disagree",
    "legacy-security-token",
)
# Conflicts after which the CLI (or AWS) refuses every call.
FAILING_CODES = (
    "session-token-with-long-term-key",
    "temporary-key-without-token",
)

_AWSGUARD_VARS = (
    "AWSGUARD_DISABLE",
    "AWSGUARD_REAL_AWS",
    "AWSGUARD_CONFIG",
    "AWSGUARD_APPROVE",
    "AWSGUARD_EXPLAIN",
)


def environment_lines(environ: Mapping[str, str]) -> list[str]:
    names = sorted(n for n in environ if n.startswith("AWS_"))
    names += [n for n in _AWSGUARD_VARS if n in environ]
    return [f"{n}={mask_env_value(n, environ[n])}" for n in names]


def check_environment(environ: Mapping[str, str], conflicts: list[Any] | None) -> list[Check]:
    lines = environment_lines(environ)
    count = sum(1 for n in environ if n.startswith("AWS_"))
    variables = Check(
        "env.variables",
        OK,
        f"{count} AWS_* variable{'s' if count != 1 else ''} set"
        + (" (values of secrets hidden)" if count else ""),
        tuple(lines),
    )
    if conflicts is None:
        precedence = Check(
            "env.precedence",
            SKIP,
            "precedence not checked: the credential resolution did not run (see profile.effective)",
        )
        return [variables, precedence]
    mine = [c for c in conflicts if getattr(c, "code", None) in ENV_CODES]
    if not mine:
        return [variables, Check("env.precedence", OK, "no precedence conflicts")]
    failing = any(
        c.code in FAILING_CODES or (c.code == "partial-env-keys" and "stops" in c.message)
        for c in mine
    )
    first = mine[0]
    evidence = tuple(f"[{c.code}] {c.message}" for c in mine)
    fixes = "; ".join(dict.fromkeys(c.fix for c in mine))
    summary = first.message if len(mine) == 1 else f"{len(mine)} conflicts: {first.message}"
    return [variables, Check("env.precedence", FAIL if failing else WARN, summary, evidence, fixes)]


# --- 3. profile and region -----------------------------------------------------------------


def closest_profiles(name: str, names: Iterable[str]) -> list[str]:
    import difflib

    known = list(names)
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    # A difference in case only is the commonest typo and difflib may rank it low.
    same_case = [n for n in known if n.lower() == name.lower() and n not in close]
    return same_case + close


def check_profile(res: Any, profile_names: list[str], imds_disabled: bool) -> list[Check]:
    origin = f"from {res.profile_from}" if res.profile_from != "default" else "the default"
    where = f"profile {res.profile} ({origin})"
    evidence: list[str] = []
    if res.access_key_id:
        evidence.append(f"access key {res.access_key_id} ({res.source_location or res.source})")
    if res.role_arn:
        evidence.append(f"role {res.role_arn}")
    if getattr(res, "role_chain", None) and len(res.role_chain) > 1:
        evidence.append("role chain " + " -> ".join(res.role_chain))
    if res.base_source:
        base = f"{res.base_source} {res.base_access_key_id or ''}".strip()
        evidence.append(f"role's base credentials: {base} (profile {res.base_profile})")
    if res.mfa_serial:
        evidence.append(f"mfa_serial {res.mfa_serial}")
    if res.sso_session or res.sso_start_url:
        evidence.append(f"sso {res.sso_session or res.sso_start_url}")
    if res.credential_process:
        evidence.append(f"credential_process {res.credential_process}")

    not_found = next(
        (c for c in res.conflicts if c.code == "profile-not-found"), None
    )
    if not_found is not None:
        close = closest_profiles(res.profile, profile_names)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        known = ", ".join(profile_names) or "none"
        effective = Check(
            "profile.effective",
            FAIL,
            f"{where} does not exist: the CLI stops with ProfileNotFound",
            (not_found.message, f"profiles: {known}"),
            f"{hint}use an existing profile (--profile / AWS_PROFILE), "
            f"or add [profile {res.profile}] to the config file",
        )
    elif res.error:
        effective = Check(
            "profile.effective",
            FAIL,
            f"{where}: the CLI will stop before any call: {res.error}",
            tuple(evidence),
            "fix the profile or the variables named in the message",
        )
    elif res.source is None:
        effective = Check(
            "profile.effective",
            FAIL if imds_disabled else WARN,
            f"{where}: no credentials found: {res.source_reason}",
            tuple(evidence),
            f"`awsguard add {res.profile}`, `aws configure --profile {res.profile}`, "
            f"or `aws configure sso --profile {res.profile}`",
        )
    else:
        shadowed = [c for c in res.conflicts if c.code == "keys-shadowed"]
        evidence += [f"[{c.code}] {c.message}" for c in shadowed]
        effective = Check(
            "profile.effective",
            WARN if shadowed else OK,
            f"{where}: credentials from {res.source} ({res.source_reason})",
            tuple(evidence),
            "; ".join(dict.fromkeys(c.fix for c in shadowed)) or None,
        )

    region_checks = [effective, check_region(res)]
    return region_checks


_REGION_SHAPE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def check_region(res: Any) -> Check:
    no_region = next((c for c in res.conflicts if c.code == "no-region"), None)
    if not res.region:
        why = no_region.message if no_region else f"no region for profile {res.profile}"
        return Check(
            "profile.region",
            FAIL,
            "no region: most commands fail with 'You must specify a region'",
            (why,),
            no_region.fix
            if no_region
            else f"`aws configure set region <region> --profile {res.profile}`",
        )
    where = res.region_from or "?"
    if res.region_from == "profile":
        where = f"profile {res.profile} in {res.region_location}"
    if not _REGION_SHAPE.match(res.region):
        return Check(
            "profile.region",
            WARN,
            f"region {res.region!r} (from {where}) does not look like a region name",
            fix="use a region code such as us-east-1 or eu-west-1",
        )
    return Check("profile.region", OK, f"{res.region} (from {where})")


# --- 4. files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileFacts:
    path: Path
    exists: bool
    mode: int | None  # permission bits, None when the file is missing or unreadable


def gather_file(path: Path) -> FileFacts:
    try:
        st = os.stat(path)
    except OSError:
        return FileFacts(path, False, None)
    return FileFacts(path, stat.S_ISREG(st.st_mode), stat.S_IMODE(st.st_mode))


def check_file(check_id: str, what: str, facts: FileFacts, problems: list[Any]) -> Check:
    mine = [p for p in problems if Path(p.path) == facts.path]
    if mine:
        first = mine[0]
        return Check(
            check_id,
            FAIL,
            f"{what} {facts.path} has {len(mine)} problem{'s' if len(mine) > 1 else ''}: "
            f"the AWS CLI may refuse the whole file",
            tuple(str(p) for p in mine),
            f"edit {facts.path} at line {first.line if first.line is not None else '?'}",
        )
    if not facts.exists:
        return Check(check_id, OK, f"{what} {facts.path} is not present (optional)")
    return Check(check_id, OK, f"{what} {facts.path} parses cleanly")


def check_permissions(config: FileFacts, credentials: FileFacts) -> Check:
    wide = []
    worst = OK
    for facts, what, status in ((credentials, "credentials", FAIL), (config, "config", WARN)):
        if facts.mode is None or not facts.mode & 0o077:
            continue
        readable = "world-readable" if facts.mode & 0o004 else "group-accessible"
        wide.append((facts, f"{what} file {facts.path} is {oct(facts.mode)[2:]:0>4} ({readable})"))
        if status == FAIL or worst == OK:
            worst = status
    if not wide:
        shown = [
            f"{f.path}: {oct(f.mode)[2:]:0>4}" for f in (config, credentials) if f.mode is not None
        ]
        summary = "files are private (0600 or narrower)" if shown else "no files to check"
        return Check("files.permissions", OK, summary, tuple(shown))
    fix = "; ".join(f"chmod 600 {facts.path}" for facts, _ in wide)
    summary = "permissions wider than 0600: " + "; ".join(line for _, line in wide)
    return Check("files.permissions", worst, summary, tuple(line for _, line in wide), fix)


def check_plaintext_keys(files: Any) -> Check:
    found = []
    for source, path in (
        (files.credentials_profiles, files.credentials_path),
        (files.config_profiles, files.config_path),
    ):
        for name, section in source.items():
            key = section.get("aws_access_key_id")
            if isinstance(key, str) and key.startswith("AKIA"):
                found.append(f"profile {name}: long-term key {mask_key(key)} in {path}")
    if not found:
        return Check("files.plaintext-keys", OK, "no long-term access keys stored in plain text")
    return Check(
        "files.plaintext-keys",
        WARN,
        f"{len(found)} long-term access key{'s' if len(found) > 1 else ''} stored in plain text",
        tuple(found),
        "`awsguard import` moves them into the OS keyring; then rotate the keys",
    )


# --- 5. credentials alive (STS GetCallerIdentity) -----------------------------------------


@dataclass
class StsProbe:
    ok: bool = False
    identity: dict[str, str] | None = None
    method: str | None = None  # botocore's credential method, or awsguard's session kind
    region: str | None = None
    region_note: str | None = None
    endpoint: str | None = None
    kind: str | None = None  # client | connection | timeout | no-credentials | config | awsguard
    code: str | None = None
    message: str | None = None
    date_header: str | None = None
    received_at: datetime | None = None
    elapsed: float | None = None


def probe_sts(
    invocation: Any, res: Any, files: Any, environ: Mapping[str, str]
) -> StsProbe:
    """GetCallerIdentity with exactly the credentials, region and endpoint the CLI would use.

    botocore reads the process environment; `environ` must be it (doctor runs in the
    user's environment). Like the shim, awsguard's own MFA/keyring sessions are used
    for profiles awsguard manages; otherwise botocore's provider chain decides.
    """
    import botocore.exceptions
    import botocore.session
    from botocore.config import Config

    from .clisession import MfaNeeded

    probe = StsProbe(endpoint=res.endpoint_url)
    probe.region = res.region
    if not res.region:
        # Liveness is worth knowing even when the region is missing (profile.region says so).
        probe.region = "us-east-1"
        probe.region_note = "no region configured: asked STS in us-east-1"

    explicit = None
    if res.source != "env":
        from . import sessions
        from .errors import AwsguardError

        try:
            explicit = sessions.credentials_for(res.profile, files, environ, interactive=False)
        except AwsguardError as err:
            probe.kind, probe.message = "awsguard", str(err)
            return probe

    session_vars = None
    if res.cli_major == 2:
        # The CLI v2 reads AWS_PROFILE before AWS_DEFAULT_PROFILE, and AWS_REGION.
        session_vars = {
            "profile": (None, ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"], None, None),
            "region": ("region", ["AWS_REGION", "AWS_DEFAULT_REGION"], None, None),
        }
    session = botocore.session.Session(session_vars=session_vars)
    if invocation.profile is not None:
        session.set_config_variable("profile", invocation.profile)
    config = Config(
        connect_timeout=STS_TIMEOUT_SECONDS,
        read_timeout=STS_TIMEOUT_SECONDS,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    started = time.monotonic()
    try:
        kwargs: dict[str, Any] = {}
        if explicit is not None:
            kwargs = {
                "aws_access_key_id": explicit.access_key_id,
                "aws_secret_access_key": explicit.secret_access_key,
                "aws_session_token": explicit.session_token,
            }
            probe.method = f"awsguard {explicit.source}"
        else:
            _prepare_providers(session)
            creds = session.get_credentials()
            if creds is None:
                probe.kind = "no-credentials"
                probe.message = "botocore found no credentials"
                return probe
            probe.method = getattr(creds, "method", None)
        client = session.create_client(
            "sts",
            region_name=probe.region,
            endpoint_url=res.endpoint_url,
            config=config,
            **kwargs,
        )
        answer = client.get_caller_identity()
        probe.received_at = datetime.now(timezone.utc)
        probe.ok = True
        probe.identity = {
            "account": answer.get("Account", ""),
            "arn": answer.get("Arn", ""),
            "user_id": answer.get("UserId", ""),
        }
        headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        probe.date_header = headers.get("date")
    except botocore.exceptions.ClientError as err:
        probe.received_at = datetime.now(timezone.utc)
        error = err.response.get("Error", {})
        probe.kind = "client"
        probe.code = error.get("Code") or str(
            err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
        )
        probe.message = error.get("Message") or str(err)
        headers = err.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        probe.date_header = headers.get("date")
    except (
        botocore.exceptions.ConnectTimeoutError,
        botocore.exceptions.ReadTimeoutError,
    ) as err:
        probe.kind, probe.message = "timeout", str(err)
    except (
        botocore.exceptions.EndpointConnectionError,
        botocore.exceptions.ConnectionError,
        botocore.exceptions.HTTPClientError,
    ) as err:
        probe.kind, probe.message = "connection", str(err)
    except botocore.exceptions.NoCredentialsError as err:
        probe.kind, probe.message = "no-credentials", str(err)
    except MfaNeeded as err:
        probe.kind, probe.message = "mfa", str(err)
    except botocore.exceptions.BotoCoreError as err:
        probe.kind, probe.code, probe.message = "config", type(err).__name__, str(err)
    except RuntimeError as err:
        # botocore's RefreshableCredentials: "refreshed credentials are still expired".
        probe.kind, probe.code, probe.message = "expired", "ExpiredToken", str(err)
    finally:
        probe.elapsed = time.monotonic() - started
    return probe


def _prepare_providers(session: Any) -> None:
    """Use the CLI's assume-role cache, and never stop to read an MFA code from stdin."""
    from .clisession import refuse_mfa_prompt, use_cli_cache

    use_cli_cache(session, prompter=refuse_mfa_prompt)


def run_with_deadline(step: Callable[[], Any], seconds: float, what: str) -> Any:
    """Run `step` in a daemon thread; raise TimeoutError when it does not end in time."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = step()
        except BaseException as err:  # noqa: BLE001 - handed back to the caller
            outcome["error"] = err

    worker = threading.Thread(target=target, name=f"doctor-{what}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeoutError(f"{what} did not finish within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def check_credentials_alive(probe: StsProbe, res: Any, diagnosis: Any = None) -> Check:
    """`diagnosis` is explain.diagnose()'s answer for a refused call, when there is one."""
    target = probe.endpoint or f"STS in {probe.region}"
    if probe.ok and probe.identity:
        ident = probe.identity
        evidence = [
            f"account {ident['account']}",
            # moto (and some SDK stubs) answer with the access key id as the user id.
            f"user id {_short(ident['user_id'])}",
            f"credentials: {probe.method or '?'}",
            f"asked {target}",
        ]
        if probe.region_note:
            evidence.append(probe.region_note)
        status = OK
        fix = None
        predicted = res.source
        if (
            probe.method
            and predicted
            and not probe.method.startswith("awsguard")
            and probe.method != predicted
        ):
            evidence.append(
                f"botocore used {probe.method}, awsguard predicted {predicted}: "
                "please report this with `awsguard whoami --json`"
            )
            status = WARN
            fix = "report the mismatch (awsguard whoami --json)"
        return Check(
            "credentials.alive", status, f"STS knows you: {ident['arn']}", tuple(evidence), fix
        )

    profile = res.profile
    if probe.kind == "client":
        summary = f"STS GetCallerIdentity refused: {probe.code}: {_short(probe.message)}"
        if diagnosis is not None:
            evidence = tuple(_render_diagnosis(diagnosis))
            fix = (
                diagnosis.next_commands[0]
                if diagnosis.next_commands
                else (diagnosis.hints[0] if diagnosis.hints else None)
            )
        else:
            evidence, fix = (), None
        return Check("credentials.alive", FAIL, summary, evidence, fix or "see the diagnosis")
    if probe.kind in ("connection", "timeout"):
        return Check(
            "credentials.alive",
            FAIL,
            f"cannot reach {target}: {_short(probe.message)}",
            (f"region {probe.region}", f"endpoint {probe.endpoint or '(AWS default)'}"),
            "check the network, proxy (network.proxy) and endpoint overrides (network.endpoints)",
        )
    if probe.kind == "no-credentials":
        return Check(
            "credentials.alive",
            FAIL,
            "no credentials: botocore found none for this profile",
            (probe.message or "",),
            f"`awsguard add {profile}`, `aws configure --profile {profile}`, or "
            f"`aws sso login --profile {profile}`",
        )
    if probe.kind in ("awsguard", "mfa"):
        return Check(
            "credentials.alive",
            FAIL,
            f"profile {profile} needs a fresh MFA session before any call",
            (_short(probe.message, 400),),
            f"`awsguard mfa {profile}`",
        )
    if probe.kind == "expired":
        return Check(
            "credentials.alive",
            FAIL,
            "the credentials have expired: botocore refuses to sign with them",
            (_short(probe.message),),
            "get fresh credentials (see expiry.env / expiry.sso / expiry.sessions)",
        )
    if probe.kind == "timeout-probe":
        return Check("credentials.alive", FAIL, _short(probe.message), (), "check the network")
    code = probe.code or "error"
    fix = {
        "UnauthorizedSSOTokenError": f"`aws sso login --profile {profile}`",
        "SSOTokenLoadError": f"`aws sso login --profile {profile}`",
        "TokenRetrievalError": f"`aws sso login --profile {profile}`",
        "ConfigParseError": "fix the config file first (see files.config)",
        "ProfileNotFound": "use an existing profile (see profile.effective)",
        "NoRegionError": "set a region (see profile.region)",
        "PartialCredentialsError": "complete or remove the partial credentials "
        "(see env.precedence and profile.effective)",
    }.get(code, "fix the profile or variables named in the message")
    return Check(
        "credentials.alive",
        FAIL,
        f"botocore stopped before the call: {code}: {_short(probe.message)}",
        (),
        fix,
    )


def _short(text: str | None, limit: int = 200) -> str:
    value = " ".join((text or "").split())
    try:
        from .explain.parse import mask_key_ids

        value = mask_key_ids(value)
    except Exception:  # noqa: BLE001
        pass
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _render_diagnosis(diagnosis: Any) -> list[str]:
    try:
        from .explain import render

        lines = [line.strip() for line in render(diagnosis).splitlines() if line.strip()]
        return [line.removeprefix("awsguard: ") for line in lines]
    except Exception:  # noqa: BLE001
        return [f"category: {getattr(diagnosis, 'category', '?')}"]


def diagnose_probe(probe: StsProbe, res: Any, skew: float | None) -> Any:
    from . import explain

    context = explain.DiagnosisContext(
        credential_source=res.source,
        profile=res.profile,
        argv=("sts", "get-caller-identity"),
        clock_skew_seconds=skew,
        region=probe.region,
        access_key=res.access_key_id,
        expires_at=res.expires_at,
    )
    return explain.diagnose(
        probe.code, probe.message, api="GetCallerIdentity", service="sts", context=context
    )


# --- 6. expiry -----------------------------------------------------------------------------


def _env_renew(res: Any) -> str:
    return (
        "get fresh credentials from wherever they were exported (for a profile: "
        "`eval \"$(aws configure export-credentials --profile PROFILE --format env)\"`), "
        "or `unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN "
        "AWS_CREDENTIAL_EXPIRATION` to use a profile"
    )


def check_env_expiry(environ: Mapping[str, str], res: Any, now: datetime) -> Check:
    raw = environ.get("AWS_CREDENTIAL_EXPIRATION", "")
    in_use = res is not None and res.source == "env"
    if not environ.get("AWS_ACCESS_KEY_ID"):
        if raw:
            return Check(
                "expiry.env",
                WARN,
                "AWS_CREDENTIAL_EXPIRATION is set without AWS_ACCESS_KEY_ID",
                fix="`unset AWS_CREDENTIAL_EXPIRATION`",
            )
        return Check("expiry.env", SKIP, "no credentials in the environment")
    if not raw:
        temporary = bool(environ.get("AWS_SESSION_TOKEN") or environ.get("AWS_SECURITY_TOKEN"))
        if temporary:
            return Check(
                "expiry.env",
                OK,
                "temporary environment credentials without AWS_CREDENTIAL_EXPIRATION: "
                "their expiry is known only to AWS",
            )
        return Check("expiry.env", OK, "long-term environment keys: they do not expire")
    moment = parse_time(raw)
    if moment is None:
        return Check(
            "expiry.env",
            WARN,
            f"AWS_CREDENTIAL_EXPIRATION={raw!r} is not an ISO 8601 time",
            fix="set it as 2030-01-01T00:00:00Z, or unset it",
        )
    left = (moment - now).total_seconds()
    note = "" if in_use else " (not in use: another source wins)"
    evidence = (f"AWS_CREDENTIAL_EXPIRATION={format_time(moment)}",)
    if left <= 0:
        return Check(
            "expiry.env",
            FAIL if in_use else WARN,
            f"environment credentials {time_left(left)}{note}",
            evidence,
            _env_renew(res),
        )
    if left < EXPIRY_WARN_SECONDS:
        return Check(
            "expiry.env",
            WARN,
            f"environment credentials: {time_left(left)}{note}",
            evidence,
            _env_renew(res),
        )
    return Check("expiry.env", OK, f"environment credentials: {time_left(left)}{note}", evidence)


def check_sessions(
    sessions: list[Any], profile: str, role_chain: list[str], now: datetime
) -> Check:
    """awsguard's cached MFA and role sessions (SessionInfo from sessions.list_sessions)."""
    if not sessions:
        return Check("expiry.sessions", SKIP, "no awsguard MFA or role sessions cached")
    related = set(role_chain) | {profile}
    lines = []
    stale = []
    for info in sessions:
        left = (info.expiration - now).total_seconds()
        mine = info.profile in related or info.source_profile in related
        kind = info.kind or "session"
        who = info.profile or info.source_profile
        line = f"{kind} {who}: {time_left(left)} ({format_time(info.expiration)})"
        if info.role_arn:
            line += f" role {info.role_arn}"
        lines.append(line + (" <- this profile" if mine else ""))
        if mine and left < EXPIRY_WARN_SECONDS:
            stale.append(info)
    if stale:
        info = stale[0]
        left = (info.expiration - now).total_seconds()
        target = info.source_profile if info.kind == "mfa" and info.source_profile else profile
        return Check(
            "expiry.sessions",
            WARN,
            f"the {info.kind} session for profile {info.profile or profile} is "
            f"{time_left(left)}: the next call asks for an MFA code",
            tuple(lines),
            f"`awsguard mfa {target}`",
        )
    return Check(
        "expiry.sessions",
        OK,
        f"{len(sessions)} awsguard session{'s' if len(sessions) != 1 else ''} cached",
        tuple(lines),
    )


@dataclass(frozen=True)
class SsoToken:
    path: Path
    start_url: str
    expires_at: datetime | None


def gather_sso_tokens(home: str) -> list[SsoToken]:
    import json

    folder = Path(home) / ".aws" / "sso" / "cache"
    found = []
    try:
        entries = sorted(folder.glob("*.json"))
    except OSError:
        return []
    for path in entries:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        # Client registrations live here too; only access tokens matter.
        if not isinstance(data, dict) or "accessToken" not in data:
            continue
        expires = data.get("expiresAt")
        moment = parse_time(expires) if isinstance(expires, str) else None
        found.append(SsoToken(path, str(data.get("startUrl", "?")), moment))
    return found


def check_sso(
    tokens: list[SsoToken], res: Any, wanted: Path | None, now: datetime
) -> Check:
    uses_sso = res is not None and "sso" in (res.source, res.base_source)
    login = "aws sso login"
    if res is not None:
        login = (
            f"aws sso login --sso-session {res.sso_session}"
            if res.sso_session
            else f"aws sso login --profile {res.profile}"
        )
    lines = []
    for token in tokens:
        left = (token.expires_at - now).total_seconds() if token.expires_at else None
        state = time_left(left) if left is not None else "no expiry"
        mark = " <- this profile" if wanted is not None and token.path == wanted else ""
        lines.append(f"{token.start_url}: {state} ({token.path.name}){mark}")
    if not uses_sso:
        if not tokens:
            return Check("expiry.sso", SKIP, "this profile does not use SSO; no SSO tokens cached")
        return Check(
            "expiry.sso",
            OK,
            f"this profile does not use SSO; {len(tokens)} SSO token(s) cached",
            tuple(lines),
        )
    mine = next((t for t in tokens if wanted is not None and t.path == wanted), None)
    name = res.sso_session or res.sso_start_url
    if mine is None or mine.expires_at is None:
        return Check(
            "expiry.sso",
            FAIL,
            f"no cached SSO token for {name}: you are not logged in",
            tuple(lines) + ((f"expected {wanted}",) if wanted else ()),
            f"`{login}`",
        )
    left = (mine.expires_at - now).total_seconds()
    if left <= 0:
        return Check(
            "expiry.sso", FAIL, f"the SSO token for {name} {time_left(left)}", tuple(lines),
            f"`{login}`",
        )
    if left < EXPIRY_WARN_SECONDS:
        return Check(
            "expiry.sso", WARN, f"the SSO token for {name}: {time_left(left)}", tuple(lines),
            f"`{login}`",
        )
    return Check("expiry.sso", OK, f"the SSO token for {name}: {time_left(left)}", tuple(lines))


# --- 7. clock skew -------------------------------------------------------------------------


def clock_skew_seconds(local: datetime, date_header: str) -> float | None:
    """Seconds this machine is ahead of the server (negative: behind), from an HTTP Date."""
    from email.utils import parsedate_to_datetime

    try:
        server = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if server is None:
        return None
    if server.tzinfo is None:
        server = server.replace(tzinfo=timezone.utc)
    return (local - server).total_seconds()


def check_clock(local: datetime | None, date_header: str | None, why_none: str = "") -> Check:
    if local is None or not date_header:
        return Check(
            "clock.skew",
            SKIP,
            "not measured: " + (why_none or "no response from AWS to read the time from"),
        )
    skew = clock_skew_seconds(local, date_header)
    if skew is None:
        return Check("clock.skew", SKIP, f"not measured: unreadable Date header {date_header!r}")
    direction = "ahead of" if skew > 0 else "behind"
    amount = abs(skew)
    # The Date header has whole seconds: under 2 s is as close as it can tell.
    text = "in step with AWS" if amount < 2 else f"{amount:.0f} s {direction} AWS"
    evidence = (f"AWS's Date header: {date_header}", f"local time: {format_time(local)}")
    fix = (
        "sync the clock: `sudo timedatectl set-ntp true` (Linux), "
        "`sudo sntp -sS time.apple.com` (macOS), or `w32tm /resync` (Windows)"
    )
    if amount > SKEW_FAIL_SECONDS:
        return Check(
            "clock.skew",
            FAIL,
            f"this machine's clock is {text}: AWS refuses signatures more than 5 min off",
            evidence,
            fix,
        )
    if amount > SKEW_WARN_SECONDS:
        return Check("clock.skew", WARN, f"this machine's clock is {text}", evidence, fix)
    return Check("clock.skew", OK, f"clock {text}", evidence)


# --- 8. network settings -------------------------------------------------------------------

_PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy")


def _no_proxy_matches(host: str, no_proxy: str) -> bool:
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        entry = entry.split(":")[0].lstrip(".")
        if host == entry or host.endswith("." + entry):
            return True
    return False


def check_proxy(environ: Mapping[str, str], endpoint: str | None) -> Check:
    present = [n for n in _PROXY_VARS if environ.get(n)]
    if not present:
        return Check("network.proxy", OK, "no proxy: the CLI connects directly")
    lines = [f"{n}={mask_env_value(n, environ[n])}" for n in present]
    status = OK
    fix = None
    for upper in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"):
        lower = upper.lower()
        if environ.get(upper) and environ.get(lower) and environ[upper] != environ[lower]:
            lines.append(f"{upper} and {lower} differ: the lower-case one wins")
            status = WARN
            fix = f"set {upper} and {lower} to the same value, or unset one"
    https = environ.get("https_proxy") or environ.get("HTTPS_PROXY")
    http = environ.get("http_proxy") or environ.get("HTTP_PROXY")
    no_proxy = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
    target = endpoint or "https://sts.amazonaws.com"
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(target)
        host = (parts.hostname or "").lower()
        proxy = https if parts.scheme == "https" else http
    except ValueError:
        host, proxy = "", None
    if host and proxy and not _no_proxy_matches(host, no_proxy):
        lines.append(f"requests to {host} go through {mask_url(proxy)}")
    elif host:
        lines.append(f"requests to {host} go direct")
    summary = "proxy settings: " + ", ".join(n for n in present)
    return Check("network.proxy", status, summary, tuple(lines), fix)


def check_ca_bundle(environ: Mapping[str, str], profile: Mapping[str, Any]) -> Check:
    if environ.get("AWS_CA_BUNDLE"):
        value, origin = environ["AWS_CA_BUNDLE"], "AWS_CA_BUNDLE"
    elif isinstance(profile.get("ca_bundle"), str) and profile.get("ca_bundle"):
        value, origin = str(profile["ca_bundle"]), "ca_bundle in the profile"
    else:
        return Check("network.ca-bundle", OK, "default CA certificates (no AWS_CA_BUNDLE)")
    path = Path(os.path.expanduser(value))
    if not path.is_file():
        return Check(
            "network.ca-bundle",
            FAIL,
            f"{origin}={value} is not a file: every HTTPS call fails",
            fix=f"point {origin} at a PEM bundle, or unset it",
        )
    try:
        with open(path, "rb") as handle:
            head = handle.read(65536)
    except OSError as err:
        return Check(
            "network.ca-bundle",
            FAIL,
            f"{origin}={value} cannot be read: {err.strerror or err}",
            fix=f"fix the permissions of {path}, or unset {origin}",
        )
    if b"-----BEGIN CERTIFICATE-----" not in head:
        return Check(
            "network.ca-bundle",
            WARN,
            f"{origin}={value} holds no PEM certificate",
            fix=f"point {origin} at a PEM bundle",
        )
    return Check("network.ca-bundle", OK, f"custom CA bundle {value} (from {origin})")


def endpoint_settings(
    environ: Mapping[str, str], profile: Mapping[str, Any], services: Mapping[str, Any]
) -> tuple[list[str], bool]:
    """(lines describing every endpoint override, whether they are ignored)."""
    lines = []
    for name in sorted(environ):
        if name.startswith("AWS_ENDPOINT_URL") and environ[name]:
            lines.append(f"{name}={mask_url(environ[name])}")
    if isinstance(profile.get("endpoint_url"), str) and profile["endpoint_url"]:
        lines.append(f"endpoint_url = {mask_url(str(profile['endpoint_url']))} (profile)")
    services_name = profile.get("services")
    if isinstance(services_name, str) and services_name:
        block = services.get(services_name)
        if block is None:
            lines.append(f"services = {services_name}, but no [services {services_name}] section")
        else:
            for service, values in block.items():
                if isinstance(values, dict) and values.get("endpoint_url"):
                    lines.append(
                        f"[services {services_name}] {service} endpoint_url = "
                        f"{mask_url(values['endpoint_url'])}"
                    )
    ignored = _truthy(environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) or _truthy(
        profile.get("ignore_configured_endpoint_urls")
    )
    return lines, ignored


def _bad_url(value: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value.split(" ", 1)[0])
    except ValueError:
        return True
    return parts.scheme not in ("http", "https") or not parts.hostname


def check_endpoints(
    environ: Mapping[str, str],
    profile: Mapping[str, Any],
    services: Mapping[str, Any],
    acknowledged: bool = False,
) -> Check:
    lines, ignored = endpoint_settings(environ, profile, services)
    if not lines:
        return Check("network.endpoints", OK, "no endpoint overrides: requests go to AWS")
    if ignored:
        return Check(
            "network.endpoints",
            OK,
            "endpoint overrides are set but ignored (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / "
            "ignore_configured_endpoint_urls)",
            tuple(lines),
        )
    bad = [line for line in lines if "=" in line and _bad_url(line.split("=", 1)[1].strip())]
    if bad:
        return Check(
            "network.endpoints",
            FAIL,
            f"an endpoint override is not an http(s) URL: {bad[0]}",
            tuple(lines),
            "fix or unset it",
        )
    if acknowledged:
        return Check(
            "network.endpoints",
            OK,
            "endpoint overrides in use (acknowledged: endpoint-override is off in awsguard's "
            "config)",
            tuple(lines),
        )
    return Check(
        "network.endpoints",
        WARN,
        f"{len(lines)} endpoint override{'s' if len(lines) > 1 else ''}: requests do not go to "
        "AWS's own endpoints",
        tuple(lines),
        "unset the variables / remove the settings if that is not intended, or set "
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true",
    )


def check_fips_dualstack(environ: Mapping[str, str], profile: Mapping[str, Any]) -> Check:
    lines = []
    bad = []
    for var, key in (
        ("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
        ("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"),
    ):
        if var in environ:
            value, origin = environ[var], var
        elif key in profile:
            value, origin = str(profile[key]), f"{key} (profile)"
        else:
            continue
        lines.append(f"{origin}={value}")
        if value.strip().lower() not in ("true", "false"):
            bad.append(f"{origin}={value!r} is neither true nor false")
    for var, key in (("AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints"),):
        if var in environ:
            lines.append(f"{var}={environ[var]}")
        elif key in profile:
            lines.append(f"{key}={profile[key]} (profile)")
    if bad:
        return Check(
            "network.fips-dualstack", WARN, bad[0], tuple(lines), "set it to true or false"
        )
    on = [line for line in lines if line.lower().endswith("=true")]
    if on:
        return Check(
            "network.fips-dualstack",
            OK,
            "FIPS / dual-stack endpoints on: " + ", ".join(on)
            + " (not every service has them in every region)",
            tuple(lines),
        )
    return Check("network.fips-dualstack", OK, "standard endpoints (no FIPS, no dual-stack)",
                 tuple(lines))


# --- 9. the keyring ------------------------------------------------------------------------


@dataclass
class KeyringFacts:
    backend: str | None = None
    ok: bool = False
    problem: str | None = None  # the paragraph to show when it is unusable


def gather_keyring() -> KeyringFacts:
    """Store, read back and delete a random test secret under the service awsguard-doctor."""
    import secrets

    from . import vault

    facts = KeyringFacts()
    try:
        backend = vault._backend()
    except Exception as err:  # noqa: BLE001 - vault raises AwsguardError with the paragraph
        facts.problem = str(err)
        return facts
    facts.backend = f"{type(backend).__module__}.{type(backend).__name__}"
    item = f"probe-{os.getpid()}"
    value = secrets.token_hex(16)
    step = "writing to"
    try:
        backend.set_password(KEYRING_SERVICE, item, value)
        step = "reading from"
        read = backend.get_password(KEYRING_SERVICE, item)
        step = "deleting from"
        backend.delete_password(KEYRING_SERVICE, item)
    except Exception as err:  # noqa: BLE001 - D-Bus, OS and keyring errors alike
        facts.problem = _keyring_paragraph(vault, f"{step} the keyring failed with "
                                           f"{facts.backend}: {_oneline(err)}")
        return facts
    if read != value:
        facts.problem = _keyring_paragraph(
            vault, f"{facts.backend} gave back a different value than it stored"
        )
        return facts
    facts.ok = True
    return facts


def _keyring_paragraph(vault: Any, detail: str) -> str:
    make = getattr(vault, "_unusable", None)
    if make is not None:
        return str(make(detail))
    return f"no usable OS keyring: {detail}."


def check_keyring(facts: KeyringFacts) -> Check:
    if facts.ok:
        return Check(
            "keyring.backend",
            OK,
            f"{facts.backend} stored, read back and deleted a test secret",
            (f"service {KEYRING_SERVICE}",),
        )
    paragraph = facts.problem or "no usable OS keyring."
    cut = paragraph.find(" awsguard keeps")
    summary = paragraph[:cut].rstrip(".") if cut > 0 else paragraph.split(". ")[0]
    ways = paragraph.find("Ways out:")
    fix = paragraph[ways:] if ways >= 0 else paragraph
    evidence = [f"backend {facts.backend}"] if facts.backend else []
    evidence.append(paragraph)
    return Check("keyring.backend", FAIL, summary, tuple(evidence), fix)


# --- 10. confirmation rules ----------------------------------------------------------------


def rules_line(
    environ: Mapping[str, str], res: Any, profile: str, account: str | None
) -> Check:
    """What destructive / permissions / write / read commands will need, for this profile
    and account, from awsguard's config (rules.py)."""
    from . import rules  # ImportError -> skip, through _guard

    config = rules.load_config(environ)
    if getattr(config, "error", None) is not None:
        return Check(
            "rules.confirmation",
            FAIL,
            "awsguard's config cannot be used: commands that need a confirmation are refused",
            (_short(str(config.error), 400),),
            f"fix {config.path} at the line named above, or move it aside for the defaults",
        )
    identity = {"account": account} if account else None
    parts = []
    evidence = []
    unknown_account = False
    for risk in ("destructive", "permissions", "write", "read"):
        decision = config.plan(risk, res, identity)
        parts.append(f"{risk} -> {decision.level}")
        evidence.append(f"{risk}: {decision.level} ({decision.because})")
        unknown_account = unknown_account or bool(getattr(decision, "identity_needed", False))
    specific = [r for r in config.all_rules() if r.command is not None or r.action is not None]
    if specific:
        evidence.append(
            f"{len(specific)} command-specific rule{'s' if len(specific) > 1 else ''} "
            "may ask more or less for those commands"
        )
    if unknown_account:
        evidence.append("account unknown (STS not reached): account rules may change this")
    name = config.account_name(account) if account else None
    who = f"profile {profile}"
    if account:
        who += f", account {account}" + (f" ({name})" if name else "")
    source = str(config.path) if getattr(config, "exists", False) else "built-in defaults"
    evidence.append(f"rules from {source}")
    return Check("rules.confirmation", OK, f"{who}: {', '.join(parts)}", tuple(evidence))


# --- putting it together -------------------------------------------------------------------


@dataclass
class Options:
    profile: str | None = None
    region: str | None = None
    online: bool = True  # call STS
    keyring: bool = True  # probe the keyring


def run_doctor(
    environ: Mapping[str, str],
    options: Options | None = None,
    now: datetime | None = None,
) -> Report:
    options = options or Options()
    now = now or datetime.now(timezone.utc)
    report = Report()
    add = report.checks.extend
    home = environ.get("HOME") or os.path.expanduser("~")

    # 1. the shim
    shim: ShimFacts | None = None

    def shim_step() -> list[Check]:
        nonlocal shim
        shim = gather_shim(environ)
        return check_shim(shim)

    add(_guard(("shim.on-path", "shim.real-cli", "shim.loop"), shim_step))
    cli_major = (shim.real_major if shim else None) or 1

    # Inputs for the rest: the files, the invocation doctor stands for, the resolution.
    files: Any = None
    files_error: str | None = None
    try:
        from .awsconfig import load_files

        files = load_files(environ)
    except Exception as err:  # noqa: BLE001
        files_error = _oneline(err)

    invocation: Any = None
    res: Any = None
    res_error: str | None = None
    try:
        from .invocation import parse
        from .resolve import resolve

        argv = []
        if options.profile is not None:
            argv += ["--profile", options.profile]
        if options.region is not None:
            argv += ["--region", options.region]
        # As `aws sts get-caller-identity` runs: the STS endpoint variables apply.
        invocation = parse([*argv, "sts", "get-caller-identity"])
        if files is None:
            raise RuntimeError(f"the AWS files could not be read ({files_error})")
        res = resolve(invocation, environ, files, cli_major, now=now)
    except Exception as err:  # noqa: BLE001
        res_error = _oneline(err)

    def needs_res(ids: tuple[str, ...]) -> list[Check]:
        return [
            Check(i, SKIP if "ImportError" in (res_error or "") else FAIL,
                  f"the credential resolution did not run: {res_error}")
            for i in ids
        ]

    # 2. environment
    add(_guard(
        ("env.variables", "env.precedence"),
        lambda: check_environment(environ, res.conflicts if res is not None else None),
    ))

    # 3. profile and region
    if res is not None:
        imds_off = environ.get("AWS_EC2_METADATA_DISABLED", "").lower() == "true"
        add(_guard(
            ("profile.effective", "profile.region"),
            lambda: check_profile(res, files.profile_names(), imds_off),
        ))
    else:
        add(needs_res(("profile.effective", "profile.region")))

    # 4. files
    if files is not None:
        def files_step() -> list[Check]:
            config = gather_file(files.config_path)
            creds = gather_file(files.credentials_path)
            return [
                check_file("files.config", "config file", config, files.errors),
                check_file("files.credentials", "credentials file", creds, files.errors),
                check_permissions(config, creds),
                check_plaintext_keys(files),
            ]

        add(_guard(
            ("files.config", "files.credentials", "files.permissions", "files.plaintext-keys"),
            files_step,
        ))
    else:
        add([
            Check(i, FAIL, f"the AWS files could not be read: {files_error}")
            for i in ("files.config", "files.credentials", "files.permissions",
                      "files.plaintext-keys")
        ])

    # 5. credentials alive, and 7. the clock from the same answer
    probe: StsProbe | None = None
    if not options.online:
        add([Check("credentials.alive", SKIP, "not checked (--offline)")])
    elif res is None:
        add(needs_res(("credentials.alive",)))
    else:
        def probe_step() -> list[Check]:
            nonlocal probe
            try:
                probe = run_with_deadline(
                    lambda: probe_sts(invocation, res, files, environ),
                    PROBE_DEADLINE_SECONDS,
                    "STS GetCallerIdentity",
                )
            except TimeoutError as err:
                probe = StsProbe(kind="timeout-probe", message=str(err), region=res.region)
            skew = (
                clock_skew_seconds(probe.received_at, probe.date_header)
                if probe.received_at and probe.date_header
                else None
            )
            diagnosis = None
            if probe.kind == "client":
                try:
                    diagnosis = diagnose_probe(probe, res, skew)
                except Exception:  # noqa: BLE001 - the check still says what STS answered
                    diagnosis = None
            return [check_credentials_alive(probe, res, diagnosis)]

        add(_guard(("credentials.alive",), probe_step))

    # 6. expiry
    add(_guard(("expiry.env",), lambda: [check_env_expiry(environ, res, now)]))

    def sessions_step() -> list[Check]:
        from .sessions import list_sessions

        found = list_sessions(environ, now)
        profile = res.profile if res is not None else (options.profile or "default")
        chain = list(getattr(res, "role_chain", []) or []) if res is not None else []
        if res is not None and res.base_profile:
            chain.append(res.base_profile)
        return [check_sessions(found, profile, chain, now)]

    add(_guard(("expiry.sessions",), sessions_step))

    def sso_step() -> list[Check]:
        from .resolve import sso_token_path

        tokens = gather_sso_tokens(home)
        wanted = (
            sso_token_path(home, res.sso_start_url, res.sso_session) if res is not None else None
        )
        return [check_sso(tokens, res, wanted, now)]

    add(_guard(("expiry.sso",), sso_step))

    # 7. clock
    if probe is not None:
        why = ""
        if not probe.date_header:
            why = {
                "connection": "STS could not be reached",
                "timeout": "STS did not answer in time",
                "timeout-probe": "STS did not answer in time",
                "no-credentials": "no credentials to call STS with",
                "awsguard": "STS was not called (an MFA session is needed)",
                "mfa": "STS was not called (an MFA code is needed)",
                "expired": "STS was not called (the credentials have expired)",
                "config": "botocore stopped before calling STS",
            }.get(probe.kind or "", "STS's answer had no Date header")
        add(_guard(("clock.skew",), lambda: [check_clock(probe.received_at, probe.date_header,
                                                         why)]))
    else:
        add([Check("clock.skew", SKIP, "not measured: STS was not called")])

    # 8. network
    def network_step() -> list[Check]:
        profile_name = res.profile if res is not None else (options.profile or "default")
        profile = files.profile(profile_name) if files is not None else {}
        services = files.services if files is not None else {}
        endpoint = res.endpoint_url if res is not None else None
        acknowledged = _endpoint_override_acknowledged(environ)
        return [
            check_proxy(environ, endpoint),
            check_ca_bundle(environ, profile),
            check_endpoints(environ, profile, services, acknowledged),
            check_fips_dualstack(environ, profile),
        ]

    add(_guard(
        ("network.proxy", "network.ca-bundle", "network.endpoints", "network.fips-dualstack"),
        network_step,
    ))

    # 9. keyring
    if options.keyring:
        def keyring_step() -> list[Check]:
            try:
                facts = run_with_deadline(gather_keyring, KEYRING_DEADLINE_SECONDS, "the keyring")
            except TimeoutError as err:
                facts = KeyringFacts(problem=f"no usable OS keyring: {err} (a locked keyring "
                                     "waiting for a password prompt looks like this).")
            return [check_keyring(facts)]

        add(_guard(("keyring.backend",), keyring_step))
    else:
        add([Check("keyring.backend", SKIP, "not checked (--no-keyring)")])

    # 10. confirmation rules
    account = probe.identity["account"] if probe is not None and probe.identity else None
    if account is None and res is not None:
        try:
            from . import identity

            cached = identity.cached(res, environ)
            account = str(cached["account"]) if cached and cached.get("account") else None
        except Exception:  # noqa: BLE001 - no cached identity: account rules stay unknown
            account = None
    profile_name = res.profile if res is not None else (options.profile or "default")
    add(_guard(
        ("rules.confirmation",),
        lambda: [rules_line(environ, res, profile_name, account)],
    ))
    return report


def _endpoint_override_acknowledged(environ: Mapping[str, str]) -> bool:
    """True when awsguard's config turns the endpoint-override conflict off."""
    try:
        from . import rules

        config = rules.load_config(environ)
        if getattr(config, "error", None) is not None:
            return False
        return config.conflict_action("endpoint-override") == "off"
    except Exception:  # noqa: BLE001 - not acknowledged, then
        return False


# --- printing ------------------------------------------------------------------------------

_COLOURS = {OK: "32", WARN: "33", FAIL: "31", SKIP: "2"}
_LABELS = {OK: "ok", WARN: "warn", FAIL: "FAIL", SKIP: "skip"}


def use_colour(environ: Mapping[str, str], is_tty: bool) -> bool:
    # https://no-color.org: any non-empty NO_COLOR turns colour off.
    if environ.get("NO_COLOR"):
        return False
    if environ.get("TERM") == "dumb":
        return False
    return is_tty


def format_report(report: Report, colour: bool = False, verbose: bool = True) -> str:
    def paint(code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if colour else text

    lines: list[str] = []
    width = max((len(c.id) for c in report.checks), default=10)
    for group, heading in GROUPS:
        members = [c for c in report.checks if c.group == group]
        if not members:
            continue
        lines.append(paint("1", heading))
        for check in members:
            label = paint(_COLOURS[check.status], f"{_LABELS[check.status]:<4}")
            lines.append(f"  {label}  {check.id:<{width}}  {check.summary}")
            indent = " " * (width + 10)
            if verbose or check.status in (WARN, FAIL):
                for line in check.evidence:
                    lines.append(f"{indent}{line}")
            if check.fix and check.status in (WARN, FAIL):
                lines.append(f"{indent}{paint('1', 'fix:')} {check.fix}")
        lines.append("")
    counts = report.counts()
    parts = [f"{counts[s]} {_LABELS[s].lower()}" for s in STATUSES if counts[s]]
    verdict = {
        OK: "all good",
        WARN: "nothing failed; see the warnings",
        FAIL: f"{counts[FAIL]} check{'s' if counts[FAIL] != 1 else ''} failed: see the fixes",
    }[report.status]
    lines.append(paint(_COLOURS[report.status], f"doctor: {', '.join(parts)} — {verdict}"))
    return "\n".join(lines) + "\n"
