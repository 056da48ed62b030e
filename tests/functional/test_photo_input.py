"""A user's own photo: mention with an attachment → checked, moderated, varied, posted; or refused clearly."""

from __future__ import annotations

import io
import json
from typing import Any

from PIL import Image

from services.slack.messages import t
from tests.conftest import BUCKET, BotHarness
from tests.servers.aws_emulator import Error

TRANSLATE = "submit_image_prompt"
VERIFY = "report_image_check"
WATERCOLOR_EN = "the same scene as a soft watercolor painting"


def _photo(size: tuple[int, int] = (1200, 900), fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (40, 90, 160))
    image.paste((230, 200, 40), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    image.save(out, fmt)
    return out.getvalue()


def _shared(
    bot: BotHarness, data: bytes, name: str = "photo.jpg", mimetype: str = "image/jpeg"
) -> dict[str, Any]:
    return bot.slack.add_file(data, name, mimetype)


def _record(bot: BotHarness) -> dict[str, Any]:
    [key] = [
        obj["Key"]
        for obj in bot.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
        if obj["Key"].endswith("record.json")
    ]
    return dict(json.loads(bot.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))


def _replies(bot: BotHarness) -> list[str]:
    return [str(c.params.get("text", "")) for c in bot.slack.calls("chat.postMessage")]


def test_a_mentioned_photo_is_moderated_before_any_model_and_varied_into_the_thread(bot: BotHarness) -> None:
    photo = _photo()
    shared = _shared(bot, photo)
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": WATERCOLOR_EN})
    bot.aws.push_tool_input(VERIFY, {"matches": True, "reason": "水彩画風になっています。", "score": 90})

    response = bot.mention("この写真を水彩画風に", ts="1700000500.000500", files=[shared])
    bot.wait_idle()

    assert response.status == 200
    # Downloaded from Slack with the bot token.
    [download] = bot.slack.file_requests()
    assert download.authorization == f"Bearer {bot.settings.slack_bot_token.get_secret_value()}"  # type: ignore[union-attr]
    # Rekognition saw the photo before the image model did, and the model got that same photo.
    requests = bot.aws.requests()
    first_moderation = next(i for i, r in enumerate(requests) if r.op == "DetectModerationLabels")
    first_invoke = next(i for i, r in enumerate(requests) if r.op == "InvokeModel")
    assert first_moderation < first_invoke
    [invoke] = bot.aws.requests("InvokeModel")
    assert invoke.body["taskType"] == "IMAGE_VARIATION"
    assert invoke.body["imageVariationParams"]["text"] == WATERCOLOR_EN
    [source] = invoke.images()
    with Image.open(io.BytesIO(source)) as sent:
        assert sent.format == "PNG"
        assert sent.width / sent.height == 1200 / 900  # upright and never stretched
    # The result went into the mention's thread.
    [upload] = bot.slack.uploaded_files()
    assert upload.thread_ts == "1700000500.000500"
    # The archive keeps the photo and where it came from.
    record = _record(bot)
    assert record["status"] == "accepted"
    assert record["source_file_id"] == shared["id"]
    assert record["source_image_key"].endswith("/source.png")
    assert {k: v for k, v in record["moderation"][0].items() if k in ("layer", "flagged")} == {
        "layer": "image_input",
        "flagged": False,
    }


def test_an_unsafe_photo_is_refused_and_no_model_call_carries_it(bot: BotHarness) -> None:
    shared = _shared(bot, _photo())
    bot.aws.push(
        "DetectModerationLabels",
        {
            "ModerationLabels": [
                {"Name": "Explicit", "ParentName": "", "Confidence": 97.0, "TaxonomyLevel": 1}
            ]
        },
    )

    bot.mention("この写真をアニメ風に", ts="1700000600.000600", files=[shared])
    bot.wait_idle()

    assert bot.aws.requests("InvokeModel") == []
    assert bot.aws.requests("Converse") == []  # not even translated
    assert bot.slack.uploaded_files() == []
    assert any("添付の写真の安全確認" in text for text in _replies(bot))
    record = _record(bot)
    assert record["status"] == "rejected"
    assert record["error"]["kind"] == "moderation_rejected"
    assert record["source_image_key"] is None  # never offered as a source
    assert record["moderation"][0]["flagged"] is True


def test_a_photo_that_cannot_be_checked_is_not_used(bot: BotHarness) -> None:
    shared = _shared(bot, _photo())
    bot.aws.push("DetectModerationLabels", *[Error("InternalServerError", "boom", status=500)] * 5)

    bot.mention("この写真を油絵風に", ts="1700000650.000650", files=[shared])
    bot.wait_idle()

    assert bot.aws.requests("InvokeModel") == []
    assert bot.slack.uploaded_files() == []
    assert any(t("moderation_unavailable").split("。")[0] in text for text in _replies(bot))


def test_a_pdf_attachment_gets_a_clear_message_at_once(bot: BotHarness) -> None:
    shared = _shared(bot, b"%PDF-1.7\n...", name="report.pdf", mimetype="application/pdf")

    bot.mention("この写真を水彩画風に", ts="1700000700.000700", files=[shared])
    bot.wait_idle()

    ephemeral = [str(c.params.get("text", "")) for c in bot.slack.calls("chat.postEphemeral")]
    assert any("report.pdf" in text and "PNG・JPEG・WebP・GIF" in text for text in ephemeral)
    assert bot.slack.file_requests() == []  # refused by its declared type, before any download
    assert bot.aws.requests() == []


def test_a_photo_with_no_words_asks_how_to_change_it(bot: BotHarness) -> None:
    shared = _shared(bot, _photo())

    bot.mention("", ts="1700000800.000800", files=[shared])
    bot.wait_idle()

    ephemeral = [str(c.params.get("text", "")) for c in bot.slack.calls("chat.postEphemeral")]
    assert any("写真をどう変えたいか" in text for text in ephemeral)
    assert bot.aws.requests() == []


def test_the_make_an_image_shortcut_on_a_message_with_a_photo_starts_from_the_photo(bot: BotHarness) -> None:
    shared = _shared(bot, _photo((900, 1200)))
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": WATERCOLOR_EN})

    bot.shortcut("この写真を水彩画風に", files=[shared])
    bot.wait_idle()

    [invoke] = bot.aws.requests("InvokeModel")
    assert invoke.body["taskType"] == "IMAGE_VARIATION"
    with Image.open(io.BytesIO(invoke.images()[0])) as sent:
        assert sent.width / sent.height == 900 / 1200
    assert len(bot.slack.uploaded_files()) == 1
