"""The form's photo: a Slack ``file_input`` for one image and a select of how to use it.

Slack's file_input (docs.slack.dev/reference/block-kit/block-elements/file-input-element) needs
the files:read scope, takes 1–10 files (``max_files``) and file extensions in ``filetypes``, which
Slack calls a convenience only: the declared type is checked again on submission. The submitted
state is ``{"type": "file_input", "files": [<file object>, ...]}``, the file objects a mention's
``files`` carries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from slack_sdk.models.blocks import InputBlock
from slack_sdk.models.blocks.block_elements import FileInputElement

from services.core.inputs import INPUT_EXTENSIONS, SourceFile
from services.core.job import PhotoMode
from services.core.text import Language
from services.slack.limits import INPUT_LABEL, fit
from services.slack.messages import t
from services.slack.views.blocks import Choice, select

BLOCK_PHOTO = "photo"
BLOCK_PHOTO_MODE = "photo_mode"


def photo_blocks(modes: Sequence[PhotoMode], *, lang: Language, adjusting: bool) -> list[InputBlock]:
    """The photo field and the choice of its use, offering only ``modes``; none without modes."""
    if not modes:
        return []
    choices = [Choice(mode, t(f"form.choice.photo_mode.{mode}", lang)) for mode in modes]
    hint = "form.hint.photo_adjust" if adjusting else "form.hint.photo"
    return [
        InputBlock(
            block_id=BLOCK_PHOTO,
            label=fit(t("form.label.photo", lang), INPUT_LABEL),
            hint=fit(t(hint, lang), INPUT_LABEL),
            optional=True,
            element=FileInputElement(action_id=BLOCK_PHOTO, filetypes=list(INPUT_EXTENSIONS), max_files=1),
        ),
        InputBlock(
            block_id=BLOCK_PHOTO_MODE,
            label=fit(t("form.label.photo_mode", lang), INPUT_LABEL),
            hint=fit(t("form.hint.photo_mode", lang), INPUT_LABEL),
            optional=True,
            # Unset is 自動: the translation call chooses the use from the request's words.
            element=select(
                BLOCK_PHOTO_MODE, choices, None, lang=lang, unset_label=t("form.choice.photo_mode.auto", lang)
            ),
        ),
    ]


def read_photo(element: Mapping[str, Any], lang: Language) -> tuple[SourceFile | None, str | None]:
    """The submitted file_input's file (max_files is 1), or the error to show under the field."""
    files = element.get("files")
    if not isinstance(files, list) or not files:
        return None, None
    first = files[0]
    try:
        photo = SourceFile.from_slack(first) if isinstance(first, dict) else None
    except ValidationError:
        photo = None
    if photo is None:
        return None, t("form.error.photo_unreadable", lang)
    return photo, None
