"""The shell prompt segment: who the next `aws` command acts as, computed from plain data.

Everything here is pure: the command (awsguard/commands/prompt.py) reads the files
and hands over a Resolution, the prompt settings, the identity-cache entry and the
awsguard session index. A prompt runs on every Enter, so nothing here may import
anything heavy or touch the network.

The format is a string of literal text, `{placeholder}`s and optional `[...]` groups:
a group is dropped whole when any placeholder inside it is empty, so
`{profile}[@{account}]` prints `dev@123456789012`, or `dev` when the account is unknown.
`[[`, `]]`, `{{` and `}}` print a literal bracket or brace.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from .resolve import Resolution
from .timefmt import compact_left

DEFAULT_FORMAT = "[{conflict} ]{profile}[@{account_label}][ {region}][ {expires_in}]"
PLACEHOLDERS = (
    "profile",
    "source",
    "account",
    "account_name",
    "account_label",
    "region",
    "expires_in",
    "expires_at",
    "conflict",
    "conflict_mark",
)
CONFIG_ERROR = "awsguard-config"
# The conflict the mark names when there are several: who you act as comes first.
CONFLICT_ORDER = (
    "env-overrides-profile",
    "profile-not-found",
    "credentials-error",
    "expired-env-credentials",
    "sso-token-expired",
    "partial-env-keys",
    "profile-vars-disagree",
    "session-token-with-long-term-key",
    "temporary-key-without-token",
    "legacy-security-token",
    "endpoint-override",
    "region-vars-disagree",
    "keys-shadowed",
    "config-file-problem",
    "no-region",
)
RECHECK_SECONDS = 900
# What `awsguard exec` tells the shell it starts (handout.EXEC_*_VAR; no secret).
EXEC_PROFILE_VAR = "AWSGUARD_EXEC_PROFILE"
EXEC_ACCOUNT_VAR = "AWSGUARD_EXEC_ACCOUNT"
EXEC_KEY_VAR = "AWSGUARD_EXEC_KEY_ID"
DEFAULT_PROTECTED_COLOR = "red"
DEFAULT_CONFLICT_COLOR = "yellow"

_SGR = {
    "bold": "1",
    "dim": "2",
    "italic": "3",
    "underline": "4",
    "black": "30",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
    "white": "37",
    "bright_black": "90",
    "bright_red": "91",
    "bright_green": "92",
    "bright_yellow": "93",
    "bright_blue": "94",
    "bright_magenta": "95",
    "bright_cyan": "96",
    "bright_white": "97",
}


class FormatError(ValueError):
    pass


# The types below are plain classes, not dataclasses: @dataclass generates and compiles
# code for each class at import time, a millisecond or more apiece, paid on every prompt.


class ColorRule:
    """One `[[prompt.color]]` rule: every glob given must match; the first rule that does wins."""

    __slots__ = ("color", "profile", "account", "account_name", "source", "protected")

    def __init__(
        self,
        color: str,
        profile: str | None = None,
        account: str | None = None,
        account_name: str | None = None,
        source: str | None = None,
        protected: bool | None = None,
    ) -> None:
        self.color = color
        self.profile = profile
        self.account = account
        self.account_name = account_name
        self.source = source
        self.protected = protected


class PromptSettings:
    """The `[prompt]` and `[accounts]` tables of the awsguard config."""

    def __init__(self, error: str | None = None) -> None:
        self.format = DEFAULT_FORMAT
        self.colors: list[ColorRule] = []
        # account id -> {"name": str | None, "protected": bool}
        self.accounts: dict[str, dict[str, object]] = {}
        self.conflict_mark: str | None = None  # None: ⚠ in a UTF-8 locale, else !
        self.ignore_conflicts: frozenset[str] = frozenset()
        self.protected_color = DEFAULT_PROTECTED_COLOR
        self.conflict_color = DEFAULT_CONFLICT_COLOR
        self.color = ""  # everything else (`default_color`)
        # Set when the awsguard config could not be used: the segment shows a mark.
        self.error = error


class IdentityHint:
    """What the identity cache knows about a key: never a secret."""

    __slots__ = ("account", "arn", "alias", "origin")

    def __init__(
        self,
        account: str | None = None,
        arn: str | None = None,
        alias: str | None = None,
        origin: str = "",
    ) -> None:
        self.account, self.arn, self.alias, self.origin = account, arn, alias, origin


class SessionHint:
    """One awsguard session from its index (${XDG_STATE_HOME}/awsguard/vault-index.json)."""

    __slots__ = ("kind", "profile", "expiration", "arn", "role_arn")

    def __init__(
        self, kind: str, profile: str, expiration: str, arn: str = "", role_arn: str = ""
    ) -> None:
        self.kind, self.profile, self.expiration = kind, profile, expiration
        self.arn, self.role_arn = arn, role_arn


class Segment:
    """The computed segment: what it shows, and each value with where it came from."""

    def __init__(self, shown: bool) -> None:
        self.shown = shown
        self.profile: str | None = None
        self.source: str | None = None
        self.account: str | None = None
        self.account_from: str | None = None
        self.account_name: str | None = None
        self.region: str | None = None
        self.expires_at: str | None = None
        self.expires_from: str | None = None
        self.seconds_left: int | None = None
        self.expired = False
        # Every conflict whoami reports (minus [prompt] ignore_conflicts), and those of
        # them the mark shows: the ones the shim warns about on each call.
        self.conflicts: list[str] = []
        self.marked: list[str] = []
        self.protected = False
        self.color = ""
        self.text = ""
        # Epoch second after which the text may differ with nothing else changed.
        self.valid_until = 0
        self.config_error: str | None = None

    def __repr__(self) -> str:
        return f"Segment({self.as_dict()!r})"

    def as_dict(self) -> dict[str, object]:
        return {
            "shown": self.shown,
            "segment": self.text,
            "profile": self.profile,
            "source": self.source,
            "account": self.account,
            "account_from": self.account_from,
            "account_name": self.account_name,
            "region": self.region,
            "expires_at": self.expires_at,
            "expires_from": self.expires_from,
            "expires_in": compact_left(self.seconds_left),
            "seconds_left": self.seconds_left,
            "expired": self.expired,
            "conflicts": list(self.conflicts),
            "marked": list(self.marked),
            "protected": self.protected,
            "color": self.color or None,
            "valid_until": self.valid_until or None,
            "config_error": self.config_error,
        }


# --- settings -----------------------------------------------------------------------------------


def parse_settings(data: Mapping[str, object]) -> PromptSettings:
    """The `[prompt]` and `[accounts]` tables of a parsed awsguard config.

    A wrong value makes `error` say what and where; the rest still applies, and the
    default format is used if the format itself is wrong.
    """
    settings = PromptSettings()
    problems: list[str] = []
    prompt = data.get("prompt", {})
    if not isinstance(prompt, dict):
        problems.append("[prompt] is not a table")
        prompt = {}
    fmt = prompt.get("format")
    if fmt is not None:
        if not isinstance(fmt, str):
            problems.append("prompt.format is not a string")
        else:
            try:
                parse_format(fmt)
                settings.format = fmt
            except FormatError as err:
                problems.append(f"prompt.format: {err}")
    for key in ("conflict_mark", "protected_color", "conflict_color", "default_color"):
        value = prompt.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(f"prompt.{key} is not a string")
            continue
        if key != "conflict_mark" and value and sgr(value) is None:
            problems.append(f"prompt.{key}: unknown colour {value!r}")
            continue
        setattr(settings, "color" if key == "default_color" else key, value)
    ignore = prompt.get("ignore_conflicts", [])
    if isinstance(ignore, list) and all(isinstance(c, str) for c in ignore):
        settings.ignore_conflicts = frozenset(ignore)
    else:
        problems.append("prompt.ignore_conflicts is not a list of conflict codes")
    rules = prompt.get("color", [])
    if not isinstance(rules, list):
        problems.append("prompt.color must be an array of tables ([[prompt.color]])")
        rules = []
    for number, rule in enumerate(rules, start=1):
        parsed = _parse_rule(rule)
        if isinstance(parsed, str):
            problems.append(f"[[prompt.color]] #{number}: {parsed}")
        else:
            settings.colors.append(parsed)
    accounts = data.get("accounts", {})
    if isinstance(accounts, dict):
        for account_id, entry in accounts.items():
            if isinstance(entry, dict):
                settings.accounts[str(account_id)] = {
                    "name": entry.get("name") if isinstance(entry.get("name"), str) else None,
                    "protected": entry.get("protected") is True,
                }
    else:
        problems.append("[accounts] is not a table")
    if problems:
        settings.error = "; ".join(problems)
    return settings


def _parse_rule(rule: object) -> ColorRule | str:
    if not isinstance(rule, dict):
        return "not a table"
    color = rule.get("color")
    if not isinstance(color, str) or sgr(color) is None:
        return f"unknown colour {color!r}"
    known = {"color", "profile", "account", "account_name", "source", "protected"}
    unknown = sorted(set(rule) - known)
    if unknown:
        return f"unknown key {unknown[0]!r} (use {', '.join(sorted(known))})"
    globs: dict[str, str | None] = {}
    for key in ("profile", "account", "account_name", "source"):
        value = rule.get(key)
        if value is not None and not isinstance(value, str):
            return f"{key} is not a string"
        globs[key] = value
    protected = rule.get("protected")
    if protected is not None and not isinstance(protected, bool):
        return "protected is not true or false"
    return ColorRule(color=color, protected=protected, **globs)


def sgr(color: str) -> str | None:
    """ANSI SGR parameters for `bold red`, `bright_cyan`, `208` or `#ff8800`; None if unknown."""
    codes = []
    for word in color.lower().replace(",", " ").split():
        if word in _SGR:
            codes.append(_SGR[word])
        elif word.isdigit() and int(word) < 256:
            codes.append(f"38;5;{int(word)}")
        elif len(word) == 7 and word.startswith("#"):
            try:
                r, g, b = (int(word[i : i + 2], 16) for i in (1, 3, 5))
            except ValueError:
                return None
            codes.append(f"38;2;{r};{g};{b}")
        else:
            return None
    return ";".join(codes)


# --- the format language ------------------------------------------------------------------------

# A parsed format: literal strings, ("ph", name), and ("group", [parts]).
Part = str | tuple


def parse_format(fmt: str) -> list[Part]:
    return _parse_parts(fmt, 0, nested=False)[0]


def _parse_parts(fmt: str, i: int, nested: bool) -> tuple[list[Part], int]:
    parts: list[Part] = []
    literal = ""
    while i < len(fmt):
        ch = fmt[i]
        pair = fmt[i : i + 2]
        if pair in ("[[", "]]", "{{", "}}"):
            literal += ch
            i += 2
        elif ch == "{":
            end = fmt.find("}", i)
            if end < 0:
                raise FormatError(f"unclosed {{ at position {i + 1}")
            name = fmt[i + 1 : end]
            if name not in PLACEHOLDERS:
                raise FormatError(
                    f"unknown placeholder {{{name}}} (known: "
                    + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                    + ")"
                )
            if literal:
                parts.append(literal)
                literal = ""
            parts.append(("ph", name))
            i = end + 1
        elif ch == "[":
            if literal:
                parts.append(literal)
                literal = ""
            group, i = _parse_parts(fmt, i + 1, nested=True)
            parts.append(("group", group))
        elif ch == "]":
            if not nested:
                raise FormatError(f"] without [ at position {i + 1}")
            if literal:
                parts.append(literal)
            return parts, i + 1
        elif ch == "}":
            raise FormatError(f"}} without {{ at position {i + 1}")
        else:
            literal += ch
            i += 1
    if nested:
        raise FormatError("unclosed [")
    if literal:
        parts.append(literal)
    return parts, i


def render_format(parts: list[Part], values: Mapping[str, str]) -> str | None:
    """The text, or None when a placeholder is empty (so that the enclosing group drops)."""
    out = []
    complete = True
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif part[0] == "ph":
            value = values.get(part[1], "")
            if not value:
                complete = False
            out.append(value)
        else:
            inner = render_format(part[1], values)
            if inner is not None:
                out.append(inner)
    text = "".join(out)
    return text if complete else None


def render_top(parts: list[Part], values: Mapping[str, str]) -> str:
    """Top level: an empty placeholder outside any group prints as nothing."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif part[0] == "ph":
            out.append(values.get(part[1], ""))
        else:
            inner = render_format(part[1], values)
            if inner is not None:
                out.append(inner)
    return "".join(out)


