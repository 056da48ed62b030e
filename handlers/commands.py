"""``/imagine``: acknowledge at once, queue the job, open the form, show help, or say what is wrong."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from handlers.answers import help_answer
from handlers.forms import open_form
from handlers.payloads import CommandPayload, FormContext
from services.container import Services
from services.core import InputRejected, Language, SlackContext
from services.intake import HelpRequested
from services.slack import SLASH_COMMAND, failure_message


def register(app: App, services: Services) -> None:
    """Attach the slash command listener."""
    intake = services.intake

    @app.command(SLASH_COMMAND)
    def imagine(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        command = CommandPayload.model_validate(body)

        def lang() -> Language:
            # Only refusals need it; a queued request is acknowledged without another read.
            return intake.lang_for(command.user_id, command.team_id)

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
            except SlackApiError:
                ack(text=failure_message(InputRejected("input.empty"), "", lang()), response_type="ephemeral")
                return
            ack()
            return
        try:
            intake.request(command.text, slack, "command")
        except HelpRequested:
            text, blocks = help_answer(services, lang())
            ack(text=text, blocks=blocks, response_type="ephemeral")
            return
        except InputRejected as exc:
            # Text in the ack is shown only to the user who typed the command.
            ack(text=failure_message(exc, "", lang()), response_type="ephemeral")
            return
        ack()
