"""Every image model adapter (Amazon, SDXL, SD3.5 / Stable Image) and the registry, via the emulator."""

from __future__ import annotations

import base64
import io
from typing import Any

import boto3
import pytest
from PIL import Image

from services.core.errors import ContentFiltered, ModelMisconfigured, ModelUnavailable
from services.generation.bedrock import RetryPolicy
from services.generation.image_models import (
    Capabilities,
    EditRequest,
    GenerationRequest,
    UnsupportedEdit,
    UnsupportedModel,
    VariationRequest,
    build_image_model,
)
from services.generation.image_models.amazon import NOVA_CANVAS, TITAN_IMAGE, AmazonImageModel
from services.generation.image_models.fitting import Fitted
from services.generation.image_models.stability import (
    SD3_LARGE,
    SDXL,
    SDXL_SIZES,
    SDXL_STYLES,
    STABLE_IMAGE,
    StabilityModel,
    StableDiffusionXL,
    StableImage,
    stable_images,
)
from tests.servers.aws_emulator import AwsEmulator, Error, png_info

NOVA = "amazon.nova-canvas-v1:0"
TITAN = "amazon.titan-image-generator-v2:0"
SDXL_ID = "stability.stable-diffusion-xl-v1"
SD35 = "stability.sd3-5-large-v1:0"
CORE = "stability.stable-image-core-v1:1"
ULTRA = "stability.stable-image-ultra-v1:1"
ACCOUNT_ARN = "arn:aws:bedrock:us-east-1:123456789012"


def _client() -> Any:
    return boto3.client("bedrock-runtime", region_name="us-east-1")


def _model(model_id: str, **kwargs: Any) -> Any:
    return build_image_model(_client(), model_id, RetryPolicy(sleep=lambda _: None), **kwargs)


def _request(**overrides: Any) -> GenerationRequest:
    values: dict[str, Any] = {
        "prompt": "a lighthouse at dusk, oil painting",
        "negative_prompt": "text, watermark",
        "seed": 4321,
        "cfg_scale": 9.0,
        "width": 1024,
        "height": 1024,
    }
    values.update(overrides)
    return GenerationRequest(**values)


def _image(
    size: tuple[int, int] = (640, 640), fmt: str = "PNG", colour: tuple[int, int, int] = (200, 40, 40)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def _variation(source: bytes, **overrides: Any) -> VariationRequest:
    values: dict[str, Any] = {
        "prompt": "the same lighthouse in winter",
        "negative_prompt": "text",
        "seed": 99,
        "cfg_scale": None,
        "width": 1024,
        "height": 1024,
        "source": source,
        "strength": 0.7,
    }
    values.update(overrides)
    return VariationRequest(**values)


def _size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- registry ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "adapter", "family"),
    [
        pytest.param(NOVA, AmazonImageModel, "nova-canvas", id="nova"),
        pytest.param("amazon.titan-image-generator-v1", AmazonImageModel, "titan-image", id="titan v1"),
        pytest.param(TITAN, AmazonImageModel, "titan-image", id="titan v2"),
        pytest.param(SDXL_ID, StableDiffusionXL, "sdxl", id="sdxl"),
        pytest.param(SD35, StableImage, "sd3", id="sd3.5 large"),
        pytest.param("stability.sd3-large-v1:0", StableImage, "sd3", id="sd3 large"),
        pytest.param(CORE, StableImage, "stable-image", id="core v1:1"),
        pytest.param("stability.stable-image-core-v1:0", StableImage, "stable-image", id="core v1:0"),
        pytest.param(ULTRA, StableImage, "stable-image", id="ultra v1:1"),
        pytest.param("stability.stable-image-ultra-v1:0", StableImage, "stable-image", id="ultra v1:0"),
        pytest.param(f"arn:aws:bedrock:us-west-2::foundation-model/{SD35}", StableImage, "sd3", id="fm arn"),
    ],
)
def test_registry_picks_the_adapter_by_model_id(model_id: str, adapter: type, family: str) -> None:
    model = build_image_model(_client(), model_id)

    assert isinstance(model, adapter)
    assert model.capabilities.family == family
    assert model.model_id == model_id


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        pytest.param(f"us.{NOVA}", "nova-canvas", id="us"),
        pytest.param(f"eu.{TITAN}", "titan-image", id="eu"),
        pytest.param(f"apac.{SDXL_ID}", "sdxl", id="apac"),
        pytest.param(f"jp.{SD35}", "sd3", id="jp"),
        pytest.param(f"us-gov.{CORE}", "stable-image", id="us-gov"),
        pytest.param(f"global.{ULTRA}", "stable-image", id="global"),
        pytest.param(f"{ACCOUNT_ARN}:inference-profile/us.{SD35}", "sd3", id="profile arn"),
    ],
)
def test_registry_strips_inference_profile_prefixes(model_id: str, family: str) -> None:
    model = build_image_model(_client(), model_id)

    assert model.capabilities.family == family
    # The profile id is what InvokeModel must receive.
    assert model.model_id == model_id


