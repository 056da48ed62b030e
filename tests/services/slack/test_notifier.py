"""What SlackNotifier says when the upload fails: a link, and how long it really opens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from services.core.job import Attempt, Job, JobRecord, SlackContext
from services.core.text import Language
from services.generation.image_models.amazon import NOVA_CANVAS
from services.generation.pipeline import JobOutcome
from services.slack.notifier import SlackNotifier, link_lifetime
from services.storage.archive import ImageLink

JOB_ID = "20261121T093015-0123abcd"
KEY = "jobs/2026/11/21/20261121T093015-0123abcd/r0-a01.png"
URL = "https://bucket.s3.amazonaws.com/jobs/r0-a01.png?X-Amz-Signature=abc"


class _Client:
    """A WebClient whose uploads fail (after slack_sdk's own retries)."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def files_upload_v2(self, **kwargs: Any) -> dict[str, Any]:
        raise SlackApiError("upload failed", {"ok": False, "error": "internal_error"})

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:
        self.texts.append(kwargs["text"])
        return {"ts": "1700000000.000200"}


class _Board:
    def show(self, *args: Any, **kwargs: Any) -> None:
        pass


def _told(link: Callable[[str], ImageLink | None], lang: Language = "ja") -> str:
    client = _Client()
    notifier = SlackNotifier(client, _Board(), link=link)  # type: ignore[arg-type]
    job = Job(
        job_id=JOB_ID, text="夜の海", lang=lang, slack=SlackContext(channel_id="C0CHAN", user_id="U0USER")
    )
    record = JobRecord(
        job_id=JOB_ID,
        trigger="command",
        created_at=datetime(2026, 11, 21, 9, 30, 15, tzinfo=UTC),
        status="accepted",
        original_text="夜の海",
        english_prompt="a night sea",
        model_id="amazon.nova-canvas-v1:0",
        seed=1,
        width=1024,
        height=1024,
        attempts=[
            Attempt(index=1, revision=0, prompt="p", seed=1, cfg_scale=6.5, outcome="accepted", image_key=KEY)
        ],
        chosen_attempt=1,
    )

    notifier.deliver(job, JobOutcome(record=record, image=b"png"), NOVA_CANVAS)

    [text] = client.texts
    assert record.posted_file_id is None
    return text


@pytest.mark.parametrize(
    ("seconds", "ja", "en"),
    [
        (7 * 86400, "7 日間", "7 days"),
        (86400 + 3600, "1 日間", "1 day"),
        (5 * 3600 + 59 * 60, "5 時間", "5 hours"),
        (3600, "1 時間", "1 hour"),
        (45 * 60 + 59, "45 分間", "45 minutes"),
        (60, "1 分間", "1 minute"),
    ],
)
def test_a_lifetime_is_rounded_down_so_it_never_promises_too_much(seconds: int, ja: str, en: str) -> None:
    assert link_lifetime(seconds, "ja") == ja
    assert link_lifetime(seconds, "en") == en


def test_a_weeks_link_says_seven_days() -> None:
    text = _told(lambda key: ImageLink(url=URL, seconds=7 * 86400))

    assert f"<{URL}|画像を開く>" in text
    assert "（7 日間有効）" in text and JOB_ID in text


@pytest.mark.parametrize(("lang", "said"), [("ja", "（3 時間有効）"), ("en", "(valid for 3 hours)")])
def test_a_link_under_a_role_says_how_many_hours_it_opens(lang: Language, said: str) -> None:
    text = _told(lambda key: ImageLink(url=URL, seconds=3 * 3600 + 1200), lang)

    assert said in text and "7" not in text.replace(JOB_ID, "")


@pytest.mark.parametrize(("lang", "said"), [("ja", "最長 1 時間"), ("en", "at most 1 hour")])
def test_a_link_whose_credentials_expiry_is_unknown_promises_at_most_its_own_lifetime(
    lang: Language, said: str
) -> None:
    text = _told(lambda key: ImageLink(url=URL, seconds=3600, certain=False), lang)

    assert said in text and URL in text


def test_without_a_link_the_user_is_told_the_image_is_saved() -> None:
    def broken(key: str) -> ImageLink | None:
        raise RuntimeError("no credentials")

    for link in (lambda key: None, broken):
        text = _told(link)
        assert "画像は保存済みです" in text and "http" not in text
