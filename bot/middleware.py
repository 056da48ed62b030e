"""Global Bolt middleware: each Slack request runs once, and only for allowed users and channels.

Bolt runs these after its own signature check and authorization, before any listener. A
middleware that does not call ``next_()`` must return a ``BoltResponse``: ``App.dispatch`` answers
404 ("no next() calls in middleware") when it returns None.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from slack_bolt import BoltContext, BoltRequest, BoltResponse, Respond
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from handlers.payloads import FormContext
from services.core.text import Language
from services.slack import BLOCK_TEXT, EVENT_APP_HOME_OPENED, EVENT_APP_MENTION, t
from services.storage.dedupe import Deduper

logger = logging.getLogger(__name__)

# Slack retries an event up to three times over about five minutes; an hour covers them all.
EVENT_TTL = 3600.0
# Long enough for a double click, short enough that a deliberate second press still works.
ACTION_TTL = 5.0
# A double submit comes within seconds; ten minutes is ample and keeps the store small.
VIEW_TTL = 600.0

Middleware = Callable[..., BoltResponse | None]
LangFor = Callable[[str | None, str | None], Language]


def _digest(*parts: object) -> str:
    """A short, fixed-length key part: button values and form contents stay out of the store."""
    raw = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def request_key(
    body: dict[str, Any],
    *,
    event_ttl: float = EVENT_TTL,
    action_ttl: float = ACTION_TTL,
    view_ttl: float = VIEW_TTL,
) -> tuple[str, float] | None:
    """The dedupe key and its TTL for requests Slack may deliver twice; None for the rest."""
    kind = body.get("type")
    if kind == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}", event_ttl
    if kind == "block_actions":
        actions = body.get("actions") or []
        # Only buttons can be double-clicked; a select changed A→B→A within seconds is three choices.
        if not actions or any(action.get("type") != "button" for action in actions):
            return None
        container = body.get("container") or {}
        anchor = container.get("message_ts") or container.get("view_id") or ""
        user = (body.get("user") or {}).get("id", "")
        team = (body.get("team") or {}).get("id", "")
        pressed = [(action.get("action_id"), action.get("value")) for action in actions]
        return f"action:{_digest(team, user, anchor, pressed)}", action_ttl
    if kind == "view_submission":
        view = body.get("view") or {}
        if not view.get("id"):
            return None
        # The hash alone does not change when a user fixes a field after an errors answer, so the
        # submitted values are part of the key: only an identical resubmission is a duplicate.
        values = (view.get("state") or {}).get("values")
        return f"view:{view['id']}:{_digest(view.get('hash'), values)}", view_ttl
    return None


def dedupe_requests(
    deduper: Deduper,
    *,
    event_ttl: float = EVENT_TTL,
    action_ttl: float = ACTION_TTL,
    view_ttl: float = VIEW_TTL,
) -> Middleware:
    """Middleware that answers a repeated event, button click or form submission with a bare 200."""

    def dedupe(body: dict[str, Any], request: BoltRequest, next_: Callable[[], None]) -> BoltResponse | None:
        keyed = request_key(body, event_ttl=event_ttl, action_ttl=action_ttl, view_ttl=view_ttl)
        if keyed is None:
            next_()
            return None
        key, ttl = keyed
        retry = _header(request, "x-slack-retry-num")
        if retry is not None:
            logger.info(
                "Slack retry %s (%s) of %s", retry, _header(request, "x-slack-retry-reason") or "?", key
            )
        if deduper.first_time(key, ttl):
            next_()
            return None
        logger.info("duplicate %s: acknowledged and dropped", key)
        return BoltResponse(status=200, body="")

    return dedupe


def _header(request: BoltRequest, name: str) -> str | None:
    values = request.headers.get(name) or []
    return str(values[0]) if values else None


def _ja(_user: str | None, _team: str | None) -> Language:
    return "ja"


def access_control(
    allowed_users: frozenset[str],
    allowed_channels: frozenset[str],
    lang_for: LangFor = _ja,
) -> Middleware:
    """Middleware that turns away users and channels outside the allow-lists (empty means everyone)."""

    def check_access(
        body: dict[str, Any],
        context: BoltContext,
        client: WebClient,
        respond: Respond | None,
        next_: Callable[[], None],
    ) -> BoltResponse | None:
        if not allowed_users and not allowed_channels:
            next_()
            return None
        user = context.user_id
        channel = _channel(body, context)
        if allowed_users and user not in allowed_users:
            key = "access.user_denied"
        elif allowed_channels and channel is not None and channel not in allowed_channels:
            key = "access.channel_denied"
        else:
            next_()
            return None
        kind = _kind(body)
        logger.info("refused %s from user %s in channel %s: %s", kind, user, channel, key)
        text = t(key, lang_for(user, context.team_id))
        return _refuse(kind, body, text, client, respond)

    return check_access


def _kind(body: dict[str, Any]) -> str:
    if body.get("command"):
        return "command"
    kind = str(body.get("type") or "")
    if kind == "event_callback":
        return f"event:{(body.get('event') or {}).get('type', '')}"
    return kind


def _channel(body: dict[str, Any], context: BoltContext) -> str | None:
    """The channel the request acts in; None for App Home, which every allowed user keeps."""
    kind = _kind(body)
    if kind == f"event:{EVENT_APP_HOME_OPENED}":
        return None
    if kind == "block_actions" and (body.get("view") or {}).get("type") == "home":
        return None
    if kind == "view_submission":
        # The form answers in the channel it was opened from, carried in private_metadata.
        metadata = (body.get("view") or {}).get("private_metadata") or "{}"
        try:
            return FormContext.model_validate_json(metadata).channel
        except ValidationError:
            return None  # the form listener refuses tampered metadata itself
    return context.channel_id


def _refuse(
    kind: str, body: dict[str, Any], text: str, client: WebClient, respond: Respond | None
) -> BoltResponse:
    """Tell the user where Slack lets us, and acknowledge so Slack does not retry."""
    if kind == "command":
        # Text in the ack is shown only to the user who typed the command.
        return BoltResponse(status=200, body={"text": text, "response_type": "ephemeral"})
    if kind == "view_submission":
        return BoltResponse(status=200, body={"response_action": "errors", "errors": {BLOCK_TEXT: text}})
    if kind in {"block_actions", "message_action", "shortcut"} and respond and respond.response_url:
        try:
            sent = respond(text=text, response_type="ephemeral", replace_original=False)
        except OSError as exc:  # URLError and socket errors
            logger.warning("could not send a refusal: %s", type(exc).__name__)
        else:
            if sent.status_code >= 300:
                logger.warning("could not send a refusal: HTTP %s", sent.status_code)
    elif kind == f"event:{EVENT_APP_MENTION}":
        event = body.get("event") or {}
        if event.get("user") and not event.get("bot_id"):
            try:
                client.chat_postEphemeral(
                    channel=event.get("channel", ""),
                    user=event["user"],
                    thread_ts=event.get("thread_ts") or event.get("ts"),
                    text=text,
                )
            except SlackApiError as exc:
                logger.warning("could not send a refusal: %s", exc.response.get("error"))
    # reaction_added, app_home_opened and anything else: nothing to say, nothing to do.
    return BoltResponse(status=200, body="")
