"""Text vocabulary shared by every layer: the interface language and Slack's mrkdwn rules.

Intake cleans what a user typed and options escape what they echo back, below the Slack builders,
so these live here rather than with the blocks.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Language = Literal["ja", "en"]

_SLACK_LINK = re.compile(r"<(?:https?|mailto):[^|>]*\|([^>]*)>|<((?:https?|mailto):[^>]*)>")
_SLACK_SPECIAL = re.compile(r"<[@#!][^>]*>")


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clean_slack_text(text: str) -> str:
    """The plain text a user typed: mentions and broadcasts removed, links unwrapped.

    Control and format characters (NUL, escapes, zero-width spaces, right-to-left overrides)
    go too: they carry no meaning for an image, could reverse how our own messages display,
    and a request made only of them is empty.
    """
    text = _SLACK_LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = _SLACK_SPECIAL.sub(" ", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in {"Cc", "Cf"})
    return " ".join(text.split())


def shorten(text: str, limit: int = 80) -> str:
    """``text`` on one line, cut with an ellipsis past ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
