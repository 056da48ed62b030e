"""Edits through the image model adapters (Nova Canvas, Titan v1/v2, SDXL, SD3.5), via the emulator."""

from __future__ import annotations

import base64
import io
from typing import Any

import boto3
import pytest
from PIL import Image

from services.core.errors import ContentFiltered, ModelMisconfigured
from services.generation.bedrock import RetryPolicy
from services.generation.image_models import EditRequest, Expansion, UnsupportedEdit, build_image_model
from services.generation.image_models.amazon import NOVA_INPUT, TITAN_SIZES
from services.generation.image_models.stability import SDXL_SIZES
from tests.servers.aws_emulator import AwsEmulator, Error, png_info

NOVA = "amazon.nova-canvas-v1:0"
TITAN = "amazon.titan-image-generator-v2:0"
TITAN_V1 = "amazon.titan-image-generator-v1"
SDXL_ID = "stability.stable-diffusion-xl-v1"
SD35 = "stability.sd3-5-large-v1:0"
RED = (200, 40, 40)


def _model(model_id: str, **kwargs: Any) -> Any:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    return build_image_model(client, model_id, RetryPolicy(sleep=lambda _: None), **kwargs)


def _image(
    size: tuple[int, int], fmt: str = "PNG", colour: tuple[int, ...] = RED, mode: str = "RGB"
) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt)
    return out.getvalue()


def _mask(size: tuple[int, int], box: tuple[int, int, int, int]) -> bytes:
    mask = Image.new("RGB", size, (255, 255, 255))
    mask.paste((0, 0, 0), box)
    out = io.BytesIO()
    mask.save(out, "PNG")
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _edit(operation: str, source: bytes, **fields: Any) -> EditRequest:
    return EditRequest(operation=operation, source=source, seed=7, **fields)  # type: ignore[arg-type]


# --- Nova Canvas ---------------------------------------------------------------------------------------


def test_nova_inpaint_by_words(aws: AwsEmulator) -> None:
    source = _image((1024, 768))

    images = _model(NOVA).edit(
        _edit(
            "inpaint",
            source,
            prompt="a red balloon",
            mask_prompt="the dog",
            negative_prompt="text",
            cfg_scale=7.0,
            count=2,
        )
    )

    [recorded] = aws.requests("InvokeModel")
    assert recorded.model_id == NOVA
    assert recorded.body == {
        "taskType": "INPAINTING",
        "inPaintingParams": {
            "image": _b64(source),
            "maskPrompt": "the dog",
            "text": "a red balloon",
            "negativeText": "text",
        },
        "imageGenerationConfig": {"numberOfImages": 2, "seed": 7, "cfgScale": 7.0},
    }
    assert [_open(image.data).size for image in images] == [(1024, 768), (1024, 768)]
    assert png_info(images[0].data)["emulator-task"] == "INPAINTING"
    assert {image.seed for image in images} == {7}


def test_nova_inpaint_with_a_mask_changes_only_the_black_area(aws: AwsEmulator) -> None:
    source = _image((1024, 768))

    [image] = _model(NOVA).edit(
        _edit("inpaint", source, prompt="a cat", mask=_mask((1024, 768), (0, 0, 200, 200)))
    )

    recorded = aws.requests("InvokeModel")[0]
    assert list(recorded.named_images()) == ["/inPaintingParams/image", "/inPaintingParams/maskImage"]
    assert "maskPrompt" not in recorded.body["inPaintingParams"]
    edited = _open(image.data)
    assert edited.getpixel((50, 50)) != RED
    assert edited.getpixel((600, 600)) == RED


def test_nova_erase_sends_no_text(aws: AwsEmulator) -> None:
    _model(NOVA).edit(
        _edit("erase", _image((1024, 768)), mask_prompt="the power lines", negative_prompt="wires")
    )

    params = aws.requests("InvokeModel")[0].body["inPaintingParams"]
    assert params["maskPrompt"] == "the power lines"
    assert params["negativeText"] == "wires"
    assert "text" not in params


def test_nova_recolor_is_inpainting_with_the_new_colour(aws: AwsEmulator) -> None:
    _model(NOVA).edit(
        _edit("recolor", _image((1024, 768)), prompt="a bright yellow car", mask_prompt="the car")
    )

    body = aws.requests("InvokeModel")[0].body
    assert body["taskType"] == "INPAINTING"
    assert (body["inPaintingParams"]["text"], body["inPaintingParams"]["maskPrompt"]) == (
        "a bright yellow car",
        "the car",
    )


