"""The 「画像にする」 message shortcut (handlers/shortcuts.py)."""

from __future__ import annotations

from typing import Any

from services.core.errors import InputRejected
from services.core.job import SlackContext
from services.intake import HelpRequested
from services.slack import SHORTCUT_FROM_MESSAGE, t
from tests import slack_requests
from tests.handlers.fakes import RESPONSE_URL, FakeApp, FakeServices, Outcome, call, payload_body

MESSAGE_TS = "1700000500.000500"


def shortcut(app: FakeApp, text: str, **kwargs: Any) -> Outcome:
    body = slack_requests.message_shortcut_body(
        text, message_ts=MESSAGE_TS, response_url=RESPONSE_URL, **kwargs
    )
    return call(app, "shortcut", SHORTCUT_FROM_MESSAGE, payload_body(body))


def test_the_messages_text_is_a_request_answered_in_its_thread(app: FakeApp, services: FakeServices) -> None:
    outcome = shortcut(app, "来週の社内報の表紙：桜と新入社員")

    assert outcome.ack.only == {}
    slack = SlackContext(
        team_id="T0TEST",
        channel_id="C0CHAN",
        user_id="U0USER",
        thread_ts=MESSAGE_TS,
        response_url=RESPONSE_URL,
    )
    assert services.intake.called("request") == [("来週の社内報の表紙：桜と新入社員", slack, "shortcut")]
    assert outcome.respond.calls == []


def test_a_message_in_a_thread_is_answered_in_that_thread(app: FakeApp, services: FakeServices) -> None:
    shortcut(app, "桜", thread_ts="1700000400.000400")

    [(_, slack, _)] = services.intake.called("request")
    assert slack.thread_ts == "1700000400.000400"


def test_a_refusal_is_told_to_the_user_only(app: FakeApp, services: FakeServices) -> None:
    services.intake.langs["U0USER"] = "en"
    services.intake.refuse["request"] = InputRejected("input.too_long", limit=1000)

    outcome = shortcut(app, "桜" * 1200)

    assert outcome.ack.only == {}
    assert outcome.respond.only == {
        "text": t("input.too_long", "en", limit=1000),
        "response_type": "ephemeral",
        "replace_original": False,
    }


def test_a_message_asking_for_help_has_nothing_to_draw(app: FakeApp, services: FakeServices) -> None:
    services.intake.refuse["request"] = HelpRequested()

    outcome = shortcut(app, "help")

    assert outcome.respond.only["text"] == t("input.empty")
