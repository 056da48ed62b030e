"""SIGTERM and SIGINT as a ``threading.Event``, set without taking a lock inside a signal handler.

A Python signal handler runs on the main thread between two bytecodes. If that thread is inside
``Event.wait`` at that moment it may hold the event's own non-reentrant lock, and an ``Event.set``
from the handler then waits on it forever: the process ignores SIGTERM until it is killed. So the
handler does nothing; Python's C-level handler writes the signal number to a wakeup pipe (an
async-signal-safe write), and a small thread reading that pipe sets the event.
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _ignore(_signum: int, _frame: FrameType | None) -> None:
    """Replaces the default action (exit at once); the wakeup pipe carries the signal instead."""


def stop_on_signals() -> threading.Event:
    """An event set once SIGTERM or SIGINT arrives; call from the main thread, once per process."""
    stop = threading.Event()
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)  # set_wakeup_fd requires it; a full pipe drops, never blocks
    signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    for signum in SIGNALS:
        signal.signal(signum, _ignore)

    def watch() -> None:
        while True:
            try:
                received = os.read(read_fd, 64)
            except OSError:  # pragma: no cover - the pipe is never closed while the process runs
                return
            if not received:  # pragma: no cover - the write end is never closed either
                return
            if any(byte in SIGNALS for byte in received):
                stop.set()

    threading.Thread(target=watch, name="signals", daemon=True).start()
    return stop
