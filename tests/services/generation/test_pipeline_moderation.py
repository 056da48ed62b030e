"""Moderation alongside the model calls: Comprehend while the image model draws, Rekognition while the
verifier looks, and still nothing goes on before every layer has cleared it.

Overlap is shown with barriers, never with time: two fakes that meet at a barrier of two were
in flight at once, and run one after the other they would break it.
"""

from __future__ import annotations

import threading

from services.core.errors import ModerationRejected, ModerationUnavailable, TextModerationUnavailable
from services.generation import PipelineConfig
from tests.services.generation.pipeline_fakes import Stages, a_job, stages, verdict

__all__ = ["stages"]  # the fixture


def together() -> threading.Barrier:
    # Generous: it only runs out when the calls do not overlap, and then the test fails anyway.
    return threading.Barrier(2, timeout=10)


def test_comprehend_reads_the_prompt_while_the_image_model_draws(stages: Stages) -> None:
    stages.toxicity.barrier = stages.model.barrier = together()

    outcome = stages.run(a_job())

    assert (outcome.error, outcome.record.status) == (None, "accepted")
    [overlap] = [o for o in outcome.record.overlaps if o.layer == "toxicity"]
    assert overlap.alongside == "generation"


def test_rekognition_looks_at_a_candidate_while_the_verifier_does(stages: Stages) -> None:
    stages.moderator.barrier = stages.verifier.barrier = together()

    outcome = stages.run(a_job())

    assert (outcome.error, outcome.record.status) == (None, "accepted")
    [overlap] = [o for o in outcome.record.overlaps if o.layer == "image_moderation"]
    assert (overlap.alongside, overlap.attempt) == ("verification", 1)


def test_both_checks_read_the_small_copy_and_the_original_is_posted(stages: Stages) -> None:
    outcome = stages.run(a_job())

    assert stages.moderator.seen == [b"small image 1"]
    assert stages.verifier.seen == [b"small image 1"]
    assert outcome.image == b"image 1"


def test_a_prompt_comprehend_flags_discards_its_images_unchecked(stages: Stages) -> None:
    stages.toxicity.flagged = True

    outcome = stages.run(a_job())

    assert isinstance(outcome.error, ModerationRejected) and outcome.error.layer == "toxicity"
    assert outcome.image is None
    record = outcome.record
    assert (record.status, record.error and record.error.layer) == ("rejected", "toxicity")
    # The image was made (Comprehend was still reading) and archived, but never looked at or shown.
    assert "generate" in stages.log and "archive r0-a01.png" in stages.log
    assert "moderate image" not in stages.log and "verify" not in stages.log
    assert [a.outcome for a in record.attempts] == ["blocked"]
    assert record.refusal_cost is not None
    assert (record.refusal_cost.layer, record.refusal_cost.images) == ("toxicity", 1)
    assert stages.archive.records[record.job_id].refusal_cost == record.refusal_cost


def test_comprehend_unreachable_still_stops_the_job(stages: Stages) -> None:
    stages.toxicity.down = True

    outcome = stages.run(a_job())

    assert isinstance(outcome.error, TextModerationUnavailable)
    assert outcome.image is None
    assert "verify" not in stages.log
    assert [a.outcome for a in outcome.record.attempts] == ["blocked"]


def test_rekognition_unreachable_stops_the_post_even_when_the_verifier_passed(stages: Stages) -> None:
    stages.moderator.down = True

    outcome = stages.run(a_job())

    assert "verify" in stages.log  # it ran alongside, and its answer counts for nothing
    assert isinstance(outcome.error, ModerationUnavailable)
    assert (outcome.image, outcome.record.status) == (None, "failed")
    assert [a.outcome for a in outcome.record.attempts] == ["pending"]


def test_rejected_candidates_are_read_back_from_the_archive_only_when_one_is_posted() -> None:
    stages = Stages(verdicts=[verdict(score, missed=["snow"]) for score in (40, 70, 55, 60)])
    try:
        outcome = stages.run(a_job())
    finally:
        stages.pipeline.close()

    # Rejected images were not kept in memory: the best of them comes back from the archive.
    assert stages.log[-1] == "read r0-a02.png"
    assert (outcome.image, outcome.record.status) == (b"image 2", "best_effort")


def test_where_images_rarely_pass_a_round_makes_more_candidates() -> None:
    stages = Stages(config=PipelineConfig(max_attempts=2, max_rewrites=1, candidates=2, adaptive=True))
    try:
        for _ in range(10):
            stages.pipeline.odds.note(None, stages.model.model_id, "rejected_by_verifier")

        outcome = stages.run(a_job())
    finally:
        stages.pipeline.close()

    # Ten misses in a row: the five candidates the most a round makes, all for the first prompt.
    assert stages.log.count("generate") == 5
    assert {a.revision for a in outcome.record.attempts} == {0}
