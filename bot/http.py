"""HTTP mode: Slack requests at POST /slack/events and a health check, on waitress."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from waitress import wasyncore
from waitress.server import create_server

from services.core.priority import RequestPriority

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

EVENTS_PATH = "/slack/events"


class HttpFrontend:
    """The WSGI application: Bolt for Slack's requests, ``/healthz`` for the platform."""

    def __init__(self, app: App, priority: RequestPriority | None = None) -> None:
        self._slack = SlackRequestHandler(app, EVENTS_PATH)
        self._priority = priority or RequestPriority()
        self.ready = threading.Event()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Route one request."""
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in {"GET", "HEAD"}:
            status = "200 OK" if self.ready.is_set() else "503 Service Unavailable"
            body = b"ok\n" if self.ready.is_set() else b"starting\n"
            start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        if path == EVENTS_PATH and method == "POST":
            # Counted from the body's first byte to the answer: status posts and job starts wait.
            with self._priority.request():
                return self._slack(environ, start_response)
        body = b"not found\n"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]


class PrioritySocketModeHandler(SocketModeHandler):
    """Socket Mode, with each request counted like an HTTP one while it is answered."""

    def __init__(self, app: App, app_token: str, priority: RequestPriority) -> None:
        super().__init__(app, app_token)
        self._priority = priority

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        """Answer one request with background work held back meanwhile."""
        with self._priority.request():
            super().handle(client, req)  # type: ignore[arg-type]


def make_server(frontend: HttpFrontend, host: str, port: int, threads: int) -> Any:
    """A multi-threaded waitress server (not a development server); port 0 picks a free one."""
    return create_server(frontend, host=host, port=port, threads=threads, ident="ja-image-bot")


class ServerRunner:
    """Runs a waitress server's event loop in a thread and stops it from that same thread.

    Closing the listening socket from another thread while the loop sits in select()
    raises EBADF inside waitress, so stop() only sets a flag and wakes the loop.
    """

    def __init__(self, server: Any, poll_seconds: float = 0.2) -> None:
        self._server = server
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="http", daemon=True)

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        return int(self._server.effective_port)

    def start(self) -> ServerRunner:
        """Serve in the background."""
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            # waitress keeps its sockets in the server's private map; loop one poll at a time.
            wasyncore.loop(timeout=self._poll, map=self._server._map, count=1)
        self._server.close()
        self._server.task_dispatcher.shutdown()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting requests, finish the ones being served, and join the thread (idempotent)."""
        if self._stop.is_set():
            return
        self._stop.set()
        # Wake the loop now rather than at its next poll; if it saw the flag first, it has
        # already closed the trigger.
        with contextlib.suppress(OSError):
            self._server.pull_trigger()
        self._thread.join(timeout)
