"""awsguard's own config file (TOML) as data, and the confirmation rules it holds.

`load_config(environ)` reads `paths.config_file(environ)` once and never raises: a
broken file is recorded in `Config.error` (a ConfigError naming the file, line and
column) so each caller picks its own failure policy. Other features read their
tables with `Config.section("sessions")`.

`Config.plan(classification, resolution, identity)` decides how hard to ask before a
command runs: `never`, `confirm` (y/N), `type` (type the account's name) or `deny`.
The most specific rule wins; from most to least specific:

  1. a [[rules]] entry naming a command or IAM action *and* an account or profile
  2. a [[rules]] entry naming a command or IAM action
  3. an account: [accounts."<id>"] (protected = true means `type`), or a [[rules]]
     entry with `account = ...` (and maybe `profile = ...`)
  4. a profile glob: [[rules]] profile = "*prod*"
  5. the risk: [[rules]] risk = "write", or the [risk] table
  6. built-in: read and write -> never; every other risk (destructive, permissions,
     exposure, execute, audit-off, interactive) -> confirm

Account and profile rules (3, 4) tighten or relax commands that the risk already
guards (level 5/6 is not `never`); give them `risk = [...]` to reach other risks.
Between rules of the same rank, the stricter level wins. Pure: no I/O besides
reading the file in `load_config`.
"""

from __future__ import annotations

import os

from . import paths
from .errors import AwsguardError

# The shim loads this module on every call it decides afresh: `pathlib` (with
# `urllib.parse`), `re` and `fnmatch` cost it milliseconds, so each is imported where a
# rule, an error or a caller needs it. Config.path is a Path, made on first use.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

LEVELS = ("never", "confirm", "type", "deny")
# The values of risk.Risk (README "What kind of command is this?").
RISKS = (
    "read",
    "write",
    "permissions",
    "destructive",
    "exposure",
    "execute",
    "audit-off",
    "interactive",
)
DEFAULT_RISK_LEVELS = {
    "read": "never",
    "write": "never",
    "permissions": "confirm",
    "destructive": "confirm",
    "exposure": "confirm",
    "execute": "confirm",
    "audit-off": "confirm",
    "interactive": "confirm",
}
PROTECTED_LEVEL = "type"
CONFLICT_ACTIONS = ("warn", "block", "off")
DEFAULT_CONFLICT_ACTION = "warn"
# The risks that need a confirmation by default: a broken config fails closed for them.
GUARDED_BY_DEFAULT = tuple(risk for risk in RISKS if DEFAULT_RISK_LEVELS[risk] != "never")

RULE_KEYS = {"profile", "account", "command", "action", "risk", "confirm"}
ACCOUNT_KEYS = {"name", "protected", "confirm"}

TIER_WHAT_WHERE = 1
TIER_WHAT = 2
TIER_ACCOUNT = 3
TIER_PROFILE = 4
TIER_RISK = 5
TIER_BUILTIN = 6


class ConfigError(AwsguardError):
    """awsguard's config file cannot be used.

    `sentence` is one sentence naming the file, line and column and what is wrong
    there; str() adds how to get out. Callers say what it means for them (the shim:
    guarded commands are refused, reads run).
    """

    REMEDY = (
        "Fix it (`awsguard config` checks the file) or move the file aside to use the defaults."
    )

    def __init__(
        self, problem: str, path: Path | str, line: int | None = None, column: int | None = None
    ) -> None:
        from pathlib import Path

        self.problem = problem.rstrip(". ")
        self.path = Path(path)
        self.line = line
        self.column = column
        super().__init__(self.text())

    @property
    def sentence(self) -> str:
        place = str(self.path)
        if self.line is not None:
            place += f", line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{place}: {self.problem}."

    def text(self) -> str:
        return f"{self.sentence} {self.REMEDY}"

    def place(self, text: str, where: str) -> None:
        """Find `where` ("[risk] destructive", '[accounts."1…"] name', "[[rules]] #2
        confirm") in the file's text: line and column of the key, else of its table."""
        self.line, self.column = _locate(text, where)
        self.args = (self.text(),)


