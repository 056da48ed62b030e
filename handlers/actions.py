"""Buttons under a result (and under the candidate grid and refusals).

A refusal (``InputRejected``) is left to the app's error handler (handlers/errors.py), which tells
the clicker privately; work done in the background after the ack tells them itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.web import WebClient

from handlers.answers import tell
from handlers.forms import open_form
from handlers.payloads import BlockActionsPayload, FormContext
from services.container import Services
from services.core import InputRejected, Language, SlackContext, Trigger
from services.slack import (
    ACTION_ADJUST,
    ACTION_APPROVE,
    ACTION_CANDIDATES,
    ACTION_CFG_DOWN,
    ACTION_CFG_UP,
    ACTION_DELETE,
    ACTION_PICK,
    ACTION_REGENERATE,
    ACTION_REPORT_FALSE_POSITIVE,
    ACTION_RETRY,
    ACTION_SAME_SEED,
    ACTION_USE_DESCRIPTION,
    ACTION_VARIATION,
    build_retried_blocks,
    failure_message,
    t,
)

logger = logging.getLogger(__name__)

FOLLOW_UPS: dict[str, Trigger] = {
    ACTION_REGENERATE: "regenerate",
    ACTION_SAME_SEED: "same_seed",
    ACTION_CFG_DOWN: "cfg_down",
    ACTION_CFG_UP: "cfg_up",
    ACTION_VARIATION: "variation",
    ACTION_PICK: "pick",
}


def context_of(payload: BlockActionsPayload) -> SlackContext:
    """Where the answer goes: the thread of the message the button is on."""
    if payload.channel is None or payload.message is None:
        raise InputRejected("button.invalid")
    return SlackContext(
        team_id=payload.team.id if payload.team else None,
        channel_id=payload.channel.id,
        user_id=payload.user.id,
        thread_ts=payload.message.thread_ts or payload.message.ts,
        response_url=payload.response_url,
    )


def result_form(payload: BlockActionsPayload) -> tuple[str, SlackContext, FormContext]:
    """A button that opens a form about its result: the trigger, where answers go, the form's context."""
    slack = context_of(payload)
    if not payload.trigger_id:
        raise InputRejected("button.invalid")
    context = FormContext(
        channel=slack.channel_id, thread_ts=slack.thread_ts, parent=payload.actions[0].value
    )
    return payload.trigger_id, slack, context


def _in_background(
    services: Services, name: str, respond: Respond, lang: Language, work: Callable[[], str | None]
) -> None:
    """Run ``work`` off the request thread; its message key (or refusal) is told to the clicker."""

    def task() -> None:
        try:
            key = work()
        except InputRejected as exc:
            # The request was answered long ago, so the app's error handler never sees this one.
            tell(respond, failure_message(exc, "", lang))
            return
        if key:
            tell(respond, t(key, lang))

    services.tasks.submit(name, task)


def register(app: App, services: Services) -> None:
    """Attach the listeners for every result button."""
    intake = services.intake

    def on_follow_up(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        action = payload.actions[0]
        intake.follow_up(action.value, FOLLOW_UPS[action.action_id], context_of(payload))

    for action_id in FOLLOW_UPS:
        app.action(action_id)(on_follow_up)

    @app.action(ACTION_RETRY)
    def on_retry(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        user = payload.user.id
        intake.retry(payload.actions[0].value, context_of(payload))
        # The button goes, so the failure is not retried twice by accident; its text stays.
        lang = intake.lang_for(user, payload.team.id if payload.team else None)
        text = payload.message.text if payload.message else ""
        respond(replace_original=True, text=text, blocks=build_retried_blocks(text, user, lang))

    @app.action(ACTION_USE_DESCRIPTION)
    def on_use_description(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        intake.from_description(payload.actions[0].value, context_of(payload))

    _register_desk(app, services)


def _register_desk(app: App, services: Services) -> None:
    """The buttons that do not re-run the job: 調整, 採用, 削除, 候補を見る, 誤判定を報告."""
    intake = services.intake

    @app.action(ACTION_ADJUST)
    def on_adjust(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        trigger_id, _, context = result_form(payload)
        open_form(client, services, trigger_id, payload.user.id, context)

    @app.action(ACTION_APPROVE)
    def on_approve(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        value, user = payload.actions[0].value, payload.user.id
        lang = intake.lang_for(user)
        _in_background(services, "approve", respond, lang, lambda: services.desk.approve(value, user))

    @app.action(ACTION_DELETE)
    def on_delete(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        value, user = payload.actions[0].value, payload.user.id
        lang = intake.lang_for(user)

        def delete() -> str:
            services.desk.delete(value, user)
            return "delete.done"

        _in_background(services, "delete", respond, lang, delete)

    @app.action(ACTION_CANDIDATES)
    def on_candidates(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        slack = context_of(payload)
        lang = intake.lang_for(payload.user.id)
        value = payload.actions[0].value

        def show() -> None:
            services.desk.show_candidates(value, slack, lang)

        _in_background(services, "candidates", respond, lang, show)

    @app.action(ACTION_REPORT_FALSE_POSITIVE)
    def on_report(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        services.reports.file(payload.actions[0].value, payload.user.id)
        tell(respond, t("report.thanks", intake.lang_for(payload.user.id)))
