"""MFA and assume-role sessions: which profiles need one, get, cache, refresh, lock.

The model (what aws-vault does, and what botocore's own assume-role provider
does per call): a profile chain ends at a *root* profile holding a long-term
key (plaintext in ~/.aws/credentials, or in the keyring via `awsguard add`).
When the chain carries an `mfa_serial`, awsguard calls STS GetSessionToken
with the root's key and one MFA code, and caches that session in the keyring
per (root profile, MFA device). Role profiles then call AssumeRole *with the
session's credentials*: the MFA context travels with them, so AssumeRole needs
no code, and one code serves every role sharing the device until the session
expires. Role sessions are cached per (role ARN, session name, root).

Refreshes happen under an flock per cached item, so many concurrent callers
make one prompt and one STS call; the others wait, re-read, and reuse. A
refresh writes the new session over the old keyring item in one call, so a
process killed mid-refresh leaves the old session or the new one.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone

from . import paths, timefmt, vault
from .sessionplan import (  # noqa: F401 - plan_chain and its types are this module's API too
    DEFAULT_ROLE_DURATION,
    Chain,
    RoleStep,
    _seconds,
    plan_chain,
)
from .errors import EXIT_REFUSED, AwsguardError
from .record import field, record

# typing, collections.abc and pathlib cost the shim milliseconds; annotations are strings
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path
    from typing import Any

DEFAULT_REFRESH_THRESHOLD = 600
DEFAULT_MFA_DURATION = 43200
# A role session is renewed this long before it expires (no code is needed for that
# while the MFA session lasts); a session with less than MIN_SECONDS_LEFT is not handed
# to the CLI at all, since a long command would outlive it.
ROLE_RENEW_BEFORE = 300
MIN_SECONDS_LEFT = 60
MFA_PROCESS_TIMEOUT = 120



# --- settings ([sessions] in awsguard's config.toml) -------------------------------------------


@record(frozen=True)
class SessionSettings:
    mfa_process: list[str] = field(default_factory=list)
    refresh_threshold: int = DEFAULT_REFRESH_THRESHOLD
    duration_seconds: int = DEFAULT_MFA_DURATION
    path: Path | None = None


def load_settings(environ: Mapping[str, str] = os.environ) -> SessionSettings:
    """The `[sessions]` table of awsguard's config file (defaults when absent)."""
    from . import rules  # config.toml's one reader; a broken file is one error for all

    config = rules.load_config(environ)
    path = config.path
    if not config.exists:
        return SessionSettings(path=path)
    config.raise_for_error()
    table = config.data.get("sessions", {})
    if not isinstance(table, dict):
        raise AwsguardError(f"{path}: `sessions` must be a table ([sessions]).")

    def number(key: str, default: int, low: int, high: int) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise AwsguardError(
                f"{path}: [sessions] {key} = {value!r} must be a whole number of seconds "
                f"from {low} to {high}."
            )
        return value

    raw_process = table.get("mfa_process", "")
    if isinstance(raw_process, str):
        try:
            import shlex

            process = shlex.split(raw_process)
        except ValueError as err:
            raise AwsguardError(f"{path}: [sessions] mfa_process: {err}.") from None
    elif isinstance(raw_process, list) and all(isinstance(p, str) for p in raw_process):
        process = list(raw_process)
    else:
        raise AwsguardError(
            f"{path}: [sessions] mfa_process must be a command line string, for example "
            "mfa_process = \"ykman oath accounts code --single aws\"."
        )
    return SessionSettings(
        mfa_process=process,
        refresh_threshold=number("refresh_threshold", DEFAULT_REFRESH_THRESHOLD, 0, 43200),
        duration_seconds=number("duration_seconds", DEFAULT_MFA_DURATION, 900, 129600),
        path=path,
    )


# --- credentials for the child -----------------------------------------------------------------


