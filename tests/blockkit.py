"""Checks a message's blocks or a view the way Slack would: slack_sdk's validators, then the rest.

slack_sdk validates when a model object is serialised, so each dict is parsed back into its
model and serialised again. Slack documents a few limits slack_sdk does not check (context
elements, section fields, plain-text inputs); those are checked here from services/slack/limits.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from services.slack import limits


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _slack_only_limits(blocks: list[dict[str, Any]]) -> None:
    for node in _walk(blocks):
        kind = node.get("type")
        if kind == "context":
            for element in node["elements"]:
                if "text" in element:
                    assert 0 < _units(element["text"]) <= limits.CONTEXT_TEXT, element["text"][:80]
        elif kind == "section":
            assert "text" in node or "fields" in node
            for field in node.get("fields", []):
                assert 0 < _units(field["text"]) <= limits.SECTION_FIELD
            if "text" in node:
                assert _units(node["text"]["text"]) <= limits.SECTION_TEXT
        elif kind == "plain_text_input":
            max_length = node.get("max_length", limits.INPUT_VALUE)
            assert max_length <= limits.INPUT_VALUE
            assert _units(node.get("initial_value", "")) <= max_length
        elif kind in ("plain_text", "mrkdwn"):
            assert node["text"], node


def check_blocks(blocks: list[dict[str, Any]]) -> None:
    """Raise if Slack would refuse these message blocks."""
    assert blocks, "a message needs at least one block"
    assert len(blocks) <= 50, "a message holds at most 50 blocks"
    for block in blocks:
        model = Block.parse(block)
        assert model is not None, block
        # to_dict() runs every validator of the block and of everything inside it.
        assert model.to_dict() == block
    _slack_only_limits(blocks)


def check_view(view: dict[str, Any]) -> None:
    """Raise if Slack would refuse this modal or App Home view."""
    model = View(**view)
    assert model.to_dict() == view
    _slack_only_limits(view["blocks"])
