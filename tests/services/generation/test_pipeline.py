"""The pipeline (services/generation/pipeline.py) with in-memory stages: no servers, no threads to wait on.

Every fake writes what it was asked into one shared log, so the tests read the order of the
stages, the retry-then-rewrite loop and what a resumed job skips straight from it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from services.core.job import Check, Checkpoint, GenerationOptions, Job, JobRecord, Verdict
from services.generation import JobOutcome, ModelCatalogue, Pipeline, PipelineConfig, Progress
from services.generation.bedrock import Usage
from services.generation.image_models import (
    Capabilities,
    GeneratedImage,
    GenerationRequest,
    VariationRequest,
)
from services.generation.prompting import PromptBuilder
from services.generation.translation import Translation
from services.moderation.image import ImageVerdict
from services.moderation.ml import TextVerdict
from services.moderation.rules import RuleMatch

REQUEST = "雪の中の赤いキツネ"
ENGLISH = "a red fox in the snow"
REWRITTEN = "a bright red fox standing in deep white snow"
REQUIREMENTS = ("a red fox", "snow")


class Log(list[str]):
    """What the fakes were asked, in order."""


class FakeRules:
    def __init__(self, log: Log, banned: str | None = None) -> None:
        self.log, self.banned = log, banned

    def find(self, text: str) -> RuleMatch | None:
        self.log.append(f"rules: {text}")
        if self.banned and self.banned in text:
            return RuleMatch(term=self.banned, category="violence")
        return None


class FakeGuardrail:
    def __init__(self, log: Log) -> None:
        self.log = log

    def check_text(self, text: str) -> TextVerdict:
        self.log.append("guardrail")
        return TextVerdict(flagged=False, layer="guardrail")


class FakeToxicity:
    def __init__(self, log: Log) -> None:
        self.log = log

    def check(self, text: str) -> TextVerdict:
        self.log.append("toxicity")
        return TextVerdict(flagged=False)


class FakeTranslator:
    model_id = "text-model"

    def __init__(self, log: Log) -> None:
        self.log = log

    def translate(self, text: str, exclude: str | None = None) -> Translation:
        self.log.append("translate")
        return Translation(english=ENGLISH, translated=True, usage=Usage(30, 20), requirements=REQUIREMENTS)

    def refine(
        self, request: str, current_prompt: str, change: str, exclude: str | None = None
    ) -> Translation:
        raise AssertionError("no refinement in these tests")

    def negative_terms(self, exclude: str) -> tuple[list[str], Usage]:
        raise AssertionError("no exclusions in these tests")


class FakeImageModel:
    model_id = "fake-image-model"
    capabilities = Capabilities(family="fake", seed_max=1_000_000, max_prompt_chars=500)

    def __init__(self, log: Log) -> None:
        self.log = log
        self.prompts: list[str] = []
        self._made = itertools.count(1)

    def validate_size(self, width: int, height: int) -> None:
        pass

    def generate(self, request: GenerationRequest) -> list[GeneratedImage]:
        self.log.append("generate")
        self.prompts.append(request.prompt)
        return [GeneratedImage(data=f"image {next(self._made)}".encode(), seed=request.seed)]

    def vary(self, request: VariationRequest) -> list[GeneratedImage]:
        raise AssertionError("no variations in these tests")


class FakeModerator:
    def __init__(self, log: Log) -> None:
        self.log = log

    def check(self, image: bytes) -> ImageVerdict:
        self.log.append("moderate image")
        return ImageVerdict(labels=[])


def verdict(score: int, *, missed: Sequence[str] = ()) -> Verdict:
    checks = [Check(requirement=item, met=item not in missed) for item in REQUIREMENTS]
    reason = "the fox is there but the snow is not" if missed else "matches"
    return Verdict(matches=not missed, reason=reason, score=score, checks=checks)


class FakeVerifier:
    """Answers with ``verdicts`` in turn, then accepts everything."""

    model_id = "vision-model"

    def __init__(self, log: Log, verdicts: Sequence[Verdict] = ()) -> None:
        self.log = log
        self.verdicts = list(verdicts)
        self.rewrites: list[tuple[str, list[str]]] = []

    def verify(
        self, image: bytes, request_text: str, english_prompt: str, requirements: Sequence[str] = ()
    ) -> tuple[Verdict, Usage]:
        self.log.append("verify")
        return (self.verdicts.pop(0) if self.verdicts else verdict(90)), Usage(100, 40)

    def rewrite(self, request_text: str, prompt: str, failures: Sequence[str]) -> tuple[str, Usage]:
        self.log.append("rewrite")
        self.rewrites.append((prompt, list(failures)))
        return REWRITTEN, Usage(50, 30)


class FakeArchive:
    def __init__(self, log: Log) -> None:
        self.log = log
        self.images: dict[str, bytes] = {}
        self.records: dict[str, JobRecord] = {}

    def put_image(self, job_id: str, name: str, data: bytes) -> str:
        self.log.append(f"archive {name}")
        key = f"{job_id}/{name}"
        self.images[key] = data
        return key

    def get_image(self, key: str) -> bytes | None:
        self.log.append(f"read {key.rsplit('/', 1)[-1]}")
        return self.images.get(key)

    def put_record(self, record: JobRecord) -> str:
        self.records[record.job_id] = record.model_copy(deep=True)
        return record.job_id

    def get_record(self, job_id: str) -> JobRecord | None:
        return self.records.get(job_id)


class Stages:
    """One set of fakes and the pipeline wired to them."""

    def __init__(self, *, verdicts: Sequence[Verdict] = (), banned: str | None = None) -> None:
        self.log = Log()
        self.model = FakeImageModel(self.log)
        self.verifier = FakeVerifier(self.log, verdicts)
        self.archive = FakeArchive(self.log)
        self.progress: list[Progress] = []
        self.checkpoints: list[Checkpoint] = []
        ticks = itertools.count()
        self.pipeline = Pipeline(
            rules=FakeRules(self.log, banned),
            translator=FakeTranslator(self.log),
            prompts=PromptBuilder("{prompt}", []),
            catalogue=ModelCatalogue(self.model, {"fake": self.model}),
            moderator=FakeModerator(self.log),
            verifier=self.verifier,
            archive=self.archive,
            config=PipelineConfig(max_attempts=2, max_rewrites=1),
            toxicity=FakeToxicity(self.log),
            guardrail=FakeGuardrail(self.log),
            executor=ThreadPoolExecutor(max_workers=2),
            clock=lambda: float(next(ticks)),
        )

    def run(self, job: Job, resume: Checkpoint | None = None) -> JobOutcome:
        return self.pipeline.run(job, self.progress.append, resume=resume, checkpoint=self.checkpoints.append)

    def checkpoint(self, stage: str) -> Checkpoint:
        return next(point for point in self.checkpoints if point.stage == stage)


@pytest.fixture
def stages() -> Iterator[Stages]:
    made = Stages()
    yield made
    made.pipeline.close()


def a_job(**options: object) -> Job:
    return Job(text=REQUEST, options=GenerationOptions.model_validate(options))


# --- the order of stages ------------------------------------------------------------------------


def test_each_stage_runs_once_in_order_when_the_first_image_matches(stages: Stages) -> None:
    outcome = stages.run(a_job(seed=42))

    assert stages.log == [
        f"rules: {REQUEST}",
        "guardrail",
        "translate",
        f"rules: {ENGLISH}",
        "toxicity",
        "generate",
        "archive r0-a01.png",
        "moderate image",
        "verify",
    ]
    assert [step.stage for step in stages.progress] == [
        "moderation",
        "translation",
        "generation",
        "safety",
        "verification",
    ]
    assert [point.stage for point in stages.checkpoints] == ["translated", "generated"]
    record = outcome.record
    assert (outcome.image, outcome.error, record.status) == (b"image 1", None, "accepted")
    assert [call.kind for call in record.calls] == [
        "guardrail",
        "translate",
        "toxicity",
        "image",
        "image_moderation",
        "verify",
    ]
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
    assert outcome.record.moderation[-1].layer == "rules_rewrite"

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

    assert stages.log == ["generate", "archive r0-a01.png", "moderate image", "verify"]
    assert outcome.record.status == "accepted"
    assert outcome.record.english_prompt == ENGLISH
    # The calls made before the interruption stay on the bill.
    assert [call.kind for call in outcome.record.calls] == [
        "guardrail",
        "translate",
        "toxicity",
        "image",
        "image_moderation",
        "verify",
    ]


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

    assert stages.log == ["read r0-a01.png", "generate", "archive r0-a01.png", "moderate image", "verify"]
    assert (outcome.image, outcome.record.status) == (b"image 2", "accepted")
