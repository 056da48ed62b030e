"""What an image edit asks for, and the input-image rules a model checks it against.

An edit is one of a few named operations. Each adapter declares the ones it can do in
``Capabilities.edits``; Bedrock offers some as task types of one model (Nova Canvas, Titan)
and others as one model id per operation (Stability AI Image Services).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.core.edits import REGION_OPERATIONS

EditOperation = Literal[
    "inpaint",  # change a region, found by words or given as a mask, into the prompt
    "erase",  # remove what is in the region, filling it with its surroundings
    "recolor",  # give the region a new colour (the prompt says which)
    "outpaint",  # extend the canvas: zoom out, pan, make square
    "remove_background",  # keep the subject on a transparent background
    "upscale",  # more pixels, same picture
    "restyle",  # image to image: the prompt's content, close to the source by ``strength``
    "layout",  # a new image that keeps the source's structure (edges or segments)
    "style_reference",  # the source re-drawn in the style of ``style_image``
]
EDIT_OPERATIONS: tuple[EditOperation, ...] = get_args(EditOperation)

# The operations that mean nothing without a prompt, whatever the model.
PROMPT_OPERATIONS = frozenset(("inpaint", "recolor", "layout"))

ControlMode = Literal["CANNY_EDGE", "SEGMENTATION"]

# Outpainting presets, as the buttons would name them.
OutpaintPreset = Literal[
    "zoom_out_1_5", "zoom_out_2", "pan_left", "pan_right", "pan_up", "pan_down", "square"
]  # fmt: skip
OUTPAINT_PRESETS: tuple[OutpaintPreset, ...] = get_args(OutpaintPreset)

_MAX_TEXT = 10_000  # the longest any Bedrock image model takes (SD3.5, Stability services)
_MAX_SEED = 4_294_967_295  # SDXL's; the others are lower and checked per model


class UnsupportedEdit(ValueError):
    """The model cannot do this operation, or not with the inputs given."""


class Expansion(BaseModel):
    """Pixels to add on each side of the source, in the source's own pixels."""

    model_config = ConfigDict(frozen=True)

    left: int = Field(default=0, ge=0, le=100_000)
    top: int = Field(default=0, ge=0, le=100_000)
    right: int = Field(default=0, ge=0, le=100_000)
    bottom: int = Field(default=0, ge=0, le=100_000)

    @property
    def empty(self) -> bool:
        """Whether no side grows."""
        return not (self.left or self.top or self.right or self.bottom)

    def scaled(self, factor: float) -> Expansion:
        """The same expansion for the source resized by ``factor``."""
        return Expansion(
            left=round(self.left * factor),
            top=round(self.top * factor),
            right=round(self.right * factor),
            bottom=round(self.bottom * factor),
        )


def preset_expansion(width: int, height: int, preset: OutpaintPreset, pan: float = 0.5) -> Expansion:
    """The expansion of a ``width``x``height`` source for a preset; ``pan`` is the share of the
    source's side a pan adds (0.5: the canvas becomes 1.5 times as long that way)."""
    if width <= 0 or height <= 0:
        raise ValueError("width and height must be positive")
    if preset in ("zoom_out_1_5", "zoom_out_2"):
        grow = 0.25 if preset == "zoom_out_1_5" else 0.5
        side, top = round(width * grow), round(height * grow)
        return Expansion(left=side, top=top, right=side, bottom=top)
    if preset == "square":
        if width == height:
            raise ValueError("the image is already square")
        return centred_expansion(width, height, (max(width, height), max(width, height)))
    across, down = round(width * pan), round(height * pan)
    return {
        "pan_left": Expansion(left=across),
        "pan_right": Expansion(right=across),
        "pan_up": Expansion(top=down),
        "pan_down": Expansion(bottom=down),
    }[preset]


