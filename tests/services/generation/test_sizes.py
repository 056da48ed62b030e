"""Size fitting (services/generation/sizes.py): the three questions answer differently on purpose."""

from __future__ import annotations

from fractions import Fraction

import pytest

from services.generation.image_models.amazon import NOVA_CANVAS, TITAN_IMAGE, AmazonImageModel
from services.generation.image_models.stability import SD3_LARGE, StableImage
from services.generation.sizes import carried_size, generation_size, ratio_size, ratio_value

NOVA = AmazonImageModel(None, "amazon.nova-canvas-v1:0", NOVA_CANVAS)
TITAN = AmazonImageModel(None, "amazon.titan-image-generator-v2:0", TITAN_IMAGE)
SD3 = StableImage(None, "stability.sd3-5-large-v1:0", SD3_LARGE)


@pytest.mark.parametrize(
    ("text", "value"),
    [("16:9", Fraction(16, 9)), ("1.91:1", Fraction("1.91")), ("16x9", Fraction(16, 9)), ("0:1", None)],
)
def test_ratio_value(text: str, value: Fraction | None) -> None:
    assert ratio_value(text) == value


def test_a_free_size_model_steps_by_64_for_a_ratio_and_by_16_for_a_preset() -> None:
    # --ar 16:9 keeps the size help and the form show; a 1280x720 target is covered exactly.
    assert ratio_size(Fraction(16, 9), NOVA) == (1472, 832)
    assert generation_size(NOVA.capabilities, 1280, 720, NOVA.validate_size) == (1280, 720)
    assert generation_size(NOVA.capabilities, 1200, 630, NOVA.validate_size) == (1200, 640)


def test_a_listed_size_model_covers_a_preset_but_keeps_the_closest_ratio_for_a_carried_size() -> None:
    # 1280x720 is cropped from a preset's size, so it must cover the target; carried, it is posted as made.
    assert generation_size(TITAN.capabilities, 1280, 720, TITAN.validate_size) == (1408, 768)
    assert carried_size(1280, 720, TITAN) == (1152, 640)
    assert carried_size(1024, 1024, TITAN) == (1024, 1024)


def test_a_ratio_model_answers_with_the_nominal_size_of_its_listed_ratio() -> None:
    assert ratio_size(Fraction(16, 9), SD3) == (1344, 768)
    assert ratio_size(Fraction(5, 3), SD3) is None
    assert generation_size(SD3.capabilities, 1200, 630) == (1344, 768)


def test_a_carried_size_no_model_can_make_near_is_dropped() -> None:
    assert carried_size(1472, 832, NOVA) == (1472, 832)
    assert carried_size(100_000, 10, NOVA) == (None, None)
