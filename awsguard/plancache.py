"""Remember reads the guard let through unchanged, to skip its stages next time.

Most `aws` calls are reads that need no session and no confirmation, and raise no
conflict or the same warnings as last time. Working that out loads the config, the
credential chain and the command tables: most of the shim's cost. A remembered pass
is replayed only when everything that decided it is the same:

  - the whole command line, every word and value (`s3 sync ./dir s3://b` is not
    `s3 sync s3://b ./dir`);
  - every environment variable resolution reads (AWS_*, AWSGUARD_*, XDG_*, CI, HOME);
  - the files it reads: the AWS config and credentials files, the CLI's alias file,
    awsguard's config.toml and vault index, the real CLI (its resolved path and
    version as awsguard knows it, and awsguard's `real` cache), and awsguard's own
    code and tables (device, inode, size, mtime and ctime of each);
  - the identity: only passes whose credentials are fixed by those variables and
    files are remembered (environment keys, static keys in the AWS files, a role
    whose ARN is written there). credential_process, SSO, web identity, container
    and instance metadata and sessions awsguard serves from the keyring can change
    who you are without any file changing: those are never remembered.

Only reads are remembered: never a write, permissions, destructive or any other
category, never a command awsguard was unsure about (`Invocation.problem`), never
in CI. The key is a BLAKE2b digest of all of the above, so secrets in variables or
in the argv enter the file only hashed. The file is checked and written through
safefs (owned by you, 0600 in a 0700 folder, no symlinks); anything wrong with it
is warned about once and the command is decided afresh.

A read served from the keyring (a key `awsguard add`/`import` keeps, a cached MFA or
role session) is remembered with the session it was served from (SessionPass): the
keyring item's name, the threshold below which the guard would refresh it, and a
digest of the access key id it held. The replay reads that item straight from the
Secret Service (secretbus, a few ms) and injects it only when it still holds the
same key id (the same principal: a refreshed session or a replaced key has another
id) with more time left than the threshold; anything else (no item, another id,
expiring, a keyring the fast read cannot reach) is decided afresh on the full path,
which refreshes, asks or falls back as before. The secret itself is never written.
"""

from __future__ import annotations

import os

from . import paths, safefs

TYPE_CHECKING = False  # collections.abc imports `collections`: milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from .invocation import Invocation

FILE_NAME = "clean-invocations"
MAX_BYTES = 64 * 1024
VERSION = "v3"
# Credential sources whose identity is fixed by the variables and files in the key.
FIXED_IDENTITY_SOURCES = frozenset({"env", "shared-credentials-file", "config-file", "assume-role"})
_ENV_PREFIXES = ("AWS_", "AWSGUARD_", "XDG_")
_ENV_NAMES = ("CI", "HOME")
# awsguard's own parts whose change can change a decision (an upgrade, new tables).
_OWN_FILES = (
    "risk.py", "rules.py", "guard.py", "invocation.py", "resolve.py", "data",
    "plancache.py", "sessions.py", "sessionplan.py", "vault.py", "secretbus.py",
)
# The modes an entry is remembered under: how the pass ran (under the CSM monitor, or a
# plain exec), and with a session from the keyring (SessionPass) or not.
MODES = ("monitor", "exec", "session-monitor", "session-exec")


def _stamp(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_mode}"


def _expand(path: str, home: str) -> str:
    return home + path[1:] if path.startswith("~") else path


def _real_cli(real: str, environ: Mapping[str, str]) -> str:
    from . import realcli

    stamp = getattr(realcli, "version_stamp", None)
    resolved = os.path.realpath(real)
    version = ""
    if stamp is not None:
        try:
            version = stamp(real, environ)
        except Exception:  # noqa: BLE001 - unknown version: the stamps below still hold
            version = "?"
    return f"{real}>{resolved}@{_stamp(resolved)}@{version}"


def key(invocation: Invocation, environ: Mapping[str, str], real: str) -> str | None:
    """What the guard's answer depends on, as one digest; None when not worth caching."""
    if environ.get("AWSGUARD_PLAN_CACHE") == "0":
        return None
    if environ.get("AWS_CREDENTIAL_EXPIRATION"):
        return None  # the answer changes with the clock
    home = environ.get("HOME") or os.path.expanduser("~")
    config = environ.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config")
    credentials = environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(
        home, ".aws", "credentials"
    )
    guard_config = environ.get("AWSGUARD_CONFIG") or os.path.join(
        paths.xdg_str(environ, "XDG_CONFIG_HOME", ".config"), "config.toml"
    )
    # Each store's path from its owner: realcli is loaded already, and vaultindex is
    # os + paths (a tenth of a millisecond).
    from . import realcli, vaultindex

    parts = [VERSION, *invocation.argv, "\1"]
    for name in sorted(environ):
        if name.startswith(_ENV_PREFIXES) or name in _ENV_NAMES:
            parts.append(f"{name}={environ[name]}")
    files = (
        _expand(config, home),
        _expand(credentials, home),
        os.path.join(home, ".aws", "cli", "alias"),
        _expand(guard_config, home),
        vaultindex.path(environ),
        realcli.cache_path(environ),
    )
    parts.extend(f"{path}@{_stamp(path)}" for path in files)
    here = os.path.dirname(os.path.abspath(__file__))
    parts.extend(f"{name}@{_stamp(os.path.join(here, name))}" for name in _OWN_FILES)
    parts.append(_real_cli(real, environ))
    return _digest("\0".join(parts))


