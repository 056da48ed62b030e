"""What the bot must remember between Slack events: which job a posted message shows, user
defaults, App Home lists, quota counts and usage.

``StateStore`` is the contract; ``sqlite.SqliteState`` keeps it in a file per host (the embedded
default) and ``dynamodb.DynamoState`` in one table shared by every host and Lambda instance.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from services.core.people import RecentJob, UsageEntry, UserPrefs, UserUsage

# App Home lists at most a page of results; prune keeps a few pages per user and no more.
RECENT_KEPT_PER_USER = 50


class StateStore(Protocol):
    """Where the bot keeps what it must remember between Slack events."""

    def remember_post(self, channel_id: str, message_ts: str, job_id: str, attempt: int) -> None:
        """Record which job and attempt a posted result message shows."""

    def post_for_message(self, channel_id: str, message_ts: str) -> tuple[str, int] | None:
        """The (job_id, attempt) a posted message shows, or None."""

    def remember_thread(self, channel_id: str, thread_ts: str, job_id: str, attempt: int) -> None:
        """Record the latest result in a thread, replacing any earlier one."""

    def job_for_thread(self, channel_id: str, thread_ts: str) -> tuple[str, int] | None:
        """The (job_id, attempt) of the latest result in a thread, or None."""

    def prefs(self, user_id: str) -> UserPrefs:
        """The user's saved defaults; empty when none were saved."""

    def save_prefs(self, user_id: str, prefs: UserPrefs) -> None:
        """Replace the user's defaults."""

    def add_recent(self, user_id: str, item: RecentJob) -> None:
        """List a result in the user's App Home; the same (job_id, attempt) again replaces it."""

    def recent(self, user_id: str, limit: int = 10) -> list[RecentJob]:
        """The user's latest results, newest first."""

    def forget_recent(self, job_id: str) -> None:
        """Drop every listed result of a job (after it was deleted)."""

    def count_request(self, user_id: str, team_id: str | None, job_id: str) -> None:
        """Count an accepted request once per job id, for quotas."""

    def requests_since(
        self, since: datetime, *, user_id: str | None = None, team_id: str | None = None
    ) -> int:
        """Requests counted at or after ``since``, optionally for one user and/or workspace."""

    def record_usage(self, entry: UsageEntry) -> None:
        """Count a finished job for the usage view; the same job id again replaces its entry."""

    def usage_since(self, team_id: str | None, since: datetime) -> list[UserUsage]:
        """Per-user totals of the workspace's jobs finished at or after ``since``, most jobs first."""

    def prune(self, older_than: timedelta) -> int:
        """Delete old rows; return how many were deleted."""

    def close(self) -> None:
        """Release the store's resources."""
