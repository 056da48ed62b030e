"""The candidate picker under the 候補を見る grid: what the marks mean, one 「N を使う」 button each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block

from services.core.job import ButtonRef
from services.core.text import Language, escape
from services.slack import ids
from services.slack.limits import button, context, section
from services.slack.messages import t


@dataclass(frozen=True)
class CandidateCell:
    """One image of the candidate grid; ``matched`` None means it was not verified."""

    attempt: int
    label: str
    matched: bool | None


_MARKS = {True: "✅", False: "❌", None: "・"}


def build_candidate_blocks(
    job_id: str, cells: Sequence[CandidateCell], lang: Language = "ja"
) -> list[dict[str, Any]]:
    """Under the candidate grid: what the marks mean and one 「N を使う」 button per candidate."""
    if not cells:
        return []
    blocks: list[Block] = [context(t("candidates.legend", lang))]
    # One section per candidate: Slack rejects an actions block whose buttons share an action_id,
    # and every button here is ids.ACTION_PICK (the value says which candidate).
    for cell in cells:
        pick = button(
            t("button.pick", lang, label=cell.label),
            action_id=ids.ACTION_PICK,
            value=ButtonRef(job_id=job_id, attempt=cell.attempt).encode(),
        )
        blocks.append(
            section(
                f"{_MARKS[cell.matched]} *{escape(cell.label)}*",
                block_id=f"pick:{job_id}:{cell.attempt}",
                accessory=pick,
            )
        )
    return [block.to_dict() for block in blocks]
