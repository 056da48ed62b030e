"""The edit request's own checks, and the edit-model set with its factory (via the emulator)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from services.generation.image_models import (
    EDIT_MODEL_SETTINGS,
    EditModels,
    EditRequest,
    Expansion,
    UnsupportedEdit,
    UnsupportedModel,
    build_edit_model,
    build_edit_models,
    build_image_model,
)
from tests.servers.aws_emulator import AwsEmulator
from tests.services.generation.edit_support import client as _client
from tests.services.generation.edit_support import edit as _edit
from tests.services.generation.edit_support import image, opened

NOVA = "amazon.nova-canvas-v1:0"


def sid(name: str) -> str:
    return f"stability.{name}-v1:0"


# --- EditRequest ---------------------------------------------------------------------------------------

SOURCE = image((64, 64))


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"operation": "inpaint", "mask_prompt": "the dog"}, "needs a prompt"),
        ({"operation": "inpaint", "prompt": "a cat"}, "exactly one of mask_prompt and mask"),
        ({"operation": "erase", "mask_prompt": "dog", "mask": SOURCE}, "exactly one of mask_prompt and mask"),
        ({"operation": "restyle", "mask_prompt": "dog"}, "takes no mask"),
        ({"operation": "outpaint"}, "exactly one of expand and target_size"),
        ({"operation": "outpaint", "expand": Expansion()}, "at least one side"),
        ({"operation": "upscale", "expand": Expansion(left=1)}, "takes no expansion"),
        ({"operation": "layout"}, "needs a prompt"),
        ({"operation": "style_reference"}, "needs a style_image"),
        ({"operation": "restyle", "strength": 1.5}, "less than or equal to 1"),
        ({"operation": "fly"}, "operation"),
    ],
)
def test_edit_request_checks_inputs_against_the_operation(fields: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        EditRequest(source=SOURCE, **fields)


def test_edit_request_expansion_for_a_target_size_centres_the_source() -> None:
    request = EditRequest(operation="outpaint", source=SOURCE, target_size=(1000, 1000))

    assert request.expansion_for(600, 400) == Expansion(left=200, top=300, right=200, bottom=300)
    assert not request.uses_mask


# --- the edit-model set --------------------------------------------------------------------------------


class _Unused:
    """A client that must not be called."""

    def invoke_model(self, **_: Any) -> Any:
        raise AssertionError("this client should not be used")


IDS = {
    "upscale": sid("stable-fast-upscale"),
    "erase": sid("stable-image-erase-object"),
    "style_reference": "us." + sid("stable-style-transfer"),
    "remove_background": NOVA,
    "layout": "",
}


def test_factory_builds_one_model_per_configured_operation() -> None:
    models = build_edit_models(_client(), IDS)

    assert set(models.services) == {"upscale", "erase", "style_reference", "remove_background"}
    assert models.services["style_reference"].model_id == "us." + sid("stable-style-transfer")
    assert models.services["remove_background"].capabilities.family == "nova-canvas"


def test_factory_sends_services_through_their_own_client(aws: AwsEmulator) -> None:
    models = build_edit_models(_Unused(), {"upscale": sid("stable-fast-upscale")}, service_client=_client())

    [upscaled] = models.edit(_edit("upscale", image((256, 256))))

    assert opened(upscaled.data).size == (1024, 1024)


@pytest.mark.parametrize(
    ("ids", "fragment"),
    [
        (
            {"inpaint": sid("stable-fast-upscale")},
            "EDIT_MODEL_INPAINT 'stability.stable-fast-upscale-v1:0' cannot",
        ),
        ({"upscale": NOVA}, "UPSCALE_MODEL_ID 'amazon.nova-canvas-v1:0' cannot upscale"),
        ({"sharpen": sid("stable-fast-upscale")}, "unknown edit operation 'sharpen'"),
        (
            {"upscale": "stability.stable-image-frobnicate-v1:0"},
            "edit model 'stability.stable-image-frobnicate",
        ),
    ],
)
def test_factory_rejects_ids_that_cannot_do_their_operation(ids: dict[str, str], fragment: str) -> None:
    with pytest.raises(UnsupportedModel, match=re.escape(fragment)):
        build_edit_models(_client(), ids)


def test_setting_names() -> None:
    assert EDIT_MODEL_SETTINGS["upscale"] == "UPSCALE_MODEL_ID"
    assert EDIT_MODEL_SETTINGS["remove_background"] == "EDIT_MODEL_REMOVE_BACKGROUND"
    assert len(EDIT_MODEL_SETTINGS) == 9


def test_available_operations_are_the_union_of_services_and_the_image_model() -> None:
    models = build_edit_models(_client(), IDS)
    nova = build_image_model(_client(), NOVA)
    sdxl = build_image_model(_client(), "stability.stable-diffusion-xl-v1")

    assert models.operations(nova) == set(EDIT_MODEL_SETTINGS)  # every operation
    # Erase Object needs a mask image: with words only, SDXL jobs get no erase button.
    assert models.operations(sdxl) == {"upscale", "style_reference", "remove_background", "restyle"}
    assert "erase" in models.operations(sdxl, with_mask=True)
    assert EditModels().operations() == frozenset()


def test_the_configured_model_comes_before_the_image_model() -> None:
    models = build_edit_models(_client(), {"inpaint": sid("stable-image-search-replace")})
    nova = build_image_model(_client(), NOVA)

    assert models.model_for("inpaint", nova).model_id == sid("stable-image-search-replace")
    # A mask image is something Search and Replace cannot use; Nova can.
    assert models.model_for("inpaint", nova, with_mask=True) is nova
    assert models.model_for("outpaint", nova) is nova
    with pytest.raises(UnsupportedEdit, match="no configured model can upscale"):
        models.model_for("upscale", nova)


def test_edit_runs_on_the_chosen_model(aws: AwsEmulator) -> None:
    models = build_edit_models(_client(), {"upscale": sid("stable-conservative-upscale")})
    nova = build_image_model(_client(), NOVA)

    models.edit(_edit("upscale", image(), prompt="bricks"), nova)
    models.edit(_edit("remove_background", image()), nova)

    assert [r.model_id for r in aws.requests("InvokeModel")] == [sid("stable-conservative-upscale"), NOVA]


def test_an_edit_set_rejects_a_model_under_the_wrong_operation() -> None:
    with pytest.raises(ValueError, match="cannot erase"):
        EditModels({"erase": build_edit_model(_client(), sid("stable-fast-upscale"))})
