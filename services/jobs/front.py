"""The Slack front in scale-out mode: post the job's status message, then hand the job to SQS."""

from __future__ import annotations

import logging

from services.core.errors import BotError
from services.core.job import Job
from services.jobs.sqs_queue import SqsJobQueue
from services.jobs.tasks import BackgroundTasks
from services.slack.notifier import SlackNotifier
from services.storage.job_store import JobStore

logger = logging.getLogger(__name__)


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
