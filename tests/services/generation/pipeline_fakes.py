"""In-memory stages for the pipeline's unit tests: every fake writes what it was asked into one log.

Calls that should run alongside each other can be given one ``threading.Barrier``: if the
pipeline ran them one after the other, the first would wait in vain and break it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from services.core.edits import EditPlan, EditSpec
from services.core.errors import ModerationUnavailable
from services.core.job import Attempt, Check, Checkpoint, GenerationOptions, Job, JobRecord, Verdict
from services.generation import JobOutcome, ModelCatalogue, Pipeline, PipelineConfig, Progress, ProgressFn
from services.generation.bedrock import Usage
from services.generation.image_models import (
    Capabilities,
    GeneratedImage,
    GenerationRequest,
    VariationRequest,
)
from services.generation.ledger import Ledger
from services.generation.prompting import PromptBuilder
from services.generation.stages import Best
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


def meet(barrier: threading.Barrier | None) -> None:
    """Wait for the call that should be running alongside; BrokenBarrierError if it never comes."""
    if barrier is not None:
        barrier.wait()


def both_before(log: Log, first: set[str], then: str) -> bool:
    """Every entry of ``first`` is logged before ``then``."""
    return all(log.index(entry) < log.index(then) for entry in first)


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
    def __init__(self, log: Log, flagged: bool = False, down: bool = False) -> None:
        self.log, self.flagged, self.down = log, flagged, down
        self.barrier: threading.Barrier | None = None

    def check(self, text: str) -> TextVerdict:
        self.log.append("toxicity")
        meet(self.barrier)
        if self.down:
            raise ModerationUnavailable("comprehend unavailable")
        return TextVerdict(flagged=self.flagged, category="HARASSMENT_OR_ABUSE" if self.flagged else None)


class FakeTranslator:
    model_id = "text-model"

    def __init__(self, log: Log) -> None:
        self.log = log
        # What refine answers (None: refinements are not expected), and the ``local`` it was given.
        self.refined: Translation | None = None
        self.local: list[frozenset[str]] = []

    def translate(self, text: str, exclude: str | None = None, *, photo: bool = False) -> Translation:
        self.log.append("translate")
        return Translation(english=ENGLISH, translated=True, usage=Usage(30, 20), requirements=REQUIREMENTS)

    def refine(
        self,
        request: str,
        current_prompt: str,
        change: str,
        exclude: str | None = None,
        local: frozenset[str] = frozenset(),
    ) -> Translation:
        if self.refined is None:
            raise AssertionError("no refinement in these tests")
        self.log.append(f"refine: {change}")
        self.local.append(local)
        return self.refined

    def negative_terms(self, exclude: str) -> tuple[list[str], Usage]:
        raise AssertionError("no exclusions in these tests")


class FakeImageModel:
    model_id = "fake-image-model"
    capabilities = Capabilities(family="fake", seed_max=1_000_000, max_prompt_chars=500)

    def __init__(self, log: Log) -> None:
        self.log = log
        self.prompts: list[str] = []
        self._made = itertools.count(1)
        self.barrier: threading.Barrier | None = None

    def validate_size(self, width: int, height: int) -> None:
        pass

    def generate(self, request: GenerationRequest) -> list[GeneratedImage]:
        self.log.append("generate")
        self.prompts.append(request.prompt)
        made = next(self._made)
        meet(self.barrier)
        return [GeneratedImage(data=f"image {made}".encode(), seed=request.seed)]

    def vary(self, request: VariationRequest) -> list[GeneratedImage]:
        raise AssertionError("no variations in these tests")


class FakeModerator:
    def __init__(self, log: Log) -> None:
        self.log = log
        self.seen: list[bytes] = []
        self.barrier: threading.Barrier | None = None
        self.down = False

    def check(self, image: bytes) -> ImageVerdict:
        self.log.append("moderate image")
        self.seen.append(image)
        meet(self.barrier)
        if self.down:
            raise ModerationUnavailable("rekognition unavailable")
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
        self.seen: list[bytes] = []
        self.barrier: threading.Barrier | None = None
        self._lock = threading.Lock()

    def verify(
        self, image: bytes, request_text: str, english_prompt: str, requirements: Sequence[str] = ()
    ) -> tuple[Verdict, Usage]:
        self.log.append("verify")
        self.seen.append(image)
        meet(self.barrier)
        with self._lock:
            answer = self.verdicts.pop(0) if self.verdicts else verdict(90)
        return answer, Usage(100, 40)

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


class FakeLocalEdits:
    """The Editor's side of a thread mention: which region edits it offers, and the plans it was handed."""

    def __init__(self, log: Log, operations: frozenset[str]) -> None:
        self.log = log
        self.operations = operations
        self.planned: list[tuple[EditPlan, Ledger]] = []

    def region_operations(self, job: Job) -> frozenset[str]:
        self.log.append("region operations")
        return self.operations

    def edit_planned(self, job: Job, plan: EditPlan, ledger: Ledger, report: ProgressFn) -> Best:
        self.log.append(f"edit: {plan.english()}")
        self.planned.append((plan, ledger))
        ledger.record.routed = "local_edit"
        ledger.record.edit = EditSpec(action="edit", instruction=job.instruction)
        attempt = Attempt(
            index=1, revision=0, prompt=plan.english(), seed=5, cfg_scale=None, outcome="unverified",
            image_key="edited.png", policy_action="post",
        )  # fmt: skip
        ledger.add_attempts([attempt])
        return Best(attempt, b"edited image", 50)


class Stages:
    """One set of fakes and the pipeline wired to them."""

    def __init__(
        self,
        *,
        verdicts: Sequence[Verdict] = (),
        banned: str | None = None,
        config: PipelineConfig | None = None,
        local: frozenset[str] | None = None,
    ) -> None:
        self.log = Log()
        self.translator = FakeTranslator(self.log)
        # None: no Editor wired (the CLI); a set: the region edits the posted image allows.
        self.local = FakeLocalEdits(self.log, local) if local is not None else None
        self.model = FakeImageModel(self.log)
        self.verifier = FakeVerifier(self.log, verdicts)
        self.moderator = FakeModerator(self.log)
        self.toxicity = FakeToxicity(self.log)
        self.archive = FakeArchive(self.log)
        self.progress: list[Progress] = []
        self.checkpoints: list[Checkpoint] = []
        ticks = itertools.count()
        self.pipeline = Pipeline(
            rules=FakeRules(self.log, banned),
            translator=self.translator,
            prompts=PromptBuilder("{prompt}", []),
            catalogue=ModelCatalogue(self.model, {"fake": self.model}),
            moderator=self.moderator,
            verifier=self.verifier,
            archive=self.archive,
            config=config or PipelineConfig(max_attempts=2, max_rewrites=1),
            toxicity=self.toxicity,
            guardrail=FakeGuardrail(self.log),
            executor=ThreadPoolExecutor(max_workers=2),
            # Moderation and verification read a marked copy, so the tests see which one they got.
            shrink=lambda data: b"small " + data,
            clock=lambda: float(next(ticks)),
            local_edits=self.local,
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
