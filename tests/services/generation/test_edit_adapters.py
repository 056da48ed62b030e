"""Edits through the Nova Canvas adapter, via the emulator: every task type, fitting and failures."""

from __future__ import annotations

from typing import Any

import pytest

from services.core.errors import ContentFiltered, ModelMisconfigured
from services.generation.image_models import EditRequest, Expansion, UnsupportedEdit
from services.generation.image_models.amazon import NOVA_INPUT
from tests.servers.aws_emulator import AwsEmulator, Error, png_info
from tests.services.generation.edit_support import RED, b64, image_model, opened
from tests.services.generation.edit_support import image as _image
from tests.services.generation.edit_support import mask as _mask

NOVA = "amazon.nova-canvas-v1:0"
TITAN = "amazon.titan-image-generator-v2:0"


def _edit(operation: str, source: bytes, **fields: Any) -> EditRequest:
    return EditRequest(operation=operation, source=source, seed=7, **fields)  # type: ignore[arg-type]


# --- Nova Canvas ---------------------------------------------------------------------------------------


def test_nova_inpaint_by_words(aws: AwsEmulator) -> None:
    source = _image((1024, 768))

    images = image_model(NOVA).edit(
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
            "image": b64(source),
            "maskPrompt": "the dog",
            "text": "a red balloon",
            "negativeText": "text",
        },
        "imageGenerationConfig": {"numberOfImages": 2, "seed": 7, "cfgScale": 7.0},
    }
    assert [opened(image.data).size for image in images] == [(1024, 768), (1024, 768)]
    assert png_info(images[0].data)["emulator-task"] == "INPAINTING"
    assert {image.seed for image in images} == {7}


def test_nova_inpaint_with_a_mask_changes_only_the_black_area(aws: AwsEmulator) -> None:
    source = _image((1024, 768))

    [image] = image_model(NOVA).edit(
        _edit("inpaint", source, prompt="a cat", mask=_mask((1024, 768), (0, 0, 200, 200)))
    )

    recorded = aws.requests("InvokeModel")[0]
    assert list(recorded.named_images()) == ["/inPaintingParams/image", "/inPaintingParams/maskImage"]
    assert "maskPrompt" not in recorded.body["inPaintingParams"]
    edited = opened(image.data)
    assert edited.getpixel((50, 50)) != RED
    assert edited.getpixel((600, 600)) == RED


def test_nova_erase_sends_no_text(aws: AwsEmulator) -> None:
    image_model(NOVA).edit(
        _edit("erase", _image((1024, 768)), mask_prompt="the power lines", negative_prompt="wires")
    )

    params = aws.requests("InvokeModel")[0].body["inPaintingParams"]
    assert params["maskPrompt"] == "the power lines"
    assert params["negativeText"] == "wires"
    assert "text" not in params


