"""Find the real AWS CLI, know its major version, and run it.

Every program awsguard starts on the user's behalf goes through this module.
"""

from __future__ import annotations

import os
import sys
TYPE_CHECKING = False  # collections.abc imports `collections`: milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping

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
    except (OSError, RealCliNotFound) as err:  # subprocess errors are OSErrors or timeouts
        del err
        return 2
    except Exception:  # noqa: BLE001 - a timeout: assume the current major version
        return 2


class RealCli:
    __slots__ = ("path", "resolved", "version", "major")

    def __init__(self, path: str, resolved: str, version: str, major: int) -> None:
        self.path = path
        self.resolved = resolved
        self.version = version
        self.major = major

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "resolved": self.resolved,
            "version": self.version,
            "major": self.major,
        }


def _cache_file():
    from . import paths

    return paths.cache_dir() / "realcli.json"


def _stamp(path: str) -> str:
    st = os.stat(os.path.realpath(path))
    return f"{os.path.realpath(path)}:{st.st_mtime_ns}:{st.st_size}"


def _cached_description(path: str) -> dict | None:
    import json

    try:
        data = json.loads(_cache_file().read_text())
        entry = data.get(path)
        if entry and entry.get("stamp") == _stamp(path):
            return entry
    except (OSError, ValueError, AttributeError):
        pass
    return None


def describe(path: str) -> RealCli:
    """Path, version and major version of the real CLI, cached by path and mtime."""
    import json
    import re
    import subprocess

    from . import paths

    cached = _cached_description(path)
    if cached:
        return RealCli(path, cached["resolved"], cached["version"], int(cached["major"]))
    env = dict(os.environ)
    env[EXEC_TARGET_VAR] = os.path.realpath(path)
    proc = subprocess.run(
        [path, "--version"], capture_output=True, text=True, env=env, timeout=60
    )
    out = (proc.stdout + proc.stderr).strip()
    match = re.search(r"aws-cli/(\d+)\.(\d+)\.(\d+)", out)
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
    """Run the real CLI as a child and return its status (negative: killed by that signal).

    The child shares our terminal, file descriptors and process group, so Ctrl-C
    reaches it directly from the terminal; like a shell, we ignore SIGINT and
    SIGQUIT while it runs, and forward SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2.
    posix_spawn keeps the `subprocess` import off the shim's path.
    """
    import _signal as signal  # `signal` builds IntEnums at import: milliseconds

    env = dict(environ)
    env[EXEC_TARGET_VAR] = os.path.realpath(path)
    sys.stdout.flush()
    sys.stderr.flush()
    ignored = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGQUIT)}
    pid = 0

    def forward(signum: int, _frame: object) -> None:
        if pid:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    forwarded = (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)
    previous = {sig: signal.signal(sig, forward) for sig in forwarded}
    try:
        # The child starts with default dispositions for what we ignore.
        pid = os.posix_spawn(
            path,
            [path, *argv],
            env,
            setsigdef=(signal.SIGINT, signal.SIGQUIT, *forwarded),
        )
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                return os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                return 1
            except InterruptedError:
                continue
    finally:
        for sig, handler in {**ignored, **previous}.items():
            signal.signal(sig, handler)


def exit_like(status: int) -> int:
    """Exit as the child did: a negative status is death by that signal."""
    if status >= 0:
        return status
    import _signal as signal  # `signal` builds IntEnums at import: milliseconds

    signum = -status
    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    return 128 + signum  # only if the signal did not end us
