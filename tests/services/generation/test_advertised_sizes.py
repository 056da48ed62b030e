"""Every size and ratio the bot advertises for a model is one that model makes.

Help, refusals (``allowed_ratios``/``allowed_sizes``), the form and App Home (``size_choices``)
all list sizes; each must pass the model's own ``validate_size`` (the pipeline's gate) and, for
the ratio-sized Stability models, reach the AWS emulator as the ratio it was asked for.
"""

from __future__ import annotations

import io
from typing import Any

import boto3
import pytest
from PIL import Image

from services.generation.bedrock import RetryPolicy
from services.generation.image_models import GenerationRequest, ImageModel, build_image_model
from services.generation.options import allowed_ratios, allowed_sizes, resolve_size
from services.slack.menus import size_choices
from tests.servers.aws_emulator import AwsEmulator

MODEL_IDS = [
    "amazon.nova-canvas-v1:0",
    "amazon.titan-image-generator-v1",
    "amazon.titan-image-generator-v2:0",
    "stability.stable-diffusion-xl-v1",
    "stability.sd3-5-large-v1:0",
    "stability.stable-image-core-v1:1",
    "stability.stable-image-ultra-v1:1",
]
RATIO_MODELS = MODEL_IDS[4:]


def _model(model_id: str) -> ImageModel:
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    return build_image_model(client, model_id, RetryPolicy(sleep=lambda _: None))


def _listed(text: str) -> list[str]:
    return [item for item in text.split(", ") if item and item != "…"]


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_every_advertised_ratio_and_size_passes_the_models_size_check(model_id: str) -> None:
    model = _model(model_id)
    advertised = [*_listed(allowed_ratios(model)), *_listed(allowed_sizes(model))]
    advertised += [choice.value for choice in size_choices(model)]

    assert advertised
    for value in advertised:
        width, height = resolve_size(value, model)
        model.validate_size(width, height)  # raises for a size the pipeline would refuse


@pytest.mark.parametrize("model_id", RATIO_MODELS)
@pytest.mark.parametrize("ratio", ["21:9", "9:21"])
def test_the_widest_ratios_reach_stability_models_as_themselves(
    aws: AwsEmulator, model_id: str, ratio: str
) -> None:
    model = _model(model_id)
    assert ratio in _listed(allowed_ratios(model))
    width, height = resolve_size(ratio, model)
    model.validate_size(width, height)

    [image] = model.generate(
        GenerationRequest(
            prompt="a harbour at dusk",
            negative_prompt=None,
            seed=7,
            cfg_scale=None,
            width=width,
            height=height,
        )
    )

    body: dict[str, Any] = aws.requests("InvokeModel")[0].body
    assert body["aspect_ratio"] == ratio
    with Image.open(io.BytesIO(image.data)) as made:
        assert (made.width > made.height) == (ratio == "21:9")
