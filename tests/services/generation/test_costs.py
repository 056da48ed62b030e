"""Cost estimates from recorded calls and the price table."""

from __future__ import annotations

import pytest

from services.core.job import ModelCall
from services.generation.costs import CostTable, Price
from services.generation.image_models.stability_services import SERVICES


def test_longest_prefix_wins_and_inference_profiles_are_recognised() -> None:
    table = CostTable({"amazon.nova": Price(per_image=1.0), "amazon.nova-canvas-v1": Price(per_image=0.5)})

    assert table.price("amazon.nova-canvas-v1:0").per_image == 0.5
    assert table.price("us.amazon.nova-canvas-v1:0").per_image == 0.5
    assert table.price("amazon.nova-reel-v1:0").per_image == 1.0
    assert table.price("unknown.model") == Price()
    assert table.price(None) == Price()


def test_estimate_adds_tokens_images_and_calls() -> None:
    calls = [
        ModelCall(
            kind="translate",
            model_id="anthropic.claude-3-5-sonnet-20240620-v1:0",
            input_tokens=2000,
            output_tokens=100,
        ),
        ModelCall(kind="image", model_id="amazon.nova-canvas-v1:0", images=3),
        ModelCall(kind="image_moderation", model_id="rekognition", images=3),
        ModelCall(kind="toxicity", model_id="comprehend"),
    ]

    assert CostTable().estimate(calls) == pytest.approx(0.006 + 0.0015 + 0.12 + 0.003 + 0.0003, abs=1e-4)


def test_overrides_replace_defaults() -> None:
    calls = [ModelCall(kind="image", model_id="amazon.nova-canvas-v1:0", images=2)]

    assert CostTable({"amazon.nova-canvas": Price(per_image=0.06)}).estimate(calls) == pytest.approx(0.12)


@pytest.mark.parametrize(
    ("model_id", "usd"),
    [
        ("stability.stable-fast-upscale-v1:0", 0.03),
        ("us.stability.stable-creative-upscale-v1:0", 0.60),
        ("stability.stable-image-search-replace-v1:0", 0.07),
        ("stability.stable-style-transfer-v1:0", 0.08),
        # Nova edits cost what Nova generations cost.
        ("amazon.nova-canvas-v1:0", 0.04),
        ("unknown.model", 0.0),
    ],
)
def test_edit_and_upscale_calls_are_priced_per_image(model_id: str, usd: float) -> None:
    assert CostTable().call_estimate(model_id) == pytest.approx(usd)


def test_every_image_service_has_a_price() -> None:
    table = CostTable()
    assert all(table.price(f"{prefix}-v1:0").per_image > 0 for prefix in SERVICES)


def test_call_estimate_counts_images_and_takes_overrides() -> None:
    table = CostTable({"stability.stable-outpaint": Price(per_image=0.05)})

    assert table.call_estimate("stability.stable-outpaint-v1:0", images=2) == pytest.approx(0.10)
    assert CostTable().call_estimate("amazon.nova-canvas-v1:0", images=3) == pytest.approx(0.12)
