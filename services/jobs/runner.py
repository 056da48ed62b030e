"""The in-process queue: a fixed number of worker threads take jobs in order, each knowing its place.

The embedded bot runs jobs here; in scale-out mode ``sqs`` moves them between processes instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from typing import Protocol

from services.core.job import Job

logger = logging.getLogger(__name__)


class _Process(Protocol):
    def __call__(self, job: Job) -> None: ...


class QueueWatcher(Protocol):
    """Told where each job stands in the queue, so its status message can show its place."""

    def accepted(self, job: Job, position: int) -> None:
        """``job`` joined the queue at ``position`` (0: a worker starts it at once)."""

    def waiting(self, job: Job, position: int) -> None:
        """``job`` moved up the queue to ``position``."""


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
        watcher: QueueWatcher | None = None,
    ) -> None:
        self._process = process
        self._watcher = watcher
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
        if self._watcher is not None:
            self._watcher.accepted(job, position)
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
        if self._watcher is None:
            return
        for place, job in enumerate(waiting, start=1):
            try:
                self._watcher.waiting(job, place)
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
