"""The Slack edge before any listener: signatures, duplicates and retries, allow-lists."""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest

import tests.conftest as harness_module
from bot.app import build_app
from bot.middleware import request_key
from bot.settings import Settings
from services.slack import ids
from services.slack.messages import t
from services.storage.dedupe import MemoryDeduper
from tests import slack_requests
from tests.conftest import BOT_TOKEN, BotHarness
from tests.servers.aws_emulator import AwsEmulator
from tests.servers.slack_api import SlackApiServer

AURORA = "夜の海にオーロラと流氷、地平線から朝日"
SEA = "夕暮れの海と灯台"
FORM_METADATA = '{"channel":"C0CHAN"}'
RETRY_HEADERS = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def harness(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any, **update: Any
) -> Iterator[BotHarness]:
    """A bot with other settings, closed afterwards."""
    bot = BotHarness(settings.model_copy(update=update), slack_api, aws, s3)
    try:
        yield bot
    finally:
        bot.close()


def jobs(bot: BotHarness) -> int:
    """Jobs that ran: each one calls the image model (these tests keep one candidate, all accepted)."""
    return len(bot.aws.requests("InvokeModel"))


def status_messages(bot: BotHarness) -> list[Any]:
    return [c for c in bot.slack.calls("chat.postMessage") if "受け付けました" in str(c.params.get("text"))]


def first_result(bot: BotHarness) -> tuple[str, str]:
    """(🔄 value, thread_ts) of the only result so far."""
    result = bot.result_messages()[0]
    return bot.button_value(ids.ACTION_REGENERATE, result), str(result.params["thread_ts"])


def form_values(text: str) -> dict[str, dict[str, Any]]:
    return {"text": {"text": {"type": "plain_text_input", "value": text}}}


def slack_calls(bot: BotHarness) -> list[str]:
    """Web API methods called after start-up (Bolt calls auth.test when the app is built)."""
    return [c.method for c in bot.slack.calls() if c.method != "auth.test"]


def middleware_log(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "bot.middleware")


# --- Bolt's own request checks -----------------------------------------------------------------------


def test_bad_signature_is_401_and_nothing_runs(bot: BotHarness) -> None:
    body = slack_requests.command_body(AURORA)
    headers = slack_requests.signed_headers(body, slack_requests.FORM, secret="not-the-secret")

    response = bot.post(body, slack_requests.FORM, headers)
    bot.wait_idle()

    assert response.status == 401
    assert jobs(bot) == 0 and slack_calls(bot) == []


def test_stale_timestamp_is_401(bot: BotHarness) -> None:
    body = slack_requests.command_body(AURORA)
    six_minutes_ago = int(time.time()) - 6 * 60
    headers = slack_requests.signed_headers(body, slack_requests.FORM, timestamp=six_minutes_ago)

    response = bot.post(body, slack_requests.FORM, headers)
    bot.wait_idle()

    assert response.status == 401
    assert jobs(bot) == 0


def test_missing_signature_headers_are_401(bot: BotHarness) -> None:
    body = slack_requests.command_body(AURORA)

    response = bot.post(body, slack_requests.FORM, {"content-type": slack_requests.FORM})
    bot.wait_idle()

    assert response.status == 401
    assert jobs(bot) == 0


def test_a_replayed_request_runs_once_and_an_old_one_is_401(bot: BotHarness) -> None:
    body = slack_requests.mention_body(AURORA)
    headers = slack_requests.signed_headers(body, slack_requests.JSON)

    first = bot.post(body, slack_requests.JSON, headers)
    # The very same bytes and headers again, inside Slack's five-minute window: a duplicate.
    replay = bot.post(body, slack_requests.JSON, headers)
    # The same body with a valid signature made ten minutes ago: Bolt refuses it before us.
    old = slack_requests.signed_headers(body, slack_requests.JSON, timestamp=int(time.time()) - 600)
    late = bot.post(body, slack_requests.JSON, old)
    bot.wait_idle()

    assert (first.status, replay.status, late.status) == (200, 200, 401)
    assert jobs(bot) == 1


# --- duplicates and retries -------------------------------------------------------------------------


