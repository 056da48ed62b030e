"""The pipeline (services/generation/pipeline.py) with in-memory stages: no servers, no threads to wait on.

Every fake writes what it was asked into one shared log, so the tests read the order of the
stages, the retry-then-rewrite loop and what a resumed job skips straight from it.
"""

from __future__ import annotations

from tests.services.generation.pipeline_fakes import (
    ENGLISH,
    REQUEST,
    REQUIREMENTS,
    REWRITTEN,
    Stages,
    a_job,
    both_before,
    stages,
    verdict,
)

__all__ = ["stages"]  # the fixture

# What a job does after its translation: Comprehend alongside the image call, then the checks,
# then the image to post read back from the archive (it is not kept in memory through the checks).
AFTER_TRANSLATION = [
    "toxicity",
    "generate",
    "archive r0-a01.png",
    "moderate image",
    "verify",
    "read r0-a01.png",
]

# --- the order of stages ------------------------------------------------------------------------


def test_each_stage_runs_once_in_order_when_the_first_image_matches(stages: Stages) -> None:
    outcome = stages.run(a_job(seed=42))

    log = stages.log
    # The banned terms and the translation's own classification stay in front: they cost nothing.
    assert log[:4] == [f"rules: {REQUEST}", "guardrail", "translate", f"rules: {ENGLISH}"]
    assert sorted(log[4:]) == sorted(AFTER_TRANSLATION)
    # Nothing looks at the image before it is archived and Comprehend has cleared the prompt.
    for check in ("moderate image", "verify"):
        assert both_before(log, {"toxicity", "generate", "archive r0-a01.png"}, check)
    assert log[-1] == "read r0-a01.png"
    assert [step.stage for step in stages.progress] == [
        "moderation",
        "translation",
        "generation",
        "verification",
    ]
    assert [point.stage for point in stages.checkpoints] == ["translated", "generated"]
    record = outcome.record
    assert (outcome.image, outcome.error, record.status) == (b"image 1", None, "accepted")
    assert sorted(call.kind for call in record.calls) == sorted(
        ["guardrail", "translate", "toxicity", "image", "image_moderation", "verify"]
    )
    assert [d.layer for d in record.moderation] == [
        "rules",
        "guardrail",
        "classifier",
        "rules_translation",
        "toxicity",
    ]
    assert record.requirements == list(REQUIREMENTS)
    assert record.seed == 42
    assert stages.archive.records[record.job_id].status == "accepted"


def test_a_flagged_request_stops_before_translation_and_is_archived_as_rejected() -> None:
    stages = Stages(banned="キツネ")
    try:
        outcome = stages.run(a_job())
    finally:
        stages.pipeline.close()

    assert stages.log == [f"rules: {REQUEST}"]
    assert outcome.image is None
    assert outcome.record.status == "rejected"
    assert outcome.record.error is not None and outcome.record.error.layer == "rules"
    assert stages.archive.records[outcome.record.job_id].status == "rejected"


# --- retry, then rewrite --------------------------------------------------------------------------


def test_max_attempts_per_prompt_then_a_rewrite_aimed_at_the_missed_items() -> None:
    stages = Stages(verdicts=[verdict(40, missed=["snow"]), verdict(55, missed=["snow"])])
    try:
        outcome = stages.run(a_job(seed=42))
    finally:
        stages.pipeline.close()

    generation = [entry for entry in stages.log if entry in {"generate", "verify", "rewrite"}]
    assert generation == ["generate", "verify", "generate", "verify", "rewrite", "generate", "verify"]
    # The rewrite starts from the prompt that missed and hears exactly which items were missed.
    [(prompt, failures)] = stages.verifier.rewrites
    assert prompt == ENGLISH
    assert failures == ["the fox is there but the snow is not（未達: snow）"] * 2
    assert stages.model.prompts == [ENGLISH, ENGLISH, REWRITTEN]
    # The rewritten prompt is screened like the translation was.
    assert f"rules: {REWRITTEN}" in stages.log
    layers = [decision.layer for decision in outcome.record.moderation]
    assert layers[-2:] == ["rules_rewrite", "toxicity"]  # and Comprehend again, on the rewrite

    attempts = [(a.index, a.revision, a.outcome) for a in outcome.record.attempts]
    assert attempts == [(1, 0, "rejected_by_verifier"), (2, 0, "rejected_by_verifier"), (3, 1, "accepted")]
    seeds = [attempt.seed for attempt in outcome.record.attempts]
    assert seeds[0] == 42 and 42 not in seeds[1:]  # the user's seed is for the first image only
    assert (outcome.image, outcome.record.status, outcome.record.chosen_attempt) == (
        b"image 3",
        "accepted",
        3,
    )
    assert [step.total for step in stages.progress if step.stage == "generation"] == [4, 4, 4]


def test_when_no_image_ever_matches_the_best_scored_one_is_posted_as_a_best_effort() -> None:
    scores = [40, 70, 55, 60]
    stages = Stages(verdicts=[verdict(score, missed=["snow"]) for score in scores])
    try:
        outcome = stages.run(a_job())
    finally:
        stages.pipeline.close()

    # Two prompts (the translation and one rewrite), two images each: the whole budget.
    assert stages.log.count("generate") == 4
    assert stages.log.count("rewrite") == 1
    assert (outcome.image, outcome.record.status, outcome.record.chosen_attempt) == (
        b"image 2",
        "best_effort",
        2,
    )


# --- resuming an interrupted job ----------------------------------------------------------------


def test_resumed_after_translation_it_generates_without_moderating_or_translating_again(
    stages: Stages,
) -> None:
    job = a_job()
    stages.run(job)
    translated = stages.checkpoint("translated")
    stages.log.clear()

    outcome = stages.run(job, resume=translated)

    # The checkpoint is taken before Comprehend answers, so the resumed run asks it again
    # (alongside the image call, as the first run did); nothing else is repeated.
    assert sorted(stages.log) == sorted(AFTER_TRANSLATION)
    assert outcome.record.status == "accepted"
    assert outcome.record.english_prompt == ENGLISH
    # The calls made before the interruption stay on the bill.
    assert [call.kind for call in outcome.record.calls][:2] == ["guardrail", "translate"]
    assert sorted(call.kind for call in outcome.record.calls[2:]) == sorted(
        ["toxicity", "image", "image_moderation", "verify"]
    )


def test_resumed_after_generation_it_posts_the_image_chosen_before(stages: Stages) -> None:
    job = a_job()
    first = stages.run(job)
    generated = stages.checkpoint("generated")
    stages.log.clear()

    outcome = stages.run(job, resume=generated)

    assert stages.log == ["read r0-a01.png"]
    assert outcome.image == first.image
    assert outcome.record.status == "accepted"
    assert outcome.record.calls == first.record.calls  # nothing new was paid for


def test_resumed_after_generation_with_the_image_gone_it_generates_again_from_the_english(
    stages: Stages,
) -> None:
    job = a_job()
    stages.run(job)
    generated = stages.checkpoint("generated")
    stages.archive.images.clear()
    stages.log.clear()

    outcome = stages.run(job, resume=generated)

    assert stages.log[0] == "read r0-a01.png"
    assert sorted(stages.log[1:]) == sorted(
        ["generate", "archive r0-a01.png", "moderate image", "verify", "read r0-a01.png"]
    )
    assert (outcome.image, outcome.record.status) == (b"image 2", "accepted")
