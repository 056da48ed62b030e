"""Taking turns: at most a few holders at once, the others wait in line and know their place.

Upscales use it (UPSCALE_CONCURRENCY): while a 4096×4096 answer is read, archived and checked, it is
base64 JSON, a PNG and 16 megapixels of decoded pixels, about a hundred megabytes. A few at once are
fine; a burst of them is the process's memory (README, scenario 7). Waiting in line costs an
upscale seconds; running out of memory costs every job.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Turns:
    """At most ``limit`` holders at once; the others wait first come, first served.

    A waiter is told its place whenever it changes: how many holders must finish before it starts
    (1: it is next).
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._holders = 0
        self._waiting: deque[object] = deque()
        self._changed = threading.Condition()

    @contextmanager
    def hold(self, told: Callable[[int], None] = lambda _: None) -> Iterator[None]:
        """Wait for a turn (calling ``told`` with each new place), then hold it inside."""
        self.take(told)
        try:
            yield
        finally:
            self.give()

    def give(self) -> None:
        """End a turn ``take`` began; the next in line starts."""
        with self._changed:
            self._holders -= 1
            self._changed.notify_all()

    def take(self, told: Callable[[int], None] = lambda _: None) -> None:
        """Wait for a turn, calling ``told`` with each new place; ``give`` ends it."""
        ticket = object()
        shown = 0
        with self._changed:
            self._waiting.append(ticket)
        try:
            while True:
                with self._changed:
                    place = self._place(ticket)
                    if place == 0:
                        self._waiting.remove(ticket)
                        self._holders += 1
                        return
                    if place == shown:
                        self._changed.wait()
                        continue
                # Told outside the lock: telling may post to Slack.
                shown = place
                told(place)
        except BaseException:
            with self._changed:
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
                    self._changed.notify_all()
            raise

    def _place(self, ticket: object) -> int:
        free = self.limit - self._holders
        index = self._waiting.index(ticket)
        return 0 if index < free else index - free + 1
