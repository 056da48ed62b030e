"""Make any image acceptable to a model without distorting it, and build outpainting canvases.

The one place images are fitted to what a model reads: edit sources and masks (``fit_image``,
``fit_mask``), outpainting canvases (``outpaint_canvas``) and a user's own photo (``fit_photo``).
The geometry (``fit_plan``, ``canvas_plan``) is pure arithmetic, applied with Pillow. Nothing is
ever stretched: an image is resized with its aspect ratio kept, then centre-cropped (or padded) by
the few pixels that rounding to the model's multiples leaves, or by what an aspect-ratio limit
requires. An image that already complies is passed on without decoding its pixels.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Literal, cast

from PIL import Image, ImageOps, UnidentifiedImageError

from services.generation.image_models.edits import Expansion, ImageRules, aspect_distance

FitMode = Literal["crop", "pad"]

# Padding is neutral grey: an edit model reads it as "nothing here" rather than as a wall.
PAD_COLOUR = (127, 127, 127)
# Alpha is flattened onto white, the usual background of a cut-out.
FLATTEN_COLOUR = (255, 255, 255)
_SHRINK_TRIES = 50


@dataclass(frozen=True)
class FitPlan:
    """Crop ``crop`` (source pixels), resize it to ``content``, paste it at ``offset`` on ``size``."""

    source: tuple[int, int]
    crop: tuple[int, int, int, int]
    content: tuple[int, int]
    offset: tuple[int, int]
    size: tuple[int, int]

    @property
    def identity(self) -> bool:
        """Whether the plan leaves the image as it is."""
        return self.size == self.source == self.content and self.crop == (0, 0, *self.source)

    @property
    def scale(self) -> float:
        """How much the source was resized (the same on both axes, give or take a pixel)."""
        return self.content[0] / (self.crop[2] - self.crop[0])


@dataclass(frozen=True)
class Fitted:
    """An input image that meets a model's rules, and how it was made from the original."""

    data: bytes
    plan: FitPlan

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of ``data``."""
        return self.plan.size


def _side(value: float, rules: ImageRules) -> int:
    """``value`` rounded down to the rules' multiple, but not below their minimum side."""
    step = rules.multiple_of
    side = math.floor(value / step + 1e-9) * step
    low = math.ceil(rules.min_side / step) * step
    return max(side, low, step)


def _scale(width: float, height: float, rules: ImageRules) -> float:
    """The factor that brings a ``width``x``height`` box within the rules' side and pixel limits."""
    scale = 1.0
    if rules.max_pixels is not None and width * height > rules.max_pixels:
        scale = math.sqrt(rules.max_pixels / (width * height))
    if rules.max_side is not None:
        scale = min(scale, rules.max_side / max(width, height))
    grow = rules.min_side / min(width, height)
    if rules.min_pixels:
        grow = max(grow, math.sqrt(rules.min_pixels / (width * height)))
    return max(scale, grow)


def _target(width: float, height: float, rules: ImageRules) -> tuple[int, int]:
    """The output size for a box of ``width``x``height`` (already within the aspect limit)."""
    scale = _scale(width, height, rules)
    for _ in range(_SHRINK_TRIES):
        size = (_side(width * scale, rules), _side(height * scale, rules))
        if rules.allows(*size):
            return size
        # Rounding a side up to the minimum can overshoot the pixel limit: shrink and retry.
        scale *= 0.99
    raise ValueError(f"no size near {round(width)}x{round(height)} meets the model's rules")


def _aspect_box(width: int, height: int, rules: ImageRules, mode: FitMode) -> tuple[float, float]:
    """The source's box after cropping (or padding) it to the rules' aspect limit."""
    limit = rules.max_aspect
    if limit is None or max(width, height) <= limit * min(width, height):
        return float(width), float(height)
    if width > height:
        return (height * limit, float(height)) if mode == "crop" else (float(width), width / limit)
    return (float(width), width * limit) if mode == "crop" else (height / limit, float(height))


