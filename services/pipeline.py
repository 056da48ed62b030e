"""The pipeline: moderate → translate → generate → moderate image → verify → retry/rewrite.

``Pipeline.run`` never raises: every outcome, including failures, comes back as a
``JobOutcome`` whose record has already been archived together with every image.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.archive import Archive, image_name
from services.errors import (
    BotError,
    ContentFiltered,
    InputRejected,
    InvalidModelAnswer,
    ModelUnavailable,
    ModerationRejected,
    NoSafeImage,
)
from services.image_models import GenerationRequest, ImageModel
from services.image_moderation import ImageModerator
from services.models import Attempt, ErrorInfo, Job, JobRecord
from services.prompting import BuiltPrompt, PromptBuilder
from services.text_moderation import TextRules
from services.translation import Translator
from services.verification import Verifier

logger = logging.getLogger(__name__)

UNSAFE_REASON = "安全確認で不適切な要素が検出されました"
FILTERED_REASON = "画像モデルの安全フィルターで出力が止められました"


@dataclass(frozen=True)
class PipelineConfig:
    """Retry budget and defaults of the pipeline."""

    max_attempts: int = 3
    max_rewrites: int = 2
    default_cfg_scale: float | None = None
    width: int = 1024
    height: int = 1024


@dataclass(frozen=True)
class Progress:
    """A stage the job has reached; ``attempt``/``total`` count images."""

    stage: str
    attempt: int = 0
    total: int = 0


ProgressFn = Callable[[Progress], None]


@dataclass
class JobOutcome:
    """What a job produced: its record, and the image to post if there is one."""

    record: JobRecord
    image: bytes | None = None
    error: BotError | None = None

    @property
    def unverified(self) -> bool:
        """True when the posted image could not be checked against the request."""
        chosen = self.record.chosen()
        return chosen is not None and chosen.outcome == "unverified"


@dataclass
class _Best:
    attempt: Attempt
    data: bytes
    score: int


@dataclass
class _Search:
    """Where the attempt loop stands."""

    total: int
    index: int = 0
    filtered: int = 0
    unsafe: int = 0
    failures: list[str] = field(default_factory=list)
    best: _Best | None = None


class Pipeline:
    """Runs one job from text to a checked image."""

    def __init__(
        self,
        *,
        rules: TextRules,
        translator: Translator,
        prompts: PromptBuilder,
        model: ImageModel,
        moderator: ImageModerator,
        verifier: Verifier,
        archive: Archive,
        config: PipelineConfig,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rules = rules
        self._translator = translator
        self._prompts = prompts
        self.model = model
        self._moderator = moderator
        self._verifier = verifier
        self._archive = archive
        self.config = config
        self._clock = clock

    def resolve_cfg(self, requested: float | None) -> float | None:
        """The cfg scale to use: requested, configured or the model's default, clamped."""
        caps = self.model.capabilities
        if not caps.has_cfg:
            return None
        value = requested if requested is not None else self.config.default_cfg_scale
        return caps.clamp_cfg(value if value is not None else caps.cfg_default or caps.cfg_min or 0)

    def run(self, job: Job, progress: ProgressFn | None = None) -> JobOutcome:
        """Run every stage; archive the record and images whatever happens."""
        report = progress or (lambda _: None)
        options = job.options
        record = JobRecord(
            job_id=job.job_id,
            trigger=job.trigger,
            parent_job_id=job.parent_job_id,
            created_at=job.created_at,
            original_text=job.text,
            model_id=self.model.model_id,
            width=options.width or self.config.width,
            height=options.height or self.config.height,
            seed=options.seed,
            cfg_scale=self.resolve_cfg(options.cfg_scale),
            slack=job.slack,
        )
        outcome = JobOutcome(record=record)
        try:
            try:
                self.model.validate_size(record.width, record.height)
            except ValueError as exc:
                raise InputRejected("size_invalid") from exc
            english = self._english_prompt(job, record, report)
            best = self._generate(job, record, english, report)
            outcome.image = best.data
            record.chosen_attempt = best.attempt.index
            record.seed = best.attempt.seed
            record.status = "accepted" if best.attempt.outcome == "accepted" else "best_effort"
        except BotError as exc:
            outcome.error = exc
            record.status = "rejected" if isinstance(exc, ModerationRejected | InputRejected) else "failed"
            record.error = ErrorInfo(
                kind=exc.kind,
                layer=getattr(exc, "layer", None) or getattr(exc, "stage", None),
                category=getattr(exc, "category", None),
            )
            logger.info("job %s: %s (%s)", job.job_id, record.status, exc.kind)
        except Exception as exc:
            logger.exception("job %s: unexpected failure", job.job_id)
            outcome.error = BotError(str(type(exc).__name__))
            record.status = "failed"
            record.error = ErrorInfo(kind="internal_error")
        finally:
            record.finished_at = datetime.now(UTC)
            self.save_record(record)
        return outcome

    def save_record(self, record: JobRecord) -> None:
        """Archive the record; a failure is logged, never raised into the user's path."""
        try:
            self._archive.put_record(record)
        except Exception:
            logger.exception("job %s: could not archive the record", record.job_id)

    @contextmanager
    def _timed(self, record: JobRecord, stage: str, attempt: Attempt | None = None) -> Iterator[None]:
        start = self._clock()
        try:
            yield
        finally:
            spent = self._clock() - start
            record.stage_seconds[stage] = round(record.stage_seconds.get(stage, 0.0) + spent, 4)
            if attempt is not None:
                attempt.seconds[stage] = round(spent, 4)

    def _check_rules(self, text: str, layer: str) -> None:
        match = self._rules.find(text)
        if match is not None:
            raise ModerationRejected(layer, match.category)

    def _english_prompt(self, job: Job, record: JobRecord, report: ProgressFn) -> str:
        report(Progress("moderation"))
        with self._timed(record, "moderation"):
            self._check_rules(job.text, "rules")
        if job.english_prompt:
            english = job.english_prompt
        else:
            report(Progress("translation"))
            with self._timed(record, "translation"):
                translation = self._translator.translate(job.text)
            if translation.translated:
                record.translation = translation.english
            if not translation.safe:
                raise ModerationRejected("classifier", translation.category)
            english = translation.english
        with self._timed(record, "moderation"):
            self._check_rules(english, "rules_translation")
        return english

    def _build(self, english: str, record: JobRecord) -> BuiltPrompt:
        caps = self.model.capabilities
        built = self._prompts.build(
            english, max_chars=caps.max_prompt_chars, negative_max_chars=caps.max_negative_chars
        )
        record.english_prompt = english
        record.final_prompt = built.text
        record.negative_prompt = built.negative
        return built

    def _generate(self, job: Job, record: JobRecord, english: str, report: ProgressFn) -> _Best:
        config = self.config
        search = _Search(total=config.max_attempts * (config.max_rewrites + 1))
        for revision in range(config.max_rewrites + 1):
            if revision:
                report(Progress("rewrite", search.index, search.total))
                with self._timed(record, "rewrite"):
                    english, _ = self._verifier.rewrite(job.text, english, search.failures)
                with self._timed(record, "moderation"):
                    self._check_rules(english, "rules_rewrite")
                search.failures = []
            built = self._build(english, record)
            for _ in range(config.max_attempts):
                step = self._attempt(
                    job, record, built=built, english=english, revision=revision, search=search, report=report
                )
                if isinstance(step, _Best):
                    return step
                if step == "rewrite":
                    break
        if search.best is not None:
            return search.best
        if search.filtered and not search.unsafe:
            raise ContentFiltered("every attempt was filtered", stage="output")
        raise NoSafeImage(f"{search.unsafe} unsafe, {search.filtered} filtered")

    def _attempt(
        self,
        job: Job,
        record: JobRecord,
        *,
        built: BuiltPrompt,
        english: str,
        revision: int,
        search: _Search,
        report: ProgressFn,
    ) -> _Best | str:
        """One candidate: generate, archive, moderate, verify. Returns the winner, or what to do next."""
        search.index += 1
        index = search.index
        # The user's seed applies to the first image; retries need fresh seeds.
        seed = self.model.capabilities.resolve_seed(job.options.seed if index == 1 else None)
        attempt = Attempt(
            index=index,
            revision=revision,
            prompt=built.text,
            seed=seed,
            cfg_scale=record.cfg_scale,
            outcome="filtered",
        )
        record.attempts.append(attempt)
        report(Progress("generation", index, search.total))
        request = GenerationRequest(
            prompt=built.text,
            negative_prompt=built.negative,
            seed=seed,
            cfg_scale=record.cfg_scale,
            width=record.width,
            height=record.height,
        )
        try:
            with self._timed(record, "generation", attempt):
                image = self.model.generate(request)[0]
        except ContentFiltered as exc:
            search.filtered += 1
            search.failures.append(FILTERED_REASON)
            # A refused prompt will be refused again: go straight to a rewrite.
            return "rewrite" if exc.stage == "input" else "next"
        with self._timed(record, "archive", attempt):
            attempt.image_key = self._store_image(job.job_id, revision, index, image.data)
        report(Progress("safety", index, search.total))
        with self._timed(record, "image_moderation", attempt):
            check = self._moderator.check(image.data)
        attempt.moderation_labels = check.labels
        if not check.safe:
            attempt.outcome = "unsafe"
            search.unsafe += 1
            search.failures.append(UNSAFE_REASON)
            return "next"
        report(Progress("verification", index, search.total))
        try:
            with self._timed(record, "verification", attempt):
                verdict, _ = self._verifier.verify(image.data, job.text, english)
        except (ModelUnavailable, InvalidModelAnswer) as exc:
            # The image is safe; posting it unverified beats losing the request.
            logger.warning("job %s: verification unavailable: %s", job.job_id, exc)
            attempt.outcome = "unverified"
            return search.best or _Best(attempt, image.data, -1)
        attempt.verdict = verdict
        if verdict.matches:
            attempt.outcome = "accepted"
            return _Best(attempt, image.data, verdict.score)
        attempt.outcome = "rejected_by_verifier"
        search.failures.append(verdict.reason)
        if search.best is None or verdict.score > search.best.score:
            search.best = _Best(attempt, image.data, verdict.score)
        return "next"

    def _store_image(self, job_id: str, revision: int, index: int, data: bytes) -> str | None:
        try:
            return self._archive.put_image(job_id, image_name(revision, index), data)
        except Exception:
            logger.exception("job %s: could not archive image %d", job_id, index)
            return None
