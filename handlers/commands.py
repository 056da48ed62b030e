"""``/imagine``: acknowledge at once, queue the job, or say politely what is wrong."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from handlers.payloads import CommandPayload
from services import ids
from services.container import Services
from services.errors import InputRejected
from services.models import SlackContext
from services.slack_output import failure_message


def register(app: App, services: Services) -> None:
    """Attach the slash command listener."""

    @app.command(ids.SLASH_COMMAND)
    def imagine(ack: Ack, body: dict[str, Any]) -> None:
        command = CommandPayload.model_validate(body)
        slack = SlackContext(
            team_id=command.team_id,
            channel_id=command.channel_id,
            user_id=command.user_id,
            response_url=command.response_url,
        )
        try:
            services.intake.request(command.text, slack, "command")
        except InputRejected as exc:
            # Text in the ack is shown only to the user who typed the command.
            ack(text=failure_message(exc, "", services.lang), response_type="ephemeral")
            return
        ack()
