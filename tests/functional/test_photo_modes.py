"""A photo is used the way the words ask, as the translation call reads them: restyled, its layout
kept, varied a little, or (where nothing here can do what was asked) the nearest way, and the
result says which. Signed Slack requests to the real app; the emulator checks every request."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from bot.settings import Settings
from tests.conftest import BUCKET, BotHarness
from tests.servers.aws_emulator import AwsEmulator, Recorded
from tests.servers.slack_api import SlackApiServer

TRANSLATE = "submit_image_prompt"
VERIFY = "report_image_check"
NOVA = "amazon.nova-canvas-v1:0"
SD35 = "stability.sd3-5-large-v1:0"
PASSED = {"matches": True, "reason": "ご依頼どおりです。", "score": 90}
BLUE, YELLOW = (40, 90, 160), (230, 200, 40)


def _photo(size: tuple[int, int] = (1200, 900)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, BLUE)
    image.paste(YELLOW, (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def _opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _ask(bot: BotHarness, text: str, answer: dict[str, Any], ts: str) -> tuple[dict[str, Any], str]:
    """Mention the bot with a photo; the translation answers ``answer``. The record and the
    result's context line."""
    shared = bot.slack.add_file(_photo(), "photo.jpg", "image/jpeg")
    bot.aws.push_tool_input(TRANSLATE, answer)
    bot.aws.push_tool_input(VERIFY, PASSED)

    assert bot.mention(text, ts=ts, files=[shared]).status == 200
    bot.wait_idle()

    [message] = bot.result_messages()
    blocks = message.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    [context] = [block for block in blocks if block["type"] == "context"]
    return bot.record(), " ".join(element["text"] for element in context["elements"])


def _moderated_first(bot: BotHarness, invoke: Recorded) -> None:
    """Rekognition checked the photo before this model call, and the photo was not flagged."""
    requests = bot.aws.requests()
    first_check = next(i for i, r in enumerate(requests) if r.op == "DetectModerationLabels")
    assert first_check < requests.index(invoke)


def _archived_photo(bot: BotHarness, record: dict[str, Any]) -> bytes:
    return bytes(bot.s3.get_object(Bucket=BUCKET, Key=record["source_image_key"])["Body"].read())


