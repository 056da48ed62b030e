"""The interface every image model adapter implements, and what it declares."""

from __future__ import annotations

import binascii
import io
import json
import math
import random
from dataclasses import dataclass
from typing import Any, Protocol

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, model_validator

from services.core.answer_budget import before_reading
from services.core.edits import REGION_OPERATIONS
from services.core.errors import ModelUnavailable
from services.generation.bedrock import RetryPolicy
from services.generation.image_models.edits import EDIT_OPERATIONS, EditRequest, ImageRules, UnsupportedEdit

# The formats every Bedrock image model accepts as an input image.
SOURCE_FORMATS = ("PNG", "JPEG")


def _ratio_distance(width: float, height: float, other_width: float, other_height: float) -> float:
    """How far apart two aspect ratios are; logarithmic so 2:1 and 1:2 are equally far from 1:1."""
    return abs(math.log(width / height) - math.log(other_width / other_height))


def parse_ratio(ratio: str) -> tuple[int, int]:
    """``"16:9"`` as ``(16, 9)``."""
    width, _, height = ratio.partition(":")
    return int(width), int(height)


class Capabilities(BaseModel):
    """What a model accepts; validation, defaults and buttons derive from this."""

    model_config = ConfigDict(frozen=True)

    family: str
    cfg_min: float | None = None
    cfg_max: float | None = None
    cfg_default: float | None = None
    seed_max: int
    max_prompt_chars: int
    max_negative_chars: int | None = None
    max_images_per_call: int = 1
    sizes: tuple[tuple[int, int], ...] | None = None
    # Models sized by ratio ("16:9") rather than pixels; width and height only pick the ratio.
    aspect_ratios: tuple[str, ...] | None = None
    supports_variation: bool = False
    # (min, max) of VariationRequest.strength; higher always keeps more of the source.
    variation_strength: tuple[float, float] | None = None
    # SDXL style_preset values the model accepts (empty: the model has no presets).
    styles: tuple[str, ...] = ()
    # The edit operations (edits.EDIT_OPERATIONS) the model can do, and its input-image rules.
    edits: frozenset[str] = frozenset()
    edit_input: ImageRules | None = None
    # Operations this model can do only from a mask image, not from words (mask_prompt).
    edits_need_mask: frozenset[str] = frozenset()
    # Operations this model can do only from words, not from a mask image.
    edits_need_words: frozenset[str] = frozenset()
    # Operations this model refuses without a prompt (beyond edits.PROMPT_OPERATIONS).
    edits_need_prompt: frozenset[str] = frozenset()
    # (min, max) of EditRequest.creativity, for models that take one.
    creativity: tuple[float, float] | None = None
    # Operations that draw the prompt's content and take only a style from the image (Stability's
    # Style Guide), rather than keeping the image's own content (Style Transfer).
    edits_from_prompt: frozenset[str] = frozenset()

    @model_validator(mode="after")
    def _variation_needs_a_range(self) -> Capabilities:
        if self.supports_variation and self.variation_strength is None:
            raise ValueError("supports_variation needs variation_strength")
        return self

    @model_validator(mode="after")
    def _edits_are_known(self) -> Capabilities:
        unknown = self.edits - set(EDIT_OPERATIONS)
        if unknown:
            raise ValueError(f"unknown edit operations: {', '.join(sorted(unknown))}")
        if self.edits and self.edit_input is None:
            raise ValueError("edits need edit_input rules")
        for name in ("edits_need_mask", "edits_need_words", "edits_need_prompt", "edits_from_prompt"):
            if not getattr(self, name) <= self.edits:
                raise ValueError(f"{name} must be a subset of edits")
        return self

    def can_edit(self, operation: str, *, with_mask: bool = False) -> bool:
        """Whether the model can do ``operation``, with the region as a mask image or as words."""
        if operation not in self.edits:
            return False
        if operation not in REGION_OPERATIONS:
            return True
        return operation not in (self.edits_need_words if with_mask else self.edits_need_mask)

    @property
    def has_cfg(self) -> bool:
        """Whether the model takes a cfg scale at all."""
        return self.cfg_min is not None and self.cfg_max is not None

    def clamp_cfg(self, value: float) -> float:
        """``value`` limited to the model's cfg range, rounded to one decimal."""
        if self.cfg_min is None or self.cfg_max is None:
            raise ValueError("model has no cfg scale")
        return round(min(self.cfg_max, max(self.cfg_min, value)), 1)

    def clamp_strength(self, value: float) -> float:
        """``value`` limited to the model's variation strength range, rounded to two decimals."""
        if self.variation_strength is None:
            raise ValueError("model has no variation strength")
        low, high = self.variation_strength
        return round(min(high, max(low, value)), 2)

    def resolve_seed(self, seed: int | None, rng: random.Random | None = None) -> int:
        """A concrete seed: 0 or ``None`` means a random one within the model's range."""
        if seed:
            return min(seed, self.seed_max)
        return (rng or random).randint(1, self.seed_max)

    def nearest_aspect_ratio(self, width: int, height: int) -> str:
        """The model's aspect ratio closest to ``width``:``height``."""
        if not self.aspect_ratios:
            raise ValueError("model is not sized by aspect ratio")
        if width <= 0 or height <= 0:
            raise ValueError("width and height must be positive")
        return min(self.aspect_ratios, key=lambda ratio: _ratio_distance(width, height, *parse_ratio(ratio)))

    def nearest_size(self, width: int, height: int) -> tuple[int, int]:
        """The model's listed size closest in aspect ratio to ``width``x``height``, then in area."""
        if not self.sizes:
            raise ValueError("model has no fixed sizes")
        if width <= 0 or height <= 0:
            raise ValueError("width and height must be positive")
        return min(
            self.sizes,
            key=lambda size: (_ratio_distance(width, height, *size), abs(size[0] * size[1] - width * height)),
        )


