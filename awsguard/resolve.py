"""Which credentials the AWS CLI is about to use, and why: botocore's provider chain, offline.

`resolve()` walks the steps of botocore's `create_credential_resolver`
(botocore/credentials.py), in the order `CHAIN` lists them:

    env  ->  assume-role  ->  assume-role-with-web-identity  ->  sso
         ->  shared-credentials-file  ->  login  ->  custom-process  ->  config-file
         ->  container-role  ->  (iam-role: what is left when nothing answers)

Each step is a provider: a small function that reads the environment and files it is
handed and returns what it found, or None. Only `resolve()` writes the Resolution.
botocore's quirks are kept: an explicit `--profile` takes the environment keys out of
the chain (AWS_PROFILE does not); `role_arn` wins over static keys in the same profile
unless the profile also has `web_identity_token_file`; a source profile is resolved
through its own chain with the environment disabled. Nothing here makes a network call
or imports botocore; the only files read besides the config and credentials files are
the SSO token cache and the CLI's credential cache, for expiry and cached key ids.

Every value the views show is a `Setting`: the value, its kind and where it came from,
as `aws configure list` prints them. The rules that differ between the CLI's major
versions and releases (which variable names the profile or region, which settings a
version reads at all: data/settings-by-version.tsv) live in this module and nowhere else.

The conflict detectors at the end (`DETECTORS`) turn what the chain found into
warnings with stable codes (see README.md, "Who the CLI will act as").
"""

from __future__ import annotations

import os
from .record import field, record
from datetime import datetime, timedelta, timezone
from .awsconfig import AwsFiles, ConfigValue
from .invocation import Invocation
from .timefmt import format_time, parse_time

# collections.abc imports `collections`, pathlib `re`, `enum` and `urllib.parse`:
# milliseconds on every call of the shim. Paths stay text here; only the cache-path
# functions below make a Path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

    # A provider: (context, profile name, environment disabled) -> what it found.
    Provider = Callable[["_Context", str, bool], "_Found | None"]
    # A step of the chain: (source, provider, settings-by-version row, profile key).
    Step = tuple[str, Provider, str | None, str | None]
    # A detector yields (message, fix) for each problem of its kind it sees.
    Findings = Iterator[tuple[str, str]]

# Canonical names accepted in `credential_source` (botocore CanonicalNameCredentialSourcer).
CREDENTIAL_SOURCES = ("Environment", "EcsContainer", "Ec2InstanceMetadata")
# botocore refreshes cached assume-role credentials with less than this left.
ASSUME_ROLE_EXPIRY_WINDOW = timedelta(minutes=15)

# The CLI command names whose botocore client (and so endpoint variable) differ.
_CLIENT_NAMES = {
    "s3api": "s3",
    "configservice": "config",
    "ddb": "dynamodb",
    "deploy": "codedeploy",
}


@record(frozen=True)
class Setting:
    """A value and where it came from: a row of `aws configure list` (awscli's
    ConfigValue). `kind` is option, env, config-file, default, cli-cache or sso-cache
    (for credentials: the botocore method); `location` names the option, variable,
    file or section that holds it. `value` is None for a setting that is present but
    empty (`AWS_REGION=`)."""

    value: str | None
    kind: str
    location: str | None = None


@record(frozen=True)
class Conflict:
    code: str
    message: str
    fix: str
    # False for hazards worth a report (whoami, doctor) but not a line on every call.
    applies_to_shim: bool = True

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "fix": self.fix}


def _from_label(setting: Setting | None) -> str | None:
    """The one-word origin the JSON has always carried (`region_from`, `endpoint_url_from`):
    the option or variable, `profile` for the profile's own key, or the [services] block."""
    if setting is None:
        return None
    if setting.kind == "config-file" and not (setting.location or "").startswith("[services"):
        return "profile"
    return setting.location


_EXPIRY_LABELS = {"cli-cache": "CLI credential cache ", "sso-cache": "SSO token cache "}

# whoami --json's keys, in the order they have always had.
_JSON_KEYS = (
    "cli_major", "profile", "profile_from", "cli_version", "source", "source_reason",
    "source_location", "access_key_id", "region", "region_from", "region_location",
    "expires_at", "expires_from", "endpoint_url", "endpoint_url_from", "sts_endpoint_url",
    "sts_endpoint_url_from", "ignored_settings", "sso_refreshable", "role_arn",
    "source_profile", "credential_source", "role_chain", "base_source", "base_profile",
    "base_access_key_id", "mfa_serial", "duration_seconds", "role_session_name",
    "external_id", "web_identity_token_file", "sso_start_url", "sso_session", "sso_region",
    "sso_account_id", "sso_role_name", "credential_process", "has_session_token", "error",
    "file_problems",
)


class _SettingPart:
    """A read-only attribute that is one part (value, kind, location) of a Setting field,
    None while that field is None: `region = _SettingPart("region_setting", "value")`."""

    __slots__ = ("setting", "part")

    def __init__(self, setting: str, part: str) -> None:
        self.setting = setting
        self.part = part

    def __get__(self, obj: object, owner: type | None = None) -> str | None:
        if obj is None:
            return self  # type: ignore[return-value]
        setting = getattr(obj, self.setting)
        return getattr(setting, self.part) if setting is not None else None

    def __set__(self, obj: object, value: object) -> None:
        raise AttributeError(f"{self.part} of {self.setting} is derived; set {self.setting}")


@record
class Resolution:
    cli_major: int
    # --profile (option), AWS_PROFILE / AWS_DEFAULT_PROFILE (env), or default.
    profile_setting: Setting
    # The real CLI's exact version (None: unknown, the newest of cli_major assumed).
    cli_version: str | None = None
    # The winning credentials: the masked key id (None until the call), the botocore
    # method as the kind, and the env var names or file that hold them. None: no source.
    credentials: Setting | None = None
    source_reason: str = ""
    region_setting: Setting | None = None
    expiry: Setting | None = None
    # Where the command's own client sends requests (None: AWS's endpoint).
    endpoint_setting: Setting | None = None
    # Where STS and IAM go for this setup: awsguard's identity lookup, its sessions.
    sts_endpoint_setting: Setting | None = None
    iam_endpoint_setting: Setting | None = None
    # Settings present in the environment or profile that this CLI version ignores.
    ignored_settings: list[str] = field(default_factory=list)
    # An expired sso-session token the CLI will refresh by itself (refresh token cached).
    sso_refreshable: bool = False
    role_arn: str | None = None
    source_profile: str | None = None
    credential_source: str | None = None
    # The profiles walked through source_profile, starting with `profile`.
    role_chain: list[str] = field(default_factory=list)
    # For assume-role: how the first credentials of the chain are found.
    base_source: str | None = None
    base_profile: str | None = None
    mfa_serial: str | None = None
    duration_seconds: int | None = None
    role_session_name: str | None = None
    external_id: str | None = None
    web_identity_token_file: str | None = None
    sso_start_url: str | None = None
    sso_session: str | None = None
    sso_region: str | None = None
    sso_account_id: str | None = None
    sso_role_name: str | None = None
    credential_process: str | None = None
    has_session_token: bool = False
    # What botocore will stop with before any call (a broken setup), else None.
    error: str | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)
    # Unmasked, for cache keys (hash it); never print, log or serialise it.
    raw_access_key_id: str | None = field(default=None, repr=False)
    raw_base_access_key_id: str | None = field(default=None, repr=False)

    # --- the values as plain fields, for the views (derived, never stored twice) ---------

    @property
    def profile(self) -> str:
        return self.profile_setting.value or ""

    @property
    def profile_from(self) -> str:
        """--profile | AWS_PROFILE | AWS_DEFAULT_PROFILE | default"""
        return self.profile_setting.location or "default"

    source = _SettingPart("credentials", "kind")
    source_location = _SettingPart("credentials", "location")
    access_key_id = _SettingPart("credentials", "value")  # masked

    @property
    def base_access_key_id(self) -> str | None:  # masked
        return mask_key(self.raw_base_access_key_id)

    region = _SettingPart("region_setting", "value")

    @property
    def region_from(self) -> str | None:
        """--region | AWS_REGION | AWS_DEFAULT_REGION | profile"""
        return _from_label(self.region_setting)

    @property
    def region_location(self) -> str | None:
        """The file holding the profile's region."""
        setting = self.region_setting
        return setting.location if setting is not None and setting.kind == "config-file" else None

    expires_at = _SettingPart("expiry", "value")

    @property
    def expires_from(self) -> str | None:
        if self.expiry is None:
            return None
        return _EXPIRY_LABELS.get(self.expiry.kind, "") + (self.expiry.location or "")

    endpoint_url = _SettingPart("endpoint_setting", "value")

    @property
    def endpoint_url_from(self) -> str | None:
        return _from_label(self.endpoint_setting)

    sts_endpoint_url = _SettingPart("sts_endpoint_setting", "value")

    @property
    def sts_endpoint_url_from(self) -> str | None:
        return _from_label(self.sts_endpoint_setting)

    iam_endpoint_url = _SettingPart("iam_endpoint_setting", "value")

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {name: getattr(self, name) for name in _JSON_KEYS}
        out["role_chain"] = list(self.role_chain)
        out["ignored_settings"] = list(self.ignored_settings)
        out["file_problems"] = list(self.file_problems)
        out["conflicts"] = [c.as_dict() for c in self.conflicts]
        return out