def test_nova_region_edits_fit_a_large_photo_first(aws: AwsEmulator) -> None:
    source = _image((4032, 3024), "JPEG")
    mask = _mask((4032, 3024), (0, 0, 2016, 1512))

    [image] = _model(NOVA).edit(_edit("inpaint", source, prompt="a kite", mask=mask))

    sent, sent_mask = (_open(data) for data in aws.requests("InvokeModel")[0].images())
    assert NOVA_INPUT.allows(*sent.size)
    assert sent_mask.size == sent.size
    assert abs(sent.size[0] / sent.size[1] - 4 / 3) < 0.01
    assert _open(image.data).size == sent.size


def test_nova_accepts_a_cut_out_png_by_flattening_it(aws: AwsEmulator) -> None:
    # Nova rejects any transparent pixel; a transparent PNG is flattened rather than refused.
    source = _image((512, 512), colour=(1, 2, 3, 0), mode="RGBA")

    _model(NOVA).edit(_edit("remove_background", source))

    assert _open(aws.requests("InvokeModel")[0].images()[0]).mode == "RGB"


def test_nova_outpaint_zoom_out_uses_a_padded_canvas_and_a_mask(aws: AwsEmulator) -> None:
    source = _image((640, 480))

    [image] = _model(NOVA).edit(
        _edit(
            "outpaint",
            source,
            prompt="a wide beach",
            expand=Expansion(left=320, top=240, right=320, bottom=240),
        )
    )

    recorded = aws.requests("InvokeModel")[0]
    params = recorded.body["outPaintingParams"]
    assert params["outPaintingMode"] == "PRECISE"
    assert params["text"] == "a wide beach"
    assert "maskPrompt" not in params
    assert recorded.body["imageGenerationConfig"] == {"numberOfImages": 1, "seed": 7}
    canvas = _open(recorded.named_images()["/outPaintingParams/image"])
    mask = _open(recorded.named_images()["/outPaintingParams/maskImage"])
    assert canvas.size == mask.size == (1280, 960)
    # The source sits in the middle, kept (black); the margins are to be generated (white).
    assert canvas.getpixel((640, 480)) == RED
    assert mask.getpixel((640, 480)) == (0, 0, 0)
    assert mask.getpixel((10, 10)) == (255, 255, 255)
    edited = _open(image.data)
    assert edited.size == (1280, 960)
    assert edited.getpixel((640, 480)) == RED
    assert edited.getpixel((10, 10)) != RED


@pytest.mark.parametrize(
    ("fields", "size", "kept"),
    [
        ({"expand": Expansion(right=512)}, (1536, 1024), (0, 0, 1024, 1024)),
        ({"expand": Expansion(top=256)}, (1024, 1280), (0, 256, 1024, 1280)),
        ({"target_size": (1024, 1536)}, (1024, 1536), (0, 256, 1024, 1280)),
    ],
    ids=["pan right", "pan up", "target size"],
)
def test_nova_outpaint_places_the_source_where_the_canvas_does_not_grow(
    aws: AwsEmulator, fields: dict[str, Any], size: tuple[int, int], kept: tuple[int, int, int, int]
) -> None:
    _model(NOVA).edit(_edit("outpaint", _image((1024, 1024)), **fields))

    mask = _open(aws.requests("InvokeModel")[0].named_images()["/outPaintingParams/maskImage"])
    assert mask.size == size
    assert mask.convert("L").point(lambda v: 255 - v).getbbox() == kept  # the black box is the source


def test_nova_remove_background_sends_the_image_alone(aws: AwsEmulator) -> None:
    source = _image((1024, 768))

    [image] = _model(NOVA).edit(_edit("remove_background", source))

    assert aws.requests("InvokeModel")[0].body == {
        "taskType": "BACKGROUND_REMOVAL",
        "backgroundRemovalParams": {"image": _b64(source)},
    }
    cut_out = _open(image.data)
    assert (cut_out.mode, cut_out.size) == ("RGBA", (1024, 768))
    assert cut_out.getchannel("A").getextrema() == (0, 255)


def test_nova_restyle_is_an_image_variation_at_the_fitted_size(aws: AwsEmulator) -> None:
    source = _image((1000, 700), "JPEG")

    [image] = _model(NOVA).edit(
        _edit("restyle", source, prompt="as a watercolour", strength=0.4, cfg_scale=6.5)
    )

    recorded = aws.requests("InvokeModel")[0]
    assert recorded.body["taskType"] == "IMAGE_VARIATION"
    params = recorded.body["imageVariationParams"]
    assert (params["similarityStrength"], params["text"]) == (0.4, "as a watercolour")
    assert recorded.body["imageGenerationConfig"] == {
        "numberOfImages": 1,
        "seed": 7,
        "width": 992,
        "height": 688,
        "cfgScale": 6.5,
    }
    assert _open(recorded.images()[0]).size == (992, 688)
    assert _open(image.data).size == (992, 688)


