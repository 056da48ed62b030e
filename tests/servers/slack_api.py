"""A local Slack Web API server for tests, reached by slack_sdk's WebClient through base_url.

Besides the Web API methods it hosts private files the way files.slack.com does: ``url_private`` and
``url_private_download`` answer the bytes only to ``Authorization: Bearer <bot token>`` (with the
files:read scope), and otherwise HTTP 200 with an HTML sign-in page, as Slack does; every such GET is
recorded with its headers. API responses carry ``x-oauth-scopes``, the comma-separated scopes granted
to the token (default: the bot scopes of the repository's manifest.yml plus files:read). Views are
refused as Slack refuses them (tests/servers/slack_views.py), file_input fields included.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from tests.servers.slack_files import FileHost, FileRequest, default_scopes
from tests.servers.slack_views import FILE_INPUT_SCOPE, view_problems
from tests.servers.slack_wire import (
    JSON_CONTENT_TYPE,
    Reply,
    content_type,
    decode_json_params,
    error,
    form_values,
    json_reply,
    parse_multipart,
    str_or_none,
)

__all__ = ["JSON_CONTENT_TYPE", "ApiCall", "FileRequest", "SlackApiServer", "UploadedFile", "default_scopes"]

logger = logging.getLogger(__name__)

DEFAULT_BOT_TOKEN = "xoxb-test-token"
_BOT_USER_ID = "U0BOT"
_BOT_ID = "B0BOT"
_TS_BASE_SECONDS = 1_700_000_000


@dataclass(frozen=True)
class ApiCall:
    """One request received by the server: an /api/ method call or a response_url post."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    time: float


@dataclass(frozen=True)
class UploadedFile:
    """A file whose bytes were uploaded and that files.completeUploadExternal then completed."""

    file_id: str
    filename: str
    title: str | None
    data: bytes
    channel_id: str | None
    thread_ts: str | None
    initial_comment: str | None


@dataclass(frozen=True)
class _Failure:
    """A canned failure answer for one call of a method."""

    error: str
    status: int
    retry_after: int | None


@dataclass
class _PendingFile:
    """A file id issued by files.getUploadURLExternal, with its bytes once uploaded."""

    filename: str
    length: int
    data: bytes | None = None


class _Handler(BaseHTTPRequestHandler):
    """Routes each request to the owning SlackApiServer."""

    server: _HttpServer

    def do_POST(self) -> None:
        """Handle a POST."""
        self._dispatch()

    def do_GET(self) -> None:
        """Handle a GET."""
        self._dispatch()

    def _read_body(self) -> bytes:
        """Read the request body, honouring Content-Length or chunked encoding."""
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        """Read the request, let the server answer it and write the reply."""
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            reply = self.server.owner.handle(self.command, self.path, headers, body)
        except Exception:
            logger.exception("fake Slack API failed on %s %s", self.command, self.path)
            reply = json_reply(error("fake_server_error"), status=500)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Send the access log to logging instead of stderr."""
        logger.debug("fake Slack API %s: %s", self.address_string(), format % args)


class _HttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its SlackApiServer."""

    daemon_threads = True
    owner: SlackApiServer


