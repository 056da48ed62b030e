"""What a user asked to change about a posted image: the vocabulary of edit jobs.

An edit job starts from an archived image (a result, or a user's photo) and carries one of these
specs; the English plan (what region, what new content) is made by the worker, not here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# What the user picked, as the buttons and the edit form name it.
EditAction = Literal[
    "edit",  # ✏️ 部分を変更: words say which part to change and how (inpaint, erase or recolor)
    "zoom_out_1_5",
    "zoom_out_2",
    "square",
    "pan_left",
    "pan_right",
    "pan_up",
    "pan_down",
    "upscale",  # ⬆️ アップスケール
    "remove_background",  # ✂️ 背景を削除
]
# In the order the 🔍 menu lists them.
OUTPAINT_ACTIONS: tuple[EditAction, ...] = (
    "zoom_out_1_5", "zoom_out_2", "square", "pan_left", "pan_right", "pan_up", "pan_down"
)  # fmt: skip


class EditSpec(BaseModel):
    """One edit of the job's source image; ``instruction`` is the user's words for ✏️."""

    model_config = ConfigDict(frozen=True)

    action: EditAction
    instruction: str | None = Field(default=None, max_length=1000)

    @property
    def operation(self) -> str:
        """The adapters' operation for everything but ✏️, whose operation the worker plans."""
        if self.action in OUTPAINT_ACTIONS:
            return "outpaint"
        return self.action
