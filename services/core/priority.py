"""Slack's requests before background work: an ack must not wait for the GIL behind a status post.

Python runs one thread at a time. When fifty commands arrive at once, the threads answering them
(verify, parse, write the job durably, ack) compete for that one lock with the threads that post
status messages and start jobs: posting and starting are JSON, TLS and request signing, pure CPU,
and each thread holds the lock for up to the switch interval (5 ms) before an ack gets a turn.
The acks then queue behind work that could as well run a moment later (``python -m bench
--scenario ack``).

So the process keeps a count of the requests being answered, and background work that can wait
(a status post, a job's start) waits for the count to reach zero and stay there for ``settle``
seconds (a burst's requests arrive a few milliseconds apart, and the gaps between them are not
quiet). It never waits longer than ``max_wait``: under a steady stream of requests, background
work still goes on, delayed by at most that. A job's own model calls, once started, are not held.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# A burst's requests arrive milliseconds apart; 20 ms without any request is a burst's end.
SETTLE_SECONDS = 0.02
# Background work is never held longer than this: a status post or a job's start is delayed by at
# most a third of a second under the heaviest stream of requests.
MAX_WAIT_SECONDS = 0.3


class RequestPriority:
    """Counts the requests being answered; background work yields to them for a bounded time."""

    def __init__(
        self,
        settle: float = SETTLE_SECONDS,
        max_wait: float = MAX_WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settle = settle
        self._max_wait = max_wait
        self._clock = clock
        self._changed = threading.Condition()
        self._serving = 0
        self._last_end = float("-inf")

    @property
    def serving(self) -> int:
        """Requests being answered now."""
        return self._serving

    @contextmanager
    def request(self) -> Iterator[None]:
        """Mark a request as being answered for the duration of the block."""
        with self._changed:
            self._serving += 1
        try:
            yield
        finally:
            with self._changed:
                self._serving -= 1
                self._last_end = self._clock()
                if not self._serving:
                    self._changed.notify_all()

    def yield_to_requests(self) -> float:
        """Wait until no request has been answered for ``settle`` seconds, at most ``max_wait``.

        Returns the seconds waited (0.0 when nothing was in flight).
        """
        start = self._clock()
        deadline = start + self._max_wait
        with self._changed:
            if not self._busy(start):
                return 0.0
            while True:
                now = self._clock()
                if now >= deadline or not self._busy(now):
                    return now - start
                if self._serving:
                    self._changed.wait(deadline - now)
                else:
                    # Quiet, but only just: see whether another request of the burst follows.
                    self._changed.wait(min(deadline, self._last_end + self._settle) - now)

    def _busy(self, now: float) -> bool:
        return self._serving > 0 or now - self._last_end < self._settle
