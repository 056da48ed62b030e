"""Small images, masks and clients the edit tests share."""

from __future__ import annotations

import base64
import io
from typing import Any

import boto3
from PIL import Image

from services.generation.bedrock import RetryPolicy
from services.generation.image_models import EditRequest, build_edit_model, build_image_model

RED = (200, 40, 40)


def client() -> Any:
    """A bedrock-runtime client that reaches the emulator (through AWS_ENDPOINT_URL_*)."""
    return boto3.client("bedrock-runtime", region_name="us-east-1")


def image_model(model_id: str, **kwargs: Any) -> Any:
    """The image model adapter for ``model_id``, retrying without sleeping."""
    return build_image_model(client(), model_id, RetryPolicy(sleep=lambda _: None), **kwargs)


def edit_model(model_id: str) -> Any:
    """The edit adapter for ``model_id``, retrying without sleeping."""
    return build_edit_model(client(), model_id, RetryPolicy(sleep=lambda _: None))


def image(
    size: tuple[int, int] = (1024, 768), fmt: str = "PNG", colour: tuple[int, ...] = RED, mode: str = "RGB"
) -> bytes:
    """A solid image."""
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt)
    return out.getvalue()


def mask(size: tuple[int, int], box: tuple[int, int, int, int]) -> bytes:
    """A white mask with a black box: the area an EditRequest changes."""
    drawn = Image.new("RGB", size, (255, 255, 255))
    drawn.paste((0, 0, 0), box)
    out = io.BytesIO()
    drawn.save(out, "PNG")
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    """An image, fully loaded."""
    result = Image.open(io.BytesIO(data))
    result.load()
    return result


def b64(data: bytes) -> str:
    """Base64 text, as request bodies carry images."""
    return base64.b64encode(data).decode()


def edit(operation: str, source: bytes, **fields: Any) -> EditRequest:
    """An EditRequest (the operation as a plain string, as tests spell it)."""
    return EditRequest(operation=operation, source=source, **fields)  # type: ignore[arg-type]
