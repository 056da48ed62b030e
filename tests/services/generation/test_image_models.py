"""Nova Canvas / Titan Image adapters (services/image_models), through the AWS emulator."""

from __future__ import annotations

import base64
import io
import json
import random
from typing import Any

import boto3
import pytest
from botocore.config import Config
from PIL import Image

from services.core.errors import ContentFiltered, ModelMisconfigured
from services.generation.bedrock import RetryPolicy
from services.generation.image_models import (
    Capabilities,
    GenerationRequest,
    UnsupportedModel,
    build_image_model,
)
from services.generation.image_models.amazon import NOVA_CANVAS, TITAN_IMAGE, TITAN_SIZES, AmazonImageModel
from tests.servers.aws_emulator import AwsEmulator, Error, png_info

NOVA = "amazon.nova-canvas-v1:0"
TITAN = "amazon.titan-image-generator-v2:0"


def _client() -> Any:
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    return boto3.client("bedrock-runtime", region_name="us-east-1", config=config)


def _model(model_id: str = NOVA) -> AmazonImageModel:
    model = build_image_model(_client(), model_id, RetryPolicy(sleep=lambda _: None))
    assert isinstance(model, AmazonImageModel)
    return model


def _request(**overrides: Any) -> GenerationRequest:
    values: dict[str, Any] = {
        "prompt": "a cat on a roof, watercolor",
        "negative_prompt": "blurry, text",
        "seed": 1234,
        "cfg_scale": 7.5,
        "width": 512,
        "height": 768,
        "count": 1,
    }
    values.update(overrides)
    return GenerationRequest(**values)


def _png(size: tuple[int, int] = (64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


# --- build_image_model -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        pytest.param("amazon.nova-canvas-v1:0", "nova-canvas", id="nova"),
        pytest.param("amazon.titan-image-generator-v2:0", "titan-image", id="titan v2"),
        pytest.param("amazon.titan-image-generator-v1", "titan-image", id="titan v1"),
        pytest.param(
            "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-canvas-v1:0",
            "nova-canvas",
            id="nova arn",
        ),
        pytest.param(
            "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-image-generator-v2:0",
            "titan-image",
            id="titan arn",
        ),
    ],
)
def test_build_image_model_picks_the_family_by_id(model_id: str, family: str) -> None:
    model = build_image_model(_client(), model_id)

    assert model.model_id == model_id
    assert model.capabilities.family == family


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        # Geography prefixes of cross-region inference profiles are understood.
        pytest.param("us.amazon.nova-canvas-v1:0", "nova-canvas", id="inference-profile style"),
        pytest.param(
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-canvas-v1:0",
            "nova-canvas",
            id="inference-profile arn",
        ),
    ],
)
def test_build_image_model_understands_inference_profile_ids(model_id: str, family: str) -> None:
    assert build_image_model(_client(), model_id).capabilities.family == family


@pytest.mark.parametrize(
    "model_id",
    [
        pytest.param("amazon.nova-lite-v1:0", id="text model"),
        pytest.param("us.anthropic.claude-haiku-4-5-20251001-v1:0", id="claude profile"),
        pytest.param("xx.amazon.nova-canvas-v1:0", id="unknown geography"),
        pytest.param("", id="empty"),
        pytest.param(
            "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-canvas-v1:0/abc123",
            id="custom-model arn hides its model",
        ),
    ],
)
def test_build_image_model_rejects_unsupported_ids(model_id: str) -> None:
    with pytest.raises(UnsupportedModel, match="not supported"):
        build_image_model(_client(), model_id)


def test_unsupported_model_is_a_value_error() -> None:
    assert issubclass(UnsupportedModel, ValueError)


# --- generate through the emulator -------------------------------------------------------------------


