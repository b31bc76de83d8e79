"""A lean Secret Service reader: one keyring item over raw D-Bus, standard library only.

Why it exists: reading one item through the `keyring` package costs 100–450 ms per
`aws` call (importing keyring, importlib_metadata, secretstorage, jeepney and
cryptography; a Diffie-Hellman session; eight D-Bus calls). The same read over the
session bus's Unix socket, with the Secret Service's `plain` transport, is three
round trips and a few milliseconds (README, "Overhead").

What it reads is exactly what `keyring`'s SecretService backend writes: the first
item of the default collection (the `aliases/default` path) whose attributes are
{"service": SERVICE, "username": NAME}. It never unlocks, prompts, writes or caches:
a locked collection, a missing bus, another keyring backend chosen by the user, or
anything unexpected raises Unavailable, and the caller reads through `keyring` as
before. The secret stays in this process's memory; nothing touches the disk.

The `plain` transport sends the secret unencrypted over the bus socket. The bus
daemon checks on connection that the peer is this user (SASL EXTERNAL against the
socket's peer credentials); only a process of the same user could listen, and such
a process can ask the unlocked keyring for the item directly. The DH transport
guards against the bus daemon itself, which is trusted anyway.
"""

from __future__ import annotations

import os
import struct
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

SECRETS = "org.freedesktop.secrets"
SECRETS_PATH = "/org/freedesktop/secrets"
DEFAULT_COLLECTION = "/org/freedesktop/secrets/aliases/default"
SS = "org.freedesktop.Secret."
KEYRING_BACKEND = "keyring.backends.SecretService.Keyring"
TIMEOUT = 1.0  # seconds for every socket operation; a healthy bus answers in < 1 ms
DISABLE_VAR = "AWSGUARD_FAST_KEYRING"


class Unavailable(Exception):
    """The fast path cannot answer; the message says why in a few words."""


class NotApplicable(Unavailable):
    """The user chose another keyring backend (or this platform has none): no news."""


# --- when the fast path applies ------------------------------------------------------------


def _keyringrc(environ: Mapping[str, str]) -> str | None:
    """The `keyring` package's config file on Linux, when there is one."""
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(
        environ.get("HOME") or os.path.expanduser("~"), ".config"
    )
    path = os.path.join(base, "python_keyring", "keyringrc.cfg")
    return path if os.path.exists(path) else None


def applies(environ: Mapping[str, str] = os.environ) -> str | None:
    """None when `keyring` would use the Secret Service here; otherwise why not.

    A user who chose another backend (PYTHON_KEYRING_BACKEND, keyringrc.cfg) keeps it:
    the fast path only stands in for the backend `keyring` would pick itself.
    """
    if environ.get(DISABLE_VAR) == "0":
        return f"{DISABLE_VAR}=0"
    if sys.platform in ("darwin", "win32"):
        return f"no Secret Service on {sys.platform}"
    chosen = environ.get("PYTHON_KEYRING_BACKEND", "")
    if chosen and chosen != KEYRING_BACKEND:
        return f"PYTHON_KEYRING_BACKEND={chosen}"
    if not chosen:
        # keyring prefers KWallet on a KDE desktop when it can reach it.
        if "KDE" in environ.get("XDG_CURRENT_DESKTOP", "").upper():
            return "a KDE desktop (keyring may choose KWallet)"
        rc = _keyringrc(environ)
        if rc is not None:
            return f"{rc} chooses the keyring backend"
    return None


def bus_address(environ: Mapping[str, str] = os.environ) -> str:
    address = environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    if address:
        return address
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.exists(os.path.join(runtime, "bus")):
        return "unix:path=" + os.path.join(runtime, "bus")
    raise Unavailable("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)")


