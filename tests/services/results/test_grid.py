"""compose_grid: layout, badges, letterboxing and what it refuses."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageChops

from services.results.grid import BACKGROUND, compose_grid

RED = (200, 30, 30)


def image_bytes(size: tuple[int, int], colour: tuple[int, int, int] = RED, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGB")


def pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return value


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares its size but holds no pixels: opening it costs nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("count", "size"),
    [
        (1, (128, 128)),
        (2, (264, 128)),
        (3, (400, 128)),
        (4, (264, 264)),
        (6, (400, 264)),
        (9, (400, 400)),
    ],
)
def test_grid_size_follows_the_cell_count(count: int, size: tuple[int, int]) -> None:
    cells = [(str(n + 1), image_bytes((64, 64))) for n in range(count)]
    grid = decode(compose_grid(cells, cell_size=128, gap=8))
    assert grid.size == size
    assert grid.mode == "RGB"


def test_columns_can_be_given_and_the_default_gap_is_eight() -> None:
    cells = [(str(n + 1), image_bytes((32, 32))) for n in range(4)]
    assert decode(compose_grid(cells, cell_size=100, columns=4)).size == (424, 100)
    assert decode(compose_grid(cells, cell_size=100, columns=1)).size == (100, 424)
    assert decode(compose_grid(cells[:2], cell_size=100, columns=3)).size == (208, 100)


def test_a_short_last_row_leaves_background() -> None:
    cells = [(str(n + 1), image_bytes((64, 64))) for n in range(5)]
    grid = decode(compose_grid(cells, cell_size=64, gap=4))
    assert grid.size == (200, 132)
    assert grid.getpixel((68 + 32, 68 + 32)) == RED  # cell 5: second row, second column
    assert grid.getpixel((136 + 32, 68 + 32)) == BACKGROUND  # no sixth cell


def test_each_cell_gets_its_label_in_a_badge() -> None:
    blank = decode(compose_grid([("1", image_bytes((256, 256)))], cell_size=256))
    seven = decode(compose_grid([("7", image_bytes((256, 256)))], cell_size=256))
    badge = (0, 0, 80, 60)
    # The badge covers the picture at the top-left corner and has white text in it.
    region = blank.crop(badge)
    assert ImageChops.difference(region, Image.new("RGB", region.size, RED)).getbbox() is not None
    _, brightest = region.convert("L").getextrema()
    assert isinstance(brightest, int)
    assert brightest > 240
    # A different label draws different pixels there, and only there.
    diff = ImageChops.difference(blank, seven).getbbox()
    assert diff is not None
    assert diff[2] <= badge[2] and diff[3] <= badge[3]
    # Far from the badge the picture is untouched.
    assert blank.getpixel((200, 200)) == RED


def test_a_wide_image_is_letterboxed_on_the_background() -> None:
    grid = decode(compose_grid([("1", image_bytes((200, 100)))], cell_size=256))
    # 200×100 fits as 256×128, centred: background above and below, picture in the middle.
    assert grid.getpixel((200, 20)) == BACKGROUND
    assert grid.getpixel((200, 250)) == BACKGROUND
    assert grid.getpixel((128, 128)) == RED
    assert grid.getpixel((250, 70)) == RED
    assert grid.getpixel((250, 60)) == BACKGROUND


def test_a_tall_small_jpeg_is_scaled_up_and_pillarboxed() -> None:
    blue = (20, 40, 220)
    grid = decode(compose_grid([("1", image_bytes((50, 100), blue, "JPEG"))], cell_size=200))
    assert grid.getpixel((20, 190)) == BACKGROUND
    assert grid.getpixel((190, 100)) == BACKGROUND
    assert all(abs(a - b) <= 4 for a, b in zip(pixel(grid, (100, 190)), blue, strict=True))


def test_transparent_parts_show_the_background() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (64, 64), (255, 255, 255, 0)).save(out, format="PNG")
    grid = decode(compose_grid([("1", out.getvalue())], cell_size=64))
    assert grid.getpixel((60, 60)) == BACKGROUND


@pytest.mark.parametrize("count", [0, 10])
def test_zero_or_more_than_nine_cells_are_refused(count: int) -> None:
    cells = [(str(n + 1), image_bytes((8, 8))) for n in range(count)]
    with pytest.raises(ValueError, match="1 to 9"):
        compose_grid(cells)


def test_bytes_that_are_not_an_image_are_refused() -> None:
    with pytest.raises(ValueError, match="'2' cannot be decoded"):
        compose_grid([("1", image_bytes((8, 8))), ("2", b"this is not a picture")])


def test_a_truncated_image_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be decoded"):
        compose_grid([("1", image_bytes((64, 64))[:60])])


def test_an_image_over_forty_megapixels_is_refused_before_decoding() -> None:
    with pytest.raises(ValueError, match="over 40000000 pixels"):
        compose_grid([("1", png_header_only(8000, 5001))])
    # Just under the limit would be decoded, and that fails here only because there are no pixels.
    with pytest.raises(ValueError, match="cannot be decoded"):
        compose_grid([("1", png_header_only(8000, 5000))])


@pytest.mark.parametrize("kwargs", [{"cell_size": 0}, {"gap": -1}, {"columns": 0}])
def test_bad_layouts_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        compose_grid([("1", image_bytes((8, 8)))], **kwargs)
