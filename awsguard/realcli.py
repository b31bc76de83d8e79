"""Find the real AWS CLI, know its major version, and run it.

Every program awsguard starts on the user's behalf goes through this module.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import paths

# Written into the shim so that any copy of it, under any name or path, is
# recognised and never taken for the real CLI.
SHIM_MARKER = b"AWSGUARD-SHIM"
# Set for the real CLI by the shim: the path it exec'd. A shim that finds its
# own path here was started by another shim as "the real CLI": a loop.
EXEC_TARGET_VAR = "AWSGUARD_EXEC_TARGET"


class RealCliNotFound(Exception):
    def __init__(self, searched: list[str], reason: str = "") -> None:
        self.searched = searched
        self.reason = reason
        super().__init__(reason or "real AWS CLI not found")

    def message(self) -> str:
        where = os.pathsep.join(self.searched) if self.searched else "(PATH is empty)"
        lead = f"awsguard: {self.reason}. " if self.reason else ""
        return (
            f"{lead}awsguard: no real AWS CLI found: searched AWSGUARD_REAL_AWS and every `aws` "
            f"on PATH ({where}), skipping awsguard shims. Install the AWS CLI "
            "(https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html, "
            "or `pip install awscli`), or set AWSGUARD_REAL_AWS=/path/to/aws."
        )


def is_shim(path: str | os.PathLike[str]) -> bool:
    """True when the file at `path` is an awsguard shim (by its marker)."""
    try:
        with open(path, "rb") as handle:
            return SHIM_MARKER in handle.read(512)
    except OSError:
        return False


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_real_cli(environ: Mapping[str, str] = os.environ, self_path: str | None = None) -> str:
    """The path of the real `aws`: AWSGUARD_REAL_AWS, else the first non-shim on PATH."""
    me = os.path.realpath(self_path) if self_path else None
    override = environ.get("AWSGUARD_REAL_AWS")
    if override:
        target = os.path.expanduser(override)
        if not _executable(target):
            raise RealCliNotFound(
                [target], f"AWSGUARD_REAL_AWS={override} is not an executable file"
            )
        if (me and os.path.realpath(target) == me) or is_shim(target):
            raise RealCliNotFound(
                [target], f"AWSGUARD_REAL_AWS={override} points at an awsguard shim"
            )
        return target
    searched: list[str] = []
    for directory in environ.get("PATH", "").split(os.pathsep):
        if not directory:
            directory = "."
        if directory in searched:
            continue
        searched.append(directory)
        candidate = os.path.join(directory, "aws")
        if not _executable(candidate):
            continue
        resolved = os.path.realpath(candidate)
        if me and resolved == me:
            continue
        if is_shim(resolved):
            continue
        return candidate
    raise RealCliNotFound(searched)


def guess_major(path: str) -> int:
    """The real CLI's major version, from the file alone (no process started).

    AWS CLI v1 is a Python script that imports `awscli`; v2 is a frozen binary
    (installed under .../aws-cli/v2/...). pyenv and similar put a shell-script
    shim in front: we follow it to its version by asking `awsguard real` once
    and caching (see `describe`).
    """
    cached = _cached_description(path)
    if cached:
        return int(cached["major"])
    resolved = os.path.realpath(path)
    if "/v2/" in resolved or "aws-cli/v2" in resolved:
        return 2
    try:
        with open(resolved, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return 2
    if head.startswith(b"\x7fELF") or head.startswith(b"\xcf\xfa\xed\xfe"):
        return 2
    if b"awscli" in head or b"clidriver" in head:
        return 1
    # A wrapper script (pyenv, asdf, a distro launcher): ask it once, then cache.
    try:
        return describe(path).major
    except (OSError, subprocess.SubprocessError, RealCliNotFound):
        return 2


@dataclass(frozen=True)
class RealCli:
    path: str
    resolved: str
    version: str
    major: int

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "resolved": self.resolved,
            "version": self.version,
            "major": self.major,
        }


def _cache_file() -> Path:
    return paths.cache_dir() / "realcli.json"


def _stamp(path: str) -> str:
    st = os.stat(os.path.realpath(path))
    return f"{os.path.realpath(path)}:{st.st_mtime_ns}:{st.st_size}"


def _cached_description(path: str) -> dict | None:
    try:
        data = json.loads(_cache_file().read_text())
        entry = data.get(path)
        if entry and entry.get("stamp") == _stamp(path):
            return entry
    except (OSError, ValueError, AttributeError):
        pass
    return None


_VERSION_RE = re.compile(r"aws-cli/(\d+)\.(\d+)\.(\d+)")


def describe(path: str) -> RealCli:
    """Path, version and major version of the real CLI, cached by path and mtime."""
    cached = _cached_description(path)
    if cached:
        return RealCli(path, cached["resolved"], cached["version"], int(cached["major"]))
    env = dict(os.environ)
    env[EXEC_TARGET_VAR] = os.path.realpath(path)
    proc = subprocess.run(
        [path, "--version"], capture_output=True, text=True, env=env, timeout=60
    )
    out = (proc.stdout + proc.stderr).strip()
    match = _VERSION_RE.search(out)
    if not match:
        raise RealCliNotFound([path], f"`{path} --version` printed no aws-cli version: {out!r}")
    version = out.split()[0].split("/", 1)[1]
    info = RealCli(path, os.path.realpath(path), version, int(match.group(1)))
    try:
        try:
            data = json.loads(_cache_file().read_text())
            if not isinstance(data, dict):
                data = {}
        except (OSError, ValueError):
            data = {}
        data[path] = {**info.as_dict(), "stamp": _stamp(path)}
        paths.write_private(_cache_file(), json.dumps(data, indent=1))
    except OSError:
        pass  # a cache we cannot write only costs time
    return info


def exec_real(path: str, argv: list[str], environ: Mapping[str, str]) -> None:
    """Replace this process with the real CLI: same fds, same terminal, same signals."""
    env = dict(environ)
    env[EXEC_TARGET_VAR] = os.path.realpath(path)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(path, [path, *argv], env)


def run_real(path: str, argv: list[str], environ: Mapping[str, str]) -> int:
    """Run the real CLI as a child and return its exit status as a shell would see it.

    The child shares our terminal and process group, so Ctrl-C reaches it
    directly; we ignore SIGINT/SIGQUIT while it runs (as a shell does) and
    forward SIGTERM/SIGHUP. A child killed by a signal is reported the same way
    by killing ourselves with that signal after our own work is done
    (see `exit_like`).
    """
    env = dict(environ)
    env[EXEC_TARGET_VAR] = os.path.realpath(path)
    sys.stdout.flush()
    sys.stderr.flush()
    proc = subprocess.Popen([path, *argv], env=env, close_fds=False)
    forwarded = (signal.SIGTERM, signal.SIGHUP)
    previous = {}

    def forward(signum: int, _frame: object) -> None:
        try:
            proc.send_signal(signum)
        except ProcessLookupError:
            pass

    for sig in forwarded:
        previous[sig] = signal.signal(sig, forward)
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    old_quit = signal.signal(signal.SIGQUIT, signal.SIG_IGN)
    try:
        while True:
            try:
                return proc.wait()
            except InterruptedError:
                continue
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGQUIT, old_quit)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def exit_like(status: int) -> int:
    """Exit as the child did: a negative status is death by that signal."""
    if status >= 0:
        return status
    signum = -status
    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    return 128 + signum  # only if the signal did not end us
