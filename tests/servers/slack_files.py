"""Private files as files.slack.com serves them, and the scopes a bot token is granted.

Slack's file object (docs.slack.dev/reference/objects/file-object) carries ``url_private`` and
``url_private_download``; fetching them needs ``Authorization: Bearer <token>`` with the files:read
scope. Without a valid token Slack does not answer 401: it answers HTTP 200 with an HTML sign-in page,
so a client that skips the content-type / magic-byte check stores a web page as an image. Whether a
valid token that lacks files:read also gets the sign-in page is not documented; this host assumes so.
"""

from __future__ import annotations

import functools
import io
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from PIL import Image

TEAM_ID = "T0TEST"
HTML = "text/html; charset=utf-8"
_MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
_CREATED = 1_700_000_000
_SIGN_IN_PAGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>Slack</title></head>'
    b'<body><h1>Sign in to Test Team</h1><form action="/signin" method="post"></form></body></html>'
)


@functools.cache
def manifest_scopes() -> tuple[str, ...]:
    """The bot scopes manifest.yml requests (read once per process)."""
    manifest = yaml.safe_load(_MANIFEST.read_text(encoding="utf-8"))
    return tuple(manifest["oauth_config"]["scopes"]["bot"])


def default_scopes() -> tuple[str, ...]:
    """The manifest's bot scopes plus files:read (reading the files users attach)."""
    scopes = manifest_scopes()
    return scopes if "files:read" in scopes else (*scopes, "files:read")


@dataclass(frozen=True)
class FileRequest:
    """One GET of a hosted file or redirect URL, with the answer it got."""

    path: str
    headers: dict[str, str]
    status: int
    content_type: str
    time: float

    @property
    def authorization(self) -> str | None:
        """The Authorization header sent, if any."""
        return self.headers.get("authorization")


@dataclass(frozen=True)
class FileReply:
    """What the host answers: status, body, content type and extra headers."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]


@dataclass
class _Hosted:
    file: dict[str, Any]
    data: bytes
    redirect_to: str | None


def _dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) when data is an image Pillow reads, else None."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (OSError, ValueError):
        return None


class FileHost:
    """Hosted files and redirect URLs under one origin; callers hold their own lock."""

    def __init__(self) -> None:
        """No files yet."""
        self.files: dict[str, _Hosted] = {}
        self.redirects: dict[str, tuple[int, str]] = {}
        self.requests: list[FileRequest] = []

    def clear(self) -> None:
        """Forget files, redirects and requests."""
        self.files.clear()
        self.redirects.clear()
        self.requests.clear()

    def serves(self, path: str) -> bool:
        """Whether a GET of path is this host's."""
        return path.startswith("/files-pri/") or path in self.redirects

    def add(
        self,
        origin: str,
        file_id: str,
        data: bytes,
        name: str,
        meta: dict[str, Any],
    ) -> dict[str, Any]:
        """Host data as file_id; the file object. meta: mimetype, filetype, title, user, redirect_to."""
        mimetype = meta.get("mimetype") or mimetypes.guess_type(name)[0] or "application/octet-stream"
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        user = meta.get("user") or "U0USER"
        base = f"{origin}/files-pri/{TEAM_ID}-{file_id}"
        obj: dict[str, Any] = {
            "id": file_id,
            "created": _CREATED,
            "timestamp": _CREATED,
            "name": name,
            "title": meta.get("title") or name,
            "mimetype": mimetype,
            "filetype": meta.get("filetype") or {"jpeg": "jpg"}.get(extension, extension or "binary"),
            "user": user,
            "mode": "hosted",
            "is_external": False,
            "is_public": False,
            "size": len(data),
            "url_private": f"{base}/{quote(name)}",
            "url_private_download": f"{base}/download/{quote(name)}",
            "permalink": f"https://test.slack.com/files/{user}/{file_id}/{quote(name)}",
        }
        dimensions = _dimensions(data)
        if dimensions is not None:
            obj["original_w"], obj["original_h"] = dimensions
        self.files[file_id] = _Hosted(obj, data, meta.get("redirect_to"))
        return dict(obj)

    def file(self, file_id: str) -> dict[str, Any] | None:
        """The file object of a hosted file."""
        hosted = self.files.get(file_id)
        return dict(hosted.file) if hosted else None

    def get(self, path: str, headers: dict[str, str], authorised: bool, received: float) -> FileReply:
        """Answer and record one GET; authorised: the bot token with files:read was sent."""
        reply = self._reply(path, authorised)
        self.requests.append(FileRequest(path, headers, reply.status, reply.content_type, received))
        return reply

    def _reply(self, path: str, authorised: bool) -> FileReply:
        if path in self.redirects:
            status, location = self.redirects[path]
            return FileReply(status, b"", HTML, {"Location": location})
        if not authorised:
            return FileReply(200, _SIGN_IN_PAGE, HTML, {})
        parts = path.split("/")  # "", "files-pri", "T0TEST-F…", ["download",] name
        file_id = parts[2].removeprefix(f"{TEAM_ID}-") if len(parts) > 3 else ""
        hosted = self.files.get(file_id)
        if hosted is None:
            return FileReply(404, b"File not found", "text/plain; charset=utf-8", {})
        if hosted.redirect_to is not None:
            return FileReply(302, b"", HTML, {"Location": hosted.redirect_to})
        extra = {}
        if len(parts) > 4 and parts[3] == "download":
            extra["Content-Disposition"] = f'attachment; filename="{hosted.file["name"]}"'
        return FileReply(200, hosted.data, str(hosted.file["mimetype"]), extra)
