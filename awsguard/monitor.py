"""Client Side Monitoring listener: what API calls the real CLI made, and how each ended.

botocore (and so AWS CLI v1 and v2) sends one JSON datagram per HTTP attempt
(`ApiCallAttempt`) and one per client call (`ApiCall`) to AWS_CSM_HOST:AWS_CSM_PORT
when AWS_CSM_ENABLED=true (botocore/monitoring.py, CSMSerializer). The shim owns
an ephemeral UDP port on loopback, points the child at it, keeps a whitelist of
fields, and forwards every datagram unchanged to the user's own listener if they
have one (iamlive, say).

The shim imports this module on every call that reaches AWS: socket, select,
threading and json are imported only when a monitor starts.
"""

from __future__ import annotations

import os
from .record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

CLIENT_ID = "awsguard"
# botocore's defaults for csm_host and csm_port (configprovider.py).
DEFAULT_CSM_HOST = "127.0.0.1"
DEFAULT_CSM_PORT = 31000
# A datagram never exceeds 8 KiB (SocketPublisher._MAX_MONITOR_EVENT_LENGTH).
_MAX_DATAGRAM = 65535


@record(frozen=True)
class ApiEvent:
    """One CSM event, reduced to what a diagnosis needs. Never holds a secret.

    A `record` (awsguard/record.py), not a dataclass: the shim imports this module on
    every call that reaches AWS, and `dataclasses` costs milliseconds of imports.
    """

    kind: str  # "ApiCall" (the client call) or "ApiCallAttempt" (one HTTP request)
    service: str | None
    api: str | None
    http_status: int | None = None
    aws_exception: str | None = None
    aws_exception_message: str | None = None
    sdk_exception: str | None = None
    sdk_exception_message: str | None = None
    region: str | None = None
    fqdn: str | None = None
    access_key: str | None = None  # masked: AKIA…WXYZ
    timestamp_ms: int | None = None
    attempt_count: int | None = None

    @property
    def is_call(self) -> bool:
        return self.kind == "ApiCall"


def mask_key(key: str | None) -> str | None:
    """redact.mask_key for a key id from a datagram (None when there is none)."""
    if not key:
        return None
    from .redact import mask_key as mask

    return mask(key)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_event(raw: bytes) -> ApiEvent | None:
    """The fields awsguard keeps from one datagram, or None if it is not a CSM event.

    Only named fields are copied, so SessionToken (sent by botocore whenever the
    request carried X-Amz-Security-Token) and anything else never reach memory
    beyond this function.
    """
    from .jsonlite import loads  # `json` would cost milliseconds on every call

    try:
        data = loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("Type")
    if kind not in ("ApiCall", "ApiCallAttempt"):
        return None
    prefix = "Final" if kind == "ApiCall" else ""
    return ApiEvent(
        kind=kind,
        service=_text(data.get("Service")),
        api=_text(data.get("Api")),
        http_status=_int(data.get(prefix + "HttpStatusCode")),
        aws_exception=_text(data.get(prefix + "AwsException")),
        aws_exception_message=_text(data.get(prefix + "AwsExceptionMessage")),
        sdk_exception=_text(data.get(prefix + "SdkException")),
        sdk_exception_message=_text(data.get(prefix + "SdkExceptionMessage")),
        region=_text(data.get("Region")),
        fqdn=_text(data.get("Fqdn")),
        access_key=mask_key(_text(data.get("AccessKey"))),
        timestamp_ms=_int(data.get("Timestamp")),
        attempt_count=_int(data.get("AttemptCount")),
    )


def _truthy(value: object) -> bool:
    return str(value).strip().lower() == "true"


def user_csm_target(
    environ: Mapping[str, str], profile_config: Mapping[str, str] | None = None
) -> tuple[str, int] | None:
    """Where the user's own CSM listener is, if they switched CSM on; else None.

    Same precedence as botocore: environment first, then the profile's
    csm_enabled / csm_host / csm_port, then botocore's defaults.
    """
    profile_config = profile_config or {}
    enabled = environ.get("AWS_CSM_ENABLED")
    if enabled is None:
        enabled = profile_config.get("csm_enabled")
    if not _truthy(enabled):
        return None
    host = environ.get("AWS_CSM_HOST") or profile_config.get("csm_host") or DEFAULT_CSM_HOST
    port_text = environ.get("AWS_CSM_PORT") or profile_config.get("csm_port")
    try:
        port = int(port_text) if port_text else DEFAULT_CSM_PORT
    except ValueError:
        return None
    if not 0 < port < 65536:
        return None
    return host, port


