"""Downloading a user's file from Slack with the bot token, and giving the token to nobody else.

``url_private`` needs ``Authorization: Bearer xoxb-…``. So the token is only ever sent over
https to Slack's own file hosts (plus the origin of a configured ``SLACK_API_URL``, which is how
tests and proxies reach Slack). Redirects are never followed automatically: one to the same
allowed origin is followed by hand, anything else is refused and logged. Slack answers a
missing or wrong token (or a token without ``files:read``) with an HTML sign-in page and status
200, so the content type and the file signature are checked, not the status.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from services.core.errors import InputRejected
from services.core.inputs import MAX_INPUT_BYTES, SourceFile, check_image_bytes

logger = logging.getLogger(__name__)

SLACK_FILE_ORIGINS = ("https://files.slack.com",)
_MAX_REDIRECTS = 3
_CHUNK = 64 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand every 3xx back to the caller, who decides whether the token may follow it."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-cased."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class SlackFiles:
    """Fetches attached images from Slack, within the input limits."""

    def __init__(
        self,
        token: str,
        *,
        extra_origins: Iterable[str] = (),
        max_bytes: int = MAX_INPUT_BYTES,
        timeout: float = 30.0,
    ) -> None:
        self._token = token
        self._origins = {*SLACK_FILE_ORIGINS, *(origin(o) for o in extra_origins)}
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect())

    def allowed(self, url: str) -> bool:
        """Whether the bot token may be sent to ``url``."""
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or origin(url) not in self._origins:
            return False
        # Plain http only for an origin an operator configured explicitly (a local Slack in tests).
        return parts.scheme == "https" or origin(url) not in SLACK_FILE_ORIGINS

    def fetch(self, file: SourceFile) -> bytes:
        """The file's bytes, checked: declared type and size first, then the bytes themselves."""
        file.check_declared(self._max_bytes)
        url = file.url
        for _ in range(_MAX_REDIRECTS + 1):
            if not self.allowed(url):
                logger.warning("file %s: refused to send the bot token to %s", file.id, origin(url))
                raise InputRejected("image.unreadable")
            # allowed() admits only http(s) origins on the list, never file: or custom schemes.
            request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self._token}"})  # noqa: S310
            try:
                response = self._opener.open(request, timeout=self._timeout)
            except urllib.error.HTTPError as exc:
                if exc.code in (301, 302, 303, 307, 308) and exc.headers.get("Location"):
                    url = urljoin(url, exc.headers["Location"])
                    exc.close()
                    continue
                logger.warning("file %s: Slack answered HTTP %d", file.id, exc.code)
                raise InputRejected("image.unreadable") from exc
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                logger.warning("file %s: download failed: %s", file.id, type(exc).__name__)
                raise InputRejected("image.unreadable") from exc
            with response:
                content_type = response.headers.get_content_type()
                if content_type == "text/html":
                    # Slack's sign-in page: the token is wrong or lacks files:read.
                    logger.error(
                        "file %s: Slack answered its sign-in page; the bot token needs the files:read "
                        "scope (reinstall the app after adding it to the manifest)",
                        file.id,
                    )
                    raise InputRejected("image.unreadable")
                data = self._read_capped(response)
            check_image_bytes(data, max_bytes=self._max_bytes)
            return data
        logger.warning("file %s: too many redirects", file.id)
        raise InputRejected("image.unreadable")

    def _read_capped(self, response: urllib.response.addinfourl) -> bytes:
        """Read at most the limit plus one byte, so an oversized file is never held whole."""
        chunks: list[bytes] = []
        total = 0
        while chunk := response.read(_CHUNK):
            chunks.append(chunk)
            total += len(chunk)
            if total > self._max_bytes:
                raise InputRejected("image.too_large", limit_mb=self._max_bytes // (1024 * 1024))
        return b"".join(chunks)
