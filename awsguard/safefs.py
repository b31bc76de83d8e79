"""The one door to awsguard's own files, checked the way OpenSSH's StrictModes checks ~/.ssh.

awsguard's caches, state and logs decide whether a delete runs, so they are input
an attacker would like to write. A state file is used only when:

  - its directory is a real directory (not a symlink) owned by us and writable by
    no one else, and the directory above it is owned by us or root and cannot be
    renamed away by others (not group/world-writable, or sticky like /tmp);
  - the file is opened without following a symlink (O_NOFOLLOW), and `fstat` on the
    open descriptor shows a regular file owned by us, writable by no one else, with
    one link (no hard link planted to a file elsewhere), and no larger than the cap.

Anything else raises `Unsafe` (an OSError, so a caller's `except OSError` treats it
as "no cache") after printing ONE warning line for that path; the command is then
decided as if the file did not exist. Writes go to a temporary file in the same
directory, renamed over the target (atomic); appends use O_APPEND|O_NOFOLLOW.

`read_outside` is for files awsguard reads but does not own (the AWS config and
credentials files, config.toml, the alias file): symlinks are allowed there, but
only a regular file is read, never more than a size cap, and opening never blocks
(a FIFO or /dev/zero in place of ~/.aws/config must not hang the shim).

Standard library only, and only builtin modules: the shim imports this on every call.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from os import PathLike

    StrPath = str | PathLike[str]

STATE_CAP = 4 * 1024 * 1024  # our own caches and indexes are small
OUTSIDE_CAP = 8 * 1024 * 1024  # AWS config/credentials, alias file: generous
CONFIG_CAP = 1024 * 1024  # awsguard's config.toml

_S_IFMT = 0o170000
_S_IFREG = 0o100000
_S_IFDIR = 0o040000
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_READ = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC

_warned: set[str] = set()
# Tests and `awsguard doctor` may want the lines instead of stderr.
quiet = False


class Unsafe(OSError):
    """A file or directory awsguard will not trust; the warning is already printed."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(why)
        self.path = path
        self.why = why

    def __str__(self) -> str:
        return f"{self.path}: {self.why}"


def _escape(text: str) -> str:
    # A path from the environment may hold control characters: never raw to a terminal.
    if text.isprintable():
        return text
    from .redact import escape

    return escape(text)


