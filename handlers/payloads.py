"""Pydantic models of the Slack payloads the handlers read; extra fields are ignored."""

from __future__ import annotations

from typing import Any

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
    trigger_id: str | None = None


class MentionEvent(_Loose):
    """An ``app_mention`` event."""

    text: str = ""
    user: str | None = None
    bot_id: str | None = None
    channel: str = Field(min_length=1)
    ts: str = Field(min_length=1)
    thread_ts: str | None = None
    team: str | None = None
    # Attached files, as Slack sends them; intake reads the first image.
    files: list[dict[str, Any]] = []


class _Id(_Loose):
    id: str = Field(min_length=1)


class _Message(_Loose):
    ts: str = Field(min_length=1)
    thread_ts: str | None = None
    text: str = ""
    # Attached files, as Slack sends them with a message shortcut (🔎 プロンプトにする reads the first image).
    files: list[dict[str, Any]] = []


class _Selected(_Loose):
    value: str = Field(default="", max_length=150)


class ButtonAction(_Loose):
    """One clicked button (or changed select) inside a block_actions payload."""

    action_id: str
    value: str = Field(default="", max_length=2000)
    selected_option: _Selected | None = None


class BlockActionsPayload(_Loose):
    """A ``block_actions`` payload: a button on a bot message, or a control in App Home."""

    user: _Id
    channel: _Id | None = None  # absent in App Home
    team: _Id | None = None
    message: _Message | None = None  # absent in App Home
    response_url: str | None = None
    trigger_id: str | None = None
    actions: list[ButtonAction] = Field(min_length=1)


class _ViewState(_Loose):
    values: dict[str, dict[str, dict[str, object]]] = {}


class _View(_Loose):
    callback_id: str = ""
    private_metadata: str = Field(default="", max_length=3000)
    state: _ViewState = _ViewState()


class ViewSubmissionPayload(_Loose):
    """A submitted modal."""

    user: _Id
    team: _Id | None = None
    view: _View


class FormContext(_Loose):
    """What the form carries in ``private_metadata``: where to answer, and the result it adjusts."""

    channel: str = Field(min_length=1, max_length=30)
    thread_ts: str | None = Field(default=None, max_length=30)
    parent: str | None = Field(default=None, max_length=100)


class _ReactionItem(_Loose):
    type: str
    channel: str = ""
    ts: str = ""


class ReactionEvent(_Loose):
    """A ``reaction_added`` event."""

    user: str = Field(min_length=1)
    reaction: str = Field(min_length=1, max_length=100)
    item: _ReactionItem
    item_user: str | None = None


class HomeOpenedEvent(_Loose):
    """An ``app_home_opened`` event."""

    user: str = Field(min_length=1)
    tab: str = "home"


class MessageShortcutPayload(_Loose):
    """A ``message_action`` payload: the 「画像にする」 or 🔎 プロンプトにする shortcut on a message."""

    user: _Id
    channel: _Id
    team: _Id | None = None
    message: _Message
    response_url: str | None = None
    trigger_id: str | None = None
