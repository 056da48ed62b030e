"""The candidate picker (services/slack/views/candidates.py)."""

from __future__ import annotations

from services.core.job import ButtonRef
from services.slack import ids
from services.slack.views import CandidateCell, build_candidate_blocks

JOB_ID = "20261121T093015-0123abcd"

CELLS = [
    CandidateCell(attempt=4, label="1", matched=True),
    CandidateCell(attempt=5, label="2", matched=False),
    CandidateCell(attempt=7, label="3", matched=None),
]


def test_candidate_blocks_explain_the_marks_then_offer_one_button_each() -> None:
    blocks = build_candidate_blocks(JOB_ID, CELLS)

    assert blocks[0]["type"] == "context"
    assert blocks[0]["elements"][0]["text"] == (
        "✅ はリクエストに合った画像、❌ は合わなかった画像、・ は未確認の画像です。"
        "使いたい画像のボタンを押してください。"
    )
    rows = blocks[1:]
    assert [row["text"]["text"] for row in rows] == ["✅ *1*", "❌ *2*", "・ *3*"]
    buttons = [row["accessory"] for row in rows]
    assert [b["text"]["text"] for b in buttons] == ["1 を使う", "2 を使う", "3 を使う"]
    assert {b["action_id"] for b in buttons} == {ids.ACTION_PICK}
    assert [ButtonRef.decode(b["value"]) for b in buttons] == [
        ButtonRef(job_id=JOB_ID, attempt=4),
        ButtonRef(job_id=JOB_ID, attempt=5),
        ButtonRef(job_id=JOB_ID, attempt=7),
    ]
    assert len({row["block_id"] for row in rows}) == 3


def test_candidate_blocks_in_english() -> None:
    blocks = build_candidate_blocks(JOB_ID, CELLS[:1], lang="en")

    assert blocks[1]["accessory"]["text"]["text"] == "Use 1"


def test_no_candidates_no_blocks() -> None:
    assert build_candidate_blocks(JOB_ID, []) == []