def test_nova_recolor_is_inpainting_with_the_new_colour(aws: AwsEmulator) -> None:
    image_model(NOVA).edit(
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

    [image] = image_model(NOVA).edit(_edit("inpaint", source, prompt="a kite", mask=mask))

    sent, sent_mask = (opened(data) for data in aws.requests("InvokeModel")[0].images())
    assert NOVA_INPUT.allows(*sent.size)
    assert sent_mask.size == sent.size
    assert abs(sent.size[0] / sent.size[1] - 4 / 3) < 0.01
    assert opened(image.data).size == sent.size


def test_nova_accepts_a_cut_out_png_by_flattening_it(aws: AwsEmulator) -> None:
    # Nova rejects any transparent pixel; a transparent PNG is flattened rather than refused.
    source = _image((512, 512), colour=(1, 2, 3, 0), mode="RGBA")

    image_model(NOVA).edit(_edit("remove_background", source))

    assert opened(aws.requests("InvokeModel")[0].images()[0]).mode == "RGB"


def test_nova_outpaint_zoom_out_uses_a_padded_canvas_and_a_mask(aws: AwsEmulator) -> None:
    source = _image((640, 480))

    [image] = image_model(NOVA).edit(
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
    canvas = opened(recorded.named_images()["/outPaintingParams/image"])
    mask = opened(recorded.named_images()["/outPaintingParams/maskImage"])
    assert canvas.size == mask.size == (1280, 960)
    # The source sits in the middle, kept (black); the margins are to be generated (white).
    assert canvas.getpixel((640, 480)) == RED
    assert mask.getpixel((640, 480)) == (0, 0, 0)
    assert mask.getpixel((10, 10)) == (255, 255, 255)
    edited = opened(image.data)
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
    image_model(NOVA).edit(_edit("outpaint", _image((1024, 1024)), **fields))

    mask = opened(aws.requests("InvokeModel")[0].named_images()["/outPaintingParams/maskImage"])
    assert mask.size == size
    assert mask.convert("L").point(lambda v: 255 - v).getbbox() == kept  # the black box is the source


def test_nova_remove_background_sends_the_image_alone(aws: AwsEmulator) -> None:
    source = _image((1024, 768))

    [image] = image_model(NOVA).edit(_edit("remove_background", source))

    assert aws.requests("InvokeModel")[0].body == {
        "taskType": "BACKGROUND_REMOVAL",
        "backgroundRemovalParams": {"image": b64(source)},
    }
    cut_out = opened(image.data)
    assert (cut_out.mode, cut_out.size) == ("RGBA", (1024, 768))
    assert cut_out.getchannel("A").getextrema() == (0, 255)


def test_nova_restyle_is_an_image_variation_at_the_fitted_size(aws: AwsEmulator) -> None:
    source = _image((1000, 700), "JPEG")

    [image] = image_model(NOVA).edit(
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
    assert opened(recorded.images()[0]).size == (992, 688)
    assert opened(image.data).size == (992, 688)


def test_nova_restyle_without_strength_or_text_leaves_the_defaults_to_the_model(
    aws: AwsEmulator,
) -> None:
    image_model(NOVA).edit(_edit("restyle", _image((1024, 1024))))

    assert set(aws.requests("InvokeModel")[0].body["imageVariationParams"]) == {"images"}


def test_nova_layout_conditions_text_to_image_on_the_source(aws: AwsEmulator) -> None:
    source = _image((1280, 720))

    [image] = image_model(NOVA).edit(
        _edit("layout", source, prompt="a castle at night", control_mode="SEGMENTATION", control_strength=0.8)
    )

    body = aws.requests("InvokeModel")[0].body
    assert body["taskType"] == "TEXT_IMAGE"
    assert body["textToImageParams"] == {
        "conditionImage": b64(source),
        "controlMode": "SEGMENTATION",
        "controlStrength": 0.8,
        "text": "a castle at night",
    }
    assert (body["imageGenerationConfig"]["width"], body["imageGenerationConfig"]["height"]) == (1280, 720)
    assert opened(image.data).size == (1280, 720)


def test_nova_cannot_style_reference_or_upscale(aws: AwsEmulator) -> None:
    model = image_model(NOVA)

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
        assert len(image_model(NOVA).edit(request)) == 5
        return
    with pytest.raises(ValueError, match=fragment):
        image_model(NOVA).edit(request)
    assert aws.requests("InvokeModel") == []


def test_nova_output_filter_is_content_filtered(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{NOVA}",
        {"images": [], "error": "All of the generated images have been blocked by our content filters."},
    )

    with pytest.raises(ContentFiltered) as caught:
        image_model(NOVA).edit(_edit("inpaint", _image((512, 512)), prompt="x", mask_prompt="y"))

    assert caught.value.stage == "output"


def test_nova_blocked_input_is_content_filtered(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{NOVA}",
        Error("ValidationException", "This request has been blocked by our content filters. Please adjust."),
    )

    with pytest.raises(ContentFiltered) as caught:
        image_model(NOVA).edit(_edit("erase", _image((512, 512)), mask_prompt="the person"))

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
        image_model(arn, family="nova-canvas").edit(request)

    assert caught.value.diagnosis is not None
    assert "at most 1408" in caught.value.diagnosis.detail
    assert len(aws.requests("InvokeModel")) == 1  # a request bug is not retried
