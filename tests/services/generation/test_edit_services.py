"""Stability AI Image Services adapters, via the emulator: bodies, fitting, limits and failures."""

from __future__ import annotations

from typing import Any

import pytest

from services.core.errors import ContentFiltered, ModelMisconfigured, ModelUnavailable
from services.generation.image_models import EditRequest, Expansion, UnsupportedEdit
from services.generation.image_models.stability_services import StabilityImageService
from tests.servers.aws_emulator import AwsEmulator, Error, png_info
from tests.services.generation.edit_support import b64 as _b64
from tests.services.generation.edit_support import edit as _edit
from tests.services.generation.edit_support import edit_model
from tests.services.generation.edit_support import image as _image
from tests.services.generation.edit_support import mask as _mask
from tests.services.generation.edit_support import opened as _open

SRC = (1024, 768)


def sid(name: str) -> str:
    return f"stability.{name}-v1:0"


def _service(name: str) -> Any:
    return edit_model(sid(name))


SOURCE = _image()
STYLE = _image((512, 512), colour=(10, 200, 10))

# service name, request, the exact body the service must receive, output size
CASES: list[tuple[str, EditRequest, dict[str, Any], tuple[int, int]]] = [
    (
        "stable-image-search-replace",
        _edit("inpaint", SOURCE, prompt="a tabby cat", mask_prompt="the dog", negative_prompt="blur", seed=5),
        {
            "image": _b64(SOURCE),
            "prompt": "a tabby cat",
            "search_prompt": "the dog",
            "negative_prompt": "blur",
            "seed": 5,
        },
        SRC,
    ),
    (
        "stable-image-search-recolor",
        _edit("recolor", SOURCE, prompt="bright pink", mask_prompt="the jacket"),
        {"image": _b64(SOURCE), "prompt": "bright pink", "select_prompt": "the jacket"},
        SRC,
    ),
    (
        "stable-outpaint",
        _edit("outpaint", SOURCE, prompt="more sky", expand=Expansion(top=300, right=100), creativity=0.4),
        {
            "image": _b64(SOURCE),
            "left": 0,
            "right": 100,
            "up": 300,
            "down": 0,
            "prompt": "more sky",
            "creativity": 0.4,
        },
        (1124, 1068),
    ),
    ("stable-image-remove-background", _edit("remove_background", SOURCE), {"image": _b64(SOURCE)}, SRC),
    ("stable-fast-upscale", _edit("upscale", SOURCE), {"image": _b64(SOURCE)}, (4096, 3072)),
    (
        "stable-conservative-upscale",
        _edit("upscale", SOURCE, prompt="a red wall", creativity=0.2, seed=9),
        {"image": _b64(SOURCE), "prompt": "a red wall", "creativity": 0.2, "seed": 9},
        (2365, 1774),
    ),
    (
        "stable-creative-upscale",
        _edit("upscale", SOURCE),
        {"image": _b64(SOURCE), "prompt": ""},
        (2365, 1774),
    ),
    (
        "stable-image-control-sketch",
        _edit("layout", SOURCE, prompt="a castle", control_strength=0.6),
        {"image": _b64(SOURCE), "prompt": "a castle", "control_strength": 0.6},
        SRC,
    ),
    (
        "stable-image-control-structure",
        _edit("layout", SOURCE, prompt="a castle"),
        {"image": _b64(SOURCE), "prompt": "a castle"},
        SRC,
    ),
    (
        "stable-image-style-guide",
        _edit("style_reference", SOURCE, prompt="a harbour", style_image=STYLE, style_strength=0.7),
        {"image": _b64(STYLE), "prompt": "a harbour", "aspect_ratio": "5:4", "fidelity": 0.7},
        (1152, 896),
    ),
    (
        "stable-style-transfer",
        _edit("style_reference", SOURCE, style_image=STYLE, strength=0.8, style_strength=0.5),
        {
            "init_image": _b64(SOURCE),
            "style_image": _b64(STYLE),
            "composition_fidelity": 0.8,
            "style_strength": 0.5,
        },
        SRC,
    ),
]


@pytest.mark.parametrize(("name", "request_", "body", "size"), CASES, ids=[case[0] for case in CASES])
def test_every_service_receives_its_body_and_returns_its_image(
    aws: AwsEmulator, name: str, request_: EditRequest, body: dict[str, Any], size: tuple[int, int]
) -> None:
    model = _service(name)
    assert isinstance(model, StabilityImageService)
    assert model.capabilities.edits == {request_.operation}

    [image] = model.edit(request_)

    [recorded] = aws.requests("InvokeModel")
    assert recorded.model_id == sid(name)
    assert recorded.body == {**body, "output_format": "png"}
    assert _open(image.data).size == size
    assert png_info(image.data)["emulator-model"] == sid(name)
    # The service reports the seed it used: ours, or the one it chose for 0.
    assert image.seed == (request_.seed or int(png_info(image.data)["emulator-seed"]))


def test_erase_sends_the_mask_white_where_the_object_goes(aws: AwsEmulator) -> None:
    # EditRequest masks are black where the image changes; Stability's are white there.
    [image] = _service("stable-image-erase-object").edit(
        _edit("erase", SOURCE, mask=_mask(SRC, (0, 0, 100, 100)), negative_prompt="ignored", seed=3)
    )

    recorded = aws.requests("InvokeModel")[0]
    assert set(recorded.body) == {"image", "mask", "seed", "output_format"}  # no negative_prompt
    mask = _open(recorded.named_images()["/mask"]).convert("L")
    assert (mask.getpixel((50, 50)), mask.getpixel((500, 500))) == (255, 0)
    assert _open(image.data).size == SRC