# Plain classes with __slots__ rather than dataclasses: the shim imports this module on
# every call, and creating a dataclass costs about a millisecond each.


class Account:
    __slots__ = ("id", "name", "protected", "confirm")

    def __init__(
        self,
        id: str,  # noqa: A002 - the account id
        name: str | None = None,
        protected: bool = False,
        confirm: str | None = None,
    ) -> None:
        self.id = id
        self.name = name
        self.protected = protected
        self.confirm = confirm

    def __repr__(self) -> str:
        return f"Account({self.id!r}, name={self.name!r}, protected={self.protected})"

    @property
    def level(self) -> str | None:
        """The level this entry sets for guarded commands, or None (a name only)."""
        if self.confirm is not None:
            return self.confirm
        return PROTECTED_LEVEL if self.protected else None


class Rule:
    __slots__ = ("level", "origin", "profile", "account", "command", "action", "risks")

    def __init__(
        self,
        level: str,
        origin: str,  # where the rule was written: `[[rules]] #2`, `[accounts."123..."]`
        profile: str | None = None,
        account: str | None = None,
        command: str | None = None,
        action: str | None = None,
        risks: frozenset[str] = frozenset(),
    ) -> None:
        self.level = level
        self.origin = origin
        self.profile = profile
        self.account = account
        self.command = command
        self.action = action
        self.risks = risks

    def __repr__(self) -> str:
        return f"Rule({self.level!r}, {self.selectors()}, {self.origin})"

    @property
    def tier(self) -> int:
        what = self.command is not None or self.action is not None
        where = self.account is not None or self.profile is not None
        if what:
            return TIER_WHAT_WHERE if where else TIER_WHAT
        if self.account is not None:
            return TIER_ACCOUNT
        if self.profile is not None:
            return TIER_PROFILE
        return TIER_RISK

    def selectors(self) -> str:
        parts = []
        for key in ("command", "action", "account", "profile"):
            value = getattr(self, key)
            if value is not None:
                parts.append(f'{key} = "{value}"')
        if self.risks:
            parts.append("risk = " + ", ".join(sorted(self.risks)))
        return ", ".join(parts) or "(every command)"


class Decision:
    __slots__ = ("level", "because", "identity_needed", "rule")

    def __init__(
        self,
        level: str,  # never | confirm | type | deny
        because: str,  # the rule that decided, and where it was written
        identity_needed: bool = False,
        rule: Rule | None = None,
    ) -> None:
        self.level = level
        self.because = because
        # True when a rule keyed on the account could change this decision once the
        # identity is known (plan() was called without one).
        self.identity_needed = identity_needed
        self.rule = rule

    def __repr__(self) -> str:
        return f"Decision({self.level!r}, {self.because!r})"


