"""The longest inputs the bot accepts, the whole way through: still posted, still adjustable.

SD3.5 takes a 10,000-character prompt, and the translator is told the image model's limit, so
an English prompt that long, a long Japanese verdict and a full checklist can all reach Slack.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from services.core.job import MAX_PROMPT_CHARS, MAX_TEXT_CHARS
from services.slack import ids
from services.slack.messages import t
from services.slack.views import BLOCK_CFG, BLOCK_NEGATIVE, BLOCK_PROMPT, BLOCK_SEED, BLOCK_TEXT
from tests.blockkit import check_blocks, check_view
from tests.conftest import BotHarness

SD35 = "stability.sd3-5-large-v1:0"
TRANSLATE = "submit_image_prompt"
VERIFY = "report_image_check"
REQUEST = ("夜の港に灯台と帆船、遠くに花火、手前に屋台の明かり。" * 40)[:MAX_TEXT_CHARS]
# mrkdwn escapes & < >, so a prompt full of them is the longest the result can be asked to show.
LONG_PROMPT = ("a lighthouse & tall ships <at night> over a calm harbour, fireworks far away, " * 200)[
    :10_000
]
REQUIREMENTS = [f"要件 {index}: 夜の港に灯台と帆船があり、遠くに花火が上がっている" for index in range(8)]
VERDICT = {
    "matches": True,
    "reason": "灯台と帆船、花火、屋台の明かりがすべて描かれていて、夜の港の雰囲気もよく出ています。" * 5,
    "score": 92,
    "checks": [{"requirement": item, "met": True} for item in REQUIREMENTS],
}


@pytest.fixture
def sd3_bot(settings: Any, slack_api: Any, aws: Any, s3: Any) -> Iterator[BotHarness]:
    harness = BotHarness(settings.model_copy(update={"image_model_id": SD35}), slack_api, aws, s3)
    yield harness
    harness.close()


def _posted(bot: BotHarness, trigger: str) -> dict[str, Any]:
    """The archived record of the job ``trigger`` started, once its result is posted."""
    deadline = time.monotonic() + 15
    while True:
        found = [r for r in bot.records() if r["trigger"] == trigger and r.get("posted_message_ts")]
        if found or time.monotonic() > deadline:
            assert len(found) == 1, [r["trigger"] for r in bot.records()]
            return found[0]
        time.sleep(0.05)


def _run_long_job(bot: BotHarness) -> dict[str, Any]:
    bot.aws.push_tool_input(
        TRANSLATE,
        {"english_prompt": LONG_PROMPT, "safe": True, "category": "none", "requirements": REQUIREMENTS},
    )
    bot.aws.push_tool_input(VERIFY, VERDICT)
    bot.command(REQUEST)
    bot.wait_idle()
    return _posted(bot, "command")


def test_a_very_long_prompt_is_posted_with_its_buttons_and_recorded(sd3_bot: BotHarness) -> None:
    bot = sd3_bot

    record = _run_long_job(bot)

    assert bot.aws.requests("InvokeModel")[0].model_id == SD35
    [upload] = bot.slack.uploaded_files()
    [result] = bot.result_messages()
    blocks = result.params["blocks"]
    check_blocks(blocks)
    actions = [e["action_id"] for block in blocks for e in block.get("elements", []) if "action_id" in e]
    assert ids.ACTION_REGENERATE in actions and ids.ACTION_ADJUST in actions and ids.ACTION_DELETE in actions
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "a lighthouse &amp; tall ships &lt;at night&gt;" in shown
    assert VERDICT["reason"][:40] in shown
    # The archive keeps what Slack could not show, and knows where the image went.
    assert record["english_prompt"] == LONG_PROMPT
    assert record["posted_file_id"] == upload.file_id
    assert record["status"] == "accepted"
    assert "完成しました" in bot.slack.calls("chat.update")[-1].params["text"]


def test_adjusting_a_long_prompt_without_editing_it_keeps_all_of_it(sd3_bot: BotHarness) -> None:
    bot = sd3_bot
    first = _run_long_job(bot)
    thread = bot.result_messages()[0].params["thread_ts"]

    bot.click(
        ids.ACTION_ADJUST,
        bot.button_value(ids.ACTION_ADJUST),
        message_ts="1700000000.009900",
        thread_ts=thread,
    )
    [opened] = bot.slack.calls("views.open")
    view = opened.params["view"]
    check_view(view)
    fields = {block["block_id"]: block for block in view["blocks"]}
    prefilled = fields[BLOCK_PROMPT]["element"]["initial_value"]
    assert prefilled == LONG_PROMPT[:MAX_PROMPT_CHARS]
    assert fields[BLOCK_PROMPT]["hint"]["text"] == t("form.hint.prompt_cut", limit=MAX_PROMPT_CHARS)

    # Submitted as Slack sends it back: every field as it was prefilled, the cfg field absent.
    values = {
        block_id: {
            block_id: {"type": "plain_text_input", "value": fields[block_id]["element"].get("initial_value")}
        }
        for block_id in (BLOCK_TEXT, BLOCK_PROMPT, BLOCK_NEGATIVE, BLOCK_SEED)
    }
    assert BLOCK_CFG not in fields  # SD3.5 has no cfg
    bot.aws.push_tool_input(VERIFY, VERDICT)
    submitted = bot.submit_form(values, view["private_metadata"])
    bot.wait_idle()

    assert submitted.status == 200 and submitted.body == ""
    adjusted = _posted(bot, "adjust")
    assert adjusted["parent_job_id"] == first["job_id"]
    assert adjusted["english_prompt"] == LONG_PROMPT
    assert len(bot.aws.requests("Converse", tool=TRANSLATE)) == 1  # the kept prompt is not translated again
