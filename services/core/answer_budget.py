"""At most a few image answers held in full at once: the rest wait, unread, in their sockets.

An image model's answer is a JSON body of base64 images (2.2 MB for one 1024² PNG). Reading it
makes the body, the decoded strings and the PNG bytes, 6 MB or more per image, until the image
is archived and its small check copy made. When fifty jobs' answers arrive together, each thread
read its answer as soon as it could, and every image sat decoded in memory waiting for a turn at
the CPU to be archived and shrunk: 1.9 MB per image in flight, 395 MB for 150 images
(``python -m bench --scenario memory``).

So a job opens a ``scope`` around a model call and the archiving of its images; the image model
calls ``before_reading`` just before it reads the body, which waits for a permit held until the
scope ends. An answer not yet read stays in the kernel's socket buffer (and the server's), not
in this process. The permits only bound what is decoded at once: the CPU that archives and
shrinks the images was the bottleneck anyway, so jobs finish no later. A thread holds at most
one permit however many answers it reads in its scope, so it never waits for a second.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Archiving and shrinking is CPU work (PNG decode, JPEG encode): two answers per core keep the
# cores busy, and more only wait for them in memory. Four on the 2-core benchmark machine.
DEFAULT_PERMITS = max(2, 2 * (os.cpu_count() or 1))


class _Permit:
    """One scope's claim: taken at its first read, given back when the scope ends."""

    def __init__(self, permits: threading.BoundedSemaphore) -> None:
        self._permits = permits
        self._held = False

    def take(self) -> None:
        if not self._held:
            self._permits.acquire()
            self._held = True

    def give_back(self) -> None:
        if self._held:
            self._held = False
            self._permits.release()


_CURRENT: ContextVar[_Permit | None] = ContextVar("answer_permit", default=None)


class AnswerBudget:
    """How many image answers may be read and held in full at once, across all jobs."""

    def __init__(self, permits: int = DEFAULT_PERMITS) -> None:
        if permits < 1:
            raise ValueError("permits must be at least 1")
        self._permits = threading.BoundedSemaphore(permits)

    @contextmanager
    def scope(self) -> Iterator[None]:
        """An answer read inside this block (on this thread) waits for a permit, kept to the end."""
        permit = _Permit(self._permits)
        token = _CURRENT.set(permit)
        try:
            yield
        finally:
            _CURRENT.reset(token)
            permit.give_back()


def before_reading() -> None:
    """Called by an image model right before it reads an answer: waits for the scope's permit.

    Outside a scope (an upscale, a description, a test) it returns at once.
    """
    permit = _CURRENT.get()
    if permit is not None:
        permit.take()
