"""Which credentials the AWS CLI is about to use, and why: botocore's provider chain, offline.

`resolve()` walks the same steps, in the same order, as botocore's
`create_credential_resolver` (botocore/credentials.py):

    env  ->  assume-role  ->  assume-role-with-web-identity  ->  sso
         ->  shared-credentials-file  ->  login  ->  custom-process  ->  config-file
         ->  container-role  ->  iam-role

with botocore's quirks: an explicit `--profile` takes the environment keys out of
the chain (AWS_PROFILE does not); `role_arn` wins over static keys in the same
profile unless the profile also has `web_identity_token_file`; a source profile
is resolved through its own chain with the environment disabled. Nothing here
makes a network call or imports botocore; the only files read besides the
config and credentials files are the SSO token cache and the CLI's credential
cache, for expiry and cached key ids.

The conflict detectors at the end turn what the chain found into warnings with
stable codes (see README.md, "Who the CLI will act as").
"""

from __future__ import annotations

import os
from .record import field, record
from datetime import datetime, timedelta, timezone
from pathlib import Path
from .awsconfig import AwsFiles, ConfigValue
from .invocation import Invocation
from .timefmt import format_time, parse_time

TYPE_CHECKING = False  # collections.abc imports `collections`: milliseconds per call
if TYPE_CHECKING:
    from collections.abc import Mapping

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
class Conflict:
    code: str
    message: str
    fix: str
    # False for hazards worth a report (whoami, doctor) but not a line on every call.
    applies_to_shim: bool = True

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "fix": self.fix}


@record
class Resolution:
    cli_major: int
    profile: str
    profile_from: str  # --profile | AWS_PROFILE | AWS_DEFAULT_PROFILE | default
    # The real CLI's exact version (None: unknown, the newest of cli_major assumed).
    cli_version: str | None = None
    source: str | None = None
    source_reason: str = ""
    # Where the winning credentials live: env var names or a file path.
    source_location: str | None = None
    access_key_id: str | None = None  # masked
    region: str | None = None
    region_from: str | None = None  # --region | AWS_REGION | AWS_DEFAULT_REGION | profile
    region_location: str | None = None
    expires_at: str | None = None
    expires_from: str | None = None
    endpoint_url: str | None = None
    endpoint_url_from: str | None = None
    # Where STS (awsguard's identity lookup, its sessions) goes for this setup.
    sts_endpoint_url: str | None = None
    sts_endpoint_url_from: str | None = None
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
    base_access_key_id: str | None = None  # masked
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

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for name in self.__record_fields__:
            if name in ("raw_access_key_id", "raw_base_access_key_id", "conflicts"):
                continue
            out[name] = getattr(self, name)
        out["role_chain"] = list(self.role_chain)
        out["ignored_settings"] = list(self.ignored_settings)
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
# What the real CLI's version honours (data/cli-settings.tsv, with citations)

_SETTINGS: dict[str, tuple[str, str]] = {}