def warn_once(path: str, why: str, consequence: str) -> None:
    """One line on stderr per path and process."""
    if path in _warned:
        return
    _warned.add(path)
    if quiet:
        return
    try:
        sys.stderr.write(f"awsguard: warning: {_escape(path)}: {_escape(why)}; {consequence}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


def _unsafe(path: str, why: str) -> Unsafe:
    warn_once(
        path,
        why,
        "awsguard ignores it and decides as if it did not exist. Remove it, or make it "
        "yours and writable only by you (chmod go-w).",
    )
    return Unsafe(path, why)


def _owner_problem(st: os.stat_result, uid: int, allow_root: bool = False) -> str | None:
    if st.st_uid != uid and not (allow_root and st.st_uid == 0):
        return f"owned by uid {st.st_uid}, not by you (uid {uid})"
    return None


def _check_parent(directory: str, uid: int) -> None:
    parent = os.path.dirname(directory.rstrip("/")) or "/"
    try:
        st = os.stat(parent)
    except OSError:
        return  # the directory itself cannot exist either: its check reports it
    problem = _owner_problem(st, uid, allow_root=True)
    if problem is None and st.st_mode & 0o022 and not st.st_mode & 0o1000:
        problem = "others can write to it, so they could swap awsguard's folder inside"
    if problem:
        raise _unsafe(parent, f"the folder above awsguard's {directory} is {problem}")


def check_dir(directory: StrPath) -> None:
    """Raise Unsafe unless `directory` is ours, private, and not a symlink."""
    directory = os.fspath(directory)
    uid = os.geteuid()
    st = os.lstat(directory)  # FileNotFoundError passes through: no cache
    if st.st_mode & _S_IFMT != _S_IFDIR:
        raise _unsafe(directory, "is not a real directory (a symlink or a file)")
    problem = _owner_problem(st, uid)
    if problem:
        raise _unsafe(directory, problem)
    if st.st_mode & 0o022:
        # Ours but loose (an old install, a umask): tighten it; what others may have put
        # inside meanwhile is not ours and fails the per-file checks.
        try:
            os.chmod(directory, 0o700, follow_symlinks=False)
        except (OSError, NotImplementedError):
            raise _unsafe(directory, "others can write to it") from None
    _check_parent(directory, uid)


def ensure_dir(directory: StrPath) -> str:
    """Create `directory` (0700, parents as needed) or check the existing one."""
    directory = os.fspath(directory)
    try:
        check_dir(directory)
        return directory
    except FileNotFoundError:
        pass
    parent = os.path.dirname(directory.rstrip("/"))
    if parent and not os.path.isdir(parent):
        os.makedirs(parent, mode=0o700, exist_ok=True)
    # Never create anything inside a folder someone else controls.
    _check_parent(directory, os.geteuid())
    try:
        os.mkdir(directory, 0o700)
    except FileExistsError:
        pass  # raced with another awsguard: check what is there now
    check_dir(directory)
    return directory


def _check_file(fd: int, path: str, cap: int, *, ours: bool) -> os.stat_result:
    st = os.fstat(fd)
    if st.st_mode & _S_IFMT != _S_IFREG:
        raise _unsafe(path, "is not a regular file (a FIFO, device or directory)")
    if ours:
        problem = _owner_problem(st, os.geteuid())
        if problem:
            raise _unsafe(path, problem)
        if st.st_mode & 0o022:
            raise _unsafe(path, "others can write to it")
        if st.st_nlink > 1:
            raise _unsafe(path, "has other hard links (it may be a file elsewhere)")
    if st.st_size > cap:
        raise _unsafe(path, f"is larger than awsguard reads ({st.st_size} > {cap} bytes)")
    return st


def _read_fd(fd: int, path: str, cap: int) -> bytes:
    chunks = []
    total = 0
    while True:
        try:
            chunk = os.read(fd, min(1 << 20, cap + 1 - total))
        except BlockingIOError:
            raise _unsafe(path, "did not answer a read (not a plain file)") from None
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > cap:
            raise _unsafe(path, f"grew beyond what awsguard reads ({cap} bytes)")
    return b"".join(chunks)


def _open(path: str, flags: int) -> int:
    try:
        return os.open(path, flags, 0o600)
    except OSError as err:
        if err.errno == 40:  # ELOOP: the last component is a symlink and O_NOFOLLOW
            raise _unsafe(path, "is a symlink; awsguard does not follow links here") from None
        if err.errno == 6:  # ENXIO: a FIFO with no writer opened for writing
            raise _unsafe(path, "is not a regular file (a FIFO)") from None
        raise


def read(path: StrPath, cap: int = STATE_CAP) -> bytes:
    """The bytes of one of awsguard's own files, after the StrictModes checks.

    FileNotFoundError when it does not exist; Unsafe (warned once) when it fails them.
    """
    path = os.fspath(path)
    check_dir(os.path.dirname(path) or ".")
    fd = _open(path, _READ)
    try:
        _check_file(fd, path, cap, ours=True)
        return _read_fd(fd, path, cap)
    finally:
        os.close(fd)


def read_tail(path: StrPath, size: int) -> bytes:
    """The last `size` bytes of one of awsguard's own files (a log), after the checks."""
    path = os.fspath(path)
    check_dir(os.path.dirname(path) or ".")
    fd = _open(path, _READ)
    try:
        st = _check_file(fd, path, 1 << 62, ours=True)
        if st.st_size > size:
            os.lseek(fd, st.st_size - size, 0)
        return _read_fd(fd, path, size)
    finally:
        os.close(fd)


def read_text(path: StrPath, cap: int = STATE_CAP) -> str:
    return read(path, cap).decode("utf-8", "replace")


def read_outside(
    path: StrPath, cap: int = OUTSIDE_CAP, *, trusted: bool = False, warn: bool = True
) -> bytes:
    """A file awsguard reads but does not own: follow links, but read only a regular
    file of at most `cap` bytes, and never block (FIFO, device, /dev/zero).

    With `trusted` (awsguard's own config.toml: it decides what is guarded), the file
    must also be owned by you or root and writable by no one else. With `warn=False`
    the caller reports the problem itself (its one line).

    FileNotFoundError when it does not exist; Unsafe (warned once) for anything else
    that is not a plain readable file; other OSErrors (permission) pass through.
    """
    path = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _CLOEXEC)
    except IsADirectoryError:
        raise _unsafe_outside(path, warn, "is a directory") from None
    try:
        st = os.fstat(fd)
        if st.st_mode & _S_IFMT != _S_IFREG:
            raise _unsafe_outside(path, warn, "is not a regular file (a FIFO, device or directory)")
        if st.st_size > cap:
            raise _unsafe_outside(path, warn, f"is larger than awsguard reads ({st.st_size} bytes)")
        if trusted:
            owner = _owner_problem(st, os.geteuid(), allow_root=True)
            if owner:
                raise _unsafe_outside(path, warn, f"is {owner}")
            if st.st_mode & 0o022:
                raise _unsafe_outside(path, warn, "is writable by others")
        return _read_fd(fd, path, cap)
    finally:
        os.close(fd)


def _unsafe_outside(path: str, warn: bool, why: str) -> Unsafe:
    if warn:
        warn_once(
            path,
            why,
            "awsguard does not read it: commands that need a confirmation are refused, "
            "others run.",
        )
    return Unsafe(path, why)


def write(path: StrPath, data: bytes | str, *, durable: bool = True) -> None:
    """Atomically replace one of awsguard's files: 0600, temp file + rename, same dir."""
    path = os.fspath(path)
    directory = ensure_dir(os.path.dirname(path) or ".")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    name = os.path.basename(path)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
    try:
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def append(path: StrPath, data: bytes | str, cap: int | None = None) -> None:
    """Append to one of awsguard's files (created 0600): never through a symlink, never
    to a file that is not ours. With `cap`, a file already larger is not appended to."""
    path = os.fspath(path)
    ensure_dir(os.path.dirname(path) or ".")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW | _NONBLOCK | _CLOEXEC
    fd = _open(path, flags)
    try:
        _check_file(fd, path, cap if cap is not None else 1 << 62, ours=True)
        view = memoryview(raw)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
