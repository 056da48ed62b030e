"""``@bot テキスト`` in a channel or a thread: the answer goes into that thread."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from handlers.payloads import MentionEvent
from services import ids
from services.container import Services
from services.errors import InputRejected
from services.models import SlackContext
from services.slack_output import failure_message

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    """Attach the app_mention listener (Bolt acknowledges events itself)."""

    @app.event(ids.EVENT_APP_MENTION)
    def mention(event: dict[str, Any], client: WebClient) -> None:
        payload = MentionEvent.model_validate(event)
        if payload.bot_id or not payload.user:
            return  # never answer other bots, or ourselves
        slack = SlackContext(
            team_id=payload.team,
            channel_id=payload.channel,
            user_id=payload.user,
            thread_ts=payload.thread_ts or payload.ts,
        )
        try:
            services.intake.request(payload.text, slack, "mention")
        except InputRejected as exc:
            try:
                client.chat_postEphemeral(
                    channel=payload.channel,
                    user=payload.user,
                    thread_ts=slack.thread_ts,
                    text=failure_message(exc, "", services.lang),
                )
            except SlackApiError as api_error:
                logger.warning("could not answer a mention: %s", api_error.response.get("error"))
