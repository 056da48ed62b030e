"""The pipeline: moderate → translate → generate (∥ Comprehend) → verify (∥ Rekognition) → retry/rewrite.

This module holds only the order of the stages, the retry-then-rewrite loop and resuming an
interrupted job; the stages are in ``stages`` (text, prompt, kept images) and ``rounds`` (one
round of candidates), and every write to the job's record goes through its ``ledger``.

``Pipeline.run`` never raises: every outcome, including failures, comes back as a
``JobOutcome`` whose record has already been archived together with every image.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from services.core.errors import BotError, ContentFiltered, InputRejected, ModerationRejected, NoSafeImage
from services.core.images import check_copy
from services.core.job import Checkpoint, Job, JobRecord
from services.generation.catalogue import ModelCatalogue
from services.generation.costs import CostTable
from services.generation.image_models import EditModels, ImageModel
from services.generation.ledger import Ledger, ModelSlots, archived_outcome, save_record
from services.generation.odds import OddsConfig, PassOdds
from services.generation.photos import PhotoStage
from services.generation.ports import (
    CheckpointFn,
    GuardrailScreen,
    ImageScreen,
    ImageVerifier,
    LocalEdits,
    PhotoFetcher,
    Progress,
    ProgressFn,
    PromptTranslator,
    RuleBook,
    ToxicityScreen,
)
from services.generation.presets import PRESETS, fit_to_preset
from services.generation.prompting import PromptBuilder
from services.generation.rounds import Rounds, Search
from services.generation.stages import (
    Best,
    JobRun,
    TextGate,
    TextStages,
    adopt,
    best_image,
    build_prompt,
    generated_before,
    resumed_record,
    store_image,
    variation_source,
)
from services.moderation.policy import blur
from services.storage.archive import Archive

# Progress and the callbacks are part of run()'s signature, so callers get them from here too.
__all__ = ["CheckpointFn", "JobOutcome", "Pipeline", "PipelineConfig", "Progress", "ProgressFn"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineConfig:
    """Retry budget and defaults of the pipeline."""

    max_attempts: int = 3
    max_rewrites: int = 2
    default_cfg_scale: float | None = None
    width: int = 1024
    height: int = 1024
    candidates: int = 1
    # Choose the candidates per round from the workspace's recent pass rate (services.generation.odds);
    # ``candidates`` is then where a workspace without a history starts.
    adaptive: bool = False
    # 🎨 バリエーション: how close to stay to the source (higher keeps more), clamped per model.
    variation_strength: float = 0.7


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


class Pipeline:
    """Runs one job from text to a checked image."""

    def __init__(
        self,
        *,
        rules: RuleBook,
        translator: PromptTranslator,
        prompts: PromptBuilder,
        catalogue: ModelCatalogue,
        moderator: ImageScreen,
        verifier: ImageVerifier,
        archive: Archive,
        config: PipelineConfig,
        toxicity: ToxicityScreen | None = None,
        guardrail: GuardrailScreen | None = None,
        executor: Executor | None = None,
        side_executor: Executor | None = None,
        model_slots: threading.Semaphore | None = None,
        costs: CostTable | None = None,
        shrink: Callable[[bytes], bytes] = check_copy,
        clock: Callable[[], float] = time.monotonic,
        photos: PhotoFetcher | None = None,
        edits: EditModels | None = None,
        local_edits: LocalEdits | None = None,
    ) -> None:
        self.catalogue = catalogue
        # A thread mention whose translation call reads it as a change to one part of the posted
        # image is carried out as an edit of that image (the Editor), on this job's own record.
        self._local = local_edits
        self.config = config
        self._text = TextStages(rules, translator, toxicity=toxicity, guardrail=guardrail)
        self._prompts = prompts
        self._verifier = verifier
        self._archive = archive
        # Comprehend and Rekognition calls made alongside the model calls. Their own pool: a
        # candidate check waits for its Rekognition call, so sharing the candidates' pool could
        # leave every thread of it waiting for work queued behind it.
        self._side = side_executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="moderation")
        self.odds = PassOdds(OddsConfig(start=config.candidates))
        # Candidate checks of parallel rounds; shared by all jobs and bounded.
        self._rounds = Rounds(
            moderator=moderator,
            verifier=verifier,
            archive=archive,
            executor=executor or ThreadPoolExecutor(max_workers=8, thread_name_prefix="candidate"),
            side=self._side,
            odds=self.odds,
            shrink=shrink,
            clock=clock,
        )
        # A user's photo: checked, archived, then used by the edit models as its words ask.
        self._photos = PhotoStage(photos, moderator, archive, edits) if photos is not None else None
        self._slots = ModelSlots(model_slots)
        self._costs = costs or CostTable()
        self._clock = clock

    def candidates_for(self, job: Job, model: ImageModel | None = None) -> int:
        """Images per round for ``job``: its --n, else CANDIDATES, or what recent passes call for."""
        if job.options.candidates:
            return job.options.candidates
        if not self.config.adaptive:
            return self.config.candidates
        model_id = (model or self.catalogue.default).model_id
        return self.odds.candidates(job.slack.team_id if job.slack else None, model_id)

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
        model = self.catalogue.model_for(job.options.model)
        record = resumed_record(resume) if resume is not None else self._new_record(job, model)
        ledger = Ledger(
            record, costs=self._costs, slots=self._slots, clock=self._clock, checkpoint=checkpoint
        )
        run = JobRun(
            job,
            ledger,
            progress or (lambda _: None),
            model,
            total=self._total(job),
            strength=self.config.variation_strength,
        )
        outcome = JobOutcome(record=record)

        def failed(exc: BotError) -> None:
            outcome.error = exc
            if isinstance(exc, ModerationRejected) and exc.layer == "toxicity":
                ledger.refused(exc.layer)  # the images made while Comprehend read the prompt

        with archived_outcome(ledger, self._archive, "job", failed):
            try:
                model.validate_size(record.width, record.height)
            except ValueError as exc:
                raise InputRejected("size_invalid") from exc
            best = self._best(run, resumed=resume is not None)
            self._deliverable(outcome, best, job)
            record.chosen_attempt = best.attempt.index
            record.seed = best.attempt.seed
            # An edit the checker could not compare is still the edit asked for, as for ✏️.
            passed = ("accepted", "unverified") if record.edit is not None else ("accepted",)
            record.status = "accepted" if best.attempt.outcome in passed else "best_effort"
            ledger.checkpoint("generated")
        return outcome

    def save_record(self, record: JobRecord) -> None:
        """Archive the record; a failure is logged, never raised into the user's path."""
        save_record(self._archive, record)

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until candidates left running by finished jobs are done; False on timeout."""
        return self._rounds.drain(timeout)

    def close(self) -> None:
        """Let running candidates finish (they archive and re-save records), then stop."""
        self._rounds.close()
        self._side.shutdown(wait=True)

    def _new_record(self, job: Job, model: ImageModel) -> JobRecord:
        options = job.options
        return JobRecord(
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
            photo_mode=job.photo_mode,
            instruction=job.instruction,
            width=options.width or self.config.width,
            height=options.height or self.config.height,
            seed=options.seed,
            cfg_scale=self.resolve_cfg(options.cfg_scale, model),
            slack=job.slack,
            lang=job.lang,
        )

    def _total(self, job: Job) -> int:
        """The most images ``job`` may make, for progress."""
        per_round = job.options.candidates or (self.odds.config.most if self.config.adaptive else 0)
        return max(self.config.max_attempts, per_round or self.config.candidates) * (
            self.config.max_rewrites + 1
        )

    def _best(self, run: JobRun, *, resumed: bool) -> Best:
        """The image to post: picked, kept from before an interruption, or made now."""
        job, record = run.job, run.record
        if job.trigger == "pick":
            return adopt(self._archive, job, record)
        best = generated_before(self._archive, record) if resumed else None
        if best is not None:
            return best
        photos = self._photos if job.source_file is not None else None
        if job.source_file is not None:
            if photos is None:
                raise InputRejected("image.unreadable")  # no way to fetch it here (the CLI)
            # Fetched, moderated and archived before any model sees it, the translator included.
            job = photos.source(run)
            run = replace(run, job=job)
        source = None if photos is not None else variation_source(self._archive, job, run.model)
        if record.routed == "local_edit":
            # Resumed after the edit, but its image is gone; the record already reads as an edit.
            raise BotError("the edited image cannot be read back")
        if resumed and record.english_prompt:
            english = record.english_prompt  # moderated and translated before the interruption
        else:
            local = self._local.region_operations(job) if self._local and job.instruction else frozenset()
            english, plan = self._text.english_prompt(job, run.ledger, run.report, local)
            if plan is not None and self._local is not None:
                return self._local.edit_planned(job, plan, run.ledger, run.report)
            record.english_prompt = english
            if job.trigger == "refine" or job.instruction is not None:  # a mention, or its 🔁 retry
                record.routed = "global"
            # Before Comprehend is asked: a resumed job finds no verdict and asks again.
            run.ledger.checkpoint("translated")
        if photos is not None:
            # The translation said how to use the photo (or the form did): its model draws from here.
            run = photos.use(run)
        screened = any(d.layer == "toxicity" for d in record.moderation)
        gate = TextGate() if screened else self._text.screen(english, run.ledger, self._side, self._clock)
        try:
            best = self._generate(replace(run, english=english, source=source, gate=gate))
        except BotError:
            gate.settle()  # a refusal of the prompt outranks whatever became of its images
            raise
        best.data = best_image(self._archive, best)
        return best

    def _generate(self, run: JobRun) -> Best:
        """Rounds of candidates; after ``max_attempts`` images a prompt is rewritten at what they missed."""
        config = self.config
        search = Search()
        for revision in range(config.max_rewrites + 1):
            if revision:
                run = self._rewrite(run, search)
            per_round = self.candidates_for(run.job, run.model)
            built = build_prompt(self._prompts, run.english, run.record, run.model)
            # --n asks for that many images at once, even beyond the usual budget.
            remaining = max(config.max_attempts, per_round)
            while remaining > 0:
                size = min(per_round, remaining)
                remaining -= size
                step = self._rounds.run(run, built=built, revision=revision, size=size, search=search)
                if isinstance(step, Best):
                    return step
                if step == "rewrite":
                    break
        if search.best is not None:
            return search.best
        if search.filtered and not search.unsafe:
            raise ContentFiltered("every attempt was filtered", stage="output")
        raise NoSafeImage(f"{search.unsafe} unsafe, {search.filtered} filtered")

    def _rewrite(self, run: JobRun, search: Search) -> JobRun:
        """A new English prompt aimed at why the last images failed (the missed checklist items)."""
        ledger = run.ledger
        run.report(Progress("rewrite", search.index, run.total))
        with ledger.model_call("rewrite"):
            english, usage = self._verifier.rewrite(run.job.text, run.english, search.failures)
        ledger.bill("rewrite", self._verifier.model_id, usage)
        with ledger.timed("moderation"):
            self._text.check_rules(english, "rules_rewrite", ledger)
        search.failures = []
        # The rewritten prompt gets the same layers as the first: the banned terms above, and
        # Comprehend alongside its first images (after the earlier verdict is in, so a refusal of
        # the earlier prompt is never lost behind the rewrite's).
        run.gate.settle()
        gate = self._text.screen(english, ledger, self._side, self._clock)
        return replace(run, english=english, gate=gate)

    def _deliverable(self, outcome: JobOutcome, best: Best, job: Job) -> None:
        """The image as posted: blurred when the policy says so, fitted to an exact preset."""
        outcome.image = best.data
        if best.attempt.policy_action == "blur" and best.data is not None:
            outcome.image = blur(best.data)
            outcome.blurred = best.attempt.policy_categories
            store_image(self._archive, job.job_id, best.attempt, outcome.image, "-blurred")
        preset = PRESETS.get(outcome.record.preset or "")
        if preset is not None and outcome.image is not None:
            # --preset promises an exact size; the model made the nearest one it can. (The record's:
            # an edit of the posted image has none, and keeps its source's size.)
            outcome.image = fit_to_preset(outcome.image, preset)
