"""Pillow helpers: fit images inside the size limits of the services that read them."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

REKOGNITION_MAX_BYTES = 5 * 1024 * 1024
VISION_MAX_BYTES = 3_750_000  # Claude on Bedrock: 3.75 MB per image
VISION_MAX_SIDE = 8000
# What Rekognition and the vision model are sent: a JPEG, long side at most 1024. The default
# image is 1024², so moderation still sees every pixel the user will (Rekognition's smallest
# detectable face grows with the image, so shrinking further would hide small figures); larger
# outputs shrink to 1024, below the 1568 px at which Claude resizes anyway and far above
# Rekognition's 80 px minimum. A photo-like 1024² PNG of about 1.6 MB becomes a JPEG of a few
# hundred KB, so the base64 request bodies botocore holds for each call shrink as much.
CHECK_MAX_SIDE = 1024
CHECK_JPEG_QUALITY = 85


def image_format(data: bytes) -> str:
    """``png``, ``jpeg``, ``gif`` or ``webp`` from the file signature; ``unknown`` otherwise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "unknown"


def fit(
    data: bytes, *, max_bytes: int, max_side: int | None = None, formats: tuple[str, ...] = ("png", "jpeg")
) -> tuple[bytes, str]:
    """Return ``(data, format)`` within the limits, re-encoding as JPEG and shrinking if needed."""
    fmt = image_format(data)
    if fmt in formats and len(data) <= max_bytes and max_side is None:
        return data, fmt
    with Image.open(io.BytesIO(data)) as opened:
        # .size comes from the header: an image that already fits is never decoded
        # (decoding every 1024² PNG was the largest CPU cost in the benchmark's profile).
        within_side = max_side is None or max(opened.size) <= max_side
        if fmt in formats and len(data) <= max_bytes and within_side:
            return data, fmt
        image = opened.convert("RGB")
    if max_side is not None and max(image.size) > max_side:
        image.thumbnail((max_side, max_side))
    # Shrink by a quarter each round until the JPEG fits; photos converge in a few steps.
    while True:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=88, optimize=True)
        encoded = buffer.getvalue()
        if len(encoded) <= max_bytes or min(image.size) < 64:
            return encoded, "jpeg"
        image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)))


def check_copy(data: bytes, max_side: int = CHECK_MAX_SIDE) -> bytes:
    """A JPEG of ``data``, long side at most ``max_side``: what the moderation and verification calls read."""
    buffer = io.BytesIO()
    with Image.open(io.BytesIO(data)) as opened:
        # A JPEG source decodes straight at the reduced scale; a PNG has to be decoded whole.
        opened.draft("RGB", (max_side, max_side))
        # convert() of an RGB image is a full copy: 64 MB more for an upscale's 4096² answer.
        image = opened if opened.mode == "RGB" else opened.convert("RGB")
        if max(image.size) > max_side:
            # Box-averaging by a whole factor first (4096 → 1024 in one step) is exact where the
            # sides divide and costs a third of a 2048² LANCZOS pass; LANCZOS only does the rest.
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=1.0)
        image.save(buffer, format="JPEG", quality=CHECK_JPEG_QUALITY)
    return buffer.getvalue()


def crop_to_size(data: bytes, width: int, height: int) -> bytes:
    """Centre-crop to ``width``:``height`` and resize with LANCZOS to exactly that size, as PNG."""
    with Image.open(io.BytesIO(data)) as opened:
        # Cropping the sliver that differs in ratio keeps proportions; a plain resize would stretch.
        fitted = ImageOps.fit(opened.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    fitted.save(out, "PNG")
    return out.getvalue()
