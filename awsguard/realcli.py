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


# ---------------------------------------------------------------------------
# Which CLI it is: major AND exact version, on the first call, for every install shape
#
#   the official bundled binary  .../aws-cli/v2/<version>/dist/aws: the version is in
#                                the resolved path; elsewhere (macOS pkg) an ELF or
#                                Mach-O binary is v2 and `--version` is asked once
#   a Python script              (pip, Homebrew's formula, Debian's awscli 2.x, a
#                                source install): the shebang names the interpreter;
#                                the `awscli` package it imports is found in that
#                                interpreter's site folders, in import order, and its
#                                version read from awscli/__init__.py or the
#                                dist-info/egg-info name, without running anything
#   a wrapper (pyenv, asdf, a    pyenv shims are followed to the version's own `aws`;
#   distro launcher)             others are asked `--version` once
#
# What was learnt is cached in realcli.json by path, with the size and mtime of every
# file it was read from (and, for wrappers, the folder and the variables that pick a
# version), so a pip/apt/brew upgrade is noticed on the next call.

_VERSION_RE = None  # compiled lazily: `re` is not on the shim's path unless needed
_memo: dict[str, RealCli] = {}
# The variables that change where a Python interpreter imports `awscli` from.
_PYTHON_SELECTORS = ("PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONNOUSERSITE")
# Variables that make a wrapper (pyenv, asdf, mise) pick another installation.
_WRAPPER_SELECTORS = (
    *_PYTHON_SELECTORS,
    "PYENV_VERSION",
    "PYENV_ROOT",
    "ASDF_PYTHON_VERSION",
    "ASDF_AWSCLI_VERSION",
    "ASDF_DATA_DIR",
    "MISE_PYTHON_VERSION",
    "VIRTUAL_ENV",
)


def _version_re():
    global _VERSION_RE
    if _VERSION_RE is None:
        import re

        _VERSION_RE = re.compile(r"(\d+)\.(\d+)\.(\d+)")
    return _VERSION_RE


def _major_of(version: str) -> int:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else 2


def _file_stamp(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_mtime_ns}:{st.st_size}"


def _read_head(path: str, size: int = 4096) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return b""
    try:
        return os.read(fd, size)
    except OSError:
        return b""
    finally:
        os.close(fd)


def _which(name: str, environ: Mapping[str, str]) -> str | None:
    if os.sep in name:
        return name
    for directory in environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if _executable(candidate):
            return candidate
    return None


def _shebang(head: bytes, environ: Mapping[str, str]) -> str | None:
    """The interpreter a `#!` line starts (through `/usr/bin/env NAME`), or None."""
    if not head.startswith(b"#!"):
        return None
    line = head[2:].split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    words = line.split()
    if not words:
        return None
    if os.path.basename(words[0]) == "env":
        names = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        return _which(names[0], environ) if names else None
    return words[0]


def _site_dirs(interpreter: str, home: str) -> list[str]:
    """Where `interpreter` imports packages from, in (close to) its sys.path order.

    Found from the interpreter's prefix without running it: a virtualenv's own
    site-packages; for a system Python, the user site first (pip --user), then
    /usr/local/lib/pythonX.Y/dist-packages before /usr/lib/python3/dist-packages
    (Debian), or lib/pythonX.Y/site-packages (python.org, Homebrew's libexec).
    """
    import glob

    prefix = os.path.dirname(os.path.dirname(interpreter))
    venv = os.path.isfile(os.path.join(prefix, "pyvenv.cfg"))
    dirs: list[str] = []

    def add(pattern: str) -> None:
        for found in sorted(glob.glob(pattern), reverse=True):
            if found not in dirs and os.path.isdir(found):
                dirs.append(found)

    if not venv:
        add(os.path.join(home, ".local", "lib", "python3*", "site-packages"))
    add(os.path.join(prefix, "local", "lib", "python3*", "dist-packages"))
    add(os.path.join(prefix, "lib", "python3*", "site-packages"))
    add(os.path.join(prefix, "lib", "python3*", "dist-packages"))
    add(os.path.join(prefix, "lib", "python3", "dist-packages"))
    real_prefix = os.path.dirname(os.path.dirname(os.path.realpath(interpreter)))
    if venv:
        try:
            cfg = _read_head(os.path.join(prefix, "pyvenv.cfg"), 8192).decode("utf-8", "replace")
        except OSError:
            cfg = ""
        shared = any(
            line.split("=", 1)[0].strip() == "include-system-site-packages"
            and line.split("=", 1)[1].strip().lower() == "true"
            for line in cfg.splitlines()
            if "=" in line
        )
        if not shared:
            return dirs
    if real_prefix != prefix:
        add(os.path.join(real_prefix, "local", "lib", "python3*", "dist-packages"))
        add(os.path.join(real_prefix, "lib", "python3*", "site-packages"))
        add(os.path.join(real_prefix, "lib", "python3", "dist-packages"))
    return dirs