@pytest.mark.parametrize(
    ("model_id", "family", "adapter"),
    [
        pytest.param(
            f"{ACCOUNT_ARN}:custom-model/{TITAN}/a1b2c3", "titan-image", AmazonImageModel, id="custom"
        ),
        pytest.param(
            f"{ACCOUNT_ARN}:provisioned-model/abcd1234", "nova-canvas", AmazonImageModel, id="nova pt"
        ),
        pytest.param(f"{ACCOUNT_ARN}:provisioned-model/abcd1234", "sdxl", StableDiffusionXL, id="sdxl pt"),
        pytest.param(f"{ACCOUNT_ARN}:provisioned-model/abcd1234", "sd3", StableImage, id="sd3 pt"),
        pytest.param(
            f"{ACCOUNT_ARN}:application-inference-profile/xyz", "stable-image", StableImage, id="app"
        ),
    ],
)
def test_registry_uses_the_family_for_arns_that_hide_the_model(
    model_id: str, family: str, adapter: type
) -> None:
    model = build_image_model(_client(), model_id, family=family)

    assert isinstance(model, adapter)
    assert model.capabilities.family == family
    assert model.model_id == model_id


@pytest.mark.parametrize(
    "model_id",
    [f"{ACCOUNT_ARN}:provisioned-model/abcd1234", f"{ACCOUNT_ARN}:custom-model/{TITAN}/a1b2c3"],
)
def test_registry_rejects_an_arn_without_a_family(model_id: str) -> None:
    with pytest.raises(UnsupportedModel, match="IMAGE_MODEL_FAMILY") as caught:
        build_image_model(_client(), model_id)

    assert "IMAGE_MODEL_ID" in str(caught.value)
    assert "sdxl" in str(caught.value)


def test_registry_rejects_an_unknown_family() -> None:
    with pytest.raises(UnsupportedModel, match="IMAGE_MODEL_FAMILY 'dall-e'"):
        build_image_model(_client(), f"{ACCOUNT_ARN}:provisioned-model/abcd1234", family="dall-e")


def test_registry_rejects_a_family_that_contradicts_the_id() -> None:
    with pytest.raises(UnsupportedModel, match="does not match"):
        build_image_model(_client(), NOVA, family="sdxl")


def test_registry_accepts_a_family_that_agrees_with_the_id() -> None:
    assert build_image_model(_client(), SD35, family="sd3").capabilities is SD3_LARGE


@pytest.mark.parametrize(
    "model_id",
    [
        # Stability's editing models share the "stability.stable-image-" prefix, not the schema.
        pytest.param("stability.stable-image-inpaint-v1:0", id="inpaint"),
        pytest.param("stability.stable-image-remove-background-v1:0", id="remove background"),
        pytest.param("stability.stable-fast-upscale-v1:0", id="upscale"),
        pytest.param("amazon.nova-lite-v1:0", id="text model"),
        pytest.param("us.anthropic.claude-3-haiku-20240307-v1:0", id="text profile"),
        pytest.param("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0", id="text fm arn"),
        pytest.param("", id="empty"),
    ],
)
def test_registry_rejects_unsupported_ids(model_id: str) -> None:
    with pytest.raises(
        UnsupportedModel, match=r"IMAGE_MODEL_ID .* is not supported; use amazon\.nova-canvas"
    ):
        build_image_model(_client(), model_id)


def test_registry_passes_sdxl_steps_and_style() -> None:
    model = build_image_model(_client(), SDXL_ID, sdxl_steps=40, sdxl_style="anime")

    assert isinstance(model, StableDiffusionXL)
    assert (model.steps, model.style_preset) == (40, "anime")


