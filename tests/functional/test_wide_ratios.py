"""``--ar 21:9`` and ``9:21`` on the Stability models sized by ratio: advertised, so they are made.

The size check once bounded these models by 21:9 exactly, while their 21:9 image is 1536x640
(12:5): the ratios the help and refusals listed were refused at the start of every job.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from tests.conftest import BotHarness

TRANSLATE = "submit_image_prompt"
VERIFY = "report_image_check"


@pytest.fixture(params=["stability.sd3-5-large-v1:0", "stability.stable-image-ultra-v1:1"])
def ratio_bot(request: Any, settings: Any, slack_api: Any, aws: Any, s3: Any) -> Iterator[BotHarness]:
    harness = BotHarness(settings.model_copy(update={"image_model_id": request.param}), slack_api, aws, s3)
    yield harness
    harness.close()


@pytest.mark.parametrize("ratio", ["21:9", "9:21"])
def test_the_widest_ratios_are_made_and_posted(ratio_bot: BotHarness, ratio: str) -> None:
    bot = ratio_bot
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": "a night harbour with a lighthouse"})
    bot.aws.push_tool_input(VERIFY, {"matches": True, "reason": "灯台が描かれています。", "score": 90})

    bot.command(f"夜の港と灯台 --ar {ratio}")
    bot.wait_idle()

    [invoke] = bot.aws.requests("InvokeModel")
    assert invoke.body["aspect_ratio"] == ratio
    [upload] = bot.slack.uploaded_files()
    with Image.open(io.BytesIO(upload.data)) as posted:
        assert (posted.width > posted.height) == (ratio == "21:9")
    record = bot.record()
    assert record["status"] == "accepted"
    assert (record["width"], record["height"]) == ((1536, 640) if ratio == "21:9" else (640, 1536))
