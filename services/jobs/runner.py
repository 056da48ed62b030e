"""Running jobs off the request thread: a queue that knows each job's place, and its workers."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import Protocol

from services.core.errors import BotError, JobGaveUp, JobInterrupted
from services.core.job import Job, JobRecord, RecentJob, UsageEntry
from services.core.log_context import job_logging
from services.generation.catalogue import ModelCatalogue
from services.generation.pipeline import Pipeline, Progress
from services.jobs.sqs import SqsJobQueue
from services.jobs.tasks import BackgroundTasks
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
    ) -> None:
        self._pipeline = pipeline
        self._catalogue = catalogue
        self._notifier = notifier
        self._state = state
        self._store = store
        # Status messages are posted here, off the request thread, so an ack never waits on Slack.
        # Two threads: with 50 commands at once, four posting threads took the GIL from the acks
        # (python -m bench --scenario ack: p99 100 ms with four, 86-94 ms with two, 84 with one;
        # one would make every job's start wait behind all earlier announcements).
        self._announcer = announcer or ThreadPoolExecutor(max_workers=2, thread_name_prefix="announce")
        self._opened: dict[str, Future[bool]] = {}
        self._lock = threading.Lock()

    def accepted(self, job: Job, position: int) -> None:
        """Post the job's status message (with its place in the queue) in the background."""
        future = self._announcer.submit(self._notifier.open_thread, job, position)
        with self._lock:
            self._opened[job.job_id] = future

    def waiting(self, job: Job, position: int) -> None:
        """The job moved up the queue."""
        future = self._opened.get(job.job_id)
        if future is not None and future.done() and not future.exception() and future.result():
            self._notifier.waiting(job, position)

    def __call__(self, job: Job) -> None:
        """Process ``job``; whatever fails, the user hears back."""
        with job_logging(job.job_id, hash_user(job.slack.user_id if job.slack else None)):
            self._process(job)

    def _process(self, job: Job) -> None:
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
            self._notifier.deliver(job, outcome, model.capabilities, show_candidates=self._grid(job))
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


class _Process(Protocol):
    def __call__(self, job: Job) -> None: ...


class JobRunner:
    """An in-process queue: a fixed number of worker threads take jobs in order.

    Unlike a thread pool it knows where each waiting job stands, so the status message can say
    「順番待ち（2 番目）」 and count down as jobs ahead of it start.
    """

    def __init__(
        self,
        process: _Process,
        workers: int,
        *,
        on_accept: Callable[[Job, int], None] | None = None,
        on_move: Callable[[Job, int], None] | None = None,
    ) -> None:
        self._process = process
        self._on_accept = on_accept
        self._on_move = on_move
        self._queue: deque[Job] = deque()
        self._running = 0
        self._per_user: Counter[str] = Counter()
        self._closed = False
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._threads = [
            threading.Thread(target=self._work, name=f"job-{n}", daemon=True) for n in range(workers)
        ]
        self._workers = workers
        for thread in self._threads:
            thread.start()

    def submit(self, job: Job) -> None:
        """Queue ``job``; returns at once. Raises RuntimeError after shutdown."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the job runner is shut down")
            # 0 means a worker is free and the job starts at once.
            position = max(0, self._running + len(self._queue) + 1 - self._workers)
        # Announced before a worker can see the job, so the worker finds its status message.
        if self._on_accept is not None:
            self._on_accept(job, position)
        with self._lock:
            self._queue.append(job)
            self._per_user[_user(job)] += 1
            self._changed.notify()
        logger.info("job %s: queued (%s), position %d", job.job_id, job.trigger, position)

    def _work(self) -> None:
        while True:
            with self._lock:
                self._changed.wait_for(lambda: self._queue or self._closed)
                if not self._queue:
                    return  # closed and drained
                job = self._queue.popleft()
                self._running += 1
                waiting = list(self._queue)
            self._announce_moves(waiting)
            try:
                self._process(job)
            except Exception:
                logger.exception("job %s: worker failed", job.job_id)
            finally:
                with self._lock:
                    self._running -= 1
                    self._per_user[_user(job)] -= 1
                    self._changed.notify_all()

    def _announce_moves(self, waiting: list[Job]) -> None:
        if self._on_move is None:
            return
        for place, job in enumerate(waiting, start=1):
            try:
                self._on_move(job, place)
            except Exception:
                logger.exception("job %s: could not show its queue position", job.job_id)

    def active_for(self, user_id: str) -> int:
        """The user's jobs queued or running in this process."""
        with self._lock:
            return self._per_user[user_id]

    @property
    def in_flight(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return len(self._queue) + self._running

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is queued or running; False on timeout."""
        with self._lock:
            return self._changed.wait_for(lambda: not self._queue and not self._running, timeout)

    def shutdown(self, wait: bool = True, timeout: float | None = None) -> int:
        """Stop taking jobs; with ``wait``, finish the queued ones first (for ``timeout`` at most).

        Returns how many jobs were left queued or running; a durable job store resumes them at
        the next start.
        """
        with self._lock:
            self._closed = True
            if not wait:
                self._queue.clear()
            self._changed.notify_all()
        if not wait:
            return self.in_flight
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        with self._lock:
            left = len(self._queue) + self._running
            self._queue.clear()  # not started: they stay "queued" in the store
            return left


def _user(job: Job) -> str:
    return job.slack.user_id if job.slack else ""


class QueueFront:
    """The front in scale-out mode: post the status message, then hand the job to SQS."""

    def __init__(
        self,
        queue: SqsJobQueue,
        notifier: SlackNotifier,
        store: JobStore | None = None,
        *,
        inline: bool = False,
    ) -> None:
        self._queue = queue
        self._notifier = notifier
        self._store = store
        # Lambda freezes after the response, so there the hand-off happens before the ack.
        self._tasks = BackgroundTasks(inline=inline)

    def submit(self, job: Job) -> None:
        """Announce and enqueue ``job`` (in the background unless inline)."""
        self._tasks.submit(f"enqueue {job.job_id}", lambda: self._send(job))

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until every accepted job is on the queue; False on timeout."""
        return self._tasks.wait_idle(timeout)

    def _send(self, job: Job) -> None:
        try:
            if not self._notifier.open_thread(job, 0):
                if self._store is not None:
                    self._store.finish(job.job_id, "interrupted")
                return
            self._queue.submit(job)
        except Exception:
            logger.exception("job %s: could not be queued", job.job_id)
            if self._store is not None:
                self._store.finish(job.job_id, "failed")
            self._notifier.tell_failure(job, BotError("internal"))

    def close(self) -> None:
        """Finish the hand-offs in progress."""
        self._tasks.shutdown()