@pytest.mark.parametrize(
    ("kwargs", "fragment"), [({"sdxl_steps": 5}, "steps"), ({"sdxl_style": "vaporwave"}, "style")]
)
def test_registry_rejects_bad_sdxl_settings(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        build_image_model(_client(), SDXL_ID, **kwargs)


def test_arn_model_reaches_the_service_under_its_arn(aws: AwsEmulator) -> None:
    arn = f"{ACCOUNT_ARN}:provisioned-model/abcd1234"

    [image] = _model(arn, family="sdxl").generate(_request())

    [recorded] = aws.requests("InvokeModel")
    assert recorded.model_id == arn
    assert png_info(image.data)["emulator-model"] == arn


# --- Capabilities --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "ratio"),
    [
        ((1024, 1024), "1:1"),
        ((1920, 1080), "16:9"),
        ((1080, 1920), "9:16"),
        ((1000, 700), "3:2"),
        ((700, 1000), "2:3"),
        ((1000, 800), "5:4"),
        ((800, 1000), "4:5"),
        ((2520, 1080), "21:9"),
        ((1080, 2520), "9:21"),
        ((4096, 256), "21:9"),
        ((1152, 640), "16:9"),
    ],
)
def test_nearest_aspect_ratio(size: tuple[int, int], ratio: str) -> None:
    assert SD3_LARGE.nearest_aspect_ratio(*size) == ratio
    assert STABLE_IMAGE.nearest_aspect_ratio(*size) == ratio


def test_nearest_aspect_ratio_needs_ratios() -> None:
    with pytest.raises(ValueError, match="aspect ratio"):
        NOVA_CANVAS.nearest_aspect_ratio(1024, 1024)
    with pytest.raises(ValueError, match="positive"):
        SD3_LARGE.nearest_aspect_ratio(0, 1024)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1000, 700), (1216, 832)),
        ((700, 1000), (832, 1216)),
        ((500, 500), (1024, 1024)),
        ((1920, 1080), (1344, 768)),
    ],
)
def test_nearest_size_for_sdxl(size: tuple[int, int], expected: tuple[int, int]) -> None:
    assert SDXL.nearest_size(*size) == expected


def test_nearest_size_prefers_the_closest_area_among_equal_ratios() -> None:
    assert TITAN_IMAGE.nearest_size(700, 700) == (768, 768)
    assert TITAN_IMAGE.nearest_size(2000, 2000) == (1024, 1024)


def test_declared_capabilities() -> None:
    assert [c.supports_variation for c in (NOVA_CANVAS, TITAN_IMAGE, SDXL, SD3_LARGE, STABLE_IMAGE)] == [
        True,
        True,
        True,
        True,
        False,
    ]
    assert NOVA_CANVAS.variation_strength == TITAN_IMAGE.variation_strength == (0.2, 1.0)
    assert SDXL.variation_strength == SD3_LARGE.variation_strength == (0.0, 1.0)
    assert STABLE_IMAGE.variation_strength is None
    assert SDXL.styles == SDXL_STYLES and "photographic" in SDXL.styles
    assert NOVA_CANVAS.styles == ()
    assert (SDXL.cfg_min, SDXL.cfg_max, SDXL.cfg_default) == (0.0, 35.0, 7.0)
    assert not SD3_LARGE.has_cfg and not STABLE_IMAGE.has_cfg
    assert SDXL.max_images_per_call == SD3_LARGE.max_images_per_call == STABLE_IMAGE.max_images_per_call == 1
    assert SDXL.sizes == SDXL_SIZES and SD3_LARGE.sizes is None


def test_old_style_capabilities_still_build() -> None:
    caps = Capabilities(family="plain", seed_max=10, max_prompt_chars=10)

    assert (caps.aspect_ratios, caps.supports_variation, caps.variation_strength, caps.styles) == (
        None,
        False,
        None,
        (),
    )


def test_variation_support_needs_a_strength_range() -> None:
    with pytest.raises(ValueError, match="variation_strength"):
        Capabilities(family="x", seed_max=10, max_prompt_chars=10, supports_variation=True)


def test_clamp_strength() -> None:
    assert NOVA_CANVAS.clamp_strength(0.05) == 0.2
    assert NOVA_CANVAS.clamp_strength(0.555) == 0.56
    assert SDXL.clamp_strength(1.5) == 1.0
    with pytest.raises(ValueError, match="no variation"):
        STABLE_IMAGE.clamp_strength(0.5)


