"""Nova Canvas and Titan Image Generator: one schema of task types, for generation and edits."""

from __future__ import annotations

import base64
import logging
from typing import Any

from services.core.edits import REGION_OPERATIONS
from services.core.errors import ContentFiltered
from services.generation.bedrock import RetryPolicy
from services.generation.image_models.base import (
    Capabilities,
    GeneratedImage,
    GenerationRequest,
    VariationRequest,
    check_edit,
    check_variation,
    invoke_json,
)
from services.generation.image_models.edits import EditRequest, ImageRules, UnsupportedEdit
from services.generation.image_models.fitting import Fitted, fit_image, fit_mask, image_size, outpaint_canvas

logger = logging.getLogger(__name__)

TITAN_SIZES = (
    (1024, 1024), (768, 768), (512, 512), (768, 1152), (384, 576), (1152, 768), (576, 384),
    (768, 1280), (384, 640), (1280, 768), (640, 384), (896, 1152), (448, 576), (1152, 896),
    (576, 448), (768, 1408), (384, 704), (1408, 768), (704, 384), (640, 1408), (320, 704),
    (1408, 640), (704, 320), (1152, 640), (1173, 640),
)  # fmt: skip

# Input images ("Supported image resolutions"): 320-4,096 px per side, multiples of 16, fewer
# than 4,194,304 px, 1:4 to 4:1, 8-bit RGB; a PNG's alpha must be fully opaque.
NOVA_INPUT = ImageRules(
    min_side=320, max_side=4096, max_pixels=4_194_303, multiple_of=16, max_aspect=4.0, opaque=True
)
# Titan: input images and masks at most 1,408 px on the longer side, RGB.
TITAN_INPUT = ImageRules(max_side=1408, opaque=True)

# Region edits are INPAINTING (erase is inpainting without text: the model fills the region
# with its surroundings), outpaint is OUTPAINTING, restyle IMAGE_VARIATION, layout TEXT_IMAGE
# with a conditionImage. Recolor is inpainting whose prompt names the new colour.
AMAZON_EDITS = frozenset(
    ("inpaint", "erase", "recolor", "outpaint", "remove_background", "restyle", "layout")
)
# Titan v1 has no BACKGROUND_REMOVAL and no image conditioning ("V2 only" on AWS's page).
TITAN_V1_EDITS = AMAZON_EDITS - {"remove_background", "layout"}

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
    edits=AMAZON_EDITS,
    edit_input=NOVA_INPUT,
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
    edits=AMAZON_EDITS,
    edit_input=TITAN_INPUT,
    # Titan's page marks the outpainting text Required; Nova's leaves it optional.
    edits_need_prompt=frozenset(("outpaint",)),
)
TITAN_IMAGE_V1 = TITAN_IMAGE.model_copy(update={"edits": TITAN_V1_EDITS})


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

    def edit(self, request: EditRequest) -> list[GeneratedImage]:
        """One edit call; the source is fitted to the model's input rules first."""
        check_edit(self.capabilities, request)
        return self._invoke(self.edit_body(request), request.seed)

    def edit_body(self, request: EditRequest) -> dict[str, Any]:
        """The InvokeModel body of an edit."""
        rules = self.capabilities.edit_input or NOVA_INPUT
        operation = request.operation
        if operation == "outpaint":
            return self._outpaint_body(request, rules)
        fitted = fit_image(request.source, rules)
        image = _b64(fitted.data)
        if operation == "remove_background":
            # The task takes the image alone; an imageGenerationConfig is rejected.
            return {"taskType": "BACKGROUND_REMOVAL", "backgroundRemovalParams": {"image": image}}
        if operation in REGION_OPERATIONS:
            return self._inpaint_body(request, fitted)
        size = self._output_size(fitted.size)
        config = self._edit_config(request, size)
        if operation == "restyle":
            params: dict[str, Any] = {"images": [image]}
            if request.strength is not None:
                params["similarityStrength"] = request.strength
            _texts(params, request)
            return {
                "taskType": "IMAGE_VARIATION",
                "imageVariationParams": params,
                "imageGenerationConfig": config,
            }
        if operation != "layout":
            raise UnsupportedEdit(f"{self.capabilities.family} cannot {operation}")
        params = {"conditionImage": image, "controlMode": request.control_mode}
        if request.control_strength is not None:
            params["controlStrength"] = request.control_strength
        _texts(params, request)
        return {"taskType": "TEXT_IMAGE", "textToImageParams": params, "imageGenerationConfig": config}

    def _inpaint_body(self, request: EditRequest, fitted: Fitted) -> dict[str, Any]:
        params: dict[str, Any] = {"image": _b64(fitted.data)}
        if request.mask is not None:
            # INPAINTING changes the black area, as EditRequest.mask is drawn.
            params["maskImage"] = _b64(fit_mask(request.mask, fitted.plan))
        else:
            params["maskPrompt"] = request.mask_prompt
        if request.operation == "erase":
            # Without text the model fills the region with its surroundings: that is the erase.
            if request.negative_prompt:
                params["negativeText"] = request.negative_prompt
        else:
            _texts(params, request)
        return {
            "taskType": "INPAINTING",
            "inPaintingParams": params,
            "imageGenerationConfig": self._edit_config(request),
        }

    def _outpaint_body(self, request: EditRequest, rules: ImageRules) -> dict[str, Any]:
        canvas = outpaint_canvas(request.source, request.expansion_for(*image_size(request.source)), rules)
        params: dict[str, Any] = {
            "image": _b64(canvas.image),
            # OUTPAINTING changes the white area: the new margins. PRECISE keeps the source's
            # pixels exactly where DEFAULT may blend across the mask edge.
            "maskImage": _b64(canvas.mask(change="white")),
            "outPaintingMode": "PRECISE",
        }
        _texts(params, request)
        return {
            "taskType": "OUTPAINTING",
            "outPaintingParams": params,
            "imageGenerationConfig": self._edit_config(request),
        }

    def _output_size(self, size: tuple[int, int]) -> tuple[int, int]:
        """The generated size for an edit that makes a new image from the (fitted) source."""
        if self.capabilities.sizes is not None:
            return self.capabilities.nearest_size(*size)
        # Nova: the fitted source already meets the output rules (multiples of 16, the limits).
        return size

    @staticmethod
    def _edit_config(request: EditRequest, size: tuple[int, int] | None = None) -> dict[str, Any]:
        # Inpainting and outpainting keep the input's size, so no width or height for them.
        config: dict[str, Any] = {"numberOfImages": request.count, "seed": request.seed}
        if size is not None:
            config["width"], config["height"] = size
        if request.cfg_scale is not None:
            config["cfgScale"] = request.cfg_scale
        return config

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


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _texts(params: dict[str, Any], request: EditRequest) -> None:
    """``text`` and ``negativeText`` when given: the schema rejects empty strings."""
    if request.prompt:
        params["text"] = request.prompt
    if request.negative_prompt:
        params["negativeText"] = request.negative_prompt
