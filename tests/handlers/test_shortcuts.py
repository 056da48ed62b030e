"""The message shortcuts 「画像にする」 and 🔎 プロンプトにする (handlers/shortcuts.py)."""

from __future__ import annotations

from typing import Any

from services.core.errors import InputRejected
from services.core.job import SlackContext
from services.intake import HelpRequested
from services.slack import SHORTCUT_DESCRIBE, SHORTCUT_FROM_MESSAGE, t
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


# --- 🔎 プロンプトにする --------------------------------------------------------------------------

PHOTO = {
    "id": "F0PHOTO1",
    "name": "photo.jpg",
    "mimetype": "image/jpeg",
    "size": 120_000,
    "url_private": "https://files.slack.com/files-pri/T0TEST-F0PHOTO1/photo.jpg",
    "original_w": 1200,
    "original_h": 900,
}
PDF = {**PHOTO, "id": "F0REPORT1", "name": "report.pdf", "mimetype": "application/pdf"}


def describe(app: FakeApp, files: list[dict[str, Any]], **kwargs: Any) -> Outcome:
    body = slack_requests.message_shortcut_body(
        "見てください",
        callback_id=SHORTCUT_DESCRIBE,
        message_ts=MESSAGE_TS,
        files=files,
        **{"response_url": RESPONSE_URL, **kwargs},
    )
    return call(app, "shortcut", SHORTCUT_DESCRIBE, payload_body(body))


def test_describe_reads_the_first_image_in_the_background_and_says_so(
    app: FakeApp, services: FakeServices
) -> None:
    outcome = describe(app, [PDF, PHOTO])

    assert outcome.ack.only == {}
    assert services.tasks.names == ["describe"]
    [(photo, slack, lang)] = services.describer.calls
    assert (photo.id, photo.mimetype) == ("F0PHOTO1", "image/jpeg")
    assert (slack.channel_id, slack.thread_ts, slack.user_id, lang) == ("C0CHAN", MESSAGE_TS, "U0USER", "ja")
    assert [answer["text"] for answer in outcome.respond.calls] == [t("describe.started")]


def test_a_describe_that_could_not_post_tells_the_user_why(app: FakeApp, services: FakeServices) -> None:
    services.describer.failure = t("image.unreadable", "en")
    services.intake.langs["U0USER"] = "en"

    outcome = describe(app, [PHOTO])

    assert [answer["text"] for answer in outcome.respond.calls] == [
        t("describe.started", "en"),
        t("image.unreadable", "en"),
    ]
    assert {answer["response_type"] for answer in outcome.respond.calls} == {"ephemeral"}


def test_describe_without_a_response_url_answers_in_the_thread_privately(
    app: FakeApp, services: FakeServices
) -> None:
    outcome = describe(app, [PHOTO], response_url="")

    [sent] = outcome.client.sent("chat.postEphemeral")
    assert (sent["user"], sent["thread_ts"], sent["text"]) == ("U0USER", MESSAGE_TS, t("describe.started"))


def test_a_message_without_an_image_is_told_at_once(app: FakeApp, services: FakeServices) -> None:
    outcome = describe(app, [])

    assert outcome.ack.only == {}
    assert outcome.respond.only["text"] == t("describe.no_image")
    assert services.describer.calls == []
    assert services.tasks.names == []


def test_a_file_that_is_not_an_image_is_refused_before_any_download(
    app: FakeApp, services: FakeServices
) -> None:
    outcome = describe(app, [PDF])

    assert outcome.respond.only["text"] == t("image.not_image", name="report.pdf")
    assert services.describer.calls == []
