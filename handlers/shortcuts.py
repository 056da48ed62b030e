"""The message shortcut 「画像にする」: an image from any message's text, answered in its thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from handlers.answers import tell
from handlers.payloads import MessageShortcutPayload
from services.container import Services
from services.core import InputRejected, SlackContext
from services.intake import HelpRequested
from services.slack import SHORTCUT_FROM_MESSAGE, failure_message


def register(app: App, services: Services) -> None:
    """Attach the message shortcut listener."""
    intake = services.intake

    @app.shortcut(SHORTCUT_FROM_MESSAGE)
    def from_message(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        payload = MessageShortcutPayload.model_validate(body)
        team = payload.team.id if payload.team else None
        lang = intake.lang_for(payload.user.id, team)
        slack = SlackContext(
            team_id=team,
            channel_id=payload.channel.id,
            user_id=payload.user.id,
            thread_ts=payload.message.thread_ts or payload.message.ts,
            response_url=payload.response_url,
        )
        try:
            intake.request(payload.message.text, slack, "shortcut")
        except (InputRejected, HelpRequested) as exc:
            error = exc if isinstance(exc, InputRejected) else InputRejected("input.empty")
            tell(respond, failure_message(error, "", lang))