def test_nova_request_body_shape(aws: AwsEmulator) -> None:
    _model(NOVA).generate(_request(count=2))

    [recorded] = aws.requests("InvokeModel")
    assert recorded.model_id == NOVA
    assert recorded.headers["content-type"] == "application/json"
    assert recorded.headers["accept"] == "application/json"
    assert recorded.body == {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a cat on a roof, watercolor", "negativeText": "blurry, text"},
        "imageGenerationConfig": {
            "numberOfImages": 2,
            "width": 512,
            "height": 768,
            "seed": 1234,
            "cfgScale": 7.5,
        },
    }


def test_body_omits_missing_negative_text_and_cfg(aws: AwsEmulator) -> None:
    _model(NOVA).generate(_request(negative_prompt=None, cfg_scale=None))

    [recorded] = aws.requests("InvokeModel")
    assert recorded.body["textToImageParams"] == {"text": "a cat on a roof, watercolor"}
    assert "cfgScale" not in recorded.body["imageGenerationConfig"]


def test_generate_decodes_png_images_of_the_requested_size(aws: AwsEmulator) -> None:
    images = _model(NOVA).generate(_request(count=2, width=512, height=768, seed=99))

    assert len(images) == 2
    for index, image in enumerate(images):
        assert image.data.startswith(b"\x89PNG\r\n\x1a\n")
        assert image.mime_type == "image/png"
        assert image.seed == 99
        with Image.open(io.BytesIO(image.data)) as opened:
            assert opened.size == (512, 768)
        info = png_info(image.data)
        assert info["emulator-index"] == str(index)
        assert info["emulator-prompt"] == "a cat on a roof, watercolor"


def test_titan_generates_a_listed_size(aws: AwsEmulator) -> None:
    [image] = _model(TITAN).generate(_request(width=1152, height=640))

    with Image.open(io.BytesIO(image.data)) as opened:
        assert opened.size == (1152, 640)
    assert aws.requests("InvokeModel")[0].model_id == TITAN


def test_error_without_images_is_output_content_filter(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{NOVA}",
        {"images": [], "error": "All of the generated images have been blocked by our content filters."},
    )

    with pytest.raises(ContentFiltered) as caught:
        _model(NOVA).generate(_request())

    assert caught.value.stage == "output"
    assert "blocked" in str(caught.value)


def test_empty_answer_is_output_content_filter(aws: AwsEmulator) -> None:
    aws.push(f"InvokeModel:{NOVA}", {})

    with pytest.raises(ContentFiltered) as caught:
        _model(NOVA).generate(_request())

    assert caught.value.stage == "output"


def test_partial_filter_returns_the_images_that_passed(aws: AwsEmulator) -> None:
    passed = _png((32, 48))
    aws.push(
        f"InvokeModel:{NOVA}",
        {
            "images": [base64.b64encode(passed).decode()],
            "error": "Some of the generated images have been blocked by our content filters.",
        },
    )

    images = _model(NOVA).generate(_request(count=3))

    assert [image.data for image in images] == [passed]


def test_blocked_prompt_is_input_content_filter(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{NOVA}",
        Error("ValidationException", "This request has been blocked by our content filters."),
    )

    with pytest.raises(ContentFiltered) as caught:
        _model(NOVA).generate(_request())

    assert caught.value.stage == "input"
    assert len(aws.requests("InvokeModel")) == 1


def test_model_rejecting_the_body_is_reported_not_retried(aws: AwsEmulator) -> None:
    # A size the emulator (and Bedrock) refuse: validate_size exists to avoid this.
    with pytest.raises(ModelMisconfigured, match="ValidationException"):
        _model(TITAN).generate(_request(width=1000, height=1000))
    assert len(aws.requests("InvokeModel")) == 1


# --- validate_size -----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", TITAN_SIZES)
def test_titan_accepts_every_listed_size(size: tuple[int, int]) -> None:
    _model(TITAN).validate_size(*size)


@pytest.mark.parametrize("size", [(1000, 1000), (1024, 768), (640, 640), (1173, 641), (2048, 2048)])
def test_titan_rejects_unlisted_sizes(size: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="not one of"):
        _model(TITAN).validate_size(*size)


