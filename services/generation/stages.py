"""The stages around the candidate rounds: the request's text, the prompt, and images kept before.

Text: moderate the user's words, translate them, moderate the English (the banned terms at once;
Comprehend alongside the first image call, behind a ``TextGate``). Then the prompt built for the
chosen model. And the images a job starts from or ends with without generating: a picked
candidate (候補を見る), a variation's source, the image chosen before an interruption.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.core.edits import EditPlan
from services.core.errors import BotError, InputRejected, ModerationUnavailable, TextModerationUnavailable
from services.core.job import SAFE_OUTCOMES, Attempt, Checkpoint, Job, JobRecord, Overlap
from services.generation.image_models import ImageModel
from services.generation.ledger import Ledger
from services.generation.ports import (
    GuardrailScreen,
    ImageScreen,
    Progress,
    ProgressFn,
    PromptTranslator,
    RuleBook,
    ToxicityScreen,
)
from services.generation.presets import get_style
from services.generation.prompting import BuiltPrompt, PromptBuilder
from services.generation.translation import JAPANESE
from services.moderation.image import ImageVerdict
from services.moderation.ml import TextVerdict
from services.storage.archive import Archive, image_name

logger = logging.getLogger(__name__)

# What a picked candidate copies from the job it was made by.
_PICKED_FIELDS = (
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
)


class TextGate:
    """Comprehend's verdict on the English prompt, asked for while the first images are made.

    An image made before it answers is archived but neither checked, shown nor posted until the
    prompt has cleared; ``wait`` raises the refusal (or, fail closed, the outage) in every thread
    that waits. The first wait records how long the job waited beyond the image call.
    """

    def __init__(self, ledger: Ledger | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._ledger = ledger
        self._clock = clock
        self._future: Future[None] | None = None
        self._lock = threading.Lock()
        self._noted = False
        self.seconds = 0.0  # how long Comprehend took

    def start(self, executor: Executor, check: Callable[[], None]) -> TextGate:
        """Run ``check`` on ``executor``; its exception is what ``wait`` raises."""
        clock = self._clock

        def timed() -> None:
            begun = clock()
            try:
                check()
            finally:
                self.seconds = clock() - begun

        self._future = executor.submit(timed)
        return self

    def wait(self, model_seconds: float = 0.0) -> None:
        """Return once the prompt cleared; ModerationRejected or TextModerationUnavailable otherwise.

        ``model_seconds``: how long the image call it ran alongside took, for the record.
        """
        future, ledger = self._future, self._ledger
        if future is None or ledger is None:
            return
        with self._lock:
            first, self._noted = not self._noted, True
        start = self._clock()
        try:
            future.result()
        finally:
            if first:
                waited = self._clock() - start
                ledger.overlapped(
                    Overlap(
                        layer="toxicity",
                        alongside="generation",
                        seconds=round(self.seconds, 4),
                        model_seconds=round(model_seconds, 4),
                        waited=round(waited, 4),
                    )
                )

    def settle(self) -> None:
        """Wait for the answer if one was asked for; a refusal is raised, as by ``wait``."""
        if self._future is not None:
            self._future.result()


@dataclass(frozen=True)
class JobRun:
    """What every stage of one job needs to hand on."""

    job: Job
    ledger: Ledger
    report: ProgressFn
    model: ImageModel
    total: int  # the most images the job may make, for progress
    strength: float  # how close a variation stays to its source, before the model's clamp
    english: str = ""
    source: bytes | None = None  # the image a variation starts from
    gate: TextGate = field(default_factory=TextGate)  # Comprehend on ``english``, if still pending

    @property
    def record(self) -> JobRecord:
        """The record the ledger writes to."""
        return self.ledger.record


@dataclass
class Best:
    """The image to post so far, and how well it matched; ``data`` None: read it back from the archive."""

    attempt: Attempt
    data: bytes | None
    score: int


class TextStages:
    """Moderation and translation of a request's text, each layer recorded in the ledger."""

    def __init__(
        self,
        rules: RuleBook,
        translator: PromptTranslator,
        *,
        toxicity: ToxicityScreen | None = None,
        guardrail: GuardrailScreen | None = None,
    ) -> None:
        self._rules = rules
        self._translator = translator
        self._toxicity = toxicity
        self._guardrail = guardrail

    def english_prompt(
        self, job: Job, ledger: Ledger, report: ProgressFn, local: frozenset[str] = frozenset()
    ) -> tuple[str, EditPlan | None]:
        """The request moderated, in English, and through the banned terms; ModerationRejected if flagged.

        ``local``: the region edits a refinement may become instead; the plan comes back when the
        translation call chose one (its English is then checked by the edit, as ✏️'s is).
        Comprehend is not asked here: ``screen`` asks it alongside the image call.
        """
        report(Progress("moderation"))
        self._screen_request(job, ledger)
        english, plan = self._translate(job, ledger, report, local)
        if plan is None:
            with ledger.timed("moderation"):
                self.check_rules(english, "rules_translation", ledger)
        return english, plan

    def screen(
        self, english: str, ledger: Ledger, executor: Executor, clock: Callable[[], float]
    ) -> TextGate:
        """Start Comprehend on the English prompt and return at once; the gate holds its verdict."""
        toxicity = self._toxicity
        if toxicity is None:
            return TextGate()
        # Comprehend reads English only; Japanese proper nouns kept in a prompt are dropped.
        text = JAPANESE.sub(" ", english)

        def ask() -> None:
            verdict = fail_closed(lambda: toxicity.check(text))
            ledger.bill("toxicity", "comprehend")
            ledger.decide("toxicity", verdict.flagged, verdict.category, verdict.scores)

        return TextGate(ledger, clock).start(executor, ask)

    def check_rules(self, text: str, layer: str, ledger: Ledger) -> None:
        """The banned-terms list, recorded as ``layer``."""
        match = self._rules.find(text)
        ledger.decide(layer, match is not None, match.category if match else None)

    def _screen_request(self, job: Job, ledger: Ledger) -> None:
        # A refinement is checked together with the request it changes.
        user_text = f"{job.text}\n{job.instruction}" if job.instruction else job.text
        with ledger.timed("moderation"):
            self.check_rules(user_text, "rules", ledger)
            guardrail = self._guardrail
            if guardrail is not None:
                verdict = fail_closed(lambda: guardrail.check_text(user_text))
                ledger.bill("guardrail", "guardrail")
                ledger.decide("guardrail", verdict.flagged, verdict.category)

    def _translate(
        self, job: Job, ledger: Ledger, report: ProgressFn, local: frozenset[str]
    ) -> tuple[str, EditPlan | None]:
        record, translator = ledger.record, self._translator
        record.requirements = list(job.requirements)
        # --no text not yet in English (a new request, or a form that changed it).
        exclude = job.options.negative if job.options.negative and not job.negative_terms else None
        if job.english_prompt and job.instruction:
            report(Progress("translation"))
            with ledger.model_call("translation"):
                translation = translator.refine(
                    job.text, job.english_prompt, job.instruction, exclude, local=local
                )
        elif job.english_prompt:
            if exclude:
                with ledger.model_call("translation"):
                    terms, usage = translator.negative_terms(exclude)
                if usage.input_tokens:
                    ledger.bill("translate", translator.model_id, usage)
                record.negative_terms = terms
            return job.english_prompt, None
        else:
            report(Progress("translation"))
            with ledger.model_call("translation"):
                translation = translator.translate(job.text, exclude, photo=job.source_file is not None)
        if translation.photo is not None:
            # A mode chosen in the form wins over the words; the similarity comes from the words.
            record.photo_mode_asked = job.photo_mode or translation.photo.mode
            record.photo_similarity = translation.photo.similarity
        if translation.translated:
            record.translation = translation.english
            record.requirements = list(translation.requirements) or record.requirements
            ledger.bill("translate", translator.model_id, translation.usage)
            ledger.decide("classifier", not translation.safe, translation.category)
        if exclude:
            record.negative_terms = list(translation.negative_terms)
        return translation.english, translation.edit