class Config:
    def __init__(self, path: Path | str, exists: bool = False) -> None:
        self._path: Path | str = path
        self.exists = exists
        self.data: dict[str, Any] = {}
        self.error: ConfigError | None = None
        self.risk_levels: dict[str, str] = dict(DEFAULT_RISK_LEVELS)
        # risk -> where its level comes from ("built-in default" or "[risk] in <file>")
        self.risk_origins: dict[str, str] = {risk: "built-in default" for risk in RISKS}
        self.accounts: dict[str, Account] = {}
        self.rules: list[Rule] = []
        self.conflicts: dict[str, str] = {}

    @property
    def path(self) -> Path:
        if isinstance(self._path, str):
            from pathlib import Path

            self._path = Path(self._path)
        return self._path

    @property
    def path_text(self) -> str:
        """The path as given, without making a Path (the shim's path)."""
        return self._path if isinstance(self._path, str) else str(self._path)

    # -- raw sections, for the other features' tables

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        return value if isinstance(value, dict) else {}

    @property
    def raw(self) -> dict[str, Any]:
        """The whole parsed file ({} when absent or broken)."""
        return self.data

    def raise_for_error(self) -> None:
        if self.error is not None:
            raise self.error

    # -- typed accessors

    def conflict_action(self, code: str) -> str:
        """What to do about a resolution conflict (issue 3): warn, block or off."""
        return self.conflicts.get(code, self.conflicts.get("default", DEFAULT_CONFLICT_ACTION))

    def account(self, account_id: str | None) -> Account | None:
        return self.accounts.get(account_id or "")

    def accounts_named(self, name: str) -> list[str]:
        """The ids of the accounts configured with this name (case-insensitive)."""
        wanted = name.casefold()
        return [a.id for a in self.accounts.values() if a.name and a.name.casefold() == wanted]

    def account_name(self, account_id: str | None) -> str | None:
        entry = self.account(account_id)
        return entry.name if entry else None

    def all_rules(self) -> list[Rule]:
        """Every rule, account entries included, most specific rank first."""
        found = list(self.rules)
        for entry in self.accounts.values():
            if entry.level is not None:
                why = (
                    "protected = true" if entry.confirm is None else f'confirm = "{entry.confirm}"'
                )
                found.append(
                    Rule(
                        level=entry.level,
                        origin=f'[accounts."{entry.id}"] ({why})',
                        account=entry.id,
                    )
                )
        return sorted(found, key=lambda r: r.tier)

    # -- the decision

    def plan(
        self,
        classification: Any,
        resolution: Any = None,
        identity: Mapping[str, Any] | None = None,
        invocation: Any = None,
    ) -> Decision:
        """How hard to ask before this command runs, and which rule says so."""
        risk = _risk_name(classification)
        if self.error is not None:
            # Fail closed for what would be guarded by default, open for the rest.
            if risk in GUARDED_BY_DEFAULT:
                return Decision("deny", f"awsguard's config file is broken ({self.error.sentence})")
            return Decision("never", f"awsguard's config file is broken ({self.path}); reads pass")
        base = self.risk_levels.get(risk, "confirm")
        base_origin = self.risk_origins.get(risk, "built-in default")
        facts = _Facts.of(classification, resolution, identity, invocation, self)

        best: tuple[Rule, int] | None = None
        identity_needed = False
        for rule in self.all_rules():
            if rule.tier in (TIER_ACCOUNT, TIER_PROFILE) and not rule.risks and base == "never":
                continue  # account/profile rules only reach guarded risks unless told
            match = _matches(rule, facts, risk)
            if match is None:
                identity_needed = True
                continue
            if not match:
                continue
            strength = LEVELS.index(rule.level)
            if (
                best is None
                or rule.tier < best[0].tier
                or (rule.tier == best[0].tier and strength > best[1])
            ):
                best = (rule, strength)
        if best is None:
            return Decision(
                base,
                f"{base_origin} for {risk} commands",
                identity_needed=identity_needed and identity is None,
            )
        rule = best[0]
        # An unknown-account rule only matters if it outranks the winner.
        needed = identity is None and any(
            r.account is not None and r.tier <= rule.tier and _matches(r, facts, risk) is None
            for r in self.all_rules()
        )
        return Decision(
            rule.level,
            f"{rule.origin} ({rule.selectors()}) in {self.path}",
            identity_needed=needed,
            rule=rule,
        )


class _Facts:
    __slots__ = ("profile", "account_ids", "commands", "action")

    def __init__(
        self,
        profile: str | None,
        account_ids: frozenset[str],  # empty: not known yet
        commands: tuple[str, ...],
        action: str | None,
    ) -> None:
        self.profile = profile
        self.account_ids = account_ids
        self.commands = commands
        self.action = action

    @staticmethod
    def of(
        classification: Any,
        resolution: Any,
        identity: Mapping[str, Any] | None,
        invocation: Any,
        config: Config,
    ) -> _Facts:
        profile = getattr(resolution, "profile", None)
        if profile is None and invocation is not None:
            profile = getattr(invocation, "profile", None)
        names: set[str] = set()
        if identity and identity.get("account"):
            account = str(identity["account"])
            names.add(account)
            for extra in (config.account_name(account), identity.get("alias")):
                if extra:
                    names.add(str(extra))
        return _Facts(
            profile=profile,
            account_ids=frozenset(names),
            commands=_command_names(classification, invocation),
            action=getattr(classification, "action", None),
        )


