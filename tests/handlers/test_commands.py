"""/imagine (handlers/commands.py): what the user sees in the ack, and what intake is asked."""

from __future__ import annotations

import json

from services.core.errors import InputRejected
from services.core.job import SlackContext
from services.intake import HelpRequested
from services.slack import SLASH_COMMAND, VIEW_IMAGINE, t
from tests import slack_requests
from tests.handlers.fakes import RESPONSE_URL, FakeApp, FakeClient, FakeServices, call, form_body

COMMAND = ("command", SLASH_COMMAND)


def imagine(text: str, **kwargs: str) -> dict[str, str]:
    return form_body(slack_requests.command_body(text, response_url=RESPONSE_URL, **kwargs))


def test_text_is_queued_as_a_request_and_acknowledged_silently(app: FakeApp, services: FakeServices) -> None:
    outcome = call(app, *COMMAND, imagine("夜の海にオーロラ --ar 16:9"))

    assert outcome.ack.only == {}
    assert outcome.response is None
    slack = SlackContext(team_id="T0TEST", channel_id="C0CHAN", user_id="U0USER", response_url=RESPONSE_URL)
    assert services.intake.called("request") == [("夜の海にオーロラ --ar 16:9", slack, "command")]
    assert outcome.client.calls == []


def test_no_text_opens_the_form_for_the_channel(app: FakeApp, services: FakeServices) -> None:
    outcome = call(app, *COMMAND, imagine("  "))

    assert outcome.ack.only == {}
    [opened] = outcome.client.sent("views.open")
    assert opened["trigger_id"] == "1.2.3"
    view = opened["view"]
    assert view["callback_id"] == VIEW_IMAGINE
    assert view["title"]["text"] == t("form.title.new")
    assert json.loads(view["private_metadata"]) == {"channel": "C0CHAN"}
    assert services.intake.called("request") == []


def test_form_that_cannot_open_asks_for_the_text_in_the_ack(app: FakeApp, services: FakeServices) -> None:
    client = FakeClient()
    client.fail["views.open"] = "expired_trigger_id"

    outcome = call(app, *COMMAND, imagine(""), client=client)

    assert outcome.ack.calls == []
    assert outcome.body == {"text": t("input.empty"), "response_type": "ephemeral"}
    assert services.intake.called("request") == []


def test_help_is_answered_privately_in_the_users_language(app: FakeApp, services: FakeServices) -> None:
    services.intake.langs["U0USER"] = "en"
    services.intake.refuse["request"] = HelpRequested()

    outcome = call(app, *COMMAND, imagine("help"))

    answer = outcome.ack.only
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == t("help.fallback", "en")
    assert answer["blocks"][0]["text"]["text"] == t("help.title", "en")
    assert "`nova`" in json.dumps(answer["blocks"])  # the enabled models are listed


def test_refusal_is_the_ack_text_only_the_user_sees(app: FakeApp, services: FakeServices) -> None:
    services.intake.refuse["request"] = InputRejected("quota.user", limit=5, reset="00:00")

    outcome = call(app, *COMMAND, imagine("夜の海"))

    assert outcome.ack.calls == []  # the error handler's answer is the ack
    assert outcome.body == {"text": t("quota.user", limit=5, reset="00:00"), "response_type": "ephemeral"}
    assert outcome.respond.calls == [] and outcome.client.calls == []


def test_refusal_speaks_the_workspace_language(app: FakeApp, services: FakeServices) -> None:
    services.intake.workspace_langs["T0EN"] = "en"
    services.intake.refuse["request"] = InputRejected("input.too_long", limit=1000)

    outcome = call(app, *COMMAND, imagine("長い" * 600, team_id="T0EN"))

    assert outcome.body["text"] == t("input.too_long", "en", limit=1000)