def _settings_table() -> dict[str, tuple[str, str]]:
    if not _SETTINGS:
        path = os.path.join(os.path.dirname(__file__), "data", "cli-settings.tsv")
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
    data/cli-settings.tsv). An unknown version is taken as the newest of its major."""
    first = _settings_table()[setting][0 if cli_major == 1 else 1]
    if first == "-":
        return False
    return cli_version is None or _version_tuple(cli_version) >= _version_tuple(first)


# ---------------------------------------------------------------------------
# The chain, step by step


@record
class _Found:
    source: str
    reason: str
    location: str | None = None
    key: str | None = None
    has_token: bool = False
    expires_at: str | None = None
    expires_from: str | None = None
    error: str | None = None
    profile: str | None = None


@record
class _Context:
    environ: Mapping[str, str]
    files: AwsFiles
    now: datetime
    res: Resolution

    @property
    def home(self) -> str:
        return self.environ.get("HOME") or os.path.expanduser("~")


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
        found.expires_at = format_time(moment) if moment else expiry
        found.expires_from = "AWS_CREDENTIAL_EXPIRATION"
    return found


def _static_from_file(
    ctx: _Context, section: Mapping[str, ConfigValue], source: str, path: Path, profile: str
) -> _Found:
    found = _Found(
        source,
        f"static keys in profile {profile} in {path}",
        str(path),
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


def _profile_chain(ctx: _Context, name: str, disable_env: bool) -> _Found | None:
    """botocore's ProfileProviderBuilder: the providers that read one profile."""
    files, environ, res = ctx.files, ctx.environ, ctx.res
    profile = files.profile(name)
    where = files.where

    # assume-role-with-web-identity: the environment first (unless --profile), then the profile.
    if not disable_env and "AWS_WEB_IDENTITY_TOKEN_FILE" in environ:
        token_file: str | None = environ["AWS_WEB_IDENTITY_TOKEN_FILE"]
        token_from = "AWS_WEB_IDENTITY_TOKEN_FILE"
    else:
        token_file = _str(profile, "web_identity_token_file")
        token_from = f"web_identity_token_file in profile {name}"
    if token_file:
        if not disable_env and "AWS_ROLE_ARN" in environ:
            role_arn: str | None = environ["AWS_ROLE_ARN"]
        else:
            role_arn = _str(profile, "role_arn")
        found = _Found(
            "assume-role-with-web-identity",
            f"{token_from} is set",
            token_file,
            profile=name,
        )
        res.web_identity_token_file = token_file
        if not role_arn:
            found.error = (
                "configured to assume role with web identity but no role ARN is set "
                "(role_arn in the profile or AWS_ROLE_ARN)"
            )
        else:
            res.role_arn = res.role_arn or role_arn
            session = (
                environ.get("AWS_ROLE_SESSION_NAME")
                if not disable_env and "AWS_ROLE_SESSION_NAME" in environ
                else _str(profile, "role_session_name")
            )
            extra = {"RoleSessionName": session} if session else {}
            _assume_role_cache(ctx, found, role_arn, extra)
        return found

    if "sso_role_name" in profile or "sso_account_id" in profile:
        return _sso(ctx, name, profile)

    creds = files.credentials_profiles.get(name)
    if creds is not None and "aws_access_key_id" in creds:
        return _static_from_file(
            ctx, creds, "shared-credentials-file", files.credentials_path, name
        )

    if "login_session" in profile and not cli_honours("login", res.cli_major, res.cli_version):
        res.ignored_settings.append(f"login_session in profile {name}")
    elif "login_session" in profile:
        return _Found(
            "login",
            f"login_session in profile {name}",
            str(where(name, "login_session")),
            profile=name,
        )

    process = _str(profile, "credential_process")
    if process is not None:
        res.credential_process = process
        return _Found(
            "custom-process",
            f"credential_process in profile {name}",
            str(where(name, "credential_process")),
            profile=name,
        )

    config = files.config_profiles.get(name)
    if config is not None and "aws_access_key_id" in config:
        return _static_from_file(ctx, config, "config-file", files.config_path, name)
    return None


def _sso(ctx: _Context, name: str, profile: Mapping[str, ConfigValue]) -> _Found:
    res = ctx.res
    found = _Found("sso", f"sso_* keys in profile {name}", None, profile=name)
    found.location = str(ctx.files.where(name, "sso_role_name") or ctx.files.where(
        name, "sso_account_id"
    ))
    merged: dict[str, object] = dict(profile)
    required = ["sso_role_name", "sso_account_id", "sso_start_url", "sso_region"]
    session_name = _str(profile, "sso_session")
    if session_name is not None and not cli_honours("sso-session", res.cli_major, res.cli_version):
        res.ignored_settings.append(f"sso_session in profile {name}")
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
    res.sso_session = session_name
    res.sso_start_url = _str(merged, "sso_start_url")
    res.sso_region = _str(merged, "sso_region")
    res.sso_account_id = _str(merged, "sso_account_id")
    res.sso_role_name = _str(merged, "sso_role_name")
    _sso_token_expiry(ctx, found)
    return found