def _centre_crop(width: int, height: int, ratio: float) -> tuple[int, int, int, int]:
    """The largest centred box of ``width``:``height`` whose aspect is ``ratio``."""
    if width / height > ratio:
        kept = max(1, round(height * ratio))
        left = (width - kept) // 2
        return left, 0, left + kept, height
    kept = max(1, round(width / ratio))
    top = (height - kept) // 2
    return 0, top, width, top + kept


def fit_plan(width: int, height: int, rules: ImageRules, mode: FitMode = "crop") -> FitPlan:
    """How to turn a ``width``x``height`` image into one the rules accept, without distortion."""
    if width <= 0 or height <= 0:
        raise ValueError("width and height must be positive")
    source = (width, height)
    if rules.allows(width, height):
        return FitPlan(source, (0, 0, width, height), source, (0, 0), source)
    if rules.sizes is not None:
        size = min(
            rules.sizes,
            key=lambda s: (aspect_distance(width, height, *s), abs(s[0] * s[1] - width * height)),
        )
    else:
        size = _target(*_aspect_box(width, height, rules, mode), rules)
    if mode == "crop":
        crop = _centre_crop(width, height, size[0] / size[1])
        return FitPlan(source, crop, size, (0, 0), size)
    scale = min(size[0] / width, size[1] / height)
    content = (min(size[0], max(1, round(width * scale))), min(size[1], max(1, round(height * scale))))
    offset = ((size[0] - content[0]) // 2, (size[1] - content[1]) // 2)
    return FitPlan(source, (0, 0, width, height), content, offset, size)


_ORIENTATION = 0x0112  # the EXIF tag
# Orientations 5-8 turn the image a quarter: its upright width is its stored height.
_QUARTER_TURNS = frozenset((5, 6, 7, 8))


def _open(data: bytes) -> Image.Image:
    """The image with its header read; its pixels are decoded only when something needs them."""
    try:
        return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError("the image could not be decoded") from exc


def _decoded(image: Image.Image) -> Image.Image:
    try:
        image.load()
    except (OSError, Image.DecompressionBombError) as exc:
        raise ValueError("the image could not be decoded") from exc
    return image


def _orientation(image: Image.Image, data: bytes) -> int:
    """The EXIF orientation (1: upright). Pillow decodes a whole PNG to look for an eXIf chunk
    after the pixels; a PNG whose bytes never spell the chunk's name has none."""
    if image.format == "PNG" and b"eXIf" not in data:
        return 1
    try:
        value = image.getexif().get(_ORIENTATION, 1)
    except (OSError, Image.DecompressionBombError) as exc:
        raise ValueError("the image could not be decoded") from exc
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _upright_size(image: Image.Image, orientation: int) -> tuple[int, int]:
    width, height = image.size
    return (height, width) if orientation in _QUARTER_TURNS else (width, height)


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    """The image as it is meant to be seen: phone photos keep their pixels sideways with an EXIF
    orientation, which the models do not read."""
    _decoded(image)
    return image if orientation == 1 else ImageOps.exif_transpose(image)


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of any image Pillow reads, upright; ValueError when it is not one."""
    with _open(data) as opened:
        return _upright_size(opened, _orientation(opened, data))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _has_transparency(image: Image.Image) -> bool:
    """Whether any pixel is not fully opaque; only an image that may have alpha is decoded."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        low, _ = cast("tuple[int, int]", _decoded(image).convert("RGBA").getchannel("A").getextrema())
        return low < 255
    return False


def _normalised(image: Image.Image, rules: ImageRules) -> Image.Image:
    """8-bit RGB, or RGBA when the alpha matters and the model allows it."""
    if _has_transparency(image):
        if not rules.opaque:
            return image.convert("RGBA")
        flat = Image.new("RGB", image.size, FLATTEN_COLOUR)
        flat.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        return flat
    return image.convert("RGB")


def _apply(
    image: Image.Image, plan: FitPlan, fill: int | tuple[int, ...], resample: Image.Resampling
) -> Image.Image:
    content = image.crop(plan.crop).resize(plan.content, resample)
    if plan.content == plan.size:
        return content
    canvas = Image.new(image.mode, plan.size, fill)
    canvas.paste(content, plan.offset)
    return canvas


def fit_image(
    data: bytes,
    rules: ImageRules,
    mode: FitMode = "crop",
    *,
    pad: tuple[int, int, int] = PAD_COLOUR,
    always_encode: bool = False,
) -> Fitted:
    """``data`` made acceptable to a model: unchanged when it already is (unless
    ``always_encode``), else a PNG. ``pad`` fills what ``mode="pad"`` adds."""
    with _open(data) as opened:
        orientation = _orientation(opened, data)
        plan = fit_plan(*_upright_size(opened, orientation), rules, mode)
        # Palette, greyscale, 16-bit and CMYK inputs are re-encoded: Nova wants 8-bit RGB.
        untouched = (
            not always_encode
            and orientation == 1
            and opened.mode in ("RGB", "RGBA")
            and (opened.format or "") in rules.formats
        )
        # An image that already complies goes on as it is, read from its header alone.
        if plan.identity and untouched and not (rules.opaque and _has_transparency(opened)):
            return Fitted(data, plan)
        image = _normalised(_upright(opened, orientation), rules)
    fill = (*pad, 255) if image.mode == "RGBA" else pad
    return Fitted(_png(_apply(image, plan, fill, Image.Resampling.LANCZOS)), plan)


def fit_photo(data: bytes, rules: ImageRules) -> bytes:
    """A user's photo within ``rules``: upright, flattened on white, padded with white where its
    shape breaks them (never cropped or stretched), and always a fresh PNG, so no metadata (a
    phone's location, say) travels on to a model or the archive."""
    return fit_image(data, rules, "pad", pad=FLATTEN_COLOUR, always_encode=True).data


def fit_mask(data: bytes, plan: FitPlan, *, change: Literal["black", "white"] = "black") -> bytes:
    """A mask (black = the area to change) put through ``plan``, as a pure black-and-white PNG.

    ``change="white"`` inverts it for models that read masks the other way round. Padding is
    never changed: it is not part of the source.
    """
    with _open(data) as opened:
        _decoded(opened)
        if opened.size != plan.source:
            # A mask drawn on a preview: bring it to the source's size first.
            grey = opened.convert("L").resize(plan.source, Image.Resampling.NEAREST)
        else:
            grey = opened.convert("L")
    fitted = _apply(grey, plan, 255, Image.Resampling.NEAREST)
    black_changes = fitted.point(lambda v: 0 if v < 128 else 255)
    mask = black_changes if change == "black" else ImageOps.invert(black_changes)
    return _png(mask.convert("RGB"))


@dataclass(frozen=True)
class CanvasPlan:
    """An outpainting canvas: the source, cropped to ``crop``, is resized into ``box`` of ``size``."""

    crop: tuple[int, int, int, int]
    size: tuple[int, int]
    box: tuple[int, int, int, int]

    @property
    def scale(self) -> float:
        """How much the source was resized."""
        return (self.box[2] - self.box[0]) / (self.crop[2] - self.crop[0])


def _limit_aspect(width: int, height: int, grow: Expansion, limit: float | None) -> Expansion:
    """``grow`` shortened along the long axis so the canvas stays within the aspect limit."""
    if limit is None:
        return grow
    total_w, total_h = width + grow.left + grow.right, height + grow.top + grow.bottom
    if total_w > limit * total_h:
        spare = max(0, math.floor(limit * total_h) - width)
        left = math.floor(spare * grow.left / (grow.left + grow.right)) if grow.left + grow.right else 0
        grow = grow.model_copy(update={"left": left, "right": spare - left})
    elif total_h > limit * total_w:
        spare = max(0, math.floor(limit * total_w) - height)
        top = math.floor(spare * grow.top / (grow.top + grow.bottom)) if grow.top + grow.bottom else 0
        grow = grow.model_copy(update={"top": top, "bottom": spare - top})
    if grow.empty:
        raise ValueError("the canvas cannot grow that way: it would break the model's aspect-ratio limit")
    return grow


def _margin(before: int, after: int, spare: int) -> int:
    """The margin before the source on one axis: the spare pixels shared as the growth asked."""
    if not after:
        return spare
    if not before:
        return 0
    return round(spare * before / (before + after))


def canvas_plan(width: int, height: int, grow: Expansion, rules: ImageRules) -> CanvasPlan:
    """Where a ``width``x``height`` source sits on a canvas grown by ``grow``, within the rules.

    A source that alone breaks the aspect limit is centre-cropped to it first; growth that would
    break it is shortened. The canvas is then scaled as a whole to the side and pixel limits and
    rounded to the model's multiples. Rounding is absorbed by the growing sides; on an axis that
    does not grow, the source is centre-cropped by the few pixels instead, so no sliver of new
    area appears where none was asked for.
    """
    if rules.sizes is not None:
        raise ValueError("outpainting needs a model that takes free sizes")
    if grow.empty:
        raise ValueError("outpainting needs at least one side to grow")
    crop = (0, 0, width, height)
    if rules.max_aspect is not None and max(width, height) > rules.max_aspect * min(width, height):
        crop = _centre_crop(width, height, rules.max_aspect if width > height else 1 / rules.max_aspect)
    kept_w, kept_h = crop[2] - crop[0], crop[3] - crop[1]
    grow = _limit_aspect(kept_w, kept_h, grow, rules.max_aspect)
    across, down = grow.left + grow.right, grow.top + grow.bottom
    size = _target(kept_w + across, kept_h + down, rules)
    scale = min(size[0] / (kept_w + across), size[1] / (kept_h + down))
    box_w = min(size[0], max(1, round(kept_w * scale))) if across else size[0]
    box_h = min(size[1], max(1, round(kept_h * scale))) if down else size[1]
    # Re-crop to the box's exact aspect: at most a few pixels, on the axis that does not grow.
    inner = _centre_crop(kept_w, kept_h, box_w / box_h)
    crop = (crop[0] + inner[0], crop[1] + inner[1], crop[0] + inner[2], crop[1] + inner[3])
    left = _margin(grow.left, grow.right, size[0] - box_w)
    top = _margin(grow.top, grow.bottom, size[1] - box_h)
    return CanvasPlan(crop=crop, size=size, box=(left, top, left + box_w, top + box_h))


@dataclass(frozen=True)
class Canvas:
    """An outpainting input: the source placed on a neutral canvas, and where it sits."""

    image: bytes
    plan: CanvasPlan

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the canvas."""
        return self.plan.size

    def mask(self, change: Literal["black", "white"]) -> bytes:
        """A pure black-and-white PNG whose ``change`` colour covers the new area.

        Nova's and Titan's OUTPAINTING change the white area (black keeps the source); their
        INPAINTING changes the black area.
        """
        keep = (0, 0, 0) if change == "white" else (255, 255, 255)
        new = (255, 255, 255) if change == "white" else (0, 0, 0)
        mask = Image.new("RGB", self.plan.size, new)
        mask.paste(keep, self.plan.box)
        return _png(mask)


def outpaint_canvas(source: bytes, grow: Expansion, rules: ImageRules) -> Canvas:
    """``source`` on a canvas grown by ``grow`` (source pixels), meeting ``rules``."""
    with _open(source) as opened:
        upright = _upright(opened, _orientation(opened, source))
        plan = canvas_plan(*upright.size, grow, rules)
        image = _normalised(upright, rules).convert("RGB")
    left, top, right, bottom = plan.box
    content = image.crop(plan.crop).resize((right - left, bottom - top), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", plan.size, PAD_COLOUR)
    canvas.paste(content, (left, top))
    return Canvas(image=_png(canvas), plan=plan)
