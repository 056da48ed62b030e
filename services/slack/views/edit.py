"""✏️ 部分を変更: the form that asks what to change about a posted image."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from services.core.job import MAX_TEXT_CHARS
from services.core.text import Language
from services.slack import ids
from services.slack.messages import t
from services.slack.views.form import BLOCK_TEXT, PRIVATE_METADATA_MAX_CHARS


def build_edit_form(private_metadata: str, lang: Language = "ja") -> dict[str, Any]:
    """The edit form; ``private_metadata`` says where to answer and which result it edits."""
    if len(private_metadata) > PRIVATE_METADATA_MAX_CHARS:
        raise ValueError(f"private_metadata is {len(private_metadata)} characters, over Slack's 3000")
    view = View(
        type="modal",
        callback_id=ids.VIEW_EDIT,
        title=t("edit.form.title", lang),
        submit=t("edit.form.submit", lang),
        close=t("form.close", lang),
        private_metadata=private_metadata,
        blocks=[
            # The same block id as the /imagine form's text, so refusals land under it too.
            InputBlock(
                block_id=BLOCK_TEXT,
                label=t("edit.form.label", lang),
                hint=t("edit.form.hint", lang),
                element=PlainTextInputElement(
                    action_id=BLOCK_TEXT, multiline=False, max_length=MAX_TEXT_CHARS, focus_on_load=True
                ),
            )
        ],
    )
    return view.to_dict()


def read_edit_form(values: Mapping[str, Mapping[str, Any]]) -> str:
    """The words the user typed ("" when the block is missing: the intake refuses it)."""
    element = values.get(BLOCK_TEXT, {}).get(BLOCK_TEXT, {})
    return str(element.get("value") or "")
