"""「候補を見る」: every candidate of a job in one labelled image, numbered like the buttons below it."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

MAX_CELLS = 9
# A candidate is at most a few megapixels; anything far larger is not ours and would cost
# hundreds of MB to decode (Image.MAX_IMAGE_PIXELS is process-wide, so we check per image).
MAX_PIXELS = 40_000_000
BACKGROUND = (30, 31, 34)
_BADGE_FILL = (0, 0, 0, 190)
_BADGE_OUTLINE = (255, 255, 255)
_LABEL_COLOUR = (255, 255, 255)
_DEFAULT_COLUMNS = {1: 1, 2: 2, 3: 3, 4: 2}
_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def grid_columns(count: int) -> int:
    """Columns for ``count`` cells: 1, 2, 3 in a row; 4 as 2×2; 5 to 9 three a row."""
    return _DEFAULT_COLUMNS.get(count, 3)


def compose_grid(
    cells: Sequence[tuple[str, bytes]], *, cell_size: int = 512, columns: int | None = None, gap: int = 8
) -> bytes:
    """One RGB PNG of ``(label, image bytes)`` cells, each fitted into a square with its label badge."""
    if not 1 <= len(cells) <= MAX_CELLS:
        raise ValueError(f"a grid holds 1 to {MAX_CELLS} images, not {len(cells)}")
    if not 16 <= cell_size <= 2048 or gap < 0:
        raise ValueError("cell_size must be 16 to 2048 and gap not negative")
    if columns is not None and columns < 1:
        raise ValueError("columns must be at least 1")
    cols = min(columns or grid_columns(len(cells)), len(cells))
    rows = math.ceil(len(cells) / cols)
    # Gaps only between cells, no outer frame: Slack already draws the image on its own background.
    canvas = Image.new(
        "RGB", (cols * cell_size + (cols - 1) * gap, rows * cell_size + (rows - 1) * gap), BACKGROUND
    )
    draw = ImageDraw.Draw(canvas, "RGBA")  # RGBA so the badge fill blends into the picture
    font_size = max(10, cell_size // 12)
    font = ImageFont.load_default(size=font_size)
    for index, (label, data) in enumerate(cells):
        row, col = divmod(index, cols)
        left, top = col * (cell_size + gap), row * (cell_size + gap)
        image = _fitted(label, data, cell_size)
        offset = (left + (cell_size - image.width) // 2, top + (cell_size - image.height) // 2)
        canvas.paste(image, offset, image if image.mode == "RGBA" else None)
        _badge(draw, font, font_size, label, (left, top))
    out = io.BytesIO()
    # On a 1552×1552 photo-like grid, compress_level 9 or optimize=True saved 16-21% but took six
    # times as long (2.3 s against 0.4 s); zlib's default level is the better trade for an upload.
    canvas.save(out, format="PNG")
    return out.getvalue()


def _fitted(label: str, data: bytes, cell_size: int) -> Image.Image:
    """Decode one cell and scale it to fit the square, keeping its aspect (up or down)."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise ValueError(f"image {label!r} is {width}×{height}, over {MAX_PIXELS} pixels")
            # JPEG can decode at 1/2, 1/4 or 1/8 scale directly: far less work for big photos.
            opened.draft("RGB", (cell_size, cell_size))
            image = ImageOps.exif_transpose(opened)
            mode = "RGBA" if image.has_transparency_data else "RGB"
            image = image.convert(mode)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError(f"image {label!r} cannot be decoded") from exc
    scale = min(cell_size / image.width, cell_size / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return image


def _badge(draw: ImageDraw.ImageDraw, font: _Font, size: int, label: str, corner: tuple[int, int]) -> None:
    """A rounded badge with the label in white at a cell's top-left corner."""
    left, top = corner
    margin = max(2, size // 3)
    height = round(size * 1.6)
    # Centre the ink box: works for FreeType and for the bitmap font Pillow falls back to without it.
    ink_left, ink_top, ink_right, ink_bottom = draw.textbbox((0, 0), label, font=font)
    width = max(height, ink_right - ink_left + height // 2 + margin)
    box = (left + margin, top + margin, left + margin + width, top + margin + height)
    draw.rounded_rectangle(
        box, radius=height // 2, fill=_BADGE_FILL, outline=_BADGE_OUTLINE, width=max(1, size // 16)
    )
    x = (box[0] + box[2] - (ink_right - ink_left)) / 2 - ink_left
    y = (box[1] + box[3] - (ink_bottom - ink_top)) / 2 - ink_top
    draw.text((x, y), label, font=font, fill=_LABEL_COLOUR)
