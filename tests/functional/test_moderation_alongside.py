"""Moderation runs alongside the model calls, through the real emulator, and still decides what is posted.

No timing: a responder holds one call's answer until the emulator has received the call that
should run alongside it. Had the bot made them one after the other, the second would never
arrive while the first was held, and the hold would run out.
"""

from __future__ import annotations

import time
from typing import Any

from services.slack.messages import t
from tests.conftest import BotHarness
from tests.servers.aws_emulator import Error, Recorded

VERIFY = "report_image_check"
HOLD = 10.0  # seconds a held answer waits for the call that should run alongside


def verify_answer(matches: bool) -> dict[str, Any]:
    block = {"matches": matches, "reason": "確認しました。", "score": 80 if matches else 20}
    return {
        "output": {
            "message": {
                "role": "assistant",
                "content": [{"toolUse": {"toolUseId": "t1", "name": VERIFY, "input": block}}],
            }
        },
        "stopReason": "tool_use",
        "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
        "metrics": {"latencyMs": 1},
    }


def arrives(bot: BotHarness, op: str) -> bool:
    """Whether a request of ``op`` reaches the emulator within HOLD seconds."""
    deadline = time.monotonic() + HOLD
    while not bot.aws.requests(op):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_the_image_call_starts_while_comprehend_is_still_reading_the_prompt(bot: BotHarness) -> None:
    seen: dict[str, bool] = {}

    def toxicity(_: Recorded) -> dict[str, Any]:
        seen["image call while Comprehend answers"] = arrives(bot, "InvokeModel")
        return {"ResultList": [{"Labels": [], "Toxicity": 0.01}]}

    bot.aws.set_responder("DetectToxicContent", toxicity)

    bot.command("夜の海にオーロラと流氷")
    bot.wait_idle()

    assert seen == {"image call while Comprehend answers": True}
    assert len(bot.slack.uploaded_files()) == 1
    [overlap] = [o for o in bot.record()["overlaps"] if o["layer"] == "toxicity"]
    assert overlap["alongside"] == "generation"


def test_rekognition_starts_before_the_verification_ends(bot: BotHarness) -> None:
    seen: dict[str, bool] = {}

    def verify(_: Recorded) -> dict[str, Any]:
        seen["Rekognition while verifying"] = arrives(bot, "DetectModerationLabels")
        return verify_answer(True)

    bot.aws.set_responder(f"Converse:{VERIFY}", verify)

    bot.command("夜の海にオーロラと流氷")
    bot.wait_idle()

    assert seen == {"Rekognition while verifying": True}
    [rekognition] = bot.aws.requests("DetectModerationLabels")
    [verification] = bot.aws.requests("Converse", tool=VERIFY)
    # Both looked at the same small JPEG copy, not the 1024² PNG that was posted.
    assert rekognition.images()[0] == verification.images()[0]
    assert rekognition.images()[0].startswith(b"\xff\xd8\xff")
    [upload] = bot.slack.uploaded_files()
    assert upload.data.startswith(b"\x89PNG")
    record = bot.record()
    [overlap] = [o for o in record["overlaps"] if o["layer"] == "image_moderation"]
    assert (overlap["alongside"], overlap["attempt"]) == ("verification", 1)


def test_a_passing_verdict_posts_nothing_when_rekognition_cannot_be_reached(bot: BotHarness) -> None:
    bot.aws.set_responder("DetectModerationLabels", lambda _: Error("InternalServerError", "down", 500))
    bot.aws.set_responder(f"Converse:{VERIFY}", lambda _: verify_answer(True))

    bot.command("夜の海にオーロラと流氷")
    bot.wait_idle()

    assert bot.aws.requests("Converse", tool=VERIFY)  # it ran alongside, and passed
    assert bot.slack.uploaded_files() == []
    posts = [str(c.params.get("text", "")) for c in bot.slack.calls("chat.postMessage")]
    assert any(t("moderation_unavailable") in text for text in posts), posts
    assert bot.record()["status"] == "failed"
