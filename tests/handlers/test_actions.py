"""Buttons under a result (handlers/actions.py): the follow-up asked of intake, and what the clicker reads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handlers.actions import FOLLOW_UPS
from services.core.errors import InputRejected
from services.core.job import SlackContext
from services.slack import (
    ACTION_ADJUST,
    ACTION_APPROVE,
    ACTION_CANDIDATES,
    ACTION_DELETE,
    ACTION_REGENERATE,
    ACTION_REPORT_FALSE_POSITIVE,
    ACTION_RETRY,
    ACTION_USE_DESCRIPTION,
    VIEW_IMAGINE,
    t,
)
from tests import slack_requests
from tests.handlers.fakes import (
    RESPONSE_URL,
    VALUE,
    FakeApp,
    FakeServices,
    Outcome,
    call,
    payload_body,
)

MESSAGE_TS = "1700000000.000200"
THREAD = "1700000000.000100"
SLACK = SlackContext(
    team_id="T0TEST", channel_id="C0CHAN", user_id="U0USER", thread_ts=THREAD, response_url=RESPONSE_URL
)


def click(app: FakeApp, action_id: str, value: str = VALUE, **kwargs: Any) -> Outcome:
    kwargs.setdefault("thread_ts", THREAD)
    body = slack_requests.action_body(
        action_id, value, message_ts=MESSAGE_TS, response_url=RESPONSE_URL, **kwargs
    )
    return call(app, "action", action_id, payload_body(body))


def ephemeral(outcome: Outcome) -> str:
    """The one private reply sent through response_url."""
    answer = outcome.respond.only
    assert (answer["response_type"], answer["replace_original"]) == ("ephemeral", False)
    return str(answer["text"])


@pytest.mark.parametrize(("action_id", "trigger"), sorted(FOLLOW_UPS.items()))
def test_follow_up_buttons_queue_their_action_in_the_results_thread(
    app: FakeApp, services: FakeServices, action_id: str, trigger: str
) -> None:
    outcome = click(app, action_id)

    assert outcome.ack.only == {}
    assert services.intake.called("follow_up") == [(VALUE, trigger, SLACK)]
    assert outcome.respond.calls == []


def test_a_button_on_a_top_level_message_answers_in_a_thread_under_it(
    app: FakeApp, services: FakeServices
) -> None:
    click(app, ACTION_REGENERATE, thread_ts=None)

    [(_, _, slack)] = services.intake.called("follow_up")
    assert slack.thread_ts == MESSAGE_TS


def test_a_refused_follow_up_is_told_to_the_clicker_only(app: FakeApp, services: FakeServices) -> None:
    services.intake.langs["U0USER"] = "en"
    services.intake.refuse["follow_up"] = InputRejected("cfg.at_max", value="10")

    outcome = click(app, ACTION_REGENERATE)

    assert outcome.ack.only == {}  # acknowledged before intake was asked
    assert ephemeral(outcome) == t("cfg.at_max", "en", value="10")
    assert outcome.body == ""


def test_a_result_button_without_its_message_is_refused(app: FakeApp, services: FakeServices) -> None:
    body = payload_body(slack_requests.home_action_body(ACTION_REGENERATE, VALUE))

    outcome = call(app, "action", ACTION_REGENERATE, body)

    # No message and no response_url to answer through: the bot's DM with the clicker.
    assert outcome.client.sent("chat.postMessage") == [{"channel": "U0USER", "text": t("button.invalid")}]
    assert services.intake.called("follow_up") == []


def test_retry_queues_the_request_again_and_takes_the_button_away(
    app: FakeApp, services: FakeServices
) -> None:
    outcome = click(app, ACTION_RETRY, message_text="🙇 画像モデルが混み合っています")

    assert services.intake.called("retry") == [(VALUE, SLACK)]
    replaced = outcome.respond.only
    assert replaced["replace_original"] is True
    assert replaced["text"] == "🙇 画像モデルが混み合っています"
    shown = json.dumps(replaced["blocks"], ensure_ascii=False)
    assert t("retry.started", user="U0USER") in shown
    assert ACTION_RETRY not in shown


def test_a_refused_retry_keeps_the_button(app: FakeApp, services: FakeServices) -> None:
    services.intake.refuse["retry"] = InputRejected("job.not_found")

    outcome = click(app, ACTION_RETRY)

    assert ephemeral(outcome) == t("job.not_found")  # and no replace_original


def test_adjust_opens_the_form_prefilled_from_the_result(app: FakeApp, services: FakeServices) -> None:
    outcome = click(app, ACTION_ADJUST)

    [opened] = outcome.client.sent("views.open")
    view = opened["view"]
    assert view["callback_id"] == VIEW_IMAGINE
    assert view["title"]["text"] == t("form.title.adjust")
    assert json.loads(view["private_metadata"]) == {"channel": "C0CHAN", "thread_ts": THREAD, "parent": VALUE}
    initial = {
        block["block_id"]: block["element"].get("initial_value")
        for block in view["blocks"]
        if block["type"] == "input"
    }
    # The text and prompt of the job; cfg and seed of the attempt the button is on.
    assert initial["text"] == "夜の海にオーロラ"
    assert initial["english_prompt"] == "aurora over a night sea"
    assert (initial["cfg"], initial["seed"]) == ("8", "7")
    assert services.intake.calls == []  # nothing queued until the form is submitted


def test_adjust_on_a_result_gone_from_the_archive_is_refused(app: FakeApp, services: FakeServices) -> None:
    services.intake.records.clear()

    outcome = click(app, ACTION_ADJUST)

    assert ephemeral(outcome) == t("job.not_found")
    assert outcome.client.sent("views.open") == []


def test_approve_runs_in_the_background_and_tells_the_clicker(app: FakeApp, services: FakeServices) -> None:
    outcome = click(app, ACTION_APPROVE)

    assert outcome.ack.only == {}
    assert services.tasks.names == ["approve"]
    assert services.desk.calls == [("approve", VALUE, "U0USER")]
    assert ephemeral(outcome) == t("approve.done")


def test_a_refusal_in_the_background_is_told_to_the_clicker(app: FakeApp, services: FakeServices) -> None:
    services.intake.langs["U0USER"] = "en"
    services.desk.refuse["approve"] = InputRejected("approve.unavailable")

    outcome = click(app, ACTION_APPROVE)

    assert ephemeral(outcome) == t("approve.unavailable", "en")


def test_delete_removes_the_post_and_says_so(app: FakeApp, services: FakeServices) -> None:
    outcome = click(app, ACTION_DELETE)

    assert services.desk.calls == [("delete", VALUE, "U0USER")]
    assert ephemeral(outcome) == t("delete.done")


def test_only_the_requester_or_an_admin_may_delete(app: FakeApp, services: FakeServices) -> None:
    services.desk.refuse["delete"] = InputRejected("delete.forbidden")

    outcome = click(app, ACTION_DELETE, user="U0OTHER")

    assert services.desk.calls == [("delete", VALUE, "U0OTHER")]
    assert ephemeral(outcome) == t("delete.forbidden")


def test_candidates_are_shown_in_the_results_thread(app: FakeApp, services: FakeServices) -> None:
    outcome = click(app, ACTION_CANDIDATES)

    assert services.desk.calls == [("show_candidates", VALUE, SLACK, "ja")]
    assert outcome.respond.calls == []  # the grid itself is the answer


def test_a_false_positive_report_is_filed_and_thanked(app: FakeApp, services: FakeServices) -> None:
    services.intake.langs["U0USER"] = "en"

    outcome = click(app, ACTION_REPORT_FALSE_POSITIVE)

    assert services.reports.filed == [(VALUE, "U0USER")]
    assert ephemeral(outcome) == t("report.thanks", "en")


def test_a_report_on_a_job_that_was_not_refused_is_refused(app: FakeApp, services: FakeServices) -> None:
    services.reports.refuse = InputRejected("button.invalid")

    outcome = click(app, ACTION_REPORT_FALSE_POSITIVE)

    assert ephemeral(outcome) == t("button.invalid")


def test_make_this_queues_the_proposal_in_the_thread_it_was_posted_in(
    app: FakeApp, services: FakeServices
) -> None:
    outcome = click(app, ACTION_USE_DESCRIPTION, "20261121T093015-0123abcd:2")

    assert outcome.ack.only == {}
    assert services.intake.called("from_description") == [("20261121T093015-0123abcd:2", SLACK)]
    assert outcome.respond.calls == []


def test_make_this_on_proposals_no_longer_archived_is_told_privately(
    app: FakeApp, services: FakeServices
) -> None:
    services.intake.refuse["from_description"] = InputRejected("job.not_found")

    outcome = click(app, ACTION_USE_DESCRIPTION, "20261121T093015-0123abcd:2")

    assert ephemeral(outcome) == t("job.not_found")
