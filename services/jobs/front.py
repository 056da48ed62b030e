"""The Slack front in scale-out mode: post the job's status message, then hand the job to SQS."""

from __future__ import annotations

import logging

from services.core.errors import BotError
from services.core.job import Job
from services.core.priority import RequestPriority
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
        max_running_per_user: int | None = None,
        priority: RequestPriority | None = None,
    ) -> None:
        self._queue = queue
        self._notifier = notifier
        self._store = store
        self._cap = max_running_per_user
        # Lambda freezes after the response, so there the hand-off happens before the ack.
        self._tasks = BackgroundTasks(inline=inline)
        # The status post waits while requests are answered (Lambda's inline hand-off cannot wait).
        self._priority = None if inline else priority

    def submit(self, job: Job) -> None:
        """Announce and enqueue ``job`` (in the background unless inline)."""
        self._tasks.submit(f"enqueue {job.job_id}", lambda: self._send(job))

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until every accepted job is on the queue; False on timeout."""
        return self._tasks.wait_idle(timeout)

    def _send(self, job: Job) -> None:
        if self._priority is not None:
            self._priority.yield_to_requests()
        try:
            if not self._notifier.open_thread(job, self._place(job)):
                if self._store is not None:
                    self._store.finish(job.job_id, "interrupted")
                return
            self._queue.submit(job)
        except Exception:
            logger.exception("job %s: could not be queued", job.job_id)
            if self._store is not None:
                self._store.finish(job.job_id, "failed")
            self._notifier.tell_failure(job, BotError("internal"))

    def _place(self, job: Job) -> int:
        """The job's place behind its user's own jobs (0: the next free worker may start it).

        Workers defer a user's jobs beyond the cap, so that is the wait a user can be told of;
        where the job stands among other users' jobs is up to the queue.
        """
        if self._store is None or self._cap is None or job.slack is None:
            return 0
        try:
            # The user's unfinished jobs, this one included (accepted before it was submitted).
            return max(0, self._store.active_for(job.slack.user_id) - self._cap)
        except Exception:
            logger.exception("job %s: could not count its user's jobs; no place shown", job.job_id)
            return 0

    def close(self) -> None:
        """Finish the hand-offs in progress."""
        self._tasks.shutdown()