def sso_token_path(home: str, start_url: str | None, session_name: str | None) -> Path | None:
    """~/.aws/sso/cache/<sha1 of the sso-session name, or of the start URL>.json."""
    basis = session_name if session_name is not None else start_url
    if basis is None:
        return None
    import hashlib  # OpenSSL load costs milliseconds: only when SSO is in play

    digest = hashlib.sha1(basis.encode("utf-8")).hexdigest()
    return Path(home) / ".aws" / "sso" / "cache" / f"{digest}.json"


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
    import hashlib
    import json

    args: dict[str, object] = {"roleName": role_name, "accountId": account_id}
    if session_name:
        args["sessionName"] = session_name
    else:
        args["startUrl"] = start_url
    text = json.dumps(args, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()
    return Path(home) / ".aws" / "cli" / "cache" / f"{digest}.json"


def _sso_token_expiry(ctx: _Context, found: _Found) -> None:
    res = ctx.res
    # Role credentials the CLI cached with an earlier token: while they last (botocore
    # renews 15 minutes early), the CLI uses them and never looks at the token. Only
    # AWS CLI v2 keeps them on disk (data/cli-settings.tsv, sso-role-cache).
    role_cache = sso_role_cache_path(
        ctx.home, res.sso_account_id, res.sso_role_name, res.sso_start_url, res.sso_session
    )
    cached = None
    if cli_honours("sso-role-cache", res.cli_major, res.cli_version):
        cached = _read_json(role_cache)
    creds = cached.get("Credentials") if cached else None
    if isinstance(creds, dict) and isinstance(creds.get("Expiration"), str):
        moment = parse_time(creds["Expiration"])
        if moment is not None and moment - ctx.now >= ASSUME_ROLE_EXPIRY_WINDOW:
            found.expires_at = format_time(moment)
            found.expires_from = f"CLI credential cache {role_cache}"
            if isinstance(creds.get("AccessKeyId"), str):
                found.key = creds["AccessKeyId"]
                found.has_token = True
            return
    path = sso_token_path(ctx.home, res.sso_start_url, res.sso_session)
    token = _read_json(path) if path else None
    if token and isinstance(token.get("expiresAt"), str):
        moment = parse_time(token["expiresAt"])
        if moment and moment <= ctx.now and _sso_refreshable(token, res, ctx.now):
            # An sso-session token with a refresh token: the CLI refreshes it itself.
            res.sso_refreshable = True
            return
        if moment:
            found.expires_at = format_time(moment)
            found.expires_from = f"SSO token cache {path}"


def _sso_refreshable(token: Mapping[str, object], res: Resolution, now: datetime) -> bool:
    if not res.sso_session or not token.get("refreshToken") or not token.get("clientId"):
        return False
    registration = token.get("registrationExpiresAt")
    if isinstance(registration, str):
        moment = parse_time(registration)
        if moment is not None and moment <= now:
            return False  # the client registration lapsed: a new login is needed
    return True


def _assume_role_cache(
    ctx: _Context, found: _Found, role_arn: str, extra: Mapping[str, ConfigValue]
) -> None:
    """Key id and expiry from the CLI's assume-role cache (~/.aws/cli/cache), when fresh.

    The file name is the SHA-1 of the AssumeRole arguments as JSON (sorted keys;
    a generated RoleSessionName is left out), as botocore's fetcher computes it.
    """
    import hashlib
    import json

    args = dict(extra)
    args["RoleArn"] = role_arn
    digest = hashlib.sha1(json.dumps(args, sort_keys=True).encode("utf-8")).hexdigest()
    path = Path(ctx.home) / ".aws" / "cli" / "cache" / f"{digest}.json"
    cached = _read_json(path)
    creds = cached.get("Credentials") if cached else None
    if not isinstance(creds, dict) or not isinstance(creds.get("Expiration"), str):
        return
    moment = parse_time(creds["Expiration"])
    if moment is None or moment - ctx.now < ASSUME_ROLE_EXPIRY_WINDOW:
        return  # the CLI will call STS again: the next key id is unknowable
    found.expires_at = format_time(moment)
    found.expires_from = f"CLI credential cache {path}"
    if isinstance(creds.get("AccessKeyId"), str):
        found.key = creds["AccessKeyId"]
        found.has_token = True


def _assume_role(ctx: _Context, name: str, visited: list[str]) -> _Found:
    files, res = ctx.files, ctx.res
    profile = files.profile(name)
    role_arn = _str(profile, "role_arn") or ""
    source_profile = _str(profile, "source_profile")
    credential_source = _str(profile, "credential_source")
    if res.role_arn is None:
        res.role_arn = role_arn
        res.source_profile = source_profile
        res.credential_source = credential_source
        res.role_session_name = _str(profile, "role_session_name")
        res.external_id = _str(profile, "external_id")
        try:
            res.duration_seconds = int(_str(profile, "duration_seconds") or "")
        except ValueError:
            res.duration_seconds = None
    res.role_chain.append(name)
    if res.mfa_serial is None:
        res.mfa_serial = _str(profile, "mfa_serial")
    found = _Found(
        "assume-role",
        f"role_arn in profile {name}",
        str(files.where(name, "role_arn")),
        profile=name,
    )
    if visited == [name]:
        extra: dict[str, object] = {}
        for key, arg in (
            ("role_session_name", "RoleSessionName"),
            ("external_id", "ExternalId"),
            ("mfa_serial", "SerialNumber"),
        ):
            if _str(profile, key) is not None:
                extra[arg] = profile[key]
        if res.duration_seconds is not None:
            extra["DurationSeconds"] = res.duration_seconds
        _assume_role_cache(ctx, found, role_arn, extra)
        found.reason = f"role_arn in profile {name}"

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
        res.base_source = base.source if not base.error else res.base_source
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
        base = _profile_chain(ctx, source_profile, disable_env=True)
        if base is None:
            found.error = f'The source profile "{source_profile}" must have credentials.'
            return found
        if base.error:
            found.error = base.error
        res.base_source = base.source
        res.base_profile = source_profile
        res.raw_base_access_key_id = base.key
        res.base_access_key_id = mask_key(base.key)
        return found
    inner = _assume_role(ctx, source_profile, visited)
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
            return env or found
        ctx.res.raw_base_access_key_id = env.key
        ctx.res.base_access_key_id = mask_key(env.key)
        return env
    if canonical == "EcsContainer":
        if not _container_configured(environ):
            found.error = none_found
        found.source = "container-role"
        return found
    if _imds_disabled(environ):
        found.error = none_found
    found.source = "iam-role"
    return found


def _container_configured(environ: Mapping[str, str]) -> bool:
    return (
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" in environ
        or "AWS_CONTAINER_CREDENTIALS_FULL_URI" in environ
    )


def _imds_disabled(environ: Mapping[str, str]) -> bool:
    return environ.get("AWS_EC2_METADATA_DISABLED", "").lower() == "true"


def _pick_profile(invocation: Invocation, environ: Mapping[str, str], cli_major: int):
    if invocation.profile is not None:
        return invocation.profile, "--profile"
    # botocore (CLI v1) reads AWS_DEFAULT_PROFILE first; the CLI v2 reads AWS_PROFILE first.
    order = (
        ("AWS_DEFAULT_PROFILE", "AWS_PROFILE")
        if cli_major == 1
        else ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
    )
    for name in order:
        if name in environ:
            return environ[name], name
    return "default", "default"


def region_vars(cli_major: int, cli_version: str | None = None) -> tuple[str, ...]:
    # botocore 1.x reads AWS_DEFAULT_REGION only; the CLI v2 reads AWS_REGION first.
    if cli_honours("AWS_REGION", cli_major, cli_version):
        return ("AWS_REGION", "AWS_DEFAULT_REGION")
    return ("AWS_DEFAULT_REGION",)


def _pick_region(ctx: _Context, invocation: Invocation, profile_ok: bool) -> None:
    res, environ = ctx.res, ctx.environ
    if invocation.region is not None:
        res.region, res.region_from = invocation.region or None, "--region"
        return
    for name in region_vars(res.cli_major, res.cli_version):
        if name in environ:
            res.region, res.region_from = environ[name] or None, name
            return
    if profile_ok:
        region = _str(ctx.files.profile(res.profile), "region")
        if region is not None:
            res.region, res.region_from = region or None, "profile"
            res.region_location = str(ctx.files.where(res.profile, "region"))


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
) -> tuple[str, str] | None:
    """(URL, where it comes from) for a client the real CLI creates, from the
    environment and the profile, or None. The one place this precedence lives
    (botocore's ConfiguredEndpointProvider): AWS_ENDPOINT_URL_<SERVICE>, then
    AWS_ENDPOINT_URL, then the profile's [services] section, then its endpoint_url;
    all of it off with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_
    endpoint_urls, and none of it before the CLI version that reads them.
    An explicit --endpoint-url wins over all this; the caller applies it."""
    if not cli_honours("configured-endpoints", cli_major, cli_version):
        return None
    profile = files.profile(profile_name) if files.has_profile(profile_name) else {}
    ignore = environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
    if ignore is None:
        ignore = _str(profile, "ignore_configured_endpoint_urls")
    if (ignore or "").strip().lower() == "true":
        return None
    snake = client.replace("-", "_") if client else None
    if snake:
        var = f"AWS_ENDPOINT_URL_{snake.upper()}"
        if environ.get(var):
            return environ[var], var
    if environ.get("AWS_ENDPOINT_URL"):
        return environ["AWS_ENDPOINT_URL"], "AWS_ENDPOINT_URL"
    services_name = _str(profile, "services")
    if snake and services_name:
        block = files.services.get(services_name, {}).get(snake)
        if isinstance(block, dict) and block.get("endpoint_url"):
            return str(block["endpoint_url"]), f"[services {services_name}] {snake}"
    if _str(profile, "endpoint_url"):
        return str(profile["endpoint_url"]), "profile"
    return None


