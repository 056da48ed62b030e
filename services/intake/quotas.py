"""Who may queue one more job: daily quotas, the per-user queue limit, and the usage report.

One time zone (QUOTA_TIMEZONE) decides where a day starts: the daily counts, the reset time a
refusal names, App Home's remaining quota and the admins' usage figures all use it, so a user
never meets two different midnights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.core.errors import InputRejected
from services.core.job import SlackContext
from services.intake.forms import QuotaStatus, UsageReport
from services.intake.handoff import ActiveJobs
from services.storage.state import StateStore

DEFAULT_TIMEZONE = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class QuotaLimits:
    """The limits, ``None`` meaning unlimited; admins are held to none of them."""

    user_daily: int | None = None
    team_daily: int | None = None
    timezone: ZoneInfo = DEFAULT_TIMEZONE
    admins: frozenset[str] = frozenset()
    # Jobs of one user running at once; the runner or the SQS worker makes the rest wait.
    max_running: int | None = None
    # Jobs of one user waiting beyond ``max_running``; one more is refused.
    max_queued: int | None = None


class Quotas:
    """Decides whether a request may be queued, and reports today's use."""

    def __init__(
        self,
        state: StateStore,
        limits: QuotaLimits,
        *,
        active: ActiveJobs | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._state = state
        self.limits = limits
        self._active = active.active_for if active is not None else None
        self._clock = clock

    def status(self, user_id: str) -> QuotaStatus:
        """How much of today's quota the user has used, and when it resets."""
        start, resets = self.today()
        used = self._state.requests_since(start, user_id=user_id)
        # In the quota's own zone, so App Home can say when and in which zone the day ends.
        local = resets.astimezone(self.limits.timezone)
        return QuotaStatus(limit=self.limits.user_daily, used=used, resets_at=local)

    def usage(self, team_id: str | None) -> UsageReport:
        """The workspace's usage today (in the quota's time zone) and over the last 7 days."""
        start, _ = self.today()
        return UsageReport(
            today=self._state.usage_since(team_id, start),
            week=self._state.usage_since(team_id, start - timedelta(days=6)),
        )

    def today(self) -> tuple[datetime, datetime]:
        """Start of today and of tomorrow in the quota's time zone, as UTC."""
        local = self._clock().astimezone(self.limits.timezone)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)

    def admit(self, slack: SlackContext) -> None:
        """Refuse politely when the user's queue is full or today's quota is used up."""
        if slack.user_id in self.limits.admins:
            return
        self._check_queue(slack.user_id)
        start, resets = self.today()
        reset = f"{resets.astimezone(self.limits.timezone):%H:%M}"
        limit = self.limits.user_daily
        if limit is not None and self._state.requests_since(start, user_id=slack.user_id) >= limit:
            raise InputRejected("quota.user", limit=limit, reset=reset)
        limit = self.limits.team_daily
        if (
            limit is not None
            and slack.team_id
            and self._state.requests_since(start, team_id=slack.team_id) >= limit
        ):
            raise InputRejected("quota.team", limit=limit, reset=reset)

    def _check_queue(self, user_id: str) -> None:
        waiting = self.limits.max_queued
        if waiting is None or self._active is None:
            return
        # Beyond the running cap a request waits its turn rather than being refused, so a burst
        # of prompts is never lost; only a queue longer than max_queued is refused.
        if self._active(user_id) >= (self.limits.max_running or 0) + waiting:
            raise InputRejected("quota.queue_full", limit=waiting)