def mask_key(key: str | None) -> str | None:
    """First 4 and last 4 characters (AKIA…WXYZ): redact.mask_key, the one way to mask."""
    from .redact import mask_key as mask

    return mask(key)


def format_conflict_line(conflict: Conflict) -> str:
    """One line, whatever the profile names and values in it hold (redact.escape)."""
    from .redact import escape

    return escape(
        f"awsguard: warning [{conflict.code}]: {conflict.message} — fix: {conflict.fix}"
    )


# ---------------------------------------------------------------------------
# What the real CLI's version reads: the rules that differ by major version and release
# (data/settings-by-version.tsv, with citations). Every view asks here.

_SETTINGS: dict[str, tuple[str, str]] = {}


def _settings_table() -> dict[str, tuple[str, str]]:
    if not _SETTINGS:
        path = os.path.join(os.path.dirname(__file__), "data", "settings-by-version.tsv")
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("#") or not line.strip():
                    continue
                name, v1, v2 = line.rstrip("\n").split("\t")[:3]
                _SETTINGS[name] = (v1, v2)
    return _SETTINGS


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def cli_honours(setting: str, cli_major: int, cli_version: str | None = None) -> bool:
    """Whether the real CLI (major, exact version) honours `setting` (a row of
    data/settings-by-version.tsv). An unknown version is taken as the newest of its major."""
    first = _settings_table()[setting][0 if cli_major == 1 else 1]
    if first == "-":
        return False
    return cli_version is None or _version_tuple(cli_version) >= _version_tuple(first)


def profile_vars(cli_major: int) -> tuple[str, ...]:
    """The variables that name the profile, first match wins: botocore (CLI v1) reads
    AWS_DEFAULT_PROFILE first; the CLI v2 reads AWS_PROFILE first."""
    if cli_major == 1:
        return ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")
    return ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def region_vars(cli_major: int, cli_version: str | None = None) -> tuple[str, ...]:
    """The variables that name the region, first match wins: botocore 1.x reads
    AWS_DEFAULT_REGION only; the CLI v2 reads AWS_REGION first."""
    if cli_honours("AWS_REGION", cli_major, cli_version):
        return ("AWS_REGION", "AWS_DEFAULT_REGION")
    return ("AWS_DEFAULT_REGION",)


def session_vars(cli_major: int, cli_version: str | None = None) -> dict[str, tuple]:
    """botocore Session `session_vars` that read the profile and region the way this CLI
    does, for awsguard's own calls "as the CLI would" (clisession, doctor)."""
    return {
        "profile": (None, list(profile_vars(cli_major)), None, None),
        "region": ("region", list(region_vars(cli_major, cli_version)), None, None),
    }


# ---------------------------------------------------------------------------
# The providers. Each reads what it is handed and returns what it found (or None);
# none of them writes anything outside the _Found it returns.


class _Context:
    """What the providers read: handed in, never global."""

    __slots__ = ("environ", "files", "now", "cli_major", "cli_version")

    def __init__(
        self,
        environ: Mapping[str, str],
        files: AwsFiles,
        now: datetime,
        cli_major: int,
        cli_version: str | None,
    ) -> None:
        self.environ, self.files, self.now = environ, files, now
        self.cli_major, self.cli_version = cli_major, cli_version

    @property
    def home(self) -> str:
        return self.environ.get("HOME") or os.path.expanduser("~")

    def honours(self, setting: str) -> bool:
        return cli_honours(setting, self.cli_major, self.cli_version)


class _Found:
    """What one provider found (a plain class: the shim pays for every @record)."""

    __slots__ = (
        "source", "reason", "location", "key", "has_token", "expiry", "error", "profile",
        "facts", "ignored", "inner",
    )

    def __init__(
        self,
        source: str,
        reason: str,
        location: str | None = None,
        key: str | None = None,
        profile: str | None = None,
        facts: dict[str, object] | None = None,
    ) -> None:
        self.source, self.reason, self.location = source, reason, location
        self.key, self.profile = key, profile
        self.has_token = False
        self.expiry: Setting | None = None
        self.error: str | None = None
        # Resolution fields this provider read from its profile (role_arn, sso_*, ...).
        self.facts: dict[str, object] = facts if facts is not None else {}
        # Settings this CLI version does not read, met on the way.
        self.ignored: list[str] = []
        # assume-role: what the role is assumed with (the next role of the chain, or
        # the provider that found the first credentials).
        self.inner: _Found | None = None


def _present(environ: Mapping[str, str], name: str) -> bool:
    return bool(environ.get(name))


def _str(profile: Mapping[str, ConfigValue], key: str) -> str | None:
    value = profile.get(key)
    return value if isinstance(value, str) else None


def _env_credentials(ctx: _Context, why: str) -> _Found | None:
    environ = ctx.environ
    key = environ.get("AWS_ACCESS_KEY_ID", "")
    if not key:
        return None
    found = _Found("env", why, "AWS_ACCESS_KEY_ID", key=key)
    if not environ.get("AWS_SECRET_ACCESS_KEY"):
        found.error = "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY"
    # botocore reads AWS_SECURITY_TOKEN before AWS_SESSION_TOKEN.
    found.has_token = bool(environ.get("AWS_SECURITY_TOKEN") or environ.get("AWS_SESSION_TOKEN"))
    expiry = environ.get("AWS_CREDENTIAL_EXPIRATION", "")
    if expiry:
        moment = parse_time(expiry)
        found.expiry = Setting(
            format_time(moment) if moment else expiry, "env", "AWS_CREDENTIAL_EXPIRATION"
        )
    return found


