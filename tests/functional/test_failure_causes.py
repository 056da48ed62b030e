"""Each way a real workspace fails has its own message; configuration problems reach the admins once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.settings import Settings
from tests.conftest import BotHarness
from tests.servers.aws_emulator import Error

NOVA = "amazon.nova-canvas-v1:0"
ADMINS = "C0ADMINS"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"admin_channel": ADMINS})


def _thread_texts(bot: BotHarness) -> list[str]:
    return [
        str(c.params.get("text", ""))
        for c in bot.slack.calls("chat.postMessage")
        if c.params.get("thread_ts")
    ]


def _admin_texts(bot: BotHarness) -> list[str]:
    return [
        str(c.params.get("text", ""))
        for c in bot.slack.calls("chat.postMessage")
        if c.params["channel"] == ADMINS
    ]


def _ask(bot: BotHarness, text: str = "a lighthouse in a storm") -> list[str]:
    before = len(_thread_texts(bot))
    bot.command(text)
    bot.wait_idle()
    return _thread_texts(bot)[before:]


def test_a_missing_iam_permission_is_named_and_the_admins_are_told_once(bot: BotHarness) -> None:
    bot.aws.deny_access("InvokeModel")

    first = _ask(bot)
    second = _ask(bot, "a cat on a roof")

    for replies in (first, second):
        assert any("必要な AWS の権限がない" in text and "管理者に連絡しました" in text for text in replies)
        assert not any("混み合" in text for text in replies)
    [alert] = _admin_texts(bot)  # once, not once per request
    assert "permission" in alert
    assert "bedrock:InvokeModel" in alert
    assert "IAM policy" in alert
    assert "xoxb" not in alert


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ({"authorized": False}, "モデルの利用がまだ許可されていません"),
        ({"region_available": False}, "このリージョンでは提供されていません"),
        ({"lifecycle": "LEGACY", "recently_used": False}, "旧版（Legacy）"),
        ({"end_of_life_time": datetime.now(UTC) - timedelta(days=1)}, "提供が終了しています"),
    ],
    ids=["access-not-granted", "not-in-region", "legacy", "end-of-life"],
)
def test_each_model_configuration_cause_has_its_own_message(
    bot: BotHarness, state: dict[str, object], words: str
) -> None:
    bot.aws.set_model_state(NOVA, **state)  # type: ignore[arg-type]

    replies = _ask(bot)

    assert any(words in text and "管理者に連絡しました" in text for text in replies), replies
    assert len(_admin_texts(bot)) == 1


def test_a_request_the_model_refuses_as_malformed_is_our_bug_not_the_users(bot: BotHarness) -> None:
    bot.aws.push(
        f"InvokeModel:{NOVA}", Error("ValidationException", "Malformed input request: #: extraneous key")
    )

    replies = _ask(bot)

    assert any("ボット側の不具合" in text and "ご入力の問題ではありません" in text for text in replies)
    assert _admin_texts(bot) == []  # a bug is in the log for us, not a setting for the admins


def test_throttling_really_is_busy(bot: BotHarness) -> None:
    bot.aws.push(f"InvokeModel:{NOVA}", *[Error("ThrottlingException", "Too many requests", status=429)] * 10)

    replies = _ask(bot)

    assert any("混み合って" in text for text in replies)
    assert _admin_texts(bot) == []


def test_a_comprehend_permission_missing_is_named_and_the_request_still_stops(bot: BotHarness) -> None:
    bot.aws.deny_access("DetectToxicContent")

    replies = _ask(bot)

    assert any("必要な AWS の権限がない" in text and "管理者に連絡しました" in text for text in replies), (
        replies
    )
    assert bot.slack.uploaded_files() == []  # fail closed: nothing unchecked is posted
    [alert] = _admin_texts(bot)
    assert "comprehend:DetectToxicContent" in alert
