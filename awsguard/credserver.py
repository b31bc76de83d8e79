"""A container-credentials endpoint on loopback, for `awsguard exec --server`.

The AWS SDKs and CLIs (botocore, the JavaScript SDK v3, Go, Java, the CLI itself)
read credentials from `AWS_CONTAINER_CREDENTIALS_FULL_URI` when no other source
comes first, sending `AWS_CONTAINER_AUTHORIZATION_TOKEN` as the `Authorization`
header (the ECS / EKS Pod Identity protocol). They fetch again before the
`Expiration` in the answer, so a long run always holds fresh credentials: each
fetch asks awsguard's session code, which renews under its lock.

What it answers: GET on its one path, from a request carrying the exact token
(compared in constant time), with `Host` naming the loopback address it listens
on. Everything else: 401 without a token, 403 with a wrong one, 404 elsewhere,
405 for other methods. It binds 127.0.0.1 only and lives as long as the command.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .handout import say
from .sessions import ChildCredentials
from .timefmt import format_time

PATH = "/awsguard/credentials"
# Credentials that never expire (a long-term key) are served with an Expiration this far
# ahead: the SDK asks again then, and so notices a key removed from the keyring.
NO_EXPIRY_SERVED_FOR = timedelta(hours=1)
# The SDKs renew credentials 10 to 15 minutes before they expire (botocore: 15 advisory,
# 10 mandatory); what we serve should outlive that window, or every call asks again.
SERVE_AT_LEAST = 16 * 60


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class CredentialsServer:
    """Serves `fetch()`'s credentials; `fetch` renews them when they run short."""

    def __init__(
        self,
        fetch: Callable[[], ChildCredentials],
        now: Callable[[], datetime] = _utcnow,
        on_error: Callable[[str], None] | None = None,
        initial: ChildCredentials | None = None,
    ) -> None:
        self._fetch = fetch
        self._now = now
        self._on_error = on_error or say
        self.token = secrets.token_urlsafe(32)
        self._lock = threading.Lock()
        self._held: ChildCredentials | None = initial
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests = 0
        self.refused = 0

    # -- the answer

    def document(self) -> dict[str, str]:
        """The JSON the SDKs read: AccessKeyId, SecretAccessKey, Token, Expiration."""
        with self._lock:
            creds = self._held
            if creds is None or self._short(creds):
                creds = self._held = self._fetch()
        expiration = creds.expiration or (self._now() + NO_EXPIRY_SERVED_FOR)
        return {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            # botocore and the JS SDK require the field; an empty token is not sent.
            "Token": creds.session_token or "",
            "Expiration": format_time(expiration),
        }

    def _short(self, creds: ChildCredentials) -> bool:
        if creds.expiration is None:
            return False
        return (creds.expiration - self._now()).total_seconds() < SERVE_AT_LEAST

    # -- life

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def child_env(self) -> dict[str, str]:
        return {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": self.token,
        }

    def start(self) -> CredentialsServer:
        handler = _handler_for(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="awsguard-credentials", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            self._held = None

    def __enter__(self) -> CredentialsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- checks

    def token_matches(self, given: str | None) -> bool:
        if given is None:
            return False
        return hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode())

    def host_matches(self, host: str | None) -> bool:
        # A web page that rebinds a DNS name to 127.0.0.1 sends its own name here.
        return host in (f"127.0.0.1:{self.port}", f"localhost:{self.port}")


def _handler_for(server: CredentialsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "awsguard"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # nothing per request on the user's terminal

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(raw)

        def _refuse(self, status: int, message: str) -> None:
            server.refused += 1
            self._answer(status, {"Code": "AccessDenied", "Message": message})

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            server.requests += 1
            if self.path != PATH:
                self._refuse(404, "not found")
                return
            if not server.host_matches(self.headers.get("Host")):
                self._refuse(403, "wrong host")
                return
            given = self.headers.get("Authorization")
            if given is None:
                self._refuse(401, "the Authorization token is missing")
                return
            if not server.token_matches(given):
                self._refuse(403, "the Authorization token is wrong")
                return
            try:
                document = server.document()
            except Exception as err:  # noqa: BLE001 - the SDK gets a 500; the user a line
                message = str(err).splitlines()[0] if str(err) else type(err).__name__
                server._on_error(f"credentials server: {message}")
                self._answer(500, {"Code": "CredentialsUnavailable", "Message": message})
                return
            self._answer(200, document)

        def _not_allowed(self) -> None:
            server.requests += 1
            server.refused += 1
            self.send_response(405)
            self.send_header("Allow", "GET")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _not_allowed  # noqa: N815

    return Handler