def _unescape(value: str) -> str:
    # D-Bus addresses percent-escape bytes outside [-0-9A-Za-z_/.\*].
    if "%" not in value:
        return value
    out = bytearray()
    i = 0
    raw = value.encode()
    while i < len(raw):
        if raw[i : i + 1] == b"%" and i + 2 < len(raw) + 1:
            out.append(int(raw[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return out.decode()


def socket_targets(address: str) -> list[str | bytes]:
    """The Unix socket addresses in a D-Bus address string, in order (others skipped)."""
    found: list[str | bytes] = []
    for entry in address.split(";"):
        transport, _, params = entry.partition(":")
        if transport != "unix":
            continue
        keys = dict(p.partition("=")[::2] for p in params.split(",") if p)
        if "path" in keys:
            found.append(_unescape(keys["path"]))
        elif "abstract" in keys:
            found.append(b"\0" + _unescape(keys["abstract"]).encode())
    return found


# --- D-Bus wire format (little endian) ------------------------------------------------------

_ALIGN = {
    "y": 1,
    "b": 4,
    "n": 2,
    "q": 2,
    "i": 4,
    "u": 4,
    "x": 8,
    "t": 8,
    "d": 8,
    "s": 4,
    "o": 4,
    "g": 1,
    "a": 4,
    "(": 8,
    "{": 8,
    "v": 1,
    "h": 4,
}
_FIXED = {
    "y": "B",
    "b": "I",
    "n": "h",
    "q": "H",
    "i": "i",
    "u": "I",
    "x": "q",
    "t": "Q",
    "d": "d",
    "h": "I",
}


def _one_type(signature: str, start: int) -> int:
    """Index just after the single complete type starting at `start`."""
    code = signature[start]
    if code == "a":
        return _one_type(signature, start + 1)
    if code in "({":
        close = ")" if code == "(" else "}"
        i = start + 1
        while signature[i] != close:
            i = _one_type(signature, i)
        return i + 1
    return start + 1


def split_signature(signature: str) -> list[str]:
    types = []
    i = 0
    while i < len(signature):
        end = _one_type(signature, i)
        types.append(signature[i:end])
        i = end
    return types


class _Writer:
    def __init__(self) -> None:
        self.buf = bytearray()

    def pad(self, n: int) -> None:
        self.buf.extend(b"\0" * (-len(self.buf) % n))

    def write(self, sig: str, value: Any) -> None:
        code = sig[0]
        self.pad(_ALIGN[code])
        if code in _FIXED:
            self.buf.extend(struct.pack("<" + _FIXED[code], value))
        elif code in "so":
            raw = value.encode()
            self.buf.extend(struct.pack("<I", len(raw)) + raw + b"\0")
        elif code == "g":
            raw = value.encode()
            self.buf.extend(bytes([len(raw)]) + raw + b"\0")
        elif code == "v":
            inner, payload = value
            self.write("g", inner)
            self.write(inner, payload)
        elif code == "a":
            element = sig[1:]
            at = len(self.buf)
            self.buf.extend(b"\0\0\0\0")
            self.pad(_ALIGN[element[0]])
            begin = len(self.buf)
            items = value.items() if element[0] == "{" else value
            for item in items:
                self.write(element, item)
            struct.pack_into("<I", self.buf, at, len(self.buf) - begin)
        elif code in "({":
            for part, item in zip(split_signature(sig[1:-1]), value, strict=True):
                self.write(part, item)
        else:  # pragma: no cover - not used by our calls
            raise ValueError(f"cannot write D-Bus type {sig!r}")


class _Reader:
    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.at = offset

    def align(self, n: int) -> None:
        self.at += -self.at % n

    def read(self, sig: str) -> Any:
        code = sig[0]
        self.align(_ALIGN[code])
        if code in _FIXED:
            fmt = "<" + _FIXED[code]
            (value,) = struct.unpack_from(fmt, self.data, self.at)
            self.at += struct.calcsize(fmt)
            return value
        if code in "so":
            (size,) = struct.unpack_from("<I", self.data, self.at)
            text = self.data[self.at + 4 : self.at + 4 + size].decode()
            self.at += 4 + size + 1
            return text
        if code == "g":
            size = self.data[self.at]
            text = self.data[self.at + 1 : self.at + 1 + size].decode()
            self.at += 1 + size + 1
            return text
        if code == "v":
            inner = self.read("g")
            return inner, self.read(inner)
        if code == "a":
            (size,) = struct.unpack_from("<I", self.data, self.at)
            self.at += 4
            element = sig[1:]
            self.align(_ALIGN[element[0]])
            end = self.at + size
            if element == "y":
                value = bytes(self.data[self.at : end])
                self.at = end
                return value
            items = []
            while self.at < end:
                items.append(self.read(element))
            return dict(items) if element[0] == "{" else items
        if code in "({":
            return tuple(self.read(part) for part in split_signature(sig[1:-1]))
        raise ValueError(f"cannot read D-Bus type {sig!r}")


METHOD_CALL, METHOD_RETURN, ERROR = 1, 2, 3


def method_call(
    serial: int,
    destination: str,
    path: str,
    interface: str,
    member: str,
    signature: str = "",
    args: tuple = (),
) -> bytes:
    body = _Writer()
    for part, value in zip(split_signature(signature), args, strict=True):
        body.write(part, value)
    fields = [(1, ("o", path)), (2, ("s", interface)), (3, ("s", member)), (6, ("s", destination))]
    if signature:
        fields.append((8, ("g", signature)))
    head = _Writer()
    head.buf.extend(b"l" + bytes([METHOD_CALL, 0, 1]))
    head.write("u", len(body.buf))
    head.write("u", serial)
    head.write("a(yv)", fields)
    head.pad(8)
    return bytes(head.buf + body.buf)


def parse_message(data: bytes) -> tuple[int, dict[int, Any], Any, int] | None:
    """(type, header fields, body values, length) of the first whole message, or None."""
    if len(data) < 16:
        return None
    if data[0:1] != b"l":
        raise Unavailable("the bus answered big-endian; not supported by the fast path")
    kind = data[1]
    body_len, _serial, fields_len = struct.unpack_from("<III", data, 4)
    header_end = 16 + fields_len
    body_start = header_end + (-header_end % 8)
    total = body_start + body_len
    if len(data) < total:
        return None
    fields = dict(_Reader(data[:header_end], 12).read("a(yv)"))
    values = {code: value[1] for code, value in fields.items()}
    signature = values.get(8, "")
    reader = _Reader(data[:total], body_start)
    body = tuple(reader.read(part) for part in split_signature(signature))
    return kind, values, body, total


# --- the connection -------------------------------------------------------------------------


class Connection:
    """One authenticated connection to the session bus, with a deadline on every read."""

    def __init__(self, address: str, timeout: float = TIMEOUT) -> None:
        # The C module: `socket.py` imports enum and selectors, ~8 ms on every call.
        import _socket as socket

        self.timeout = timeout
        self.serial = 0
        self.pending = b""
        targets = socket_targets(address)
        if not targets:
            raise Unavailable("the session bus address has no Unix socket")
        last: OSError | None = None
        for target in targets:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
            sock.settimeout(timeout)
            try:
                sock.connect(target)
            except OSError as err:
                sock.close()
                last = err
                continue
            self.sock = sock
            break
        else:
            raise Unavailable(f"cannot connect to the session bus ({_reason(last)})")
        try:
            self._authenticate()
        except Unavailable as err:
            self.close()
            # dbus-daemon hangs up on a peer of another user before answering.
            raise Unavailable(f"the session bus refused this user's connection ({err})") from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.sock.close()

    def _recv(self) -> bytes:
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            raise Unavailable(f"the session bus did not answer within {self.timeout:g} s") from None
        except OSError as err:
            raise Unavailable(f"the session bus connection failed ({_reason(err)})") from None
        if not chunk:
            # dbus-daemon hangs up on a peer that is not the bus's own user.
            raise Unavailable("the session bus closed the connection; is it another user's?")
        return chunk

    def _send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except TimeoutError:
            raise Unavailable(f"the session bus did not read within {self.timeout:g} s") from None
        except OSError as err:
            raise Unavailable(f"the session bus connection failed ({_reason(err)})") from None

    def _authenticate(self) -> None:
        uid = str(os.getuid()).encode().hex()
        self._send(b"\0AUTH EXTERNAL " + uid.encode() + b"\r\n")
        line = b""
        while b"\r\n" not in line:
            line += self._recv()
            if len(line) > 4096:
                raise Unavailable("the session bus sent an unexpected greeting")
        if not line.startswith(b"OK "):
            raise Unavailable("SASL EXTERNAL rejected")
        self._send(b"BEGIN\r\n")

    def send(
        self,
        destination: str,
        path: str,
        interface: str,
        member: str,
        signature: str = "",
        args: tuple = (),
    ) -> int:
        self.serial += 1
        self._send(method_call(self.serial, destination, path, interface, member, signature, args))
        return self.serial

    def reply(self, serial: int) -> tuple:
        """The body of the reply to `serial`; D-Bus errors raise BusError."""
        while True:
            parsed = parse_message(self.pending)
            while parsed is None:
                self.pending += self._recv()
                parsed = parse_message(self.pending)
            kind, fields, body, length = parsed
            self.pending = self.pending[length:]
            if fields.get(5) != serial:
                continue  # a signal (NameAcquired) or another call's reply
            if kind == ERROR:
                message = body[0] if body and isinstance(body[0], str) else ""
                raise BusError(str(fields.get(4, "?")), message)
            return body

    def call(self, *args: Any) -> tuple:
        return self.reply(self.send(*args))


class BusError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}" if message else name)
        self.name = name
        self.message = message


def _item_gone(err: BusError) -> bool:
    """The item found by the search no longer exists: a parallel writer replaced it
    (delete + create). Services say so by UnknownObject/NoSuchObject, and gnome-keyring
    also by UnknownMethod "Object does not exist at path …" (no such object exports the
    method); an UnknownMethod for any other reason is a real error, not retried."""
    if "UnknownObject" in err.name or "NoSuchObject" in err.name:
        return True
    return err.name.endswith(".UnknownMethod") and "Object does not exist" in err.message


def _reason(err: BaseException | None) -> str:
    if err is None:
        return "no socket"
    return getattr(err, "strerror", None) or type(err).__name__


# --- the read --------------------------------------------------------------------------------


def read_secret(
    service: str,
    username: str,
    environ: Mapping[str, str] = os.environ,
    timeout: float = TIMEOUT,
) -> str | None:
    """The secret `keyring.get_password(service, username)` would return, or None.

    Raises Unavailable when this path cannot answer for certain (the caller falls back).
    """
    why = applies(environ)
    if why is not None:
        raise NotApplicable(why)
    bus = Connection(bus_address(environ), timeout)
    try:
        # Three round trips: auth; Hello + OpenSession + SearchItems pipelined; GetSecret.
        hello = bus.send(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello"
        )
        opened = bus.send(
            SECRETS, SECRETS_PATH, SS + "Service", "OpenSession", "sv", ("plain", ("s", ""))
        )
        search = bus.send(
            SECRETS,
            DEFAULT_COLLECTION,
            SS + "Collection",
            "SearchItems",
            "a{ss}",
            ({"username": username, "service": service},),
        )
        try:
            bus.reply(hello)
            session = bus.reply(opened)[1]
            items = bus.reply(search)[0]
        except BusError as err:
            raise Unavailable(f"the Secret Service said {_short(err)}") from None
        if not items:
            return None
        for attempt in range(3):
            try:
                secret = bus.call(SECRETS, items[0], SS + "Item", "GetSecret", "o", (session,))
                break
            except BusError as err:
                if "IsLocked" in err.name:
                    raise Unavailable("the keyring is locked") from None
                # A parallel writer replaced the item (delete + create): search again.
                if attempt == 2 or not _item_gone(err):
                    raise Unavailable(f"the Secret Service said {_short(err)}") from None
                items = bus.call(
                    SECRETS,
                    DEFAULT_COLLECTION,
                    SS + "Collection",
                    "SearchItems",
                    "a{ss}",
                    ({"username": username, "service": service},),
                )[0]
                if not items:
                    return None
        _session, _params, value, _content_type = secret[0]
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise Unavailable("the keyring item is not UTF-8 text") from None
    except (ValueError, IndexError, TypeError, struct.error):
        raise Unavailable("the session bus sent a message the fast path cannot read") from None
    finally:
        bus.close()


def _short(err: BusError) -> str:
    return str(err).splitlines()[0][:160]


_told = False


def note_fallback(why: str) -> None:
    """One line on stderr, once per process: the slower `keyring` read follows."""
    global _told
    if _told:
        return
    _told = True
    try:
        sys.stderr.write(
            f"awsguard: fast keyring read unavailable ({why}); reading through the "
            f"`keyring` package, slower. ({DISABLE_VAR}=0 silences this.)\n"
        )
        sys.stderr.flush()
    except OSError:
        pass
