"""Output presets and styles (services/presets.py): pure, no clients."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from services.generation.image_models import build_image_model
from services.generation.image_models.amazon import NOVA_CANVAS, TITAN_IMAGE, AmazonImageModel
from services.generation.image_models.base import Capabilities, GenerationRequest, ImageModel
from services.generation.image_models.stability import (
    SD3_LARGE,
    SDXL,
    STABLE_IMAGE,
    StableDiffusionXL,
    StableImage,
)
from services.generation.presets import (
    EYECATCH,
    OGP,
    PRESETS,
    STYLES,
    Preset,
    fit_image,
    fit_to_preset,
    get_preset,
    get_style,
    merge_negative,
)
from services.generation.prompting import PromptBuilder
from services.generation.sizes import generation_size

MODELS: dict[str, ImageModel] = {
    "nova-canvas": AmazonImageModel(None, "amazon.nova-canvas-v1:0", NOVA_CANVAS),
    "titan-image": AmazonImageModel(None, "amazon.titan-image-generator-v2:0", TITAN_IMAGE),
    "sdxl": StableDiffusionXL(None, "stability.stable-diffusion-xl-v1"),
    "sd3": StableImage(None, "stability.sd3-5-large-v1:0", SD3_LARGE),
    "stable-image": StableImage(None, "stability.stable-image-core-v1:1", STABLE_IMAGE),
}


def png(size: tuple[int, int], color: tuple[int, int, int] = (40, 90, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- the promise: exact sizes ------------------------------------------------------------------------


@pytest.mark.parametrize("family", sorted(MODELS))
@pytest.mark.parametrize("preset", sorted(PRESETS.values(), key=lambda p: p.name), ids=lambda p: p.name)
def test_each_preset_is_made_at_an_accepted_size_and_fits_exactly(family: str, preset: Preset) -> None:
    model = MODELS[family]
    caps = model.capabilities

    size = generation_size(caps, preset.width, preset.height, model.validate_size)

    model.validate_size(*size)  # the pipeline checks the same way
    if caps.sizes:
        assert size in caps.sizes
    fitted = decoded(fit_to_preset(png(size), preset))
    assert fitted.format == "PNG"
    assert fitted.size == (preset.width, preset.height)


@pytest.mark.parametrize(
    ("caps", "preset", "expected"),
    [
        # Nova Canvas: free sizes in multiples of 16, never smaller than the target.
        (NOVA_CANVAS, OGP, (1200, 640)),
        (NOVA_CANVAS, EYECATCH, (1280, 720)),
        # Titan: 1173x640 has nearly the same ratio but is smaller than 1200x630; 1408x768 is
        # the same 1.83:1 and large enough, so nothing is upscaled.
        (TITAN_IMAGE, OGP, (1408, 768)),
        (TITAN_IMAGE, EYECATCH, (1408, 768)),
        # SDXL: 1344x768 (1.75:1) is its widest size that is not 2.4:1.
        (SDXL, OGP, (1344, 768)),
        (SDXL, EYECATCH, (1344, 768)),
        # SD3 / Stable Image: the 16:9 ratio's nominal size.
        (SD3_LARGE, OGP, (1344, 768)),
        (STABLE_IMAGE, EYECATCH, (1344, 768)),
    ],
    ids=lambda value: getattr(value, "family", getattr(value, "name", None)) or str(value),
)
def test_generation_size_per_model(caps: Capabilities, preset: Preset, expected: tuple[int, int]) -> None:
    check = MODELS[caps.family].validate_size
    size = generation_size(caps, preset.width, preset.height, check)

    assert size == expected
    assert size[0] * size[1] >= preset.width * preset.height


def test_sd3_request_for_an_ogp_size_asks_for_16_9() -> None:
    model = MODELS["sd3"]
    width, height = generation_size(model.capabilities, OGP.width, OGP.height, model.validate_size)
    request = GenerationRequest(
        prompt="x", negative_prompt=None, seed=1, cfg_scale=None, width=width, height=height
    )

    assert isinstance(model, StableImage)
    assert model.body(request)["aspect_ratio"] == "16:9"


def test_free_sizes_shrink_below_the_pixel_limit_and_grow_above_the_minimum() -> None:
    nova = MODELS["nova-canvas"]

    big = generation_size(NOVA_CANVAS, 4000, 4000, nova.validate_size)
    small = generation_size(NOVA_CANVAS, 200, 100, nova.validate_size)

    nova.validate_size(*big)
    nova.validate_size(*small)
    assert big[0] == big[1] and big[0] * big[1] < 4_194_304
    assert small[0] == 2 * small[1] and min(small) >= 320


def test_an_arn_with_its_family_sizes_like_that_family() -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123"

    titan = build_image_model(None, arn, family="titan-image")
    sdxl = build_image_model(None, arn, family="sdxl")

    assert titan.model_id == arn and titan.capabilities.family == "titan-image"
    assert generation_size(titan.capabilities, OGP.width, OGP.height, titan.validate_size) == (1408, 768)
    assert generation_size(sdxl.capabilities, OGP.width, OGP.height, sdxl.validate_size) == (1344, 768)


def test_fit_is_a_centre_crop_not_a_stretch() -> None:
    # 2:1 source: red quarters left and right, white half in the middle.
    source = Image.new("RGB", (2000, 1000), (255, 0, 0))
    source.paste((255, 255, 255), (500, 0, 1500, 1000))
    out = io.BytesIO()
    source.save(out, "PNG")

    square = decoded(fit_image(out.getvalue(), 500, 500)).convert("RGB")

    assert square.size == (500, 500)
    for x in (2, 250, 497):
        pixel = square.getpixel((x, 250))
        assert isinstance(pixel, tuple)
        assert min(pixel) > 240, (x, pixel)


def test_fit_accepts_jpeg_and_rgba_and_always_writes_png() -> None:
    jpeg = io.BytesIO()
    Image.new("RGB", (1344, 768), (10, 20, 30)).save(jpeg, "JPEG")
    rgba = io.BytesIO()
    Image.new("RGBA", (1024, 1024), (10, 20, 30, 128)).save(rgba, "PNG")

    for data in (jpeg.getvalue(), rgba.getvalue()):
        fitted = decoded(fit_to_preset(data, OGP))
        assert (fitted.format, fitted.size, fitted.mode) == ("PNG", (1200, 630), "RGB")


# --- lookup ------------------------------------------------------------------------------------------


def test_presets_by_name() -> None:
    assert get_preset("ogp") == OGP == Preset("ogp", 1200, 630)
    assert get_preset(" EyeCatch ") == EYECATCH
    assert EYECATCH.size == (1280, 720)
    with pytest.raises(ValueError, match="unknown preset 'banner'; use one of ogp, eyecatch"):
        get_preset("banner")


def test_every_named_style_is_a_template_with_prompt() -> None:
    assert {"landscape", "photo", "illustration", "watercolor", "flat-design"} <= set(STYLES)
    for style in STYLES.values():
        built = PromptBuilder(style.template).build("mount fuji", max_chars=512, negative_max_chars=None)
        assert "mount fuji" in built.text


def test_the_landscape_style_is_the_seed_idea_with_people_in_the_negative_prompt() -> None:
    style = get_style("landscape")

    text = style.template.format(prompt="History of Amazon Route 53")
    assert 'inspired by "History of Amazon Route 53"' in text
    assert "landscape" in text and "space" in text
    # Models follow "without people" poorly; exclusion belongs in the negative prompt.
    assert "people" in style.negative
    assert "without" not in text and " no " not in text


def test_a_literal_template_is_accepted_and_bad_ones_are_refused() -> None:
    assert get_style("{prompt}, pencil sketch").template == "{prompt}, pencil sketch"
    with pytest.raises(ValueError, match=r"unknown style 'oil'.*landscape"):
        get_style("oil")
    with pytest.raises(ValueError, match="no braces other than"):
        get_style("{prompt} {mood}")
    with pytest.raises(ValueError, match="no braces other than"):
        get_style("{prompt} {")


def test_merge_negative_keeps_order_and_skips_duplicates() -> None:
    assert merge_negative(["blurry", "Text"], ["people", "text", "crowd"]) == [
        "blurry",
        "Text",
        "people",
        "crowd",
    ]