@record(frozen=True)
class ChildCredentials:
    """What the real CLI receives in its environment."""

    profile: str
    source: str  # "mfa-session", "assume-role" or "keyring"
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None
    arn: str = ""

    def env(self) -> dict[str, str]:
        values = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        if self.session_token:
            values["AWS_SESSION_TOKEN"] = self.session_token
        if self.expiration is not None:
            values["AWS_CREDENTIAL_EXPIRATION"] = timefmt.format_time(self.expiration)
        return values

    def process_document(self) -> dict[str, object]:
        """The JSON object a credential_process prints (Version 1), for the SDKs."""
        document: dict[str, object] = {
            "Version": 1,
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
        }
        if self.session_token:
            document["SessionToken"] = self.session_token
        if self.expiration is not None:
            document["Expiration"] = timefmt.format_time(self.expiration)
        return document

    def apply(self, environ: Mapping[str, str]) -> dict[str, str]:
        """`environ` for the child: these credentials set, stale token/expiry removed."""
        child = {
            k: v
            for k, v in environ.items()
            if k not in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION")
        }
        child.update(self.env())
        return child

    @property
    def masked_id(self) -> str:
        return vault.mask(self.access_key_id)


def default_profile(environ: Mapping[str, str] = os.environ) -> str:
    """The profile the CLI would use without --profile."""
    return environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE") or "default"


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def credentials_for(
    profile_name: str,
    files: Any,
    environ: Mapping[str, str] = os.environ,
    interactive: bool = False,
    now: datetime | None = None,
    cli: tuple[int, str | None] | None = None,
) -> ChildCredentials | None:
    """Temporary (or keyring) credentials for the child, or None when awsguard adds nothing.

    `cli` is the real CLI's (major, exact version): STS is asked where that CLI would
    send it (AWS CLI 2.9 ignores AWS_ENDPOINT_URL). Raises AwsguardError: exit 77 when
    a code is needed and `interactive` is False.
    """
    chain = plan_chain(profile_name, files, environ)
    if chain is None:
        return None
    broker = Broker(chain, files, environ, load_settings(environ), interactive, now)
    if cli is not None:
        broker.cli = cli
    return broker.credentials()


def installed_cli(environ: Mapping[str, str] = os.environ) -> tuple[int, str | None]:
    """The real CLI's (major, exact version), for a Broker built outside the shim whose
    session the CLI uses (`awsguard mfa`): STS is asked where that CLI would send it, as
    the shim does. Nothing is started (realcli's files and cache); with no real CLI
    found, the Broker's default (the newest v2). Not for credential-process or exec:
    their sessions go to SDKs, which read the endpoint settings the newest CLI reads."""
    from . import realcli

    try:
        info = realcli.identify(realcli.find_real_cli(environ), environ, probe=False)
    except realcli.RealCliNotFound:
        return Broker.cli
    return info.major, info.version


def needs_code_error(profile: str, chain: Chain) -> AwsguardError:
    return AwsguardError(
        f"profile {profile!r} needs a fresh MFA session (device {chain.mfa_serial}, from "
        f"profile {chain.root!r}) and there is no terminal to ask for a code on. Run "
        f"`awsguard mfa {profile}` in a terminal first, or set `mfa_process` in the "
        "[sessions] table of awsguard's config to a command that prints the code.",
        exit_code=EXIT_REFUSED,
    )


