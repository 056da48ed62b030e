"""Titan / Nova Canvas task types beyond text-to-image, through a real bedrock-runtime client."""

from __future__ import annotations

from typing import Any

import pytest

from tests.servers.aws_emulator import AwsEmulator, png_info
from tests.servers.bedrock_testing import (
    NOVA,
    TITAN,
    b64,
    decoded,
    image_bytes,
    invoke,
    mask_b64,
    png_b64,
    raw,
    rejected,
)

SOURCE = (640, 480)


def inpainting(**params: Any) -> dict[str, Any]:
    return {
        "taskType": "INPAINTING",
        "inPaintingParams": {"image": png_b64(SOURCE), "text": "a red balloon", **params},
        "imageGenerationConfig": {"numberOfImages": 1, "seed": 5},
    }


def outpainting(**params: Any) -> dict[str, Any]:
    return {
        "taskType": "OUTPAINTING",
        "outPaintingParams": {"image": png_b64(SOURCE), "text": "a beach at dusk", **params},
    }


@pytest.mark.parametrize("model_id", [NOVA, TITAN])
def test_inpainting_with_a_mask_image_changes_only_the_black_area(aws: AwsEmulator, model_id: str) -> None:
    mask = mask_b64(SOURCE, (0, 0, 100, 100))

    body = invoke(model_id, inpainting(maskImage=mask))

    [image] = [decoded(b) for b in body["images"]]
    assert image.size == SOURCE
    assert image.getpixel((10, 10)) != (200, 40, 40)  # inside the mask: generated
    assert image.getpixel((300, 300)) == (200, 40, 40)  # outside: the input's pixel
    assert png_info(raw(body["images"][0]))["emulator-task"] == "INPAINTING"
    [recorded] = aws.requests("InvokeModel")
    assert list(recorded.named_images()) == ["/inPaintingParams/image", "/inPaintingParams/maskImage"]
    assert recorded.images()[1] == recorded.named_images()["/inPaintingParams/maskImage"]


@pytest.mark.parametrize("mode", ["DEFAULT", "PRECISE"])
def test_outpainting_keeps_the_input_size_with_a_mask_prompt(aws: AwsEmulator, mode: str) -> None:
    body = invoke(NOVA, {**outpainting(maskPrompt="the dog", outPaintingMode=mode)})

    assert decoded(body["images"][0]).size == SOURCE


def test_outpainting_with_a_mask_image_changes_the_white_area(aws: AwsEmulator) -> None:
    body = invoke(NOVA, outpainting(maskImage=mask_b64(SOURCE, (0, 0, 100, 100))))

    image = decoded(body["images"][0])
    assert image.getpixel((10, 10)) == (200, 40, 40)
    assert image.getpixel((300, 300)) != (200, 40, 40)


def test_outpainting_text_is_required_by_titan_only(aws: AwsEmulator) -> None:
    body = outpainting(maskPrompt="the dog")
    del body["outPaintingParams"]["text"]

    assert "required key [text] not found" in rejected(TITAN, body)
    assert len(invoke(NOVA, body)["images"]) == 1


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "exactly one of [maskPrompt, maskImage] is required, found 0"),
        ({"maskPrompt": "dog", "maskImage": mask_b64(SOURCE, (0, 0, 10, 10))}, "found 2"),
        ({"maskImage": mask_b64((320, 320), (0, 0, 10, 10))}, "differs from image size"),
        ({"maskImage": png_b64(SOURCE, (128, 128, 128))}, "only pure black and pure white"),
        ({"maskImage": mask_b64(SOURCE, (3, 3, 97, 61), fmt="JPEG")}, "only pure black and pure white"),
        ({"maskPrompt": "dog", "outPaintingMode": "FAST"}, "extraneous key [outPaintingMode]"),
        ({"maskPrompt": "dog", "returnMask": "yes"}, "expected type: Boolean"),
    ],
    ids=[
        "no mask",
        "both masks",
        "mask size",
        "grey mask",
        "jpeg artefacts",
        "mode on inpainting",
        "returnMask",
    ],
)
def test_inpainting_mask_rules(aws: AwsEmulator, params: dict[str, Any], fragment: str) -> None:
    message = rejected(NOVA, inpainting(**params))

    assert message.startswith("Malformed input request: #/inPaintingParams")
    assert fragment in message