class SlackApiServer:
    """Local Slack Web API server speaking the wire protocol slack_sdk uses."""

    def __init__(self, bot_token: str = DEFAULT_BOT_TOKEN, scopes: Iterable[str] | None = None) -> None:
        """Create a stopped server that accepts bot_token and grants scopes (default: default_scopes())."""
        self.bot_token = bot_token
        self._initial_scopes = tuple(scopes) if scopes is not None else None
        self._scopes = self._initial_scopes if self._initial_scopes is not None else default_scopes()
        self._files = FileHost()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._calls: list[ApiCall] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._pending: dict[str, _PendingFile] = {}
        self._uploaded: list[UploadedFile] = []
        self._deleted_files: set[str] = set()
        self._response_urls: set[str] = set()
        self._counter = 0
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._m_auth_test,
            "chat.postMessage": self._m_chat_post_message,
            "chat.update": self._m_chat_update,
            "chat.delete": self._m_chat_delete,
            "files.delete": self._m_files_delete,
            "chat.postEphemeral": self._m_chat_post_ephemeral,
            "reactions.add": self._m_reactions_add,
            "reactions.remove": self._m_reactions_remove,
            "files.getUploadURLExternal": self._m_files_get_upload_url_external,
            "files.completeUploadExternal": self._m_files_complete_upload_external,
            "views.open": self._m_views_open,
            "views.update": self._m_views_update,
            "views.push": self._m_views_push,
            "views.publish": self._m_views_publish,
            "conversations.replies": self._m_conversations_replies,
            "users.info": self._m_users_info,
            "files.info": self._m_files_info,
        }

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> SlackApiServer:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        httpd = _HttpServer(("127.0.0.1", 0), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack-api", daemon=True
        )
        self._thread.start()
        logger.debug("fake Slack API listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SlackApiServer:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()

    @property
    def base_url(self) -> str:
        """Base URL to give WebClient(base_url=...)."""
        return f"{self._origin}/api/"

    @property
    def _origin(self) -> str:
        """Scheme, host and port of the running server."""
        if self._httpd is None:
            raise RuntimeError("SlackApiServer is not started")
        return f"http://127.0.0.1:{self.port}"

    # ---- test-facing API --------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Recorded calls, optionally only those of one method."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[ApiCall]:
        """Block until at least count calls of method were received and return them."""
        with self._cond:
            ok = self._cond.wait_for(
                lambda: sum(1 for c in self._calls if c.method == method) >= count, timeout=timeout
            )
            matching = [c for c in self._calls if c.method == method]
            if not ok:
                seen = dict(Counter(c.method for c in self._calls))
                raise AssertionError(
                    f"expected {count} call(s) of {method} within {timeout}s, got {len(matching)}; "
                    f"received so far: {seen}"
                )
            return matching

    def uploaded_files(self) -> list[UploadedFile]:
        """Files completed with files.completeUploadExternal."""
        with self._lock:
            return list(self._uploaded)

    def response_url(self) -> str:
        """Issue a fresh response_url whose JSON posts are recorded as method "response_url"."""
        origin = self._origin
        with self._lock:
            path = f"/response_url/{self._next_number()}"
            self._response_urls.add(path)
        return origin + path

    def fail_next(
        self,
        method: str,
        error: str = "internal_error",
        *,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of method answer ok:false with error and the given HTTP status."""
        with self._lock:
            queue = self._failures.setdefault(method, deque())
            queue.extend(_Failure(error, status, retry_after) for _ in range(times))

    def set_scopes(self, scopes: Iterable[str] | None) -> None:
        """Grant exactly these scopes (x-oauth-scopes, files.info, downloads); None: the defaults."""
        with self._lock:
            self._scopes = tuple(scopes) if scopes is not None else default_scopes()

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes granted to the bot token."""
        with self._lock:
            return self._scopes

    def add_file(
        self,
        data: bytes,
        name: str,
        mimetype: str | None = None,
        *,
        filetype: str | None = None,
        title: str | None = None,
        user: str = "U0USER",
        redirect_to: str | None = None,
    ) -> dict[str, Any]:
        """Host a file as if a user had shared it; the Slack file object (as in an app_mention event's
        ``files``) whose url_private / url_private_download point at this server. With redirect_to,
        those URLs answer an authorised GET with a 302 to redirect_to instead of the bytes."""
        origin = self._origin
        meta = {"mimetype": mimetype, "filetype": filetype, "title": title, "user": user}
        with self._lock:
            file_id = f"F{self._next_number():010d}"
            return self._files.add(origin, file_id, data, name, {**meta, "redirect_to": redirect_to})

    def add_redirect(self, location: str, *, status: int = 302) -> str:
        """A URL on this server that answers every GET with status and ``Location: location``."""
        origin = self._origin
        with self._lock:
            path = f"/redirect/{self._next_number()}"
            self._files.redirects[path] = (status, location)
        return origin + path

    def file_requests(self) -> list[FileRequest]:
        """Every GET of a hosted file or redirect URL, in arrival order."""
        with self._lock:
            return list(self._files.requests)

    def reset(self) -> None:
        """Clear recorded calls, uploads, queued failures, hosted files, file requests and scopes."""
        with self._lock:
            self._calls.clear()
            self._uploaded.clear()
            self._deleted_files.clear()
            self._pending.clear()
            self._failures.clear()
            self._files.clear()
            self._scopes = self._initial_scopes if self._initial_scopes is not None else default_scopes()

    # ---- request handling -------------------------------------------------------------------

    def handle(self, verb: str, raw_path: str, headers: dict[str, str], body: bytes) -> Reply:
        """Answer one HTTP request (called from the handler threads)."""
        received = time.monotonic()
        split = urlsplit(raw_path)
        path = split.path
        if path.startswith("/api/"):
            params = decode_json_params({**form_values(split.query), **self._body_params(headers, body)})
            return self._api_call(path.removeprefix("/api/"), params, headers, received)
        if path.startswith("/upload/") and verb == "POST":
            return self._upload(path.removeprefix("/upload/"), headers, body)
        if path.startswith("/response_url/") and verb == "POST":
            return self._response_url_post(path, headers, body, received)
        if verb == "GET" and self._files.serves(path):
            return self._file_get(path, headers, received)
        return json_reply(error("not_found"), status=404)

    @staticmethod
    def _body_params(headers: dict[str, str], body: bytes) -> dict[str, Any]:
        """Decode a form-encoded, JSON or multipart request body into params."""
        if not body:
            return {}
        media_type, ct = content_type(headers.get("content-type", ""))
        if media_type == "application/json":
            decoded = json.loads(body.decode("utf-8"))
            return decoded if isinstance(decoded, dict) else {"_body": decoded}
        if media_type == "multipart/form-data":
            boundary = ct.get_param("boundary")
            params: dict[str, Any] = {}
            for disposition, content in parse_multipart(body, boundary if isinstance(boundary, str) else ""):
                name = disposition.get("name", "")
                params[name] = content if "filename" in disposition else content.decode("utf-8")
            return params
        return form_values(body.decode("utf-8"))

    def _api_call(
        self, method: str, params: dict[str, Any], headers: dict[str, str], received: float
    ) -> Reply:
        """Record an /api/ call and answer it."""
        with self._cond:
            self._calls.append(ApiCall(method, params, headers, received))
            self._cond.notify_all()
            auth = headers.get("authorization", "")
            token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
            if token != self.bot_token:
                return json_reply(error("invalid_auth"))
            scopes = {"x-oauth-scopes": ",".join(self._scopes)}
            failure = self._take_failure(method)
            if failure is not None:
                failure.headers.update(scopes)
                return failure
            handler = self._methods.get(method)
            if handler is None:
                return json_reply(error("unknown_method"), headers=scopes)
            payload: dict[str, Any] = handler(params)
            return json_reply(payload, headers=scopes)

    def _take_failure(self, method: str) -> Reply | None:
        """Pop the next queued failure of method as a reply (lock held)."""
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue.popleft()
        extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        return json_reply(error(failure.error), status=failure.status, headers=extra)

    def _next_number(self) -> int:
        """Next value of the shared id counter (lock held)."""
        self._counter += 1
        return self._counter

    def _next_ts(self) -> str:
        """A unique, increasing message ts (lock held)."""
        micros = self._next_number() * 100
        return f"{_TS_BASE_SECONDS + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _file_get(self, path: str, headers: dict[str, str], received: float) -> Reply:
        """Serve a hosted file to the bot token, a sign-in page to anyone else; record the GET."""
        with self._lock:
            bearer = headers.get("authorization") == f"Bearer {self.bot_token}"
            reply = self._files.get(path, headers, bearer and "files:read" in self._scopes, received)
        return Reply(reply.status, reply.body, reply.content_type, dict(reply.headers))

    def _upload(self, file_id: str, headers: dict[str, str], body: bytes) -> Reply:
        """Store the bytes posted to an upload_url."""
        media_type, ct = content_type(headers.get("content-type", ""))
        data = body
        if media_type == "multipart/form-data":
            boundary = ct.get_param("boundary")
            parts = parse_multipart(body, boundary if isinstance(boundary, str) else "")
            files = [content for disposition, content in parts if "filename" in disposition]
            data = files[0] if files else (parts[0][1] if parts else b"")
        with self._lock:
            pending = self._pending.get(file_id)
            if pending is None:
                return Reply(404, b"Not Found", "text/plain; charset=utf-8")
            pending.data = data
        if pending.length != len(data):
            logger.warning("upload %s: announced length %d, received %d", file_id, pending.length, len(data))
        return Reply(200, f"OK - {len(data)}".encode(), "text/plain; charset=utf-8")

    def _response_url_post(self, path: str, headers: dict[str, str], body: bytes, received: float) -> Reply:
        """Record a post to an issued response_url."""
        params = {**self._body_params(headers, body), "_path": path}
        with self._cond:
            if path not in self._response_urls:
                return json_reply(error("invalid_response_url"), status=404)
            self._calls.append(ApiCall("response_url", decode_json_params(params), headers, received))
            self._cond.notify_all()
            failure = self._take_failure("response_url")
            return failure if failure is not None else json_reply({"ok": True})

    # ---- methods (lock held; each takes params and returns the JSON payload) -----------------

    def _m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        """auth.test."""
        return {
            "ok": True,
            "url": "https://test.slack.com/",
            "team": "Test Team",
            "user": "imagebot",
            "team_id": "T0TEST",
            "user_id": _BOT_USER_ID,
            "bot_id": _BOT_ID,
            "is_enterprise_install": False,
        }

    def _m_chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.postMessage."""
        if not params.get("channel"):
            return error("channel_not_found")
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "text": params.get("text", ""),
            "ts": ts,
            "user": _BOT_USER_ID,
            "bot_id": _BOT_ID,
        }
        for key in ("thread_ts", "blocks", "attachments"):
            if params.get(key) is not None:
                message[key] = params[key]
        return {"ok": True, "channel": params["channel"], "ts": ts, "message": message}

    def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.update."""
        if not params.get("channel"):
            return error("channel_not_found")
        if not params.get("ts"):
            return error("message_not_found")
        return {"ok": True, "channel": params["channel"], "ts": params["ts"], "text": params.get("text", "")}

    def _m_chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.delete."""
        if not params.get("channel"):
            return error("channel_not_found")
        if not params.get("ts"):
            return error("message_not_found")
        return {"ok": True, "channel": params["channel"], "ts": params["ts"]}

    def _m_files_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        """files.delete: only files that were uploaded and not yet deleted."""
        file_id = str_or_none(params.get("file"))
        if not file_id or file_id not in {f.file_id for f in self._uploaded}:
            return error("file_not_found")
        if file_id in self._deleted_files:
            return error("file_deleted")
        self._deleted_files.add(file_id)
        return {"ok": True}

    def _m_chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.postEphemeral."""
        if not params.get("channel"):
            return error("channel_not_found")
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        """reactions.add."""
        return {"ok": True}

    def _m_reactions_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        """reactions.remove."""
        return {"ok": True}

    def _m_files_get_upload_url_external(self, params: dict[str, Any]) -> dict[str, Any]:
        """files.getUploadURLExternal."""
        filename = params.get("filename")
        try:
            length = int(params.get("length", ""))
        except (TypeError, ValueError):
            return error("invalid_arguments")
        if not filename or length < 0:
            return error("invalid_arguments")
        file_id = f"F{self._next_number():010d}"
        self._pending[file_id] = _PendingFile(filename=str(filename), length=length)
        return {"ok": True, "upload_url": f"{self._origin}/upload/{file_id}", "file_id": file_id}

    def _m_files_complete_upload_external(self, params: dict[str, Any]) -> dict[str, Any]:
        """files.completeUploadExternal."""
        files = params.get("files")
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) for f in files):
            return error("invalid_arguments")
        ids = [str(f.get("id")) for f in files]
        if any(i not in self._pending or self._pending[i].data is None for i in ids):
            return error("file_not_found")
        channels = params.get("channels")
        channel_id = str_or_none(params.get("channel_id")) or (
            str(channels).split(",")[0] if channels else None
        )
        answer = []
        for entry, file_id in zip(files, ids, strict=True):
            pending = self._pending.pop(file_id)
            data = pending.data or b""
            title = str_or_none(entry.get("title"))
            self._uploaded.append(
                UploadedFile(
                    file_id=file_id,
                    filename=pending.filename,
                    title=title,
                    data=data,
                    channel_id=channel_id,
                    thread_ts=str_or_none(params.get("thread_ts")),
                    initial_comment=str_or_none(params.get("initial_comment")),
                )
            )
            answer.append(
                {
                    "id": file_id,
                    "name": pending.filename,
                    "title": title or pending.filename,
                    "size": len(data),
                    "mimetype": mimetypes.guess_type(pending.filename)[0] or "image/png",
                }
            )
        return {"ok": True, "files": answer}

    def _view_reply(self, params: dict[str, Any]) -> dict[str, Any]:
        """Answer a views.* call with the given view plus an id, or refuse it as Slack would."""
        view = params.get("view")
        if not isinstance(view, dict):
            return error("invalid_arguments")
        problems, has_file_input = view_problems(view)
        if problems:
            return {**error("invalid_arguments"), "response_metadata": {"messages": problems}}
        if has_file_input and FILE_INPUT_SCOPE not in self._scopes:
            return {**error("missing_scope"), "needed": FILE_INPUT_SCOPE, "provided": ",".join(self._scopes)}
        view_id = str_or_none(params.get("view_id")) or f"V{self._next_number():010d}"
        return {"ok": True, "view": {"id": view_id, **view}}

    def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """views.open."""
        return self._view_reply(params)

    def _m_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        """views.update."""
        return self._view_reply(params)

    def _m_views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        """views.push."""
        return self._view_reply(params)

    def _m_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        """views.publish."""
        return self._view_reply(params)

    def _m_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies."""
        return {"ok": True, "messages": []}

    def _m_files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """files.info: hosted files (add_file); needs files:read like the real method."""
        if "files:read" not in self._scopes:
            return {**error("missing_scope"), "needed": "files:read", "provided": ",".join(self._scopes)}
        file = self._files.file(str(params.get("file") or ""))
        if file is None:
            return error("file_not_found")
        return {
            "ok": True,
            "file": file,
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """users.info."""
        return {"ok": True, "user": {"id": params.get("user"), "locale": "ja-JP", "tz": "Asia/Tokyo"}}
