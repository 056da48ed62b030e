"""Reactions on a result act like its buttons: 🔄 ➕ ➖ 🎲, and 👍 approves."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk.web import WebClient

from handlers.answers import whisper
from handlers.payloads import ReactionEvent
from services.container import Services
from services.core import ButtonRef, SlackContext, Trigger
from services.slack import EVENT_REACTION_ADDED, REACTION_APPROVE, REACTION_TRIGGERS, t

_TRIGGERS: dict[str, Trigger] = {
    "regenerate": "regenerate",
    "cfg_up": "cfg_up",
    "cfg_down": "cfg_down",
    "variation": "variation",
}


def register(app: App, services: Services) -> None:
    """Attach the reaction_added listener; refusals are told by the app's error handler."""
    intake = services.intake

    @app.event(EVENT_REACTION_ADDED)
    def reacted(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        payload = ReactionEvent.model_validate(event)
        # The bot adds these reactions itself to offer them; those events are not requests.
        if payload.user == context.bot_user_id or payload.item.type != "message":
            return
        name = payload.reaction.split("::", 1)[0]  # skin tones arrive as "+1::skin-tone-2"
        action = _TRIGGERS.get(REACTION_TRIGGERS.get(name, ""))
        if action is None and name not in REACTION_APPROVE:
            return
        posted = services.state.post_for_message(payload.item.channel, payload.item.ts)
        if posted is None:
            return  # not one of our results
        value = ButtonRef(job_id=posted[0], attempt=posted[1]).encode()
        slack = SlackContext(team_id=context.team_id, channel_id=payload.item.channel, user_id=payload.user)
        if action is None:
            key = services.desk.approve(value, payload.user)
            whisper(client, slack, t(key, intake.lang_for(payload.user, context.team_id)))
            return
        intake.follow_up(value, action, slack)
