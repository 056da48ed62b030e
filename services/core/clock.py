"""Time helpers shared by the stores: UTC now, and epoch seconds that never read a naive time as local."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def epoch_seconds(moment: datetime) -> float:
    """Epoch seconds of a datetime; a naive one is taken as UTC, never as local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