def test_resolved_seeds_fit_the_stability_ranges(aws: AwsEmulator) -> None:
    # The emulator enforces 0-4294967295 for SDXL and 0-4294967294 for the prompt schema.
    _model(SDXL_ID).generate(_request(seed=SDXL.resolve_seed(2**40)))
    _model(SD35).generate(_request(seed=SD3_LARGE.resolve_seed(2**40)))

    bodies = [r.body for r in aws.requests("InvokeModel")]
    assert [b["seed"] for b in bodies] == [4_294_967_295, 4_294_967_294]


# --- Amazon: IMAGE_VARIATION ---------------------------------------------------------------------------


def test_nova_variation_request_shape(aws: AwsEmulator) -> None:
    source = _image((640, 640))

    images = _model(NOVA).vary(_variation(source, cfg_scale=6.5, width=512, height=768, count=2))

    [recorded] = aws.requests("InvokeModel")
    assert recorded.body == {
        "taskType": "IMAGE_VARIATION",
        "imageVariationParams": {
            "images": [_b64(source)],
            "similarityStrength": 0.7,
            "text": "the same lighthouse in winter",
            "negativeText": "text",
        },
        "imageGenerationConfig": {
            "numberOfImages": 2,
            "width": 512,
            "height": 768,
            "seed": 99,
            "cfgScale": 6.5,
        },
    }
    assert recorded.images() == [source]
    assert [_size(image.data) for image in images] == [(512, 768), (512, 768)]
    assert {image.seed for image in images} == {99}


def test_titan_variation_of_a_jpeg_without_texts(aws: AwsEmulator) -> None:
    source = _image((768, 768), "JPEG")

    [image] = _model(TITAN).vary(_variation(source, prompt="", negative_prompt=None, width=1152, height=640))

    [recorded] = aws.requests("InvokeModel")
    assert recorded.body["imageVariationParams"] == {"images": [_b64(source)], "similarityStrength": 0.7}
    assert "cfgScale" not in recorded.body["imageGenerationConfig"]
    assert recorded.images() == [source]
    assert _size(image.data) == (1152, 640)


@pytest.mark.parametrize("strength", [0.0, 0.19, 1.01])
def test_amazon_variation_rejects_strength_outside_its_range(aws: AwsEmulator, strength: float) -> None:
    with pytest.raises(ValueError, match="strength"):
        _model(NOVA).vary(_variation(_image(), strength=strength))
    assert aws.requests("InvokeModel") == []


@pytest.mark.parametrize(
    ("source", "fragment"),
    [(b"not an image", "decoded"), (_image(fmt="GIF"), "PNG or JPEG")],
    ids=["garbage", "gif"],
)
def test_variation_rejects_sources_that_are_not_png_or_jpeg(
    aws: AwsEmulator, source: bytes, fragment: str
) -> None:
    for model_id in (NOVA, SDXL_ID, SD35):
        with pytest.raises(ValueError, match=fragment):
            _model(model_id).vary(_variation(source))
    assert aws.requests("InvokeModel") == []


def test_amazon_variation_filtered_output(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{NOVA}",
        {"images": [], "error": "All of the generated images have been blocked by our content filters."},
    )

    with pytest.raises(ContentFiltered) as caught:
        _model(NOVA).vary(_variation(_image()))

    assert caught.value.stage == "output"


def test_generate_is_unchanged_for_amazon(aws: AwsEmulator) -> None:
    _model(NOVA).generate(_request(width=512, height=768, count=2))

    assert aws.requests("InvokeModel")[0].body == {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {
            "text": "a lighthouse at dusk, oil painting",
            "negativeText": "text, watermark",
        },
        "imageGenerationConfig": {
            "numberOfImages": 2,
            "width": 512,
            "height": 768,
            "seed": 4321,
            "cfgScale": 9.0,
        },
    }


# --- SDXL ----------------------------------------------------------------------------------------------


def test_sdxl_request_shape(aws: AwsEmulator) -> None:
    _model(SDXL_ID, sdxl_steps=40, sdxl_style="photographic").generate(_request(width=1216, height=832))

    [recorded] = aws.requests("InvokeModel")
    assert recorded.model_id == SDXL_ID
    assert recorded.headers["content-type"] == "application/json"
    assert recorded.body == {
        "text_prompts": [
            {"text": "a lighthouse at dusk, oil painting", "weight": 1.0},
            {"text": "text, watermark", "weight": -1.0},
        ],
        "cfg_scale": 9.0,
        "seed": 4321,
        "steps": 40,
        "style_preset": "photographic",
        "width": 1216,
        "height": 832,
        "samples": 1,
    }


