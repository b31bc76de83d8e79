"""Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'none'}`, `${*}`, `${?}`, `${$}`.

IAM replaces variables only in policies whose Version is 2012-10-17; under the old
version (or none) `${...}` is plain text. A variable whose key is missing from the
request, with no default, leaves the value unmatchable: that Resource or condition
value matches nothing. The escapes `${*}`, `${?}` and `${$}` stand for a literal `*`,
`?` and `$`, which must not act as wildcards afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VARIABLES_VERSION = "2012-10-17"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True)
class Substituted:
    """A value after substitution; `literal_spans` are ranges never read as wildcards."""

    text: str
    literal_spans: tuple[tuple[int, int], ...] = ()


def has_variables(text: str, version: str | None) -> bool:
    return version == VARIABLES_VERSION and "${" in text


def lookup(context: dict[str, list[str]], key: str) -> str | None:
    values = context.get(key.lower())
    if values is None or len(values) != 1:
        # Missing, or multivalued: a multivalued key cannot be used as a variable.
        return None
    return values[0]


def substitute(text: str, context: dict[str, list[str]], version: str | None) -> Substituted | None:
    """Replace the variables in `text`; None when one cannot be resolved."""
    if not has_variables(text, version):
        return Substituted(text)
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    length = 0
    for match in _VARIABLE.finditer(text):
        before = text[position:match.start()]
        out.append(before)
        length += len(before)
        inner = match.group(1)
        if inner in _ESCAPES:
            value: str | None = _ESCAPES[inner]
        else:
            default = _DEFAULT.match(inner)
            if default:
                value = lookup(context, default.group(1))
                if value is None:
                    value = default.group(2)
            else:
                value = lookup(context, inner.strip())
        if value is None:
            return None
        out.append(value)
        spans.append((length, length + len(value)))
        length += len(value)
        position = match.end()
    out.append(text[position:])
    return Substituted("".join(out), tuple(span for span in spans if span[0] != span[1]))


def variable_names(text: str) -> list[str]:
    names = []
    for match in _VARIABLE.finditer(text):
        inner = match.group(1)
        if inner in _ESCAPES:
            continue
        default = _DEFAULT.match(inner)
        names.append(default.group(1) if default else inner.strip())
    return names