class Broker:
    """One profile's credentials: cached sessions first, refreshed under a lock."""

    # How long before it expires a role session is renewed; `awsguard exec --server`
    # raises it so that what it serves outlives the SDKs' own refresh window.
    role_renew_before = ROLE_RENEW_BEFORE
    # The real CLI's (major, exact version), for the STS endpoint it would use; the
    # default, the newest v2, reads every configured endpoint setting.
    cli: tuple[int, str | None] = (2, None)

    def __init__(
        self,
        chain: Chain,
        files: Any,
        environ: Mapping[str, str],
        settings: SessionSettings,
        interactive: bool,
        now: datetime | None = None,
        ask_code: Callable[[str, str], str] | None = None,
    ) -> None:
        self.chain = chain
        self.files = files
        self.environ = environ
        self.settings = settings
        self.interactive = interactive
        self._now = now
        self._ask_code = ask_code

    def now(self) -> datetime:
        return self._now or _utcnow()

    # -- the answer

    def credentials(self) -> ChildCredentials:
        chain = self.chain
        if chain.roles:
            session = self.role_session(len(chain.roles) - 1)
            return self._child(session, "assume-role")
        if chain.mfa_serial:
            return self._child(self.mfa_session(), "mfa-session")
        key = self.root_key()
        return ChildCredentials(chain.profile, "keyring", key.access_key_id, key.secret_access_key)

    def _child(self, session: vault.StoredSession, source: str) -> ChildCredentials:
        return ChildCredentials(
            profile=self.chain.profile,
            source=source,
            access_key_id=session.access_key_id,
            secret_access_key=session.secret_access_key,
            session_token=session.session_token,
            expiration=session.expiration,
            arn=session.arn,
        )

    # -- the long-term key

    def root_key(self) -> vault.LongTermKey:
        chain = self.chain
        if chain.key_in_keyring:
            key = vault.load_key(chain.root)
            if key is not None:
                return key
        profile = self.files.profile(chain.root)
        key_id = str(profile.get("aws_access_key_id", "") or "")
        secret = str(profile.get("aws_secret_access_key", "") or "")
        if key_id and secret:
            return vault.LongTermKey(key_id, secret)
        raise AwsguardError(
            f"profile {chain.root!r} has no long-term access key: not in the keyring and not "
            f"in {self.files.credentials_path}. Store one with `awsguard add {chain.root}`."
        )

    # -- the MFA session

    def mfa_item(self) -> str:
        return vault.mfa_item(self.chain.root, self.chain.mfa_serial)

    def mfa_session(self) -> vault.StoredSession:
        item = self.mfa_item()
        threshold = self.settings.refresh_threshold
        cached = vault.load_session(item)
        if cached and cached.seconds_left(self.now()) > threshold:
            return cached
        with self._lock(item, "the MFA session"):
            cached = vault.load_session(item)  # another process may have refreshed it
            if cached and cached.seconds_left(self.now()) > threshold:
                return cached
            if not self.interactive and not self.settings.mfa_process:
                if cached and cached.seconds_left(self.now()) > MIN_SECONDS_LEFT:
                    return cached  # expiring soon, but nobody to ask: use what is left
                raise needs_code_error(self.chain.profile, self.chain)
            return self._new_mfa_session(item, None, self._mfa_duration())

    def refresh_mfa(self, code: str | None, duration: int | None) -> vault.StoredSession:
        """A new MFA session now, whatever the cache holds (`awsguard mfa`)."""
        if not self.chain.mfa_serial:
            raise AwsguardError(
                f"profile {self.chain.profile!r} has no mfa_serial (nor does its source "
                f"profile {self.chain.root!r}): add `mfa_serial = arn:aws:iam::ACCOUNT:mfa/"
                "NAME` to it in ~/.aws/config."
            )
        item = self.mfa_item()
        with self._lock(item, "the MFA session"):
            return self._new_mfa_session(item, code, duration or self._mfa_duration())

    def _mfa_duration(self) -> int:
        return self.chain.root_duration or self.settings.duration_seconds

    def obtain_code(self) -> str:
        from . import tty

        chain = self.chain
        if self.settings.mfa_process:
            return run_mfa_process(self.settings, chain.profile, chain.mfa_serial, self.environ)
        if not self.interactive or (self._ask_code is None and not tty.has_terminal()):
            raise needs_code_error(chain.profile, chain)
        ask = self._ask_code or tty.ask_mfa_code
        return ask(chain.profile, chain.mfa_serial)

    def _new_mfa_session(
        self, item: str, code: str | None, duration: int
    ) -> vault.StoredSession:
        chain = self.chain
        key = self.root_key()  # before asking: no code wasted on a profile without a key
        if code is None:
            code = self.obtain_code()
        client = self._sts((key.access_key_id, key.secret_access_key, None))
        answer = _call_sts(
            "GetSessionToken",
            chain.root,
            lambda: client.get_session_token(
                DurationSeconds=duration, SerialNumber=chain.mfa_serial, TokenCode=code
            ),
        )
        session = _stored(answer["Credentials"], "mfa", chain.root, chain, self.now())
        vault.store_session(item, session, self.environ)
        return session

    # -- role sessions

    def role_item(self, index: int) -> str:
        step = self.chain.roles[index]
        return vault.role_item(step.role_arn, step.session_name, self.chain.root)

    def role_session(self, index: int) -> vault.StoredSession:
        item = self.role_item(index)
        cached = vault.load_session(item)
        if cached and cached.seconds_left(self.now()) > self.role_renew_before:
            return cached
        with self._lock(item, "the role session"):
            cached = vault.load_session(item)
            if cached and cached.seconds_left(self.now()) > self.role_renew_before:
                return cached
            try:
                base = self._base_for_role(index)
            except AwsguardError as err:
                # No code to be had right now: a role session with a little time left
                # still serves this one command.
                usable = cached and cached.seconds_left(self.now()) > MIN_SECONDS_LEFT
                if err.exit_code == EXIT_REFUSED and usable:
                    return cached  # type: ignore[return-value]
                raise
            return self._assume(index, item, base)

    def _base_for_role(self, index: int) -> tuple[str, str, str | None]:
        if index > 0:
            prior = self.role_session(index - 1)
            return prior.access_key_id, prior.secret_access_key, prior.session_token
        if self.chain.mfa_serial:
            session = self.mfa_session()
            return session.access_key_id, session.secret_access_key, session.session_token
        key = self.root_key()
        return key.access_key_id, key.secret_access_key, None

    def _assume(
        self, index: int, item: str, base: tuple[str, str, str | None]
    ) -> vault.StoredSession:
        step = self.chain.roles[index]
        client = self._sts(base, profile=step.profile)
        # botocore names an unnamed role session botocore-session-<unix time>; we do the same
        # in our own name so CloudTrail shows where it came from.
        name = step.session_name or f"awsguard-{int(time.time())}"
        params: dict[str, Any] = {
            "RoleArn": step.role_arn,
            "RoleSessionName": name,
            "DurationSeconds": step.duration_seconds,
        }
        if step.external_id:
            params["ExternalId"] = step.external_id
        answer = _call_sts("AssumeRole", step.profile, lambda: client.assume_role(**params))
        arn = answer.get("AssumedRoleUser", {}).get("Arn", "")
        session = _stored(
            answer["Credentials"],
            "role",
            step.profile,
            self.chain,
            self.now(),
            role=step,
            role_session_name=step.session_name,
            arn=arn,
        )
        vault.store_session(item, session, self.environ)
        return session

    # -- edges

    def _lock(self, item: str, what: str) -> Any:
        def tell() -> None:
            import sys

            print(
                f"awsguard: waiting for another awsguard refreshing {what} of "
                f"{self.chain.profile!r}…",
                file=sys.stderr,
            )

        return vault.hold_lock(lock_path(item, self.environ), on_wait=tell)

    def _sts(self, creds: tuple[str, str, str | None], profile: str | None = None) -> Any:
        name = profile or self.chain.profile
        return sts_client(
            creds,
            region=sts_region(
                self.files, self.chain.profile, self.chain.root, self.environ, *self.cli
            ),
            endpoint_url=sts_endpoint(self.files, name, self.environ, *self.cli),
        )