def test_sdxl_defaults_omit_negative_cfg_and_style(aws: AwsEmulator) -> None:
    _model(SDXL_ID).generate(_request(negative_prompt=None, cfg_scale=None))

    body = aws.requests("InvokeModel")[0].body
    assert body["text_prompts"] == [{"text": "a lighthouse at dusk, oil painting", "weight": 1.0}]
    assert body["steps"] == 30
    assert "cfg_scale" not in body
    assert "style_preset" not in body


@pytest.mark.parametrize("size", SDXL_SIZES)
def test_sdxl_generates_each_listed_size(aws: AwsEmulator, size: tuple[int, int]) -> None:
    model = _model(SDXL_ID)
    model.validate_size(*size)

    [image] = model.generate(_request(width=size[0], height=size[1]))

    assert image.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert image.mime_type == "image/png"
    assert _size(image.data) == size
    assert image.seed == 4321
    assert png_info(image.data)["emulator-prompt"] == "a lighthouse at dusk, oil painting"


@pytest.mark.parametrize("size", [(1024, 768), (512, 512), (1536, 1536), (1173, 640)])
def test_sdxl_rejects_unlisted_sizes(size: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="not one of"):
        _model(SDXL_ID).validate_size(*size)


def test_sdxl_size_the_service_refuses_is_misconfiguration(aws: AwsEmulator) -> None:
    with pytest.raises(ModelMisconfigured, match="ValidationException"):
        _model(SDXL_ID).generate(_request(width=1024, height=768))


def test_sdxl_records_the_artifact_seed(aws: AwsEmulator) -> None:
    png = _image((64, 64))
    aws.push(
        f"InvokeModel:{SDXL_ID}",
        {"result": "success", "artifacts": [{"seed": 1717, "base64": _b64(png), "finishReason": "SUCCESS"}]},
    )

    [image] = _model(SDXL_ID).generate(_request())

    assert (image.data, image.seed) == (png, 1717)


def test_sdxl_content_filtered_artifact(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{SDXL_ID}",
        {"artifacts": [{"finishReason": "CONTENT_FILTERED", "base64": "", "seed": 1}]},
    )

    with pytest.raises(ContentFiltered) as caught:
        _model(SDXL_ID).generate(_request())

    assert caught.value.stage == "output"


def test_sdxl_filtered_artifact_with_a_blurred_image_is_still_filtered(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{SDXL_ID}",
        {"artifacts": [{"finishReason": "CONTENT_FILTERED", "base64": _b64(_image()), "seed": 1}]},
    )

    with pytest.raises(ContentFiltered):
        _model(SDXL_ID).generate(_request())


def test_sdxl_error_artifact_is_model_unavailable(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{SDXL_ID}", {"result": "error", "artifacts": [{"finishReason": "ERROR", "seed": 1}]}
    )

    with pytest.raises(ModelUnavailable, match="ERROR"):
        _model(SDXL_ID).generate(_request())


@pytest.mark.parametrize(
    "answer", [{}, {"result": "success", "artifacts": []}], ids=["empty", "no artifacts"]
)
def test_sdxl_empty_answer_is_output_filter(aws: AwsEmulator, answer: dict[str, Any]) -> None:
    aws.push(f"InvokeModel:{SDXL_ID}", answer)

    with pytest.raises(ContentFiltered) as caught:
        _model(SDXL_ID).generate(_request())

    assert caught.value.stage == "output"


def test_sdxl_blocked_prompt_is_input_filter(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{SDXL_ID}",
        Error("ValidationException", "This request has been blocked by our content filters."),
    )

    with pytest.raises(ContentFiltered) as caught:
        _model(SDXL_ID).generate(_request())

    assert caught.value.stage == "input"


def test_sdxl_goes_through_the_retry_policy(aws: AwsEmulator) -> None:
    aws.push(f"InvokeModel:{SDXL_ID}", Error("ModelNotReadyException", "warming up", 429))

    [image] = _model(SDXL_ID).generate(_request())

    assert image.seed == 4321
    assert len(aws.requests("InvokeModel")) >= 2