@pytest.mark.parametrize(
    "size",
    [
        (1024, 1024),
        (320, 320),
        (320, 1280),  # exactly 1:4
        (1280, 320),  # exactly 4:1
        (2048, 2032),  # just under 4,194,304 pixels
        (4000, 1008),  # long side near the bound, under 4:1 and the pixel cap
        (512, 768),
    ],
)
def test_nova_accepts_sizes_within_the_rules(size: tuple[int, int]) -> None:
    _model(NOVA).validate_size(*size)


@pytest.mark.parametrize(
    ("size", "fragment"),
    [
        ((1000, 1024), "multiples of 16"),
        ((1024, 1000), "multiples of 16"),
        ((304, 1024), "between 320 and 4096"),
        ((4112, 320), "between 320 and 4096"),
        ((2048, 2048), "fewer than 4,194,304"),
        ((320, 1296), "aspect ratio"),
        ((1296, 320), "aspect ratio"),
    ],
)
def test_nova_rejects_sizes_outside_the_rules(size: tuple[int, int], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        _model(NOVA).validate_size(*size)


@pytest.mark.parametrize("size", [(512, 768), (2048, 2032), (320, 1280), (1280, 320)])
def test_sizes_nova_validates_are_accepted_by_the_service(aws: AwsEmulator, size: tuple[int, int]) -> None:
    model = _model(NOVA)
    model.validate_size(*size)

    [image] = model.generate(_request(width=size[0], height=size[1]))

    with Image.open(io.BytesIO(image.data)) as opened:
        assert opened.size == size


# --- Capabilities ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0, 1.1), (1.1, 1.1), (6.5, 6.5), (6.54, 6.5), (6.56, 6.6), (10.0, 10.0), (35.0, 10.0), (-3, 1.1)],
)
def test_clamp_cfg_limits_and_rounds(value: float, expected: float) -> None:
    assert NOVA_CANVAS.clamp_cfg(value) == expected
    assert TITAN_IMAGE.clamp_cfg(value) == expected


def test_clamp_cfg_without_cfg_raises() -> None:
    caps = Capabilities(family="no-cfg", seed_max=100, max_prompt_chars=100)

    assert caps.has_cfg is False
    with pytest.raises(ValueError, match="no cfg"):
        caps.clamp_cfg(5.0)


@pytest.mark.parametrize("caps", [NOVA_CANVAS, TITAN_IMAGE], ids=["nova", "titan"])
@pytest.mark.parametrize("seed", [0, None])
def test_resolve_seed_randomises_zero_and_none_within_range(caps: Capabilities, seed: int | None) -> None:
    rng = random.Random(7)
    seeds = {caps.resolve_seed(seed, rng) for _ in range(200)}

    assert all(1 <= s <= caps.seed_max for s in seeds)
    assert len(seeds) > 150


def test_resolve_seed_reaches_both_ends_of_a_small_range() -> None:
    caps = Capabilities(family="tiny", seed_max=2, max_prompt_chars=10)
    rng = random.Random(0)

    assert {caps.resolve_seed(None, rng) for _ in range(50)} == {1, 2}


def test_resolve_seed_keeps_a_given_seed_and_clamps_to_the_maximum() -> None:
    assert NOVA_CANVAS.resolve_seed(42) == 42
    assert NOVA_CANVAS.resolve_seed(4_294_967_295) == NOVA_CANVAS.seed_max
    assert TITAN_IMAGE.resolve_seed(4_294_967_295) == TITAN_IMAGE.seed_max


def test_resolved_nova_seed_is_accepted_by_the_service(aws: AwsEmulator) -> None:
    seed = NOVA_CANVAS.resolve_seed(4_294_967_295)

    [image] = _model(NOVA).generate(_request(seed=seed))

    assert png_info(image.data)["emulator-seed"] == str(NOVA_CANVAS.seed_max)
    assert json.loads(aws.requests("InvokeModel")[0].raw)["imageGenerationConfig"]["seed"] == seed
