"""First-time checks for request keys, so a retried or double-sent Slack request runs once.

``memory.MemoryDeduper`` serves one process; ``dynamodb.DynamoDeduper`` every process sharing a table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Clock = Callable[[], float]


class Deduper(Protocol):
    """Remembers keys for a while."""

    def first_time(self, key: str, ttl_seconds: float) -> bool:
        """True exactly once per ``key`` within ``ttl_seconds`` (atomic across threads)."""
        ...
