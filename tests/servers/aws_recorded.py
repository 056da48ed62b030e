"""What the AWS emulator records of each request, and the images a request carries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.servers.bedrock_common import b64

_INVOKE_IMAGE_KEYS = frozenset(
    (
        "inImage", "images", "init_image", "image", "conditionImage", "maskImage", "referenceImage",
        "mask", "style_image",
    )
)  # fmt: skip


@dataclass(frozen=True)
class Recorded:
    """One request the emulator received (headers lower-cased; raw is the undecoded body)."""

    op: str
    model_id: str | None
    body: dict[str, Any]
    headers: dict[str, str]
    tool: str | None
    raw: bytes = field(default=b"", repr=False)
    path: str = ""
    received: float = field(default=0.0, repr=False, compare=False)

    def images(self) -> list[bytes]:
        """Decoded image bytes carried by the request, in document order (InvokeModel: input images,
        masks, condition, reference and style images alike)."""
        if self.op == "DetectModerationLabels":
            image = self.body.get("Image")
            data = image.get("Bytes") if isinstance(image, dict) else None
            return [decoded] if (decoded := b64(data)) is not None else []
        if self.op in ("Converse", "ApplyGuardrail"):
            return [img for img in (b64(src) for src in _block_image_sources(self.body)) if img is not None]
        return list(self.named_images().values())

    def named_images(self) -> dict[str, bytes]:
        """InvokeModel's decoded images by JSON pointer, e.g. ``/inPaintingParams/maskImage`` or
        ``/imageVariationParams/images/1``; empty for the other operations."""
        if self.op != "InvokeModel":
            return {}
        return {
            pointer: data
            for pointer, value in _invoke_image_fields(self.body, "")
            if (data := b64(value)) is not None
        }


def _block_image_sources(body: dict[str, Any]) -> Iterator[Any]:
    """Base64 image sources of Converse / ApplyGuardrail content blocks (tool results included)."""

    def from_blocks(blocks: Any) -> Iterator[Any]:
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, dict):
                continue
            image = block.get("image")
            if isinstance(image, dict) and isinstance(image.get("source"), dict):
                yield image["source"].get("bytes")
            tool_result = block.get("toolResult")
            if isinstance(tool_result, dict):
                yield from from_blocks(tool_result.get("content"))

    for message in body.get("messages") or []:
        if isinstance(message, dict):
            yield from from_blocks(message.get("content"))
    yield from from_blocks(body.get("content"))


def _invoke_image_fields(node: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """(JSON pointer, base64 string) under the image-carrying keys of an InvokeModel body."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{pointer}/{key}"
            if key in _INVOKE_IMAGE_KEYS and isinstance(value, str):
                yield here, value
            elif (
                key in _INVOKE_IMAGE_KEYS
                and isinstance(value, list)
                and all(isinstance(v, str) for v in value)
            ):
                yield from ((f"{here}/{i}", v) for i, v in enumerate(value))
            else:
                yield from _invoke_image_fields(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _invoke_image_fields(item, f"{pointer}/{i}")
