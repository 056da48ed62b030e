"""``/imagine``: acknowledge at once, queue the job, open the form, show help, or say what is wrong.

Refusals (``InputRejected``) are answered in the ack by the app's error handler (handlers/errors.py),
so nothing here acks before the request is queued.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from handlers.answers import help_answer
from handlers.forms import open_form
from handlers.payloads import CommandPayload, FormContext
from services.container import Services
from services.core import InputRejected, SlackContext
from services.intake import HelpRequested
from services.slack import SLASH_COMMAND


def register(app: App, services: Services) -> None:
    """Attach the slash command listener."""
    intake = services.intake

    @app.command(SLASH_COMMAND)
    def imagine(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        command = CommandPayload.model_validate(body)
        slack = SlackContext(
            team_id=command.team_id,
            channel_id=command.channel_id,
            user_id=command.user_id,
            response_url=command.response_url,
        )
        if not command.text.strip() and command.trigger_id:
            # No text: the form asks for it, with every setting at hand.
            try:
                open_form(
                    client,
                    services,
                    command.trigger_id,
                    command.user_id,
                    FormContext(channel=command.channel_id),
                )
            except SlackApiError as exc:
                # No form (an expired trigger_id): ask for the text instead.
                raise InputRejected("input.empty") from exc
            ack()
            return
        try:
            intake.request(command.text, slack, "command")
        except HelpRequested:
            # Only help needs the language; a queued request is acknowledged without another read.
            text, blocks = help_answer(services, intake.lang_for(command.user_id, command.team_id))
            ack(text=text, blocks=blocks, response_type="ephemeral")
            return
        ack()
