"""The refine call's answer with a scope (services/generation/prompt_answers.py): what reads as a local edit.

A local answer becomes an edit plan only when it names an operation the posted image allows and a
region; anything else is read as global, and the revised prompt the answer always carries is used.
"""

from __future__ import annotations

from typing import Any

import pytest

from services.core.edits import EditPlan
from services.generation.prompt_answers import TRANSLATE_TOOL, RefineAnswer, refine_tool

EVERY_REGION_EDIT = frozenset({"inpaint", "erase", "recolor"})


def answer(**fields: Any) -> RefineAnswer:
    base: dict[str, Any] = {"english_prompt": "aurora over a night sea", "safe": True, "category": "none"}
    return RefineAnswer.model_validate({**base, **fields})


def test_a_local_erase_is_a_plan_with_the_region_and_no_new_content() -> None:
    parsed = answer(scope="local", operation="erase", region=" the person\n on the left ", new_content="x")

    assert parsed.plan(EVERY_REGION_EDIT) == EditPlan(operation="erase", region="the person on the left")
    assert parsed.english_prompt == "aurora over a night sea"


def test_a_local_inpaint_carries_its_new_content_and_the_calls_classification() -> None:
    parsed = answer(
        scope="local", operation="inpaint", region="the sky", new_content="a starry night sky", safe=False,
        category="violence",
    )  # fmt: skip

    plan = parsed.plan(EVERY_REGION_EDIT)

    assert plan is not None
    assert (plan.operation, plan.region, plan.prompt) == ("inpaint", "the sky", "a starry night sky")
    assert (plan.safe, plan.category) == (False, "violence")
    assert plan.english() == "change the sky to a starry night sky"


def test_a_recolour_without_words_for_the_colour_keeps_the_region_as_its_prompt() -> None:
    plan = answer(scope="local", operation="recolor", region="a red dress").plan(EVERY_REGION_EDIT)

    assert plan is not None and plan.prompt == "a red dress"


def test_scope_and_operation_are_read_whatever_their_case() -> None:
    plan = answer(scope=" Local", operation="ERASE", region="the cat").plan(EVERY_REGION_EDIT)

    assert plan is not None and plan.operation == "erase"


@pytest.mark.parametrize(
    ("fields", "allowed"),
    [
        pytest.param({"scope": "global"}, EVERY_REGION_EDIT, id="global"),
        pytest.param({}, EVERY_REGION_EDIT, id="no scope"),
        pytest.param({"scope": "local", "operation": "erase"}, EVERY_REGION_EDIT, id="no region"),
        pytest.param({"scope": "local", "operation": "erase", "region": "  "}, EVERY_REGION_EDIT, id="blank"),
        pytest.param({"scope": "local", "region": "the sky"}, EVERY_REGION_EDIT, id="no operation"),
        pytest.param(
            {"scope": "local", "operation": "erase", "region": "the cat"},
            frozenset({"inpaint"}),
            id="not offered",
        ),
        pytest.param(
            {"scope": "local", "operation": "outpaint", "region": "the sky"},
            EVERY_REGION_EDIT,
            id="not a region edit",
        ),
        pytest.param(
            {"scope": "partly", "operation": "erase", "region": "the cat"},
            EVERY_REGION_EDIT,
            id="unknown scope",
        ),
        pytest.param(
            {"scope": None, "operation": None, "region": None, "new_content": None},
            EVERY_REGION_EDIT,
            id="nulls",
        ),
    ],
)
def test_anything_but_a_complete_local_edit_the_image_allows_is_global(
    fields: dict[str, Any], allowed: frozenset[str]
) -> None:
    assert answer(**fields).plan(allowed) is None


def test_an_overlong_region_is_cut_rather_than_refused() -> None:
    plan = answer(scope="local", operation="erase", region="the " + "very " * 100 + "old tree").plan(
        EVERY_REGION_EDIT
    )

    assert plan is not None and len(plan.region) == 200


def test_the_refine_tool_extends_the_translation_tool_and_offers_only_the_allowed_operations() -> None:
    tool = refine_tool(frozenset({"erase", "recolor"}))

    assert tool.name != TRANSLATE_TOOL.name  # a new request's tool is left as it is
    properties = tool.schema["properties"]
    assert TRANSLATE_TOOL.schema["properties"].items() <= properties.items()
    assert properties["scope"]["enum"] == ["global", "local"]
    assert properties["operation"]["enum"] == ["erase", "recolor"]
    assert {"region", "new_content"} <= properties.keys()
    assert tool.schema["required"] == [*TRANSLATE_TOOL.schema["required"], "scope"]
    assert "scope" not in TRANSLATE_TOOL.schema["properties"]
