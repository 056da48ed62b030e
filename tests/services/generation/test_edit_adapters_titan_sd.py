"""Edits through the Titan (v1, v2), SDXL and SD3.5 adapters, via the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from services.generation.image_models import EditRequest, Expansion, UnsupportedEdit
from services.generation.image_models.amazon import TITAN_SIZES
from services.generation.image_models.stability import SDXL_SIZES
from tests.servers.aws_emulator import AwsEmulator
from tests.services.generation.edit_support import b64, image_model, opened
from tests.services.generation.edit_support import image as _image

TITAN = "amazon.titan-image-generator-v2:0"
TITAN_V1 = "amazon.titan-image-generator-v1"
SDXL_ID = "stability.stable-diffusion-xl-v1"
SD35 = "stability.sd3-5-large-v1:0"


def _edit(operation: str, source: bytes, **fields: Any) -> EditRequest:
    return EditRequest(operation=operation, source=source, seed=7, **fields)  # type: ignore[arg-type]


# --- Titan ---------------------------------------------------------------------------------------------


def test_titan_outpaint_fits_its_1408_pixel_limit(aws: AwsEmulator) -> None:
    [image] = image_model(TITAN).edit(
        _edit(
            "outpaint",
            _image((1024, 1024)),
            prompt="a meadow",
            expand=Expansion(left=512, right=512, top=512, bottom=512),
        )
    )

    canvas = opened(aws.requests("InvokeModel")[0].named_images()["/outPaintingParams/image"])
    assert canvas.size == (1408, 1408)
    assert opened(image.data).size == (1408, 1408)


def test_titan_outpaint_needs_a_prompt(aws: AwsEmulator) -> None:
    with pytest.raises(ValueError, match="needs a prompt to outpaint"):
        image_model(TITAN).edit(_edit("outpaint", _image((512, 512)), expand=Expansion(left=100)))
    assert aws.requests("InvokeModel") == []


def test_titan_restyle_generates_at_a_listed_size(aws: AwsEmulator) -> None:
    [image] = image_model(TITAN).edit(_edit("restyle", _image((1000, 700)), prompt="in pencil"))

    config = aws.requests("InvokeModel")[0].body["imageGenerationConfig"]
    assert (config["width"], config["height"]) in TITAN_SIZES
    assert config["width"] > config["height"]
    assert opened(image.data).size == (config["width"], config["height"])


def test_titan_v2_does_background_removal_and_layout(aws: AwsEmulator) -> None:
    model = image_model(TITAN)

    model.edit(_edit("remove_background", _image((1024, 768))))
    model.edit(_edit("layout", _image((1024, 768)), prompt="a tower", control_strength=0.5))

    assert [r.body["taskType"] for r in aws.requests("InvokeModel")] == ["BACKGROUND_REMOVAL", "TEXT_IMAGE"]


@pytest.mark.parametrize("operation", ["remove_background", "layout"])
def test_titan_v1_declares_only_its_own_tasks(aws: AwsEmulator, operation: str) -> None:
    model = image_model(TITAN_V1)

    assert model.capabilities.edits == {"inpaint", "erase", "recolor", "outpaint", "restyle"}
    with pytest.raises(UnsupportedEdit, match=f"cannot {operation}"):
        model.edit(_edit(operation, _image((512, 512)), prompt="x"))
    assert aws.requests("InvokeModel") == []


def test_titan_v1_inpaints(aws: AwsEmulator) -> None:
    [image] = image_model(TITAN_V1).edit(
        _edit("inpaint", _image((1024, 768)), prompt="a boat", mask_prompt="the car")
    )

    assert aws.requests("InvokeModel")[0].body["taskType"] == "INPAINTING"
    assert opened(image.data).size == (1024, 768)


# --- SDXL and SD3.5 ------------------------------------------------------------------------------------


def test_sdxl_restyle_is_image_to_image_at_an_sdxl_size(aws: AwsEmulator) -> None:
    [image] = image_model(SDXL_ID).edit(
        _edit("restyle", _image((1000, 700), "JPEG"), prompt="an oil painting", strength=0.6)
    )

    recorded = aws.requests("InvokeModel")[0]
    body = recorded.body
    assert (body["init_image_mode"], body["image_strength"], body["seed"]) == ("IMAGE_STRENGTH", 0.6, 7)
    assert body["text_prompts"] == [{"text": "an oil painting", "weight": 1.0}]
    assert opened(recorded.images()[0]).size == (1216, 832)
    assert opened(image.data).size in SDXL_SIZES


def test_sdxl_restyle_needs_a_prompt_and_does_nothing_else(aws: AwsEmulator) -> None:
    with pytest.raises(ValueError, match="needs a prompt to restyle"):
        image_model(SDXL_ID).edit(_edit("restyle", _image((512, 512))))
    with pytest.raises(UnsupportedEdit):
        image_model(SDXL_ID).edit(_edit("remove_background", _image((512, 512))))
    assert aws.requests("InvokeModel") == []


def test_sd35_restyle_inverts_the_similarity(aws: AwsEmulator) -> None:
    source = _image((1280, 720))

    [image] = image_model(SD35).edit(_edit("restyle", source, prompt="in neon", strength=0.8))

    body = aws.requests("InvokeModel")[0].body
    assert body == {
        "prompt": "in neon",
        "seed": 7,
        "output_format": "png",
        "mode": "image-to-image",
        "image": b64(source),
        "strength": 0.2,
    }
    width, height = opened(image.data).size
    assert width > height


def test_core_cannot_edit(aws: AwsEmulator) -> None:
    model = image_model("stability.stable-image-core-v1:1")

    assert model.capabilities.edits == frozenset()
    with pytest.raises(UnsupportedEdit):
        model.edit(_edit("restyle", _image((512, 512)), prompt="x"))
