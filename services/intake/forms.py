"""What intake reads and what it hands the Slack side to render or answer: data only, no blocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from services.core.inputs import SourceFile
from services.core.job import (
    CFG_MAX,
    CFG_MIN,
    MAX_NEGATIVE_CHARS,
    MAX_PROMPT_CHARS,
    MAX_TEXT_CHARS,
    SEED_MAX,
    PhotoMode,
)
from services.core.people import UserUsage


def prefilled_prompt(prompt: str) -> str:
    """What the ⚙️ 調整 form shows of an English prompt: all of it, up to what the field holds."""
    return prompt[:MAX_PROMPT_CHARS]


class FormInput(BaseModel):
    """The submitted form, validated; empty fields are ``""`` or ``None``."""

    text: str = Field("", max_length=MAX_TEXT_CHARS)
    english_prompt: str = Field("", max_length=MAX_PROMPT_CHARS)
    negative: str = Field("", max_length=MAX_NEGATIVE_CHARS)
    cfg_scale: float | None = Field(None, ge=CFG_MIN, le=CFG_MAX)
    seed: int | None = Field(None, ge=0, le=SEED_MAX)
    size: str | None = None
    style: str | None = None
    model: str | None = None
    # The photo given in the form's file input, and how to use it (None: chosen from the words).
    photo: SourceFile | None = None
    photo_mode: PhotoMode | None = None

    def english_for(self, original: str | None) -> str | None:
        """The English prompt asked for: ``original`` itself when the field still shows its prefill."""
        typed = " ".join(self.english_prompt.split())
        if original and typed == " ".join(prefilled_prompt(original).split()):
            # Whitespace is folded on reading, and the field shows only the first 3,000 characters
            # of a longer (SD3) prompt: neither is an edit, so the prompt is kept exactly as it was.
            return original
        return typed or None


class HelpRequested(Exception):
    """The user asked for usage (``/imagine help``); the edge answers with the help text."""


@dataclass(frozen=True)
class QuotaStatus:
    """Today's use of a user's quota; ``limit`` None means unlimited.

    ``resets_at`` is in the quota's time zone (QUOTA_TIMEZONE), the one its days are counted in.
    """

    limit: int | None
    used: int
    resets_at: datetime


@dataclass(frozen=True)
class UsageReport:
    """What admins see in App Home: per-user totals of today and of the last 7 days."""

    today: list[UserUsage]
    week: list[UserUsage]
