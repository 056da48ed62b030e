"""Stability AI on Bedrock: SDXL 1.0 (text_prompts schema) and SD3.5 / Stable Image (prompt schema)."""

from __future__ import annotations

import base64
import logging
from abc import ABC, abstractmethod
from typing import Any

from services.core.errors import ContentFiltered, ModelUnavailable
from services.core.images import crop_to_size
from services.generation.bedrock import RetryPolicy
from services.generation.image_models.base import (
    Capabilities,
    GeneratedImage,
    GenerationRequest,
    VariationRequest,
    check_count,
    check_edit,
    check_variation,
    decode_image,
    invoke_json,
    source_size,
)
from services.generation.image_models.edits import EditRequest, ImageRules, UnsupportedEdit
from services.generation.image_models.fitting import Fitted, fit_image

logger = logging.getLogger(__name__)

SDXL_SIZES = (
    (1024, 1024), (1152, 896), (1216, 832), (1344, 768), (1536, 640),
    (640, 1536), (768, 1344), (832, 1216), (896, 1152),
)  # fmt: skip

SDXL_STYLES = (
    "3d-model", "analog-film", "anime", "cinematic", "comic-book", "digital-art", "enhance",
    "fantasy-art", "isometric", "line-art", "low-poly", "modeling-compound", "neon-punk",
    "origami", "photographic", "pixel-art", "tile-texture",
)  # fmt: skip

SDXL_STEPS = (10, 50)

STABLE_IMAGE_RATIOS = ("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")

# SDXL's init image fixes the output size, so it must be one of the listed sizes.
SDXL_INPUT = ImageRules(sizes=SDXL_SIZES)
# SD3.5's image-to-image input, as Stability states it for its image APIs: every side at least
# 64 px, at most 9,437,184 px, aspect ratio 1:2.5 to 2.5:1.
SD3_INPUT = ImageRules(min_side=64, max_pixels=9_437_184, max_aspect=2.5)
# SD3's strength is required for image-to-image; without a requested similarity, the midpoint.
SD3_DEFAULT_SIMILARITY = 0.5

SDXL = Capabilities(
    family="sdxl",
    cfg_min=0.0,
    cfg_max=35.0,
    cfg_default=7.0,
    seed_max=4_294_967_295,
    max_prompt_chars=2000,
    max_negative_chars=2000,
    max_images_per_call=1,
    sizes=SDXL_SIZES,
    supports_variation=True,
    variation_strength=(0.0, 1.0),
    styles=SDXL_STYLES,
    edits=frozenset(("restyle",)),
    edit_input=SDXL_INPUT,
    # Every text_prompts entry needs text, and image-to-image has no other guide.
    edits_need_prompt=frozenset(("restyle",)),
)

SD3_LARGE = Capabilities(
    family="sd3",
    seed_max=4_294_967_294,
    max_prompt_chars=10_000,
    max_negative_chars=10_000,
    max_images_per_call=1,
    aspect_ratios=STABLE_IMAGE_RATIOS,
    supports_variation=True,
    variation_strength=(0.0, 1.0),
    edits=frozenset(("restyle",)),
    edit_input=SD3_INPUT,
    edits_need_prompt=frozenset(("restyle",)),
)

# Core and Ultra. Bedrock documents only text-to-image for them (Core lists mode's enum as
# "text-to-image" alone, Ultra's page has no image-to-image section), so no variation.
STABLE_IMAGE = Capabilities(
    family="stable-image",
    seed_max=4_294_967_294,
    max_prompt_chars=10_000,
    max_negative_chars=10_000,
    max_images_per_call=1,
    aspect_ratios=STABLE_IMAGE_RATIOS,
)

# The widest output of the ratio-sized models (their 21:9), as width:height.
_WIDEST = (1536, 640)

# Finish reasons that mean the request itself was refused, so a new seed will not help.
_INPUT_FILTERS = ("Filter reason: prompt", "Filter reason: input image")


