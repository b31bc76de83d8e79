"""Ordinary failures of the calls `decode`, `trail` and `explain` make, as one line.

AWS answering an error (an HTTP 500 included), the network, a credential provider or
the OS keyring failing are the world's doing, not awsguard's: they are reported as one
line naming what was being done, exit status 1, never as an internal error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import AwsguardError

# Modules whose exceptions are the world failing: AWS SDK, HTTP, keyring and D-Bus.
_WORLD_MODULES = ("botocore", "boto3", "urllib3", "keyring", "secretstorage", "jeepney",
                  "dbus", "awsguard.vault", "awsguard.secretbus", "ssl", "socket")


def is_world_failure(err: BaseException) -> bool:
    if isinstance(err, (OSError, TimeoutError)):
        return True
    for kind in type(err).__mro__:
        module = getattr(kind, "__module__", "") or ""
        if module.startswith(_WORLD_MODULES):
            return True
    return False


def one_line(err: BaseException, doing: str) -> AwsguardError:
    """`awsguard: DOING failed: WHY` in one line."""
    response = getattr(err, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        code = error.get("Code") or status or "error"
        message = error.get("Message") or ""
        why = f"AWS answered {code}" + (f" (HTTP {status})" if status and status != code else "")
        if message:
            why += f": {message}"
        if isinstance(status, int) and status >= 500:
            why += "; this is on AWS's side or the endpoint's, try again later"
    else:
        why = str(err) or type(err).__name__
    from .parse import mask_key_ids

    why = mask_key_ids(" ".join(why.split()))
    return AwsguardError(f"{doing} failed: {why}")


@contextmanager
def world_failures_in_one_line(doing: str) -> Iterator[None]:
    """Around a command's work: the world's failures become `one_line(err, doing)`;
    awsguard's own errors and its bugs pass through unchanged."""
    try:
        yield
    except AwsguardError:
        raise
    except Exception as err:
        if is_world_failure(err):
            raise one_line(err, doing) from None
        raise
