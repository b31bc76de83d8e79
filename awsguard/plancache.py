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
_OWN_FILES = ("risk.py", "rules.py", "guard.py", "invocation.py", "resolve.py", "data")


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


def _file(environ: Mapping[str, str]) -> str:
    return os.path.join(paths.xdg_str(environ, "XDG_CACHE_HOME", ".cache"), FILE_NAME)


def known(entry: str, environ: Mapping[str, str]) -> list[str] | None:
    """The warning lines remembered with `entry` (often none), or None when not known."""
    try:
        text = safefs.read_text(_file(environ), MAX_BYTES * 2)
    except OSError:  # absent, unreadable, or not safe (warned once): decide afresh
        return None
    prefix = entry + "\t"
    for line in text.split("\n"):
        if line == entry:
            return []
        if line.startswith(prefix):
            from .redact import escape

            return [escape(x) for x in line[len(prefix) :].split("\t")]
    return None


def remember(entry: str, environ: Mapping[str, str], lines: list[str] | tuple = ()) -> None:
    """Remember `entry`, with the (one-line, secret-free) warnings to repeat for it."""
    from .redact import escape

    path = _file(environ)
    record = "\t".join([entry, *(escape(x).replace("\t", " ") for x in lines)]) + "\n"
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
