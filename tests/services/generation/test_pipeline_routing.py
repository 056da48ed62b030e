"""A mention in a result's thread, routed by its one translation call (services/generation/pipeline.py).

A local change (「左の人を消して」) goes to the Editor's port with the plan and the job's own ledger; a
global one (「もっと明るく」) is a new image from the revised prompt with the same seed. The fakes log
what each stage was asked, so the tests read the order and what never ran.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.core.edits import EditPlan
from services.core.job import Checkpoint, GenerationOptions, Job
from services.generation.bedrock import Usage
from services.generation.translation import Translation
from tests.services.generation.pipeline_fakes import ENGLISH, REQUEST, Stages

ERASE = "左の人を消して"
BRIGHTER = "もっと明るく"
REVISED = "a red fox in the snow, no person on the left"
BRIGHTER_EN = "a red fox in the snow, bright daylight"
REGION_EDITS = frozenset({"inpaint", "erase", "recolor"})
ERASE_PLAN = EditPlan(operation="erase", region="the person on the left")


def refine_job(instruction: str | None = ERASE) -> Job:
    return Job(
        text=REQUEST,
        english_prompt=ENGLISH,
        instruction=instruction,
        trigger="refine",
        parent_job_id="20260101T000000-0000abcd",
        source_attempt=1,
        options=GenerationOptions(seed=42),
    )


def answer(english: str, edit: EditPlan | None = None, *, safe: bool = True) -> Translation:
    category = "none" if safe else "sexual"
    return Translation(
        english=english, translated=True, usage=Usage(40, 30), safe=safe, category=category, edit=edit
    )


@pytest.fixture
def routed() -> Iterator[Stages]:
    """The pipeline with an Editor whose posted image allows every region edit."""
    made = Stages(local=REGION_EDITS)
    yield made
    made.pipeline.close()


def test_a_local_change_is_handed_to_the_editor_with_the_plan_and_the_jobs_own_record(routed: Stages) -> None:
    routed.translator.refined = answer(REVISED, ERASE_PLAN)

    outcome = routed.run(refine_job())

    assert routed.log == [
        "region operations",
        f"rules: {REQUEST}\n{ERASE}",
        "guardrail",
        f"refine: {ERASE}",
        "edit: remove the person on the left",  # the edit checks its own English, as ✏️ does
    ]
    assert routed.translator.local == [REGION_EDITS]
    assert routed.local is not None
    [(plan, ledger)] = routed.local.planned
    assert plan == ERASE_PLAN and ledger.record is outcome.record
    assert outcome.image == b"edited image" and outcome.error is None
    record = outcome.record
    assert record.routed == "local_edit" and record.status == "accepted"
    assert record.translation == REVISED  # the call's revised prompt stays in the record
    assert [call.kind for call in record.calls] == ["guardrail", "translate"]
    assert [d.layer for d in record.moderation] == ["rules", "guardrail", "classifier"]
    # Nothing to resume from the translation alone: the edit re-runs whole, or posts its image.
    assert [point.stage for point in routed.checkpoints] == ["generated"]
    assert list(routed.archive.records) == [record.job_id]


def test_a_global_change_makes_a_new_image_from_the_revised_prompt_with_the_same_seed(routed: Stages) -> None:
    routed.translator.refined = answer(BRIGHTER_EN)

    outcome = routed.run(refine_job(BRIGHTER))

    assert routed.local is not None and routed.local.planned == []
    assert routed.model.prompts == [BRIGHTER_EN]
    record = outcome.record
    assert record.routed == "global" and record.english_prompt == BRIGHTER_EN
    assert record.attempts[0].seed == 42
    assert f"rules: {BRIGHTER_EN}" in routed.log
    assert [point.stage for point in routed.checkpoints] == ["translated", "generated"]


def test_a_local_answer_the_classifier_refuses_never_reaches_the_editor(routed: Stages) -> None:
    routed.translator.refined = answer(REVISED, ERASE_PLAN.model_copy(update={"safe": False}), safe=False)

    outcome = routed.run(refine_job())

    assert routed.local is not None and routed.local.planned == []
    assert "generate" not in routed.log
    assert outcome.image is None and outcome.record.status == "rejected"
    assert outcome.record.error is not None and outcome.record.error.layer == "classifier"


def test_without_a_possible_edit_the_call_is_todays_refine() -> None:
    stages = Stages(local=frozenset())  # e.g. the model cannot edit, or the result was blurred
    stages.translator.refined = answer(REVISED)
    try:
        outcome = stages.run(refine_job())
    finally:
        stages.pipeline.close()

    assert stages.translator.local == [frozenset()]
    assert stages.model.prompts == [REVISED]
    assert outcome.record.routed == "global"


def test_without_an_editor_a_mention_is_todays_refine() -> None:
    stages = Stages()
    stages.translator.refined = answer(REVISED)
    try:
        outcome = stages.run(refine_job())
    finally:
        stages.pipeline.close()

    assert stages.translator.local == [frozenset()]
    assert "region operations" not in stages.log
    assert outcome.record.routed == "global" and stages.model.prompts == [REVISED]


def test_only_a_mention_with_words_asks_which_edits_are_possible(routed: Stages) -> None:
    options_only = routed.run(refine_job(instruction=None))  # 「--cfg 9」: no words, no call
    new_request = routed.run(Job(text=REQUEST))

    assert "region operations" not in routed.log
    assert routed.translator.local == []
    assert options_only.record.routed == "global"
    assert new_request.record.routed is None


def test_a_local_edit_interrupted_after_its_image_was_chosen_posts_that_image(routed: Stages) -> None:
    routed.translator.refined = answer(REVISED, ERASE_PLAN)
    routed.run(refine_job())
    routed.archive.images["edited.png"] = b"edited image"
    generated = routed.checkpoint("generated")
    routed.log.clear()

    outcome = routed.run(refine_job(), resume=generated)

    assert routed.log == ["read edited.png"]
    assert outcome.image == b"edited image" and outcome.record.routed == "local_edit"


def test_a_local_edit_whose_image_is_gone_fails_honestly_instead_of_drawing_anew(routed: Stages) -> None:
    routed.translator.refined = answer(REVISED, ERASE_PLAN)
    routed.run(refine_job())
    generated: Checkpoint = routed.checkpoint("generated")
    routed.log.clear()

    outcome = routed.run(refine_job(), resume=generated)

    assert "generate" not in routed.log and not any(entry.startswith("refine") for entry in routed.log)
    assert outcome.image is None and outcome.record.status == "failed"
    assert outcome.error is not None and outcome.error.kind == "internal_error"
