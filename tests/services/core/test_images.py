"""What Rekognition and the vision model are sent: one small JPEG per image (services/core/images.py)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from services.core.images import CHECK_MAX_SIDE, check_copy


def encoded(size: tuple[int, int], mode: str = "RGB", fmt: str = "PNG") -> bytes:
    image = Image.new(mode, size, (40, 90, 160) if mode == "RGB" else 0)
    if mode == "RGB":
        image.paste((230, 200, 40), (0, 0, size[0] // 2, size[1]))  # yellow left half
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        pytest.param((4096, 4096), (1024, 1024), id="an upscale's answer"),
        pytest.param((4096, 2048), (1024, 512), id="wide upscale"),
        pytest.param((1536, 640), (1024, 427), id="not a whole multiple"),
        pytest.param((1024, 1024), (1024, 1024), id="a new image: every pixel kept"),
        pytest.param((640, 1536), (427, 1024), id="portrait"),
    ],
)
def test_the_check_copy_is_a_jpeg_of_the_whole_picture_at_most_1024(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    with Image.open(io.BytesIO(check_copy(encoded(size)))) as copy:
        assert copy.format == "JPEG"
        assert copy.size == expected
        assert max(copy.size) <= CHECK_MAX_SIDE
        # Shrunk, never cropped: the yellow half is still the left half.
        yellow, blue = copy.getpixel((copy.width // 4, 10)), copy.getpixel((copy.width * 3 // 4, 10))
    assert isinstance(yellow, tuple) and isinstance(blue, tuple)
    assert yellow[0] > 200 and blue[2] > 130


@pytest.mark.parametrize("mode", ["RGBA", "P", "L"])
def test_other_modes_become_rgb(mode: str) -> None:
    with Image.open(io.BytesIO(check_copy(encoded((2048, 1024), mode)))) as copy:
        assert (copy.mode, copy.size) == ("RGB", (1024, 512))