@pytest.fixture
def sd35_restyle_bot(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> Iterator[BotHarness]:
    harness = BotHarness(settings.model_copy(update={"edit_model_restyle": SD35}), slack_api, aws, s3)
    yield harness
    harness.close()


def test_watercolour_words_restyle_the_moderated_photo(sd35_restyle_bot: BotHarness) -> None:
    bot = sd35_restyle_bot
    english = "the same scene as a soft watercolor painting"

    record, context = _ask(
        bot,
        "この写真を水彩画風に",
        {"english_prompt": english, "photo_mode": "restyle", "similarity": "medium"},
        ts="1700001000.000100",
    )

    # The translation call itself was asked for the mode (no second call).
    [translation] = bot.aws.requests("Converse", tool=TRANSLATE)
    [spec] = translation.body["toolConfig"]["tools"]
    assert "photo_mode" in spec["toolSpec"]["inputSchema"]["json"]["required"]
    # The restyle model (EDIT_MODEL_RESTYLE) drew from the archived, moderated photo.
    [invoke] = bot.aws.requests("InvokeModel")
    assert invoke.model_id == SD35
    assert (invoke.body["mode"], invoke.body["strength"], invoke.body["prompt"]) == (
        "image-to-image",
        0.5,
        english,
    )
    assert invoke.images() == [_archived_photo(bot, record)]
    _moderated_first(bot, invoke)
    assert record["moderation"][0]["layer"] == "image_input"
    assert record["moderation"][0]["flagged"] is False
    assert (record["photo_mode"], record["photo_mode_asked"], record["photo_similarity"]) == (
        "restyle",
        "restyle",
        "medium",
    )
    assert record["model_id"] == SD35
    assert len(bot.slack.uploaded_files()) == 1
    assert "📷 写真の画風を変えました。" in context


def test_keep_the_composition_conditions_a_night_street_on_the_photo(bot: BotHarness) -> None:
    record, context = _ask(
        bot,
        "構図はそのままで夜の街に",
        {"english_prompt": "a city street at night", "photo_mode": "layout", "similarity": "medium"},
        ts="1700001100.000100",
    )

    [invoke] = bot.aws.requests("InvokeModel")
    assert invoke.model_id == NOVA
    params = invoke.body["textToImageParams"]
    assert invoke.body["taskType"] == "TEXT_IMAGE"
    assert (params["controlMode"], params["controlStrength"], params["text"]) == (
        "CANNY_EDGE",
        0.7,
        "a city street at night",
    )
    # The condition image is the moderated photo, fitted to Nova's multiples of 16 without stretching.
    [condition] = [_opened(data) for data in invoke.images()]
    archived = _opened(_archived_photo(bot, record))
    assert archived.size == (1200, 900)
    assert condition.size == (1200, 896)
    assert condition.convert("RGB").getpixel((450, 335)) == archived.convert("RGB").getpixel((450, 337))
    _moderated_first(bot, invoke)
    assert (record["photo_mode"], record["status"]) == ("layout", "accepted")
    assert "📷 写真の構図をそのまま生かして描きました。" in context


def test_a_little_change_is_a_close_variation(bot: BotHarness) -> None:
    record, context = _ask(
        bot,
        "少しだけ変えて",
        {
            "english_prompt": "the same photo, slightly changed",
            "photo_mode": "variation",
            "similarity": "high",
        },
        ts="1700001200.000100",
    )

    [invoke] = bot.aws.requests("InvokeModel")
    assert invoke.body["taskType"] == "IMAGE_VARIATION"
    assert invoke.body["imageVariationParams"]["similarityStrength"] == 0.9
    assert invoke.images() == [_archived_photo(bot, record)]
    _moderated_first(bot, invoke)
    assert (record["photo_mode"], record["photo_similarity"]) == ("variation", "high")
    assert "📷 写真をもとに、別のバージョンを作りました。" in context


def test_a_style_no_model_here_can_borrow_falls_back_to_a_variation_and_says_so(bot: BotHarness) -> None:
    record, context = _ask(
        bot,
        "この写真の雰囲気で猫を描いて",
        {"english_prompt": "a cat", "photo_mode": "style_reference", "similarity": "low"},
        ts="1700001300.000100",
    )

    # No Style Guide is configured, and Nova has none: IMAGE_VARIATION keeps the photo's look.
    [invoke] = bot.aws.requests("InvokeModel")
    assert invoke.body["taskType"] == "IMAGE_VARIATION"
    assert invoke.body["imageVariationParams"]["similarityStrength"] == 0.4
    assert (record["photo_mode"], record["photo_mode_asked"]) == ("variation", "style_reference")
    assert record["status"] == "accepted"
    assert "ご希望の「画風の参考」はいまの設定では使えないため、近い方法で作りました。" in context


CORE = "stability.stable-image-core-v1:1"
STYLE_GUIDE = "stability.stable-image-style-guide-v1:0"


def test_a_photo_for_a_model_nothing_here_can_start_from_is_refused_at_once(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    bot = BotHarness(settings.model_copy(update={"image_model_id": CORE}), slack_api, aws, s3)
    try:
        shared = bot.slack.add_file(_photo(), "photo.jpg", "image/jpeg")
        bot.mention("この写真の雰囲気で猫を", ts="1700000900.000900", files=[shared])
        bot.wait_idle()
        refusals = [str(c.params.get("text", "")) for c in bot.slack.calls("chat.postEphemeral")]
        downloads = bot.slack.file_requests()
    finally:
        bot.close()

    assert any("写真" in text for text in refusals)
    assert downloads == []  # refused before a byte was fetched
    assert aws.requests() == []


def test_a_photo_for_a_text_only_model_is_used_by_a_configured_style_guide(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    update = {"image_model_id": CORE, "edit_model_style_reference": STYLE_GUIDE}
    configured = settings.model_copy(update=update)
    bot = BotHarness(configured, slack_api, aws, s3)
    try:
        record, context = _ask(
            bot,
            "この写真の雰囲気で猫を",
            {"english_prompt": "a cat", "photo_mode": "style_reference", "similarity": "medium"},
            "1700000901.000901",
        )
        [invoke] = aws.requests("InvokeModel")
    finally:
        bot.close()

    assert invoke.model_id == STYLE_GUIDE
    assert record["photo_mode"] == "style_reference"
    assert "写真の画風を参考に" in context
