"""One way to make outside text safe to show, and secrets safe to keep.

- `escape(text)`: control characters, escape sequences and invisible format
  characters shown as `\\x1b`, `\\n`, `\\u202e`...: what comes from outside (argv,
  profile names, ARNs, AWS messages, config values) can neither draw on the terminal
  nor split one line into two.
- `say_escaped(line)`: `escape(line)` as one line on stderr.
- `json_text(data)`: JSON for `--json` outputs, with the same characters escaped.
- `mask_key(key)`: an access key id as first 4 … last 4 (DESIGN.md).
- `mask_key_ids(text)`: the same for every key id inside free text.
- `words(invocation)` / `argv(argv)`: the command line with every secret value
  replaced by `<redacted>`. A value is secret when the option the CLI would match
  (the parser's `owners`, so `--old-pass` is `--old-password`) is marked sensitive in
  botocore's service models (data/sensitive.tsv, scripts/gen_sensitive.py), when its
  name says so (`--sse-c-key`, `--secret-string`, ...), or when it is a secret inside a
  structured value (`ParameterValue=`, a `"Password"` key in JSON, `--cli-input-json`).
- `command_text(invocation)`: the redacted, shell-quoted, escaped command for a panel.

Only `escape` and `mask_key` are on the shim's quiet path; they import nothing.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

REDACTED = "<redacted>"
FILE_PREFIXES = ("file://", "fileb://")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(text: object) -> str:
    """`text` with every non-printable character written as an escape; one line."""
    text = text if isinstance(text, str) else str(text)
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable():
            out.append(char)
        elif char in _NAMED:
            out.append(_NAMED[char])
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)


def escape_lines(text: str) -> str:
    """Several lines of our own making around outside values: each line escaped."""
    return "\n".join(escape(line) for line in text.split("\n"))


def say_escaped(line: str) -> None:
    """`line` on stderr as one escaped line; a closed or broken stderr is no error."""
    import sys

    try:
        sys.stderr.write(escape(line) + "\n")
        sys.stderr.flush()
    except OSError:
        pass


def json_text(data: object, indent: int | None = None) -> str:
    """`data` as JSON for every `--json` output: letters of any script stay readable,
    but each character that is not printable (C0 and C1 controls, bidi overrides and
    isolates U+202A-202E/U+2066-2069, U+200E/F marks, line separators) is written as a
    `\\uXXXX` escape, so a value can neither drive a terminal nor reorder what is shown
    around it. The JSON parses to the same data."""
    import json

    text = json.dumps(data, indent=indent, ensure_ascii=False)
    # Outside strings JSON holds only printable characters and the indent's newlines;
    # inside them json.dumps already escaped C0 controls, so whatever is left is data.
    out = []
    for char in text:
        if char == "\n" or char.isprintable():
            out.append(char)
            continue
        code = ord(char)
        if code > 0xFFFF:  # JSON writes astral characters as a surrogate pair
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)


def mask_key(key: str | None) -> str | None:
    """First 4 and last 4 characters (AKIA…WXYZ); fewer for short test keys."""
    if key is None:
        return None
    show = min(4, max(0, (len(key) - 1) // 3))
    return f"{key[:show]}…{key[-show:]}" if show else "…"


def mask_key_ids(text: str) -> str:
    """Access key ids in free text, shown as first4…last4."""
    import re

    # Access key ids: long-term (AKIA), temporary (ASIA), bearer/context keys (ABIA, ACCA).
    return re.sub(
        r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{8,}([A-Z0-9]{4})\b",
        lambda m: f"{m.group(1)}…{m.group(2)}",
        text,
    )


# ---------------------------------------------------------------------------
# Which options carry secrets

# Names that say their value is (or may hold) a secret, for commands the models do not
# describe (s3 cp --sse-c-key, custom commands) or options they do not flag.
_SECRET_WORDS = (
    "secret",
    "password",
    "passphrase",
    "private-key",
    "token",
    "credential",
    "key-material",
    "sse-customer-key",
    "sse-c-key",
    "sse-c-copy-source-key",
    "plaintext",
    "authentication-code",
)
# Tokens that are pagination or idempotency handles, or names of secrets, not secrets.
_NOT_SECRET = frozenset(
    {
        "--next-token",
        "--starting-token",
        "--continuation-token",
        "--pagination-token",
        "--client-token",
        "--idempotency-token",
        "--client-request-token",
        "--token-duration",
        "--secret-id",
        "--secret-arn",
        "--secret-name",
        "--password-length",
        "--exclude-characters",
        "--token-code-length",
    }
)
# Inline JSON/YAML input may hold any parameter; a file:// reference is only a path.
INLINE_INPUT = ("--cli-input-json", "--cli-input-yaml")
# `aws configure set aws_secret_access_key VALUE` carries the secret positionally.
_SECRET_SETTINGS = ("aws_secret_access_key", "aws_session_token", "aws_security_token")
# Option names of custom (non-model) commands that carry secrets, for prefix matching.
_CUSTOM_SECRET_OPTIONS = ("--sse-c-key", "--sse-c-copy-source-key")
# Options of custom commands that are exact names, not abbreviations of the above.
_EXACT_NOT_SECRET = frozenset({"--sse-c", "--sse-c-copy-source", "--sse"})
# Keys inside structured values (shorthand `Key=value`, JSON `"Key": value`) whose
# value is secret although the model does not flag it: CloudFormation parameters
# are where templates take passwords (NoEcho).
_STRUCTURED_SECRET_KEYS = ("parametervalue",)

_TABLE: dict[str, dict[str, tuple[frozenset[str], frozenset[str]]]] = {}
_NONE: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())


def _row(service: str | None, operation: str | None) -> tuple[frozenset[str], frozenset[str]]:
    if not service or not operation:
        return _NONE
    if service not in _TABLE:
        _TABLE[service] = _load_service(service)
    return _TABLE[service].get(operation, _NONE)


def sensitive_options(service: str | None, operation: str | None) -> frozenset[str]:
    """The options of one CLI operation that botocore's models mark sensitive."""
    return _row(service, operation)[0]


