"""``@bot テキスト`` in a channel or a thread; in a result's thread it refines that result."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from handlers.payloads import MentionEvent
from services import ids, menus
from services.container import Services
from services.errors import InputRejected
from services.intake import HelpRequested
from services.models import SlackContext
from services.slack_output import failure_message
from services.slack_ui import ButtonRef
from services.slack_views import build_help_text

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    """Attach the app_mention listener (Bolt acknowledges events itself)."""
    intake = services.intake

    @app.event(ids.EVENT_APP_MENTION)
    def mention(event: dict[str, Any], client: WebClient) -> None:
        payload = MentionEvent.model_validate(event)
        if payload.bot_id or not payload.user:
            return  # never answer other bots, or ourselves
        user = payload.user
        slack = SlackContext(
            team_id=payload.team,
            channel_id=payload.channel,
            user_id=user,
            thread_ts=payload.thread_ts or payload.ts,
        )
        lang = intake.lang_for(user, payload.team)
        previous = (
            services.state.job_for_thread(payload.channel, payload.thread_ts) if payload.thread_ts else None
        )
        try:
            if previous is not None:
                ref = ButtonRef(job_id=previous[0], attempt=previous[1]).encode()
                try:
                    intake.refine(ref, payload.text, slack)
                except InputRejected as exc:
                    if exc.kind != "job.not_found":
                        raise
                    # The earlier result is no longer archived: treat the reply as a new request.
                    intake.request(payload.text, slack, "mention")
            else:
                intake.request(payload.text, slack, "mention")
        except HelpRequested:
            blocks = menus.help_blocks(
                services.pipeline, intake.default_alias, intake.config.max_candidates, lang
            )
            _whisper(client, slack, build_help_text(lang), blocks)
        except InputRejected as exc:
            _whisper(client, slack, failure_message(exc, "", lang))


def _whisper(
    client: WebClient, slack: SlackContext, text: str, blocks: list[dict[str, object]] | None = None
) -> None:
    """An ephemeral answer in the thread, seen only by the user who mentioned the bot."""
    try:
        client.chat_postEphemeral(
            channel=slack.channel_id, user=slack.user_id, thread_ts=slack.thread_ts, text=text, blocks=blocks
        )
    except SlackApiError as api_error:
        logger.warning("could not answer a mention: %s", api_error.response.get("error"))