def test_sdxl_makes_one_image_per_call(aws: AwsEmulator) -> None:
    with pytest.raises(ValueError, match="1 to 1"):
        _model(SDXL_ID).generate(_request(count=2))
    assert aws.requests("InvokeModel") == []


def test_sdxl_variation_resizes_the_source_to_an_sdxl_size(aws: AwsEmulator) -> None:
    source = _image((1000, 700))

    [image] = _model(SDXL_ID).vary(
        _variation(source, prompt="宇宙船、夜明けの空", cfg_scale=7.0, strength=0.35)
    )

    [recorded] = aws.requests("InvokeModel")
    [sent] = recorded.images()
    assert _size(sent) == (1216, 832)
    assert sent.startswith(b"\x89PNG\r\n\x1a\n")
    body = recorded.body
    assert body["init_image_mode"] == "IMAGE_STRENGTH"
    assert body["image_strength"] == 0.35
    assert body["text_prompts"] == [
        {"text": "宇宙船、夜明けの空", "weight": 1.0},
        {"text": "text", "weight": -1.0},
    ]
    assert (body["cfg_scale"], body["seed"], body["steps"], body["samples"]) == (7.0, 99, 30, 1)
    # The init image fixes the output size; width/height are not part of image-to-image.
    assert "width" not in body and "height" not in body
    assert _size(image.data) == (1216, 832)
    assert png_info(image.data)["emulator-prompt"] == "宇宙船、夜明けの空"


def test_sdxl_variation_keeps_a_source_already_at_an_sdxl_size(aws: AwsEmulator) -> None:
    source = _image((832, 1216), "JPEG")

    _model(SDXL_ID, sdxl_style="anime").vary(_variation(source))

    recorded = aws.requests("InvokeModel")[0]
    assert _size(recorded.images()[0]) == (832, 1216)
    assert recorded.body["style_preset"] == "anime"


@pytest.mark.parametrize("strength", [-0.1, 1.1])
def test_sdxl_variation_rejects_strength_outside_0_1(aws: AwsEmulator, strength: float) -> None:
    with pytest.raises(ValueError, match="strength"):
        _model(SDXL_ID).vary(_variation(_image(), strength=strength))
    assert aws.requests("InvokeModel") == []


def test_sdxl_variation_filtered(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{SDXL_ID}",
        {"artifacts": [{"finishReason": "CONTENT_FILTERED", "base64": "", "seed": 1}]},
    )

    with pytest.raises(ContentFiltered):
        _model(SDXL_ID).vary(_variation(_image()))


# --- SD3.5 Large / Stable Image Core / Ultra -------------------------------------------------------------


def test_sd35_request_shape(aws: AwsEmulator) -> None:
    _model(SD35).generate(_request(width=1920, height=1080, cfg_scale=None))

    [recorded] = aws.requests("InvokeModel")
    assert recorded.model_id == SD35
    assert recorded.body == {
        "prompt": "a lighthouse at dusk, oil painting",
        "negative_prompt": "text, watermark",
        "seed": 4321,
        "output_format": "png",
        "aspect_ratio": "16:9",
        "mode": "text-to-image",
    }


@pytest.mark.parametrize("model_id", [CORE, ULTRA, "stability.stable-image-core-v1:0"])
def test_core_and_ultra_omit_mode(aws: AwsEmulator, model_id: str) -> None:
    _model(model_id).generate(_request(width=768, height=1024, negative_prompt=None))

    assert aws.requests("InvokeModel")[0].body == {
        "prompt": "a lighthouse at dusk, oil painting",
        "seed": 4321,
        "output_format": "png",
        "aspect_ratio": "4:5",
    }


def test_stable_image_ignores_cfg(aws: AwsEmulator) -> None:
    _model(SD35).generate(_request(cfg_scale=5.0))

    assert "cfg_scale" not in aws.requests("InvokeModel")[0].body


@pytest.mark.parametrize(
    ("size", "ratio", "pixels"),
    [
        ((1024, 1024), "1:1", (1024, 1024)),
        ((1920, 1080), "16:9", (1344, 768)),
        ((832, 1216), "2:3", (832, 1280)),
    ],
)
def test_stable_image_output_follows_the_nearest_ratio(
    aws: AwsEmulator, size: tuple[int, int], ratio: str, pixels: tuple[int, int]
) -> None:
    [image] = _model(ULTRA).generate(_request(width=size[0], height=size[1]))

    assert aws.requests("InvokeModel")[0].body["aspect_ratio"] == ratio
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert _size(image.data) == pixels
    assert image.seed == 4321


