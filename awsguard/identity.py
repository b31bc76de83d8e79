"""Who am I: STS GetCallerIdentity (and the account alias), cached per credential.

The call is made the way the real CLI would make it: a botocore session built from
the child's environment (which may hold session credentials from awsguard's MFA
feature) with the invocation's --profile, --region and --endpoint-url. The answer
is cached in `cache_dir()/identity/<sha256(access key id)>.json` (0600) with the
account, ARN, user id, alias and the time it was fetched, never a secret; the
shell prompt segment reads the same files. When the access key id is known
offline (environment keys, static keys, cached role credentials) a cached
identity costs one small file read: no botocore import, no network.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from .record import record
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from . import identitycache, paths
from .errors import EXIT_REFUSED, AwsguardError
from .timefmt import format_time, parse_time, require_time

# An access key's principal never changes; the alias can, so refresh now and then.
MAX_AGE = timedelta(hours=12)
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 10


@record(frozen=True)
class Identity:
    account: str
    arn: str
    user_id: str
    alias: str | None
    fetched_at: str
    endpoint_url: str | None = None
    cached: bool = False

    def record(self) -> dict[str, Any]:
        """What the cache file holds."""
        return {
            "account": self.account,
            "arn": self.arn,
            "user_id": self.user_id,
            "alias": self.alias,
            "fetched_at": self.fetched_at,
            "endpoint_url": self.endpoint_url,
        }


class IdentityUnknown(AwsguardError):
    """Who the command would run as cannot be found out: awsguard refuses (77)."""

    exit_code = EXIT_REFUSED


class IdentityTimeout(IdentityUnknown):
    """STS did not answer within the deadline the caller gave."""


# fetch(invocation, resolution, environ, cached_for) -> (the access key id botocore
# signed with, the identity); cached_for(key) is asked before STS is.
Fetcher = Callable[..., tuple[str, Identity]]


def cache_path(access_key_id: str, environ: Mapping[str, str] = os.environ) -> Path:
    return Path(identitycache.path(access_key_id, environ))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def read_cached(
    access_key_id: str,
    environ: Mapping[str, str] = os.environ,
    endpoint_url: str | None = None,
    now: datetime | None = None,
) -> Identity | None:
    data = identitycache.read(access_key_id, environ)  # the cache's one reader
    try:
        if data is None:
            return None
        fetched = require_time(data["fetched_at"])
        if not (data["account"] and data["arn"]):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if (now or _now()) - fetched > MAX_AGE:
        return None
    # Same key, other endpoint (a local emulator): not the same answer.
    if data.get("endpoint_url") != endpoint_url:
        return None
    return Identity(
        account=str(data["account"]),
        arn=str(data["arn"]),
        user_id=str(data.get("user_id") or ""),
        alias=data.get("alias") or None,
        fetched_at=data["fetched_at"],
        endpoint_url=data.get("endpoint_url"),
        cached=True,
    )


def write_cached(
    access_key_id: str, identity: Identity, environ: Mapping[str, str] = os.environ
) -> None:
    try:
        paths.write_private(
            cache_path(access_key_id, environ), json.dumps(identity.record(), indent=1) + "\n"
        )
    except OSError:
        pass  # a cache that cannot be written only costs the next STS call


def cached(resolution: Any, environ: Mapping[str, str] = os.environ) -> dict[str, Any] | None:
    """The cached identity for the resolution's access key, whatever the endpoint."""
    key = getattr(resolution, "raw_access_key_id", None)
    if not key:
        return None
    return identitycache.read(key, environ)  # absent, or not ours (safefs warned once)


def offline_key(invocation: Any, resolution: Any, environ: Mapping[str, str]) -> str | None:
    """The access key id the CLI will sign with, when it is known without a call."""
    # Environment keys win unless --profile takes them out of the chain (botocore);
    # the shim's child env may carry session keys the resolution never saw.
    explicit_profile = getattr(invocation, "profile", None) is not None
    if (
        not explicit_profile
        and environ.get("AWS_ACCESS_KEY_ID")
        and environ.get("AWS_SECRET_ACCESS_KEY")
    ):
        return environ["AWS_ACCESS_KEY_ID"]
    return getattr(resolution, "raw_access_key_id", None)


def endpoint_for(
    invocation: Any, environ: Mapping[str, str], resolution: Any = None
) -> str | None:
    """The endpoint STS is asked at: the invocation's --endpoint-url, else the STS
    endpoint the real CLI's version would use (resolve.configured_endpoint, version-
    gated: AWS CLI 2.9 ignores AWS_ENDPOINT_URL and endpoint_url, so awsguard does too)."""
    explicit = getattr(invocation, "endpoint_url", None)
    if explicit:
        return explicit
    return _configured(resolution, "sts", environ)


