"""Signed Slack request bodies, built the way Slack sends them."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "test-signing-secret"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def signed_headers(
    body: str, content_type: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Headers with a valid v0 signature over ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"content-type": content_type, "x-slack-request-timestamp": ts, "x-slack-signature": signature}


def command_body(
    text: str,
    *,
    user_id: str = "U0USER",
    channel_id: str = "C0CHAN",
    response_url: str = "",
    team_id: str = "T0TEST",
) -> str:
    """A /imagine slash command, form-encoded."""
    return urlencode(
        {
            "token": "legacy-unused",
            "team_id": team_id,
            "team_domain": "test",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": "tester",
            "command": "/imagine",
            "text": text,
            "api_app_id": "A0APP",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


_EVENT_COUNTER = iter(range(1, 1_000_000))


def mention_body(
    text: str,
    *,
    user: str = "U0USER",
    channel: str = "C0CHAN",
    ts: str = "1700000100.000100",
    thread_ts: str | None = None,
    files: list[dict[str, Any]] | None = None,
) -> str:
    """An app_mention Events API envelope, JSON (``files``: attached Slack file objects)."""
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": f"<@U0BOT> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    if files:
        event["files"] = files
    return json.dumps(
        {
            "token": "legacy-unused",
            "team_id": "T0TEST",
            "api_app_id": "A0APP",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(_EVENT_COUNTER):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0TEST", "user_id": "U0BOT", "is_bot": True}],
        }
    )


def action_body(
    action_id: str,
    value: str,
    *,
    user: str = "U0USER",
    channel: str = "C0CHAN",
    message_ts: str,
    thread_ts: str | None,
    response_url: str = "",
    selected: str | None = None,
    message_text: str = "",
) -> str:
    """A block_actions payload for one button on a bot message, form-encoded."""
    message: dict[str, Any] = {
        "type": "message",
        "ts": message_ts,
        "user": "U0BOT",
        "bot_id": "B0BOT",
        "text": message_text,
    }
    if thread_ts:
        message["thread_ts"] = thread_ts
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "tester", "team_id": "T0TEST"},
        "api_app_id": "A0APP",
        "token": "legacy-unused",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": "1.2.3",
        "team": {"id": "T0TEST", "domain": "test"},
        "channel": {"id": channel, "name": "general"},
        "message": message,
        "response_url": response_url,
        "actions": [_action(action_id, value, selected)],
    }
    return urlencode({"payload": json.dumps(payload)})


def _action(action_id: str, value: str, selected: str | None) -> dict[str, Any]:
    if selected is not None:
        return {
            "type": "static_select",
            "action_id": action_id,
            "block_id": action_id,
            "selected_option": {"text": {"type": "plain_text", "text": selected}, "value": selected},
            "action_ts": "1.2",
        }
    return {
        "type": "button",
        "action_id": action_id,
        "block_id": "result",
        "value": value,
        "action_ts": "1.2",
    }


def home_action_body(
    action_id: str, value: str = "", *, user: str = "U0USER", selected: str | None = None
) -> str:
    """A block_actions payload from a control in App Home (no channel, no message)."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "tester", "team_id": "T0TEST"},
        "api_app_id": "A0APP",
        "token": "legacy-unused",
        "container": {"type": "view", "view_id": "V0HOME"},
        "trigger_id": "1.2.3",
        "team": {"id": "T0TEST", "domain": "test"},
        "view": {"id": "V0HOME", "type": "home", "blocks": [], "state": {"values": {}}},
        "actions": [_action(action_id, value, selected)],
    }
    return urlencode({"payload": json.dumps(payload)})


def file_input_state(*files: dict[str, Any]) -> dict[str, Any]:
    """A file_input's entry in view.state.values: the uploaded files' Slack file objects (the same
    objects a message's ``files`` carries), as bolt-js's ViewStateValue types them."""
    return {"type": "file_input", "files": list(files)}


def view_submission_body(
    values: dict[str, dict[str, Any]],
    *,
    private_metadata: str,
    callback_id: str = "imagine_form",
    user: str = "U0USER",
) -> str:
    """A view_submission payload; ``values`` is view.state.values as Slack sends it."""
    payload = {
        "type": "view_submission",
        "team": {"id": "T0TEST", "domain": "test"},
        "user": {"id": user, "username": "tester", "team_id": "T0TEST"},
        "api_app_id": "A0APP",
        "token": "legacy-unused",
        "trigger_id": "1.2.4",
        "view": {
            "id": "V0FORM",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
            "hash": "1.abc",
        },
    }
    return urlencode({"payload": json.dumps(payload)})


def message_shortcut_body(
    text: str,
    *,
    callback_id: str = "imagine_from_message",
    user: str = "U0USER",
    channel: str = "C0CHAN",
    message_ts: str = "1700000500.000500",
    thread_ts: str | None = None,
    response_url: str = "",
    files: list[dict[str, Any]] | None = None,
) -> str:
    """A message_action payload (a message shortcut), form-encoded (``files``: the message's files)."""
    message: dict[str, Any] = {"type": "message", "user": "U0OTHER", "ts": message_ts, "text": text}
    if thread_ts:
        message["thread_ts"] = thread_ts
    if files:
        message["files"] = files
    payload = {
        "type": "message_action",
        "callback_id": callback_id,
        "trigger_id": "1.2.5",
        "team": {"id": "T0TEST", "domain": "test"},
        "user": {"id": user, "name": "tester"},
        "channel": {"id": channel, "name": "general"},
        "message": message,
        "message_ts": message_ts,
        "response_url": response_url,
        "token": "legacy-unused",
    }
    return urlencode({"payload": json.dumps(payload)})


def _event_envelope(event: dict[str, Any]) -> str:
    return json.dumps(
        {
            "token": "legacy-unused",
            "team_id": "T0TEST",
            "api_app_id": "A0APP",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(_EVENT_COUNTER):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0TEST", "user_id": "U0BOT", "is_bot": True}],
        }
    )


def reaction_body(reaction: str, *, channel: str, ts: str, user: str = "U0USER") -> str:
    """A reaction_added Events API envelope, JSON."""
    return _event_envelope(
        {
            "type": "reaction_added",
            "user": user,
            "reaction": reaction,
            "item_user": "U0BOT",
            "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": "1700000900.000900",
        }
    )


def home_opened_body(*, user: str = "U0USER") -> str:
    """An app_home_opened Events API envelope, JSON."""
    return _event_envelope(
        {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": "1700000901.0",
        }
    )
