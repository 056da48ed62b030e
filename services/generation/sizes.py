"""Fitting a wanted size to the sizes an image model makes: every size decision lives here.

Models come in three kinds (see ``Capabilities``): listed sizes (Titan, SDXL), aspect ratios
(SD3, Stable Image) and free sizes (Nova Canvas). Three questions are asked of them:

- ``generation_size``: what to generate so that a target (a preset) can be cut from it;
- ``ratio_size``: what a model makes for a typed ``--ar`` ratio, if anything near it;
- ``carried_size``: a size chosen on another model (saved or inherited), as this model's nearest.

The answers differ on purpose, and the differences are what users see: a preset is cropped
afterwards, so it wants at least the target's area; a ratio or a carried size is posted as made,
so the closest ratio wins. Pure: no clients, no settings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from fractions import Fraction

from services.generation.image_models.base import Capabilities, ImageModel, parse_ratio

SizeCheck = Callable[[int, int], None]

# Free-size models (Nova Canvas) accept any multiple of 16; a preset's target is rounded up to
# it, the finest step, so the least is cropped away.
FREE_STEP = 16
# An --ar on a free-size model gets sizes in steps of 64 instead. The finer step would change
# the size of every ratio (16:9 would be 1360x768, not 1472x832), and these are the sizes that
# help, the form and App Home show and that saved preferences resolve to.
RATIO_STEP = 64
# About one megapixel is what an --ar asks of a free-size model (and of a ratio-sized model for
# a ratio missing from _RATIO_SIZES).
_MEGAPIXEL = 1024 * 1024
_MAX_SIDE = 4096
# An --ar on a free-size model: within 1 % of the ratio counts as exact.
_FREE_RATIO_TOLERANCE = math.log(1.01)
# Listed sizes may differ this much from an --ar ratio: SDXL's 1344x768, 1216x832 and 1536x640
# are what people call its 16:9, 3:2 and 21:9, and are 1.6 %, 2.6 % and 2.8 % off them.
_LISTED_RATIO_TOLERANCE = math.log(1.03)
# For a preset, a listed size may differ from the target's aspect ratio by this much (as a crop
# of at most ~5 % of one side) and still be preferred for being at least as large as the target.
_RATIO_SLACK = math.log(1.05)
# Scales tried on a preset's target for a free-size model: larger first (a target below the
# model's minimum grows), then smaller (one above its pixel limit shrinks, and is upscaled by the fit).
_SCALES = (1.0, 1.25, 1.5, 2.0, 3.0, 4.0, *(0.9**k for k in range(1, 40)))

# Nominal output of the Stability models sized by aspect ratio (about one megapixel each),
# from Stability's API reference. Only recorded as the generated size; the real image is
# measured again when it is fitted, so a model that answers another size still fits exactly.
_RATIO_SIZES = {
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "21:9": (1536, 640),
    "2:3": (832, 1216),
    "3:2": (1216, 832),
    "4:5": (896, 1088),
    "5:4": (1088, 896),
    "9:16": (768, 1344),
    "9:21": (640, 1536),
}

_RATIO = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*[:x×]\s*([0-9]+(?:\.[0-9]+)?)", re.ASCII)


def ratio_value(text: str) -> Fraction | None:
    """``"16:9"`` (or ``"1.91:1"``, ``"16x9"``) as a number; None when it is not a usable ratio."""
    match = _RATIO.fullmatch(text)
    if match is None:
        return None
    width, height = Fraction(match[1]), Fraction(match[2])
    if not width or not height:
        return None
    return width / height


def generation_size(
    capabilities: Capabilities, width: int, height: int, check: SizeCheck | None = None
) -> tuple[int, int]:
    """The size to ask the model for so that ``width``x``height`` can be cut from it.

    Listed sizes (Titan, SDXL): the one closest in aspect ratio, preferring one at least as
    large as the target. Aspect ratios (SD3, Stable Image): the nearest ratio's nominal size.
    Free sizes (Nova Canvas): the target rounded up to multiples of 16, checked with ``check``
    (the model's ``validate_size``) and shrunk if the model refuses it.
    """
    if width <= 0 or height <= 0:
        raise ValueError("width and height must be positive")
    if capabilities.sizes:
        return _covering_listed(capabilities.sizes, width, height)
    if capabilities.aspect_ratios:
        return _nominal(capabilities.nearest_aspect_ratio(width, height))
    return _covering_free(width, height, check)


def ratio_size(ratio: Fraction, model: ImageModel) -> tuple[int, int] | None:
    """The size ``model`` makes in ``ratio`` (an ``--ar``); None when it makes none close enough."""
    caps = model.capabilities
    if caps.aspect_ratios:
        # Compared as numbers: "21:9" is listed as written, not as 7:3.
        listed = next((text for text in caps.aspect_ratios if ratio_value(text) == ratio), None)
        return None if listed is None else _nominal(listed)
    if caps.sizes:
        target = math.log(ratio)
        near = [
            (round(abs(math.log(width / height) - target), 4), -width * height, (width, height))
            for width, height in caps.sizes
            if abs(math.log(width / height) - target) <= _LISTED_RATIO_TOLERANCE
        ]
        # The closest ratio first (Titan's exact 1152x640 over 1173x640 for 9:5), then the largest.
        return min(near)[2] if near else None
    return _megapixel_free(ratio, model)


def carried_size(width: int, height: int, model: ImageModel) -> tuple[int | None, int | None]:
    """A size chosen on another model, as ``model`` makes it; (None, None) when it makes nothing near."""
    try:
        model.validate_size(width, height)
    except ValueError:
        pass
    else:
        return width, height
    caps = model.capabilities
    if caps.sizes:
        # Nothing is cut from a carried size, so the closest ratio beats covering the area.
        return caps.nearest_size(width, height)
    try:
        return generation_size(caps, width, height, model.validate_size)
    except ValueError:
        return None, None


def _ratio_distance(width: float, height: float, other_width: float, other_height: float) -> float:
    return abs(math.log(width / height) - math.log(other_width / other_height))


def _covering_listed(sizes: Sequence[tuple[int, int]], width: int, height: int) -> tuple[int, int]:
    """From fixed sizes: near the best aspect ratio, prefer at least the target's area."""
    target = width * height
    distance = {size: _ratio_distance(width, height, *size) for size in sizes}
    best = min(distance.values())
    near = [size for size in sizes if distance[size] <= best + _RATIO_SLACK]
    # Large enough first (no upscaling), then the closest ratio, then the least waste (or,
    # when none is large enough, the largest).
    return min(near, key=lambda s: (s[0] * s[1] < target, distance[s], abs(s[0] * s[1] - target)))


def _nominal(ratio: str) -> tuple[int, int]:
    """What a ratio-sized model makes for one of its ratios: the documented size, else ~1 MP."""
    if ratio in _RATIO_SIZES:
        return _RATIO_SIZES[ratio]
    ratio_w, ratio_h = parse_ratio(ratio)
    side = math.sqrt(_MEGAPIXEL / (ratio_w * ratio_h))
    return round(ratio_w * side / RATIO_STEP) * RATIO_STEP, round(ratio_h * side / RATIO_STEP) * RATIO_STEP


def _ceil_step(value: float) -> int:
    return max(FREE_STEP, math.ceil(value / FREE_STEP) * FREE_STEP)


def _covering_free(width: int, height: int, check: SizeCheck | None) -> tuple[int, int]:
    """Free sizes: the target rounded up to multiples of 16, scaled until the model accepts it."""
    for scale in _SCALES:
        size = _ceil_step(width * scale), _ceil_step(height * scale)
        if check is None:
            return size
        try:
            check(*size)
        except ValueError:
            continue
        return size
    raise ValueError(f"the model cannot make any size near {width}x{height}")


def _megapixel_free(ratio: Fraction, model: ImageModel) -> tuple[int, int] | None:
    """About one megapixel in ``ratio``: exact in ratio (within 1 %) when some size is, else closest."""
    ranked: list[tuple[bool, float, tuple[int, int]]] = []
    for height in range(RATIO_STEP, _MAX_SIDE + 1, RATIO_STEP):
        width = round(height * ratio / RATIO_STEP) * RATIO_STEP
        if not RATIO_STEP <= width <= _MAX_SIDE:
            continue
        area_error = abs(math.log(width * height / _MEGAPIXEL))
        if area_error > math.log(2):
            continue
        ratio_error = abs(math.log(Fraction(width, height) / ratio))
        close = ratio_error <= _FREE_RATIO_TOLERANCE
        ranked.append((not close, area_error if close else ratio_error, (width, height)))
    for *_, size in sorted(ranked):
        try:
            model.validate_size(*size)
        except ValueError:
            continue
        return size
    return None