def lock_path(item: str, environ: Mapping[str, str] = os.environ) -> Path:
    import hashlib  # only when a refresh takes a lock: _hashlib costs ms to load

    digest = hashlib.sha256(item.encode()).hexdigest()[:24]
    return paths.cache_dir(environ) / "locks" / f"session-{digest}.lock"


def _stored(
    creds: Mapping[str, Any],
    kind: str,
    profile: str,
    chain: Chain,
    now: datetime,
    role: RoleStep | None = None,
    role_session_name: str = "",
    arn: str = "",
) -> vault.StoredSession:
    expiration = creds["Expiration"]
    if isinstance(expiration, str):
        expiration = timefmt.require_time(expiration)
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=timezone.utc)
    # As the keyring keeps it: UTC, whole seconds.
    expiration = expiration.astimezone(timezone.utc).replace(microsecond=0)
    now = now.astimezone(timezone.utc).replace(microsecond=0)
    return vault.StoredSession(
        kind=kind,
        profile=profile,
        access_key_id=creds["AccessKeyId"],
        secret_access_key=creds["SecretAccessKey"],
        session_token=creds["SessionToken"],
        expiration=expiration,
        created=now,
        source_profile=chain.root,
        mfa_serial=chain.mfa_serial,
        role_arn=role.role_arn if role else "",
        role_session_name=role_session_name,
        arn=arn,
    )


