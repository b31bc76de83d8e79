"""Remember invocations the guard let through unchanged, to skip its stages next time.

Most `aws` calls are reads that need no session and no confirmation, and raise no
conflict or the same warnings as last time. Working that out loads the config, the
credential chain and the command tables: most of the shim's cost. When the same kind
of command (service, operation, option names) runs again with the same AWS environment
and unchanged files, the answer cannot differ: the shim repeats the warnings, if any,
and goes straight to running the CLI.

The key holds no secret: secret variables enter it only as a CRC. The warnings kept
with it are the conflict lines already shown on stderr (key ids masked). Only standard
library modules the shim has already loaded are used here.
"""

from __future__ import annotations

import os
from . import paths

TYPE_CHECKING = False  # collections.abc imports `collections`: milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping

    from .invocation import Invocation

FILE_NAME = "clean-invocations"
MAX_BYTES = 64 * 1024
_SECRET_VARS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def _crc(text: str) -> str:
    import binascii  # a builtin module: no file to load

    return format(binascii.crc32(text.encode("utf-8", "surrogateescape")), "08x")


def _stamp(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_mtime_ns}.{st.st_size}"


def _expand(path: str, environ: Mapping[str, str]) -> str:
    if path.startswith("~"):
        home = environ.get("HOME") or os.path.expanduser("~")
        path = home + path[1:]
    return path


def key(invocation: Invocation, environ: Mapping[str, str], real: str) -> str | None:
    """What the guard's answer depends on, as one line; None when not worth caching."""
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
    vault_index = os.path.join(
        paths.xdg_str(environ, "XDG_STATE_HOME", ".local/state"), "vault-index.json"
    )
    parts = [
        "v1",
        invocation.service or "",
        invocation.operation or "",
        # Risk depends on which options are given (--delete, --dry-run), not their values.
        ",".join(sorted({a.split("=", 1)[0] for a in invocation.args if a.startswith("--")})),
        "help" if "help" in invocation.args else "",
        ",".join(f"{k}={v}" for k, v in sorted(invocation.globals.items())),
        ",".join(sorted(invocation.flags)),
    ]
    for name in sorted(environ):
        if name.startswith(("AWS_", "AWSGUARD_", "XDG_")) or name in ("CI", "HOME"):
            value = environ[name]
            if name in _SECRET_VARS or name == "AWS_ACCESS_KEY_ID":
                value = _crc(value)
            parts.append(f"{name}={value}")
    for path in (config, credentials, guard_config, vault_index):
        path = _expand(path, environ)
        parts.append(f"{path}@{_stamp(path)}")
    real_path = os.path.realpath(real)
    parts.append(f"{real_path}@{_stamp(real_path)}")
    return _crc("\0".join(parts)) + _crc("\1".join(reversed(parts)))


def _file(environ: Mapping[str, str]) -> str:
    return os.path.join(paths.xdg_str(environ, "XDG_CACHE_HOME", ".cache"), FILE_NAME)


def known(entry: str, environ: Mapping[str, str]) -> list[str] | None:
    """The warning lines remembered with `entry` (often none), or None when not known."""
    prefix = entry + "\t"
    try:
        with open(_file(environ), encoding="utf-8", errors="replace") as handle:
            for line in handle:
                line = line.rstrip("\n")
                if line == entry:
                    return []
                if line.startswith(prefix):
                    return line[len(prefix) :].split("\t")
    except OSError:
        pass
    return None


def remember(entry: str, environ: Mapping[str, str], lines: list[str] | tuple = ()) -> None:
    """Remember `entry`, with the (one-line, secret-free) warnings to repeat for it."""
    path = _file(environ)
    record = "\t".join([entry, *(x.replace("\t", " ").replace("\n", " ") for x in lines)])
    try:
        if os.path.getsize(path) > MAX_BYTES:
            os.unlink(path)  # start over rather than grow: entries are cheap to relearn
    except OSError:
        pass
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (record + "\n").encode("utf-8"))
        finally:
            os.close(fd)
    except OSError:
        pass