def _digest(text: str) -> str:
    from _blake2 import blake2b  # an extension module of a quarter millisecond

    data = text.encode("utf-8", "surrogateescape")
    return blake2b(data, digest_size=16, person=b"awsguard-plan").hexdigest()


def may_remember(invocation: Any, risk: str | None, resolution: Any) -> bool:
    """Whether a pass of this command may be replayed later (see the module doc)."""
    if risk != "read" or getattr(invocation, "problem", None):
        return False
    if getattr(invocation, "shell_alias", False):
        return False
    source = getattr(resolution, "source", None)
    if source not in FIXED_IDENTITY_SOURCES:
        return False
    # A role assumed from a source awsguard cannot see changing (SSO, a process, the
    # instance) can still be a different principal tomorrow: only static chains count.
    if source != "assume-role":
        return True
    base = getattr(resolution, "base_source", None)
    return base in FIXED_IDENTITY_SOURCES or (
        base is None and getattr(resolution, "credential_source", None) == "Environment"
    )


def may_remember_session(invocation: Any, risk: str | None) -> bool:
    """may_remember for a read whose credentials the guard served from one keyring item:
    the identity is pinned by the SessionPass instead of the credential source."""
    if risk != "read" or getattr(invocation, "problem", None):
        return False
    return not getattr(invocation, "shell_alias", False)


def _file(environ: Mapping[str, str]) -> str:
    return os.path.join(paths.xdg_str(environ, "XDG_CACHE_HOME", ".cache"), FILE_NAME)


def _read(environ: Mapping[str, str]) -> str | None:
    try:
        return safefs.read_text(_file(environ), MAX_BYTES * 2)
    except OSError:  # absent, unreadable, or not safe (warned once): decide afresh
        return None


def _find(text: str, entry: str) -> list[str] | None:
    """The fields of the last line remembered for `entry` (the newest: a session pass
    relearnt after its item changed outside awsguard is appended after the stale one)."""
    end = len(text)
    while True:  # str.rfind, not a split of the whole file: this runs on every call
        at = text.rfind(entry, 0, end)
        if at < 0:
            return None
        if at == 0 or text[at - 1] == "\n":
            stop = text.find("\n", at)
            line = text[at : stop if stop >= 0 else len(text)]
            if line == entry:
                return []
            if line.startswith(entry + "\t"):
                return line[len(entry) + 1 :].split("\t")
        end = at


def _escaped(fields: list[str]) -> list[str]:
    if not fields:
        return []
    from .redact import escape

    return [escape(x) for x in fields]


def known(entry: str, environ: Mapping[str, str]) -> list[str] | None:
    """The warning lines remembered with `entry` (often none), or None when not known."""
    text = _read(environ)
    if text is None:
        return None
    found = _find(text, entry)
    return None if found is None else _escaped(found)


def lookup(
    entry: str, environ: Mapping[str, str]
) -> tuple[str, list[str], SessionPass | None] | None:
    """(mode, warning lines, session) of the first mode `entry` is remembered under, with
    one read of the file; None when not known."""
    text = _read(environ)
    if text is None:
        return None
    for mode in MODES:
        found = _find(text, f"{entry}:{mode}")
        if found is None:
            continue
        if not mode.startswith("session-"):
            return mode, _escaped(found), None
        session = SessionPass.decode(found[0]) if found else None
        if session is not None:
            return mode, _escaped(found[1:]), session
    return None


def remember(
    entry: str,
    environ: Mapping[str, str],
    lines: list[str] | tuple = (),
    session: SessionPass | None = None,
) -> None:
    """Remember `entry`, with the (one-line, secret-free) warnings to repeat for it, and
    for a `session-*` mode the SessionPass it was served from."""
    from .redact import escape

    path = _file(environ)
    head = [entry] if session is None else [entry, session.encode()]
    record = "\t".join([*head, *(escape(x).replace("\t", " ") for x in lines)]) + "\n"
    try:
        try:
            size = os.lstat(path).st_size
        except FileNotFoundError:
            size = 0
        if size > MAX_BYTES:
            # Start over rather than grow: entries are cheap to relearn.
            safefs.write(path, record, durable=False)
        else:
            safefs.append(path, record, cap=MAX_BYTES * 2)
    except OSError:
        pass  # not safe (warned) or not writable: only costs time next run


# --- reads served from the keyring ---------------------------------------------------------------

# StoredSession's item kinds, and the long-term key's (vault.key_item).
SESSION_KINDS = ("key", "mfa", "role")
_TIME_FORMAT_LEN = len("2026-03-01T12:00:00Z")


