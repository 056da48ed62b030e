"""The app's error handler (handlers/errors.py): every refusal answered once, other errors logged.

The listener tests see its answers through the fake App; here it runs inside Bolt's own runner
too, where a listener that raises would otherwise make Slack show an error.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web import WebClient

import handlers
from handlers.errors import refuse
from services.core.errors import InputRejected
from services.slack import EVENT_APP_HOME_OPENED, t
from tests import slack_requests
from tests.handlers.fakes import RESPONSE_URL, FakeApp, FakeClient, FakeServices, Recorder, event_body


def bolt_app(services: FakeServices) -> App:
    """A real Bolt App with every listener; nothing in these tests reaches the Web API."""

    def authorize(**_: Any) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=None, team_id="T0TEST", bot_user_id="U0BOT", bot_token="xoxb-x")

    app = App(
        client=WebClient(base_url="http://127.0.0.1:9/"),
        authorize=authorize,
        signing_secret=slack_requests.SIGNING_SECRET,
        process_before_response=True,
    )
    handlers.register_all(app, services)  # type: ignore[arg-type]
    return app


def dispatch(app: App, body: str, content_type: str) -> tuple[int, Any]:
    request = BoltRequest(body=body, headers=slack_requests.signed_headers(body, content_type))
    response = app.dispatch(request)
    return response.status, json.loads(response.body) if response.body else ""


def test_inside_bolt_a_refused_command_is_a_200_with_the_reason(services: FakeServices) -> None:
    services.intake.refuse["request"] = InputRejected("quota.user", limit=5, reset="00:00")

    status, body = dispatch(bolt_app(services), slack_requests.command_body("夜の海"), slack_requests.FORM)

    assert status == 200
    assert body == {"text": t("quota.user", limit=5, reset="00:00"), "response_type": "ephemeral"}


def test_inside_bolt_a_refused_form_stays_open_with_the_reason(services: FakeServices) -> None:
    services.intake.refuse["from_form"] = InputRejected(
        "option.unknown_style", value="x", allowed="a", field="style"
    )
    values = {"text": {"text": {"type": "plain_text_input", "value": "猫"}}}
    request = slack_requests.view_submission_body(values, private_metadata='{"channel":"C0CHAN"}')

    status, body = dispatch(bolt_app(services), request, slack_requests.FORM)

    assert status == 200
    assert body == {
        "response_action": "errors",
        "errors": {"style": t("option.unknown_style", value="x", allowed="a")},
    }


def test_other_errors_are_logged_with_their_traceback_and_left_to_bolt(
    app: FakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    assert app.error_handler is not None
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        error = exc

    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        answer = app.error_handler(error=error, body={}, context={}, client=FakeClient(), respond=None)

    assert answer is None  # Bolt answers 500
    [logged] = caplog.records
    assert logged.exc_info is not None and logged.exc_info[1] is error


def test_a_refusal_that_cannot_be_delivered_is_logged_and_still_acknowledged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Unreachable(Recorder):
        def __call__(self, **kwargs: Any) -> None:
            raise OSError("connection refused")

    body = {"type": "block_actions", "response_url": RESPONSE_URL}

    with caplog.at_level(logging.WARNING, logger="handlers.errors"):
        response = refuse(
            InputRejected("button.invalid"),
            body,
            "ja",
            user_id="U0USER",
            client=FakeClient(),  # type: ignore[arg-type]
            respond=Unreachable(RESPONSE_URL),  # type: ignore[arg-type]
        )

    assert (response.status, response.body) == (200, "")
    assert "could not send a refusal" in caplog.text


def test_a_refusal_on_an_event_with_nowhere_to_answer_says_nothing() -> None:
    client = FakeClient()
    body = event_body(slack_requests.home_opened_body())
    assert body["event"]["type"] == EVENT_APP_HOME_OPENED

    response = refuse(
        InputRejected("button.invalid"), body, "ja", user_id="U0USER", client=client, respond=None
    )  # type: ignore[arg-type]

    assert (response.status, response.body) == (200, "")
    assert client.calls == []