def _load_service(service: str) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    import os

    path = os.path.join(os.path.dirname(__file__), "data", "sensitive.tsv")
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return {}
    found: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    prefix = service + "\t"
    start = text.find("\n" + prefix)
    while start >= 0:
        end = text.find("\n", start + 1)
        line = text[start + 1 : end if end >= 0 else len(text)]
        _, operation, secret, shadows = (line.split("\t") + [""])[:4]
        found[operation] = (frozenset(secret.split()), frozenset(shadows.split()))
        if end < 0 or not text.startswith(prefix, end + 1):
            break
        start = end
    return found


def _named_secret(option: str) -> bool:
    if option in _NOT_SECRET or not option.startswith("--"):
        return False
    return any(word in option for word in _SECRET_WORDS)


def is_sensitive(option: str, service: str | None, operation: str | None) -> bool:
    """True when the canonical `option` of this operation carries a secret."""
    if option == "--value" and operation == "put-parameter":
        return True  # ssm put-parameter --value: the parameter, SecureString or not
    return option in sensitive_options(service, operation) or _named_secret(option)


def _prefix_sensitive(word: str, service: str | None, operation: str | None) -> bool:
    """Without the parser's owners: argparse also accepts any unambiguous prefix of an
    option (`--old-pass`), so a word that starts a sensitive option is treated as it."""
    if len(word) < 3 or word in _NOT_SECRET or word in _EXACT_NOT_SECRET:
        return False
    if word in _row(service, operation)[1]:
        return False  # an option of its own that merely starts like a secret one
    candidates = (*sensitive_options(service, operation), *_CUSTOM_SECRET_OPTIONS, *INLINE_INPUT)
    if operation == "put-parameter":
        candidates = (*candidates, "--value")
    return any(c.startswith(word) for c in candidates)


# ---------------------------------------------------------------------------
# Redacting values


def _redact_structured(value: str) -> str:
    """Secret members inside a shorthand or JSON value (`ParameterValue=...`,
    `"Password": "..."`), the rest kept so the panel still says what the command does."""
    import re

    lowered = value.lower()
    if not any(k in lowered for k in (*_STRUCTURED_SECRET_KEYS, *_SECRET_WORDS, "password")):
        return value

    def secret_key(key: str) -> bool:
        k = key.lower().replace("-", "").replace("_", "")
        if k in _STRUCTURED_SECRET_KEYS:
            return True
        if k in ("nexttoken", "clienttoken", "secretid", "secretarn", "secretname"):
            return False
        return any(w.replace("-", "") in k for w in _SECRET_WORDS)

    def json_sub(m: re.Match[str]) -> str:
        return f'{m.group(1)}"{REDACTED}"' if secret_key(m.group(2)) else m.group(0)

    # "Key": "value" / "Key": 123 / "Key": {...} (a nested object is redacted whole).
    value = re.sub(
        r'("((?:[^"\\]|\\.)*)"\s*:\s*)("(?:[^"\\]|\\.)*"|\{[^{}]*\}|\[[^\[\]]*\]|[^,\s{}\[\]]+)',
        json_sub,
        value,
    )

    def short_sub(m: re.Match[str]) -> str:
        return f"{m.group(1)}{REDACTED}" if secret_key(m.group(2)) else m.group(0)

    # Shorthand Key=value, Key="quoted", Key={...}, Key=[...].
    return re.sub(
        r'((?:^|(?<=[,{\s]))([A-Za-z][\w.-]*)=)("(?:[^"\\]|\\.)*"|\{[^{}]*\}|\[[^\[\]]*\]|[^,}\]\s]*)',
        short_sub,
        value,
    )


