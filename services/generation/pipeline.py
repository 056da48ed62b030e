"""The pipeline: moderate → translate → generate → moderate image → verify → retry/rewrite.

``Pipeline.run`` never raises: every outcome, including failures, comes back as a
``JobOutcome`` whose record has already been archived together with every image.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from services.core.errors import (
    BotError,
    ContentFiltered,
    InputRejected,
    InvalidModelAnswer,
    ModelUnavailable,
    ModerationRejected,
    ModerationUnavailable,
    NoSafeImage,
    TextModerationUnavailable,
)
from services.core.job import (
    SAFE_OUTCOMES,
    Attempt,
    CallKind,
    Checkpoint,
    ErrorInfo,
    Job,
    JobRecord,
    ModelCall,
    ModerationDecision,
)
from services.generation.bedrock import Usage
from services.generation.catalogue import ModelCatalogue
from services.generation.costs import CostTable
from services.generation.image_models import GeneratedImage, GenerationRequest, ImageModel, VariationRequest
from services.generation.presets import PRESETS, fit_to_preset, get_style
from services.generation.prompting import BuiltPrompt, PromptBuilder
from services.generation.translation import JAPANESE as _JAPANESE
from services.generation.translation import Translator
from services.generation.verification import Verifier
from services.moderation.image import ImageModerator
from services.moderation.ml import GuardrailChecker, TextVerdict, ToxicityChecker
from services.moderation.policy import blur
from services.moderation.rules import TextRules
from services.storage.archive import Archive, image_name, save_keeping_user_fields

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
    candidates: int = 1
    # 🎨 バリエーション: how close to stay to the source (higher keeps more), clamped per model.
    variation_strength: float = 0.7


@dataclass(frozen=True)
class Progress:
    """A stage the job has reached; ``attempt``/``total`` count images."""

    stage: str
    attempt: int = 0
    total: int = 0


ProgressFn = Callable[[Progress], None]
# Called with a snapshot of the record after each completed stage (services.job_store keeps it).
CheckpointFn = Callable[[Checkpoint], None]


@dataclass
class JobOutcome:
    """What a job produced: its record, and the image to post if there is one."""

    record: JobRecord
    image: bytes | None = None
    error: BotError | None = None
    blurred: list[str] = field(default_factory=list)

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


@dataclass(frozen=True)
class _Run:
    """What every stage of one job needs to hand on."""

    job: Job
    record: JobRecord
    english: str
    report: ProgressFn
    model: ImageModel
    source: bytes | None = None  # the image a variation starts from


@dataclass
class _Candidate:
    """What one candidate came to."""

    attempt: Attempt
    data: bytes | None = None
    score: int = -1
    filtered: str | None = None  # "input" or "output" when the model's filter refused it


@dataclass
class _Search:
    """Where the attempt loop stands."""

    index: int = 0
    filtered: int = 0
    unsafe: int = 0
    failures: list[str] = field(default_factory=list)
    best: _Best | None = None

    def absorb(self, result: _Candidate) -> None:
        """Count a finished candidate and keep the best safe one."""
        attempt = result.attempt
        if attempt.outcome == "filtered":
            self.filtered += 1
            self.failures.append(FILTERED_REASON)
        elif attempt.outcome == "unsafe":
            self.unsafe += 1
            self.failures.append(UNSAFE_REASON)
        elif attempt.outcome == "rejected_by_verifier" and attempt.verdict is not None:
            missed = [check.requirement for check in attempt.verdict.checks if not check.met]
            reason = attempt.verdict.reason
            # A rewrite should target exactly the failed checklist items.
            self.failures.append(f"{reason}（未達: {'、'.join(missed)}）" if missed else reason)
        better = self.best is None or result.score > self.best.score
        if result.data is not None and attempt.outcome != "accepted" and better:
            self.best = _Best(attempt, result.data, result.score)


class Pipeline:
    """Runs one job from text to a checked image."""

    def __init__(
        self,
        *,
        rules: TextRules,
        translator: Translator,
        prompts: PromptBuilder,
        catalogue: ModelCatalogue,
        moderator: ImageModerator,
        verifier: Verifier,
        archive: Archive,
        config: PipelineConfig,
        toxicity: ToxicityChecker | None = None,
        guardrail: GuardrailChecker | None = None,
        executor: Executor | None = None,
        model_slots: threading.Semaphore | None = None,
        costs: CostTable | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rules = rules
        self._translator = translator
        self._prompts = prompts
        self.catalogue = catalogue
        self._moderator = moderator
        self._toxicity = toxicity
        self._guardrail = guardrail
        self._verifier = verifier
        self._archive = archive
        self.config = config
        self._clock = clock
        # Candidate checks of parallel rounds; shared by all jobs and bounded.
        self._executor = executor or ThreadPoolExecutor(max_workers=8, thread_name_prefix="candidate")
        self._slots = model_slots
        self._inflight: set[Future[Any]] = set()
        self._costs = costs or CostTable()
        self._lock = threading.Lock()

    def candidates_for(self, job: Job) -> int:
        """Images per round for ``job``: its --n, else CANDIDATES."""
        return job.options.candidates or self.config.candidates

    def resolve_cfg(self, requested: float | None, model: ImageModel | None = None) -> float | None:
        """The cfg scale to use: requested, configured or the model's default, clamped."""
        caps = (model or self.catalogue.default).capabilities
        if not caps.has_cfg:
            return None
        value = requested if requested is not None else self.config.default_cfg_scale
        return caps.clamp_cfg(value if value is not None else caps.cfg_default or caps.cfg_min or 0)

    def run(
        self,
        job: Job,
        progress: ProgressFn | None = None,
        *,
        resume: Checkpoint | None = None,
        checkpoint: CheckpointFn | None = None,
    ) -> JobOutcome:
        """Run every stage; archive the record and images whatever happens.

        ``resume`` is where an interrupted run of the same job got to: the job starts after it.
        ``checkpoint`` hears of each stage this run completes.
        """
        report = progress or (lambda _: None)
        options = job.options
        model = self.catalogue.model_for(options.model)
        record = self._resumed_record(resume) if resume is not None else None
        record = record or JobRecord(
            job_id=job.job_id,
            trigger=job.trigger,
            parent_job_id=job.parent_job_id,
            created_at=job.created_at,
            started_at=datetime.now(UTC),
            original_text=job.text,
            model_id=model.model_id,
            model_alias=self.catalogue.alias_of(model),
            style=options.style,
            preset=options.preset,
            user_negative=options.negative,
            negative_terms=list(job.negative_terms),
            source_image_key=job.source_image_key,
            instruction=job.instruction,
            width=options.width or self.config.width,
            height=options.height or self.config.height,
            seed=options.seed,
            cfg_scale=self.resolve_cfg(options.cfg_scale, model),
            slack=job.slack,
            lang=job.lang,
        )
        outcome = JobOutcome(record=record)
        try:
            try:
                model.validate_size(record.width, record.height)
            except ValueError as exc:
                raise InputRejected("size_invalid") from exc
            best = self._best(
                _Run(job, record, "", report, model), resumed=resume is not None, checkpoint=checkpoint
            )
            outcome.image = best.data
            if best.attempt.policy_action == "blur":
                outcome.image = blur(best.data)
                outcome.blurred = best.attempt.policy_categories
                self._store_image(
                    job.job_id, best.attempt.revision, best.attempt.index, outcome.image, "-blurred"
                )
            preset = PRESETS.get(options.preset or "")
            if preset is not None and outcome.image is not None:
                # --preset promises an exact size; the model made the nearest one it can.
                outcome.image = fit_to_preset(outcome.image, preset)
            record.chosen_attempt = best.attempt.index
            record.seed = best.attempt.seed
            record.status = "accepted" if best.attempt.outcome == "accepted" else "best_effort"
            self._checkpoint(checkpoint, "generated", record)
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
            record.estimated_cost_usd = self._costs.estimate(record.calls)
            self.save_record(record)
        return outcome

    def _best(self, run: _Run, *, resumed: bool, checkpoint: CheckpointFn | None) -> _Best:
        """The image to post: picked, kept from before an interruption, or made now."""
        job, record = run.job, run.record
        if job.trigger == "pick":
            return self._adopt(job, record)
        best = self._generated_before(record) if resumed else None
        if best is not None:
            return best
        source = self._source(job, run.model)
        if resumed and record.english_prompt:
            english = record.english_prompt  # moderated and translated before the interruption
        else:
            english = self._english_prompt(job, record, run.report)
            record.english_prompt = english
            self._checkpoint(checkpoint, "translated", record)
        return self._generate(replace(run, english=english, source=source))

    def _resumed_record(self, resume: Checkpoint) -> JobRecord:
        """The record of an interrupted run, ready to go on from its checkpoint."""
        record = resume.record.model_copy(deep=True)
        record.started_at = datetime.now(UTC)
        record.finished_at = None
        record.error = None
        if resume.stage == "translated":
            record.attempts, record.chosen_attempt, record.status = [], None, "failed"
        return record

    def _generated_before(self, record: JobRecord) -> _Best | None:
        """The image an interrupted run had already chosen and archived, if it can still be read."""
        attempt = record.chosen()
        data = None
        if attempt is not None and attempt.image_key is not None:
            try:
                data = self._archive.get_image(attempt.image_key)
            except Exception:
                logger.exception("job %s: the chosen image cannot be read back", record.job_id)
        if attempt is None or data is None:
            # Generate again from the English prompt; the earlier calls stay on the bill.
            record.attempts, record.chosen_attempt, record.status = [], None, "failed"
            return None
        logger.info("job %s: resumed with the image chosen before the interruption", record.job_id)
        return _Best(attempt, data, attempt.verdict.score if attempt.verdict else -1)

    def _checkpoint(self, checkpoint: CheckpointFn | None, stage: str, record: JobRecord) -> None:
        """Hand a snapshot of the record on; a failure only costs the resume its head start."""
        if checkpoint is None:
            return
        try:
            with self._lock:  # candidate threads append to the record under this lock
                # JSON and back: a third of a deep copy's cost, on the job thread, during a burst.
                snapshot = record.model_dump_json()
            checkpoint(
                Checkpoint.model_validate({"stage": stage, "record": JobRecord.model_validate_json(snapshot)})
            )
        except Exception:
            logger.exception("job %s: could not record the %s checkpoint", record.job_id, stage)

    def save_record(self, record: JobRecord) -> None:
        """Archive the record; a failure is logged, never raised into the user's path."""
        try:
            save_keeping_user_fields(self._archive, record)
        except Exception:
            logger.exception("job %s: could not archive the record", record.job_id)

    @contextmanager
    def _timed(self, record: JobRecord, stage: str, attempt: Attempt | None = None) -> Iterator[None]:
        start = self._clock()
        try:
            yield
        finally:
            spent = self._clock() - start
            with self._lock:
                record.stage_seconds[stage] = round(record.stage_seconds.get(stage, 0.0) + spent, 4)
            if attempt is not None:
                attempt.seconds[stage] = round(spent, 4)
            # At DEBUG only: the job's summary line carries every stage's total (services/jobs.py).
            logger.debug(
                "job %s: %s took %.0f ms",
                record.job_id,
                stage,
                spent * 1000,
                # job_id too: candidates run on shared threads that know no job of their own.
                extra={"job_id": record.job_id, "stage": stage, "duration_ms": round(spent * 1000)},
            )

    def _check_rules(self, text: str, layer: str, record: JobRecord) -> None:
        match = self._rules.find(text)
        self._decide(record, layer, match is not None, match.category if match else None)

    def _adopt(self, job: Job, record: JobRecord) -> _Best:
        """A candidate picked from 候補を見る: the parent's archived image, posted as this job's result."""
        parent = self._archive.get_record(job.parent_job_id) if job.parent_job_id else None
        attempt = parent.attempt(job.source_attempt) if parent else None
        if parent is None or attempt is None or attempt.image_key is None:
            raise InputRejected("pick.unavailable")
        if attempt.outcome not in SAFE_OUTCOMES:
            # Unsafe or unfinished candidates are never posted, whoever asks.
            raise InputRejected("pick.unavailable")
        data = self._archive.get_image(attempt.image_key)
        if data is None:
            raise InputRejected("pick.unavailable")
        for name in (
            "translation",
            "english_prompt",
            "final_prompt",
            "negative_prompt",
            "requirements",
            "moderation",
            "model_id",
            "model_alias",
            "style",
            "preset",
            "user_negative",
            "negative_terms",
            "width",
            "height",
        ):
            setattr(record, name, getattr(parent, name))
        record.cfg_scale = attempt.cfg_scale
        record.attempts = [attempt]
        return _Best(attempt, data, attempt.verdict.score if attempt.verdict else -1)

    def _source(self, job: Job, model: ImageModel) -> bytes | None:
        """The archived image a variation starts from; None for other jobs."""
        if job.source_image_key is None:
            return None
        if not model.capabilities.supports_variation:
            raise InputRejected("variation.unsupported")
        data = self._archive.get_image(job.source_image_key)
        if data is None:
            raise InputRejected("job.not_found")
        return data

    def _bill(
        self,
        record: JobRecord,
        kind: CallKind,
        model_id: str | None,
        usage: Usage | None = None,
        images: int = 0,
    ) -> None:
        call = ModelCall(
            kind=kind,
            model_id=model_id,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            images=images,
        )
        with self._lock:
            record.calls.append(call)

    def _decide(
        self,
        record: JobRecord,
        layer: str,
        flagged: bool,
        category: str | None = None,
        scores: dict[str, float] | None = None,
    ) -> None:
        """Record what a text layer decided; stop the job when it flagged the request."""
        record.moderation.append(
            ModerationDecision(layer=layer, flagged=flagged, category=category, scores=scores or {})
        )
        if flagged:
            raise ModerationRejected(layer, category or "other")

    def _english_prompt(self, job: Job, record: JobRecord, report: ProgressFn) -> str:
        report(Progress("moderation"))
        # A refinement is checked together with the request it changes.
        user_text = f"{job.text}\n{job.instruction}" if job.instruction else job.text
        with self._timed(record, "moderation"):
            self._check_rules(user_text, "rules", record)
            guardrail = self._guardrail
            if guardrail is not None:
                verdict = _fail_closed(lambda: guardrail.check_text(user_text))
                self._bill(record, "guardrail", "guardrail")
                self._decide(record, "guardrail", verdict.flagged, verdict.category)
        record.requirements = list(job.requirements)
        # --no text not yet in English (a new request, or a form that changed it).
        exclude = job.options.negative if job.options.negative and not job.negative_terms else None
        translation = None
        if job.english_prompt and job.instruction:
            report(Progress("translation"))
            with self._timed(record, "translation"), self._model_slot():
                translation = self._translator.refine(job.text, job.english_prompt, job.instruction, exclude)
        elif job.english_prompt:
            english = job.english_prompt
            if exclude:
                with self._timed(record, "translation"), self._model_slot():
                    terms, usage = self._translator.negative_terms(exclude)
                if usage.input_tokens:
                    self._bill(record, "translate", self._translator.model_id, usage)
                record.negative_terms = terms
        else:
            report(Progress("translation"))
            with self._timed(record, "translation"), self._model_slot():
                translation = self._translator.translate(job.text, exclude)
        if translation is not None:
            if translation.translated:
                record.translation = translation.english
                record.requirements = list(translation.requirements) or record.requirements
                self._bill(record, "translate", self._translator.model_id, translation.usage)
                self._decide(record, "classifier", not translation.safe, translation.category)
            if exclude:
                record.negative_terms = list(translation.negative_terms)
            english = translation.english
        with self._timed(record, "moderation"):
            self._check_rules(english, "rules_translation", record)
            toxicity = self._toxicity
            if toxicity is not None:
                # Comprehend reads English only; Japanese proper nouns kept in a prompt are dropped.
                text = _JAPANESE.sub(" ", english)
                verdict = _fail_closed(lambda: toxicity.check(text))
                self._bill(record, "toxicity", "comprehend")
                self._decide(record, "toxicity", verdict.flagged, verdict.category, verdict.scores)
        return english

    def _build(self, english: str, record: JobRecord, model: ImageModel) -> BuiltPrompt:
        caps = model.capabilities
        template, extra = None, list(record.negative_terms)
        if record.style:
            try:
                style = get_style(record.style)
            except ValueError:
                logger.warning("job %s: unknown style %s ignored", record.job_id, record.style)
            else:
                template, extra = style.template, [*extra, *style.negative]
        built = self._prompts.build(
            english,
            max_chars=caps.max_prompt_chars,
            negative_max_chars=caps.max_negative_chars,
            template=template,
            extra_negative=extra,
        )
        record.english_prompt = english
        record.final_prompt = built.text
        record.negative_prompt = built.negative
        return built

    def _generate(self, run: _Run) -> _Best:
        config = self.config
        job, record = run.job, run.record
        search = _Search()
        per_round = self.candidates_for(job)
        for revision in range(config.max_rewrites + 1):
            if revision:
                run.report(Progress("rewrite", search.index, self._total(job)))
                with self._timed(record, "rewrite"), self._model_slot():
                    english, usage = self._verifier.rewrite(job.text, run.english, search.failures)
                self._bill(record, "rewrite", self._verifier.model_id, usage)
                with self._timed(record, "moderation"):
                    self._check_rules(english, "rules_rewrite", record)
                search.failures = []
                run = replace(run, english=english)
            built = self._build(run.english, record, run.model)
            # --n asks for that many images at once, even beyond the usual budget.
            remaining = max(config.max_attempts, per_round)
            while remaining > 0:
                size = min(per_round, remaining)
                remaining -= size
                step = self._round(run, built=built, revision=revision, size=size, search=search)
                if isinstance(step, _Best):
                    return step
                if step == "rewrite":
                    break
        if search.best is not None:
            return search.best
        if search.filtered and not search.unsafe:
            raise ContentFiltered("every attempt was filtered", stage="output")
        raise NoSafeImage(f"{search.unsafe} unsafe, {search.filtered} filtered")

    def _round(
        self, run: _Run, *, built: BuiltPrompt, revision: int, size: int, search: _Search
    ) -> _Best | str:
        """``size`` candidates at once; the first that passes wins and the rest are not awaited."""
        job, record = run.job, run.record
        attempts = []
        for _ in range(size):
            search.index += 1
            # The user's seed applies to the first image; retries need fresh seeds.
            seed = run.model.capabilities.resolve_seed(job.options.seed if search.index == 1 else None)
            attempt = Attempt(
                index=search.index,
                revision=revision,
                prompt=built.text,
                seed=seed,
                cfg_scale=record.cfg_scale,
                outcome="pending",
            )
            attempts.append(attempt)
        with self._lock:
            record.attempts.extend(attempts)
        request = GenerationRequest(
            prompt=built.text,
            negative_prompt=built.negative,
            seed=attempts[0].seed,
            cfg_scale=record.cfg_scale,
            width=record.width,
            height=record.height,
        )
        if size == 1:
            # The sequential loop of seed 003: no thread hand-off on the critical path.
            results: Iterable[_Candidate] = [self._candidate(run, attempts[0], request)]
        else:
            results = self._parallel(run, attempts, request)
        verifier_down = input_filtered = False
        try:
            for result in results:
                search.absorb(result)
                if result.attempt.outcome == "accepted":
                    return _Best(result.attempt, result.data or b"", result.score)
                verifier_down = verifier_down or result.attempt.outcome == "unverified"
                input_filtered = input_filtered or result.filtered == "input"
        finally:
            if isinstance(results, Generator):
                results.close()  # lets the round hand its stragglers over at once
        if verifier_down and search.best is not None:
            # Safe images exist but cannot be checked: post the best rather than keep paying.
            return search.best
        if input_filtered:
            return "rewrite"
        return "next"

    def _parallel(
        self, run: _Run, attempts: list[Attempt], request: GenerationRequest
    ) -> Generator[_Candidate, None, None]:
        """Run candidates concurrently and yield them as they finish."""
        record = run.record
        caps = run.model.capabilities
        if caps.max_images_per_call >= len(attempts):
            # One call returns every candidate of the round (numberOfImages).
            batch = replace(request, count=len(attempts))
            run.report(Progress("generation", attempts[-1].index, self._total(run.job)))
            try:
                with self._timed(record, "generation"), self._model_slot():
                    images = self._make(run, batch)
                self._bill(record, "image", run.model.model_id, images=len(images))
            except ContentFiltered as exc:
                for attempt in attempts:
                    attempt.outcome = "filtered"
                    yield _Candidate(attempt, filtered=exc.stage)
                return
            for attempt, image in zip(attempts, images, strict=False):
                attempt.seed = image.seed
            for attempt in attempts[len(images) :]:
                attempt.outcome = "filtered"
                yield _Candidate(attempt, filtered="output")
            futures = [
                self._executor.submit(self._check, run, attempt, image.data)
                for attempt, image in zip(attempts, images, strict=False)
            ]
        else:
            futures = [
                self._executor.submit(self._candidate, run, attempt, replace(request, seed=attempt.seed))
                for attempt in attempts
            ]
        with self._lock:
            self._inflight.update(futures)
        for future in futures:
            future.add_done_callback(self._forget)
        pending = set(futures)
        try:
            for future in as_completed(futures):
                pending.discard(future)
                yield future.result()
        finally:
            if pending:
                # Stragglers still finish and archive their images; re-save the record then.
                self._resave_when_done(record, pending)

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._inflight.discard(future)

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until candidates left running by finished jobs are done; False on timeout."""
        with self._lock:
            pending = list(self._inflight)
        _, not_done = wait(pending, timeout)
        return not not_done

    def close(self) -> None:
        """Let running candidates finish (they archive and re-save records), then stop."""
        self.drain()
        self._executor.shutdown(wait=True)

    def _resave_when_done(self, record: JobRecord, pending: set[Future[_Candidate]]) -> None:
        """Re-save the record once the stragglers are done; drain() waits for this too."""

        def finish() -> None:
            wait(pending)
            # The stragglers' calls were billed after the job's estimate was made.
            record.estimated_cost_usd = self._costs.estimate(record.calls)
            self.save_record(record)

        # The stragglers were queued before this task, so it never waits on work behind it.
        finisher = self._executor.submit(finish)
        with self._lock:
            self._inflight.add(finisher)
        finisher.add_done_callback(self._forget)

    def _candidate(self, run: _Run, attempt: Attempt, request: GenerationRequest) -> _Candidate:
        """Generate one image, then check it."""
        record = run.record
        run.report(Progress("generation", attempt.index, self._total(run.job)))
        try:
            with self._timed(record, "generation", attempt), self._model_slot():
                image = self._make(run, request)[0]
            self._bill(record, "image", run.model.model_id, images=1)
        except ContentFiltered as exc:
            attempt.outcome = "filtered"
            return _Candidate(attempt, filtered=exc.stage)
        attempt.seed = image.seed
        return self._check(run, attempt, image.data)

    def _check(self, run: _Run, attempt: Attempt, data: bytes) -> _Candidate:
        """Archive, moderate and verify one image."""
        job, record, report = run.job, run.record, run.report
        with self._timed(record, "archive", attempt):
            attempt.image_key = self._store_image(job.job_id, attempt.revision, attempt.index, data)
        report(Progress("safety", attempt.index, self._total(job)))
        with self._timed(record, "image_moderation", attempt):
            check = self._moderator.check(data)
        self._bill(record, "image_moderation", "rekognition", images=1)
        attempt.moderation_labels = check.labels
        attempt.policy_action = check.action
        attempt.policy_categories = check.categories
        if not check.safe:
            attempt.outcome = "unsafe"
            return _Candidate(attempt)
        report(Progress("verification", attempt.index, self._total(job)))
        try:
            with self._timed(record, "verification", attempt), self._model_slot():
                verdict, usage = self._verifier.verify(data, job.text, run.english, record.requirements)
            self._bill(record, "verify", self._verifier.model_id, usage)
        except (ModelUnavailable, InvalidModelAnswer) as exc:
            # The image is safe; posting it unverified beats losing the request.
            logger.warning("job %s: verification unavailable: %s", job.job_id, exc)
            attempt.outcome = "unverified"
            return _Candidate(attempt, data=data, score=-1)
        attempt.verdict = verdict
        attempt.outcome = "accepted" if verdict.matches else "rejected_by_verifier"
        return _Candidate(attempt, data=data, score=verdict.score)

    def _total(self, job: Job) -> int:
        per_round = self.candidates_for(job)
        return max(self.config.max_attempts, per_round) * (self.config.max_rewrites + 1)

    def _make(self, run: _Run, request: GenerationRequest) -> list[GeneratedImage]:
        """Generate from the prompt, or from the source image for a variation."""
        if run.source is None:
            return run.model.generate(request)
        caps = run.model.capabilities
        variation = VariationRequest(
            prompt=request.prompt,
            negative_prompt=request.negative_prompt,
            seed=request.seed,
            cfg_scale=request.cfg_scale,
            width=request.width,
            height=request.height,
            source=run.source,
            strength=caps.clamp_strength(self.config.variation_strength),
            count=request.count,
        )
        return run.model.vary(variation)

    @contextmanager
    def _model_slot(self) -> Iterator[None]:
        """Hold one of the process-wide model-call slots (MODEL_CONCURRENCY)."""
        if self._slots is None:
            yield
            return
        with self._slots:
            yield

    def _store_image(
        self, job_id: str, revision: int, index: int, data: bytes, suffix: str = ""
    ) -> str | None:
        try:
            return self._archive.put_image(job_id, image_name(revision, index, suffix), data)
        except Exception:
            logger.exception("job %s: could not archive image %d", job_id, index)
            return None


def _fail_closed(check: Callable[[], TextVerdict]) -> TextVerdict:
    """Run a text moderation layer; if it cannot answer, the request does not go on."""
    try:
        return check()
    except ModerationUnavailable as exc:
        raise TextModerationUnavailable(str(exc)) from exc