def _risk_name(classification: Any) -> str:
    risk = getattr(classification, "risk", classification)
    return str(getattr(risk, "value", risk))


def _kebab(api: str) -> str:
    """TerminateInstances -> terminate-instances: a dash before each capital that follows
    a lower-case letter or a digit (ASCII), without `re`."""
    out: list[str] = []
    before = ""
    for char in api:
        if "A" <= char <= "Z" and ("a" <= before <= "z" or "0" <= before <= "9"):
            out.append("-")
        out.append(char)
        before = char
    return "".join(out).lower()


def _command_names(classification: Any, invocation: Any) -> tuple[str, ...]:
    """The ways a person may write this command in a rule: `ec2 terminate-instances`,
    `ec2 TerminateInstances`, `s3 rb`."""
    names: list[str] = []
    if invocation is not None and getattr(invocation, "service", None):
        operation = getattr(invocation, "operation", None) or ""
        names.append(f"{invocation.service} {operation}".strip())
    service = getattr(classification, "service", None) or ""
    operation = getattr(classification, "operation", None) or ""
    if operation.startswith(f"{service} "):
        names.append(operation)
    elif service and operation:
        names.append(f"{service} {operation}")
        names.append(f"{service} {_kebab(operation)}")
    return tuple(dict.fromkeys(names))


def _matches(rule: Rule, facts: _Facts, risk: str) -> bool | None:
    """True/False; None when only the (unknown) account decides."""
    if rule.risks and risk not in rule.risks:
        return False
    import fnmatch  # only once there are rules to match

    if rule.profile is not None and not (
        facts.profile is not None and fnmatch.fnmatchcase(facts.profile, rule.profile)
    ):
        return False
    if rule.command is not None and not any(
        fnmatch.fnmatchcase(name.lower(), rule.command.lower()) for name in facts.commands
    ):
        return False
    if rule.action is not None and not (
        facts.action and fnmatch.fnmatchcase(facts.action.lower(), rule.action.lower())
    ):
        return False
    if rule.account is not None:
        if not facts.account_ids:
            return None
        return rule.account in facts.account_ids
    return True


# ---------------------------------------------------------------------------
# Loading

_POSITION = r"\(at line (\d+), column (\d+)\)"  # in tomllib's error messages


def config_path_text(environ: Mapping[str, str]) -> str:
    """paths.config_file(environ) as a string, without pathlib."""
    override = environ.get("AWSGUARD_CONFIG")
    if override:
        return os.path.expanduser(override)
    return os.path.join(paths.xdg_str(environ, "XDG_CONFIG_HOME", ".config"), "config.toml")


def load_config(environ: Mapping[str, str] = os.environ) -> Config:
    """The config at paths.config_file(environ); defaults when there is none.

    Never raises: a file that cannot be read or parsed, or a bad value in the
    tables this module owns, is recorded in `Config.error`.
    """
    from . import safefs

    path = config_path_text(environ)
    config = Config(path=path)
    try:
        # Bounded, regular files only (a FIFO must not hang the shim), and since this
        # file decides what is guarded: owned by you (or root), writable by no one else.
        raw = safefs.read_outside(path, CONFIG_CAP, trusted=True, warn=False)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        return config
    except (OSError, UnicodeDecodeError) as err:
        config.exists = True
        why = err.why if isinstance(err, safefs.Unsafe) else None
        config.error = ConfigError(
            f"cannot be read: {why or getattr(err, 'strerror', None) or err} (check its "
            "owner, permissions (chmod go-w) and encoding (UTF-8))",
            path,
        )
        return config
    config.exists = True
    data = _cached_parse(environ, path, raw)
    if data is not None:
        return _from_data(config, data)
    parse_config(text, path, config)
    if config.error is None:
        _save_parse(environ, path, raw, config.data)
    return config


def parse_config(text: str, path: Path, config: Config | None = None) -> Config:
    config = config or Config(path=path, exists=True)
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        config.error = _syntax_error(str(err), text, path)
        return config
    return _from_data(config, data, text)


