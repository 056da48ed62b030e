"""Parallel candidates: the first image that passes is posted without waiting for its siblings."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.settings import Settings
from tests.conftest import BotHarness
from tests.functional.checked import tags
from tests.servers.aws_emulator import Recorded, png_info

VERIFY = "report_image_check"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"candidates": 3, "max_attempts": 3, "max_rewrites": 0})


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


def test_first_passing_candidate_is_posted_while_slow_siblings_are_still_running(bot: BotHarness) -> None:
    release = threading.Event()

    def verify(request: Recorded) -> dict[str, Any]:
        if tags(bot, request.images()[0])["emulator-index"] == "1":
            return verify_answer(True)
        release.wait(20)  # the siblings stay busy until the test has seen the post
        return verify_answer(False)

    bot.aws.set_responder(f"Converse:{VERIFY}", verify)

    bot.command("夜の海にオーロラと流氷")
    try:
        bot.slack.wait_for("files.completeUploadExternal", timeout=15)
        # Posted while two verifications were still blocked.
        assert not release.is_set()
        [upload] = bot.slack.uploaded_files()
        assert png_info(upload.data)["emulator-index"] == "1"
    finally:
        release.set()
    bot.wait_idle()

    # One call produced all three candidates (numberOfImages), and all three were checked.
    [invoke] = bot.aws.requests("InvokeModel")
    assert invoke.body["imageGenerationConfig"]["numberOfImages"] == 3
    assert len(bot.aws.requests("Converse", tool=VERIFY)) == 3
    # Every candidate is archived, and the record is completed once the stragglers finish.
    assert len([k for k in bot.archived_keys() if k.endswith(".png")]) == 3
    bot.wait_for_record(lambda r: all(a["outcome"] != "pending" for a in r["attempts"]))
    record = bot.record()
    assert record["status"] == "accepted" and record["chosen_attempt"] == 2
    assert sorted(a["outcome"] for a in record["attempts"]) == [
        "accepted",
        "rejected_by_verifier",
        "rejected_by_verifier",
    ]


def test_a_round_with_no_pass_moves_on_with_the_best_candidate(bot: BotHarness) -> None:
    bot.aws.set_responder(f"Converse:{VERIFY}", lambda _: verify_answer(False))

    bot.command("夜の海にオーロラと流氷")
    bot.wait_idle()

    assert len(bot.slack.uploaded_files()) == 1
    assert bot.record()["status"] == "best_effort"
