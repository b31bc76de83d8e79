"""The vault's index: `${XDG_STATE_HOME}/awsguard/vault-index.json`, what the keyring holds.

vault.py writes it (under its lock, atomically); this module is its one reader. It
holds no secrets: which profiles have a long-term key in the keyring, and each
session's kind, profile, role and expiry. It is light (standard library, jsonlite only
when the file exists) because the shim and the shell prompt read it.
"""

from __future__ import annotations

import os

from . import paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

INDEX_NAME = "vault-index.json"


def path(environ: Mapping[str, str]) -> str:
    return os.path.join(paths.xdg_str(environ, "XDG_STATE_HOME", ".local/state"), INDEX_NAME)


def read(environ: Mapping[str, str]) -> dict[str, Any]:
    """{"version": 1, "keys": {profile: …}, "sessions": {item: summary}}; empty when the
    file is missing, unreadable or not ours (safefs warns once)."""
    raw: object = {}
    where = path(environ)
    if os.path.exists(where):
        from . import jsonlite, safefs  # no `json` import on the shim's path

        try:
            raw = jsonlite.loads(safefs.read_text(where))
        except (OSError, ValueError, RecursionError):
            raw = {}
    if not isinstance(raw, dict):
        raw = {}
    keys = raw.get("keys") if isinstance(raw.get("keys"), dict) else {}
    sessions = raw.get("sessions") if isinstance(raw.get("sessions"), dict) else {}
    return {"version": 1, "keys": keys, "sessions": sessions}


def key_indexed(profile: str, environ: Mapping[str, str]) -> bool:
    """Whether awsguard keeps a long-term key for `profile` (no keyring access)."""
    return profile in read(environ)["keys"]


def has_entries(environ: Mapping[str, str]) -> bool:
    """Whether the vault holds anything at all: a key or a session."""
    index = read(environ)
    return bool(index["keys"] or index["sessions"])
