"""Stability AI Image Services on Bedrock (one model id per service), through a real boto3 client."""

from __future__ import annotations

from typing import Any

import pytest

from tests.servers.aws_emulator import AwsEmulator, png_info
from tests.servers.bedrock_testing import decoded, invoke, png_b64, raw, rejected

SRC = (400, 300)
IMAGE = png_b64(SRC)


def sid(name: str) -> str:
    return f"stability.{name}-v1:0"


VALID: list[tuple[str, dict[str, Any], tuple[int, int]]] = [
    ("stable-fast-upscale", {"image": IMAGE}, (1600, 1200)),
    ("stable-conservative-upscale", {"image": IMAGE, "prompt": "a house"}, (2365, 1774)),
    ("stable-creative-upscale", {"image": IMAGE, "prompt": "a house", "creativity": 0.5}, (2365, 1774)),
    ("stable-image-inpaint", {"image": IMAGE, "prompt": "a cat", "mask": png_b64((10, 10))}, SRC),
    ("stable-outpaint", {"image": IMAGE, "left": 100, "down": 2000}, (500, 2300)),
    ("stable-image-search-recolor", {"image": IMAGE, "prompt": "pink", "select_prompt": "jacket"}, SRC),
    ("stable-image-search-replace", {"image": IMAGE, "prompt": "a jacket", "search_prompt": "sweater"}, SRC),
    ("stable-image-erase-object", {"image": IMAGE, "mask": png_b64(SRC)}, SRC),
    ("stable-image-remove-background", {"image": IMAGE}, SRC),
    ("stable-image-control-sketch", {"image": IMAGE, "prompt": "a house", "control_strength": 0}, SRC),
    ("stable-image-control-structure", {"image": IMAGE, "prompt": "a house", "control_strength": 1}, SRC),
    ("stable-image-style-guide", {"image": IMAGE, "prompt": "a city", "aspect_ratio": "16:9"}, (1344, 768)),
    ("stable-style-transfer", {"init_image": IMAGE, "style_image": png_b64((64, 64))}, SRC),
]


@pytest.mark.parametrize(("name", "body", "size"), VALID, ids=[v[0] for v in VALID])
def test_every_service_answers_with_one_image(
    aws: AwsEmulator, name: str, body: dict[str, Any], size: tuple[int, int]
) -> None:
    answer = invoke(sid(name), body)

    assert set(answer) == {"seeds", "finish_reasons", "images"}
    assert answer["finish_reasons"] == [None]
    [seed] = answer["seeds"]
    assert 0 < seed <= 4_294_967_294  # seed 0 means "random": the service reports the seed it used
    [image] = [decoded(b) for b in answer["images"]]
    assert (image.format, image.size) == ("PNG", size)
    assert png_info(raw(answer["images"][0]))["emulator-model"] == sid(name)


def test_inference_profile_ids_reach_the_service(aws: AwsEmulator) -> None:
    answer = invoke("us.stability.stable-fast-upscale-v1:0", {"image": IMAGE, "output_format": "webp"})

    assert decoded(answer["images"][0]).size == (1600, 1200)
    assert decoded(answer["images"][0]).format == "WEBP"


def test_seed_and_prompt_are_reported(aws: AwsEmulator) -> None:
    answer = invoke(sid("stable-image-control-sketch"), {"image": IMAGE, "prompt": "a barn", "seed": 77})

    assert answer["seeds"] == [77]
    info = png_info(raw(answer["images"][0]))
    assert (info["emulator-seed"], info["emulator-prompt"]) == ("77", "a barn")


def test_remove_background_keeps_an_alpha_channel(aws: AwsEmulator) -> None:
    for fmt, expected in (("png", "PNG"), ("webp", "WEBP")):
        image = decoded(
            invoke(sid("stable-image-remove-background"), {"image": IMAGE, "output_format": fmt})["images"][0]
        )
        assert (image.format, image.mode) == (expected, "RGBA")
        assert image.getchannel("A").getextrema() == (0, 255)
    jpeg = decoded(
        invoke(sid("stable-image-remove-background"), {"image": IMAGE, "output_format": "jpeg"})["images"][0]
    )
    assert jpeg.format == "JPEG"


def test_recorded_requests_expose_every_input_image(aws: AwsEmulator) -> None:
    style = png_b64((64, 80))
    invoke(sid("stable-style-transfer"), {"init_image": IMAGE, "style_image": style})
    invoke(sid("stable-image-inpaint"), {"image": IMAGE, "mask": style, "prompt": "x"})

    transfer, inpaint = aws.requests("InvokeModel")
    assert list(transfer.named_images()) == ["/init_image", "/style_image"]
    assert transfer.images() == [raw(IMAGE), raw(style)]
    assert list(inpaint.named_images()) == ["/image", "/mask"]


