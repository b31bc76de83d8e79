"""A botocore Session that finds credentials the way the real AWS CLI does.

Used wherever awsguard calls AWS "as the CLI would" (whoami --online, the identity
before a confirmation, doctor): the same variable precedence for the CLI's major
version, the same --profile / --region, and the CLI's own assume-role cache.
"""

from __future__ import annotations

import os
from typing import Any

CLI_CACHE_DIR = "~/.aws/cli/cache"


def cli_session(
    profile: str | None = None, region: str | None = None, cli_major: int = 1
) -> Any:
    """The session; credentials are resolved only when asked for (botocore is lazy)."""
    import botocore.session

    session_vars = None
    if cli_major == 2:
        # The CLI v2 reads AWS_PROFILE before AWS_DEFAULT_PROFILE, and AWS_REGION.
        session_vars = {
            "profile": (None, ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"], None, None),
            "region": ("region", ["AWS_REGION", "AWS_DEFAULT_REGION"], None, None),
        }
    session = botocore.session.Session(session_vars=session_vars)
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


def use_cli_cache(session: Any, prompter: Any = None) -> None:
    """Share (and fill) the CLI's assume-role cache; optionally replace botocore's MFA prompt.

    Raises what botocore raises for a broken profile (ProfileNotFound, ...).
    """
    from botocore.credentials import JSONFileCache

    providers = session.get_component("credential_provider")
    cache = JSONFileCache(os.path.expanduser(CLI_CACHE_DIR))
    for method in ("assume-role", "assume-role-with-web-identity"):
        provider = providers.get_provider(method)
        if provider is None:
            continue
        provider.cache = cache
        if prompter is not None and hasattr(provider, "_prompter"):
            provider._prompter = prompter