class Monitor:
    """A UDP listener on 127.0.0.1, port chosen by the kernel, read on a thread."""

    def __init__(self, forward_to: tuple[str, int] | None = None) -> None:
        self.forward_to = forward_to
        self._sock = None
        self._thread = None
        self._wake_r = -1
        self._wake_w = -1
        self._events: list[ApiEvent] = []
        self._lock = None
        self.port: int = 0

    def start(self) -> Monitor:
        import _thread  # `threading` would cost the shim milliseconds of imports

        try:
            # The C module: `socket` itself builds IntEnums at import (milliseconds).
            import _socket as socket
        except ImportError:  # not CPython
            import socket  # type: ignore[no-redef]

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            # Room for a burst (`aws s3 sync` over many keys) while the thread is busy.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        except OSError:
            pass
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        self._sock = sock
        self.port = sock.getsockname()[1]
        self._lock = _thread.allocate_lock()
        self._wake_r, self._wake_w = os.pipe()
        # Held by the reader thread while it runs: acquiring it is joining it.
        self._thread = _thread.allocate_lock()
        self._thread.acquire()
        _thread.start_new_thread(self._run_then_release, ())
        return self

    def child_env(self, environ: Mapping[str, str]) -> dict[str, str]:
        """The environment for the real CLI: CSM on, pointed at this monitor."""
        env = dict(environ)
        env["AWS_CSM_ENABLED"] = "true"
        env["AWS_CSM_HOST"] = "127.0.0.1"
        env["AWS_CSM_PORT"] = str(self.port)
        env.setdefault("AWS_CSM_CLIENT_ID", CLIENT_ID)
        return env

    def _handle(self, raw: bytes) -> None:
        if self.forward_to is not None:
            try:
                self._sock.sendto(raw, self.forward_to)
            except OSError:
                pass  # the user's listener is gone: their problem to see, not ours to raise
        event = parse_event(raw)
        if event is not None:
            with self._lock:
                self._events.append(event)

    def _drain(self) -> int:
        count = 0
        while True:
            try:
                raw = self._sock.recv(_MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return count
            except OSError:
                return count
            self._handle(raw)
            count += 1

    def _run_then_release(self) -> None:
        try:
            self._run()
        finally:
            self._thread.release()

    def _run(self) -> None:
        import select

        while True:
            try:
                readable, _, _ = select.select([self._sock, self._wake_r], [], [])
            except (OSError, ValueError):
                return
            if self._sock in readable:
                self._drain()
            if self._wake_r in readable:
                self._drain()
                return

    def _waiting_for_call(self) -> bool:
        """True when an attempt was seen whose ApiCall has not arrived yet."""
        open_calls: dict[tuple[str | None, str | None], int] = {}
        for event in self._events:
            key = (event.service, event.api)
            if event.is_call:
                open_calls[key] = 0
            else:
                open_calls[key] = open_calls.get(key, 0) + 1
        return any(open_calls.values())

    def stop(self, drain_timeout: float = 0.05) -> list[ApiEvent]:
        """Stop listening and return every event, in arrival order.

        Loopback UDP is delivered at send time, so whatever the child sent before it
        exited is already in the socket buffer: read it without waiting. Only if an
        attempt is still missing its ApiCall, wait up to `drain_timeout` for it.
        """
        if self._sock is None:
            return list(self._events)
        import select

        if self._thread is not None:
            os.write(self._wake_w, b"x")
            self._thread.acquire()
            self._thread = None
        self._drain()
        if drain_timeout > 0 and self._waiting_for_call():
            import time

            deadline = time.monotonic() + drain_timeout
            while self._waiting_for_call():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                readable, _, _ = select.select([self._sock], [], [], left)
                if not readable:
                    break
                self._drain()
        self._sock.close()
        self._sock = None
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass
        return list(self._events)


def auth_failures(events: Iterable[ApiEvent]) -> list[ApiEvent]:
    """The calls that finally failed for an authentication or authorization reason.

    ApiCall events carry the final outcome. An attempt counts only when its call's
    ApiCall never arrived (a datagram lost, or the CLI killed mid-call).
    """
    events = list(events)
    if not any(e.aws_exception or (e.http_status or 0) >= 400 for e in events):
        return []  # the usual case: every call succeeded, no need for the code tables
    from .explain.codes import is_auth_failure

    finished = {(e.service, e.api) for e in events if e.is_call}
    found: list[ApiEvent] = []
    last_attempt: dict[tuple[str | None, str | None], ApiEvent] = {}
    for event in events:
        if event.is_call:
            if is_auth_failure(event.aws_exception, event.http_status):
                found.append(event)
        elif (event.service, event.api) not in finished:
            last_attempt[(event.service, event.api)] = event
    for event in last_attempt.values():
        if is_auth_failure(event.aws_exception, event.http_status):
            found.append(event)
    return found
