"""The ways a photo reaches a model, as AWS documents them, through a real bedrock-runtime client:
SDXL's init image, SD3.5's image-to-image mode (not Core's or Ultra's), and Titan's image
conditioning (v2 only)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.servers.aws_emulator import AwsEmulator
from tests.servers.bedrock_testing import TITAN, decoded, invoke, png_b64, rejected

SDXL = "stability.stable-diffusion-xl-v1"
SD35 = "stability.sd3-5-large-v1:0"
CORE = "stability.stable-image-core-v1:1"
ULTRA = "stability.stable-image-ultra-v1:1"
TITAN_V1 = "amazon.titan-image-generator-v1"
PHOTO = png_b64((896, 1152))


def sdxl(**fields: Any) -> dict[str, Any]:
    return {"text_prompts": [{"text": "a watercolor painting"}], "init_image": PHOTO, **fields}


def sd35(**fields: Any) -> dict[str, Any]:
    return {"prompt": "a watercolor painting", "mode": "image-to-image", "image": PHOTO, **fields}


def test_sdxl_image_to_image_keeps_the_init_image_size(aws: AwsEmulator) -> None:
    body = invoke(SDXL, sdxl(init_image_mode="IMAGE_STRENGTH", image_strength=0.7))

    assert decoded(body["artifacts"][0]["base64"]).size == (896, 1152)
    [request] = aws.requests("InvokeModel")
    assert request.body["image_strength"] == 0.7


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"init_image_mode": "STRENGTH"}, "STRENGTH is not a valid enum value"),
        ({"image_strength": 1.2}, "image_strength: 1.2 is not less or equal to 1"),
        ({"image_strength": -0.1}, "image_strength: -0.1 is not greater or equal to 0"),
        ({"init_image_mode": "STEP_SCHEDULE", "step_schedule_start": 1.5}, "step_schedule_start"),
        ({"init_image": "not base64!"}, "invalid base64 image"),
    ],
)
def test_sdxl_image_to_image_limits(aws: AwsEmulator, fields: dict[str, Any], fragment: str) -> None:
    assert fragment in rejected(SDXL, sdxl(**fields))


def test_sd35_image_to_image_follows_the_photo_aspect(aws: AwsEmulator) -> None:
    body = invoke(SD35, sd35(strength=0.5))

    width, height = decoded(body["images"][0]).size
    assert abs(width / height - 896 / 1152) < 0.05


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (sd35(), "required key [strength] not found"),
        ({"prompt": "a cat", "mode": "image-to-image", "strength": 0.5}, "required key [image] not found"),
        (sd35(strength=1.5), "strength: 1.5 is not less or equal to 1"),
        (sd35(strength=0.5, image=png_b64((48, 200))), "every side must be at least 64 pixels"),
        (sd35(strength=0.5, mode="img2img"), "img2img is not a valid enum value"),
    ],
)
def test_sd35_image_to_image_needs_an_image_and_a_strength(
    aws: AwsEmulator, body: dict[str, Any], fragment: str
) -> None:
    assert fragment in rejected(SD35, body)


@pytest.mark.parametrize("model_id", [CORE, ULTRA])
def test_core_and_ultra_have_no_image_to_image(aws: AwsEmulator, model_id: str) -> None:
    assert "image-to-image is not a valid enum value" in rejected(model_id, sd35(strength=0.5))
    assert invoke(model_id, {"prompt": "a cat", "mode": "text-to-image"})["finish_reasons"] == [None]


def conditioned() -> dict[str, Any]:
    return {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a night street", "conditionImage": png_b64((768, 768))},
        "imageGenerationConfig": {"width": 768, "height": 768},
    }


def test_image_conditioning_is_titan_v2_only(aws: AwsEmulator) -> None:
    assert invoke(TITAN, conditioned())["images"]
    assert "extraneous key [conditionImage]" in rejected(TITAN_V1, conditioned())


@pytest.mark.parametrize(
    "body",
    [
        {"taskType": "BACKGROUND_REMOVAL", "backgroundRemovalParams": {"image": png_b64((512, 512))}},
        {
            "taskType": "COLOR_GUIDED_GENERATION",
            "colorGuidedGenerationParams": {"text": "a room", "colors": ["#FF9800"]},
            "imageGenerationConfig": {"width": 512, "height": 512},
        },
    ],
    ids=["background removal", "colour guided"],
)
def test_titan_v1_refuses_the_v2_only_tasks(aws: AwsEmulator, body: dict[str, Any]) -> None:
    assert "is not a valid enum value" in rejected(TITAN_V1, body)
    assert invoke(TITAN, body)["images"]