def _env(ctx: _Context, name: str, disable_env: bool) -> _Found | None:
    """EnvProvider; an explicit --profile takes it out of the chain."""
    if disable_env:
        return None
    found = _env_credentials(ctx, "AWS_ACCESS_KEY_ID is set")
    if found is not None:
        found.location = "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"
    return found


def _static_from_file(
    section: Mapping[str, ConfigValue], source: str, path: str, profile: str
) -> _Found:
    found = _Found(
        source,
        f"static keys in profile {profile} in {path}",
        path,
        key=_str(section, "aws_access_key_id"),
        profile=profile,
    )
    if "aws_secret_access_key" not in section:
        found.error = (
            f"Partial credentials found in {source}, missing: aws_secret_access_key "
            f"(profile {profile} in {path})"
        )
    found.has_token = "aws_session_token" in section or "aws_security_token" in section
    return found


def _has_static(profile: Mapping[str, ConfigValue]) -> bool:
    return "aws_access_key_id" in profile or "aws_secret_access_key" in profile


def _has_role(profile: Mapping[str, ConfigValue]) -> bool:
    return "role_arn" in profile and "web_identity_token_file" not in profile


def _web_identity(ctx: _Context, name: str, disable_env: bool) -> _Found | None:
    """AssumeRoleWithWebIdentityProvider: the environment first (unless --profile), then
    the profile."""
    environ, profile = ctx.environ, ctx.files.profile(name)
    if not disable_env and "AWS_WEB_IDENTITY_TOKEN_FILE" in environ:
        token_file: str | None = environ["AWS_WEB_IDENTITY_TOKEN_FILE"]
        token_from = "AWS_WEB_IDENTITY_TOKEN_FILE"
    else:
        token_file = _str(profile, "web_identity_token_file")
        token_from = f"web_identity_token_file in profile {name}"
    if not token_file:
        return None
    if not disable_env and "AWS_ROLE_ARN" in environ:
        role_arn: str | None = environ["AWS_ROLE_ARN"]
    else:
        role_arn = _str(profile, "role_arn")
    found = _Found(
        "assume-role-with-web-identity",
        f"{token_from} is set",
        token_file,
        profile=name,
        facts={"web_identity_token_file": token_file},
    )
    if not role_arn:
        found.error = (
            "configured to assume role with web identity but no role ARN is set "
            "(role_arn in the profile or AWS_ROLE_ARN)"
        )
        return found
    found.facts["role_arn"] = role_arn
    session = (
        environ.get("AWS_ROLE_SESSION_NAME")
        if not disable_env and "AWS_ROLE_SESSION_NAME" in environ
        else _str(profile, "role_session_name")
    )
    cached = _cached_role(ctx, role_arn, {"RoleSessionName": session} if session else {})
    if cached is not None:
        found.key, found.expiry = cached
        found.has_token = found.key is not None
    return found


def _shared_credentials_file(ctx: _Context, name: str, disable_env: bool) -> _Found | None:
    creds = ctx.files.credentials_profiles.get(name)
    if creds is None or "aws_access_key_id" not in creds:
        return None
    return _static_from_file(
        creds, "shared-credentials-file", str(ctx.files.credentials_file), name
    )


def _login(ctx: _Context, name: str, disable_env: bool) -> _Found | None:
    if "login_session" not in ctx.files.profile(name):
        return None
    return _Found(
        "login",
        f"login_session in profile {name}",
        ctx.files.where_file(name, "login_session"),
        profile=name,
    )


def _process(ctx: _Context, name: str, disable_env: bool) -> _Found | None:
    process = _str(ctx.files.profile(name), "credential_process")
    if process is None:
        return None
    return _Found(
        "custom-process",
        f"credential_process in profile {name}",
        ctx.files.where_file(name, "credential_process"),
        profile=name,
        facts={"credential_process": process},
    )


def _config_file(ctx: _Context, name: str, disable_env: bool) -> _Found | None:
    config = ctx.files.config_profiles.get(name)
    if config is None or "aws_access_key_id" not in config:
        return None
    return _static_from_file(config, "config-file", str(ctx.files.config_file), name)


def _container(ctx: _Context, name: str, disable_env: bool) -> _Found | None:
    environ = ctx.environ
    for var in ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        if var in environ:
            return _Found("container-role", f"{var} is set and no profile has credentials", var)
    return None


def _sso(ctx: _Context, name: str, disable_env: bool) -> _Found | None:
    profile = ctx.files.profile(name)
    if "sso_role_name" not in profile and "sso_account_id" not in profile:
        return None
    found = _Found("sso", f"sso_* keys in profile {name}", None, profile=name)
    found.location = str(ctx.files.where_file(name, "sso_role_name") or ctx.files.where_file(
        name, "sso_account_id"
    ))
    merged: dict[str, object] = dict(profile)
    required = ["sso_role_name", "sso_account_id", "sso_start_url", "sso_region"]
    session_name = _str(profile, "sso_session")
    if session_name is not None and not ctx.honours("sso-session"):
        found.ignored.append(f"sso_session in profile {name}")
        session_name = None  # this CLI reads only the profile's own sso_* keys
    if session_name is not None:
        required.append("sso_session")
        session = ctx.files.sso_sessions.get(session_name)
        if session is None:
            found.error = f'The specified sso-session does not exist: "{session_name}"'
            return found
        for key, value in session.items():
            if merged.get(key, value) != value:
                found.error = (
                    f"The value for {key} is inconsistent between profile {name} "
                    f"({merged[key]}) and sso-session {session_name} ({value})."
                )
                return found
            merged[key] = value
        found.reason = f"sso_session {session_name} in profile {name}"
    missing = [key for key in required if key not in merged]
    if missing:
        found.error = (
            f'The profile "{name}" is configured to use SSO but is missing required '
            f"configuration: {', '.join(missing)}"
        )
    facts: dict[str, object] = {"sso_session": session_name}
    for key in ("sso_start_url", "sso_region", "sso_account_id", "sso_role_name"):
        facts[key] = _str(merged, key)
    found.facts = facts
    _sso_credentials(ctx, found, facts)
    return found


def sso_token_path(home: str, start_url: str | None, session_name: str | None) -> Path | None:
    """~/.aws/sso/cache/<sha1 of the sso-session name, or of the start URL>.json."""
    basis = session_name if session_name is not None else start_url
    if basis is None:
        return None
    from pathlib import Path

    return Path(home) / ".aws" / "sso" / "cache" / f"{_sha1_hex(basis)}.json"


def _sha1_hex(text: str) -> str:
    # The CLI names its cache files by SHA-1. The builtin module, not hashlib: loading
    # OpenSSL costs the shim about 2 ms on every call of a role or SSO profile.
    try:
        from _sha1 import sha1  # type: ignore[import-not-found]
    except ImportError:
        from hashlib import sha1
    return sha1(text.encode("utf-8")).hexdigest()


