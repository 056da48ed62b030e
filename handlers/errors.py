"""One answer to every refusal: a listener raises ``InputRejected``, the user reads why, privately.

Bolt hands this handler whatever a listener or a global middleware lets escape. Listeners that
do slow work ack first, so Slack has its acknowledgement within 3 s either way; this only decides
what the response carries and what is said, in the user's language, and where:

- ``/imagine``: in the ack, which only the user who typed the command sees;
- the form: under the field the refusal is about, and the form stays open;
- a button on a message, the message shortcut: an ephemeral reply through ``response_url``;
- a button in App Home (no thread, no ``response_url``): a DM from the bot;
- a mention or a reaction: an ephemeral message in the channel, in the mention's thread.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from slack_bolt import App, BoltContext, BoltResponse, Respond
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from handlers.answers import tell, whisper
from handlers.payloads import MentionEvent, ReactionEvent
from services.container import Services
from services.core import InputRejected, Language, SlackContext
from services.slack import BLOCK_TEXT, EVENT_APP_MENTION, EVENT_REACTION_ADDED, failure_message

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    """Make ``refuse`` the answer to every ``InputRejected`` a listener raises."""
    intake = services.intake

    @app.error
    def on_error(
        error: Exception,
        body: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        respond: Respond | None,
    ) -> BoltResponse | None:
        if not isinstance(error, InputRejected):
            # This replaces Bolt's default handler, which logged the traceback; keep doing so.
            logger.error("listener failed: %s", type(error).__name__, exc_info=error)
            return None  # Bolt answers 500
        lang = intake.lang_for(context.user_id, context.team_id)
        return refuse(error, body, lang, user_id=context.user_id, client=client, respond=respond)


def refuse(
    error: InputRejected,
    body: dict[str, Any],
    lang: Language,
    *,
    user_id: str | None,
    client: WebClient,
    respond: Respond | None,
) -> BoltResponse:
    """Tell the user why ``error`` refused their request where Slack lets us; the response for Slack."""
    text = failure_message(error, "", lang)
    if body.get("command"):
        return BoltResponse(status=200, body={"text": text, "response_type": "ephemeral"})
    kind = body.get("type")
    if kind == "view_submission":
        block = str(error.details.get("field") or BLOCK_TEXT)
        return BoltResponse(status=200, body={"response_action": "errors", "errors": {block: text}})
    if respond is not None and respond.response_url:
        try:
            tell(respond, text)
        except OSError as exc:  # URLError and socket errors
            logger.warning("could not send a refusal: %s", type(exc).__name__)
    elif kind == "block_actions" and user_id:
        _direct_message(client, user_id, text)
    elif kind == "event_callback":
        _in_channel(client, body.get("event") or {}, text)
    # A 200 in every case: Slack retries events answered otherwise, and the user has been told.
    return BoltResponse(status=200, body="")


def _direct_message(client: WebClient, user_id: str, text: str) -> None:
    try:
        client.chat_postMessage(channel=user_id, text=text)
    except SlackApiError as exc:
        logger.warning("could not tell the user: %s", exc.response.get("error"))


def _in_channel(client: WebClient, event: dict[str, Any], text: str) -> None:
    try:
        if event.get("type") == EVENT_APP_MENTION:
            mention = MentionEvent.model_validate(event)
            if mention.user is None:
                return
            slack = SlackContext(
                team_id=mention.team,
                channel_id=mention.channel,
                user_id=mention.user,
                thread_ts=mention.thread_ts or mention.ts,
            )
        elif event.get("type") == EVENT_REACTION_ADDED:
            reaction = ReactionEvent.model_validate(event)
            slack = SlackContext(channel_id=reaction.item.channel, user_id=reaction.user)
        else:
            return
    except ValidationError:
        return  # not a shape we answer in
    whisper(client, slack, text)