# --- the MFA code from a command ---------------------------------------------------------------


def run_mfa_process(
    settings: SessionSettings, profile: str, mfa_serial: str, environ: Mapping[str, str]
) -> str:
    """Run `[sessions] mfa_process` (no shell) and return the 6-digit code it prints."""
    import subprocess  # only here: the shim and credential-process load this module
    from .tty import normalise_mfa_code

    command = settings.mfa_process
    env = dict(environ)
    env.update({"AWSGUARD_PROFILE": profile, "AWSGUARD_MFA_SERIAL": mfa_serial})
    try:
        done = subprocess.run(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            timeout=MFA_PROCESS_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise AwsguardError(
            f"{settings.path}: [sessions] mfa_process runs {command[0]!r}, which is not "
            "installed or not on PATH."
        ) from None
    except subprocess.TimeoutExpired:
        raise AwsguardError(
            f"{settings.path}: [sessions] mfa_process did not print a code within "
            f"{MFA_PROCESS_TIMEOUT} s."
        ) from None
    if done.returncode != 0:
        raise AwsguardError(
            f"{settings.path}: [sessions] mfa_process ({command[0]} …) exited with "
            f"{done.returncode}; run it yourself to see why."
        )
    code = normalise_mfa_code(done.stdout.decode(errors="replace").strip())
    if code is None:
        raise AwsguardError(
            f"{settings.path}: [sessions] mfa_process ({command[0]} …) must print a "
            "6-digit code and nothing else on stdout."
        )
    return code


# --- STS ---------------------------------------------------------------------------------------


def sts_endpoint(
    files: Any,
    profile_name: str,
    environ: Mapping[str, str],
    cli_major: int = 2,
    cli_version: str | None = None,
) -> str | None:
    """The STS endpoint the CLI would use for this profile: resolve.configured_endpoint,
    the one place that precedence (and the CLI version that reads it) lives."""
    from .resolve import configured_endpoint

    found = configured_endpoint("sts", environ, files, profile_name, cli_major, cli_version)
    return found.value if found else None


def sts_region(
    files: Any,
    profile_name: str,
    root: str,
    environ: Mapping[str, str],
    cli_major: int = 2,
    cli_version: str | None = None,
) -> str:
    """The environment's region first, in the variables the real CLI reads
    (resolve.region_vars: AWS_REGION is v2's only), then the profile's, then its root's."""
    from .resolve import region_vars

    for var in region_vars(cli_major, cli_version):
        if environ.get(var):
            return environ[var]
    for name in (profile_name, root):
        if files.has_profile(name) and files.profile(name).get("region"):
            return str(files.profile(name)["region"])
    return "us-east-1"


def sts_client(
    creds: tuple[str, str, str | None], region: str, endpoint_url: str | None
) -> Any:
    import botocore.session
    from botocore.config import Config

    # We read the profile ourselves; keep botocore away from the user's files and
    # AWS_PROFILE, so only the credentials handed in are used. Setting the `profile`
    # variable to None is not enough: botocore then falls through to AWS_PROFILE and,
    # with the files hidden, raises ProfileNotFound. So the variable has no sources.
    session = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    session.set_config_variable("config_file", os.devnull)
    session.set_config_variable("credentials_file", os.devnull)
    if endpoint_url is None:
        session.set_config_variable("ignore_configured_endpoint_urls", True)
    return session.create_client(
        "sts",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=creds[0],
        aws_secret_access_key=creds[1],
        aws_session_token=creds[2],
        config=Config(connect_timeout=5, read_timeout=20, retries={"max_attempts": 2}),
    )


def _call_sts(operation: str, profile: str, call: Callable[[], Any]) -> Any:
    import botocore.exceptions

    try:
        return call()
    except botocore.exceptions.ClientError as err:
        from .explain.parse import mask_key_ids

        error = err.response.get("Error", {})
        raise AwsguardError(
            f"STS {operation} for profile {profile!r} failed: {error.get('Code', '?')}: "
            f"{mask_key_ids(str(error.get('Message', '')))}. Check the MFA code and the "
            "profile's mfa_serial, role_arn and key (awsguard add), then try again."
        ) from None
    except botocore.exceptions.BotoCoreError as err:
        raise AwsguardError(
            f"STS {operation} for profile {profile!r} failed: {err}. Check the network "
            "and the STS endpoint (AWS_ENDPOINT_URL_STS, endpoint_url)."
        ) from None


# --- listing and logout ------------------------------------------------------------------------


@record(frozen=True)
class SessionInfo:
    item: str
    kind: str
    profile: str
    source_profile: str
    mfa_serial: str
    role_arn: str
    access_key_id: str  # masked
    arn: str
    expiration: datetime
    seconds_left: int

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "profile": self.profile,
            "source_profile": self.source_profile,
            "mfa_serial": self.mfa_serial or None,
            "role_arn": self.role_arn or None,
            "access_key_id": self.access_key_id,
            "arn": self.arn or None,
            "expiration": timefmt.format_time(self.expiration),
            "seconds_left": self.seconds_left,
            "expired": self.seconds_left <= 0,
        }