class _WideUltra(StabilityModel):
    """A new Stability model as the shared base makes it: its bodies and its answer, nothing else."""

    def validate_size(self, width: int, height: int) -> None:
        """Every size becomes 16:9."""

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        """Always 16:9."""
        return {
            "prompt": request.prompt,
            "aspect_ratio": "16:9",
            "seed": request.seed,
            "output_format": "png",
        }

    def variation_body(self, request: VariationRequest) -> dict[str, Any]:
        """Never reached: the capabilities offer no variation."""
        raise AssertionError("the base checks the capabilities first")

    def restyle_body(self, request: EditRequest, fitted: Fitted) -> dict[str, Any]:
        """Never reached: the capabilities offer no edit."""
        raise AssertionError("the base checks the capabilities first")

    def images(self, payload: dict[str, Any], seed: int) -> list[Any]:
        """Stable Image's answer."""
        return stable_images(payload, self.model_id, seed)


def test_a_new_stability_model_is_its_bodies_and_its_answer(aws: AwsEmulator) -> None:
    model = _WideUltra(_client(), ULTRA, STABLE_IMAGE, RetryPolicy(sleep=lambda _: None))

    [image] = model.generate(_request())
    with pytest.raises(ValueError, match="does not support image variation"):
        model.vary(_variation(_image()))
    with pytest.raises(UnsupportedEdit):
        model.edit(EditRequest(operation="restyle", source=_image(), prompt="in winter"))

    [call] = aws.requests("InvokeModel")  # the refused variation and edit never reached the model
    assert call.body == {
        "prompt": "a lighthouse at dusk, oil painting",
        "aspect_ratio": "16:9",
        "seed": 4321,
        "output_format": "png",
    }
    assert (_size(image.data), image.seed) == ((1344, 768), 4321)


@pytest.mark.parametrize("value", ["not base64!", "aGVsbG8", "aGVs bG8=", "aGVsbG8=é"])
def test_an_image_that_is_not_base64_is_a_model_failure_not_a_crash(aws: AwsEmulator, value: str) -> None:
    aws.push(f"InvokeModel:{CORE}", {"seeds": [1], "finish_reasons": [None], "images": [value]})

    with pytest.raises(ModelUnavailable, match="image is not base64"):
        _model(CORE).generate(_request())


def test_stable_image_records_the_returned_seed(aws: AwsEmulator) -> None:
    png = _image((64, 64))
    aws.push(f"InvokeModel:{SD35}", {"seeds": [2130420379], "finish_reasons": [None], "images": [_b64(png)]})

    [image] = _model(SD35).generate(_request())

    assert (image.data, image.seed) == (png, 2130420379)


@pytest.mark.parametrize(
    ("answer", "stage"),
    [
        pytest.param(
            {"seeds": [1], "finish_reasons": ["Filter reason: output image"], "images": [""]},
            "output",
            id="output",
        ),
        pytest.param({"finish_reasons": ["Filter reason: prompt"]}, "input", id="prompt"),
        pytest.param(
            {"seeds": [1], "finish_reasons": ["Filter reason: input image"], "images": [None]},
            "input",
            id="source",
        ),
        pytest.param({}, "output", id="empty"),
        pytest.param({"seeds": [1], "finish_reasons": [None], "images": []}, "output", id="no images"),
    ],
)
def test_stable_image_filtered_answers(aws: AwsEmulator, answer: dict[str, Any], stage: str) -> None:
    aws.push(f"InvokeModel:{CORE}", answer)

    with pytest.raises(ContentFiltered) as caught:
        _model(CORE).generate(_request())

    assert caught.value.stage == stage


def test_stable_image_filtered_image_is_not_returned(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{ULTRA}",
        {"seeds": [1], "finish_reasons": ["Filter reason: output image"], "images": [_b64(_image())]},
    )

    with pytest.raises(ContentFiltered):
        _model(ULTRA).generate(_request())


def test_stable_image_inference_error_is_model_unavailable(aws: AwsEmulator) -> None:
    aws.push(f"InvokeModel:{SD35}", {"seeds": [1], "finish_reasons": ["Inference error"], "images": [""]})

    with pytest.raises(ModelUnavailable, match="Inference error"):
        _model(SD35).generate(_request())