def _read_json(path: Path) -> dict[str, object] | None:
    import json

    from .safefs import read_outside

    try:
        # A token cache is small; a FIFO or device in its place must not hang the shim.
        data = json.loads(read_outside(path, 1024 * 1024))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def sso_role_cache_path(
    home: str, account_id: str | None, role_name: str | None, start_url: str | None,
    session_name: str | None,
) -> Path:
    """~/.aws/cli/cache/<sha1>.json: the role credentials the CLI got with an SSO token
    (botocore's SSOCredentialFetcher key: compact JSON, sorted keys, the sso-session
    name instead of the start URL when there is one)."""
    import json

    args: dict[str, object] = {"roleName": role_name, "accountId": account_id}
    if session_name:
        args["sessionName"] = session_name
    else:
        args["startUrl"] = start_url
    text = json.dumps(args, sort_keys=True, separators=(",", ":"))
    from pathlib import Path

    return Path(home) / ".aws" / "cli" / "cache" / f"{_sha1_hex(text)}.json"


def _sso_credentials(ctx: _Context, found: _Found, sso: dict[str, object]) -> None:
    """The cached role credentials or the token's expiry, onto the SSO provider's find."""
    start_url, session = sso["sso_start_url"], sso["sso_session"]
    assert start_url is None or isinstance(start_url, str)
    assert session is None or isinstance(session, str)
    # Role credentials the CLI cached with an earlier token: while they last (botocore
    # renews 15 minutes early), the CLI uses them and never looks at the token. Only
    # AWS CLI v2 keeps them on disk (data/settings-by-version.tsv, sso-role-cache).
    role_cache = sso_role_cache_path(
        ctx.home, sso["sso_account_id"], sso["sso_role_name"], start_url, session  # type: ignore[arg-type]
    )
    cached = _read_json(role_cache) if ctx.honours("sso-role-cache") else None
    creds = cached.get("Credentials") if cached else None
    if isinstance(creds, dict) and isinstance(creds.get("Expiration"), str):
        moment = parse_time(creds["Expiration"])
        if moment is not None and moment - ctx.now >= ASSUME_ROLE_EXPIRY_WINDOW:
            found.expiry = Setting(format_time(moment), "cli-cache", str(role_cache))
            if isinstance(creds.get("AccessKeyId"), str):
                found.key = creds["AccessKeyId"]
                found.has_token = True
            return
    path = sso_token_path(ctx.home, start_url, session)
    token = _read_json(path) if path else None
    if token and isinstance(token.get("expiresAt"), str):
        moment = parse_time(token["expiresAt"])
        if moment and moment <= ctx.now and _sso_refreshable(token, session, ctx.now):
            # An sso-session token with a refresh token: the CLI refreshes it itself.
            found.facts["sso_refreshable"] = True
            return
        if moment:
            found.expiry = Setting(format_time(moment), "sso-cache", str(path))


def _sso_refreshable(token: Mapping[str, object], session: str | None, now: datetime) -> bool:
    if not session or not token.get("refreshToken") or not token.get("clientId"):
        return False
    registration = token.get("registrationExpiresAt")
    if isinstance(registration, str):
        moment = parse_time(registration)
        if moment is not None and moment <= now:
            return False  # the client registration lapsed: a new login is needed
    return True


def _cached_role(
    ctx: _Context, role_arn: str, extra: Mapping[str, object]
) -> tuple[str | None, Setting] | None:
    """(key id, expiry) from the CLI's assume-role cache (~/.aws/cli/cache), when fresh.

    The file name is the SHA-1 of the AssumeRole arguments as JSON (sorted keys;
    a generated RoleSessionName is left out), as botocore's fetcher computes it.
    """
    import json
    from pathlib import Path

    args = dict(extra)
    args["RoleArn"] = role_arn
    digest = _sha1_hex(json.dumps(args, sort_keys=True))
    path = Path(ctx.home) / ".aws" / "cli" / "cache" / f"{digest}.json"
    cached = _read_json(path)
    creds = cached.get("Credentials") if cached else None
    if not isinstance(creds, dict) or not isinstance(creds.get("Expiration"), str):
        return None
    moment = parse_time(creds["Expiration"])
    if moment is None or moment - ctx.now < ASSUME_ROLE_EXPIRY_WINDOW:
        return None  # the CLI will call STS again: the next key id is unknowable
    key = creds["AccessKeyId"] if isinstance(creds.get("AccessKeyId"), str) else None
    return key, Setting(format_time(moment), "cli-cache", str(path))


def _role(ctx: _Context, name: str, disable_env: bool) -> _Found | None:
    """AssumeRoleProvider: a profile with role_arn (and no web_identity_token_file)."""
    if not _has_role(ctx.files.profile(name)):
        return None
    return _assume_role(ctx, name, [name])


def _assume_role(ctx: _Context, name: str, visited: list[str]) -> _Found:
    files = ctx.files
    profile = files.profile(name)
    role_arn = _str(profile, "role_arn") or ""
    source_profile = _str(profile, "source_profile")
    credential_source = _str(profile, "credential_source")
    found = _Found(
        "assume-role",
        f"role_arn in profile {name}",
        str(files.where_file(name, "role_arn")),
        profile=name,
    )
    mfa_serial = _str(profile, "mfa_serial")
    if mfa_serial is not None:
        found.facts["mfa_serial"] = mfa_serial
    if visited == [name]:
        # The role the CLI acts as: its settings are the ones the views show.
        try:
            duration: int | None = int(_str(profile, "duration_seconds") or "")
        except ValueError:
            duration = None
        found.facts.update(
            role_arn=role_arn,
            source_profile=source_profile,
            credential_source=credential_source,
            role_session_name=_str(profile, "role_session_name"),
            external_id=_str(profile, "external_id"),
            duration_seconds=duration,
        )
        extra: dict[str, object] = {}
        for key, arg in (
            ("role_session_name", "RoleSessionName"),
            ("external_id", "ExternalId"),
            ("mfa_serial", "SerialNumber"),
        ):
            if _str(profile, key) is not None:
                extra[arg] = profile[key]
        if duration is not None:
            extra["DurationSeconds"] = duration
        cached = _cached_role(ctx, role_arn, extra)
        if cached is not None:
            found.key, found.expiry = cached
            found.has_token = found.key is not None

    if credential_source is not None and source_profile is not None:
        found.error = f'The profile "{name}" contains both source_profile and credential_source.'
        return found
    if credential_source is None and source_profile is None:
        found.error = (
            f"Partial credentials found in assume-role, missing: source_profile or "
            f"credential_source (profile {name})"
        )
        return found
    if credential_source is not None:
        found.reason += f" with credential_source {credential_source}"
        base = _credential_source(ctx, name, credential_source)
        if base.error:
            found.error = base.error
        else:
            found.facts["base_source"] = base.source
        if base.source == "env":
            found.facts["raw_base_access_key_id"] = base.key
        return found

    assert source_profile is not None
    found.reason += f" with source_profile {source_profile}"
    if not files.has_profile(source_profile):
        found.error = (
            f'The source_profile "{source_profile}" referenced in the profile "{name}" '
            "does not exist."
        )
        return found
    source = files.profile(source_profile)
    if source_profile in visited and (source_profile != name or not _has_static(source)):
        found.error = (
            f"Infinite loop in credential configuration detected: attempting to load from "
            f"profile {source_profile} which has already been visited "
            f"({' -> '.join(visited)})"
        )
        return found
    visited.append(source_profile)
    if _has_static(source) or not _has_role(source):
        base, found.ignored = _walk(ctx, PROFILE_CHAIN, source_profile, disable_env=True)
        if base is None:
            found.error = f'The source profile "{source_profile}" must have credentials.'
            return found
        found.inner = base
        if base.error:
            found.error = base.error
        found.facts.update(
            base_source=base.source,
            base_profile=source_profile,
            raw_base_access_key_id=base.key,
        )
        return found
    inner = _assume_role(ctx, source_profile, visited)
    found.inner = inner
    if inner.error:
        found.error = inner.error
    return found