def _endpoint_settings_present(environ: Mapping[str, str], profile: Mapping[str, ConfigValue]):
    found = [n for n in environ if n.startswith("AWS_ENDPOINT_URL") and environ[n]]
    found += [n for n in _ENDPOINT_VARIABLES[1:] if n in environ]
    for key in ("endpoint_url", "services", "ignore_configured_endpoint_urls"):
        if key in profile:
            found.append(f"{key} in the profile")
    return sorted(set(found))


def _pick_endpoint(ctx: _Context, invocation: Invocation, profile_ok: bool) -> None:
    res, environ = ctx.res, ctx.environ
    name = res.profile if profile_ok else ""
    if not cli_honours("configured-endpoints", res.cli_major, res.cli_version):
        profile = ctx.files.profile(name) if name and ctx.files.has_profile(name) else {}
        res.ignored_settings += _endpoint_settings_present(environ, profile)
    sts = configured_endpoint("sts", environ, ctx.files, name, res.cli_major, res.cli_version)
    if invocation.endpoint_url:
        res.endpoint_url, res.endpoint_url_from = invocation.endpoint_url, "--endpoint-url"
        res.sts_endpoint_url, res.sts_endpoint_url_from = res.endpoint_url, "--endpoint-url"
        return
    if sts is not None:
        res.sts_endpoint_url, res.sts_endpoint_url_from = sts
    found = configured_endpoint(
        client_name(invocation.service), environ, ctx.files, name, res.cli_major,
        res.cli_version,
    )
    if found is not None:
        res.endpoint_url, res.endpoint_url_from = found


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
    version does not read are not applied (data/cli-settings.tsv)."""
    now = now or datetime.now(timezone.utc)
    profile, profile_from = _pick_profile(invocation, environ, cli_major)
    res = Resolution(
        cli_major=cli_major, profile=profile, profile_from=profile_from, cli_version=cli_version
    )
    res.file_problems = [str(p) for p in files.errors]
    ctx = _Context(environ, files, now, res)
    explicit = profile_from != "default"
    profile_ok = files.has_profile(profile) or not explicit
    if not profile_ok:
        # botocore raises ProfileNotFound before it looks at any credentials.
        res.error = f"The config profile ({profile}) could not be found"
        res.source_reason = f"profile {profile} (from {profile_from}) is in neither file"
    else:
        found = _chain(ctx, invocation)
        if found is None:
            res.source_reason = _nothing_reason(ctx, invocation)
        else:
            res.source = found.source
            res.source_reason = found.reason
            res.source_location = found.location
            res.raw_access_key_id = found.key
            res.access_key_id = mask_key(found.key)
            res.has_session_token = found.has_token
            res.expires_at, res.expires_from = found.expires_at, found.expires_from
            res.error = found.error
    _pick_region(ctx, invocation, profile_ok)
    _pick_endpoint(ctx, invocation, profile_ok)
    res.conflicts = detect_conflicts(res, invocation, environ, files, now)
    return res


def _chain(ctx: _Context, invocation: Invocation) -> _Found | None:
    res, environ = ctx.res, ctx.environ
    explicit_flag = invocation.profile is not None
    if not explicit_flag:
        env = _env_credentials(ctx, "AWS_ACCESS_KEY_ID is set")
        if env is not None:
            env.reason = _env_reason(res, environ)
            env.location = "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"
            return env
    profile = ctx.files.profile(res.profile)
    if _has_role(profile):
        return _assume_role(ctx, res.profile, [res.profile])
    found = _profile_chain(ctx, res.profile, disable_env=explicit_flag)
    if found is not None:
        if explicit_flag and _present(environ, "AWS_ACCESS_KEY_ID"):
            found.reason += " (--profile takes the environment keys out of the chain)"
        return found
    if _container_configured(environ):
        var = (
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
            if "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" in environ
            else "AWS_CONTAINER_CREDENTIALS_FULL_URI"
        )
        return _Found("container-role", f"{var} is set and no profile has credentials", var)
    return None


def _env_reason(res: Resolution, environ: Mapping[str, str]) -> str:
    if res.profile_from in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        return f"environment keys win over {res.profile_from}={res.profile}"
    return "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set"


def _nothing_reason(ctx: _Context, invocation: Invocation) -> str:
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


def detect_conflicts(
    res: Resolution,
    invocation: Invocation,
    environ: Mapping[str, str],
    files: AwsFiles,
    now: datetime,
) -> list[Conflict]:
    found: list[Conflict] = []
    add = found.append
    explicit_flag = invocation.profile is not None

    for problem in files.errors:
        if getattr(problem, "fatal", False):
            continue  # not read at all: safefs has said so in one line
        add(
            Conflict(
                CONFIG_FILE_PROBLEM,
                f"{problem}; the AWS CLI may refuse this file",
                f"edit {problem.path} at line {problem.line or '?'}",
            )
        )

    if res.profile_from in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE") and not files.has_profile(
        res.profile
    ) or (res.profile_from == "--profile" and not files.has_profile(res.profile)):
        known = ", ".join(files.profile_names()) or "none"
        add(
            Conflict(
                PROFILE_NOT_FOUND,
                f"profile {res.profile!r} (from {res.profile_from}) is not in "
                f"{files.config_path} or {files.credentials_path}",
                f"use one of the profiles there ({known}), or add [profile {res.profile}]",
            )
        )

    if res.source == "env" and res.profile_from in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        add(
            Conflict(
                ENV_OVERRIDES_PROFILE,
                f"AWS_ACCESS_KEY_ID ({res.access_key_id}) wins over "
                f"{res.profile_from}={res.profile}: commands run as the environment keys, "
                f"not as profile {res.profile}",
                f"`unset {_ENV_KEY_VARS}` to use profile {res.profile}, "
                f"or `unset {res.profile_from}`",
            )
        )

    key_set = _present(environ, "AWS_ACCESS_KEY_ID")
    secret_set = _present(environ, "AWS_SECRET_ACCESS_KEY")
    token_set = _present(environ, "AWS_SESSION_TOKEN") or _present(environ, "AWS_SECURITY_TOKEN")
    if key_set != secret_set or (token_set and not key_set):
        have = [v for v, ok in (("AWS_ACCESS_KEY_ID", key_set),
                                ("AWS_SECRET_ACCESS_KEY", secret_set),
                                ("AWS_SESSION_TOKEN", token_set)) if ok]
        if key_set and not explicit_flag:
            effect = "the CLI stops with 'Partial credentials found in env'"
        else:
            effect = "the environment keys are ignored"
        add(
            Conflict(
                PARTIAL_ENV_KEYS,
                f"only {' and '.join(have)} set in the environment: {effect}",
                "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                f"or `unset {' '.join(have)}`",
            )
        )

    if res.source in ("env", "shared-credentials-file", "config-file") and res.raw_access_key_id:
        where = "the environment" if res.source == "env" else res.source_location
        if res.raw_access_key_id.startswith("AKIA") and res.has_session_token:
            add(
                Conflict(
                    SESSION_TOKEN_WITH_LONG_TERM_KEY,
                    f"long-term key {res.access_key_id} from {where} comes with a session token: "
                    "AWS rejects the request (InvalidClientTokenId / security token invalid)",
                    "remove the session token (AWS_SESSION_TOKEN / aws_session_token) or use "
                    "the temporary key (ASIA…) it belongs to",
                )
            )
        if res.raw_access_key_id.startswith("ASIA") and not res.has_session_token:
            add(
                Conflict(
                    TEMPORARY_KEY_WITHOUT_TOKEN,
                    f"temporary key {res.access_key_id} from {where} has no session token: "
                    "AWS rejects the request",
                    "set AWS_SESSION_TOKEN (or aws_session_token) from the same session "
                    "as the key",
                )
            )

    if (
        "AWS_PROFILE" in environ
        and "AWS_DEFAULT_PROFILE" in environ
        and environ["AWS_PROFILE"] != environ["AWS_DEFAULT_PROFILE"]
    ):
        winner = "AWS_DEFAULT_PROFILE" if res.cli_major == 1 else "AWS_PROFILE"
        note = " (--profile overrides both here)" if explicit_flag else ""
        add(
            Conflict(
                PROFILE_VARS_DISAGREE,
                f"AWS_PROFILE={environ['AWS_PROFILE']} but "
                f"AWS_DEFAULT_PROFILE={environ['AWS_DEFAULT_PROFILE']}: AWS CLI "
                f"v{res.cli_major} uses {winner}={environ[winner]}{note}",
                "`unset AWS_DEFAULT_PROFILE` and keep only AWS_PROFILE",
            )
        )

    _region_conflicts(res, invocation, environ, add)

    _shadow_conflicts(res, files, add)

    if res.source == "env" and res.expires_at:
        moment = parse_time(res.expires_at)
        if moment is not None and moment <= now:
            add(
                Conflict(
                    EXPIRED_ENV_CREDENTIALS,
                    f"the environment credentials expired at {res.expires_at} "
                    "(AWS_CREDENTIAL_EXPIRATION)",
                    f"get fresh credentials, or `unset {_ENV_KEY_VARS} "
                    "AWS_CREDENTIAL_EXPIRATION` to use a profile",
                )
            )

    legacy = environ.get("AWS_SECURITY_TOKEN")
    if legacy and legacy != environ.get("AWS_SESSION_TOKEN") and res.source == "env":
        add(
            Conflict(
                LEGACY_SECURITY_TOKEN,
                "AWS_SECURITY_TOKEN differs from AWS_SESSION_TOKEN and botocore reads "
                "AWS_SECURITY_TOKEN first: the CLI sends the legacy token",
                "`unset AWS_SECURITY_TOKEN` (or set it to the same value)",
            )
        )

    if res.endpoint_url and res.endpoint_url_from != "--endpoint-url":
        origin = res.endpoint_url_from
        if origin == "profile":
            origin = f"endpoint_url in profile {res.profile}"
        add(
            Conflict(
                ENDPOINT_OVERRIDE,
                f"requests go to {res.endpoint_url} (from {origin}), not to AWS's endpoint",
                "unset the variable or remove the setting, or set "
                "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true; if it is intended (LocalStack, "
                'a proxy), set "endpoint-override" = "off" under [conflicts] in awsguard\'s '
                "config",
            )
        )

    sso_command = (invocation.service, invocation.operation) in (
        ("sso", "login"), ("sso", "logout"), ("configure", "sso"), ("configure", "sso-session"),
    )
    role_cached = (res.expires_from or "").startswith("CLI credential cache")
    if (res.source == "sso" or res.base_source == "sso") and not (
        sso_command or role_cached or res.sso_refreshable
    ):
        path = sso_token_path(
            environ.get("HOME") or os.path.expanduser("~"), res.sso_start_url, res.sso_session
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
            add(
                Conflict(
                    SSO_TOKEN_EXPIRED,
                    f"no cached SSO token for {res.sso_session or res.sso_start_url}: "
                    "you are not logged in",
                    f"run `{login}`",
                )
            )
        elif moment <= now:
            add(
                Conflict(
                    SSO_TOKEN_EXPIRED,
                    f"the SSO token for {res.sso_session or res.sso_start_url} expired at "
                    f"{format_time(moment)}",
                    f"run `{login}`",
                )
            )

    base_key = res.raw_access_key_id
    base_file_source = res.source
    if res.source == "assume-role":
        base_key = res.raw_base_access_key_id
        base_file_source = res.base_source
    if (
        base_file_source in ("shared-credentials-file", "config-file")
        and base_key
        and base_key.startswith("AKIA")
    ):
        holder = res.base_profile if res.source == "assume-role" else res.profile
        add(
            Conflict(
                PLAINTEXT_LONG_TERM_KEYS,
                f"long-term access key {mask_key(base_key)} is stored in plain text "
                f"(profile {holder}, {base_file_source})",
                "move it to the OS keyring (awsguard) or use SSO / credential_process, "
                "and rotate the key",
                applies_to_shim=False,
            )
        )

    if res.ignored_settings:
        version = res.cli_version or f"v{res.cli_major}"
        add(
            Conflict(
                IGNORED_BY_CLI_VERSION,
                f"AWS CLI {version} ignores {', '.join(res.ignored_settings)}: "
                "this version does not read them, so they have no effect",
                "upgrade the AWS CLI to a version that reads them, or remove them; "
                "--endpoint-url works with every version",
            )
        )

    chained = chained_role_basis(res)
    if chained and res.duration_seconds and res.duration_seconds > CHAINED_ROLE_MAX_SECONDS:
        add(
            Conflict(
                CHAINED_ROLE_DURATION,
                f"profile {res.profile} asks for duration_seconds = {res.duration_seconds}, "
                f"but its role is assumed with role credentials ({chained}): AWS caps a "
                "chained role session at 1 hour and refuses the AssumeRole "
                "(ValidationError: the requested DurationSeconds exceeds the 1 hour session "
                "limit for roles assumed by role chaining)",
                f"set duration_seconds to {CHAINED_ROLE_MAX_SECONDS} or less in profile "
                f"{res.profile}, or assume the role with an IAM user's keys",
            )
        )

    if res.error:
        add(
            Conflict(
                CREDENTIALS_ERROR,
                f"the AWS CLI will stop before any call: {res.error}",
                "fix the profile or variables named in the message",
            )
        )
    return found


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


def _region_conflicts(res: Resolution, invocation: Invocation, environ: Mapping[str, str], add):
    aws_region = environ.get("AWS_REGION")
    default_region = environ.get("AWS_DEFAULT_REGION")
    if aws_region and default_region and aws_region != default_region:
        winner = "AWS_DEFAULT_REGION" if res.cli_major == 1 else "AWS_REGION"
        note = " (--region overrides both here)" if invocation.region is not None else ""
        add(
            Conflict(
                REGION_VARS_DISAGREE,
                f"AWS_REGION={aws_region} but AWS_DEFAULT_REGION={default_region}: AWS CLI "
                f"v{res.cli_major} uses {winner}={environ[winner]}{note}",
                "set both to the same region, or unset one",
            )
        )
    elif (
        res.cli_major == 1
        and aws_region
        and invocation.region is None
        and res.region != aws_region
    ):
        add(
            Conflict(
                REGION_VARS_DISAGREE,
                f"AWS_REGION={aws_region} is ignored by AWS CLI v1, which uses "
                f"{res.region or 'no region'} (from {res.region_from or 'nowhere'})",
                f"`export AWS_DEFAULT_REGION={aws_region}`",
            )
        )
    if not res.region and res.endpoint_url is None:
        why = (
            f"{res.region_from} is set but empty"
            if res.region_from
            else f"no --region, no {' or '.join(region_vars(res.cli_major, res.cli_version))}, "
            f"no region in profile {res.profile}"
        )
        add(
            Conflict(
                NO_REGION,
                f"no region: {why}; most commands will fail with 'You must specify a region'",
                f"`aws configure set region <region> --profile {res.profile}` or "
                "export AWS_DEFAULT_REGION",
            )
        )


def _shadow_conflicts(res: Resolution, files: AwsFiles, add) -> None:
    name = res.profile
    in_config = files.config_profiles.get(name, {})
    in_creds = files.credentials_profiles.get(name, {})
    for key in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token",
                "role_arn", "source_profile", "region"):
        if key in in_config and key in in_creds and in_config[key] != in_creds[key]:
            what = "the values" if "secret" in key or "token" in key else (
                mask_key(in_creds[key]) if key == "aws_access_key_id" else in_creds[key]
            )
            add(
                Conflict(
                    KEYS_SHADOWED,
                    f"profile {name} sets {key} in both {files.credentials_path} and "
                    f"{files.config_path}; the credentials file wins ({what})",
                    f"remove {key} from one of the two files",
                )
            )
    merged = files.profile(name)
    if res.source in (None, "env", "shared-credentials-file", "config-file"):
        return
    if res.source == "assume-role" and res.source_profile == name:
        return  # a profile may source its own static keys for the role
    if "aws_access_key_id" in merged:
        where = files.where(name, "aws_access_key_id")
        add(
            Conflict(
                KEYS_SHADOWED,
                f"profile {name} has static keys ({mask_key(_str(merged, 'aws_access_key_id'))} "
                f"in {where}) but {res.source} wins ({res.source_reason})",
                f"remove the unused keys from profile {name}, or move them to their own profile",
            )
        )