def list_sessions(
    environ: Mapping[str, str] = os.environ, now: datetime | None = None
) -> list[SessionInfo]:
    now = now or _utcnow()
    found = []
    for item, meta in vault.read_index(environ)["sessions"].items():
        try:
            expiration = timefmt.require_time(meta["expiration"])
        except (KeyError, ValueError, TypeError):
            continue
        found.append(
            SessionInfo(
                item=item,
                kind=str(meta.get("kind", "")),
                profile=str(meta.get("profile", "")),
                source_profile=str(meta.get("source_profile", "")),
                mfa_serial=str(meta.get("mfa_serial", "")),
                role_arn=str(meta.get("role_arn", "")),
                access_key_id=str(meta.get("access_key_id", "")),
                arn=str(meta.get("arn", "")),
                expiration=expiration,
                seconds_left=int((expiration - now).total_seconds()),
            )
        )
    return sorted(found, key=lambda s: (s.source_profile, s.kind != "mfa", s.profile))


def sessions_to_forget(
    profile_name: str | None, files: Any, environ: Mapping[str, str] = os.environ
) -> list[str]:
    """Keyring items `awsguard logout [PROFILE]` removes (None: every session).

    A profile's logout ends the MFA session it uses and every role session made
    from the same root, since those carry that MFA session's authority.
    """
    items = list(vault.read_index(environ)["sessions"])
    if profile_name is None:
        return items
    chain = plan_chain(profile_name, files, environ)
    root = chain.root if chain else profile_name
    chosen = []
    for item, meta in vault.read_index(environ)["sessions"].items():
        if meta.get("source_profile") == root or meta.get("profile") == profile_name:
            chosen.append(item)
    if chain and chain.mfa_serial:
        mfa = vault.mfa_item(chain.root, chain.mfa_serial)
        if mfa not in chosen:
            chosen.append(mfa)  # not indexed (an older index) but maybe in the keyring
        for step in chain.roles:
            role = vault.role_item(step.role_arn, step.session_name, chain.root)
            if role not in chosen:
                chosen.append(role)
    return chosen


