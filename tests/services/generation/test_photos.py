"""A user's photo made ready for any model (services/generation/photos.py, fitted by image_models.fitting)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from services.core.errors import InputRejected
from services.generation.image_models import PHOTO_INPUT
from services.generation.image_models.amazon import NOVA_INPUT, TITAN_INPUT
from services.generation.photos import as_model_input

BLUE = (40, 90, 160)
YELLOW = (230, 200, 40)
WHITE = (255, 255, 255)


def photo(size: tuple[int, int], fmt: str = "JPEG", *, orientation: int | None = None) -> bytes:
    """A blue photo with a yellow block in its stored top-left quarter."""
    image = Image.new("RGB", size, BLUE)
    image.paste(YELLOW, (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"  # Make: any metadata must not travel on
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def near(pixel: object, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        pytest.param((1200, 900), (1200, 900), id="already fits: kept as is"),
        pytest.param((4032, 3024), (1408, 1056), id="phone photo: shrunk to Titan's 1408"),
        pytest.param((3024, 4032), (1056, 1408), id="portrait"),
        pytest.param((400, 300), (427, 320), id="small: grown to Nova's 320"),
    ],
)
def test_a_photo_keeps_its_shape_within_every_models_limits(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    result = opened(as_model_input(photo(size)))

    assert result.format == "PNG" and result.mode == "RGB"
    assert abs(result.width - expected[0]) <= 1 and abs(result.height - expected[1]) <= 1
    assert abs(result.width / result.height - size[0] / size[1]) < 0.01  # never stretched
    for rules in (PHOTO_INPUT, NOVA_INPUT.model_copy(update={"multiple_of": 1}), TITAN_INPUT):
        assert rules.allows(*result.size), rules


def test_a_phone_photo_stored_sideways_comes_out_upright() -> None:
    # Stored landscape, tagged "rotate 90° clockwise to view".
    result = opened(as_model_input(photo((1200, 900), orientation=6)))

    assert result.size == (900, 1200)
    assert near(result.getpixel((900 - 20, 20)), YELLOW)  # the stored top-left is now top-right
    assert near(result.getpixel((20, 20)), BLUE)


def test_a_png_with_an_exif_orientation_is_turned_too() -> None:
    result = opened(as_model_input(photo((1200, 900), "PNG", orientation=8)))

    assert result.size == (900, 1200)
    assert near(result.getpixel((20, 1200 - 20)), YELLOW)  # rotated 90° the other way: bottom-left


def test_a_panorama_is_padded_with_white_never_cropped() -> None:
    result = opened(as_model_input(photo((3000, 500), "PNG")))

    assert result.size == (1408, 352)  # 4:1, the widest every model takes
    assert near(result.getpixel((5, 5)), WHITE, 0) and near(result.getpixel((1400, 346)), WHITE, 0)
    # The whole width of the photo is there: its yellow top-left and its blue right end.
    top = next(y for y in range(352) if result.getpixel((700, y)) != WHITE)
    assert near(result.getpixel((5, top + 5)), YELLOW)
    assert near(result.getpixel((1400, top + 5)), BLUE)


def test_transparency_is_flattened_on_white() -> None:
    cut_out = Image.new("RGBA", (800, 600), (0, 0, 0, 0))
    cut_out.paste((*YELLOW, 255), (200, 150, 600, 450))
    out = io.BytesIO()
    cut_out.save(out, "PNG")

    result = opened(as_model_input(out.getvalue()))

    assert result.mode == "RGB"
    assert result.getpixel((10, 10)) == WHITE
    assert near(result.getpixel((400, 300)), YELLOW, 0)


def test_metadata_does_not_travel_on() -> None:
    result = opened(as_model_input(photo((1200, 900))))

    assert not result.getexif()
    assert "exif" not in result.info


def test_a_file_that_only_looks_like_an_image_gets_a_clear_reason() -> None:
    truncated = photo((1200, 900), "PNG")[:2000]

    with pytest.raises(InputRejected) as caught:
        as_model_input(truncated)

    assert caught.value.kind == "image.unreadable"
