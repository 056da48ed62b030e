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
    text: str, *, user_id: str = "U0USER", channel_id: str = "C0CHAN", response_url: str = ""
) -> str:
    """A /imagine slash command, form-encoded."""
    return urlencode(
        {
            "token": "legacy-unused",
            "team_id": "T0TEST",
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
) -> str:
    """An app_mention Events API envelope, JSON."""
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
) -> str:
    """A block_actions payload for one button on a bot message, form-encoded."""
    message: dict[str, Any] = {"type": "message", "ts": message_ts, "user": "U0BOT", "bot_id": "B0BOT"}
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
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "result",
                "value": value,
                "action_ts": "1.2",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})