def _credential_source(ctx: _Context, name: str, credential_source: str) -> _Found:
    environ = ctx.environ
    found = _Found("", "")
    canonical = {c.lower(): c for c in CREDENTIAL_SOURCES}.get(credential_source.lower())
    if canonical is None:
        found.error = (
            f'The credential source "{credential_source}" referenced in profile "{name}" '
            "is not valid."
        )
        return found
    none_found = (
        f"No credentials found in credential_source referenced in profile {name}"
    )
    if canonical == "Environment":
        env = _env_credentials(ctx, "")
        if env is None:
            found.error = none_found
            return found
        return env
    if canonical == "EcsContainer":
        if _container(ctx, name, False) is None:
            found.error = none_found
        found.source = "container-role"
        return found
    if _imds_disabled(environ):
        found.error = none_found
    found.source = "iam-role"
    return found


def _imds_disabled(environ: Mapping[str, str]) -> bool:
    return environ.get("AWS_EC2_METADATA_DISABLED", "").lower() == "true"


# ---------------------------------------------------------------------------
# The order: botocore's create_credential_resolver, the one place it is written down.
# AWS CLI v1 (botocore 1.x, checked in 1.46.3) and v2 (its own botocore, checked in
# 2.9.19) ship the same order; they differ in the steps a release has at all (login:
# data/settings-by-version.tsv) and in the variables that name the profile and the region
# (profile_vars, region_vars above). A step whose settings-by-version row the real CLI's
# version lacks is skipped, and the profile setting it would have read is reported
# as ignored. Nothing found means iam-role: the CLI will ask the instance metadata
# service.

#  (source, provider, settings-by-version row the step needs, the profile key it reads)
CHAIN: tuple[Step, ...] = (
    ("env", _env, None, None),
    ("assume-role", _role, None, None),
    ("assume-role-with-web-identity", _web_identity, None, None),
    ("sso", _sso, None, None),
    ("shared-credentials-file", _shared_credentials_file, None, None),
    ("login", _login, "login", "login_session"),
    ("custom-process", _process, None, None),
    ("config-file", _config_file, None, None),
    ("container-role", _container, None, None),
)
# What a source_profile is read with (botocore's ProfileProviderBuilder).
PROFILE_CHAIN = CHAIN[2:8]


def _walk(
    ctx: _Context, chain: tuple[Step, ...], name: str, disable_env: bool
) -> tuple[_Found | None, list[str]]:
    """The first step of `chain` that finds credentials for profile `name`, and the
    settings skipped on the way because this CLI version does not read them."""
    ignored: list[str] = []
    for _source, provider, needs, key in chain:
        found = provider(ctx, name, disable_env)
        if found is None:
            continue
        if needs is not None and not ctx.honours(needs):
            ignored.append(f"{key} in profile {name}")
            continue
        return found, ignored
    return None, ignored


def pick_profile(invocation: Invocation, environ: Mapping[str, str], cli_major: int) -> Setting:
    """The profile the CLI reads: --profile, then the variables in this CLI's order."""
    if invocation.profile is not None:
        return Setting(invocation.profile, "option", "--profile")
    for name in profile_vars(cli_major):
        if name in environ:
            return Setting(environ[name], "env", name)
    return Setting("default", "default")


def pick_region(
    invocation: Invocation,
    environ: Mapping[str, str],
    files: AwsFiles,
    profile_name: str | None,
    cli_major: int,
    cli_version: str | None = None,
) -> Setting | None:
    """The region the CLI uses: --region, the variables this CLI reads, the profile's
    `region` (when the profile is read at all). A present but empty value counts, and
    means no region."""
    if invocation.region is not None:
        return Setting(invocation.region or None, "option", "--region")
    for name in region_vars(cli_major, cli_version):
        if name in environ:
            return Setting(environ[name] or None, "env", name)
    if profile_name is not None:
        region = _str(files.profile(profile_name), "region")
        if region is not None:
            where = str(files.where_file(profile_name, "region"))
            return Setting(region or None, "config-file", where)
    return None


def client_name(service: str | None) -> str | None:
    if service is None:
        return None
    return _CLIENT_NAMES.get(service, service)


_ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")


def configured_endpoint(
    client: str | None,
    environ: Mapping[str, str],
    files: AwsFiles,
    profile_name: str,
    cli_major: int,
    cli_version: str | None = None,
) -> Setting | None:
    """The endpoint a client the real CLI creates is sent to, from the environment and
    the profile, or None. The one place this precedence lives (botocore's
    ConfiguredEndpointProvider): AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL,
    then the profile's [services] section, then its endpoint_url; all of it off with
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls, and none of
    it before the CLI version that reads them. An explicit --endpoint-url wins over all
    this; `resolve` applies it."""
    if not cli_honours("configured-endpoints", cli_major, cli_version):
        return None
    profile = files.profile(profile_name) if files.has_profile(profile_name) else {}
    if endpoints_ignored(environ, profile):
        return None
    snake = client.replace("-", "_") if client else None
    if snake:
        var = f"AWS_ENDPOINT_URL_{snake.upper()}"
        if environ.get(var):
            return Setting(environ[var], "env", var)
    if environ.get("AWS_ENDPOINT_URL"):
        return Setting(environ["AWS_ENDPOINT_URL"], "env", "AWS_ENDPOINT_URL")
    services_name = _str(profile, "services")
    if snake and services_name:
        block = files.services.get(services_name, {}).get(snake)
        if isinstance(block, dict) and block.get("endpoint_url"):
            return Setting(
                str(block["endpoint_url"]), "config-file", f"[services {services_name}] {snake}"
            )
    if _str(profile, "endpoint_url"):
        where = files.where_file(profile_name, "endpoint_url")
        return Setting(str(profile["endpoint_url"]), "config-file", str(where))
    return None


def endpoints_ignored(environ: Mapping[str, str], profile: Mapping[str, ConfigValue]) -> bool:
    """AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, else the profile's
    ignore_configured_endpoint_urls, is "true": the variable, when set at all, wins."""
    ignore = environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
    if ignore is None:
        ignore = _str(profile, "ignore_configured_endpoint_urls")
    return (ignore or "").strip().lower() == "true"


def endpoint_settings_present(
    environ: Mapping[str, str], profile: Mapping[str, ConfigValue]
) -> list[str]:
    """Every endpoint setting in the environment and the profile, read or not."""
    found = [n for n in environ if n.startswith("AWS_ENDPOINT_URL") and environ[n]]
    found += [n for n in _ENDPOINT_VARIABLES[1:] if n in environ]
    for key in ("endpoint_url", "services", "ignore_configured_endpoint_urls"):
        if key in profile:
            found.append(f"{key} in the profile")
    return sorted(set(found))


# ---------------------------------------------------------------------------
# The resolver: the only writer of a Resolution.


