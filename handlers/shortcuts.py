"""The message shortcut 「画像にする」: an image from any message's text, answered in its thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from handlers.payloads import MessageShortcutPayload
from services.container import Services
from services.core import InputRejected, SlackContext
from services.intake import HelpRequested
from services.slack import SHORTCUT_FROM_MESSAGE


def register(app: App, services: Services) -> None:
    """Attach the message shortcut listener; refusals are told by the app's error handler."""
    intake = services.intake

    @app.shortcut(SHORTCUT_FROM_MESSAGE)
    def from_message(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        payload = MessageShortcutPayload.model_validate(body)
        slack = SlackContext(
            team_id=payload.team.id if payload.team else None,
            channel_id=payload.channel.id,
            user_id=payload.user.id,
            thread_ts=payload.message.thread_ts or payload.message.ts,
            response_url=payload.response_url,
        )
        try:
            intake.request(payload.message.text, slack, "shortcut")
        except HelpRequested as exc:
            # A message that reads like "help" has nothing to draw; the shortcut has no help to show.
            raise InputRejected("input.empty") from exc