class StabilityModel(ABC):
    """What the Stability AI text-to-image models on Bedrock share: one InvokeModel call per request,
    the same checks before it, and restyle as their only edit.

    A model family is a subclass that states its sizes and its three request bodies, and reads its
    answer; the dispatch from a request to the call lives here once.
    """

    def __init__(
        self, client: Any, model_id: str, capabilities: Capabilities, retry: RetryPolicy | None = None
    ) -> None:
        self._client = client
        self.model_id = model_id
        self.capabilities = capabilities
        self._retry = retry or RetryPolicy()

    @abstractmethod
    def validate_size(self, width: int, height: int) -> None:
        """Raise ValueError if the model cannot produce this size."""

    @abstractmethod
    def body(self, request: GenerationRequest) -> dict[str, Any]:
        """The text-to-image InvokeModel body."""

    @abstractmethod
    def variation_body(self, request: VariationRequest) -> dict[str, Any]:
        """The image-to-image body of a variation."""

    @abstractmethod
    def restyle_body(self, request: EditRequest, fitted: Fitted) -> dict[str, Any]:
        """The image-to-image body of a restyle, from the source fitted to ``edit_input``."""

    @abstractmethod
    def images(self, payload: dict[str, Any], seed: int) -> list[GeneratedImage]:
        """The images of an answer; a domain error when it has none."""

    def edit_body(self, request: EditRequest) -> dict[str, Any]:
        """Restyle: image-to-image from the source fitted to the model's input rules."""
        rules = self.capabilities.edit_input
        if request.operation != "restyle" or rules is None:
            raise UnsupportedEdit(f"{self.capabilities.family} cannot {request.operation}")
        return self.restyle_body(request, fit_image(request.source, rules))

    def generate(self, request: GenerationRequest) -> list[GeneratedImage]:
        """One text-to-image call; a filtered answer raises ContentFiltered."""
        check_count(self.capabilities, request.count)
        return self._invoke(self.body(request), request.seed)

    def vary(self, request: VariationRequest) -> list[GeneratedImage]:
        """One image-to-image call from ``request.source``; ValueError where the model cannot."""
        check_variation(self.capabilities, request)
        return self._invoke(self.variation_body(request), request.seed)

    def edit(self, request: EditRequest) -> list[GeneratedImage]:
        """Restyle (image-to-image) only; UnsupportedEdit for the rest."""
        check_edit(self.capabilities, request)
        return self._invoke(self.edit_body(request), request.seed)

    def _invoke(self, body: dict[str, Any], seed: int) -> list[GeneratedImage]:
        return self.images(invoke_json(self._client, self._retry, self.model_id, body), seed)