def test_inpaint_with_a_mask_uses_the_mask_service(aws: AwsEmulator) -> None:
    _service("stable-image-inpaint").edit(
        _edit("inpaint", SOURCE, prompt="a vase", mask=_mask(SRC, (0, 0, 10, 10)))
    )

    assert list(aws.requests("InvokeModel")[0].named_images()) == ["/image", "/mask"]


@pytest.mark.parametrize(
    ("name", "request_", "fragment"),
    [
        ("stable-image-erase-object", _edit("erase", SOURCE, mask_prompt="the dog"), "needs a mask image"),
        (
            "stable-image-inpaint",
            _edit("inpaint", SOURCE, prompt="x", mask_prompt="the dog"),
            "needs a mask image",
        ),
        (
            "stable-image-search-replace",
            _edit("inpaint", SOURCE, prompt="x", mask=_mask(SRC, (0, 0, 9, 9))),
            "needs words",
        ),
        ("stable-fast-upscale", _edit("restyle", SOURCE), "cannot restyle"),
    ],
)
def test_services_refuse_inputs_they_cannot_use_before_calling(
    aws: AwsEmulator, name: str, request_: EditRequest, fragment: str
) -> None:
    with pytest.raises(UnsupportedEdit, match=fragment):
        _service(name).edit(request_)
    assert aws.requests("InvokeModel") == []


@pytest.mark.parametrize(
    ("name", "request_", "fragment"),
    [
        (
            "stable-conservative-upscale",
            _edit("upscale", SOURCE, creativity=0.6),
            "creativity 0.6 is outside 0.1-0.5",
        ),
        (
            "stable-outpaint",
            _edit("outpaint", SOURCE, expand=Expansion(left=9), creativity=0.05),
            "outside 0.1-1.0",
        ),
        ("stable-image-style-guide", _edit("style_reference", SOURCE, style_image=STYLE), "needs a prompt"),
    ],
)
def test_service_ranges_are_checked_before_calling(
    aws: AwsEmulator, name: str, request_: EditRequest, fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment):
        _service(name).edit(request_)
    assert aws.requests("InvokeModel") == []


def test_fast_upscale_shrinks_a_large_source_to_its_megapixel_first(aws: AwsEmulator) -> None:
    [image] = _service("stable-fast-upscale").edit(_edit("upscale", _image((3000, 2000), "JPEG")))

    sent = _open(aws.requests("InvokeModel")[0].images()[0])
    assert sent.width * sent.height <= 1_048_576 and max(sent.size) <= 1536
    assert abs(sent.width / sent.height - 1.5) < 0.01
    assert _open(image.data).size == (sent.width * 4, sent.height * 4)


def test_outpaint_scales_the_expansion_with_the_source_and_caps_each_side(aws: AwsEmulator) -> None:
    source = _image((6000, 1500))  # 4:1, past the 2.5:1 limit: cropped to 3750x1500
    request = _edit("outpaint", source, expand=Expansion(top=6000, left=100))

    _service("stable-outpaint").edit(request)

    body = aws.requests("InvokeModel")[0].body
    sent = _open(aws.requests("InvokeModel")[0].images()[0])
    assert sent.size == (3750, 1500)
    assert (body["up"], body["left"], body["right"], body["down"]) == (2000, 100, 0, 0)


def test_webp_sources_go_to_stability_unchanged(aws: AwsEmulator) -> None:
    source = _image(SRC, "WEBP")

    _service("stable-image-remove-background").edit(_edit("remove_background", source))

    assert aws.requests("InvokeModel")[0].images() == [source]


def test_a_cut_out_comes_back_transparent(aws: AwsEmulator) -> None:
    [image] = _service("stable-image-remove-background").edit(_edit("remove_background", SOURCE))

    cut_out = _open(image.data)
    assert (cut_out.format, cut_out.mode) == ("PNG", "RGBA")
    assert cut_out.getchannel("A").getextrema() == (0, 255)


@pytest.mark.parametrize(
    ("answer", "error", "stage"),
    [
        (
            {"seeds": [1], "finish_reasons": ["Filter reason: input image"], "images": [""]},
            ContentFiltered,
            "input",
        ),
        (
            {"seeds": [1], "finish_reasons": ["Filter reason: output image"], "images": [""]},
            ContentFiltered,
            "output",
        ),
        ({"seeds": [1], "finish_reasons": ["Inference error"], "images": [""]}, ModelUnavailable, None),
        (
            Error("ValidationException", "This request has been blocked by our content filters."),
            ContentFiltered,
            "input",
        ),
    ],
    ids=["input filter", "output filter", "inference error", "blocked prompt"],
)
def test_service_failures_are_domain_errors(
    aws: AwsEmulator, answer: Any, error: type[Exception], stage: str | None
) -> None:
    aws.push(f"InvokeModel:{sid('stable-image-search-replace')}", answer)

    with pytest.raises(error) as caught:
        _service("stable-image-search-replace").edit(_edit("inpaint", SOURCE, prompt="x", mask_prompt="y"))

    assert getattr(caught.value, "stage", None) == stage


def test_a_service_the_account_may_not_use_is_misconfiguration(aws: AwsEmulator) -> None:
    aws.set_model_state(sid("stable-fast-upscale"), authorized=False)

    with pytest.raises(ModelMisconfigured, match="AccessDeniedException"):
        _service("stable-fast-upscale").edit(_edit("upscale", SOURCE))
