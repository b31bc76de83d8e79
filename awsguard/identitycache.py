"""The identity cache: `${XDG_CACHE_HOME}/awsguard/identity/<sha256 of the key id>.json`.

identity.py writes it (after STS GetCallerIdentity); this module is its one reader,
light enough for the shell prompt: the builtin sha256 (no OpenSSL), jsonlite only when
the file exists, StrictModes checks through safefs. An entry holds the account,
ARN, user id, alias, when it was fetched and from which endpoint; never a secret.
"""

from __future__ import annotations

import os

from . import paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

ENTRY_CAP = 64 * 1024


def _sha256_hex(text: str) -> str:
    # The builtin module, not hashlib: loading OpenSSL costs a prompt milliseconds.
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]  # Python <= 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # type: ignore[import-not-found]  # Python 3.12+
        except ImportError:
            from hashlib import sha256
    return sha256(text.encode("utf-8")).hexdigest()


def folder(environ: Mapping[str, str]) -> str:
    return os.path.join(paths.xdg_str(environ, "XDG_CACHE_HOME", ".cache"), "identity")


def digest(access_key_id: str) -> str:
    """The entry's name for a key id (also kept in the vault index for imported keys, so
    the prompt finds their identity without the keyring)."""
    return _sha256_hex(access_key_id)


def path(access_key_id: str, environ: Mapping[str, str]) -> str:
    return os.path.join(folder(environ), digest(access_key_id) + ".json")


def read(access_key_id: str | None, environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The entry for this access key id; None when absent, unreadable or not ours."""
    if not access_key_id:
        return None
    return read_digest(digest(access_key_id), environ)


def read_digest(key_digest: str, environ: Mapping[str, str]) -> dict[str, Any] | None:
    if not key_digest or not all(c in "0123456789abcdef" for c in key_digest):
        return None
    where = os.path.join(folder(environ), key_digest + ".json")
    if not os.path.exists(where):
        return None
    from . import jsonlite, safefs  # no `json` import for the prompt or the shim

    try:
        data = jsonlite.loads(safefs.read_text(where, ENTRY_CAP))
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
