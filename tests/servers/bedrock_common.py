"""Pieces the Bedrock emulator modules share: the scripted-error type, body validators worded like
Bedrock's model-schema validator, and the images the emulator decodes and renders."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import math
from dataclasses import dataclass
from typing import Any

from PIL import Image, PngImagePlugin


@dataclass(frozen=True)
class Error:
    """A scripted AWS error answer."""

    code: str
    message: str = "emulated error"
    status: int = 400


class Invalid(Exception):
    """Raised by validators; carries the ValidationException message."""


def malformed(pointer: str, detail: str) -> Invalid:
    """A ValidationException worded like the model-schema validator behind Bedrock."""
    return Invalid(f"Malformed input request: {pointer}: {detail}, please reformat your input and try again.")


def b64(value: Any) -> bytes | None:
    """Decode a base64 string, or None when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def dig(node: Any, *path: str) -> Any:
    """node[path[0]][path[1]]..., or None as soon as a level is missing or not an object."""
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def number(obj: dict[str, Any], key: str, pointer: str, default: Any, *, integer: bool) -> Any:
    """obj[key] type-checked as an integer or number, else the default."""
    value = obj.get(key, default)
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok:
        kind = "Integer" if integer else "Number"
        raise malformed(f"{pointer}/{key}", f"expected type: {kind}, found: {type(value).__name__}")
    return value


def in_range(value: float, low: float, high: float, pointer: str) -> None:
    """Range check worded like the schema validator."""
    if value < low:
        raise malformed(pointer, f"{value} is not greater or equal to {low}")
    if value > high:
        raise malformed(pointer, f"{value} is not less or equal to {high}")


def bounded(obj: dict[str, Any], key: str, pointer: str, default: float, span: tuple[float, float]) -> float:
    """A number field within the inclusive span (low, high)."""
    value = number(obj, key, pointer, default, integer=False)
    in_range(value, span[0], span[1], f"{pointer}/{key}")
    return float(value)


def text(
    obj: dict[str, Any], key: str, pointer: str, max_len: int, *, required: bool, min_len: int = 1
) -> str:
    """A string field with the model's length limits."""
    if key not in obj:
        if required:
            raise malformed(pointer, f"required key [{key}] not found")
        return ""
    value = obj[key]
    if not isinstance(value, str):
        raise malformed(f"{pointer}/{key}", f"expected type: String, found: {type(value).__name__}")
    if len(value) < min_len:
        raise malformed(f"{pointer}/{key}", f"expected minLength: {min_len}, actual: {len(value)}")
    if len(value) > max_len:
        raise malformed(f"{pointer}/{key}", f"expected maxLength: {max_len}, actual: {len(value)}")
    return value


def enum(obj: dict[str, Any], key: str, pointer: str, allowed: tuple[str, ...], default: str) -> str:
    """A string field limited to the given values."""
    value = obj.get(key, default)
    if value not in allowed:
        raise malformed(f"{pointer}/{key}", f"{value} is not a valid enum value")
    return str(value)


def decode_image(data: bytes, pointer: str, formats: tuple[str, ...]) -> Image.Image:
    """An input image, fully loaded, or a ValidationException when it is not one of formats."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, ValueError) as exc:
        raise malformed(pointer, "the image could not be decoded") from exc
    if (image.format or "").upper() not in formats:
        allowed = ", ".join(f.lower() for f in formats)
        raise malformed(pointer, f"image format {image.format} is not supported (supported: {allowed})")
    return image


def value_image(value: Any, pointer: str, formats: tuple[str, ...]) -> Image.Image:
    """A base64 image value: decodable and of an accepted format."""
    data = b64(value)
    if data is None:
        raise malformed(pointer, "invalid base64 image")
    return decode_image(data, pointer, formats)


def field_image(obj: dict[str, Any], key: str, pointer: str, formats: tuple[str, ...]) -> Image.Image:
    """obj[key] as a base64 image: required, decodable and of an accepted format."""
    if key not in obj:
        raise malformed(pointer, f"required key [{key}] not found")
    return value_image(obj[key], f"{pointer}/{key}", formats)


def image_size(data: bytes, pointer: str) -> tuple[int, int]:
    """(width, height) of an input image, or a ValidationException."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (OSError, ValueError) as exc:
        raise malformed(pointer, "the image could not be decoded") from exc


def solid(size: tuple[int, int], seed: int, index: int) -> Image.Image:
    """A solid-colour RGB image whose colour derives from (seed, index)."""
    digest = hashlib.sha256(f"{seed}:{index}".encode()).digest()
    return Image.new("RGB", size, (digest[0], digest[1], digest[2]))


def encode_image(image: Image.Image, text_chunks: dict[str, str], *, fmt: str) -> bytes:
    """PNG with text chunks; JPEG with the chunks as a JSON comment; WebP with them as its XMP packet."""
    out = io.BytesIO()
    if fmt == "jpeg":
        image.convert("RGB").save(out, "JPEG", quality=90, comment=json.dumps(text_chunks).encode())
    elif fmt == "webp":
        image.save(out, "WEBP", lossless=True, xmp=json.dumps(text_chunks).encode())
    else:
        info = PngImagePlugin.PngInfo()
        for key, value in text_chunks.items():
            info.add_text(key, value)
        image.save(out, "PNG", pnginfo=info, compress_level=1)
    return out.getvalue()


def render_image(size: tuple[int, int], seed: int, index: int, text: dict[str, str], *, fmt: str) -> bytes:
    """A solid-colour image whose colour derives from (seed, index), tagged with text metadata."""
    return encode_image(solid(size, seed, index), text, fmt=fmt)


def png_info(data: bytes) -> dict[str, str]:
    """The text chunks of a PNG the emulator generated (JPEGs: their JSON comment; WebP: its XMP)."""
    with Image.open(io.BytesIO(data)) as image:
        if isinstance(image, PngImagePlugin.PngImageFile):
            return {str(k): str(v) for k, v in image.text.items()}
        comment = image.info.get("comment") or image.info.get("xmp")
    if isinstance(comment, bytes | str):
        parsed = json.loads(comment)
        return {str(k): str(v) for k, v in parsed.items()}
    return {}


def tag(
    *, seed: int, index: int, call: int, prompt: str, model_id: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The emulator's identifying metadata for a generated image."""
    return {
        "emulator-seed": str(seed),
        "emulator-index": str(index),
        "emulator-call": str(call),
        "emulator-prompt": prompt[:200],
        "emulator-model": model_id,
        **(extra or {}),
    }


def tagged_image(
    size: tuple[int, int],
    *,
    seed: int,
    index: int,
    call: int,
    prompt: str,
    model_id: str,
    fmt: str = "png",
    extra: dict[str, str] | None = None,
) -> bytes:
    """A generated image with the emulator's identifying metadata."""
    chunks = tag(seed=seed, index=index, call=call, prompt=prompt, model_id=model_id, extra=extra)
    return render_image(size, seed, index, chunks, fmt=fmt)


def megapixel_size(ratio_w: float, ratio_h: float, area: int = 1024 * 1024) -> tuple[int, int]:
    """About `area` pixels at the given aspect ratio, both sides multiples of 64."""
    width = max(64, round(math.sqrt(area * ratio_w / ratio_h) / 64) * 64)
    height = max(64, round(math.sqrt(area * ratio_h / ratio_w) / 64) * 64)
    return width, height


def b64encode(data: bytes) -> str:
    """Base64 text of bytes."""
    return base64.b64encode(data).decode()