def centred_expansion(width: int, height: int, target: tuple[int, int]) -> Expansion:
    """The expansion that centres a ``width``x``height`` source on a ``target`` canvas."""
    target_width, target_height = target
    if target_width < width or target_height < height:
        raise ValueError(f"target {target_width}x{target_height} is smaller than the source {width}x{height}")
    across, down = target_width - width, target_height - height
    return Expansion(left=across // 2, top=down // 2, right=across - across // 2, bottom=down - down // 2)


class EditRequest(BaseModel):
    """One edit of ``source``; which fields matter depends on ``operation``.

    Texts are English (the pipeline translates). ``mask`` is an image the size of the source
    whose black pixels mark the area to change (Nova's and Titan's inpainting convention;
    adapters convert it for models that read it the other way round). ``strength`` is a
    similarity: higher keeps the result closer to the source, for every model.
    """

    model_config = ConfigDict(frozen=True)

    operation: EditOperation
    source: bytes = Field(min_length=1, repr=False)
    prompt: str = Field(default="", max_length=_MAX_TEXT)
    mask_prompt: str = Field(default="", max_length=_MAX_TEXT)
    mask: bytes | None = Field(default=None, min_length=1, repr=False)
    negative_prompt: str | None = Field(default=None, max_length=_MAX_TEXT)
    # 0 lets the model choose, where it can (the Stability services report the seed they used).
    seed: int = Field(default=0, ge=0, le=_MAX_SEED)
    cfg_scale: float | None = Field(default=None, ge=0, le=35)
    count: int = Field(default=1, ge=1, le=5)
    expand: Expansion | None = None
    target_size: tuple[int, int] | None = None
    creativity: float | None = Field(default=None, ge=0, le=1)
    strength: float | None = Field(default=None, ge=0, le=1)
    control_mode: ControlMode = "CANNY_EDGE"
    control_strength: float | None = Field(default=None, ge=0, le=1)
    style_image: bytes | None = Field(default=None, min_length=1, repr=False)
    style_strength: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _inputs_fit_the_operation(self) -> EditRequest:
        operation = self.operation
        if operation in PROMPT_OPERATIONS and not self.prompt.strip():
            raise ValueError(f"{operation} needs a prompt")
        if operation in REGION_OPERATIONS:
            if bool(self.mask_prompt.strip()) == (self.mask is not None):
                raise ValueError(f"{operation} needs exactly one of mask_prompt and mask")
        elif self.mask is not None or self.mask_prompt:
            raise ValueError(f"{operation} takes no mask")
        if operation == "outpaint":
            if (self.expand is None) == (self.target_size is None):
                raise ValueError("outpaint needs exactly one of expand and target_size")
            if self.expand is not None and self.expand.empty:
                raise ValueError("outpaint needs at least one side to grow")
            if self.target_size is not None and min(self.target_size) <= 0:
                raise ValueError("target_size must be positive")
        elif self.expand is not None or self.target_size is not None:
            raise ValueError(f"{operation} takes no expansion")
        if operation == "style_reference" and self.style_image is None:
            raise ValueError("style_reference needs a style_image")
        return self

    @property
    def uses_mask(self) -> bool:
        """Whether the region comes as a mask image rather than as words."""
        return self.mask is not None

    def expansion_for(self, width: int, height: int) -> Expansion:
        """The outpainting expansion of a ``width``x``height`` source (target_size centres it)."""
        if self.expand is not None:
            return self.expand
        if self.target_size is None:
            raise ValueError(f"{self.operation} takes no expansion")
        return centred_expansion(width, height, self.target_size)


class ImageRules(BaseModel):
    """What a model accepts as an input image; ``fitting`` makes any photo comply."""

    model_config = ConfigDict(frozen=True)

    min_side: int = Field(default=1, ge=1)
    max_side: int | None = Field(default=None, ge=1)
    min_pixels: int = Field(default=0, ge=0)
    # Inclusive. Nova's "fewer than 4,194,304" is written as 4,194,303.
    max_pixels: int | None = Field(default=None, ge=1)
    multiple_of: int = Field(default=1, ge=1)
    # Longer side over shorter side (4.0 is Nova's 1:4 to 4:1).
    max_aspect: float | None = Field(default=None, ge=1)
    # Exact sizes, for models that take nothing else (SDXL's init image).
    sizes: tuple[tuple[int, int], ...] | None = None
    formats: tuple[str, ...] = ("PNG", "JPEG")
    # Nova rejects an alpha channel with any transparent pixel; such images are flattened.
    opaque: bool = False

    def problem(self, width: int, height: int) -> str | None:
        """Why a ``width``x``height`` input breaks these rules, or None when it does not."""
        if self.sizes is not None:
            return None if (width, height) in self.sizes else f"{width}x{height} is not one of the sizes"
        return next(self._problems(width, height), None)

    def _problems(self, width: int, height: int) -> Iterator[str]:
        pixels, short, long = width * height, min(width, height), max(width, height)
        if short < self.min_side:
            yield f"every side must be at least {self.min_side} pixels"
        if self.max_side is not None and long > self.max_side:
            yield f"every side must be at most {self.max_side} pixels"
        if width % self.multiple_of or height % self.multiple_of:
            yield f"width and height must be multiples of {self.multiple_of}"
        if pixels < self.min_pixels:
            yield f"the image must have at least {self.min_pixels:,} pixels"
        if self.max_pixels is not None and pixels > self.max_pixels:
            yield f"the image must have at most {self.max_pixels:,} pixels"
        if self.max_aspect is not None and long > self.max_aspect * short:
            yield f"the aspect ratio must be within 1:{self.max_aspect:g} and {self.max_aspect:g}:1"

    def allows(self, width: int, height: int) -> bool:
        """Whether a ``width``x``height`` input needs no fitting."""
        return self.problem(width, height) is None


def aspect_distance(width: float, height: float, other_width: float, other_height: float) -> float:
    """How far apart two aspect ratios are; logarithmic so 2:1 and 1:2 are equally far from 1:1."""
    return abs(math.log(width / height) - math.log(other_width / other_height))
