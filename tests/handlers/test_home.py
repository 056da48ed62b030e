"""App Home (handlers/home.py): publishing it, saving the user's defaults, and もう一度."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from services.core.job import SlackContext
from services.core.people import UserPrefs
from services.intake import UsageReport
from services.slack import (
    ACTION_AGAIN,
    ACTION_PREF_LANG,
    ACTION_PREF_MODEL,
    ACTION_PREF_STYLE,
    EVENT_APP_HOME_OPENED,
    t,
)
from services.slack.views import NO_CHOICE
from tests import slack_requests
from tests.handlers.fakes import (
    VALUE,
    FakeApp,
    FakeClient,
    FakeServices,
    Outcome,
    call,
    event_body,
    payload_body,
    record,
    usage,
)


def open_home(app: FakeApp, client: FakeClient | None = None, tab: str = "home") -> Outcome:
    body = event_body(slack_requests.home_opened_body())
    body["event"]["tab"] = tab
    return call(app, "event", EVENT_APP_HOME_OPENED, body, client=client)


def home_click(app: FakeApp, action_id: str, value: str = "", **kwargs: Any) -> Outcome:
    body = payload_body(slack_requests.home_action_body(action_id, value, **kwargs))
    return call(app, "action", action_id, body)


def texts(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def test_opening_the_home_tab_publishes_the_users_home(app: FakeApp, services: FakeServices) -> None:
    outcome = open_home(app)

    [published] = outcome.client.sent("views.publish")
    assert published["user_id"] == "U0USER"
    view = published["view"]
    assert view["type"] == "home"
    assert t("home.quota_unlimited") in texts(view)
    assert t("home.usage.title") not in texts(view)  # admins only
    assert services.intake.called("usage") == []


def test_admins_also_see_the_workspaces_usage(app: FakeApp, services: FakeServices) -> None:
    services.intake.admins.add("U0USER")
    services.intake.usage_report = UsageReport(today=[usage("U0USER", 2)], week=[usage("U0USER", 5)])

    outcome = open_home(app)

    [published] = outcome.client.sent("views.publish")
    assert t("home.usage.title") in texts(published["view"])
    assert services.intake.called("usage") == [("T0TEST",)]


def test_other_tabs_publish_nothing(app: FakeApp) -> None:
    assert open_home(app, tab="messages").client.calls == []


def test_a_home_that_cannot_be_published_is_logged_not_raised(
    app: FakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    client = FakeClient()
    client.fail["views.publish"] = "not_enabled"

    with caplog.at_level(logging.WARNING, logger="handlers.home"):
        outcome = open_home(app, client)

    assert outcome.response is None
    assert "not_enabled" in caplog.text


def test_choosing_a_default_saves_it_and_shows_it(app: FakeApp, services: FakeServices) -> None:
    outcome = home_click(app, ACTION_PREF_STYLE, selected="watercolor")

    assert outcome.ack.only == {}
    assert services.state.prefs("U0USER") == UserPrefs(style="watercolor")
    [published] = outcome.client.sent("views.publish")
    [select] = [
        block["accessory"]
        for block in published["view"]["blocks"]
        if block.get("accessory", {}).get("action_id") == ACTION_PREF_STYLE
    ]
    assert select["initial_option"]["value"] == "watercolor"


def test_choosing_the_default_again_clears_the_choice(app: FakeApp, services: FakeServices) -> None:
    services.state.saved["U0USER"] = UserPrefs(model="sdxl", style="anime")

    home_click(app, ACTION_PREF_MODEL, selected=NO_CHOICE)

    assert services.state.prefs("U0USER") == UserPrefs(model=None, style="anime")


def test_the_reply_language_is_a_default_too(app: FakeApp, services: FakeServices) -> None:
    home_click(app, ACTION_PREF_LANG, selected="en")

    assert services.state.prefs("U0USER").lang == "en"


def test_a_value_the_select_never_offered_is_ignored(app: FakeApp, services: FakeServices) -> None:
    outcome = home_click(app, ACTION_PREF_MODEL, selected="gpt-image")

    assert outcome.ack.only == {}
    assert services.state.saved == {}
    assert outcome.client.calls == []


def test_again_runs_the_job_again_in_its_original_thread(app: FakeApp, services: FakeServices) -> None:
    outcome = home_click(app, ACTION_AGAIN, VALUE)

    assert outcome.ack.only == {}
    slack = SlackContext(
        team_id="T0TEST", channel_id="C0CHAN", user_id="U0USER", thread_ts="1700000000.000100"
    )
    assert services.intake.called("follow_up") == [(VALUE, "again", slack)]
    assert outcome.client.calls == []


@pytest.mark.parametrize("archived", [False, True])
def test_again_on_a_job_it_cannot_find_is_told_in_a_dm(
    app: FakeApp, services: FakeServices, archived: bool
) -> None:
    # Gone from the archive, or archived without the Slack thread it came from.
    services.intake.records = {VALUE: record(slack=None)} if archived else {}
    services.intake.langs["U0USER"] = "en"

    outcome = home_click(app, ACTION_AGAIN, VALUE)

    assert outcome.client.sent("chat.postMessage") == [
        {"channel": "U0USER", "text": t("job.not_found", "en")}
    ]
    assert services.intake.called("follow_up") == []