def test_retried_mention_runs_one_job_and_logs_the_retry(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = slack_requests.mention_body(AURORA, ts="1700000300.000300")
    caplog.set_level(logging.INFO, logger="bot.middleware")

    first = bot.post(body, slack_requests.JSON)
    retry_headers = {**slack_requests.signed_headers(body, slack_requests.JSON), **RETRY_HEADERS}
    retry = bot.post(body, slack_requests.JSON, retry_headers)
    bot.wait_idle()

    assert (first.status, retry.status) == (200, 200)
    assert retry.body == ""
    assert jobs(bot) == 1
    assert len(status_messages(bot)) == 1
    assert len(bot.records()) == 1
    event_id = json.loads(body)["event_id"]
    log = middleware_log(caplog)
    assert f"Slack retry 1 (http_timeout) of event:{event_id}" in log
    assert f"duplicate event:{event_id}" in log
    # Neither the token nor what the user typed reaches the log.
    assert BOT_TOKEN not in log and AURORA not in log


def test_eight_concurrent_deliveries_of_one_event_run_one_job(bot: BotHarness) -> None:
    body = slack_requests.mention_body(AURORA, ts="1700000400.000400")

    def deliver(n: int) -> int:
        headers = slack_requests.signed_headers(body, slack_requests.JSON)
        if n:
            headers |= {"X-Slack-Retry-Num": str(min(n, 3)), "X-Slack-Retry-Reason": "http_timeout"}
        return bot.post(body, slack_requests.JSON, headers).status

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(deliver, range(8)))
    bot.wait_idle()

    assert statuses == [200] * 8
    assert jobs(bot) == 1
    assert len(status_messages(bot)) == 1


def test_double_click_on_regenerate_runs_one_follow_up(bot: BotHarness) -> None:
    bot.command(AURORA)
    bot.wait_idle()
    value, thread_ts = first_result(bot)

    clicks = [
        bot.click(ids.ACTION_REGENERATE, value, message_ts="1700000000.000500", thread_ts=thread_ts)
        for _ in range(2)
    ]
    bot.wait_idle()

    assert [c.status for c in clicks] == [200, 200]
    assert jobs(bot) == 2  # the first job and one regeneration
    assert len([r for r in bot.records() if r["trigger"] == "regenerate"]) == 1


def test_clicks_on_different_results_or_by_different_users_are_not_duplicates(bot: BotHarness) -> None:
    bot.command(AURORA)
    bot.wait_idle()
    value, thread_ts = first_result(bot)

    bot.click(ids.ACTION_REGENERATE, value, message_ts="1700000000.000500", thread_ts=thread_ts)
    bot.click(ids.ACTION_REGENERATE, value, message_ts="1700000000.000500", thread_ts=thread_ts, user="U0B")
    bot.click(
        ids.ACTION_CFG_UP,
        bot.button_value(ids.ACTION_CFG_UP),
        message_ts="1700000000.000500",
        thread_ts=thread_ts,
    )
    bot.wait_idle()

    assert jobs(bot) == 4


