"""A botocore Session that finds credentials the way the real AWS CLI does.

Used wherever awsguard calls AWS "as the CLI would" (whoami --online, the identity
before a confirmation, doctor): the same variable precedence for the CLI's major
version, the same --profile / --region, and the CLI's own assume-role cache.
"""

from __future__ import annotations

import os
from typing import Any

CLI_CACHE_DIR = "~/.aws/cli/cache"
SSO_TOKEN_CACHE_DIR = "~/.aws/sso/cache"


def cli_session(
    profile: str | None = None, region: str | None = None, cli_major: int = 1
) -> Any:
    """The session; credentials are resolved only when asked for (botocore is lazy)."""
    import botocore.session

    from .resolve import session_vars

    # The variables this CLI major version reads for the profile and the region.
    session = botocore.session.Session(session_vars=session_vars(cli_major))
    if profile is not None:
        session.set_config_variable("profile", profile)  # as the CLI does for --profile
    if region is not None:
        session.set_config_variable("region", region)
    return session


class MfaNeeded(Exception):
    """botocore wanted to ask for an MFA code (an assume-role profile with mfa_serial)."""


def refuse_mfa_prompt(prompt: str = "") -> str:
    """A stand-in for botocore's MFA prompt where awsguard must not stop to ask."""
    raise MfaNeeded("the profile needs an MFA code")


def use_cli_cache(session: Any, prompter: Any = None, *, read_only: bool = False) -> None:
    """Share the CLI's assume-role cache; optionally replace botocore's MFA prompt.

    With `read_only`, the CLI's caches are read and never written: role credentials
    the CLI cached (assume-role, and the SSO role credentials AWS CLI v2 keeps in
    ~/.aws/cli/cache) are reused, nothing awsguard gets is stored there, and an SSO
    token is used as cached, never refreshed (SsoTokenNeedsRefresh when it has
    expired: the CLI refreshes an sso-session token itself, and writes its cache).

    Raises what botocore raises for a broken profile (ProfileNotFound, ...).
    """
    from botocore.credentials import JSONFileCache

    providers = session.get_component("credential_provider")
    folder = os.path.expanduser(CLI_CACHE_DIR)
    cache: Any = ReadOnlyCache(folder) if read_only else JSONFileCache(folder)
    for method in ("assume-role", "assume-role-with-web-identity"):
        provider = providers.get_provider(method)
        if provider is None:
            continue
        provider.cache = cache
        if prompter is not None and hasattr(provider, "_prompter"):
            provider._prompter = prompter
    sso = providers.get_provider("sso") if read_only else None
    if sso is not None:
        tokens = ReadOnlyCache(os.path.expanduser(SSO_TOKEN_CACHE_DIR))
        sso.cache = cache
        sso._token_cache = tokens
        sso._token_provider = _cached_sso_token(session, tokens, sso._profile_name)


class ReadOnlyCache:
    """A folder of the CLI's JSON cache (botocore's JSONFileCache layout: KEY.json), read
    and never written. A file that is not a plain regular file (a FIFO, a device) or
    not JSON is a miss, never a hang."""

    def __init__(self, folder: str) -> None:
        self._folder = folder

    def __contains__(self, key: str) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __getitem__(self, key: str) -> Any:
        import json

        from . import safefs

        path = os.path.join(self._folder, f"{key}.json")
        try:
            return json.loads(safefs.read_outside(path, warn=False))
        except (OSError, ValueError):
            raise KeyError(key) from None

    def __setitem__(self, key: str, value: Any) -> None:
        pass  # the CLI's cache: the CLI writes it

    def __delitem__(self, key: str) -> None:
        pass


class SsoTokenNeedsRefresh(Exception):
    """The cached sso-session token has expired; the AWS CLI refreshes it (OIDC
    CreateToken with the cached refresh token) on its next call, awsguard does not."""


def _cached_sso_token(session: Any, cache: ReadOnlyCache, profile_name: str) -> Any:
    """botocore's sso-session token provider, without the refresh: the token as cached."""
    from datetime import datetime, timezone

    from botocore.tokens import SSOTokenProvider

    class CachedSsoToken(SSOTokenProvider):
        def _refresh_access_token(self, token: dict) -> None:
            from .timefmt import parse_time

            moment = parse_time(str(token.get("expiresAt", "")))
            if moment is None or moment <= datetime.now(timezone.utc):
                raise SsoTokenNeedsRefresh(
                    f"the SSO token of sso-session {self._sso_config['session_name']} has "
                    "expired; the AWS CLI refreshes it on its next call"
                )
            return None  # still valid: used as it is, the CLI refreshes it later

    return CachedSsoToken(session, cache=cache, profile_name=profile_name)
