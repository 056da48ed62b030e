"""A moderation refusal can be reported as a false positive in one click."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from services.slack import ids
from services.slack.messages import t
from tests.conftest import BotHarness


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"admin_channel": "C0ADMIN"})


def test_report_button_files_the_case_in_the_archive_and_tells_the_admins(bot: BotHarness) -> None:
    bot.command("ポルノ")
    bot.wait_idle()
    [refusal] = [c for c in bot.slack.calls("chat.postMessage") if c.params.get("blocks")]
    assert refusal.params["text"] == t("moderation.rules")
    value = bot.button_value(ids.ACTION_REPORT_FALSE_POSITIVE, refusal)
    url = bot.slack.response_url()

    bot.click(
        ids.ACTION_REPORT_FALSE_POSITIVE,
        value,
        message_ts="1.1",
        thread_ts=refusal.params["thread_ts"],
        user="U0REPORTER",
        response_url=url,
    )
    bot.click(
        ids.ACTION_REPORT_FALSE_POSITIVE,
        value,
        message_ts="1.1",
        thread_ts=refusal.params["thread_ts"],
        user="U0REPORTER",
    )

    record = bot.record()
    assert [r["user_id"] for r in record["reports"]] == ["U0REPORTER"]  # a double click files once
    [admin] = [c for c in bot.slack.calls("chat.postMessage") if c.params["channel"] == "C0ADMIN"]
    assert "U0REPORTER" in admin.params["text"] and record["job_id"] in admin.params["text"]
    assert "rules" in admin.params["text"]
    [thanks] = [c for c in bot.slack.calls("response_url") if c.params["_path"] in url]
    assert thanks.params["text"] == t("report.thanks")


def test_successful_results_have_no_report_button(bot: BotHarness) -> None:
    bot.command("夜の海にオーロラ")
    bot.wait_idle()

    actions = [
        e["action_id"]
        for b in bot.result_messages()[0].params["blocks"]
        for e in b.get("elements", [])
        if "action_id" in e
    ]
    assert ids.ACTION_REPORT_FALSE_POSITIVE not in actions


def test_tampered_report_value_is_refused_politely(bot: BotHarness) -> None:
    url = bot.slack.response_url()

    bot.click(
        ids.ACTION_REPORT_FALSE_POSITIVE,
        "../../etc/passwd:0",
        message_ts="1.1",
        thread_ts="1.0",
        response_url=url,
    )

    [answer] = bot.slack.calls("response_url")
    assert answer.params["text"] == t("button.invalid")
