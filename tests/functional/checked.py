"""Which generated image a moderation or verification request looked at.

The bot sends Rekognition and the vision model a small JPEG copy, which drops the emulator's PNG
tags; every emulated image is one solid colour, and the original is archived before any check,
so the copy is matched to its archived original by colour.
"""

from __future__ import annotations

import io

from PIL import Image

from tests.conftest import BUCKET, BotHarness
from tests.servers.aws_emulator import png_info

# JPEG moves a solid colour by a unit or two; two emulated colours this close would be a fluke.
_TOLERANCE = 6


def colour(data: bytes) -> tuple[int, ...]:
    """The colour at the centre of an image."""
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        return tuple(rgb.getpixel((rgb.width // 2, rgb.height // 2)))  # type: ignore[arg-type]


def tags(bot: BotHarness, checked: bytes) -> dict[str, str]:
    """The emulator's tags of the archived image that ``checked`` was copied from."""
    wanted = colour(checked)
    for key in bot.archived_keys():
        if not key.endswith(".png"):
            continue
        original = bot.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        if all(abs(a - b) <= _TOLERANCE for a, b in zip(colour(original), wanted, strict=True)):
            return png_info(original)
    raise AssertionError(f"no archived image has the colour {wanted}")