# --- computing the segment ----------------------------------------------------------------------


def _next_change(expires_epoch: int, now_epoch: int) -> int:
    """The epoch second when compact_left() next shows something else."""
    left = expires_epoch - now_epoch
    if left <= 0:
        return 0
    minutes = -(-left // 60)
    if minutes > 48 * 60:
        return now_epoch + 3600  # shown in days: an hourly look is plenty
    return expires_epoch - (minutes - 1) * 60


def account_from_arn(arn: str | None) -> str | None:
    # arn:partition:service:region:account-id:resource
    if not arn:
        return None
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[4].isdigit() and len(parts[4]) == 12:
        return parts[4]
    return None


def _glob(pattern: str | None, value: str | None) -> bool:
    if pattern is None:
        return True
    if value is None:
        return False
    from fnmatch import fnmatchcase

    return fnmatchcase(value, pattern)


def pick_color(segment: Segment, settings: PromptSettings) -> str:
    for rule in settings.colors:
        if rule.protected is not None and rule.protected != segment.protected:
            continue
        if (
            _glob(rule.profile, segment.profile)
            and _glob(rule.account, segment.account)
            and _glob(rule.account_name, segment.account_name)
            and _glob(rule.source, segment.source)
        ):
            return rule.color
    if segment.protected:
        return settings.protected_color
    if segment.marked:
        return settings.conflict_color
    return settings.color


def _in_play(res: Resolution, environ: Mapping[str, str]) -> bool:
    if res.source is not None or res.profile_from != "default":
        return True
    return any(
        environ.get(name)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    )


def _parse_epoch(text: str | None) -> int | None:
    if not text:
        return None
    from .timefmt import parse_time

    moment = parse_time(text)
    return int(moment.timestamp()) if moment else None


def compute(
    res: Resolution,
    environ: Mapping[str, str],
    settings: PromptSettings,
    now: datetime,
    identity: IdentityHint | None = None,
    sessions: list[SessionHint] | None = None,
    fmt: str | None = None,
    unicode: bool = True,
    conflicts: list | None = None,
) -> Segment:
    """The segment for `res`; `fmt` overrides the configured format (already validated)."""
    if not _in_play(res, environ):
        nothing = Segment(shown=False)
        nothing.valid_until = int(now.timestamp()) + RECHECK_SECONDS
        return nothing
    seg = Segment(shown=True)
    seg.source, seg.region = res.source, res.region
    seg.profile = "env" if res.source == "env" else res.profile
    exec_profile, exec_account = _inside_exec(res, environ)
    seg.profile = exec_profile or seg.profile
    now_epoch = int(now.timestamp())

    session = _matching_session(res, sessions or [])
    _pick_account(seg, res, environ, identity, session, exec_account)
    if seg.account and seg.account in settings.accounts:
        entry = settings.accounts[seg.account]
        seg.account_name = entry.get("name") or seg.account_name  # type: ignore[assignment]
        seg.protected = bool(entry.get("protected"))
    if seg.account_name is None and identity is not None and identity.alias:
        if identity.account == seg.account:
            seg.account_name = identity.alias

    seg.expires_at, seg.expires_from = res.expires_at, res.expires_from
    if seg.expires_at is None and session is not None:
        seg.expires_at = session.expiration
        seg.expires_from = f"awsguard {session.kind} session"
    expires_epoch = _parse_epoch(seg.expires_at)
    if expires_epoch is not None:
        seg.seconds_left = expires_epoch - now_epoch
        seg.expired = seg.seconds_left <= 0
        seg.valid_until = _next_change(expires_epoch, now_epoch)
    # Some things change with time alone and are not tracked to the second (the CLI
    # renews a cached role 15 minutes early, an SSO token under a role expires): look
    # again after a while even when nothing else changed.
    recheck = now_epoch + RECHECK_SECONDS
    seg.valid_until = min(seg.valid_until, recheck) if seg.valid_until else recheck

    # The conflicts every view reports (Situation.conflicts: config.toml's "off" applied;
    # res.conflicts when called with a bare resolution), minus the prompt's own ignore list.
    # A report-only hazard (applies_to_shim False: plaintext keys in a file) is listed but
    # not marked, as the shim does not warn about it on every call.
    shown = [c for c in (res.conflicts if conflicts is None else conflicts)
             if c.code not in settings.ignore_conflicts]
    rank = {code: n for n, code in enumerate(CONFLICT_ORDER)}

    def ranked(codes: list[str]) -> list[str]:
        return sorted(dict.fromkeys(codes), key=lambda c: rank.get(c, len(rank) // 2))

    seg.conflicts = ranked([c.code for c in shown])
    seg.marked = ranked([c.code for c in shown if c.applies_to_shim])
    if settings.error:
        seg.config_error = settings.error
        seg.conflicts.append(CONFIG_ERROR)
        seg.marked.append(CONFIG_ERROR)
    seg.color = pick_color(seg, settings)

    mark = settings.conflict_mark
    if mark is None:
        mark = "⚠" if unicode else "!"
    conflict = ""
    if seg.marked:
        conflict = mark + seg.marked[0]
        if len(seg.marked) > 1:
            conflict += f"+{len(seg.marked) - 1}"
    values = {
        "profile": seg.profile or "",
        "source": seg.source or "",
        "account": seg.account or "",
        "account_name": seg.account_name or "",
        "account_label": seg.account_name or seg.account or "",
        "region": seg.region or "",
        "expires_in": compact_left(seg.seconds_left),
        "expires_at": seg.expires_at or "",
        "conflict": conflict,
        "conflict_mark": mark if seg.marked else "",
    }
    chosen = fmt if fmt is not None else settings.format
    seg.text = render_top(parse_format(chosen), values).replace("\n", " ").strip()
    return seg


def _inside_exec(res: Resolution, environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(profile, account) in a shell `awsguard exec` started, while the credentials in
    play are still the ones it handed out: its keys in the environment (the masked key
    id it recorded matches) or its credentials server. (None, None) otherwise: keys
    exported by hand inside that shell are shown as `env`, as anywhere else."""
    profile = environ.get(EXEC_PROFILE_VAR)
    if not profile:
        return None, None
    if res.source == "env":
        from .redact import mask_key

        recorded = environ.get(EXEC_KEY_VAR)
        if not recorded or mask_key(environ.get("AWS_ACCESS_KEY_ID") or "") != recorded:
            return None, None
    elif res.source != "container-role":
        return None, None
    return profile, environ.get(EXEC_ACCOUNT_VAR) or None


def _matching_session(res: Resolution, sessions: list[SessionHint]) -> SessionHint | None:
    """The awsguard session the shim would hand the CLI for this profile, if any."""
    if res.source == "env":
        return None
    best: SessionHint | None = None
    for session in sessions:
        if session.profile != res.profile:
            continue
        if session.kind == "role" and res.role_arn and session.role_arn != res.role_arn:
            continue
        # A role session beats the MFA session it was made from.
        if best is None or (session.kind == "role" and best.kind != "role"):
            best = session
        elif session.kind == best.kind and session.expiration > best.expiration:
            best = session
    return best


def _pick_account(
    seg: Segment,
    res: Resolution,
    environ: Mapping[str, str],
    identity: IdentityHint | None,
    session: SessionHint | None,
    exec_account: str | None = None,
) -> None:
    # What the configuration names outright beats what a cache remembers.
    candidates: list[tuple[str | None, str]] = []
    if res.source in ("assume-role", "assume-role-with-web-identity"):
        candidates.append((account_from_arn(res.role_arn), "role_arn"))
    if res.source == "sso" or res.sso_account_id:
        candidates.append((res.sso_account_id, "sso_account_id"))
    if identity is not None:
        candidates.append((identity.account or account_from_arn(identity.arn), identity.origin))
    if session is not None:
        candidates.append((account_from_arn(session.arn), f"awsguard {session.kind} session"))
    candidates.append((exec_account, "awsguard exec"))
    if res.source == "env":
        candidates.append((environ.get("AWS_ACCOUNT_ID") or None, "AWS_ACCOUNT_ID"))
    for account, origin in candidates:
        if account:
            seg.account, seg.account_from = account, origin
            return


# --- output for a shell -------------------------------------------------------------------------


def styled(text: str, color: str, shell: str) -> str:
    """`text` in `color` for a prompt of `shell` (bash, zsh, fish, ansi), or plain (plain)."""
    if shell == "zsh":
        text = text.replace("%", "%%")
    params = sgr(color) if color else None
    if not params or shell == "plain":
        return text
    start, end = f"\033[{params}m", "\033[0m"
    if shell == "bash":
        # readline's markers for invisible characters: \[ \] are not honoured in
        # a value that PS1 expands, these are.
        start, end = f"\001{start}\002", f"\001{end}\002"
    elif shell == "zsh":
        start, end = f"%{{{start}%}}", f"%{{{end}%}}"
    return f"{start}{text}{end}"
