"""Who uses the bot: a user's saved defaults, their recent results, and usage for admins."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.core.job import JobStatus


class UserPrefs(BaseModel):
    """A user's defaults, set in App Home; ``None`` means the workspace default."""

    model: str | None = None  # an enabled model alias
    style: str | None = None  # a style name
    size: str | None = None  # "1024x1024" or an aspect ratio "16:9"
    lang: Literal["ja", "en"] | None = None


class UsageEntry(BaseModel):
    """One finished job, as counted for admins' usage view."""

    job_id: str
    user_id: str
    team_id: str | None = None
    finished_at: datetime
    status: JobStatus
    images: int = Field(default=0, ge=0)  # images the model generated (and was paid for)
    cost_usd: float = Field(default=0.0, ge=0)


class UserUsage(BaseModel):
    """One user's finished jobs over a period."""

    user_id: str
    jobs: int = 0
    posted: int = 0  # accepted or best effort: an image was posted
    refused: int = 0  # moderation or bad input
    failed: int = 0
    images: int = 0
    cost_usd: float = 0.0

    def add(self, entry: UsageEntry) -> None:
        """Count ``entry`` into these totals."""
        self.jobs += 1
        if entry.status in ("accepted", "best_effort"):
            self.posted += 1
        elif entry.status == "rejected":
            self.refused += 1
        else:
            self.failed += 1
        self.images += entry.images
        self.cost_usd += entry.cost_usd


def usage_by_user(entries: Iterable[UsageEntry]) -> list[UserUsage]:
    """Per-user totals of ``entries``, most jobs first (then by user id)."""
    totals: dict[str, UserUsage] = {}
    for entry in entries:
        totals.setdefault(entry.user_id, UserUsage(user_id=entry.user_id)).add(entry)
    return sorted(totals.values(), key=lambda usage: (-usage.jobs, usage.user_id))


class RecentJob(BaseModel):
    """One posted result, as listed in the requester's App Home."""

    job_id: str
    attempt: int
    created_at: datetime
    text: str
    english_prompt: str | None = None
    seed: int | None = None
    model_id: str
    file_id: str | None = None
    channel_id: str
    thread_ts: str | None = None