def _from_data(config: Config, data: dict[str, Any], text: str = "") -> Config:
    config.data = data
    try:
        _read_tables(config, data)
    except ConfigError as err:
        if err.line is None and text and getattr(err, "where", None):
            err.place(text, err.where)
        config.error = err
    return config


def _table_name(header: str) -> str:
    """`[ accounts . "1234" ]` -> `accounts."1234"`: TOML allows spaces around dots."""
    return "".join(header.strip().strip("[]").split())


def _locate(text: str, where: str) -> tuple[int | None, int | None]:
    """(line, column) of `where` in config.toml's text, 1-based; (None, None) if not found."""
    import re

    rules = re.match(r"^\[\[rules\]\] #(\d+)(?: (\S+))?$", where)
    table = re.match(r"^\[([^\]]+)\](?: (.+))?$", where)
    if rules:
        header, nth, key = "rules", int(rules.group(1)), rules.group(2)
    elif table:
        header, nth, key = _table_name(table.group(1)), 1, table.group(2)
    else:
        header, nth, key = where, 1, None  # a whole table: its header
    seen = 0
    found: tuple[int, int] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.split("#", 1)[0].strip()
        if stripped.startswith("["):
            if found is not None:
                break  # the key was not in the table: point at the table
            if _table_name(stripped) == header:
                seen += 1
                if seen == nth:
                    found = (number, line.index("[") + 1)
                    if key is None:
                        return found
            continue
        if found is not None and "=" in stripped:
            name = stripped.split("=", 1)[0].strip().strip('"\'')
            if name == key:
                return number, line.index(stripped[0]) + 1
    return found if found is not None else (None, None)


# Importing tomllib costs the shim several milliseconds on every call, more than all the
# rules together; the parsed file is kept in marshal form (a builtin, no import) beside
# awsguard's other caches, with the exact bytes it was parsed from (file timestamps are
# too coarse to tell two quick edits apart).
_PARSE_CACHE = "config.parsed"
CONFIG_CAP = 1024 * 1024  # a config.toml larger than this is not a config (safefs.CONFIG_CAP)


def _parse_cache(environ: Mapping[str, str]) -> str:
    return os.path.join(paths.xdg_str(environ, "XDG_CACHE_HOME", ".cache"), _PARSE_CACHE)


def _cached_parse(
    environ: Mapping[str, str], path: Path | str, raw: bytes
) -> dict[str, Any] | None:
    import marshal

    try:
        # safefs: only a file of ours in a private folder (it could turn any rule off).
        blob = paths.read_private(_parse_cache(environ), 2 * CONFIG_CAP + 4096)
        saved_path, saved_raw, data = marshal.loads(blob)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if saved_path != str(path) or saved_raw != raw or not isinstance(data, dict):
        return None
    return data


def _save_parse(
    environ: Mapping[str, str], path: Path | str, raw: bytes, data: dict[str, Any]
) -> None:
    import marshal

    try:
        # Dates and times (TOML has them) are not marshal types: then there is no cache.
        blob = marshal.dumps((str(path), raw, data))
        paths.write_private(_parse_cache(environ), blob)
    except (OSError, ValueError):
        pass


def _syntax_error(detail: str, text: str, path: Path | str) -> ConfigError:
    import re

    found = re.search(_POSITION, detail)
    line = column = None
    where = ""
    if found:
        line, column = int(found.group(1)), int(found.group(2))
        detail = re.sub(_POSITION, "", detail).strip()
        lines = text.splitlines()
        shown = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        where = f" (`{shown}`)" if shown else ""
    return ConfigError(
        f"not valid TOML{where}: {detail.rstrip('.')} (https://toml.io)", path, line, column
    )


def _bad(path: Path | str, where: str, message: str) -> ConfigError:
    error = ConfigError(f"{where}: {message}", path)
    error.where = where  # type: ignore[attr-defined]  # placed by _from_data
    return error


def _level(path: Path | str, where: str, value: Any) -> str:
    if value not in LEVELS:
        raise _bad(path, where, f"{value!r} is not one of {', '.join(LEVELS)}")
    return value


