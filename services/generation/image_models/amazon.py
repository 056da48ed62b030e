"""Nova Canvas and Titan Image Generator: the shared TEXT_IMAGE and IMAGE_VARIATION schema."""

from __future__ import annotations

import base64
import logging
from typing import Any

from services.core.errors import ContentFiltered
from services.generation.bedrock import RetryPolicy
from services.generation.image_models.base import (
    Capabilities,
    GeneratedImage,
    GenerationRequest,
    VariationRequest,
    check_variation,
    invoke_json,
)

logger = logging.getLogger(__name__)

TITAN_SIZES = (
    (1024, 1024), (768, 768), (512, 512), (768, 1152), (384, 576), (1152, 768), (576, 384),
    (768, 1280), (384, 640), (1280, 768), (640, 384), (896, 1152), (448, 576), (1152, 896),
    (576, 448), (768, 1408), (384, 704), (1408, 768), (704, 384), (640, 1408), (320, 704),
    (1408, 640), (704, 320), (1152, 640), (1173, 640),
)  # fmt: skip

NOVA_CANVAS = Capabilities(
    family="nova-canvas",
    cfg_min=1.1,
    cfg_max=10.0,
    cfg_default=6.5,
    seed_max=858_993_459,
    max_prompt_chars=1024,
    max_negative_chars=1024,
    max_images_per_call=5,
    supports_variation=True,
    variation_strength=(0.2, 1.0),
)

TITAN_IMAGE = Capabilities(
    family="titan-image",
    cfg_min=1.1,
    cfg_max=10.0,
    cfg_default=8.0,
    seed_max=2_147_483_646,
    max_prompt_chars=512,
    max_negative_chars=512,
    max_images_per_call=5,
    sizes=TITAN_SIZES,
    supports_variation=True,
    variation_strength=(0.2, 1.0),
)


class AmazonImageModel:
    """Adapter for ``amazon.nova-canvas-*`` and ``amazon.titan-image-generator-*``."""

    def __init__(
        self, client: Any, model_id: str, capabilities: Capabilities, retry: RetryPolicy | None = None
    ) -> None:
        self._client = client
        self.model_id = model_id
        self.capabilities = capabilities
        self._retry = retry or RetryPolicy()

    def validate_size(self, width: int, height: int) -> None:
        """Raise ValueError for a size the model rejects."""
        caps = self.capabilities
        if caps.sizes is not None:
            if (width, height) not in caps.sizes:
                raise ValueError(f"{width}x{height} is not one of the model's sizes")
            return
        # Nova Canvas: any size within these bounds.
        if width % 16 or height % 16:
            raise ValueError("width and height must be multiples of 16")
        if not (320 <= width <= 4096 and 320 <= height <= 4096):
            raise ValueError("width and height must be between 320 and 4096")
        if width * height >= 4_194_304:
            raise ValueError("the image must have fewer than 4,194,304 pixels")
        if max(width, height) > 4 * min(width, height):
            raise ValueError("the aspect ratio must be between 1:4 and 4:1")

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        """The InvokeModel request body."""
        params: dict[str, Any] = {"text": request.prompt}
        if request.negative_prompt:
            params["negativeText"] = request.negative_prompt
        return {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": params,
            "imageGenerationConfig": self._config(request),
        }

    def variation_body(self, request: VariationRequest) -> dict[str, Any]:
        """The InvokeModel body of an IMAGE_VARIATION request."""
        params: dict[str, Any] = {
            "images": [base64.b64encode(request.source).decode()],
            "similarityStrength": request.strength,
        }
        # Both texts are optional for a variation, and the schema rejects empty strings.
        if request.prompt:
            params["text"] = request.prompt
        if request.negative_prompt:
            params["negativeText"] = request.negative_prompt
        return {
            "taskType": "IMAGE_VARIATION",
            "imageVariationParams": params,
            "imageGenerationConfig": self._config(request),
        }

    @staticmethod
    def _config(request: GenerationRequest | VariationRequest) -> dict[str, Any]:
        config: dict[str, Any] = {
            "numberOfImages": request.count,
            "width": request.width,
            "height": request.height,
            "seed": request.seed,
        }
        if request.cfg_scale is not None:
            config["cfgScale"] = request.cfg_scale
        return config

    def generate(self, request: GenerationRequest) -> list[GeneratedImage]:
        """Call InvokeModel and decode the images; filtered output raises ContentFiltered."""
        return self._invoke(self.body(request), request.seed)

    def vary(self, request: VariationRequest) -> list[GeneratedImage]:
        """IMAGE_VARIATION of ``request.source``; ValueError for a strength outside 0.2-1.0."""
        check_variation(self.capabilities, request)
        return self._invoke(self.variation_body(request), request.seed)

    def _invoke(self, body: dict[str, Any], seed: int) -> list[GeneratedImage]:
        payload = invoke_json(self._client, self._retry, self.model_id, body)
        images = payload.get("images") or []
        error = payload.get("error")
        if error:
            # Nova answers 200 with an "error" when the output filter removed images;
            # "Some of the generated images" still returns the ones that passed.
            logger.info("invoke %s: model reported: %s", self.model_id, str(error)[:200])
        if not images:
            raise ContentFiltered(str(error or "no images returned"), stage="output")
        # The service generates numberOfImages from consecutive seeds only for some
        # models; recording the request seed on each image keeps results reproducible.
        return [GeneratedImage(data=base64.b64decode(image), seed=seed) for image in images]