def test_nova_restyle_without_strength_or_text_leaves_the_defaults_to_the_model(aws: AwsEmulator) -> None:
    _model(NOVA).edit(_edit("restyle", _image((1024, 1024))))

    assert set(aws.requests("InvokeModel")[0].body["imageVariationParams"]) == {"images"}


def test_nova_layout_conditions_text_to_image_on_the_source(aws: AwsEmulator) -> None:
    source = _image((1280, 720))

    [image] = _model(NOVA).edit(
        _edit("layout", source, prompt="a castle at night", control_mode="SEGMENTATION", control_strength=0.8)
    )

    body = aws.requests("InvokeModel")[0].body
    assert body["taskType"] == "TEXT_IMAGE"
    assert body["textToImageParams"] == {
        "conditionImage": _b64(source),
        "controlMode": "SEGMENTATION",
        "controlStrength": 0.8,
        "text": "a castle at night",
    }
    assert (body["imageGenerationConfig"]["width"], body["imageGenerationConfig"]["height"]) == (1280, 720)
    assert _open(image.data).size == (1280, 720)


def test_nova_cannot_style_reference_or_upscale(aws: AwsEmulator) -> None:
    model = _model(NOVA)

    assert "style_reference" not in model.capabilities.edits
    with pytest.raises(UnsupportedEdit, match="cannot upscale"):
        model.edit(_edit("upscale", _image((512, 512))))
    assert aws.requests("InvokeModel") == []


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"seed": 900_000_000}, "seed must be at most 858993459"),
        ({"cfg_scale": 11.0}, "cfg_scale 11.0 is outside 1.1-10.0"),
        ({"strength": 0.1}, "strength 0.1 is outside 0.2-1.0"),
        ({"prompt": "x" * 1025}, "longer than 1024"),
        ({"count": 5, "prompt": "x"}, None),
    ],
)
def test_nova_limits_are_checked_before_the_call(
    aws: AwsEmulator, fields: dict[str, Any], fragment: str | None
) -> None:
    request = EditRequest(operation="restyle", source=_image((512, 512)), **fields)

    if fragment is None:
        assert len(_model(NOVA).edit(request)) == 5
        return
    with pytest.raises(ValueError, match=fragment):
        _model(NOVA).edit(request)
    assert aws.requests("InvokeModel") == []


def test_nova_output_filter_is_content_filtered(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{NOVA}",
        {"images": [], "error": "All of the generated images have been blocked by our content filters."},
    )

    with pytest.raises(ContentFiltered) as caught:
        _model(NOVA).edit(_edit("inpaint", _image((512, 512)), prompt="x", mask_prompt="y"))

    assert caught.value.stage == "output"


def test_nova_blocked_input_is_content_filtered(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{NOVA}",
        Error("ValidationException", "This request has been blocked by our content filters. Please adjust."),
    )

    with pytest.raises(ContentFiltered) as caught:
        _model(NOVA).edit(_edit("erase", _image((512, 512)), mask_prompt="the person"))

    assert caught.value.stage == "input"


def test_a_wrong_family_for_an_arn_surfaces_the_emulator_rejection(aws: AwsEmulator) -> None:
    # A Titan throughput configured as Nova: Nova's 2,032-px canvas breaks Titan's 1,408-px limit.
    arn = aws.add_provisioned_throughput("titan-pt", TITAN)
    request = _edit(
        "outpaint",
        _image((1024, 1024)),
        prompt="sea",
        expand=Expansion(left=512, right=512, top=512, bottom=512),
    )

    with pytest.raises(ModelMisconfigured, match="ValidationException") as caught:
        _model(arn, family="nova-canvas").edit(request)

    assert caught.value.diagnosis is not None
    assert "at most 1408" in caught.value.diagnosis.detail
    assert len(aws.requests("InvokeModel")) == 1  # a request bug is not retried


# --- Titan ---------------------------------------------------------------------------------------------


