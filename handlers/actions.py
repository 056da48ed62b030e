"""Result buttons: 再生成, cfg −, cfg +. Each re-runs the job loaded from its record."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from handlers.payloads import BlockActionsPayload
from services import ids
from services.container import Services
from services.errors import InputRejected
from services.messages import t
from services.models import SlackContext, Trigger
from services.slack_output import failure_message

_TRIGGERS: dict[str, Trigger] = {
    ids.ACTION_REGENERATE: "regenerate",
    ids.ACTION_CFG_DOWN: "cfg_down",
    ids.ACTION_CFG_UP: "cfg_up",
}


def register(app: App, services: Services) -> None:
    """Attach the listeners for the result buttons."""

    def on_button(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        action = payload.actions[0]
        slack = SlackContext(
            team_id=payload.team.id if payload.team else None,
            channel_id=payload.channel.id,
            user_id=payload.user.id,
            thread_ts=payload.message.thread_ts or payload.message.ts,
            response_url=payload.response_url,
        )
        try:
            services.intake.follow_up(action.value, _TRIGGERS[action.action_id], slack)
        except InputRejected as exc:
            respond(
                text=failure_message(exc, "", services.lang),
                response_type="ephemeral",
                replace_original=False,
            )

    for action_id in _TRIGGERS:
        app.action(action_id)(on_button)

    @app.action(ids.ACTION_REPORT_FALSE_POSITIVE)
    def on_report(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        try:
            services.reports.file(payload.actions[0].value, payload.user.id)
        except InputRejected as exc:
            respond(
                text=failure_message(exc, "", services.lang),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        respond(text=t("report.thanks", services.lang), response_type="ephemeral", replace_original=False)