def _read_tables(config: Config, data: dict[str, Any]) -> None:
    path = config.path_text
    risk_table = data.get("risk", {})
    if not isinstance(risk_table, dict):
        raise _bad(path, "risk", "must be a table ([risk])")
    for key, value in risk_table.items():
        if key not in RISKS:
            raise _bad(path, f"[risk] {key}", f"unknown risk; use one of {', '.join(RISKS)}")
        config.risk_levels[key] = _level(path, f"[risk] {key}", value)
        config.risk_origins[key] = f"[risk] in {path}"

    accounts = data.get("accounts", {})
    if not isinstance(accounts, dict):
        raise _bad(path, "accounts", 'must be tables ([accounts."123456789012"])')
    for account_id, entry in accounts.items():
        where = f'[accounts."{account_id}"]'
        if not (len(account_id) == 12 and account_id.isascii() and account_id.isdigit()):
            raise _bad(path, where, "an account id is 12 digits (quote it as a key)")
        if not isinstance(entry, dict):
            raise _bad(path, where, "must be a table with name, protected, confirm")
        unknown = set(entry) - ACCOUNT_KEYS
        if unknown:
            raise _bad(path, where, f"unknown key {sorted(unknown)[0]!r}")
        name = entry.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise _bad(path, f"{where} name", "must be a non-empty string")
        protected = entry.get("protected", False)
        if not isinstance(protected, bool):
            raise _bad(path, f"{where} protected", "must be true or false")
        confirm = entry.get("confirm")
        if confirm is not None:
            _level(path, f"{where} confirm", confirm)
        config.accounts[account_id] = Account(account_id, name, protected, confirm)

    names: dict[str, str] = {}
    for entry in config.accounts.values():
        if not entry.name:
            continue
        other = next((i for n, i in names.items() if n.casefold() == entry.name.casefold()), None)
        if other is not None:
            raise _bad(
                path,
                "[accounts]",
                f'the name "{entry.name}" is given to two accounts, {other} and {entry.id}; '
                "a name must point at one account (rules and AWSGUARD_APPROVE use it)",
            )
        names[entry.name] = entry.id
    rules = data.get("rules", [])
    if not isinstance(rules, list):
        raise _bad(path, "rules", "must be an array of tables ([[rules]])")
    for number, entry in enumerate(rules, 1):
        where = f"[[rules]] #{number}"
        if not isinstance(entry, dict):
            raise _bad(path, where, "must be a table")
        unknown = set(entry) - RULE_KEYS
        if unknown:
            raise _bad(path, where, f"unknown key {sorted(unknown)[0]!r}")
        if "confirm" not in entry:
            raise _bad(path, where, 'needs confirm = "never" | "confirm" | "type" | "deny"')
        for key in ("profile", "account", "command", "action"):
            if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
                raise _bad(path, f"{where} {key}", "must be a non-empty string")
        raw_risk = entry.get("risk", [])
        risks = [raw_risk] if isinstance(raw_risk, str) else raw_risk
        if not isinstance(risks, list) or any(r not in RISKS for r in risks):
            raise _bad(path, f"{where} risk", f"must be one or a list of {', '.join(RISKS)}")
        account = entry.get("account")
        if account is not None:
            account = names.get(account, account)
        command = entry.get("command")
        config.rules.append(
            Rule(
                level=_level(path, f"{where} confirm", entry["confirm"]),
                origin=where,
                profile=entry.get("profile"),
                account=account,
                command=" ".join(command.split()) if command else None,
                action=entry.get("action"),
                risks=frozenset(risks),
            )
        )

    conflicts = data.get("conflicts", {})
    if not isinstance(conflicts, dict):
        raise _bad(path, "conflicts", "must be a table ([conflicts])")
    for code, action in conflicts.items():
        if action not in CONFLICT_ACTIONS:
            raise _bad(
                path,
                f"[conflicts] {code}",
                f"{action!r} is not one of {', '.join(CONFLICT_ACTIONS)}",
            )
        config.conflicts[code] = action