@dataclass(frozen=True)
class GenerationRequest:
    """One call's worth of generation parameters, already resolved."""

    prompt: str
    negative_prompt: str | None
    seed: int
    cfg_scale: float | None
    width: int
    height: int
    count: int = 1


@dataclass(frozen=True)
class VariationRequest:
    """Image-to-image: like GenerationRequest, plus the source image and how close to stay to it.

    ``strength`` is a similarity within ``Capabilities.variation_strength``: higher keeps the
    result closer to ``source`` for every model (adapters translate it to the model's own scale).
    """

    prompt: str
    negative_prompt: str | None
    seed: int
    cfg_scale: float | None
    width: int
    height: int
    source: bytes
    strength: float
    count: int = 1

    @classmethod
    def of(cls, request: GenerationRequest, source: bytes, strength: float) -> VariationRequest:
        """``request`` made from ``source`` instead of from the prompt alone."""
        return cls(
            prompt=request.prompt,
            negative_prompt=request.negative_prompt,
            seed=request.seed,
            cfg_scale=request.cfg_scale,
            width=request.width,
            height=request.height,
            source=source,
            strength=strength,
            count=request.count,
        )


@dataclass(frozen=True)
class GeneratedImage:
    """One image from the model, with the seed that produced it."""

    data: bytes
    seed: int
    mime_type: str = "image/png"


class EditModel(Protocol):
    """Anything that edits images: an image model, or a Bedrock service that only edits."""

    model_id: str
    capabilities: Capabilities

    def edit(self, request: EditRequest) -> list[GeneratedImage]:
        """Edit ``request.source``; UnsupportedEdit or ValueError before any call it cannot make."""


class ImageModel(Protocol):
    """An adapter for one model family."""

    model_id: str
    capabilities: Capabilities

    def edit(self, request: EditRequest) -> list[GeneratedImage]:
        """Edit ``request.source``; UnsupportedEdit for an operation outside ``capabilities.edits``."""

    def validate_size(self, width: int, height: int) -> None:
        """Raise ValueError if the model cannot produce this size."""

    def generate(self, request: GenerationRequest) -> list[GeneratedImage]:
        """Generate ``request.count`` images; raise a domain error on failure."""

    def vary(self, request: VariationRequest) -> list[GeneratedImage]:
        """Generate images from ``request.source``; ValueError if the model cannot."""