def resolve(
    invocation: Invocation,
    environ: Mapping[str, str],
    files: AwsFiles,
    cli_major: int,
    now: datetime | None = None,
    cli_version: str | None = None,
) -> Resolution:
    """Predict, offline, the profile, credentials, region and endpoint the CLI will use.

    `cli_version` is the real CLI's exact version (realcli.identify): settings that
    version does not read are not applied (data/settings-by-version.tsv)."""
    ctx = _Context(environ, files, now or datetime.now(timezone.utc), cli_major, cli_version)
    profile = pick_profile(invocation, environ, cli_major)
    name = profile.value or ""
    res = Resolution(cli_major=cli_major, profile_setting=profile, cli_version=cli_version)
    res.file_problems = [str(p) for p in files.errors]
    # botocore raises ProfileNotFound for a named profile in neither file, before it
    # looks at any credentials (the implicit "default" may be missing).
    profile_ok = files.has_profile(name) or profile.kind == "default"
    if not profile_ok:
        res.error = f"The config profile ({name}) could not be found"
        res.source_reason = f"profile {name} (from {res.profile_from}) is in neither file"
    else:
        explicit_flag = invocation.profile is not None
        found, ignored = _walk(ctx, CHAIN, name, disable_env=explicit_flag)
        res.ignored_settings += ignored
        if found is None:
            res.source_reason = _nothing_reason(ctx)
        else:
            if found.source == "env":
                found.reason = _env_reason(res)
            elif explicit_flag and found.source in _PROFILE_SOURCES and _present(
                environ, "AWS_ACCESS_KEY_ID"
            ):
                found.reason += " (--profile takes the environment keys out of the chain)"
            _settle(res, found)
    read = name if profile_ok else None
    res.region_setting = pick_region(invocation, environ, files, read, cli_major, cli_version)
    _pick_endpoints(res, invocation, environ, files, read or "")
    res.conflicts = detect_conflicts(res, invocation, environ, files, ctx.now)
    return res


_PROFILE_SOURCES = frozenset(step[0] for step in PROFILE_CHAIN)


def _settle(res: Resolution, found: _Found) -> None:
    """What the chain found, onto the Resolution: the winner's credentials, then the facts
    of each step it stands on, outermost first (a role's own settings win over those of
    the roles and profiles it is assumed through)."""
    res.credentials = Setting(mask_key(found.key), found.source, found.location)
    res.source_reason = found.reason
    res.raw_access_key_id = found.key
    res.has_session_token = found.has_token
    res.expiry = found.expiry
    res.error = found.error
    step: _Found | None = found
    while step is not None:
        if step.source == "assume-role" and step.profile is not None:
            res.role_chain.append(step.profile)
        res.ignored_settings += step.ignored
        for key, value in step.facts.items():
            current = getattr(res, key)
            # role_arn: a web identity base fills in a role that named none (botocore
            # reads AWS_ROLE_ARN / the profile's role_arn for it).
            if current is None or current is False or (key == "role_arn" and not current):
                setattr(res, key, value)
        step = step.inner


def _pick_endpoints(
    res: Resolution,
    invocation: Invocation,
    environ: Mapping[str, str],
    files: AwsFiles,
    name: str,
) -> None:
    major, version = res.cli_major, res.cli_version
    if not cli_honours("configured-endpoints", major, version):
        profile = files.profile(name) if name and files.has_profile(name) else {}
        res.ignored_settings += endpoint_settings_present(environ, profile)
    if invocation.endpoint_url:
        # --endpoint-url: the command's client, and awsguard's own STS and IAM calls.
        explicit = Setting(invocation.endpoint_url, "option", "--endpoint-url")
        res.endpoint_setting = res.sts_endpoint_setting = res.iam_endpoint_setting = explicit
        return
    res.sts_endpoint_setting = configured_endpoint("sts", environ, files, name, major, version)
    res.iam_endpoint_setting = configured_endpoint("iam", environ, files, name, major, version)
    res.endpoint_setting = configured_endpoint(
        client_name(invocation.service), environ, files, name, major, version
    )


def _env_reason(res: Resolution) -> str:
    if res.profile_from in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        return f"environment keys win over {res.profile_from}={res.profile}"
    return "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set"


def _nothing_reason(ctx: _Context) -> str:
    if _imds_disabled(ctx.environ):
        return "no credentials anywhere in the chain (instance metadata disabled)"
    return (
        "no credentials in the environment or profile; the CLI will try the EC2 "
        "instance metadata service (iam-role), which answers only on AWS compute"
    )


# ---------------------------------------------------------------------------
# Conflict and hazard detectors

ENV_OVERRIDES_PROFILE = "env-overrides-profile"
PARTIAL_ENV_KEYS = "partial-env-keys"
SESSION_TOKEN_WITH_LONG_TERM_KEY = "session-token-with-long-term-key"
TEMPORARY_KEY_WITHOUT_TOKEN = "temporary-key-without-token"
PROFILE_VARS_DISAGREE = "profile-vars-disagree"
REGION_VARS_DISAGREE = "region-vars-disagree"
NO_REGION = "no-region"
PROFILE_NOT_FOUND = "profile-not-found"
KEYS_SHADOWED = "keys-shadowed"
EXPIRED_ENV_CREDENTIALS = "expired-env-credentials"
LEGACY_SECURITY_TOKEN = "legacy-security-token"
ENDPOINT_OVERRIDE = "endpoint-override"
SSO_TOKEN_EXPIRED = "sso-token-expired"
PLAINTEXT_LONG_TERM_KEYS = "plaintext-long-term-keys"
CREDENTIALS_ERROR = "credentials-error"
CONFIG_FILE_PROBLEM = "config-file-problem"
IGNORED_BY_CLI_VERSION = "ignored-by-cli-version"
CHAINED_ROLE_DURATION = "chained-role-duration"

CONFLICT_CODES = (
    ENV_OVERRIDES_PROFILE,
    PARTIAL_ENV_KEYS,
    SESSION_TOKEN_WITH_LONG_TERM_KEY,
    TEMPORARY_KEY_WITHOUT_TOKEN,
    PROFILE_VARS_DISAGREE,
    REGION_VARS_DISAGREE,
    NO_REGION,
    PROFILE_NOT_FOUND,
    KEYS_SHADOWED,
    EXPIRED_ENV_CREDENTIALS,
    LEGACY_SECURITY_TOKEN,
    ENDPOINT_OVERRIDE,
    SSO_TOKEN_EXPIRED,
    PLAINTEXT_LONG_TERM_KEYS,
    CREDENTIALS_ERROR,
    CONFIG_FILE_PROBLEM,
    IGNORED_BY_CLI_VERSION,
    CHAINED_ROLE_DURATION,
)

_ENV_KEY_VARS = "AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN"


class Setup:
    """What a detector looks at: the resolution and everything it was made from."""

    __slots__ = ("res", "invocation", "environ", "files", "now")

    def __init__(
        self,
        res: Resolution,
        invocation: Invocation,
        environ: Mapping[str, str],
        files: AwsFiles,
        now: datetime,
    ) -> None:
        self.res, self.invocation, self.environ, self.files, self.now = (
            res, invocation, environ, files, now
        )


def _config_file_problem(s: Setup) -> Findings:
    for problem in s.files.errors:
        if getattr(problem, "fatal", False):
            continue  # not read at all: safefs has said so in one line
        yield (
            f"{problem}; the AWS CLI may refuse this file",
            f"edit {problem.path} at line {problem.line or '?'}",
        )


def _profile_not_found(s: Setup) -> Findings:
    res, files = s.res, s.files
    if res.profile_from == "default" or files.has_profile(res.profile):
        return
    known = ", ".join(files.profile_names()) or "none"
    yield (
        f"profile {res.profile!r} (from {res.profile_from}) is not in "
        f"{files.config_path} or {files.credentials_path}",
        f"use one of the profiles there ({known}), or add [profile {res.profile}]",
    )


