"""How the process uses memory: freed image buffers go back to the system, and the heap built at
start-up is kept out of the garbage collector's full passes."""

from __future__ import annotations

import ctypes
import gc
import platform

# glibc's <malloc.h>: mallopt(M_MMAP_THRESHOLD, bytes).
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_BYTES = 128 * 1024


def return_freed_memory() -> bool:
    """Make glibc's malloc hand image-sized buffers back to the system as soon as they are freed.

    glibc raises its mmap threshold towards 32 MiB after the first large free, so from then on the
    multi-MB images, base64 strings and response bodies of many threads are carved out of
    per-thread arenas that stay at their peak size: with 50 jobs in flight that was a third more
    RSS (README, Benchmark). The Dockerfile used to set MALLOC_MMAP_THRESHOLD_ for this, which
    ``pip install . && python -m bot`` never saw. musl and other C libraries have no mallopt;
    they are left as they are. True when the option was set.
    """
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES))


def settle_startup_heap() -> int:
    """Collect what start-up left behind, then keep everything still alive out of later full passes.

    Start-up leaves about 100,000 objects that live as long as the process: botocore's service
    models, Bolt's listeners, pydantic's validators. CPython's full (generation 2) collection walks
    every one of them with the GIL held: 50 to 110 ms in the bot (timed with ``gc.callbacks`` during
    ``python -m bench --scenario ack``). One that falls inside a burst of slash commands holds every
    ack in flight that long. ``gc.freeze`` moves them to the permanent generation, so a full pass
    walks only what was made since. Frozen objects are still freed when their reference count
    drops to zero; only a reference cycle among them would outlive its use, which is why the cycles
    start-up made are collected first. Call once, after start-up and before serving. Returns how
    many objects were set aside.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