class StableDiffusionXL(StabilityModel):
    """Adapter for ``stability.stable-diffusion-xl-v1``: fixed sizes, cfg, steps and style presets."""

    def __init__(
        self,
        client: Any,
        model_id: str,
        retry: RetryPolicy | None = None,
        *,
        steps: int = 30,
        style_preset: str | None = None,
        capabilities: Capabilities = SDXL,
    ) -> None:
        if not SDXL_STEPS[0] <= steps <= SDXL_STEPS[1]:
            raise ValueError(f"SDXL steps must be between {SDXL_STEPS[0]} and {SDXL_STEPS[1]}")
        if style_preset is not None and style_preset not in capabilities.styles:
            raise ValueError(f"unknown SDXL style preset {style_preset!r}")
        super().__init__(client, model_id, capabilities, retry)
        self.steps = steps
        self.style_preset = style_preset

    def validate_size(self, width: int, height: int) -> None:
        """Raise ValueError for a size outside SDXL's list."""
        if (width, height) not in (self.capabilities.sizes or SDXL_SIZES):
            raise ValueError(f"{width}x{height} is not one of the model's sizes")

    def _common(self, request: GenerationRequest | VariationRequest | EditRequest) -> dict[str, Any]:
        prompts: list[dict[str, Any]] = [{"text": request.prompt, "weight": 1.0}]
        if request.negative_prompt:
            # A negative weight is how SDXL takes a negative prompt.
            prompts.append({"text": request.negative_prompt, "weight": -1.0})
        body: dict[str, Any] = {"text_prompts": prompts, "seed": request.seed, "steps": self.steps}
        if request.cfg_scale is not None:
            body["cfg_scale"] = request.cfg_scale
        if self.style_preset:
            body["style_preset"] = self.style_preset
        # Bedrock accepts only 1 here.
        body["samples"] = 1
        return body

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        """The text-to-image InvokeModel body."""
        return {**self._common(request), "width": request.width, "height": request.height}

    def variation_body(self, request: VariationRequest) -> dict[str, Any]:
        """The image-to-image body; the source is fitted to the SDXL size nearest its aspect ratio.

        The output takes the init image's size (SDXL rejects other sizes), so
        ``request.width``/``height`` are not used.
        """
        target = self.capabilities.nearest_size(*source_size(request.source))
        return {
            **self._common(request),
            "init_image": base64.b64encode(fit_png(request.source, target)).decode(),
            "init_image_mode": "IMAGE_STRENGTH",
            # SDXL's image_strength already means "near 1 keeps the source".
            "image_strength": request.strength,
        }

    def restyle_body(self, request: EditRequest, fitted: Fitted) -> dict[str, Any]:
        """Image-to-image from the source fitted to the SDXL size nearest its aspect ratio."""
        body = {
            **self._common(request),
            "init_image": base64.b64encode(fitted.data).decode(),
            "init_image_mode": "IMAGE_STRENGTH",
        }
        # Without a requested similarity the model's own default (0.35) applies.
        if request.strength is not None:
            body["image_strength"] = request.strength
        return body

    def images(self, payload: dict[str, Any], seed: int) -> list[GeneratedImage]:
        """The SUCCESS artifacts of a ``{"result", "artifacts"}`` answer; a domain error if none."""
        images: list[GeneratedImage] = []
        reasons: list[str] = []
        for artifact in payload.get("artifacts") or []:
            if not isinstance(artifact, dict):
                continue
            reason = str(artifact.get("finishReason") or "")
            if reason == "SUCCESS" and artifact.get("base64"):
                data = decode_image(str(artifact["base64"]), self.model_id)
                images.append(GeneratedImage(data=data, seed=_seed(artifact.get("seed"), seed)))
            else:
                reasons.append(reason)
        if reasons:
            logger.info("invoke %s: artifacts without an image: %s", self.model_id, reasons)
        if images:
            return images
        # A CONTENT_FILTERED artifact may still carry a blurred image; it is never shown.
        if "CONTENT_FILTERED" in reasons:
            raise ContentFiltered(f"invoke {self.model_id}: CONTENT_FILTERED", stage="output")
        failed = [reason for reason in reasons if reason and reason != "SUCCESS"]
        if failed:
            # "ERROR" (or anything undocumented): the model failed, not the prompt.
            raise ModelUnavailable(f"invoke {self.model_id}: {failed[0][:100]}")
        raise ContentFiltered("no images returned", stage="output")


