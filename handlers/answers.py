"""Private answers the listeners give: ephemeral replies and the help text."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from handlers import menus
from services.container import Services
from services.core import Language, SlackContext
from services.slack import build_help_text

logger = logging.getLogger(__name__)


def tell(respond: Respond, text: str) -> None:
    """An ephemeral reply through the request's response_url (buttons, shortcuts)."""
    respond(text=text, response_type="ephemeral", replace_original=False)


def whisper(
    client: WebClient, slack: SlackContext, text: str, blocks: list[dict[str, Any]] | None = None
) -> None:
    """An ephemeral message in the thread, for events that have no response_url (mentions, reactions)."""
    try:
        client.chat_postEphemeral(
            channel=slack.channel_id, user=slack.user_id, thread_ts=slack.thread_ts, text=text, blocks=blocks
        )
    except SlackApiError as exc:
        logger.warning("could not answer privately: %s", exc.response.get("error"))


def help_answer(services: Services, lang: Language) -> tuple[str, list[dict[str, Any]]]:
    """The help's fallback text and blocks, for the default model."""
    intake = services.intake
    blocks = menus.help_blocks(services.catalogue, intake.default_alias, intake.config.max_candidates, lang)
    return build_help_text(lang), blocks
