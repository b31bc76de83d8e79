"""Failure diagnosis: AWS error codes and messages to who / what / why / next.

Pure functions over plain data; the only I/O is `save_last` / `load_last`, the last
diagnosis kept in the state directory for `awsguard explain`.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # `typing` costs milliseconds on the shim's path
if TYPE_CHECKING:
    from collections.abc import Mapping
    from .advice import Diagnosis

_FROM_ADVICE = frozenset(
    {"CATEGORIES", "POLICY_TYPES", "Diagnosis", "DiagnosisContext", "diagnose", "diagnose_text",
     "render"}
)


def __getattr__(name: str):
    # Lazy: the shim imports `explain.codes` on every monitored call, and the
    # message parser (compiled patterns) only when a call failed.
    if name in _FROM_ADVICE:
        from . import advice

        return getattr(advice, name)
    raise AttributeError(name)

__all__ = [
    "CATEGORIES",
    "POLICY_TYPES",
    "Diagnosis",
    "DiagnosisContext",
    "diagnose",
    "diagnose_text",
    "load_last",
    "render",
    "save_last",
]

LAST_FILE = "last-diagnosis.json"


def _last_path(environ: Mapping[str, str]):
    from .. import paths

    return paths.state_dir(environ) / LAST_FILE


def save_last(diagnosis: Diagnosis, environ: Mapping[str, str] = os.environ) -> None:
    """Keep `diagnosis` for `awsguard explain` (0600, atomic). It holds no secret:
    key ids are masked in the message and nothing else comes from the credentials."""
    import json

    from .. import paths

    paths.write_private(_last_path(environ), json.dumps(diagnosis.as_dict(), indent=2) + "\n")


def load_last(environ: Mapping[str, str] = os.environ) -> Diagnosis | None:
    """The last diagnosis the shim saved, or None when there is none (or it is unreadable)."""
    import json

    from .. import paths

    try:
        data = json.loads(paths.read_private(_last_path(environ)))  # ours only (safefs)
        from .advice import Diagnosis

        return Diagnosis.from_dict(data)
    except (OSError, ValueError, TypeError):
        return None