def test_titan_outpaint_fits_its_1408_pixel_limit(aws: AwsEmulator) -> None:
    [image] = _model(TITAN).edit(
        _edit(
            "outpaint",
            _image((1024, 1024)),
            prompt="a meadow",
            expand=Expansion(left=512, right=512, top=512, bottom=512),
        )
    )

    canvas = _open(aws.requests("InvokeModel")[0].named_images()["/outPaintingParams/image"])
    assert canvas.size == (1408, 1408)
    assert _open(image.data).size == (1408, 1408)


def test_titan_outpaint_needs_a_prompt(aws: AwsEmulator) -> None:
    with pytest.raises(ValueError, match="needs a prompt to outpaint"):
        _model(TITAN).edit(_edit("outpaint", _image((512, 512)), expand=Expansion(left=100)))
    assert aws.requests("InvokeModel") == []


def test_titan_restyle_generates_at_a_listed_size(aws: AwsEmulator) -> None:
    [image] = _model(TITAN).edit(_edit("restyle", _image((1000, 700)), prompt="in pencil"))

    config = aws.requests("InvokeModel")[0].body["imageGenerationConfig"]
    assert (config["width"], config["height"]) in TITAN_SIZES
    assert config["width"] > config["height"]
    assert _open(image.data).size == (config["width"], config["height"])


def test_titan_v2_does_background_removal_and_layout(aws: AwsEmulator) -> None:
    model = _model(TITAN)

    model.edit(_edit("remove_background", _image((1024, 768))))
    model.edit(_edit("layout", _image((1024, 768)), prompt="a tower", control_strength=0.5))

    assert [r.body["taskType"] for r in aws.requests("InvokeModel")] == ["BACKGROUND_REMOVAL", "TEXT_IMAGE"]


@pytest.mark.parametrize("operation", ["remove_background", "layout"])
def test_titan_v1_declares_only_its_own_tasks(aws: AwsEmulator, operation: str) -> None:
    model = _model(TITAN_V1)

    assert model.capabilities.edits == {"inpaint", "erase", "recolor", "outpaint", "restyle"}
    with pytest.raises(UnsupportedEdit, match=f"cannot {operation}"):
        model.edit(_edit(operation, _image((512, 512)), prompt="x"))
    assert aws.requests("InvokeModel") == []


def test_titan_v1_inpaints(aws: AwsEmulator) -> None:
    [image] = _model(TITAN_V1).edit(
        _edit("inpaint", _image((1024, 768)), prompt="a boat", mask_prompt="the car")
    )

    assert aws.requests("InvokeModel")[0].body["taskType"] == "INPAINTING"
    assert _open(image.data).size == (1024, 768)


# --- SDXL and SD3.5 ------------------------------------------------------------------------------------


def test_sdxl_restyle_is_image_to_image_at_an_sdxl_size(aws: AwsEmulator) -> None:
    [image] = _model(SDXL_ID).edit(
        _edit("restyle", _image((1000, 700), "JPEG"), prompt="an oil painting", strength=0.6)
    )

    recorded = aws.requests("InvokeModel")[0]
    body = recorded.body
    assert (body["init_image_mode"], body["image_strength"], body["seed"]) == ("IMAGE_STRENGTH", 0.6, 7)
    assert body["text_prompts"] == [{"text": "an oil painting", "weight": 1.0}]
    assert _open(recorded.images()[0]).size == (1216, 832)
    assert _open(image.data).size in SDXL_SIZES


def test_sdxl_restyle_needs_a_prompt_and_does_nothing_else(aws: AwsEmulator) -> None:
    with pytest.raises(ValueError, match="needs a prompt to restyle"):
        _model(SDXL_ID).edit(_edit("restyle", _image((512, 512))))
    with pytest.raises(UnsupportedEdit):
        _model(SDXL_ID).edit(_edit("remove_background", _image((512, 512))))
    assert aws.requests("InvokeModel") == []


def test_sd35_restyle_inverts_the_similarity(aws: AwsEmulator) -> None:
    source = _image((1280, 720))

    [image] = _model(SD35).edit(_edit("restyle", source, prompt="in neon", strength=0.8))

    body = aws.requests("InvokeModel")[0].body
    assert body == {
        "prompt": "in neon",
        "seed": 7,
        "output_format": "png",
        "mode": "image-to-image",
        "image": _b64(source),
        "strength": 0.2,
    }
    width, height = _open(image.data).size
    assert width > height


def test_core_cannot_edit(aws: AwsEmulator) -> None:
    model = _model("stability.stable-image-core-v1:1")

    assert model.capabilities.edits == frozenset()
    with pytest.raises(UnsupportedEdit):
        model.edit(_edit("restyle", _image((512, 512)), prompt="x"))
