"""Pydantic models of the Slack payloads the handlers read; extra fields are ignored."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CommandPayload(_Loose):
    """A slash command invocation."""

    text: str = ""
    user_id: str = Field(min_length=1)
    channel_id: str = Field(min_length=1)
    team_id: str | None = None
    response_url: str | None = None


class MentionEvent(_Loose):
    """An ``app_mention`` event."""

    text: str = ""
    user: str | None = None
    bot_id: str | None = None
    channel: str = Field(min_length=1)
    ts: str = Field(min_length=1)
    thread_ts: str | None = None
    team: str | None = None


class _Id(_Loose):
    id: str = Field(min_length=1)


class _Message(_Loose):
    ts: str = Field(min_length=1)
    thread_ts: str | None = None


class ButtonAction(_Loose):
    """One clicked button inside a block_actions payload."""

    action_id: str
    value: str = Field(default="", max_length=2000)


class BlockActionsPayload(_Loose):
    """A ``block_actions`` payload from a button on a bot message."""

    user: _Id
    channel: _Id
    team: _Id | None = None
    message: _Message
    response_url: str | None = None
    actions: list[ButtonAction] = Field(min_length=1)