def screen_image(moderator: ImageScreen, ledger: Ledger, attempt: Attempt, image: bytes) -> ImageVerdict:
    """Rekognition and the image policy on one candidate, billed, timed and noted on its attempt."""
    with ledger.timed("image_moderation", attempt):
        verdict = moderator.check(image)
    ledger.bill("image_moderation", "rekognition", images=1)
    attempt.moderation_labels = verdict.labels
    attempt.policy_action = verdict.action
    attempt.policy_categories = verdict.categories
    return verdict


def fail_closed(check: Callable[[], TextVerdict]) -> TextVerdict:
    """Run a text moderation layer; if it cannot answer, the request does not go on."""
    try:
        return check()
    except ModerationUnavailable as exc:
        error = TextModerationUnavailable(str(exc))
        if exc.diagnosis is not None:
            error.because(exc.diagnosis)  # a missing permission is told as such, not as an outage
        raise error from exc


def build_prompt(prompts: PromptBuilder, english: str, record: JobRecord, model: ImageModel) -> BuiltPrompt:
    """The prompt and negative prompt for ``model``, with the job's style; noted in the record."""
    caps = model.capabilities
    template, extra = None, list(record.negative_terms)
    if record.style:
        try:
            style = get_style(record.style)
        except ValueError:
            logger.warning("job %s: unknown style %s ignored", record.job_id, record.style)
        else:
            template, extra = style.template, [*extra, *style.negative]
    built = prompts.build(
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


def adopt(archive: Archive, job: Job, record: JobRecord) -> Best:
    """A candidate picked from 候補を見る: the parent's archived image, posted as this job's result."""
    parent = archive.get_record(job.parent_job_id) if job.parent_job_id else None
    attempt = parent.attempt(job.source_attempt) if parent else None
    if parent is None or attempt is None or attempt.image_key is None:
        raise InputRejected("pick.unavailable")
    if attempt.outcome not in SAFE_OUTCOMES:
        # Unsafe or unfinished candidates are never posted, whoever asks.
        raise InputRejected("pick.unavailable")
    data = archive.get_image(attempt.image_key)
    if data is None:
        raise InputRejected("pick.unavailable")
    for name in _PICKED_FIELDS:
        setattr(record, name, getattr(parent, name))
    record.cfg_scale = attempt.cfg_scale
    record.attempts = [attempt]
    return Best(attempt, data, attempt.verdict.score if attempt.verdict else -1)


def variation_source(archive: Archive, job: Job, model: ImageModel) -> bytes | None:
    """The archived image a variation starts from; None for other jobs."""
    if job.source_image_key is None:
        return None
    if not model.capabilities.supports_variation:
        raise InputRejected("variation.unsupported")
    data = archive.get_image(job.source_image_key)
    if data is None:
        raise InputRejected("job.not_found")
    return data


def resumed_record(resume: Checkpoint) -> JobRecord:
    """The record of an interrupted run, ready to go on from its checkpoint."""
    record = resume.record.model_copy(deep=True)
    record.started_at = datetime.now(UTC)
    record.finished_at = None
    record.error = None
    if resume.stage == "translated":
        record.attempts, record.chosen_attempt, record.status = [], None, "failed"
    return record


def generated_before(archive: Archive, record: JobRecord) -> Best | None:
    """The image an interrupted run had already chosen and archived, if it can still be read."""
    attempt = record.chosen()
    data = None
    if attempt is not None and attempt.image_key is not None:
        try:
            data = archive.get_image(attempt.image_key)
        except Exception:
            logger.exception("job %s: the chosen image cannot be read back", record.job_id)
    if attempt is None or data is None:
        # Generate again from the English prompt; the earlier calls stay on the bill.
        record.attempts, record.chosen_attempt, record.status = [], None, "failed"
        return None
    logger.info("job %s: resumed with the image chosen before the interruption", record.job_id)
    return Best(attempt, data, attempt.verdict.score if attempt.verdict else -1)


def best_image(archive: Archive, best: Best) -> bytes:
    """The bytes of the image to post: in memory, or read back from the archive."""
    if best.data is not None:
        return best.data
    key = best.attempt.image_key
    try:
        data = archive.get_image(key) if key is not None else None
    except Exception as exc:
        raise BotError(f"image {best.attempt.index} cannot be read back from the archive") from exc
    if data is None:
        raise BotError(f"image {best.attempt.index} cannot be read back from the archive")
    return data


def store_image(archive: Archive, job_id: str, attempt: Attempt, data: bytes, suffix: str = "") -> str | None:
    """Archive one candidate's image under its deterministic name; None (logged) if refused."""
    try:
        return archive.put_image(job_id, image_name(attempt.revision, attempt.index, suffix), data)
    except Exception:
        logger.exception("job %s: could not archive image %d", job_id, attempt.index)
        return None
