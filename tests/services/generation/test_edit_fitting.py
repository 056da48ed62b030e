"""Pure edit helpers: the request's rules, fitting any photo to a model, and outpainting canvases."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from services.generation.image_models.amazon import NOVA_INPUT, TITAN_INPUT
from services.generation.image_models.edits import (
    OUTPAINT_PRESETS,
    Expansion,
    centred_expansion,
    preset_expansion,
)
from services.generation.image_models.fitting import (
    PAD_COLOUR,
    canvas_plan,
    fit_image,
    fit_mask,
    fit_plan,
    image_size,
    outpaint_canvas,
)
from services.generation.image_models.stability import SDXL_INPUT, SDXL_SIZES
from services.generation.image_models.stability_services import (
    CREATIVE_UPSCALE_INPUT,
    FAST_UPSCALE_INPUT,
    GENERAL_INPUT,
)

RULES = {
    "nova": NOVA_INPUT,
    "titan": TITAN_INPUT,
    "stability": GENERAL_INPUT,
    "fast upscale": FAST_UPSCALE_INPUT,
    "creative upscale": CREATIVE_UPSCALE_INPUT,
}
PHOTOS = [
    (4032, 3024),
    (3024, 4032),
    (1000, 700),
    (200, 150),
    (5000, 1000),
    (1000, 5000),
    (2048, 2048),
    (1001, 333),
]


def image(
    size: tuple[int, int], colour: tuple[int, ...] = (200, 40, 40), *, fmt: str = "PNG", mode: str = "RGB"
) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    result = Image.open(io.BytesIO(data))
    result.load()
    return result


def colours(data: bytes) -> set[tuple[int, ...]]:
    return {rgb for _, rgb in opened(data).convert("RGB").getcolors(maxcolors=1 << 16) or []}


# --- ImageRules ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "fragment"),
    [
        ((319, 640), "at least 320"),
        ((4112, 1024), "at most 4096"),
        ((1000, 640), "multiples of 16"),
        ((2048, 2048), "at most 4,194,303"),
        ((1600, 384), "1:4 and 4:1"),
    ],
)
def test_nova_rules_explain_what_is_wrong(size: tuple[int, int], fragment: str) -> None:
    assert fragment in (NOVA_INPUT.problem(*size) or "")


def test_nova_rules_accept_the_edges() -> None:
    assert NOVA_INPUT.allows(320, 1280)
    assert NOVA_INPUT.allows(4080, 1024)  # 4,177,920 pixels, aspect 3.98
    # 4096x1024 has exactly 4,194,304 pixels: Nova wants fewer.
    assert not NOVA_INPUT.allows(4096, 1024)
    assert NOVA_INPUT.allows(2032, 2048)  # 4,161,536 pixels


def test_listed_sizes_accept_nothing_else() -> None:
    assert SDXL_INPUT.allows(1216, 832)
    assert "not one of the sizes" in (SDXL_INPUT.problem(1216, 833) or "")


# --- fit_plan ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rules_name", list(RULES))
@pytest.mark.parametrize("size", PHOTOS, ids=[f"{w}x{h}" for w, h in PHOTOS])
@pytest.mark.parametrize("mode", ["crop", "pad"])
def test_fit_plan_meets_the_rules_without_distorting(
    rules_name: str, size: tuple[int, int], mode: Any
) -> None:
    rules = RULES[rules_name]
    plan = fit_plan(*size, rules, mode)

    assert rules.allows(*plan.size), rules.problem(*plan.size)
    crop_w, crop_h = plan.crop[2] - plan.crop[0], plan.crop[3] - plan.crop[1]
    content_w, content_h = plan.content
    # Same aspect before and after the resize, to within the one-pixel rounding of each side.
    assert (
        abs(content_w / content_h - crop_w / crop_h)
        <= crop_w / crop_h * (1 / content_w + 1 / content_h) + 1e-9
    )
    assert 0 <= plan.offset[0] <= plan.size[0] - content_w
    assert 0 <= plan.offset[1] <= plan.size[1] - content_h
    if mode == "pad":
        assert plan.crop == (0, 0, *size)
    else:
        assert plan.content == plan.size and plan.offset == (0, 0)


def test_fit_plan_leaves_a_compliant_image_alone() -> None:
    plan = fit_plan(1024, 768, NOVA_INPUT)

    assert plan.identity
    assert plan.scale == 1.0


def test_fit_plan_crops_only_the_rounding_sliver() -> None:
    plan = fit_plan(1000, 700, NOVA_INPUT)

    assert plan.size == (992, 688)
    # 700 px of height become 694 to match 992:688; 3 px off the top, 3 off the bottom.
    assert plan.crop == (0, 3, 1000, 697)


def test_fit_plan_crops_a_panorama_to_the_aspect_limit_centred() -> None:
    plan = fit_plan(5000, 1000, NOVA_INPUT)

    assert plan.crop == (500, 0, 4500, 1000)
    assert plan.size == (3840, 960)


def test_fit_plan_pads_a_panorama_instead_when_asked() -> None:
    plan = fit_plan(5000, 1000, NOVA_INPUT, "pad")

    assert NOVA_INPUT.allows(*plan.size)
    assert plan.content[0] == plan.size[0]
    top_pad = plan.offset[1]
    bottom_pad = plan.size[1] - plan.content[1] - top_pad
    assert abs(top_pad - bottom_pad) <= 1


def test_fit_plan_enlarges_a_small_image_to_the_minimum_side() -> None:
    plan = fit_plan(200, 150, NOVA_INPUT)

    assert min(plan.size) == 320
    assert plan.scale > 2


def test_fit_plan_shrinks_to_the_pixel_limit_in_multiples_of_16() -> None:
    plan = fit_plan(4032, 3024, NOVA_INPUT)

    width, height = plan.size
    assert width % 16 == height % 16 == 0
    assert width * height < 4_194_304
    assert width * height > 4_194_304 * 0.95  # as large as allowed, not needlessly small


def test_fit_plan_picks_the_listed_size_nearest_in_aspect() -> None:
    assert fit_plan(1000, 700, SDXL_INPUT).size == (1216, 832)
    assert fit_plan(700, 1000, SDXL_INPUT).size == (832, 1216)
    assert all(fit_plan(*size, SDXL_INPUT).size in SDXL_SIZES for size in PHOTOS)


def test_fit_plan_for_fast_upscale_stays_within_a_megapixel() -> None:
    assert fit_plan(2048, 2048, FAST_UPSCALE_INPUT).size == (1024, 1024)
    assert fit_plan(16, 16, FAST_UPSCALE_INPUT).size == (32, 32)


# --- fit_image and fit_mask -----------------------------------------------------------------------------


def test_fit_image_returns_a_compliant_source_byte_for_byte() -> None:
    source = image((1024, 768), fmt="JPEG")

    assert fit_image(source, NOVA_INPUT).data == source


def test_fit_image_re_encodes_formats_the_model_does_not_read() -> None:
    fitted = fit_image(image((1024, 768), fmt="WEBP"), NOVA_INPUT)

    assert opened(fitted.data).format == "PNG"
    assert fit_image(image((1024, 768), fmt="WEBP"), GENERAL_INPUT).data.startswith(b"RIFF")


def test_fit_image_flattens_transparency_for_models_that_need_opaque_input() -> None:
    source = image((512, 512), (10, 20, 30, 0), mode="RGBA")

    nova = opened(fit_image(source, NOVA_INPUT).data)
    stability = opened(fit_image(source, GENERAL_INPUT).data)

    assert nova.mode == "RGB" and nova.getpixel((5, 5)) == (255, 255, 255)
    assert stability.mode == "RGBA"


def test_fit_image_output_has_the_planned_size() -> None:
    fitted = fit_image(image((5000, 1000)), NOVA_INPUT)

    assert opened(fitted.data).size == fitted.size == (3840, 960)


def test_fit_image_pads_with_neutral_grey() -> None:
    fitted = fit_image(image((5000, 1000)), NOVA_INPUT, "pad")

    assert opened(fitted.data).getpixel((10, 0)) == PAD_COLOUR


def test_fit_image_turns_a_phone_photo_upright() -> None:
    # Stored landscape, tagged "rotate 90° clockwise to view": the model must get the portrait.
    stored = Image.new("RGB", (1024, 768), (200, 40, 40))
    stored.paste((0, 0, 255), (0, 0, 100, 100))  # blue in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    stored.save(out, "JPEG", exif=exif)

    fitted = fit_image(out.getvalue(), NOVA_INPUT)

    upright = opened(fitted.data)
    assert upright.size == fitted.size == (768, 1024)
    assert image_size(out.getvalue()) == (768, 1024)
    red, _, blue = upright.getpixel((718, 50))  # the corner is now top-right
    assert blue > 200 and red < 60


def test_fit_image_refuses_what_is_not_an_image() -> None:
    with pytest.raises(ValueError, match="could not be decoded"):
        fit_image(b"<html>sign in</html>", NOVA_INPUT)


def test_fit_mask_follows_the_image_geometry_and_stays_pure() -> None:
    mask = Image.new("RGB", (1000, 700), (255, 255, 255))
    mask.paste((0, 0, 0), (0, 0, 500, 350))  # the top-left quarter changes
    data = io.BytesIO()
    mask.save(data, "JPEG", quality=70)  # JPEG artefacts must not survive
    plan = fit_plan(1000, 700, NOVA_INPUT)

    fitted = opened(fit_mask(data.getvalue(), plan))
    inverted = opened(fit_mask(data.getvalue(), plan, change="white"))

    assert fitted.size == plan.size
    assert colours(fit_mask(data.getvalue(), plan)) == {(0, 0, 0), (255, 255, 255)}
    assert fitted.getpixel((100, 100)) == (0, 0, 0)
    assert fitted.getpixel((900, 600)) == (255, 255, 255)
    assert inverted.getpixel((100, 100)) == (255, 255, 255)


def test_fit_mask_drawn_on_a_preview_is_scaled_to_the_source() -> None:
    mask = Image.new("L", (100, 70), 255)
    mask.paste(0, (50, 35, 100, 70))  # bottom-right quarter
    data = io.BytesIO()
    mask.save(data, "PNG")

    fitted = opened(fit_mask(data.getvalue(), fit_plan(1000, 700, NOVA_INPUT)))

    assert fitted.getpixel((900, 600)) == (0, 0, 0)
    assert fitted.getpixel((100, 100)) == (255, 255, 255)


# --- outpainting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("zoom_out_1_5", Expansion(left=250, top=175, right=250, bottom=175)),
        ("zoom_out_2", Expansion(left=500, top=350, right=500, bottom=350)),
        ("pan_left", Expansion(left=500)),
        ("pan_right", Expansion(right=500)),
        ("pan_up", Expansion(top=350)),
        ("pan_down", Expansion(bottom=350)),
        ("square", Expansion(top=150, bottom=150)),
    ],
)
def test_preset_expansions(preset: Any, expected: Expansion) -> None:
    assert preset_expansion(1000, 700, preset) == expected


def test_every_preset_is_named() -> None:
    assert set(OUTPAINT_PRESETS) == {
        "zoom_out_1_5", "zoom_out_2", "pan_left", "pan_right", "pan_up", "pan_down", "square"
    }  # fmt: skip


def test_a_square_image_cannot_be_made_square() -> None:
    with pytest.raises(ValueError, match="already square"):
        preset_expansion(512, 512, "square")


def test_centred_expansion_puts_the_odd_pixel_after() -> None:
    assert centred_expansion(100, 100, (201, 100)) == Expansion(left=50, right=51)
    with pytest.raises(ValueError, match="smaller than the source"):
        centred_expansion(100, 100, (99, 200))


def test_zoom_out_2_on_nova_stays_under_the_pixel_limit_and_centred() -> None:
    plan = canvas_plan(1024, 1024, preset_expansion(1024, 1024, "zoom_out_2"), NOVA_INPUT)

    assert NOVA_INPUT.allows(*plan.size)
    assert plan.size == (2032, 2032)
    left, top, right, bottom = plan.box
    assert (left, top) == (2032 - right, 2032 - bottom)  # the same margin on every side
    assert right - left == bottom - top  # the square source stays square


@pytest.mark.parametrize(
    ("preset", "box_edge"),
    [("pan_left", "right"), ("pan_right", "left"), ("pan_up", "bottom"), ("pan_down", "top")],
)
def test_a_pan_grows_one_side_only(preset: Any, box_edge: str) -> None:
    plan = canvas_plan(1280, 720, preset_expansion(1280, 720, preset), NOVA_INPUT)

    width, height = plan.size
    left, top, right, bottom = plan.box
    touching = {"left": left == 0, "top": top == 0, "right": right == width, "bottom": bottom == height}
    opposite = {"left": "right", "right": "left", "top": "bottom", "bottom": "top"}
    grown = opposite[box_edge]
    assert not touching[grown]
    assert all(touching[side] for side in touching if side != grown)
    assert NOVA_INPUT.allows(width, height)


def test_rounding_on_an_axis_that_does_not_grow_crops_instead_of_adding_a_sliver() -> None:
    plan = canvas_plan(1280, 720, Expansion(top=360), NOVA_INPUT)

    assert plan.size == (1280, 1072)
    assert (plan.box[0], plan.box[2]) == (0, 1280)
    crop_w, crop_h = plan.crop[2] - plan.crop[0], plan.crop[3] - plan.crop[1]
    box_w, box_h = plan.box[2] - plan.box[0], plan.box[3] - plan.box[1]
    assert abs(crop_w / crop_h - box_w / box_h) < 0.01


def test_growth_past_the_aspect_limit_is_shortened() -> None:
    plan = canvas_plan(1200, 400, Expansion(right=2000), NOVA_INPUT)

    width, height = plan.size
    assert width <= 4 * height
    assert plan.box[0] == 0


def test_a_canvas_at_the_aspect_limit_cannot_grow_further_that_way() -> None:
    with pytest.raises(ValueError, match="aspect-ratio limit"):
        canvas_plan(1600, 400, Expansion(right=400), NOVA_INPUT)


def test_titan_canvases_stay_within_1408_pixels() -> None:
    plan = canvas_plan(1024, 1024, preset_expansion(1024, 1024, "zoom_out_2"), TITAN_INPUT)

    assert max(plan.size) == 1408
    assert plan.box == (352, 352, 1056, 1056)


def test_outpainting_needs_free_sizes() -> None:
    with pytest.raises(ValueError, match="free sizes"):
        canvas_plan(1024, 1024, Expansion(left=10), SDXL_INPUT)


def test_outpaint_canvas_image_and_masks() -> None:
    canvas = outpaint_canvas(
        image((640, 480)), Expansion(left=320, top=240, right=320, bottom=240), NOVA_INPUT
    )

    drawn = opened(canvas.image)
    assert drawn.size == canvas.size == (1280, 960)
    assert canvas.plan.box == (320, 240, 960, 720)
    assert drawn.getpixel((640, 480)) == (200, 40, 40)
    assert drawn.getpixel((10, 10)) == PAD_COLOUR
    outpaint = opened(canvas.mask(change="white"))
    inpaint = opened(canvas.mask(change="black"))
    assert colours(canvas.mask(change="white")) == {(0, 0, 0), (255, 255, 255)}
    assert (outpaint.getpixel((640, 480)), outpaint.getpixel((10, 10))) == ((0, 0, 0), (255, 255, 255))
    assert (inpaint.getpixel((640, 480)), inpaint.getpixel((10, 10))) == ((255, 255, 255), (0, 0, 0))
    # The mask's edge is exactly the source's edge.
    assert outpaint.getpixel((320, 240)) == (0, 0, 0) and outpaint.getpixel((319, 240)) == (255, 255, 255)


def test_fit_image_passes_a_compliant_image_on_from_its_header_alone() -> None:
    # Its pixels are never decoded: a PNG cut short after its first rows comes back as it was.
    noisy = Image.effect_noise((1024, 1024), 64).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "PNG")
    cut = out.getvalue()[: len(out.getvalue()) // 2]

    assert fit_image(cut, NOVA_INPUT).data == cut
    assert image_size(cut) == (1024, 1024)
    with pytest.raises(ValueError, match="could not be decoded"):
        fit_image(cut, NOVA_INPUT, "pad", always_encode=True)


def test_fit_image_turns_a_png_by_its_exif_chunk() -> None:
    stored = Image.new("RGB", (1024, 768), (200, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    stored.save(out, "PNG", exif=exif)

    assert fit_image(out.getvalue(), NOVA_INPUT).size == (768, 1024)
    assert image_size(out.getvalue()) == (768, 1024)
