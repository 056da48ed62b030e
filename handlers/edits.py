"""✏️ 🔍 ⬆️ ✂️ 🔙 under a result: edits of its image, and the ✏️ form's submission."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk.web import WebClient

from handlers.actions import context_of, result_form
from handlers.payloads import BlockActionsPayload, FormContext, ViewSubmissionPayload
from services.container import Services
from services.core import OUTPAINT_ACTIONS, EditAction, EditSpec, InputRejected, SlackContext
from services.slack import (
    ACTION_EDIT,
    ACTION_EDIT_MENU,
    ACTION_REMOVE_BACKGROUND,
    ACTION_UNDO,
    ACTION_UPSCALE,
    VIEW_EDIT,
    build_edit_form,
    read_edit_form,
)

_BUTTONS: dict[str, EditAction] = {ACTION_UPSCALE: "upscale", ACTION_REMOVE_BACKGROUND: "remove_background"}
_MENU = frozenset({"zoom_out_1_5", "zoom_out_2", "square", "pan_left", "pan_right", "pan_up", "pan_down"})


def register(app: App, services: Services) -> None:
    """Attach the edit buttons, the 🔍 menu and the ✏️ form; refusals go to the error handler."""
    intake = services.intake

    def on_button(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        action = payload.actions[0]
        intake.edit(action.value, EditSpec(action=_BUTTONS[action.action_id]), context_of(payload))

    for action_id in _BUTTONS:
        app.action(action_id)(on_button)

    @app.action(ACTION_EDIT_MENU)
    def on_menu(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        chosen = payload.actions[0].selected_option
        # The option's value is "<action>|<job:attempt>"; anything else was not sent by us.
        action, _, value = (chosen.value if chosen else "").partition("|")
        if action not in OUTPAINT_ACTIONS:
            raise InputRejected("button.invalid")
        intake.edit(value, EditSpec(action=action), context_of(payload))

    @app.action(ACTION_UNDO)
    def on_undo(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        intake.undo(payload.actions[0].value, context_of(payload))

    @app.action(ACTION_EDIT)
    def on_edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        trigger_id, slack, context = result_form(payload)
        lang = intake.lang_for(payload.user.id, slack.team_id)
        client.views_open(trigger_id=trigger_id, view=build_edit_form(context.model_dump_json(), lang))

    @app.view(VIEW_EDIT)
    def submitted(ack: Ack, body: dict[str, Any]) -> None:
        payload = ViewSubmissionPayload.model_validate(body)
        try:
            context = FormContext.model_validate_json(payload.view.private_metadata or "{}")
        except ValueError as exc:
            raise InputRejected("button.invalid") from exc  # tampered private_metadata
        if context.parent is None:
            raise InputRejected("button.invalid")
        slack = SlackContext(
            team_id=payload.team.id if payload.team else None,
            channel_id=context.channel,
            user_id=payload.user.id,
            thread_ts=context.thread_ts,
        )
        words = read_edit_form(payload.view.state.values)
        intake.edit(context.parent, EditSpec(action="edit", instruction=words[:1000]), slack)
        ack()
