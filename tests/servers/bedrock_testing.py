"""Helpers the Bedrock emulator tests share: real boto3 clients and small images."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from PIL import Image

NOVA = "amazon.nova-canvas-v1:0"
TITAN = "amazon.titan-image-generator-v2:0"


def client(service: str) -> Any:
    """A client of service in us-east-1 that does not retry, so every request is one call."""
    retries: Any = {"mode": "standard", "total_max_attempts": 1}
    return boto3.client(service, region_name="us-east-1", config=Config(retries=retries))


def invoke(model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """InvokeModel with a JSON body; the parsed JSON answer."""
    response = client("bedrock-runtime").invoke_model(
        modelId=model_id, body=json.dumps(body), contentType="application/json", accept="application/json"
    )
    parsed: dict[str, Any] = json.loads(response["body"].read())
    return parsed


def rejected(model_id: str, body: dict[str, Any], code: str = "ValidationException") -> str:
    """Invoke, expect the error code; the error message."""
    with pytest.raises(ClientError) as caught:
        invoke(model_id, body)
    error = caught.value.response["Error"]
    assert error["Code"] == code, error
    return str(error["Message"])


def image_bytes(
    size: tuple[int, int] = (512, 512),
    colour: tuple[int, ...] = (200, 40, 40),
    *,
    fmt: str = "PNG",
    mode: str = "RGB",
) -> bytes:
    """A solid image."""
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt)
    return out.getvalue()


def b64(data: bytes) -> str:
    """Base64 text."""
    return base64.b64encode(data).decode()


def png_b64(size: tuple[int, int] = (512, 512), colour: tuple[int, ...] = (200, 40, 40), **kw: Any) -> str:
    """A solid image as base64 text."""
    return b64(image_bytes(size, colour, **kw))


def mask_b64(size: tuple[int, int], box: tuple[int, int, int, int], *, fmt: str = "PNG") -> str:
    """A white mask with a black box (the area an inpainting changes)."""
    mask = Image.new("RGB", size, (255, 255, 255))
    mask.paste((0, 0, 0), box)
    out = io.BytesIO()
    mask.save(out, fmt)
    return b64(out.getvalue())


def raw(b64_text: str) -> bytes:
    """Bytes from base64 text."""
    return base64.b64decode(b64_text)


def decoded(b64_text: str) -> Image.Image:
    """An image from base64 text."""
    image = Image.open(io.BytesIO(base64.b64decode(b64_text)))
    image.load()
    return image
