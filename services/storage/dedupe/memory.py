"""First-time checks in an in-process TTL cache: enough for one bot process."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from services.storage.dedupe.base import Clock


class MemoryDeduper:
    """An in-process TTL cache: enough for one bot process; several processes need DynamoDeduper."""

    def __init__(self, max_keys: int = 100_000, clock: Clock = time.monotonic) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        # key -> expiry, oldest insertion first.
        self._expiries: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str, ttl_seconds: float) -> bool:
        """True if ``key`` was not seen within its TTL; remembers it for ``ttl_seconds``."""
        with self._lock:
            now = self._clock()
            expiry = self._expiries.get(key)
            if expiry is not None and expiry > now:
                return False
            self._expiries[key] = now + ttl_seconds
            self._expiries.move_to_end(key)
            self._prune(now)
            return True

    def size(self) -> int:
        """How many keys are remembered (expired ones may linger until the next write)."""
        with self._lock:
            return len(self._expiries)

    def _prune(self, now: float) -> None:
        # Expired keys at the front go first; then the bound. Evicting a live key can only let a
        # duplicate through, never drop a request.
        while self._expiries:
            oldest, expiry = next(iter(self._expiries.items()))
            if expiry > now and len(self._expiries) <= self._max_keys:
                break
            del self._expiries[oldest]
