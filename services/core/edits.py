"""What a user asked to change about a posted image: the vocabulary of edit jobs.

An edit job starts from an archived image (a result, or a user's photo) and carries one of these
specs; the English plan (what region, what new content) is made by the worker's text model, as
an ``EditPlan``: by ✏️'s own call, or by the translation call of a mention in a result's thread.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


# The edits of one region, named by words (``mask_prompt``) or a mask: what ✏️ and a mention in a
# result's thread can ask for.
RegionOperation = Literal["inpaint", "erase", "recolor"]
REGION_OPERATIONS: frozenset[str] = frozenset(("inpaint", "erase", "recolor"))


class EditPlan(BaseModel):
    """The planned edit: operation, the region in English, its new content in English."""

    operation: RegionOperation
    region: str = Field(min_length=1, max_length=200)
    prompt: str = Field(default="", max_length=1000)
    safe: bool = True
    category: str = "none"

    @field_validator("region", "prompt")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return " ".join(value.split())

    def english(self) -> str:
        """The plan as one English sentence, for moderation and for the checker."""
        if self.operation == "erase":
            return f"remove {self.region}"
        return f"change {self.region} to {self.prompt}"
