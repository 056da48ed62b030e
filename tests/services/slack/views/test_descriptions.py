"""The proposals of 🔎 プロンプトにする (services/slack/views/descriptions.py)."""

from __future__ import annotations

from services.core.job import MAX_PROMPT_CHARS, ButtonRef
from services.generation.describe import MAX_DESCRIPTIONS, MAX_JAPANESE_CHARS, Descriptions
from services.slack import ids
from services.slack.views import build_description_blocks

JOB_ID = "20261121T093015-0123abcd"


def _descriptions(*items: tuple[str, str]) -> Descriptions:
    return Descriptions.model_validate(
        {"job_id": JOB_ID, "items": [{"japanese": ja, "english_prompt": en} for ja, en in items]}
    )


def test_each_proposal_has_its_text_its_english_prompt_and_a_button() -> None:
    blocks = build_description_blocks(
        _descriptions(
            ("夜の海にオーロラ", "aurora over a night sea"), ("水彩画風の流氷", "watercolor drift ice")
        )
    )

    assert (
        blocks[0]["text"]["text"]
        == "🔎 この画像から作れる案です。使いたい案の「これで作る」を押してください。"
    )
    sections, contexts = blocks[1::2], blocks[2::2]
    assert [s["text"]["text"] for s in sections] == ["*1.* 夜の海にオーロラ", "*2.* 水彩画風の流氷"]
    assert [c["elements"][0]["text"] for c in contexts] == [
        "プロンプト: aurora over a night sea",
        "プロンプト: watercolor drift ice",
    ]
    buttons = [s["accessory"] for s in sections]
    assert [b["text"]["text"] for b in buttons] == ["これで作る", "これで作る"]
    assert {b["action_id"] for b in buttons} == {ids.ACTION_USE_DESCRIPTION}
    # Only where the proposal is archived: the texts themselves never travel in the button.
    assert [ButtonRef.decode(b["value"]) for b in buttons] == [
        ButtonRef(job_id=JOB_ID, attempt=1),
        ButtonRef(job_id=JOB_ID, attempt=2),
    ]
    assert len({s["block_id"] for s in sections}) == 2


def test_text_from_the_model_cannot_mention_anyone() -> None:
    blocks = build_description_blocks(_descriptions(("<!channel> 夜の海", "sea <@U0BOSS> & sky")))

    assert blocks[1]["text"]["text"] == "*1.* &lt;!channel&gt; 夜の海"
    assert blocks[2]["elements"][0]["text"] == "プロンプト: sea &lt;@U0BOSS&gt; &amp; sky"


def test_the_longest_proposals_stay_within_block_kit_limits() -> None:
    longest = ("あ" * MAX_JAPANESE_CHARS, "a" * MAX_PROMPT_CHARS)
    blocks = build_description_blocks(_descriptions(*[longest] * MAX_DESCRIPTIONS), lang="en")

    assert len(blocks) <= 50
    for block in blocks:
        texts = [block["text"]] if "text" in block else block["elements"]
        assert all(len(text["text"]) <= 3000 for text in texts)
        if "accessory" in block:
            assert block["accessory"]["text"]["text"] == "Make this"
            assert len(block["accessory"]["value"]) <= 2000