def test_two_clicks_six_seconds_apart_are_two_jobs(
    settings: Settings,
    slack_api: SlackApiServer,
    aws: AwsEmulator,
    s3: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(
        harness_module, "build_app", functools.partial(build_app, deduper=MemoryDeduper(clock=clock))
    )
    with harness(settings, slack_api, aws, s3) as bot:
        bot.command(AURORA)
        bot.wait_idle()
        value, thread_ts = first_result(bot)

        def click() -> None:
            bot.click(ids.ACTION_REGENERATE, value, message_ts="1700000000.000500", thread_ts=thread_ts)
            bot.wait_idle()

        click()
        clock.now += 4  # still a double click
        click()
        assert jobs(bot) == 2
        clock.now += 6
        click()
        assert jobs(bot) == 3


def test_double_submitted_form_runs_once_but_a_corrected_one_runs(bot: BotHarness) -> None:
    first = bot.submit_form(form_values(SEA), FORM_METADATA)
    again = bot.submit_form(form_values(SEA), FORM_METADATA)
    bot.wait_idle()
    assert (first.status, again.status) == (200, 200)
    assert jobs(bot) == 1

    # Same view id and hash, but the user changed the text: a new submission, not a duplicate.
    bot.submit_form(form_values("朝の海と灯台"), FORM_METADATA)
    bot.wait_idle()
    assert jobs(bot) == 2


def test_slash_commands_are_never_deduplicated(bot: BotHarness) -> None:
    bot.command(AURORA)
    bot.command(AURORA)
    bot.wait_idle()

    assert jobs(bot) == 2


def test_request_keys_ignore_selects_and_commands() -> None:
    # A select changed A→B→A within seconds is three choices, not a double click.
    select = {
        "type": "block_actions",
        "actions": [{"type": "static_select", "action_id": ids.ACTION_PREF_STYLE}],
    }

    assert request_key(select) is None
    assert request_key({"command": "/imagine", "text": "x"}) is None
    assert request_key({"type": "event_callback", "event_id": "Ev1"}) == ("event:Ev1", 3600.0)
    assert request_key({"type": "event_callback", "event_id": "Ev1"}, event_ttl=1) == ("event:Ev1", 1)


# --- allow-lists ------------------------------------------------------------------------------------


def test_user_not_allowed_gets_an_ephemeral_refusal_to_imagine_and_no_job(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    with harness(settings, slack_api, aws, s3, allowed_users=["U0BOSS"]) as bot:
        response = bot.command(AURORA)
        bot.wait_idle()

        assert response.status == 200
        assert json.loads(response.body) == {"text": t("access.user_denied"), "response_type": "ephemeral"}
        assert jobs(bot) == 0 and bot.slack.calls("chat.postMessage") == []


def test_channel_not_allowed_gets_an_ephemeral_refusal_and_no_job(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    with harness(settings, slack_api, aws, s3, allowed_channels=["C0ART"]) as bot:
        response = bot.command(AURORA)
        bot.wait_idle()

        assert json.loads(response.body) == {
            "text": t("access.channel_denied"),
            "response_type": "ephemeral",
        }
        assert jobs(bot) == 0 and bot.slack.calls("chat.postMessage") == []

        bot.command(AURORA, channel_id="C0ART")
        bot.wait_idle()
        assert jobs(bot) == 1


def test_allowed_user_in_an_allowed_channel_gets_an_image(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    with harness(
        settings, slack_api, aws, s3, allowed_users=["U0USER", "U0BOSS"], allowed_channels=["C0CHAN"]
    ) as bot:
        response = bot.command(AURORA)
        bot.wait_idle()

        assert response.status == 200 and response.body == ""
        assert jobs(bot) == 1
        assert len(bot.slack.uploaded_files()) == 1


def test_refused_mention_is_told_privately_in_its_thread(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    with harness(settings, slack_api, aws, s3, allowed_users=["U0BOSS"]) as bot:
        response = bot.mention(AURORA, ts="1700000600.000600")
        bot.wait_idle()

        assert response.status == 200
        [whisper] = bot.slack.calls("chat.postEphemeral")
        assert whisper.params["user"] == "U0USER" and whisper.params["channel"] == "C0CHAN"
        assert whisper.params["thread_ts"] == "1700000600.000600"
        assert whisper.params["text"] == t("access.user_denied")
        assert jobs(bot) == 0 and bot.slack.calls("chat.postMessage") == []


def test_refused_click_and_shortcut_are_told_through_response_url(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    with harness(settings, slack_api, aws, s3, allowed_channels=["C0ART"]) as bot:
        click_url, shortcut_url = bot.slack.response_url(), bot.slack.response_url()

        click = bot.click(
            ids.ACTION_REGENERATE, "job:0", message_ts="1.1", thread_ts="1.0", response_url=click_url
        )
        shortcut = bot.shortcut(AURORA, response_url=shortcut_url)
        bot.wait_idle()

        assert (click.status, shortcut.status) == (200, 200)
        answers = {c.params["_path"]: c.params for c in bot.slack.calls("response_url")}
        for url in (click_url, shortcut_url):
            [answer] = [params for path, params in answers.items() if path in url]
            assert answer["text"] == t("access.channel_denied")
            assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
        assert jobs(bot) == 0


def test_refused_form_submission_shows_the_error_on_the_text_field(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    with harness(settings, slack_api, aws, s3, allowed_channels=["C0ART"]) as bot:
        response = bot.submit_form(form_values(SEA), FORM_METADATA)
        bot.wait_idle()

        assert json.loads(response.body) == {
            "response_action": "errors",
            "errors": {"text": t("access.channel_denied")},
        }
        assert jobs(bot) == 0


def test_refused_reactions_and_app_home_are_silent(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    with harness(settings, slack_api, aws, s3, allowed_users=["U0BOSS"]) as bot:
        reaction = bot.react("arrows_counterclockwise", ts="1700000000.000500")
        home = bot.open_home()
        bot.wait_idle()

        assert (reaction.status, home.status) == (200, 200)
        assert reaction.body == "" and home.body == ""
        assert slack_calls(bot) == []
        assert jobs(bot) == 0


def test_app_home_stays_visible_to_allowed_users_whatever_the_channel_list(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    with harness(settings, slack_api, aws, s3, allowed_channels=["C0ART"]) as bot:
        bot.open_home()
        assert len(bot.slack.calls("views.publish")) == 1

        bot.home_click(ids.ACTION_PREF_STYLE, selected="watercolor")
        assert len(bot.slack.calls("views.publish")) == 2


def test_refusal_speaks_the_workspace_language(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    with harness(
        settings, slack_api, aws, s3, allowed_users=["U0BOSS"], workspace_languages={"T0TEST": "en"}
    ) as bot:
        response = bot.command(AURORA)

        assert json.loads(response.body)["text"] == t("access.user_denied", "en")


def test_empty_allow_lists_let_everyone_in(bot: BotHarness) -> None:
    bot.command(AURORA, user_id="U0ANYONE", channel_id="C0ANY")
    bot.wait_idle()

    assert jobs(bot) == 1
