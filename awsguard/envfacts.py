"""Facts about the process's surroundings that several stages ask (stdlib only, cheap)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

# CI services set CI=true (GitHub, GitLab, CircleCI…) or CI=1; people turn it off with
# CI=false/0/no/off in any case. An empty CI is unset.
_NOT_CI = ("", "0", "false", "no", "off")


def in_ci(environ: Mapping[str, str]) -> bool:
    """True when a CI system runs us: nobody is there to answer a question."""
    return environ.get("CI", "").strip().lower() not in _NOT_CI