def test_outpainting_mode_is_an_enum(aws: AwsEmulator) -> None:
    assert "FAST is not a valid enum value" in rejected(
        NOVA, outpainting(maskPrompt="d", outPaintingMode="FAST")
    )


def test_background_removal_returns_a_png_with_transparency_of_the_input_size(aws: AwsEmulator) -> None:
    request = {"taskType": "BACKGROUND_REMOVAL", "backgroundRemovalParams": {"image": png_b64(SOURCE)}}

    body = invoke(TITAN, request)

    [image] = [decoded(b) for b in body["images"]]
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", SOURCE)
    assert image.getchannel("A").getextrema() == (0, 255)
    assert image.getpixel((320, 240)) == (200, 40, 40, 255)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"imageGenerationConfig": {"numberOfImages": 1}}, "#: extraneous key [imageGenerationConfig]"),
        ({"imageGenerationConfig": {}}, "#: extraneous key [imageGenerationConfig]"),
        ({"backgroundRemovalParams": {"image": png_b64(SOURCE), "text": "x"}}, "extraneous key [text]"),
        ({"backgroundRemovalParams": {}}, "required key [image] not found"),
    ],
)
def test_background_removal_takes_only_an_image(
    aws: AwsEmulator, extra: dict[str, Any], fragment: str
) -> None:
    request = {
        "taskType": "BACKGROUND_REMOVAL",
        "backgroundRemovalParams": {"image": png_b64(SOURCE)},
        **extra,
    }

    assert fragment in rejected(NOVA, request)


def conditioned(**params: Any) -> dict[str, Any]:
    return {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a castle", "conditionImage": png_b64((512, 512)), **params},
        "imageGenerationConfig": {"width": 1152, "height": 768},
    }


@pytest.mark.parametrize("model_id", [NOVA, TITAN])
def test_image_conditioning_accepts_both_control_modes(aws: AwsEmulator, model_id: str) -> None:
    for mode, strength in (("CANNY_EDGE", 0.0), ("SEGMENTATION", 1.0)):
        body = invoke(model_id, conditioned(controlMode=mode, controlStrength=strength))
        assert decoded(body["images"][0]).size == (1152, 768)  # the requested size, not the condition's
    assert [len(r.images()) for r in aws.requests("InvokeModel")] == [1, 1]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (conditioned(controlStrength=1.01), "controlStrength: 1.01 is not less or equal to 1"),
        (conditioned(controlStrength=-0.1), "controlStrength: -0.1 is not greater or equal to 0"),
        (conditioned(controlMode="DEPTH"), "DEPTH is not a valid enum value"),
        (
            {
                "taskType": "TEXT_IMAGE",
                "textToImageParams": {"text": "a castle", "controlMode": "CANNY_EDGE"},
            },
            "required key [conditionImage] not found",
        ),
        (conditioned(conditionImage="not base64!"), "invalid base64 image"),
    ],
)
def test_image_conditioning_limits(aws: AwsEmulator, body: dict[str, Any], fragment: str) -> None:
    assert fragment in rejected(NOVA, body)


def variation(images: list[str], **params: Any) -> dict[str, Any]:
    return {
        "taskType": "IMAGE_VARIATION",
        "imageVariationParams": {"images": images, **params},
        "imageGenerationConfig": {"width": 512, "height": 512, "numberOfImages": 2},
    }


