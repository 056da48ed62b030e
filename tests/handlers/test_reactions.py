"""Reactions on a result (handlers/reactions.py): 🔄 ➕ ➖ 🎲 re-run it, 👍 approves it."""

from __future__ import annotations

from typing import Any

import pytest

from services.core.errors import InputRejected
from services.core.job import SlackContext
from services.slack import EVENT_REACTION_ADDED, t
from tests import slack_requests
from tests.handlers.fakes import JOB_ID, FakeApp, FakeServices, Outcome, call, event_body

RESULT_TS = "1700000000.000500"
SLACK = SlackContext(team_id="T0TEST", channel_id="C0CHAN", user_id="U0USER")


@pytest.fixture(autouse=True)
def _posted_result(services: FakeServices) -> None:
    """RESULT_TS in C0CHAN is attempt 2 of JOB_ID, as the notifier recorded it."""
    services.state.posts[("C0CHAN", RESULT_TS)] = (JOB_ID, 2)


def react(app: FakeApp, reaction: str, **kwargs: Any) -> Outcome:
    kwargs.setdefault("ts", RESULT_TS)
    body = event_body(slack_requests.reaction_body(reaction, channel="C0CHAN", **kwargs))
    return call(app, "event", EVENT_REACTION_ADDED, body)


@pytest.mark.parametrize(
    ("reaction", "action"),
    [
        ("arrows_counterclockwise", "regenerate"),
        ("heavy_plus_sign", "cfg_up"),
        ("heavy_minus_sign", "cfg_down"),
        ("game_die", "variation"),
    ],
)
def test_reactions_re_run_the_result_like_its_buttons(
    app: FakeApp, services: FakeServices, reaction: str, action: str
) -> None:
    outcome = react(app, reaction)

    assert services.intake.called("follow_up") == [(f"{JOB_ID}:2", action, SLACK)]
    assert outcome.client.calls == []


@pytest.mark.parametrize("reaction", ["+1", "thumbsup", "+1::skin-tone-3"])
def test_thumbs_up_approves_and_says_so_privately(
    app: FakeApp, services: FakeServices, reaction: str
) -> None:
    outcome = react(app, reaction)

    assert services.desk.calls == [("approve", f"{JOB_ID}:2", "U0USER")]
    [whisper] = outcome.client.sent("chat.postEphemeral")
    assert (whisper["channel"], whisper["user"], whisper["text"]) == ("C0CHAN", "U0USER", t("approve.done"))


def test_a_refused_reaction_is_told_privately_in_the_channel(app: FakeApp, services: FakeServices) -> None:
    services.intake.langs["U0USER"] = "en"
    services.intake.refuse["follow_up"] = InputRejected("variation.unsupported")

    outcome = react(app, "game_die")

    assert outcome.body == ""  # a 200, so Slack does not send the event again
    [whisper] = outcome.client.sent("chat.postEphemeral")
    assert whisper == {
        "channel": "C0CHAN",
        "user": "U0USER",
        "thread_ts": None,
        "text": t("variation.unsupported", "en"),
        "blocks": None,
    }


@pytest.mark.parametrize(
    ("reaction", "changes"),
    [
        ("arrows_counterclockwise", {"ts": "1700000000.000999"}),  # not one of our results
        ("arrows_counterclockwise", {"user": "U0BOT"}),  # the bot offering the reaction
        ("tada", {}),  # not an action
    ],
)
def test_other_reactions_do_nothing(
    app: FakeApp, services: FakeServices, reaction: str, changes: dict[str, str]
) -> None:
    outcome = react(app, reaction, **changes)

    assert services.intake.calls == [] and services.desk.calls == []
    assert outcome.client.calls == [] and outcome.response is None