def _env_overrides_profile(s: Setup) -> Findings:
    res = s.res
    if res.source == "env" and res.profile_from in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        yield (
            f"AWS_ACCESS_KEY_ID ({res.access_key_id}) wins over "
            f"{res.profile_from}={res.profile}: commands run as the environment keys, "
            f"not as profile {res.profile}",
            f"`unset {_ENV_KEY_VARS}` to use profile {res.profile}, "
            f"or `unset {res.profile_from}`",
        )


def _partial_env_keys(s: Setup) -> Findings:
    environ = s.environ
    key_set = _present(environ, "AWS_ACCESS_KEY_ID")
    secret_set = _present(environ, "AWS_SECRET_ACCESS_KEY")
    token_set = _present(environ, "AWS_SESSION_TOKEN") or _present(environ, "AWS_SECURITY_TOKEN")
    if key_set == secret_set and not (token_set and not key_set):
        return
    have = [v for v, ok in (("AWS_ACCESS_KEY_ID", key_set),
                            ("AWS_SECRET_ACCESS_KEY", secret_set),
                            ("AWS_SESSION_TOKEN", token_set)) if ok]
    if key_set and s.invocation.profile is None:
        effect = "the CLI stops with 'Partial credentials found in env'"
    else:
        effect = "the environment keys are ignored"
    yield (
        f"only {' and '.join(have)} set in the environment: {effect}",
        "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
        f"or `unset {' '.join(have)}`",
    )


def _static_key_where(res: Resolution) -> str | None:
    """Where the winning static key lives, when the winner is a static key."""
    if res.source not in ("env", "shared-credentials-file", "config-file"):
        return None
    if not res.raw_access_key_id:
        return None
    return "the environment" if res.source == "env" else res.source_location


def _session_token_with_long_term_key(s: Setup) -> Findings:
    res = s.res
    where = _static_key_where(res)
    if where and res.raw_access_key_id.startswith("AKIA") and res.has_session_token:  # type: ignore[union-attr]
        yield (
            f"long-term key {res.access_key_id} from {where} comes with a session token: "
            "AWS rejects the request (InvalidClientTokenId / security token invalid)",
            "remove the session token (AWS_SESSION_TOKEN / aws_session_token) or use "
            "the temporary key (ASIA…) it belongs to",
        )


def _temporary_key_without_token(s: Setup) -> Findings:
    res = s.res
    where = _static_key_where(res)
    if where and res.raw_access_key_id.startswith("ASIA") and not res.has_session_token:  # type: ignore[union-attr]
        yield (
            f"temporary key {res.access_key_id} from {where} has no session token: "
            "AWS rejects the request",
            "set AWS_SESSION_TOKEN (or aws_session_token) from the same session "
            "as the key",
        )


def _profile_vars_disagree(s: Setup) -> Findings:
    environ, res = s.environ, s.res
    if (
        "AWS_PROFILE" not in environ
        or "AWS_DEFAULT_PROFILE" not in environ
        or environ["AWS_PROFILE"] == environ["AWS_DEFAULT_PROFILE"]
    ):
        return
    winner = profile_vars(res.cli_major)[0]
    note = " (--profile overrides both here)" if s.invocation.profile is not None else ""
    yield (
        f"AWS_PROFILE={environ['AWS_PROFILE']} but "
        f"AWS_DEFAULT_PROFILE={environ['AWS_DEFAULT_PROFILE']}: AWS CLI "
        f"v{res.cli_major} uses {winner}={environ[winner]}{note}",
        "`unset AWS_DEFAULT_PROFILE` and keep only AWS_PROFILE",
    )


def _region_vars_disagree(s: Setup) -> Findings:
    environ, res, invocation = s.environ, s.res, s.invocation
    aws_region = environ.get("AWS_REGION")
    default_region = environ.get("AWS_DEFAULT_REGION")
    if aws_region and default_region and aws_region != default_region:
        winner = region_vars(res.cli_major, res.cli_version)[0]
        note = " (--region overrides both here)" if invocation.region is not None else ""
        yield (
            f"AWS_REGION={aws_region} but AWS_DEFAULT_REGION={default_region}: AWS CLI "
            f"v{res.cli_major} uses {winner}={environ[winner]}{note}",
            "set both to the same region, or unset one",
        )
    elif (
        "AWS_REGION" not in region_vars(res.cli_major, res.cli_version)
        and aws_region
        and invocation.region is None
        and res.region != aws_region
    ):
        yield (
            f"AWS_REGION={aws_region} is ignored by AWS CLI v{res.cli_major}, which uses "
            f"{res.region or 'no region'} (from {res.region_from or 'nowhere'})",
            f"`export AWS_DEFAULT_REGION={aws_region}`",
        )


def _no_region(s: Setup) -> Findings:
    res = s.res
    if res.region or res.endpoint_url is not None:
        return
    why = (
        f"{res.region_from} is set but empty"
        if res.region_from
        else f"no --region, no {' or '.join(region_vars(res.cli_major, res.cli_version))}, "
        f"no region in profile {res.profile}"
    )
    yield (
        f"no region: {why}; most commands will fail with 'You must specify a region'",
        f"`aws configure set region <region> --profile {res.profile}` or "
        "export AWS_DEFAULT_REGION",
    )


def _keys_shadowed(s: Setup) -> Findings:
    res, files = s.res, s.files
    name = res.profile
    in_config = files.config_profiles.get(name, {})
    in_creds = files.credentials_profiles.get(name, {})
    for key in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token",
                "role_arn", "source_profile", "region"):
        if key in in_config and key in in_creds and in_config[key] != in_creds[key]:
            what = "the values" if "secret" in key or "token" in key else (
                mask_key(in_creds[key]) if key == "aws_access_key_id" else in_creds[key]
            )
            yield (
                f"profile {name} sets {key} in both {files.credentials_path} and "
                f"{files.config_path}; the credentials file wins ({what})",
                f"remove {key} from one of the two files",
            )
    merged = files.profile(name)
    if res.source in (None, "env", "shared-credentials-file", "config-file"):
        return
    if res.source == "assume-role" and res.source_profile == name:
        return  # a profile may source its own static keys for the role
    if "aws_access_key_id" in merged:
        where = files.where_file(name, "aws_access_key_id")
        yield (
            f"profile {name} has static keys ({mask_key(_str(merged, 'aws_access_key_id'))} "
            f"in {where}) but {res.source} wins ({res.source_reason})",
            f"remove the unused keys from profile {name}, or move them to their own profile",
        )


def _expired_env_credentials(s: Setup) -> Findings:
    res = s.res
    if res.source != "env" or not res.expires_at:
        return
    moment = parse_time(res.expires_at)
    if moment is not None and moment <= s.now:
        yield (
            f"the environment credentials expired at {res.expires_at} "
            "(AWS_CREDENTIAL_EXPIRATION)",
            f"get fresh credentials, or `unset {_ENV_KEY_VARS} "
            "AWS_CREDENTIAL_EXPIRATION` to use a profile",
        )


def _legacy_security_token(s: Setup) -> Findings:
    legacy = s.environ.get("AWS_SECURITY_TOKEN")
    if legacy and legacy != s.environ.get("AWS_SESSION_TOKEN") and s.res.source == "env":
        yield (
            "AWS_SECURITY_TOKEN differs from AWS_SESSION_TOKEN and botocore reads "
            "AWS_SECURITY_TOKEN first: the CLI sends the legacy token",
            "`unset AWS_SECURITY_TOKEN` (or set it to the same value)",
        )


