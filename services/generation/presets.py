"""Output presets (OGP, eye-catch) and named style templates for blog header images.

A preset promises an exact output size. Image models only make the sizes they make, so a preset
job is generated at the size ``sizes.generation_size`` picks (the allowed size closest in aspect
ratio, preferring one at least as large as the target), then centre-cropped to the target's
aspect ratio and resized with LANCZOS to exactly the target. Everything here is pure: no
clients, no settings, usable from the CLI and from Slack option parsing alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.core.images import crop_to_size


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
        # The people-free landscape template: an unexpected, original landscape or space photo
        # without people, inspired by the (translated) blog title. The title is quoted so it
        # reads as inspiration rather than as a description to draw.
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


def fit_image(image_bytes: bytes, width: int, height: int) -> bytes:
    """Centre-crop to ``width``:``height`` and resize with LANCZOS to exactly that size, as PNG."""
    return crop_to_size(image_bytes, width, height)


def fit_to_preset(image_bytes: bytes, preset: Preset) -> bytes:
    """The generated image as a PNG of exactly the preset's size."""
    return fit_image(image_bytes, preset.width, preset.height)