class StableImage(StabilityModel):
    """Adapter for SD3.5 Large and Stable Image Core/Ultra: sized by aspect ratio, no cfg."""

    def __init__(
        self, client: Any, model_id: str, capabilities: Capabilities, retry: RetryPolicy | None = None
    ) -> None:
        if not capabilities.aspect_ratios:
            raise ValueError("StableImage needs capabilities with aspect_ratios")
        super().__init__(client, model_id, capabilities, retry)

    def validate_size(self, width: int, height: int) -> None:
        """Any size from 9:21 to 21:9 as Stability makes them; it only chooses the aspect ratio."""
        if width <= 0 or height <= 0:
            raise ValueError("width and height must be positive")
        # Stability's 21:9 image is 1536x640, which is 12:5 and a little wider than 21:9 itself:
        # bounding by 21:9 refused the size --ar 21:9 (and 9:21) resolves to.
        wide, high = _WIDEST
        if width * high > height * wide or height * high > width * wide:
            raise ValueError("the aspect ratio must be between 9:21 and 21:9 (640x1536 to 1536x640)")

    def _common(self, request: GenerationRequest | VariationRequest | EditRequest) -> dict[str, Any]:
        body: dict[str, Any] = {"prompt": request.prompt}
        if request.negative_prompt:
            body["negative_prompt"] = request.negative_prompt
        body["seed"] = request.seed
        body["output_format"] = "png"
        return body

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        """The text-to-image InvokeModel body."""
        body = self._common(request)
        body["aspect_ratio"] = self.capabilities.nearest_aspect_ratio(request.width, request.height)
        # Only SD3.x documents ``mode`` with both values. For Core/Ultra it is optional and
        # defaults to text-to-image, and some clients report Bedrock rejecting it, so it is omitted.
        if self.capabilities.family == "sd3":
            body["mode"] = "text-to-image"
        return body

    def variation_body(self, request: VariationRequest) -> dict[str, Any]:
        """The SD3.5 image-to-image body; the output follows the source's aspect ratio."""
        body = self._common(request)
        body["mode"] = "image-to-image"
        body["image"] = base64.b64encode(request.source).decode()
        # SD3's strength is a denoising amount (0 returns the source, 1 ignores it): the
        # inverse of our similarity. aspect_ratio is valid for text-to-image only.
        body["strength"] = round(1.0 - request.strength, 4)
        return body

    def restyle_body(self, request: EditRequest, fitted: Fitted) -> dict[str, Any]:
        """SD3.5's image-to-image from the fitted source (Core and Ultra have no edit_input)."""
        body = self._common(request)
        body["mode"] = "image-to-image"
        body["image"] = base64.b64encode(fitted.data).decode()
        similarity = SD3_DEFAULT_SIMILARITY if request.strength is None else request.strength
        body["strength"] = round(1.0 - similarity, 4)
        return body

    def images(self, payload: dict[str, Any], seed: int) -> list[GeneratedImage]:
        """The images of a ``{"seeds", "finish_reasons", "images"}`` answer."""
        return stable_images(payload, self.model_id, seed)


def stable_images(payload: dict[str, Any], model_id: str, seed: int) -> list[GeneratedImage]:
    """The images of a ``{"seeds", "finish_reasons", "images"}`` answer; a domain error if none."""
    encoded = list(payload.get("images") or [])
    reasons = list(payload.get("finish_reasons") or [])
    seeds = list(payload.get("seeds") or [])
    images: list[GeneratedImage] = []
    for index, value in enumerate(encoded):
        reason = reasons[index] if index < len(reasons) else None
        if reason or not value:
            continue
        image_seed = _seed(seeds[index] if index < len(seeds) else None, seed)
        images.append(GeneratedImage(data=decode_image(str(value), model_id), seed=image_seed))
    problems = [str(reason) for reason in reasons if reason]
    if problems:
        logger.info("invoke %s: finish reasons: %s", model_id, ", ".join(problems))
    if images:
        return images
    raise _failure(model_id, problems)


def _failure(model_id: str, reasons: list[str]) -> Exception:
    """The domain error for a Stable Image answer without a usable image."""
    for reason in reasons:
        if reason in _INPUT_FILTERS:
            return ContentFiltered(f"invoke {model_id}: {reason}", stage="input")
    for reason in reasons:
        if reason.startswith("Filter reason"):
            return ContentFiltered(f"invoke {model_id}: {reason}", stage="output")
    if reasons:
        # "Inference error" and anything undocumented: the model failed, not the prompt.
        return ModelUnavailable(f"invoke {model_id}: {reasons[0][:100]}")
    return ContentFiltered("no images returned", stage="output")


def _seed(value: Any, fallback: int) -> int:
    """The seed a model reports for an image (an int, or digits per the docs' "string"), else ours."""
    if isinstance(value, bool):
        return fallback
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return fallback


def fit_png(source: bytes, size: tuple[int, int]) -> bytes:
    """``source`` centre-cropped to ``size``'s aspect ratio and resized to it, as an RGB PNG."""
    return crop_to_size(source, *size)
