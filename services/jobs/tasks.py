"""Short Slack-side tasks (grid uploads, deletes, approvals) off the request thread.

Bolt answers Slack only when a listener returns (process_before_response), so anything that may
take more than a moment runs here, and the listener acks at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

logger = logging.getLogger(__name__)


class BackgroundTasks:
    """A small pool whose tasks log their own failures; tests and shutdown can wait for it."""

    def __init__(self, workers: int = 4, *, inline: bool = False) -> None:
        # Inline on Lambda: the environment freezes once the response is sent.
        self._inline = inline
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="task")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    def submit(self, name: str, task: Callable[[], None]) -> None:
        """Run ``task`` soon; an exception is logged with ``name``, never raised to the caller."""

        def run() -> None:
            try:
                task()
            except Exception:
                logger.exception("task %s failed", name)

        if self._inline:
            run()
            return
        future = self._pool.submit(run)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)
            if not self._pending:
                self._idle.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no task is queued or running; False on timeout."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    def shutdown(self) -> None:
        """Finish queued tasks, then stop."""
        self._pool.shutdown(wait=True)
