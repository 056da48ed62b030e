"""What runs one job: status message, pipeline, delivery, final record, and the job store's stages.

The in-process ``runner`` and the SQS ``sqs`` worker both hand each job to a ``JobProcessor``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial

from services.core.errors import BotError, JobGaveUp, JobInterrupted
from services.core.job import Job, JobRecord
from services.core.log_context import job_logging
from services.core.people import RecentJob, UsageEntry
from services.core.priority import RequestPriority
from services.generation.catalogue import ModelCatalogue
from services.generation.editing import Editor
from services.generation.pipeline import Pipeline, Progress
from services.slack.notifier import SlackNotifier
from services.storage.job_store import JobNotFound, JobStore, StoredJob
from services.storage.state import StateStore

# A job that a crash or restart interrupted this many times is not tried again automatically.
MAX_RESUMES = 2

logger = logging.getLogger(__name__)


def hash_user(user_id: str | None) -> str:
    """A stable pseudonym for logs: who caused what can be correlated without naming anyone."""
    if not user_id:
        return "-"
    return hashlib.sha256(f"ja-image-bot:{user_id}".encode()).hexdigest()[:12]


class JobProcessor:
    """One job end to end: status message, pipeline, delivery, final record."""

    def __init__(
        self,
        pipeline: Pipeline,
        notifier: SlackNotifier,
        state: StateStore | None = None,
        announcer: ThreadPoolExecutor | None = None,
        store: JobStore | None = None,
        *,
        catalogue: ModelCatalogue,
        editor: Editor | None = None,
        priority: RequestPriority | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._catalogue = catalogue
        self._editor = editor
        self._notifier = notifier
        self._state = state
        self._store = store
        # Status messages are posted here, off the request thread, so an ack never waits on Slack.
        # Two threads: with many commands at once, more posting threads take the GIL from the
        # acks (python -m bench --scenario ack shows it), and one would make every job's start
        # wait behind all earlier announcements.
        self._announcer = announcer or ThreadPoolExecutor(max_workers=2, thread_name_prefix="announce")
        # ...and both the posting and a job's start wait while Slack's requests are being answered.
        self._priority = priority or RequestPriority()
        self._opened: dict[str, Future[bool]] = {}
        self._lock = threading.Lock()

    def accepted(self, job: Job, place: Callable[[], int]) -> None:
        """Post the job's status message (with its place in the queue) in the background."""
        future = self._announcer.submit(self._open_thread, job, place)
        with self._lock:
            self._opened[job.job_id] = future

    def _open_thread(self, job: Job, place: Callable[[], int]) -> bool:
        self._priority.yield_to_requests()
        # Found here, after the burst of requests: its place as the message is posted.
        return self._notifier.open_thread(job, place())

    def waiting(self, job: Job, position: int) -> None:
        """The job's place in the queue changed: show it, once its status message is posted."""
        future = self._opened.get(job.job_id)
        if future is not None:
            # Places change on every submit and start, often before the announcer has posted the
            # message; a callback shows them in order once it has, instead of dropping them.
            future.add_done_callback(lambda opened: self._show_place(opened, job, position))

    def _show_place(self, opened: Future[bool], job: Job, position: int) -> None:
        with self._lock:
            # Started meanwhile: its progress, not an old place, belongs in the status message.
            waiting = self._opened.get(job.job_id) is opened
        if waiting and not opened.exception() and opened.result():
            self._notifier.waiting(job, position)

    def __call__(self, job: Job) -> None:
        """Process ``job``; whatever fails, the user hears back."""
        with job_logging(job.job_id, hash_user(job.slack.user_id if job.slack else None)):
            self._process(job)

    def _process(self, job: Job) -> None:
        # A job's first seconds (status, record, translation request) are CPU the acks need more.
        self._priority.yield_to_requests()
        with self._lock:
            opened = self._opened.pop(job.job_id, None)
        store = self._store
        try:
            stored = self._started(store, job) if store is not None else None
            can_post = opened.result() if opened is not None else self._notifier.open_thread(job, 0)
            if not can_post:
                if store is not None:
                    store.finish(job.job_id, "interrupted")
                return
            if store is not None and stored is not None and stored.job.slack != job.slack:
                # A resumed job then edits this status message instead of posting a second one.
                store.update(job)
            if self._editor is not None and job.trigger in ("edit", "undo"):
                # An edit starts from an archived image; a crash re-runs it whole (no checkpoints).
                outcome = self._editor.run(job, self._notifier.progress(job))
            else:
                outcome = self._pipeline.run(
                    job,
                    self._notifier.progress(job),
                    resume=stored.checkpoint if stored is not None else None,
                    checkpoint=partial(store.checkpoint, job.job_id) if store is not None else None,
                )
            if store is not None:
                if outcome.image is None:  # an image's own checkpoint already said "generated"
                    store.advance(job.job_id, "generated")
                # At-least-once delivery (SQS, a resumed job) may run a job twice; it posts once.
                if not store.claim_post(job.job_id):
                    logger.info("job %s: already posted by an earlier delivery", job.job_id)
                    return
            model = self._catalogue.model_for(job.options.model)
            self._notifier.progress(job)(Progress("posting"))
            edits = self._editor.operations(outcome.record.model_alias) if self._editor else frozenset()
            self._notifier.deliver(
                job, outcome, model.capabilities, show_candidates=self._grid(job), edits=edits
            )
            record = outcome.record
            if record.posted_file_id or record.posted_message_ts:
                self._pipeline.save_record(record)
                self._remember(job, record)
            self._count(job, record)
            seconds = (record.finished_at - record.created_at).total_seconds() if record.finished_at else 0
            logger.info(
                "job %s: %s in %.1fs (user %s)",
                job.job_id,
                record.status,
                seconds,
                hash_user(job.slack.user_id if job.slack else None),
                # One line per job with every stage's time: per-stage lines would triple the log
                # volume, and the log handler's lock is one the acks wait on too.
                extra={
                    "duration_ms": round(seconds * 1000),
                    "stages": {stage: round(s * 1000) for stage, s in record.stage_seconds.items()},
                },
            )
        except Exception:
            logger.exception("job %s: failed outside the pipeline", job.job_id)
            self._fail(job)

    def _started(self, store: JobStore, job: Job) -> StoredJob:
        """Count the start; the job as stored, with the checkpoint of an interrupted run if any."""
        try:
            stored = store.start(job.job_id)
        except JobNotFound:
            # Queued before the store knew it (an older front, or a hand-made message).
            store.accept(job)
            stored = store.start(job.job_id)
        if stored.checkpoint is not None:
            logger.info("job %s: resuming after the %s stage", job.job_id, stored.checkpoint.stage)
        return stored

    def _fail(self, job: Job) -> None:
        try:
            if self._store is not None:
                self._store.finish(job.job_id, "failed")
            self._notifier.tell_failure(job, BotError("internal"))
        except Exception:
            logger.exception("job %s: could not tell the user", job.job_id)

    def give_up(self, job: Job) -> None:
        """The queue delivered this job too often without success: tell the user once."""
        if self._store is not None:
            with contextlib.suppress(JobNotFound):
                self._store.finish(job.job_id, "failed")
        self._notifier.tell_failure(job, JobGaveUp())

    def resume(self, submit: Callable[[Job], None]) -> int:
        """After a restart: queue the jobs that were not finished, or tell their users; how many."""
        if self._store is None:
            return 0
        resumed = 0
        for stored in self._store.unfinished():
            job = stored.job
            if stored.attempts >= MAX_RESUMES:
                logger.warning("job %s: interrupted %d times; not resumed", job.job_id, stored.attempts)
                self._store.finish(job.job_id, "interrupted")
                self._notifier.tell_failure(job, JobInterrupted())
                continue
            logger.info("job %s: resumed after a restart (stage %s)", job.job_id, stored.stage)
            submit(job)
            resumed += 1
        return resumed

    def _grid(self, job: Job) -> bool:
        """Whether 候補を見る is offered: the job made more than one candidate at once."""
        return job.trigger != "pick" and self._pipeline.candidates_for(job) > 1

    def _count(self, job: Job, record: JobRecord) -> None:
        """Count the finished job in the workspace's usage (App Home, for admins)."""
        if self._state is None or job.slack is None:
            return
        try:
            self._state.record_usage(
                UsageEntry(
                    job_id=job.job_id,
                    user_id=job.slack.user_id,
                    team_id=job.slack.team_id,
                    finished_at=record.finished_at or datetime.now(UTC),
                    status=record.status,
                    images=sum(call.images for call in record.calls if call.kind == "image"),
                    cost_usd=record.estimated_cost_usd or 0.0,
                )
            )
        except Exception:
            logger.exception("job %s: could not count it in the usage", job.job_id)

    def _remember(self, job: Job, record: JobRecord) -> None:
        """Index the posted result for reactions, thread replies and App Home."""
        state, ctx = self._state, job.slack
        if state is None or ctx is None:
            return
        attempt = record.chosen_attempt or 0
        try:
            if record.posted_message_ts:
                state.remember_post(ctx.channel_id, record.posted_message_ts, job.job_id, attempt)
            if ctx.thread_ts:
                state.remember_thread(ctx.channel_id, ctx.thread_ts, job.job_id, attempt)
            state.add_recent(
                ctx.user_id,
                RecentJob(
                    job_id=job.job_id,
                    attempt=attempt,
                    created_at=record.created_at,
                    text=record.original_text,
                    english_prompt=record.english_prompt,
                    seed=record.seed,
                    model_id=record.model_id,
                    file_id=record.posted_file_id,
                    channel_id=ctx.channel_id,
                    thread_ts=ctx.thread_ts,
                ),
            )
        except Exception:
            # The result is posted and archived; only the shortcuts to it are missing.
            logger.exception("job %s: could not index the posted result", job.job_id)

    def close(self) -> None:
        """Stop the announcer once queued announcements are posted."""
        self._announcer.shutdown(wait=True)
