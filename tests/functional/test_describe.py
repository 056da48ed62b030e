"""🔎 プロンプトにする through signed requests: a message's image → proposals in its thread →
「これで作る」 → a normal job with that English prompt; or a clear, private reason why not."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from PIL import Image

from bot.settings import Settings
from services.slack import ACTION_USE_DESCRIPTION, SHORTCUT_DESCRIBE, t
from tests.conftest import BotHarness
from tests.servers.aws_emulator import AwsEmulator, Error
from tests.servers.slack_api import SlackApiServer

DESCRIBE = "submit_image_descriptions"
TRANSLATE = "submit_image_prompt"
VERIFY = "report_image_check"
MESSAGE_TS = "1700000900.000900"
PROPOSALS = [
    {"japanese": "夜の海に浮かぶ青い灯台", "english_prompt": "a blue lighthouse on a night sea, calm water"},
    {
        "japanese": "水彩画風の青い灯台と夕焼け",
        "english_prompt": "watercolor painting of a blue lighthouse at sunset",
    },
]


def _photo() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (1200, 900), (30, 60, 150))
    image.paste((240, 240, 240), (560, 200, 640, 800))
    image.save(out, "JPEG")
    return out.getvalue()


def _describe(bot: BotHarness, files: list[dict[str, Any]]) -> str:
    """Use the shortcut on a message with ``files``; its response_url, to read private answers."""
    url = bot.slack.response_url()
    response = bot.shortcut(
        "この写真、いい感じです",
        callback_id=SHORTCUT_DESCRIBE,
        message_ts=MESSAGE_TS,
        files=files,
        response_url=url,
    )
    assert response.status == 200
    bot.wait_idle()
    return url


def _private(bot: BotHarness, url: str) -> list[str]:
    return [str(c.params["text"]) for c in bot.slack.calls("response_url") if c.params["_path"] in url]


def _proposal_messages(bot: BotHarness) -> list[Any]:
    return [
        call
        for call in bot.slack.calls("chat.postMessage")
        if ACTION_USE_DESCRIPTION in json.dumps(call.params.get("blocks") or [])
    ]


def _records(bot: BotHarness) -> dict[str, dict[str, Any]]:
    return {record["trigger"]: record for record in bot.records()}


def test_proposals_are_posted_in_the_thread_and_one_becomes_a_job(bot: BotHarness) -> None:
    shared = bot.slack.add_file(_photo(), "lighthouse.jpg", "image/jpeg")
    bot.aws.push_tool_input(DESCRIBE, {"items": PROPOSALS})

    url = _describe(bot, [shared])

    assert _private(bot, url) == [t("describe.started")]
    # Downloaded with the bot token, checked by Rekognition, then described by the vision model.
    [download] = bot.slack.file_requests()
    assert download.authorization == f"Bearer {bot.settings.slack_bot_token.get_secret_value()}"  # type: ignore[union-attr]
    assert [r.op for r in bot.aws.requests()] == ["DetectModerationLabels", "Converse"]
    [converse] = bot.aws.requests("Converse")
    assert converse.tool == DESCRIBE
    assert converse.model_id == bot.settings.verifier_model_id
    # One message in the message's thread: each proposal, its English prompt and a button.
    [posted] = _proposal_messages(bot)
    assert posted.params["thread_ts"] == MESSAGE_TS
    blocks = posted.params["blocks"]
    text = json.dumps(blocks, ensure_ascii=False)
    for proposal in PROPOSALS:
        assert proposal["japanese"] in text and proposal["english_prompt"] in text
    buttons = [block["accessory"] for block in blocks if "accessory" in block]
    assert [b["text"]["text"] for b in buttons] == ["これで作る", "これで作る"]
    describe_record = _records(bot)["describe"]
    assert describe_record["status"] == "accepted"
    assert [b["value"] for b in buttons] == [
        f"{describe_record['job_id']}:1",
        f"{describe_record['job_id']}:2",
    ]
    assert [c["kind"] for c in describe_record["calls"]] == ["image_moderation", "describe"]
    assert describe_record["estimated_cost_usd"] > 0

    # 「これで作る」 on the second: a normal job whose English prompt is the proposal's, in the same thread.
    bot.aws.push_tool_input(VERIFY, {"matches": True, "reason": "灯台が描かれています。", "score": 90})
    clicked = bot.click(
        ACTION_USE_DESCRIPTION, buttons[1]["value"], message_ts="1700000901.000100", thread_ts=MESSAGE_TS
    )
    bot.wait_idle()

    assert clicked.status == 200
    assert bot.aws.requests("Converse", tool=TRANSLATE) == []  # the stored prompt is used as is
    [invoke] = bot.aws.requests("InvokeModel")
    assert PROPOSALS[1]["english_prompt"] in invoke.body["textToImageParams"]["text"]
    [upload] = bot.slack.uploaded_files()
    assert upload.thread_ts == MESSAGE_TS
    job = _records(bot)["described"]
    assert (job["status"], job["parent_job_id"]) == ("accepted", describe_record["job_id"])
    assert job["original_text"] == PROPOSALS[1]["japanese"]
    assert job["english_prompt"] == PROPOSALS[1]["english_prompt"]
    # Its text went through the same moderation as any request.
    assert {d["layer"] for d in job["moderation"]} >= {"rules", "rules_translation"}


def test_a_job_from_a_proposal_counts_against_the_quota(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    bot = BotHarness(settings.model_copy(update={"user_daily_quota": 1}), slack_api, aws, s3)
    try:
        _described_job_over_quota(bot)
    finally:
        bot.close()


def _described_job_over_quota(bot: BotHarness) -> None:
    bot.command("a lighthouse at dusk")  # today's one request
    bot.wait_idle()
    invokes = len(bot.aws.requests("InvokeModel"))
    shared = bot.slack.add_file(_photo(), "lighthouse.jpg", "image/jpeg")
    bot.aws.push_tool_input(DESCRIBE, {"items": PROPOSALS})
    _describe(bot, [shared])
    [button] = [b["accessory"] for b in _proposal_messages(bot)[0].params["blocks"] if "accessory" in b][:1]

    url = bot.slack.response_url()
    bot.click(
        ACTION_USE_DESCRIPTION,
        button["value"],
        message_ts="1700000901.000100",
        thread_ts=MESSAGE_TS,
        response_url=url,
    )
    bot.wait_idle()

    assert any("上限" in text for text in _private(bot, url))
    assert len(bot.aws.requests("InvokeModel")) == invokes


def test_an_unsafe_image_is_refused_and_never_described(bot: BotHarness) -> None:
    shared = bot.slack.add_file(_photo(), "photo.jpg", "image/jpeg")
    label = {"Name": "Explicit", "ParentName": "", "Confidence": 97.0, "TaxonomyLevel": 1}
    bot.aws.push("DetectModerationLabels", {"ModerationLabels": [label]})

    url = _describe(bot, [shared])

    assert bot.aws.requests("Converse") == []
    assert _proposal_messages(bot) == []
    started, refusal = _private(bot, url)
    assert started == t("describe.started")
    assert "添付の写真の安全確認" in refusal and "別の写真でお試しください" in refusal
    record = _records(bot)["describe"]
    assert (record["status"], record["error"]["layer"]) == ("rejected", "image_input")
    assert any(key.endswith("/source-blocked.png") for key in bot.archived_keys())


def test_an_image_that_cannot_be_checked_is_not_described(bot: BotHarness) -> None:
    shared = bot.slack.add_file(_photo(), "photo.jpg", "image/jpeg")
    bot.aws.push("DetectModerationLabels", *[Error("InternalServerError", "boom", status=500)] * 5)

    url = _describe(bot, [shared])

    assert bot.aws.requests("Converse") == []
    assert _private(bot, url)[-1] == t("moderation_unavailable")


def test_a_message_without_an_image_gets_a_clear_private_message(bot: BotHarness) -> None:
    url = _describe(bot, [])

    assert _private(bot, url) == [t("describe.no_image")]
    assert bot.slack.calls("chat.postMessage") == []
    assert bot.aws.requests() == []


@pytest.mark.parametrize("cause", ["wrong token", "no files:read"])
def test_a_refused_download_gets_a_clear_message(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch, cause: str
) -> None:
    shared = bot.slack.add_file(_photo(), "photo.jpg", "image/jpeg")
    if cause == "wrong token":
        # The server now expects another token: Slack answers the bot's download with its sign-in page.
        monkeypatch.setattr(bot.slack, "bot_token", "xoxb-another-token")
    else:
        bot.slack.set_scopes([scope for scope in bot.slack.scopes if scope != "files:read"])

    url = _describe(bot, [shared])

    [download] = bot.slack.file_requests()
    assert download.content_type.startswith("text/html")
    assert _private(bot, url) == [t("describe.started"), t("image.unreadable")]
    assert bot.aws.requests() == []


def test_when_the_bot_is_not_in_the_channel_the_user_is_told_how_to_invite_it(bot: BotHarness) -> None:
    shared = bot.slack.add_file(_photo(), "photo.jpg", "image/jpeg")
    bot.aws.push_tool_input(DESCRIBE, {"items": PROPOSALS})
    bot.slack.fail_next("chat.postMessage", "not_in_channel")

    url = _describe(bot, [shared])

    assert _private(bot, url)[-1] == t("not_in_channel")


def test_proposals_archived_nowhere_cannot_be_made(bot: BotHarness) -> None:
    url = bot.slack.response_url()

    bot.click(
        ACTION_USE_DESCRIPTION,
        "20261121T093015-0123abcd:1",
        message_ts="1700000901.000100",
        thread_ts=MESSAGE_TS,
        response_url=url,
    )
    bot.wait_idle()

    assert _private(bot, url) == [t("job.not_found")]
    assert bot.aws.requests() == []
    assert bot.archived_keys() == []  # no job was queued, so nothing was archived