def test_image_variation_takes_one_to_five_images(aws: AwsEmulator) -> None:
    sources = [png_b64((512, 512), (i, i, i)) for i in range(5)]

    body = invoke(NOVA, variation(sources, similarityStrength=0.2))

    assert [decoded(b).size for b in body["images"]] == [(512, 512), (512, 512)]
    assert len(aws.requests("InvokeModel")[0].images()) == 5
    assert "expected 1 to 5 base64 images" in rejected(NOVA, variation([*sources, sources[0]]))
    assert "expected 1 to 5 base64 images" in rejected(NOVA, variation([]))
    assert "similarityStrength: 0.19 is not greater" in rejected(
        NOVA, variation(sources[:1], similarityStrength=0.19)
    )
    assert "similarityStrength: 1.1 is not less" in rejected(
        TITAN, variation(sources[:1], similarityStrength=1.1)
    )


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        (image_bytes((319, 640)), "between 320 and 4096"),
        (image_bytes((1600, 384)), "aspect ratio must be between 1:4 and 4:1"),
        (image_bytes((2048, 2048)), "less than 4194304"),
        (image_bytes((512, 512), (1, 2, 3, 128), mode="RGBA"), "transparent or translucent"),
        (image_bytes((512, 512), fmt="GIF"), "image format GIF is not supported"),
        (image_bytes((512, 512), (1, 2, 3), fmt="WEBP"), "image format WEBP is not supported"),
        (b"not an image", "could not be decoded"),
    ],
    ids=["short side", "aspect", "pixels", "alpha", "gif", "webp", "garbage"],
)
def test_nova_input_image_rules(aws: AwsEmulator, source: bytes, fragment: str) -> None:
    message = rejected(NOVA, variation([b64(source)]))

    assert "#/imageVariationParams/images/0" in message
    assert fragment in message


def test_nova_accepts_opaque_rgba_and_jpeg_inputs_of_any_16_unaligned_size(aws: AwsEmulator) -> None:
    opaque = image_bytes((1001, 333), (1, 2, 3, 255), mode="RGBA")
    jpeg = image_bytes((1409, 700), fmt="JPEG")

    assert len(invoke(NOVA, variation([b64(opaque), b64(jpeg)]))["images"]) == 2


def test_titan_input_images_are_at_most_1408_on_the_longer_side(aws: AwsEmulator) -> None:
    assert len(invoke(TITAN, variation([png_b64((1408, 200))]))["images"]) == 2

    message = rejected(TITAN, variation([png_b64((200, 1409))]))
    assert "the longer side must be at most 1408" in message
    body = outpainting(maskPrompt="dog")
    body["outPaintingParams"]["image"] = png_b64((1500, 600))
    assert "#/outPaintingParams/image" in rejected(TITAN, body)


def test_style_is_nova_only(aws: AwsEmulator) -> None:
    body: dict[str, Any] = {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a fox", "style": "MAXIMALISM"},
    }

    assert len(invoke(NOVA, body)["images"]) == 1
    assert "extraneous key [style]" in rejected(TITAN, body)
    body["textToImageParams"]["style"] = "CUBISM"
    assert "CUBISM is not a valid enum value" in rejected(NOVA, body)


@pytest.mark.parametrize(
    ("colors", "fragment"),
    [
        ([], "expected 1 to 10 hex colour codes"),
        ([f"#00000{i}" for i in range(10)] + ["#FFFFFF"], "expected 1 to 10 hex colour codes"),
        (["red"], "'red' is not a hex colour code"),
    ],
)
def test_color_guided_generation_colours(aws: AwsEmulator, colors: list[str], fragment: str) -> None:
    body: dict[str, Any] = {
        "taskType": "COLOR_GUIDED_GENERATION",
        "colorGuidedGenerationParams": {"text": "a fox", "colors": colors},
    }

    assert fragment in rejected(NOVA, body)
    body["colorGuidedGenerationParams"].update(colors=["#FF9800"], referenceImage=png_b64())
    assert len(invoke(NOVA, body)["images"]) == 1
    assert list(aws.requests("InvokeModel")[-1].named_images()) == [
        "/colorGuidedGenerationParams/referenceImage"
    ]


def test_edit_through_a_foundation_model_arn_uses_the_model_family(aws: AwsEmulator) -> None:
    arn = f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}"
    body = variation([png_b64((1409, 700))])  # past Titan's 1,408 but fine for Nova

    assert len(invoke(arn, body)["images"]) == 2
    assert png_info(raw(invoke(arn, body)["images"][0]))["emulator-model"] == arn