def key_id_digest(access_key_id: str) -> str:
    """What a SessionPass keeps of the key id: a digest (the file holds no key id)."""
    from _blake2 import blake2b

    data = access_key_id.encode("utf-8", "surrogateescape")
    return blake2b(data, digest_size=16, person=b"awsguard-keyid").hexdigest()


class SessionPass:
    """How a remembered read got its credentials: the keyring item, what it held, and the
    rules the guard serves it by. `removed` are the argv positions the child does not get
    (--profile NAME, moved into AWS_PROFILE)."""

    __slots__ = ("kind", "item", "profile", "threshold", "key_id", "removed")

    def __init__(
        self,
        kind: str,
        item: str,
        profile: str,
        threshold: int,
        key_id: str,
        removed: tuple[int, ...] = (),
    ) -> None:
        self.kind = kind
        self.item = item
        self.profile = profile
        self.threshold = threshold
        self.key_id = key_id  # key_id_digest of the access key id the item held
        self.removed = tuple(removed)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SessionPass) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__
        )

    def encode(self) -> str:
        """One tab- and newline-free field (hex: item names come from the AWS config)."""
        fields = [
            self.kind, self.item, self.profile, str(self.threshold), self.key_id,
            ",".join(str(i) for i in self.removed),
        ]
        return "\0".join(fields).encode("utf-8", "surrogateescape").hex()

    @classmethod
    def decode(cls, text: str) -> SessionPass | None:
        try:
            fields = bytes.fromhex(text).decode("utf-8", "surrogateescape").split("\0")
            kind, item, profile, threshold, key_id, removed = fields
            positions = tuple(int(i) for i in removed.split(",")) if removed else ()
            if kind not in SESSION_KINDS or not item or not profile or len(key_id) != 32:
                return None
            return cls(kind, item, profile, int(threshold), key_id, positions)
        except ValueError:
            return None


def _epoch(text: str) -> int | None:
    """Seconds since the epoch of `2026-03-01T12:00:00Z` (timefmt.format_time's form,
    exactly), without `datetime`; None for any other text."""
    if len(text) != _TIME_FORMAT_LEN or text[4:17:3] != "--T::" or text[-1] != "Z":
        return None
    parts = (text[0:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19])
    if not all(p.isascii() and p.isdigit() for p in parts):
        return None
    year, month, day, hour, minute, second = (int(p) for p in parts)
    if not (year >= 1 and 1 <= month <= 12 and hour < 24 and minute < 60 and second < 60):
        return None
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= day <= (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]:
        return None  # datetime would refuse it too (the full path: corrupt, refresh)
    # Days from 1970-01-01 to the date (the proleptic Gregorian calendar, as datetime).
    y = year - (month <= 2)
    era, yoe = divmod(y, 400)
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return days * 86400 + hour * 3600 + minute * 60 + second


def session_child(
    session: SessionPass,
    argv: list[str],
    environ: Mapping[str, str],
    now: float | None = None,
) -> tuple[list[str], dict[str, str]] | None:
    """The child's (argv, environment) for a remembered read served from the keyring, as
    the full path would make them; None when the item no longer qualifies (decide afresh).

    Reads the item from the Secret Service directly (secretbus). Any doubt is None: the
    fast read cannot answer (the full path then falls back to the `keyring` package and
    says so), the item is gone or unreadable, holds another key id, or has no more time
    left than the guard's refresh threshold."""
    import time

    from . import jsonlite, secretbus

    try:
        blob = secretbus.read_secret("awsguard", session.item, environ)
    except secretbus.Unavailable:
        return None
    if blob is None:
        return None
    try:
        raw = jsonlite.loads(blob)
    except (ValueError, RecursionError):
        return None
    if not isinstance(raw, dict):
        return None
    if session.kind == "key":
        key_id, secret = raw.get("aws_access_key_id"), raw.get("aws_secret_access_key")
        token = expiration = None
    else:
        key_id, secret = raw.get("access_key_id"), raw.get("secret_access_key")
        token, expiration = raw.get("session_token"), raw.get("expiration")
        if raw.get("kind") != session.kind or not isinstance(token, str) or not token:
            return None
        if not isinstance(expiration, str):
            return None
        ends = _epoch(expiration)
        if ends is None or ends - (time.time() if now is None else now) <= session.threshold:
            return None
    if not (isinstance(key_id, str) and key_id and isinstance(secret, str) and secret):
        return None
    if key_id_digest(key_id) != session.key_id:
        return None
    if any(i >= len(argv) for i in session.removed):
        return None
    # As sessions.ChildCredentials.apply and guard's sessions stage make them.
    child = {
        k: v
        for k, v in environ.items()
        if k not in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION")
    }
    child["AWS_ACCESS_KEY_ID"] = key_id
    child["AWS_SECRET_ACCESS_KEY"] = secret
    if token:
        child["AWS_SESSION_TOKEN"] = token
    if expiration:
        child["AWS_CREDENTIAL_EXPIRATION"] = expiration
    child["AWS_PROFILE"] = session.profile
    child.pop("AWS_DEFAULT_PROFILE", None)
    removed = set(session.removed)
    return [w for i, w in enumerate(argv) if i not in removed], child