def _version_in_init(package_dir: str) -> str | None:
    text = _read_head(os.path.join(package_dir, "__init__.py"), 16384).decode("utf-8", "replace")
    for line in text.splitlines():
        if line.startswith("__version__"):
            match = _version_re().search(line)
            if match:
                return match.group(0)
    return None


def _version_in_metadata(site: str) -> tuple[str, str] | None:
    """(version, file) from awscli-X.Y.Z.dist-info / .egg-info in one site folder."""
    try:
        names = sorted(os.listdir(site))
    except OSError:
        return None
    for name in names:
        lowered = name.lower()
        if lowered.startswith("awscli-") and lowered.endswith((".dist-info", ".egg-info")):
            match = _version_re().search(name[len("awscli-"):])
            if match:
                return match.group(0), os.path.join(site, name)
    return None


def _python_install(
    script: str, interpreter: str, environ: Mapping[str, str], isolated: bool = False
) -> tuple[str, str, list[str]] | None:
    """(version, how, files read) for a Python-script install, without running it."""
    home = environ.get("HOME") or os.path.expanduser("~")
    inputs = [script, interpreter]
    sites = _site_dirs(interpreter, home)
    if not isolated:
        # The interpreter reads its environment: PYTHONPATH (and the script's own folder)
        # come before every site folder, so `PYTHONPATH=…/awscli-v1 /usr/bin/aws` is v1.
        if environ.get("PYTHONHOME"):
            return None  # another prefix: only asking the CLI tells
        user = os.path.join(home, ".local", "lib")
        if environ.get("PYTHONNOUSERSITE") or environ.get("PYTHONUSERBASE"):
            sites = [site for site in sites if not site.startswith(user + os.sep)]
        base = environ.get("PYTHONUSERBASE")
        if base and not environ.get("PYTHONNOUSERSITE"):
            import glob

            pattern = os.path.join(base, "lib", "python3*", "site-packages")
            sites = sorted(glob.glob(pattern), reverse=True) + sites
        path = [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        sites = [os.path.dirname(script), *path, *sites]
    # Python imports `awscli` from the first folder that has it.
    for site in sites:
        package = os.path.join(site, "awscli")
        if os.path.isfile(os.path.join(package, "__init__.py")):
            init = os.path.join(package, "__init__.py")
            version = _version_in_init(package)
            meta = _version_in_metadata(site)
            if version is None and meta is not None:
                version = meta[0]
            if version is not None:
                return version, f"awscli {version} in {site}", [*inputs, init, site]
    # An editable or zipped install: no package folder, but the metadata says which.
    for site in sites:
        meta = _version_in_metadata(site)
        if meta is not None:
            return meta[0], f"{os.path.basename(meta[1])} in {site}", [*inputs, meta[1], site]
    return None


def _pyenv_target(path: str, head: bytes, environ: Mapping[str, str]) -> str | None:
    """The `aws` a pyenv shim would run, from PYENV_VERSION / .python-version / version."""
    if b"pyenv" not in head:
        return None
    root = environ.get("PYENV_ROOT") or os.path.dirname(os.path.dirname(os.path.realpath(path)))
    version = environ.get("PYENV_VERSION", "").split(":")[0].strip()
    if not version:
        directory = os.getcwd()
        while True:
            candidate = os.path.join(directory, ".python-version")
            if os.path.isfile(candidate):
                version = _read_head(candidate, 256).decode("utf-8", "replace").split()[0:1]
                version = version[0] if version else ""
                break
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
    if not version:
        words = _read_head(os.path.join(root, "version"), 256).decode("utf-8", "replace").split()
        version = words[0] if words else ""
    if not version or version == "system" or os.sep in version:
        return None
    target = os.path.join(root, "versions", version, "bin", "aws")
    return target if _executable(target) else None


def _inspect(path: str, environ: Mapping[str, str], depth: int = 0) -> RealCli | None:
    """What the files say, or None when only running it can tell."""
    resolved = os.path.realpath(path)
    match = None
    marker = f"{os.sep}v2{os.sep}"
    if marker in resolved:
        match = _version_re().search(resolved.split(marker, 1)[1].split(os.sep, 1)[0])
    if match is not None:
        # The official installer: .../aws-cli/v2/2.15.30/dist/aws
        return RealCli(path, resolved, match.group(0), 2, "installer folder", [resolved])
    head = _read_head(resolved)
    if head.startswith((b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")):
        return None  # a frozen binary (v2): its version only by asking it
    interpreter = _shebang(head, environ)
    # Only a Python interpreter imports the awscli package: a shell script that merely
    # mentions awscli (a wrapper, a stand-in) is asked with --version instead.
    python = interpreter is not None and os.path.basename(interpreter).startswith(
        ("python", "pypy")
    )
    if python and b"awscli" in head:
        # `#!/usr/bin/python3 -I` (or -E) ignores PYTHONPATH and the like
        flags = head[2:].split(b"\n", 1)[0].split()[1:]
        isolated = any(f[:1] == b"-" and (b"I" in f or b"E" in f) for f in flags)
        found = _python_install(resolved, interpreter, environ, isolated)
        if found is not None:
            version, how, inputs = found
            return RealCli(path, resolved, version, _major_of(version), how, inputs)
        return None
    if depth == 0:
        target = _pyenv_target(resolved, head, environ)
        if target is not None:
            inner = _inspect(target, environ, depth + 1)
            if inner is not None:
                inner.path = path
                inner.how = f"pyenv shim -> {target}: {inner.how}"
                return inner
    return None


class RealCli:
    """The real CLI: where it is, its exact version, and how awsguard knows."""

    __slots__ = ("path", "resolved", "version", "major", "how", "inputs")

    def __init__(
        self,
        path: str,
        resolved: str,
        version: str | None,
        major: int,
        how: str = "",
        inputs: list[str] | None = None,
    ) -> None:
        self.path = path
        self.resolved = resolved
        self.version = version  # None: not known (then the newest of `major` is assumed)
        self.major = major
        self.how = how
        self.inputs = list(inputs or [])

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "resolved": self.resolved,
            "version": self.version,
            "major": self.major,
            "how": self.how,
        }

    @property
    def stamp(self) -> str:
        """Path and version in one line: what a remembered decision depends on."""
        return f"{self.resolved}@{self.version or f'v{self.major}'}"


def _cache_file(environ: Mapping[str, str] = os.environ) -> str:
    from . import paths

    return os.path.join(paths.xdg_str(environ, "XDG_CACHE_HOME", ".cache"), "realcli.json")


def cache_path(environ: Mapping[str, str] = os.environ) -> str:
    """Where what was learnt about real CLIs is kept: others stamp it, only we read it."""
    return _cache_file(environ)


def _inputs_key(inputs: list[str], wrapper: bool, environ: Mapping[str, str]) -> str:
    parts = [f"{p}={_file_stamp(p)}" for p in inputs]
    # What a Python script's interpreter imports `awscli` from.
    parts += [f"{v}={environ.get(v, '')}" for v in _PYTHON_SELECTORS if environ.get(v)]
    if wrapper:
        # A wrapper picks its installation from variables and the current folder.
        parts.append("cwd=" + os.getcwd())
        parts += [f"{v}={environ.get(v, '')}" for v in _WRAPPER_SELECTORS]
    return "|".join(parts)


def _read_cache(environ: Mapping[str, str]) -> dict:
    from . import jsonlite, safefs  # read on every call of the shim: no `json` import

    try:
        data = jsonlite.loads(safefs.read_text(_cache_file(environ)))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _cached(path: str, environ: Mapping[str, str]) -> RealCli | None:
    entry = _read_cache(environ).get(path)
    if not isinstance(entry, dict):
        return None
    inputs = entry.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(p, str) for p in inputs):
        return None
    if entry.get("key") != _inputs_key(inputs, bool(entry.get("wrapper")), environ):
        return None
    major = entry.get("major")
    version = entry.get("version")
    if major not in (1, 2) or not (version is None or isinstance(version, str)):
        return None
    return RealCli(
        path, str(entry.get("resolved") or path), version, major, str(entry.get("how", "")),
        inputs,
    )


def _remember(info: RealCli, wrapper: bool, environ: Mapping[str, str]) -> None:
    import json

    from . import safefs

    data = _read_cache(environ)
    data[info.path] = {
        **info.as_dict(),
        "inputs": info.inputs,
        "wrapper": wrapper,
        "key": _inputs_key(info.inputs, wrapper, environ),
    }
    try:
        safefs.write(_cache_file(environ), json.dumps(data, indent=1), durable=False)
    except OSError:
        pass  # a cache we cannot write only costs time


def _probe(path: str, environ: Mapping[str, str]) -> RealCli:
    """Ask `aws --version` (once per installation: the answer is cached)."""
    import subprocess

    env = dict(environ)
    env[EXEC_TARGET_VAR] = os.path.realpath(path)
    env.pop("AWS_CLI_AUTO_PROMPT", None)  # `--version` never prompts, but be sure
    try:
        proc = subprocess.run(
            [path, "--version"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as err:
        raise RealCliNotFound([path], f"`{path} --version` could not run ({err})") from None
    out = (proc.stdout + proc.stderr).strip()
    found = None
    for word in out.split():
        if word.startswith("aws-cli/"):
            found = _version_re().match(word[len("aws-cli/"):])
            break
    if found is None:
        raise RealCliNotFound([path], f"`{path} --version` printed no aws-cli version: {out!r}")
    version = found.group(0)
    return RealCli(
        path, os.path.realpath(path), version, _major_of(version), "`aws --version`",
        [os.path.realpath(path)],
    )


def identify(
    path: str, environ: Mapping[str, str] = os.environ, *, probe: bool = True
) -> RealCli:
    """The real CLI at `path` with its major and exact version.

    From the files when they tell (no process); otherwise `aws --version` once,
    cached. With probe=False nothing is started: an unknown version stays None
    (a frozen binary is v2; anything else unknown is assumed v2, the current CLI).
    """
    selectors = [environ.get(v, "") for v in _WRAPPER_SELECTORS]
    memo_key = "|".join([path, environ.get("HOME", ""), os.getcwd(), *selectors])
    memo = _memo.get(memo_key)
    if memo is not None and (memo.version is not None or not probe):
        return memo
    info = _cached(path, environ)
    if info is None:
        info = _inspect(path, environ)
        # Followed through a wrapper (pyenv): the answer depends on its selectors too.
        wrapper = info is not None and info.resolved != os.path.realpath(path)
        if info is None and probe:
            resolved = os.path.realpath(path)
            head = _read_head(resolved, 512)
            wrapper = not head.startswith((b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe"))
            try:
                info = _probe(path, environ)
            except RealCliNotFound:
                info = None
            if info is not None and wrapper:
                info.inputs = [resolved]
        if info is None:
            info = RealCli(path, os.path.realpath(path), None, 2, "assumed (unknown install)")
            if probe:
                # Asked and it did not say: remembered too (keyed on its file like any
                # answer), or every call would start it again. `awsguard real` asks anew.
                info.inputs = [info.resolved]
                _remember(info, True, environ)
        else:
            _remember(info, wrapper, environ)
    _memo[memo_key] = info
    return info


def guess_major(path: str, environ: Mapping[str, str] = os.environ) -> int:
    """The real CLI's major version (see `identify`)."""
    return identify(path, environ).major


def version_stamp(path: str, environ: Mapping[str, str] = os.environ) -> str:
    """What a remembered decision (plancache) must include about the real CLI: its
    resolved path, that file's size and mtime (an apt/pip/brew upgrade rewrites it),
    the variables a wrapper picks an installation by, and the stamp of awsguard's own
    record of versions (so `awsguard real` learning a version decides afresh).

    Two stat calls and no import: cheap enough for every call of the shim.
    """
    resolved = os.path.realpath(path)
    parts = [resolved, _file_stamp(resolved), _file_stamp(_cache_file(environ))]
    parts += [environ.get(v, "") for v in _WRAPPER_SELECTORS if environ.get(v)]
    return "|".join(parts)


def describe(path: str, environ: Mapping[str, str] = os.environ) -> RealCli:
    """`awsguard real`: the real CLI with its exact version; raises RealCliNotFound
    when even `aws --version` does not say."""
    info = identify(path, environ)
    if info.version is None:
        info = _probe(path, environ)
        _remember(info, True, environ)
        _memo.clear()
    return info


def exec_real(path: str, argv: list[str], environ: Mapping[str, str]) -> None:
    """Replace this process with the real CLI: same fds, same terminal, same signals."""
    exec_program(path, [path, *argv], _marked(path, environ))


def run_real(path: str, argv: list[str], environ: Mapping[str, str]) -> int:
    """Run the real CLI as a child and return its status (see `run_program`)."""
    return run_program(path, [path, *argv], _marked(path, environ))


def _marked(path: str, environ: Mapping[str, str]) -> dict[str, str]:
    env = dict(environ)
    env[EXEC_TARGET_VAR] = os.path.realpath(path)
    return env


def exec_program(path: str, argv: list[str], environ: Mapping[str, str]) -> None:
    """Replace this process with `path` (the real CLI, or any program for `awsguard
    exec`): it gets our pid, terminal, fds and signals. `argv` includes argv[0]."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(path, argv, dict(environ))


def run_program(path: str, argv: list[str], environ: Mapping[str, str]) -> int:
    """Run `path` as a child and return its status (negative: killed by that signal).
    `argv` includes argv[0].

    The child shares our terminal, file descriptors and process group, so Ctrl-C
    reaches it directly from the terminal; like a shell, we ignore SIGINT and
    SIGQUIT while it runs, and forward SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2.
    posix_spawn keeps the `subprocess` import off the shim's path.
    """
    import _signal as signal  # `signal` builds IntEnums at import: milliseconds

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
            argv,
            dict(environ),
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
