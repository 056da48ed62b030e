"""Image model adapters, chosen by model id."""

from __future__ import annotations

from typing import Any

from services.bedrock import RetryPolicy
from services.image_models.amazon import NOVA_CANVAS, TITAN_IMAGE, AmazonImageModel
from services.image_models.base import Capabilities, GeneratedImage, GenerationRequest, ImageModel

__all__ = [
    "Capabilities",
    "GeneratedImage",
    "GenerationRequest",
    "ImageModel",
    "UnsupportedModel",
    "build_image_model",
]


class UnsupportedModel(ValueError):
    """No adapter handles this model id."""


def build_image_model(client: Any, model_id: str, retry: RetryPolicy | None = None) -> ImageModel:
    """The adapter for ``model_id`` (matched by its prefix)."""
    bare = model_id.rsplit("/", 1)[-1]
    if bare.startswith("amazon.nova-canvas"):
        return AmazonImageModel(client, model_id, NOVA_CANVAS, retry)
    if bare.startswith("amazon.titan-image-generator"):
        return AmazonImageModel(client, model_id, TITAN_IMAGE, retry)
    raise UnsupportedModel(
        f"IMAGE_MODEL_ID {model_id!r} is not supported; use amazon.nova-canvas-v1:0 "
        "or amazon.titan-image-generator-v2:0"
    )
