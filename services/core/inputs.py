"""Images that users bring: what Slack says about an attached file, and the checks on its bytes.

A photo is checked three times before any model sees it: its declared type and size (before the
download), its bytes as they arrive (a cap while streaming, then the file signature and the pixel
count from the header), and Rekognition (in moderation). Each refusal names what to do instead.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image
from pydantic import BaseModel, Field

from services.core.errors import InputRejected
from services.core.images import image_format

# 20 MB and 50 megapixels: above any phone photo, and the most we decode for one request.
MAX_INPUT_BYTES = 20 * 1024 * 1024
MAX_INPUT_PIXELS = 50_000_000
INPUT_MIME_TYPES = {"image/png": "png", "image/jpeg": "jpeg", "image/webp": "webp", "image/gif": "gif"}
# The same types as the file extensions Slack's file_input offers (its ``filetypes``).
INPUT_EXTENSIONS = ("png", "jpg", "jpeg", "webp", "gif")


class SourceFile(BaseModel):
    """A file attached in Slack (a message's ``files`` entry or a ``file_input`` value)."""

    id: str = Field(pattern=r"^F[A-Z0-9]{2,30}$")
    name: str = Field("", max_length=255)
    mimetype: str = Field("", max_length=100)
    size: int = Field(0, ge=0)
    url: str = Field(min_length=1, max_length=3000)
    width: int | None = Field(None, ge=1)
    height: int | None = Field(None, ge=1)

    @classmethod
    def from_slack(cls, file: dict[str, object]) -> SourceFile | None:
        """The file object Slack sends, or None when it carries no downloadable URL."""
        url = file.get("url_private_download") or file.get("url_private")
        if not isinstance(url, str) or not isinstance(file.get("id"), str):
            return None
        return cls(
            id=str(file["id"]),
            name=str(file.get("name") or "")[:255],
            mimetype=str(file.get("mimetype") or ""),
            size=_int(file.get("size")) or 0,
            url=url,
            width=_int(file.get("original_w")),
            height=_int(file.get("original_h")),
        )

    @classmethod
    def first(cls, files: list[dict[str, object]]) -> SourceFile | None:
        """The first attached image; else the first file, so that a PDF gets a clear refusal."""
        attached = [f for f in (cls.from_slack(file) for file in files) if f is not None]
        images = [f for f in attached if f.mimetype in INPUT_MIME_TYPES]
        chosen = images or attached
        return chosen[0] if chosen else None

    def check_declared(self, max_bytes: int = MAX_INPUT_BYTES) -> None:
        """Refuse by what Slack declares, before a byte is downloaded."""
        if self.mimetype not in INPUT_MIME_TYPES:
            raise InputRejected("image.not_image", name=self.name or self.id)
        if self.size > max_bytes:
            raise InputRejected("image.too_large", limit_mb=max_bytes // (1024 * 1024))
        if self.width and self.height and self.width * self.height > MAX_INPUT_PIXELS:
            raise InputRejected("image.too_many_pixels", limit_mp=MAX_INPUT_PIXELS // 1_000_000)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def check_image_bytes(data: bytes, *, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """The image's format after checking its bytes: signature, size and pixel count (header only)."""
    fmt = image_format(data)
    if fmt == "unknown":
        raise InputRejected("image.not_image", name="")
    if len(data) > max_bytes:
        raise InputRejected("image.too_large", limit_mb=max_bytes // (1024 * 1024))
    try:
        with warnings.catch_warnings():
            # Pillow warns (then errors) on decompression bombs; our own limit is lower.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                width, height = opened.size
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputRejected("image.not_image", name="") from exc
    if width * height > MAX_INPUT_PIXELS:
        raise InputRejected("image.too_many_pixels", limit_mp=MAX_INPUT_PIXELS // 1_000_000)
    return fmt