def _iam_endpoint(
    invocation: Any, resolution: Any, environ: Mapping[str, str]
) -> str | None:
    # The alias lookup: an explicit --endpoint-url, else the IAM endpoint the real
    # CLI's version would use (resolve.configured_endpoint for "iam").
    if getattr(invocation, "endpoint_url", None):
        return invocation.endpoint_url
    return _configured(resolution, "iam", environ)


def _configured(resolution: Any, client: str, environ: Mapping[str, str]) -> str | None:
    """The resolution's endpoint for STS or IAM; for a stand-in that carries none, the
    same rule (resolve.configured_endpoint) over the environment alone."""
    if resolution is not None and hasattr(resolution, f"{client}_endpoint_url"):
        return getattr(resolution, f"{client}_endpoint_url")
    from .awsconfig import AwsFiles
    from .resolve import configured_endpoint

    nothing = AwsFiles(Path(os.devnull), Path(os.devnull))
    major = getattr(resolution, "cli_major", 2)
    found = configured_endpoint(client, environ, nothing, "", major)
    return found.value if found else None


def identify(
    invocation: Any,
    resolution: Any,
    environ: Mapping[str, str],
    fetch: Fetcher | None = None,
    now: datetime | None = None,
    deadline: float | None = None,
) -> Identity:
    """Who the command would act as. Raises IdentityUnknown with why and what to run.

    With `deadline` (seconds), a lookup that needs the network gives up after that
    long: a read in CI must not wait on awsguard (confirm.READ_IDENTITY_DEADLINE).
    """
    _refuse_expired(resolution, now)
    endpoint = endpoint_for(invocation, environ, resolution)
    key = offline_key(invocation, resolution, environ)
    if key:
        cached = read_cached(key, environ, endpoint, now)
        if cached is not None:
            return cached

    def cached_for(used_key: str) -> Identity | None:
        return read_cached(used_key, environ, endpoint, now) if used_key != key else None

    fetcher = fetch or fetch_with_botocore
    if deadline is None:
        used_key, found = fetcher(invocation, resolution, environ, cached_for)
    else:
        used_key, found = _within(
            deadline, lambda: fetcher(invocation, resolution, environ, cached_for)
        )
    if not found.cached:
        write_cached(used_key, found, environ)
    return found


def _within(deadline: float, call: Callable[[], Any]) -> Any:
    """`call()`, or IdentityTimeout when it has not returned after `deadline` seconds."""
    from .deadline import call_within

    return call_within(deadline, call, "awsguard-identity", lambda: IdentityTimeout(
        f"STS did not say who this command runs as within {deadline:g} s. Check the "
        "network and any --endpoint-url or AWS_ENDPOINT_URL; `awsguard whoami --online` "
        "repeats the call."
    ))


def _refuse_expired(resolution: Any, now: datetime | None) -> None:
    expires = getattr(resolution, "expires_at", None)
    if not expires:
        return
    moment = parse_time(str(expires))
    if moment is None:
        return
    if moment <= (now or _now()):
        where = getattr(resolution, "expires_from", None) or "the credential source"
        raise IdentityUnknown(
            f"the credentials for profile {getattr(resolution, 'profile', '?')} expired at "
            f"{expires} ({where}), so awsguard cannot confirm who this command would run as. "
            f"{_renew_hint(resolution)}"
        )


def _renew_hint(resolution: Any) -> str:
    profile = getattr(resolution, "profile", None) or "default"
    source = getattr(resolution, "source", None)
    option = "" if profile == "default" else f" --profile {profile}"
    if source == "sso":
        return f"Run `aws sso login{option}` and try again."
    if source == "env":
        return (
            "Refresh or unset the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / "
            "AWS_SESSION_TOKEN variables and try again."
        )
    return (
        f"Check them with `awsguard whoami --online{option}`, renew them "
        "(`awsguard mfa`, `aws sso login`, or new keys), and try again."
    )