def source_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG or JPEG source image; ValueError for anything else."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in SOURCE_FORMATS:
                raise ValueError(f"source image must be PNG or JPEG, not {image.format}")
            return image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError("source image could not be decoded") from exc


def check_variation(capabilities: Capabilities, request: VariationRequest) -> None:
    """ValueError unless the model can vary images and the request fits its limits."""
    if not capabilities.supports_variation or capabilities.variation_strength is None:
        raise ValueError(f"{capabilities.family} does not support image variation")
    low, high = capabilities.variation_strength
    if not low <= request.strength <= high:
        raise ValueError(f"strength {request.strength} is outside {low}-{high}")
    check_count(capabilities, request.count)
    source_size(request.source)


def check_edit(capabilities: Capabilities, request: EditRequest) -> None:
    """UnsupportedEdit or ValueError unless the model can make this edit within its limits."""
    operation, family = request.operation, capabilities.family
    if not capabilities.can_edit(operation, with_mask=request.uses_mask):
        if operation not in capabilities.edits:
            raise UnsupportedEdit(f"{family} cannot {operation}")
        needed = "a mask image" if operation in capabilities.edits_need_mask else "words (mask_prompt)"
        raise UnsupportedEdit(f"{family} needs {needed} to find the region to {operation}")
    if operation in capabilities.edits_need_prompt and not request.prompt.strip():
        raise ValueError(f"{family} needs a prompt to {operation}")
    check_count(capabilities, request.count)
    if request.seed > capabilities.seed_max:
        raise ValueError(f"seed must be at most {capabilities.seed_max}")
    for label, text in (("prompt", request.prompt), ("mask_prompt", request.mask_prompt)):
        if len(text) > capabilities.max_prompt_chars:
            raise ValueError(f"{label} is longer than {capabilities.max_prompt_chars} characters")
    limit = capabilities.max_negative_chars or capabilities.max_prompt_chars
    if request.negative_prompt and len(request.negative_prompt) > limit:
        raise ValueError(f"negative_prompt is longer than {limit} characters")
    if capabilities.cfg_min is not None and capabilities.cfg_max is not None:
        _check_range("cfg_scale", request.cfg_scale, (capabilities.cfg_min, capabilities.cfg_max))
    _check_range("creativity", request.creativity, capabilities.creativity)
    if operation == "restyle":
        _check_range("strength", request.strength, capabilities.variation_strength)


def _check_range(label: str, value: float | None, span: tuple[float, float] | None) -> None:
    if value is None or span is None:
        return
    if not span[0] <= value <= span[1]:
        raise ValueError(f"{label} {value} is outside {span[0]}-{span[1]}")


def check_count(capabilities: Capabilities, count: int) -> None:
    """ValueError for an image count the model cannot produce in one call."""
    if not 1 <= count <= capabilities.max_images_per_call:
        raise ValueError(
            f"{capabilities.family} generates 1 to {capabilities.max_images_per_call} images per call"
        )


def invoke_json(client: Any, retry: RetryPolicy, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """InvokeModel with a JSON body through ``retry``; the decoded JSON answer."""
    encoded = json.dumps(body)
    response = retry.call(
        lambda: client.invoke_model(
            modelId=model_id, body=encoded, contentType="application/json", accept="application/json"
        ),
        f"invoke {model_id}",
    )
    # Unread, the answer waits in its socket; a job's scope may let only a few be held at once.
    before_reading()
    try:
        payload = json.loads(response["body"].read())
    except (ValueError, KeyError) as exc:
        raise ModelUnavailable(f"invoke {model_id}: unreadable response") from exc
    if not isinstance(payload, dict):
        raise ModelUnavailable(f"invoke {model_id}: unexpected response")
    return payload


def decode_image(encoded: str, model_id: str) -> bytes:
    """Base64 image data from a model answer; ModelUnavailable when it is not base64."""
    try:
        # Strict a2b_base64 reads the str in place: b64decode(validate=True) first copied it to
        # bytes and ran a regex over it, 32 MB and a fifth of a second for a 4096² upscale.
        return binascii.a2b_base64(encoded, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise ModelUnavailable(f"invoke {model_id}: image is not base64") from exc
