"""Turning what a user did in Slack into a queued job, or a polite reason why not.

Every entry (command, mention, shortcut, form, button, reaction, thread reply) ends here, so
options, preferences, quotas and language are decided the same way for all of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from services.core.edits import EditSpec
from services.core.errors import InputRejected
from services.core.inputs import SourceFile
from services.core.job import (
    MAX_TEXT_CHARS,
    SAFE_OUTCOMES,
    Attempt,
    GenerationOptions,
    Job,
    JobRecord,
    PhotoMode,
    SlackContext,
    Trigger,
    button_ref,
    new_job_id,
)
from services.core.people import UserPrefs
from services.core.text import Language, clean_slack_text
from services.generation.catalogue import ModelCatalogue
from services.generation.describe import load_descriptions
from services.generation.image_models import EditModels
from services.generation.options import ParsedRequest, parse_request, resolve_size
from services.generation.photos import photo_modes
from services.intake.edits import check_photo, described_job, edit_job, stepped_cfg, undo_job
from services.intake.form_jobs import check_form_photo, form_options
from services.intake.forms import FormInput, HelpRequested, QuotaStatus, UsageReport
from services.intake.handoff import ActiveJobs, JobSubmitter
from services.intake.quotas import DEFAULT_TIMEZONE, QuotaLimits, Quotas
from services.storage.archive import Archive
from services.storage.job_store import JobStore
from services.storage.state import StateStore

logger = logging.getLogger(__name__)

FollowUp = Trigger


@dataclass(frozen=True)
class IntakeConfig:
    """Limits and defaults that apply to every request."""

    cfg_step: float = 1.0
    max_candidates: int = 4
    user_daily_quota: int | None = None
    team_daily_quota: int | None = None
    quota_timezone: ZoneInfo = DEFAULT_TIMEZONE
    admins: frozenset[str] = frozenset()
    max_jobs_per_user: int | None = None
    max_queued_per_user: int | None = None
    workspace_languages: Mapping[str, Language] = field(default_factory=dict)
    default_language: Language = "ja"


class Intake:
    """Validates requests and follow-ups, then hands jobs to the runner."""

    def __init__(
        self,
        submitter: JobSubmitter,
        archive: Archive,
        catalogue: ModelCatalogue,
        state: StateStore,
        config: IntakeConfig | None = None,
        *,
        store: JobStore | None = None,
        active: ActiveJobs | None = None,
        photo_modes: Callable[[str | None], tuple[PhotoMode, ...]] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._submit = submitter.submit
        self._archive = archive
        self._catalogue = catalogue
        self._state = state
        self._store = store
        self.config = config or IntakeConfig()
        self._clock = clock
        self._photo_modes = photo_modes or self._own_photo_modes
        limits = QuotaLimits(
            user_daily=self.config.user_daily_quota,
            team_daily=self.config.team_daily_quota,
            timezone=self.config.quota_timezone,
            admins=self.config.admins,
            max_running=self.config.max_jobs_per_user,
            max_queued=self.config.max_queued_per_user,
        )
        self._quotas = Quotas(state, limits, active=active, clock=clock)

    def _own_photo_modes(self, model_alias: str | None) -> tuple[PhotoMode, ...]:
        # Without the edit models (wiring passes Editor.photo_modes), what the image model does itself,
        # as the pipeline's photo stage decides it without them.
        return photo_modes(self._catalogue.model_for(model_alias), EditModels())

    # --- who is asking ---------------------------------------------------------------------------

    def lang_for(
        self, user_id: str | None, team_id: str | None = None, prefs: UserPrefs | None = None
    ) -> Language:
        """The user's own choice, else the workspace's, else the default."""
        if user_id:
            chosen = (prefs or self._state.prefs(user_id)).lang
            if chosen is not None:
                return chosen
        if team_id and team_id in self.config.workspace_languages:
            return self.config.workspace_languages[team_id]
        return self.config.default_language

    def is_admin(self, user_id: str) -> bool:
        """Admins may delete any result and are not held to quotas."""
        return user_id in self.config.admins

    def quota(self, user_id: str) -> QuotaStatus:
        """How much of today's quota the user has used, and when it resets."""
        return self._quotas.status(user_id)

    def usage(self, team_id: str | None) -> UsageReport:
        """The workspace's usage today (in the quota's time zone) and over the last 7 days."""
        return self._quotas.usage(team_id)

    def _queue(self, job: Job, *, counted: bool = True) -> Job:
        if counted and job.slack is not None:
            self._quotas.admit(job.slack)
        if self._store is not None:
            # Durable before Slack hears "OK": a crash from here on cannot lose the request.
            self._store.accept(job)
        self._submit(job)
        quotas = self.config.user_daily_quota is not None or self.config.team_daily_quota is not None
        if counted and quotas and job.slack is not None:
            # Only counted when a quota reads it: one write fewer on every ack otherwise.
            self._state.count_request(job.slack.user_id, job.slack.team_id, job.job_id)
        return job

    # --- new requests ----------------------------------------------------------------------------

    def parse(
        self,
        raw_text: str,
        user_id: str | None,
        base: GenerationOptions | None = None,
        prefs: UserPrefs | None = None,
    ) -> ParsedRequest:
        """Text and options of a request; the user's saved defaults fill in what was not typed."""
        if base is None and user_id:
            base = self._preferred(user_id, prefs)
        return parse_request(
            clean_slack_text(raw_text),
            self._catalogue.models,
            self.default_alias,
            max_candidates=self.config.max_candidates,
            base=base,
        )

    @property
    def default_alias(self) -> str:
        """The alias of the default image model."""
        return self._catalogue.default_alias

    def _preferred(self, user_id: str, prefs: UserPrefs | None = None) -> GenerationOptions:
        prefs = prefs or self._state.prefs(user_id)
        options = GenerationOptions(model=prefs.model, style=prefs.style)
        if prefs.size:
            try:
                width, height = resolve_size(prefs.size, self._catalogue.model_for(prefs.model))
            except InputRejected:
                logger.info("saved size %s no longer fits; using the default", prefs.size)
            else:
                options = options.model_copy(update={"width": width, "height": height})
        return options

    def request(
        self, raw_text: str, slack: SlackContext, trigger: Trigger, photo: SourceFile | None = None
    ) -> Job:
        """Queue a new request from Slack text (and a photo); InputRejected when it cannot be used."""
        prefs = self._state.prefs(slack.user_id)  # read once: this is the ack path
        parsed = self.parse(raw_text, slack.user_id, prefs=prefs)
        if parsed.help:
            raise HelpRequested
        text = parsed.text
        if photo is not None:
            check_photo(photo, self.photo_modes(parsed.options.model))
        if not text:
            raise InputRejected("photo.needs_text" if photo is not None else "input.empty")
        if len(text) > MAX_TEXT_CHARS:
            raise InputRejected("input.too_long", limit=MAX_TEXT_CHARS)
        job = Job(
            text=text,
            trigger=trigger,
            options=parsed.options,
            slack=slack,
            lang=self.lang_for(slack.user_id, slack.team_id, prefs),
            source_file=photo,
        )
        return self._queue(job)

    def load(self, value: str) -> tuple[JobRecord, Attempt | None]:
        """The record and attempt a button value points at; InputRejected when it is not usable."""
        ref = button_ref(value)
        record = self._archive.get_record(ref.job_id)
        if record is None or not record.english_prompt:
            raise InputRejected("job.not_found")
        return record, record.attempt(ref.attempt) or record.chosen()

    def _inherited(self, record: JobRecord, attempt: Attempt | None) -> GenerationOptions:
        """The settings a result was made with (its own seed and cfg when it was a candidate)."""
        return GenerationOptions(
            seed=attempt.seed if attempt else record.seed,
            cfg_scale=attempt.cfg_scale if attempt else record.cfg_scale,
            width=record.width,
            height=record.height,
            negative=record.user_negative,
            style=record.style,
            model=record.model_alias,
            preset=record.preset,
        )

    def _child(
        self, record: JobRecord, options: GenerationOptions, trigger: Trigger, slack: SlackContext
    ) -> Job:
        if (
            slack.thread_ts is None
            and record.slack is not None
            and record.slack.channel_id == slack.channel_id
        ):
            # A reaction or App Home has no thread of its own: answer in the result's thread.
            slack = slack.model_copy(update={"thread_ts": record.slack.thread_ts})
        return Job(
            text=record.original_text,
            english_prompt=record.english_prompt,
            requirements=record.requirements,
            negative_terms=record.negative_terms if options.negative == record.user_negative else [],
            options=options,
            trigger=trigger,
            parent_job_id=record.job_id,
            slack=slack,
            lang=self.lang_for(slack.user_id, slack.team_id),
        )

    def follow_up(self, value: str, action: FollowUp, slack: SlackContext) -> Job:
        """Queue a button's (or reaction's) re-run of an earlier result, loaded from its record."""
        record, attempt = self.load(value)
        options = self._inherited(record, attempt)
        model = self._catalogue.model_for(record.model_alias)
        if action in {"regenerate", "again"}:
            job = self._child(record, options.model_copy(update={"seed": None}), action, slack)
        elif action == "same_seed":
            job = self._child(record, options, action, slack)
        elif action in {"cfg_up", "cfg_down"}:
            cfg = stepped_cfg(model.capabilities, options.cfg_scale, action, self.config.cfg_step)
            job = self._child(record, options.model_copy(update={"cfg_scale": cfg}), action, slack)
        elif action == "variation":
            if not model.capabilities.supports_variation:
                raise InputRejected("variation.unsupported")
            if attempt is None or attempt.image_key is None or attempt.outcome not in SAFE_OUTCOMES:
                raise InputRejected("job.not_found")
            job = self._child(record, options.model_copy(update={"seed": None}), action, slack)
            job.source_image_key = attempt.image_key
            job.source_attempt = attempt.index
        elif action == "pick":
            if attempt is None or attempt.image_key is None or attempt.outcome not in SAFE_OUTCOMES:
                raise InputRejected("pick.unavailable")
            job = self._child(record, options, action, slack)
            job.source_attempt = attempt.index
            # Posting an image already made costs nothing, so it does not count against a quota.
            return self._queue(job, counted=False)
        else:
            raise InputRejected("button.invalid")
        return self._queue(job)

    def edit(self, value: str, spec: EditSpec, slack: SlackContext) -> Job:
        """✏️ 🔍 ⬆️ ✂️ on a result: an edit of its image, answered in its thread."""
        record, attempt = self.load(value)
        if attempt is None or attempt.image_key is None or attempt.outcome not in SAFE_OUTCOMES:
            raise InputRejected("pick.unavailable")  # only an image that passed every check
        job = self._child(record, self._inherited(record, attempt), "edit", slack)
        return self._queue(edit_job(job, record, attempt, spec))

    def undo(self, value: str, slack: SlackContext) -> Job:
        """🔙 元に戻す under an edit: the image it started from, posted again (free, like a pick)."""
        record, _ = self.load(value)
        return self._queue(
            undo_job(self._child(record, self._inherited(record, None), "undo", slack), record), counted=False
        )

    def retry(self, value: str, slack: SlackContext) -> Job:
        """🔁 もう一度試す under a failure: the failed job's request again, as a new job in its thread."""
        ref = button_ref(value)
        stored = self._store.get(ref.job_id) if self._store is not None else None
        if stored is None:
            raise InputRejected("job.not_found")
        failed = stored.job
        # The lineage (parent_job_id) stays the failed job's. A pick posts an image already made:
        # it stays a pick (free, and never generates).
        pick = failed.trigger == "pick"
        job = failed.model_copy(
            update={
                "job_id": new_job_id(),
                "trigger": "pick" if pick else "retry",
                "slack": slack,
                "lang": self.lang_for(slack.user_id, slack.team_id),
                "created_at": self._clock(),
            },
            deep=True,
        )
        return self._queue(job, counted=not pick)

    def refine(self, value: str, raw_text: str, slack: SlackContext) -> Job:
        """A reply in a result's thread: change the prompt, keep the seed and settings."""
        record, attempt = self.load(value)
        inherited = self._inherited(record, attempt)
        parsed = self.parse(raw_text, slack.user_id, base=inherited)
        if parsed.help:
            raise HelpRequested
        instruction = parsed.text
        if len(instruction) > MAX_TEXT_CHARS:
            raise InputRejected("input.too_long", limit=MAX_TEXT_CHARS)
        if not instruction and parsed.options == inherited.model_copy(update={"model": parsed.options.model}):
            raise InputRejected("refine.empty")
        job = self._child(record, parsed.options, "refine", slack)
        job.instruction = instruction or None
        # The image the thread shows, which a change to one part of it edits.
        job.source_attempt = attempt.index if attempt else None
        return self._queue(job)

    def photo_modes(self, model_alias: str | None) -> tuple[PhotoMode, ...]:
        """How a photo can be used when ``model_alias`` makes the image: what the form offers."""
        return self._photo_modes(model_alias)

    def from_form(self, form: FormInput, slack: SlackContext, parent: str | None) -> Job:
        """The ⚙️ 調整 form (or /imagine with no text); InputRejected carries ``field`` for the form.

        A photo in the form is the job's source, as a mention's photo is; on ⚙️ 調整 it replaces
        the result as the starting point, and the words are translated anew for it.
        """
        record, attempt = self.load(parent) if parent else (None, None)
        base = self._inherited(record, attempt) if record else self._preferred(slack.user_id)
        options = form_options(form, base, self._catalogue, self.default_alias)
        check_form_photo(form, self.photo_modes(options.model))
        text = " ".join(form.text.split()) or " ".join(form.english_prompt.split())
        if not text:
            # As for a mention's photo: the words say what to make of it, and the result is checked
            # against them.
            raise InputRejected("form.error.photo_needs_text" if form.photo else "input.empty", field="text")
        lang = self.lang_for(slack.user_id, slack.team_id)
        english = form.english_for(record.english_prompt if record else None)
        if record is None:
            job = Job(
                text=text, english_prompt=english, options=options, trigger="modal", slack=slack, lang=lang
            )
            job.source_file, job.photo_mode = form.photo, form.photo_mode
            return self._queue(job)
        job = self._child(record, options, "adjust", slack)
        job.text, job.source_file, job.photo_mode = text, form.photo, form.photo_mode
        unchanged = english == record.english_prompt
        if english is None or (unchanged and (text != record.original_text or form.photo is not None)):
            # The Japanese changed and the English did not, or a photo replaces the result: the
            # prompt and its checklist were written for the old request, so translate the text anew.
            job.english_prompt = None
            job.requirements = []
            job.negative_terms = []
        elif english != record.english_prompt:
            job.english_prompt = english
            job.requirements = []
        return self._queue(job)

    def from_description(self, value: str, slack: SlackContext) -> Job:
        """「これで作る」: the archived proposal as a new request, its English prompt used as is."""
        ref = button_ref(value)
        found = load_descriptions(self._archive, ref.job_id)
        chosen = found.item(ref.attempt) if found is not None else None
        if chosen is None:
            raise InputRejected("job.not_found")
        prefs = self._state.prefs(slack.user_id)
        options, lang = (
            self._preferred(slack.user_id, prefs),
            self.lang_for(slack.user_id, slack.team_id, prefs),
        )
        return self._queue(described_job(chosen, ref.job_id, options, slack, lang))
