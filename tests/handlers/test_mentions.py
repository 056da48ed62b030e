"""@bot mentions (handlers/mentions.py): new requests, refinements in a result's thread, refusals."""

from __future__ import annotations

import json
from typing import Any

from services.core.errors import InputRejected
from services.core.job import SlackContext
from services.intake import HelpRequested
from services.slack import EVENT_APP_MENTION, t
from tests import slack_requests
from tests.handlers.fakes import JOB_ID, FakeApp, FakeServices, Outcome, call, event_body

TS = "1700000100.000100"
THREAD = "1700000000.000100"


def mention(app: FakeApp, text: str, **kwargs: Any) -> Outcome:
    return call(
        app, "event", EVENT_APP_MENTION, event_body(slack_requests.mention_body(text, ts=TS, **kwargs))
    )


def test_a_mention_is_a_new_request_answered_in_its_own_thread(app: FakeApp, services: FakeServices) -> None:
    outcome = mention(app, "夜の海にオーロラ")

    slack = SlackContext(channel_id="C0CHAN", user_id="U0USER", thread_ts=TS)
    assert services.intake.called("request") == [("<@U0BOT> 夜の海にオーロラ", slack, "mention")]
    assert outcome.response is None and outcome.client.calls == []


def test_a_reply_in_a_results_thread_refines_that_result(app: FakeApp, services: FakeServices) -> None:
    services.state.threads[("C0CHAN", THREAD)] = (JOB_ID, 2)

    mention(app, "もっと明るく", thread_ts=THREAD)

    slack = SlackContext(channel_id="C0CHAN", user_id="U0USER", thread_ts=THREAD)
    assert services.intake.called("refine") == [(f"{JOB_ID}:2", "<@U0BOT> もっと明るく", slack)]
    assert services.intake.called("request") == []


def test_a_reply_to_a_result_gone_from_the_archive_is_a_new_request(
    app: FakeApp, services: FakeServices
) -> None:
    services.state.threads[("C0CHAN", THREAD)] = (JOB_ID, 2)
    services.intake.refuse["refine"] = InputRejected("job.not_found")

    outcome = mention(app, "灯台", thread_ts=THREAD)

    [(text, slack, trigger)] = services.intake.called("request")
    assert (text, slack.thread_ts, trigger) == ("<@U0BOT> 灯台", THREAD, "mention")
    assert outcome.client.calls == []


def test_a_refused_refinement_is_whispered_in_the_thread(app: FakeApp, services: FakeServices) -> None:
    services.state.threads[("C0CHAN", THREAD)] = (JOB_ID, 2)
    services.intake.refuse["refine"] = InputRejected("refine.empty")

    outcome = mention(app, "", thread_ts=THREAD)

    assert outcome.body == ""  # a 200, so Slack does not send the event again
    [whisper] = outcome.client.sent("chat.postEphemeral")
    assert whisper == {
        "channel": "C0CHAN",
        "user": "U0USER",
        "thread_ts": THREAD,
        "text": t("refine.empty"),
        "blocks": None,
    }
    assert services.intake.called("request") == []


def test_a_refused_request_is_whispered_to_the_user_in_their_language(
    app: FakeApp, services: FakeServices
) -> None:
    services.intake.langs["U0USER"] = "en"
    services.intake.refuse["request"] = InputRejected("quota.queue_full", limit=2)

    outcome = mention(app, "夜の海")

    [whisper] = outcome.client.sent("chat.postEphemeral")
    assert whisper["text"] == t("quota.queue_full", "en", limit=2)
    assert (whisper["user"], whisper["thread_ts"]) == ("U0USER", TS)


def test_help_is_whispered_with_its_blocks(app: FakeApp, services: FakeServices) -> None:
    services.intake.refuse["request"] = HelpRequested()

    outcome = mention(app, "help")

    [whisper] = outcome.client.sent("chat.postEphemeral")
    assert whisper["text"] == t("help.fallback")
    assert t("help.title") in json.dumps(whisper["blocks"], ensure_ascii=False)
    assert whisper["thread_ts"] == TS


def test_other_bots_are_never_answered(app: FakeApp, services: FakeServices) -> None:
    body = event_body(slack_requests.mention_body("夜の海", ts=TS))
    body["event"]["bot_id"] = "B0OTHER"

    outcome = call(app, "event", EVENT_APP_MENTION, body)

    assert services.intake.calls == [] and outcome.client.calls == []


PHOTO = {
    "id": "F0PHOTO0001",
    "name": "cat.jpg",
    "mimetype": "image/jpeg",
    "size": 123_456,
    "url_private": "https://files.slack.com/files-pri/T0TEST-F0PHOTO0001/cat.jpg",
    "original_w": 1200,
    "original_h": 900,
}


def test_an_attached_photo_goes_to_intake_with_the_request(app: FakeApp, services: FakeServices) -> None:
    mention(
        app,
        "この写真を水彩画風に",
        files=[{"id": "F0TEXT00001", "mimetype": "text/plain", "url_private": "x"}, PHOTO],
    )

    [(_, _, trigger, photo)] = services.intake.called("request")
    assert trigger == "mention"
    assert (photo.id, photo.url, photo.width, photo.height) == (
        "F0PHOTO0001",
        PHOTO["url_private"],
        1200,
        900,
    )


def test_a_photo_in_a_results_thread_starts_from_the_photo_not_the_result(
    app: FakeApp, services: FakeServices
) -> None:
    services.state.threads[("C0CHAN", THREAD)] = (JOB_ID, 2)

    mention(app, "これを油絵風に", thread_ts=THREAD, files=[PHOTO])

    assert services.intake.called("refine") == []
    [(_, slack, _, photo)] = services.intake.called("request")
    assert slack.thread_ts == THREAD and photo.id == "F0PHOTO0001"