@contextlib.contextmanager
def process_environ(environ: Mapping[str, str]) -> Iterator[None]:
    """os.environ replaced by `environ` for the duration: botocore reads os.environ."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def fetch_with_botocore(
    invocation: Any,
    resolution: Any,
    environ: Mapping[str, str],
    cached_for: Callable[[str], Identity | None] | None = None,
) -> tuple[str, Identity]:
    """STS GetCallerIdentity (and IAM ListAccountAliases, fail-soft) as the CLI would call."""
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from .clisession import (
        MfaNeeded,
        SsoTokenNeedsRefresh,
        cli_session,
        refuse_mfa_prompt,
        use_cli_cache,
    )

    profile = getattr(invocation, "profile", None)
    region = getattr(invocation, "region", None) or getattr(resolution, "region", None)
    endpoint = endpoint_for(invocation, environ, resolution)
    timeouts = Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"max_attempts": 2, "mode": "standard"},
    )
    with process_environ(environ):
        session = cli_session(profile, None, getattr(resolution, "cli_major", 1))
        # The endpoint is passed explicitly: botocore must not add configured ones the
        # real CLI's version does not read.
        session.set_config_variable("ignore_configured_endpoint_urls", True)
        try:
            # botocore would stop to read an MFA code from the terminal here: awsguard's
            # own sessions (`awsguard mfa`) are the way to give it one. The CLI's caches
            # are read (role credentials it cached count) and never written.
            use_cli_cache(session, prompter=refuse_mfa_prompt, read_only=True)
            credentials = session.get_credentials()
            if credentials is None:
                raise IdentityUnknown(
                    "no AWS credentials were found for this command, so awsguard cannot "
                    "confirm who it would run as. Run `awsguard whoami` to see which profile "
                    "and sources were tried, then configure credentials and try again."
                )
            access_key = credentials.get_frozen_credentials().access_key
            # Keys known only now (SSO, a role assumed just now): the cache may know them.
            known = cached_for(access_key) if cached_for else None
            if known is not None:
                return access_key, known
            region = region or session.get_config_variable("region") or "us-east-1"
            sts = session.create_client(
                "sts", region_name=region, endpoint_url=endpoint, config=timeouts
            )
            answer = sts.get_caller_identity()
        except IdentityUnknown:
            raise
        except SsoTokenNeedsRefresh as err:
            name = profile or getattr(resolution, "profile", None) or "default"
            option = "" if name == "default" else f" --profile {name}"
            raise IdentityUnknown(
                f"awsguard cannot confirm who this command would run as yet: {err}, and "
                "awsguard leaves that refresh to the CLI (it writes the CLI's token cache). "
                f"Run a read such as `aws sts get-caller-identity{option}` (the CLI refreshes "
                f"the token), or `aws sso login{option}`, then run this command again."
            ) from None
        except MfaNeeded:
            name = profile or getattr(resolution, "profile", None) or "default"
            raise IdentityUnknown(
                f"profile {name} assumes a role that needs an MFA code, and awsguard does not "
                f"ask for one in the middle of a command. Run `awsguard mfa {name}` (one code "
                "serves every role that shares the device), then run the command again."
            ) from None
        except ClientError as err:
            raise _client_failure(err, resolution) from None
        except BotoCoreError as err:
            raise IdentityUnknown(
                f"awsguard could not ask STS who this command would run as: {err}. "
                f"{_network_or_credentials_hint(err, resolution)}"
            ) from None
        except Exception as err:  # noqa: BLE001 - whatever breaks, refuse with a reason
            raise IdentityUnknown(
                f"awsguard could not ask STS who this command would run as "
                f"({type(err).__name__}: {err}). {_renew_hint(resolution)}"
            ) from None
        alias = None
        try:
            iam = session.create_client(
                "iam",
                region_name=region,
                endpoint_url=_iam_endpoint(invocation, resolution, environ),
                config=timeouts,
            )
            aliases = iam.list_account_aliases().get("AccountAliases") or []
            alias = aliases[0] if aliases else None
        except (BotoCoreError, ClientError):
            pass  # not permitted or not reachable: the alias is a nicety
    identity = Identity(
        account=str(answer.get("Account", "")),
        arn=str(answer.get("Arn", "")),
        user_id=_not_the_key(str(answer.get("UserId", "")), access_key),
        alias=alias,
        fetched_at=format_time(_now()),
        endpoint_url=endpoint,
    )
    return access_key, identity


def _not_the_key(user_id: str, access_key: str) -> str:
    # Some endpoints (moto) answer with the access key id as the user id: keep it masked.
    if user_id and user_id == access_key:
        from .redact import mask_key

        return mask_key(access_key) or "…"
    return user_id


def _client_failure(err: Any, resolution: Any) -> IdentityUnknown:
    code = err.response.get("Error", {}).get("Code", "")
    from .explain.parse import mask_key_ids

    message = mask_key_ids(err.response.get("Error", {}).get("Message", "") or str(err))
    if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
        why = "the credentials have expired"
    elif code in ("InvalidClientTokenId", "UnrecognizedClientException", "AuthFailure"):
        why = "AWS does not recognise the access key (deleted, deactivated or mistyped)"
    elif code == "SignatureDoesNotMatch":
        why = "the secret key does not match the access key"
    else:
        why = "STS refused the call"
    return IdentityUnknown(
        f"awsguard could not confirm who this command would run as: {why} "
        f"({code}: {message}). {_renew_hint(resolution)}"
    )


def _network_or_credentials_hint(err: Any, resolution: Any) -> str:
    name = type(err).__name__
    if "Endpoint" in name or "Connect" in name or "Timeout" in name:
        return (
            "Check the network (and any --endpoint-url or AWS_ENDPOINT_URL), then try again; "
            "`awsguard whoami --online` repeats the call."
        )
    return _renew_hint(resolution)
