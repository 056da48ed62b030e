"""Running jobs off the request thread, on a bounded pool sized for model calls."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from services.errors import BotError
from services.models import Job
from services.pipeline import Pipeline
from services.slack_output import SlackNotifier

logger = logging.getLogger(__name__)


class JobProcessor:
    """One job end to end: status message, pipeline, delivery, final record."""

    def __init__(self, pipeline: Pipeline, notifier: SlackNotifier) -> None:
        self._pipeline = pipeline
        self._notifier = notifier

    def __call__(self, job: Job) -> None:
        """Process ``job``; whatever fails, the user hears back."""
        try:
            if not self._notifier.open_thread(job):
                return
            outcome = self._pipeline.run(job, self._notifier.progress(job))
            self._notifier.deliver(job, outcome, self._pipeline.model.capabilities)
            if outcome.record.posted_file_id or outcome.record.posted_message_ts:
                self._pipeline.save_record(outcome.record)
        except Exception:
            logger.exception("job %s: failed outside the pipeline", job.job_id)
            try:
                self._notifier.tell_failure(job, BotError("internal"))
            except Exception:
                logger.exception("job %s: could not tell the user", job.job_id)


class JobRunner:
    """An in-process queue: a fixed number of worker threads take jobs in order."""

    def __init__(self, process: Callable[[Job], None], workers: int) -> None:
        self._process = process
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    def submit(self, job: Job) -> None:
        """Queue ``job``; returns at once."""
        future = self._pool.submit(self._process, job)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        logger.info("job %s: queued (%s)", job.job_id, job.trigger)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)
            if not self._pending:
                self._idle.notify_all()

    @property
    def in_flight(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return len(self._pending)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is queued or running; False on timeout."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking jobs; with ``wait``, finish the queued ones first."""
        self._pool.shutdown(wait=wait)
