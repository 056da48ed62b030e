"""Housekeeping: old rows leave the local state and the job store, so neither grows without end.

DynamoDB tables also expire items by their TTL attribute; pruning there only makes it sooner.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Protocol

from services.storage.job_store import DEFAULT_TTL, JobStore
from services.storage.state import StateStore

logger = logging.getLogger(__name__)

# How often a long-running process prunes; once at start-up, then once a day.
INTERVAL = timedelta(days=1)


class Prunable(Protocol):
    """A store that can drop what it no longer needs: the state and the job store both are."""

    def prune(self, older_than: timedelta) -> int:
        """Delete rows not updated for ``older_than``; return how many."""


class Housekeeper:
    """Prunes the state (posts, threads, quotas, usage) and the job store on a schedule."""

    def __init__(
        self,
        state: StateStore,
        store: JobStore | None,
        *,
        keep_state: timedelta,
        keep_jobs: timedelta = DEFAULT_TTL,
    ) -> None:
        self._state = state
        self._store = store
        self._keep_state = keep_state
        self._keep_jobs = keep_jobs
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Prune both stores now; how many rows went. A failure is logged and retried next time."""
        pruned = 0
        stores: list[tuple[str, Prunable, timedelta]] = [("state", self._state, self._keep_state)]
        if self._store is not None:
            stores.append(("job store", self._store, self._keep_jobs))
        for name, store, age in stores:
            try:
                count = store.prune(age)
            except Exception:
                logger.exception("could not prune the %s", name)
                continue
            if count:
                logger.info("pruned %d old row(s) from the %s", count, name)
            pruned += count
        return pruned

    def start(self, stop: threading.Event, interval: timedelta = INTERVAL) -> None:
        """Prune now and then every ``interval`` in a daemon thread, until ``stop`` is set."""

        def loop() -> None:
            while not stop.is_set():
                self.run_once()
                stop.wait(interval.total_seconds())

        self._thread = threading.Thread(target=loop, name="housekeeping", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        """Whether the pruning thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end once ``stop`` is set."""
        if self._thread is not None:
            self._thread.join(timeout)