@pytest.mark.parametrize(
    ("name", "body", "fragment"),
    [
        ("stable-conservative-upscale", {"image": IMAGE}, "required key [prompt] not found"),
        ("stable-creative-upscale", {"image": IMAGE}, "required key [prompt] not found"),
        ("stable-image-inpaint", {"image": IMAGE}, "required key [prompt] not found"),
        (
            "stable-image-search-replace",
            {"image": IMAGE, "prompt": "a"},
            "required key [search_prompt] not found",
        ),
        (
            "stable-image-search-recolor",
            {"image": IMAGE, "prompt": "a"},
            "required key [select_prompt] not found",
        ),
        ("stable-image-control-sketch", {"image": IMAGE}, "required key [prompt] not found"),
        ("stable-image-style-guide", {"image": IMAGE}, "required key [prompt] not found"),
        ("stable-style-transfer", {"init_image": IMAGE}, "required key [style_image] not found"),
        ("stable-fast-upscale", {}, "required key [image] not found"),
        ("stable-image-control-sketch", {"image": IMAGE, "prompt": "x" * 10_001}, "maxLength: 10000"),
        (
            "stable-image-inpaint",
            {"image": IMAGE, "prompt": "a", "negative_prompt": "x" * 10_001},
            "maxLength",
        ),
    ],
)
def test_required_fields(aws: AwsEmulator, name: str, body: dict[str, Any], fragment: str) -> None:
    assert fragment in rejected(sid(name), body)


@pytest.mark.parametrize(
    ("name", "size", "fragment"),
    [
        ("stable-fast-upscale", (1537, 200), "at least 32 and at most 1536"),
        ("stable-fast-upscale", (31, 200), "at least 32 and at most 1536"),
        ("stable-fast-upscale", (1024, 1025), "must be between 1024 and 1048576"),
        ("stable-creative-upscale", (64, 63), "at least 64 pixels"),
        ("stable-creative-upscale", (1025, 1024), "must be between 4096 and 1048576"),
        ("stable-conservative-upscale", (161, 64), "between 1:2.5 and 2.5:1"),
        ("stable-image-erase-object", (3073, 3072), "must be between 0 and 9437184"),
        ("stable-image-remove-background", (63, 100), "at least 64 pixels"),
    ],
)
def test_input_image_limits(aws: AwsEmulator, name: str, size: tuple[int, int], fragment: str) -> None:
    message = rejected(sid(name), {"image": png_b64(size), "prompt": "a house"})

    assert message.startswith("Malformed input request: #/image: ")
    assert fragment in message


def test_input_image_limit_edges_are_accepted(aws: AwsEmulator) -> None:
    assert invoke(sid("stable-fast-upscale"), {"image": png_b64((1024, 1024))})["images"]
    assert invoke(sid("stable-conservative-upscale"), {"image": png_b64((160, 64)), "prompt": "a"})["images"]
    assert invoke(sid("stable-creative-upscale"), {"image": png_b64((64, 64)), "prompt": "a"})["images"]


def test_input_images_must_be_jpeg_png_or_webp(aws: AwsEmulator) -> None:
    assert invoke(sid("stable-image-erase-object"), {"image": png_b64(SRC, fmt="WEBP")})["images"]
    assert invoke(sid("stable-image-erase-object"), {"image": png_b64(SRC, fmt="JPEG")})["images"]
    assert "format GIF is not supported" in rejected(
        sid("stable-image-erase-object"), {"image": png_b64(SRC, fmt="GIF")}
    )


@pytest.mark.parametrize(
    ("name", "extra", "fragment"),
    [
        ("stable-outpaint", {}, "at least one of [left, right, up, down] must be non-zero"),
        ("stable-outpaint", {"up": 2001}, "up: 2001 is not less or equal to 2000"),
        ("stable-outpaint", {"left": -1}, "left: -1 is not greater or equal to 0"),
        ("stable-outpaint", {"right": 10, "creativity": 0.05}, "creativity: 0.05 is not greater"),
        ("stable-conservative-upscale", {"creativity": 0.55}, "creativity: 0.55 is not less or equal to 0.5"),
        ("stable-creative-upscale", {"creativity": 0.09}, "creativity: 0.09 is not greater"),
        ("stable-image-inpaint", {"grow_mask": 21}, "grow_mask: 21 is not less or equal to 20"),
        ("stable-image-search-recolor", {"select_prompt": "a", "grow_mask": -1}, "grow_mask: -1"),
        ("stable-image-control-structure", {"control_strength": 1.5}, "control_strength: 1.5"),
        ("stable-image-style-guide", {"fidelity": -0.1}, "fidelity: -0.1"),
        ("stable-image-style-guide", {"aspect_ratio": "4:3"}, "4:3 is not a valid enum value"),
        ("stable-image-control-sketch", {"seed": 4_294_967_295}, "seed: 4294967295 is not less"),
        ("stable-image-control-sketch", {"output_format": "gif"}, "gif is not a valid enum value"),
        ("stable-image-control-sketch", {"style_preset": "watercolour"}, "watercolour is not a valid enum"),
        ("stable-image-inpaint", {"mask": "%%%"}, "#/mask: invalid base64 image"),
    ],
)
def test_parameter_ranges(aws: AwsEmulator, name: str, extra: dict[str, Any], fragment: str) -> None:
    assert fragment in rejected(sid(name), {"image": IMAGE, "prompt": "a house", **extra})


def test_style_transfer_ranges(aws: AwsEmulator) -> None:
    body = {"init_image": IMAGE, "style_image": IMAGE}

    assert invoke(sid("stable-style-transfer"), {**body, "change_strength": 0.1, "style_strength": 0})[
        "images"
    ]
    assert "change_strength: 0.05" in rejected(
        sid("stable-style-transfer"), {**body, "change_strength": 0.05}
    )
    assert "composition_fidelity: 1.2" in rejected(
        sid("stable-style-transfer"), {**body, "composition_fidelity": 1.2}
    )
    assert "#/style_image: (" in rejected(
        sid("stable-style-transfer"), {**body, "style_image": png_b64((32, 32))}
    )