def _redact_inline_input(value: str, service: str | None, operation: str | None) -> str:
    """`--cli-input-json` given inline: redact its sensitive members, or all of it."""
    if value.startswith(FILE_PREFIXES):
        return value
    import json

    try:
        data = json.loads(value)
    except ValueError:
        return REDACTED  # YAML or broken JSON: nothing of it is shown
    if not isinstance(data, dict):
        return REDACTED
    secret = {o[2:].replace("-", "") for o in sensitive_options(service, operation)}
    for key in list(data):
        plain = key.lower()
        if plain in secret or _named_secret("--" + _kebab(key)):
            data[key] = REDACTED
    return _redact_structured(json.dumps(data, separators=(",", ":")))


def _kebab(name: str) -> str:
    out = []
    for i, char in enumerate(name):
        if char.isupper() and i and not name[i - 1].isupper():
            out.append("-")
        out.append(char.lower())
    return "".join(out)


def _value(option: str, value: str, service: str | None, operation: str | None) -> str:
    """The shown form of `value`, given to canonical `option`."""
    if option in INLINE_INPUT:
        return _redact_inline_input(value, service, operation)
    if is_sensitive(option, service, operation):
        return value if value.startswith(FILE_PREFIXES) else REDACTED
    return _redact_structured(value)


def _is_secret_setting(word: str) -> bool:
    # `configure set aws_secret_access_key X`, also `default.…` and `profile.NAME.…`.
    return word.lower().rsplit(".", 1)[-1] in _SECRET_SETTINGS


def _fallback_option(name: str, service: str | None, operation: str | None) -> str:
    """The option a word names when the parser could not say: itself, or the sensitive
    option it abbreviates (argparse accepts any unambiguous prefix: `--old-pass`)."""
    if is_sensitive(name, service, operation) or name in INLINE_INPUT:
        return name
    if _prefix_sensitive(name, service, operation):
        candidates = (
            *sorted(sensitive_options(service, operation)),
            *_CUSTOM_SECRET_OPTIONS,
            *INLINE_INPUT,
            "--value",
        )
        return next(c for c in candidates if c.startswith(name))
    return name


def redact_words(
    words: Sequence[str],
    owners: Sequence[str | None] | None = None,
    service: str | None = None,
    operation: str | None = None,
) -> list[str]:
    """`words` with every secret replaced by <redacted>.

    `owners[i]` names the canonical option word i belongs to (the parser's), None for
    positionals; where it is None for an option word (or there are no owners), the
    option is matched by name and by prefix, and the next word taken as its value.
    """
    out: list[str] = []
    words = list(words)
    current: str | None = None  # a name-matched option whose value comes next
    in_configure = False
    for i, word in enumerate(words):
        owner = owners[i] if owners is not None and i < len(owners) else None
        if owner and owner.startswith("<global:"):
            out.append(word)
            current = None
            continue
        if word == "configure":
            in_configure = True
        if word.startswith("--"):
            name, eq, value = word.partition("=")
            option = owner or _fallback_option(name, service, operation)
            current = None if owner or eq else option
            out.append(f"{name}={_value(option, value, service, operation)}" if eq else word)
            continue
        option = owner or current
        current = None
        if option:
            out.append(_value(option, word, service, operation))
        elif in_configure and i > 0 and _is_secret_setting(words[i - 1]):
            out.append(REDACTED)
        else:
            # A positional, or a further value of an option that takes several
            # (`--parameters A=1 B=2`): secrets inside structured text still go.
            out.append(_redact_structured(word))
    return out


def words(invocation: Any) -> list[str]:
    """The invocation's words (after alias expansion) with every secret redacted."""
    shown = getattr(invocation, "words", None)
    owners = getattr(invocation, "owners", None)
    if shown is None or owners is None or len(owners) != len(shown):
        shown, owners = getattr(invocation, "argv", ()), None
    service = getattr(invocation, "service", None)
    operation = getattr(invocation, "operation", None)
    if not operation:
        # The parser could not tell: the first two plain words are the best guess, and
        # over-redacting a value is the safe mistake.
        plain = [w for w in shown if not w.startswith("-")][:2]
        service = service or (plain[0] if plain else None)
        operation = plain[1] if len(plain) > 1 else None
    return redact_words(shown, owners, service, operation)


def argv(arguments: Sequence[str]) -> list[str]:
    """A raw `aws` argv with every secret redacted (parsed as the CLI would)."""
    from .invocation import parse

    return words(parse(list(arguments)))


def command_text(invocation: Any, limit: int = 160) -> str:
    """`aws …` redacted, shell-quoted and escaped: one safe line for a panel or message."""
    import shlex

    text = escape(shlex.join(["aws", *words(invocation)]))
    return text if len(text) <= limit else text[: limit - 1] + "…"
