"""Output presets (OGP, eye-catch) and named style templates for blog images (seed 000).

A preset promises an exact output size. Image models only make the sizes they make, so a preset
job is generated at the allowed size closest in aspect ratio (preferring one at least as large
as the target), then centre-cropped to the target's aspect ratio and resized with LANCZOS to
exactly the target. Everything here is pure: no clients, no settings, usable from the CLI and
from Slack option parsing alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.core.images import crop_to_size
from services.generation.image_models.base import Capabilities, parse_ratio

# A generated size may differ from the target's aspect ratio by this much (as a crop of at most
# ~5 % of one side) and still be preferred for being at least as large as the target.
_RATIO_SLACK = math.log(1.05)

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

# Models with free sizes (Nova Canvas) take multiples of 16.
_FREE_STEP = 16
_GROW = (1.0, 1.25, 1.5, 2.0, 3.0, 4.0)

SizeCheck = Callable[[int, int], None]


@dataclass(frozen=True)
class Preset:
    """An exact output size, and optionally the style it implies when none is asked for."""

    name: str
    width: int
    height: int
    style_template: str | None = None

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)``."""
        return self.width, self.height


OGP = Preset("ogp", 1200, 630)
"""Open Graph ``og:image``: 1200×630 (1.91:1) is what Facebook, X and Slack unfurls crop to."""

EYECATCH = Preset("eyecatch", 1280, 720)
"""Blog eye-catch (header/thumbnail): 1280×720 is 16:9, the ratio blog themes and video
thumbnails use for header images, at a size that stays sharp on HiDPI article columns
(~640 px wide) while remaining small to serve. 16:9 also survives the common centre crops
to 1.91:1 (OGP) and 4:3 (list thumbnails) without losing the subject."""

PRESETS: dict[str, Preset] = {preset.name: preset for preset in (OGP, EYECATCH)}


@dataclass(frozen=True)
class Style:
    """A named prompt template (``{prompt}`` is the English prompt) and extra negative terms.

    Image models follow negation poorly ("without people" tends to add people), so what a
    style excludes goes into the negative prompt instead of the template.
    """

    name: str
    template: str
    negative: tuple[str, ...] = ()


STYLES: dict[str, Style] = {
    style.name: style
    for style in (
        # Seed 000: an unexpected, original landscape or space photo without people, inspired
        # by the (translated) blog title. The title is quoted so it reads as inspiration.
        Style(
            "landscape",
            "A striking, unexpected and original photograph of an uninhabited landscape or of "
            'outer space, inspired by "{prompt}", top quality, wide composition',
            ("people", "person", "human figure", "crowd", "text", "letters"),
        ),
        Style("photo", "{prompt}, professional photograph, natural light, sharp focus, high detail"),
        Style("illustration", "{prompt}, clean digital illustration, vibrant colors, soft shading"),
        Style("watercolor", "{prompt}, watercolor painting, soft washes of color, visible paper texture"),
        Style(
            "flat-design",
            "{prompt}, flat design illustration for a blog header, simple geometric shapes, "
            "limited color palette, generous empty space",
            ("text", "letters", "photorealistic"),
        ),
    )
}


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (case-insensitive); ValueError naming the known ones."""
    preset = PRESETS.get(name.strip().lower())
    if preset is None:
        raise ValueError(f"unknown preset {name!r}; use one of {', '.join(PRESETS)}")
    return preset


def get_style(value: str) -> Style:
    """A named style, or a literal template containing ``{prompt}``; ValueError otherwise."""
    named = STYLES.get(value.strip().lower())
    if named is not None:
        return named
    if "{prompt}" not in value:
        raise ValueError(
            f"unknown style {value!r}; use one of {', '.join(STYLES)} or a template containing {{prompt}}"
        )
    try:
        value.format(prompt="x")
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"style template {value!r} may contain no braces other than {{prompt}}") from exc
    return Style("custom", value)


def merge_negative(base: Sequence[str], extra: Sequence[str]) -> list[str]:
    """``base`` followed by the terms of ``extra`` it lacks (case-insensitive)."""
    seen = {term.strip().lower() for term in base}
    merged = list(base)
    for term in extra:
        if term.strip().lower() not in seen:
            seen.add(term.strip().lower())
            merged.append(term)
    return merged


def _ratio_distance(width: float, height: float, other_width: float, other_height: float) -> float:
    return abs(math.log(width / height) - math.log(other_width / other_height))


def _pick_listed(sizes: Sequence[tuple[int, int]], width: int, height: int) -> tuple[int, int]:
    """From fixed sizes: near the best aspect ratio, prefer at least the target's area."""
    target = width * height
    distance = {size: _ratio_distance(width, height, *size) for size in sizes}
    best = min(distance.values())
    near = [size for size in sizes if distance[size] <= best + _RATIO_SLACK]
    # Large enough first (no upscaling), then the closest ratio, then the least waste (or,
    # when none is large enough, the largest).
    return min(near, key=lambda s: (s[0] * s[1] < target, distance[s], abs(s[0] * s[1] - target)))


def _ceil_step(value: float) -> int:
    return max(_FREE_STEP, math.ceil(value / _FREE_STEP) * _FREE_STEP)


def _pick_free(width: int, height: int, check: SizeCheck | None) -> tuple[int, int]:
    """Free sizes: the target rounded up to multiples of 16, scaled until the model accepts it.

    Larger scales come first (a target below the model's minimum grows), then smaller ones (a
    target above its pixel limit shrinks, and is upscaled by the fit).
    """
    for scale in (*_GROW, *(0.9**k for k in range(1, 40))):
        size = _ceil_step(width * scale), _ceil_step(height * scale)
        if check is None:
            return size
        try:
            check(*size)
        except ValueError:
            continue
        return size
    raise ValueError(f"the model cannot make any size near {width}x{height}")


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
        return _pick_listed(capabilities.sizes, width, height)
    if capabilities.aspect_ratios:
        ratio = capabilities.nearest_aspect_ratio(width, height)
        if ratio in _RATIO_SIZES:
            return _RATIO_SIZES[ratio]
        ratio_w, ratio_h = parse_ratio(ratio)
        side = math.sqrt(1024 * 1024 / (ratio_w * ratio_h))
        return round(ratio_w * side / 64) * 64, round(ratio_h * side / 64) * 64
    return _pick_free(width, height, check)


def fit_image(image_bytes: bytes, width: int, height: int) -> bytes:
    """Centre-crop to ``width``:``height`` and resize with LANCZOS to exactly that size, as PNG."""
    return crop_to_size(image_bytes, width, height)


def fit_to_preset(image_bytes: bytes, preset: Preset) -> bytes:
    """The generated image as a PNG of exactly the preset's size."""
    return fit_image(image_bytes, preset.width, preset.height)