def _endpoint_override(s: Setup) -> Findings:
    res = s.res
    if not res.endpoint_url or res.endpoint_url_from == "--endpoint-url":
        return
    origin = res.endpoint_url_from
    if origin == "profile":
        origin = f"endpoint_url in profile {res.profile}"
    yield (
        f"requests go to {res.endpoint_url} (from {origin}), not to AWS's endpoint",
        "unset the variable or remove the setting, or set "
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true; if it is intended (LocalStack, "
        'a proxy), set "endpoint-override" = "off" under [conflicts] in awsguard\'s '
        "config",
    )


_SSO_COMMANDS = (
    ("sso", "login"), ("sso", "logout"), ("configure", "sso"), ("configure", "sso-session"),
)


def _sso_token_expired(s: Setup) -> Findings:
    res, invocation = s.res, s.invocation
    if res.source != "sso" and res.base_source != "sso":
        return
    if (invocation.service, invocation.operation) in _SSO_COMMANDS:
        return
    role_cached = res.expiry is not None and res.expiry.kind == "cli-cache"
    if role_cached or res.sso_refreshable:
        return
    path = sso_token_path(
        s.environ.get("HOME") or os.path.expanduser("~"), res.sso_start_url, res.sso_session
    )
    expires = _read_json(path) if path else None
    moment = (
        parse_time(expires["expiresAt"])
        if expires and isinstance(expires.get("expiresAt"), str)
        else None
    )
    login = (
        f"aws sso login --sso-session {res.sso_session}"
        if res.sso_session
        # a role on SSO: the source profile holds the sso_* keys the login reads
        else "aws sso login --profile "
        + (res.base_profile if res.source != "sso" and res.base_profile else res.profile)
    )
    if moment is None:
        yield (
            f"no cached SSO token for {res.sso_session or res.sso_start_url}: "
            "you are not logged in",
            f"run `{login}`",
        )
    elif moment <= s.now:
        yield (
            f"the SSO token for {res.sso_session or res.sso_start_url} expired at "
            f"{format_time(moment)}",
            f"run `{login}`",
        )


def _plaintext_long_term_keys(s: Setup) -> Findings:
    res = s.res
    base_key, base_file_source = res.raw_access_key_id, res.source
    if res.source == "assume-role":
        base_key, base_file_source = res.raw_base_access_key_id, res.base_source
    if (
        base_file_source in ("shared-credentials-file", "config-file")
        and base_key
        and base_key.startswith("AKIA")
    ):
        holder = res.base_profile if res.source == "assume-role" else res.profile
        yield (
            f"long-term access key {mask_key(base_key)} is stored in plain text "
            f"(profile {holder}, {base_file_source})",
            "move it to the OS keyring (awsguard) or use SSO / credential_process, "
            "and rotate the key",
        )


def _ignored_by_cli_version(s: Setup) -> Findings:
    res = s.res
    if res.ignored_settings:
        version = res.cli_version or f"v{res.cli_major}"
        yield (
            f"AWS CLI {version} ignores {', '.join(res.ignored_settings)}: "
            "this version does not read them, so they have no effect",
            "upgrade the AWS CLI to a version that reads them, or remove them; "
            "--endpoint-url works with every version",
        )


def _chained_role_duration(s: Setup) -> Findings:
    res = s.res
    chained = chained_role_basis(res)
    if chained and res.duration_seconds and res.duration_seconds > CHAINED_ROLE_MAX_SECONDS:
        yield (
            f"profile {res.profile} asks for duration_seconds = {res.duration_seconds}, "
            f"but its role is assumed with role credentials ({chained}): AWS caps a "
            "chained role session at 1 hour and refuses the AssumeRole "
            "(ValidationError: the requested DurationSeconds exceeds the 1 hour session "
            "limit for roles assumed by role chaining)",
            f"set duration_seconds to {CHAINED_ROLE_MAX_SECONDS} or less in profile "
            f"{res.profile}, or assume the role with an IAM user's keys",
        )


def _credentials_error(s: Setup) -> Findings:
    if s.res.error:
        yield (
            f"the AWS CLI will stop before any call: {s.res.error}",
            "fix the profile or variables named in the message",
        )


# In the order they are reported.
DETECTORS: tuple[tuple[str, Callable[[Setup], Findings]], ...] = (
    (CONFIG_FILE_PROBLEM, _config_file_problem),
    (PROFILE_NOT_FOUND, _profile_not_found),
    (ENV_OVERRIDES_PROFILE, _env_overrides_profile),
    (PARTIAL_ENV_KEYS, _partial_env_keys),
    (SESSION_TOKEN_WITH_LONG_TERM_KEY, _session_token_with_long_term_key),
    (TEMPORARY_KEY_WITHOUT_TOKEN, _temporary_key_without_token),
    (PROFILE_VARS_DISAGREE, _profile_vars_disagree),
    (REGION_VARS_DISAGREE, _region_vars_disagree),
    (NO_REGION, _no_region),
    (KEYS_SHADOWED, _keys_shadowed),
    (EXPIRED_ENV_CREDENTIALS, _expired_env_credentials),
    (LEGACY_SECURITY_TOKEN, _legacy_security_token),
    (ENDPOINT_OVERRIDE, _endpoint_override),
    (SSO_TOKEN_EXPIRED, _sso_token_expired),
    (PLAINTEXT_LONG_TERM_KEYS, _plaintext_long_term_keys),
    (IGNORED_BY_CLI_VERSION, _ignored_by_cli_version),
    (CHAINED_ROLE_DURATION, _chained_role_duration),
    (CREDENTIALS_ERROR, _credentials_error),
)
# Hazards worth a report (whoami, doctor) but not a line on every call.
REPORT_ONLY = frozenset({PLAINTEXT_LONG_TERM_KEYS})


def detect_conflicts(
    res: Resolution,
    invocation: Invocation,
    environ: Mapping[str, str],
    files: AwsFiles,
    now: datetime,
) -> list[Conflict]:
    setup = Setup(res, invocation, environ, files, now)
    return [
        Conflict(code, message, fix, code not in REPORT_ONLY)
        for code, detect in DETECTORS
        for message, fix in detect(setup)
    ]


# AWS STS AssumeRole, DurationSeconds: "Role chaining limits your AWS CLI or AWS API
# role session to a maximum of one hour ... if you assume a role using role chaining and
# provide a DurationSeconds parameter value greater than one hour, the operation fails."
# https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
CHAINED_ROLE_MAX_SECONDS = 3600
# Sources whose credentials are themselves a role session: SSO permission sets, web
# identity, instance profiles and container task roles.
_ROLE_SESSION_SOURCES = {
    "sso": "SSO role credentials",
    "assume-role-with-web-identity": "web identity role credentials",
    "iam-role": "the instance profile's role credentials",
    "container-role": "the container's task role credentials",
}


def chained_role_basis(res: Resolution) -> str | None:
    """Why the role of `res` is assumed with role credentials (role chaining), or None."""
    if res.source != "assume-role":
        return None
    if len(res.role_chain) > 1:
        return "role chain " + " -> ".join(res.role_chain)
    what = _ROLE_SESSION_SOURCES.get(res.base_source or "")
    if what is None:
        return None
    return f"{what} of profile {res.base_profile}" if res.base_profile else what