def test_stable_image_goes_through_the_retry_policy(aws: AwsEmulator) -> None:
    aws.push(f"InvokeModel:{CORE}", Error("ModelTimeoutException", "slow", 408))

    [image] = _model(CORE).generate(_request())

    assert image.seed == 4321
    assert len(aws.requests("InvokeModel")) >= 2


@pytest.mark.parametrize("size", [(1024, 1024), (2100, 900), (900, 2100), (4096, 2048), (256, 256)])
def test_stable_image_accepts_sizes_within_the_ratio_range(size: tuple[int, int]) -> None:
    _model(SD35).validate_size(*size)
    _model(CORE).validate_size(*size)


@pytest.mark.parametrize(
    ("size", "fragment"),
    [
        ((2200, 900), "aspect ratio"),
        ((900, 2200), "aspect ratio"),
        ((0, 1024), "positive"),
        ((1024, -1), "positive"),
    ],
)
def test_stable_image_rejects_sizes_outside_the_ratio_range(size: tuple[int, int], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        _model(ULTRA).validate_size(*size)


def test_stable_image_makes_one_image_per_call(aws: AwsEmulator) -> None:
    with pytest.raises(ValueError, match="1 to 1"):
        _model(SD35).generate(_request(count=3))
    assert aws.requests("InvokeModel") == []


def test_sd35_variation_request_shape(aws: AwsEmulator) -> None:
    source = _image((1000, 700), "JPEG")

    [image] = _model(SD35).vary(_variation(source, strength=0.7))

    [recorded] = aws.requests("InvokeModel")
    assert recorded.body == {
        "prompt": "the same lighthouse in winter",
        "negative_prompt": "text",
        "seed": 99,
        "output_format": "png",
        "mode": "image-to-image",
        "image": _b64(source),
        # Similarity 0.7 is SD3's denoising strength 0.3.
        "strength": 0.3,
    }
    assert recorded.images() == [source]
    width, height = _size(image.data)
    assert width > height
    assert image.seed == 99


@pytest.mark.parametrize(("similarity", "strength"), [(0.0, 1.0), (1.0, 0.0), (0.35, 0.65)])
def test_sd35_variation_inverts_the_similarity(aws: AwsEmulator, similarity: float, strength: float) -> None:
    _model(SD35).vary(_variation(_image(), strength=similarity))

    assert aws.requests("InvokeModel")[0].body["strength"] == strength


def test_sd35_variation_filtered_source(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{SD35}",
        {"seeds": [1], "finish_reasons": ["Filter reason: input image"], "images": [""]},
    )

    with pytest.raises(ContentFiltered) as caught:
        _model(SD35).vary(_variation(_image()))

    assert caught.value.stage == "input"


@pytest.mark.parametrize("model_id", [CORE, ULTRA])
def test_core_and_ultra_do_not_vary(aws: AwsEmulator, model_id: str) -> None:
    model = _model(model_id)

    assert model.capabilities.supports_variation is False
    with pytest.raises(ValueError, match="does not support image variation"):
        model.vary(_variation(_image()))
    assert aws.requests("InvokeModel") == []


# --- every adapter -------------------------------------------------------------------------------------


@pytest.mark.parametrize("model_id", [NOVA, TITAN, SDXL_ID, SD35, CORE, ULTRA])
def test_every_adapter_generates_against_the_emulator(aws: AwsEmulator, model_id: str) -> None:
    model = _model(model_id)
    width, height = (1024, 1024)
    model.validate_size(width, height)
    cfg = model.capabilities.clamp_cfg(7.0) if model.capabilities.has_cfg else None

    images = model.generate(_request(cfg_scale=cfg, seed=model.capabilities.resolve_seed(77)))

    assert len(images) == 1
    assert images[0].seed == 77
    assert _size(images[0].data) == (1024, 1024)
    assert aws.requests("InvokeModel")[0].model_id == model_id


@pytest.mark.parametrize("model_id", [NOVA, TITAN, SDXL_ID, SD35])
def test_every_varying_adapter_sends_the_source(aws: AwsEmulator, model_id: str) -> None:
    model = _model(model_id)
    low, high = model.capabilities.variation_strength
    source = _image((1024, 1024))

    [image] = model.vary(_variation(source, strength=model.capabilities.clamp_strength((low + high) / 2)))

    [sent] = aws.requests("InvokeModel")[0].images()
    assert _size(sent) == (1024, 1024)
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n")
