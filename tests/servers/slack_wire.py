"""The Slack Web API's wire format as the local server reads and writes it: form, JSON and multipart
request bodies, and JSON replies."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs

logger = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
_JSON_PARAM_KEYS = frozenset({"blocks", "attachments", "files", "view"})


@dataclass
class Reply:
    """An HTTP answer: status, body and extra headers."""

    status: int
    body: bytes
    content_type: str = JSON_CONTENT_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """Build a JSON reply."""
    return Reply(status, json.dumps(payload).encode("utf-8"), JSON_CONTENT_TYPE, headers or {})


def error(error: str) -> dict[str, Any]:
    """Build a Slack error payload."""
    return {"ok": False, "error": error}


def content_type(value: str) -> tuple[str, Message]:
    """Split a Content-Type header into its lower-cased media type and a Message holding its params."""
    msg = Message()
    msg["content-type"] = value or "application/octet-stream"
    return msg.get_content_type(), msg


def parse_multipart(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    """Split a multipart/form-data body into (content-disposition params, raw bytes) pairs."""
    parts: list[tuple[dict[str, str], bytes]] = []
    for section in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if section.startswith(b"--"):
            break
        head, _, content = section.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        disposition: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                msg = Message()
                msg["content-disposition"] = value.strip()
                for key in ("name", "filename"):
                    param = msg.get_param(key, header="content-disposition")
                    if isinstance(param, str):
                        disposition[key] = param
        parts.append((disposition, content.removesuffix(b"\r\n")))
    return parts


def decode_json_params(params: dict[str, Any]) -> dict[str, Any]:
    """Decode JSON-looking string values of the keys blocks, attachments, files and view."""
    decoded = dict(params)
    for key in _JSON_PARAM_KEYS & decoded.keys():
        value = decoded[key]
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            try:
                decoded[key] = json.loads(value)
            except json.JSONDecodeError:
                logger.debug("param %s is not valid JSON; kept as a string", key)
    return decoded


def form_values(query: str) -> dict[str, Any]:
    """Parse a form-encoded string; repeated keys become lists."""
    return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(query, keep_blank_values=True).items()}


def str_or_none(value: Any) -> str | None:
    """Return value as a string, or None when it is None or empty."""
    if value is None or value == "":
        return None
    return str(value)
