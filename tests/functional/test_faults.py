"""Faults around the pipeline: Slack upload failures, S3 outages, Slack rate limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.storage.archive import SpoolingArchive
from tests.conftest import BUCKET, BotHarness

AURORA = "夜の海にオーロラと流氷"
TRANSLATE = "submit_image_prompt"


def test_an_upload_that_keeps_failing_is_answered_with_a_link_to_the_archived_image(bot: BotHarness) -> None:
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": "aurora over a night sea"})
    bot.slack.fail_next("files.getUploadURLExternal", "internal_error")

    bot.command(AURORA)
    bot.wait_idle()

    assert bot.slack.uploaded_files() == []
    record = bot.record()
    key = record["attempts"][0]["image_key"]
    texts = [str(call.params.get("text", "")) for call in bot.slack.calls("chat.postMessage")]
    [link_message] = [text for text in texts if "X-Amz-Signature=" in text]
    assert key in link_message and record["job_id"] in link_message
    # Long-term access keys: the link opens for the week SigV4 allows, and says so.
    assert "X-Amz-Expires=604800" in link_message and "（7 日間有効）" in link_message
    assert bot.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()[:8] == b"\x89PNG\r\n\x1a\n"


def test_under_temporary_credentials_the_link_promises_no_more_than_it_lasts(
    settings: Any, slack_api: Any, aws: Any, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on Lambda: the role's session arrives as environment variables, with no expiry botocore sees.
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token")
    bot = BotHarness(settings, slack_api, aws, s3)
    try:
        bot.aws.push_tool_input(TRANSLATE, {"english_prompt": "aurora over a night sea"})
        bot.slack.fail_next("files.getUploadURLExternal", "internal_error")

        bot.command(AURORA)
        bot.wait_idle()
    finally:
        bot.close()

    texts = [str(call.params.get("text", "")) for call in bot.slack.calls("chat.postMessage")]
    [link_message] = [text for text in texts if "X-Amz-Signature=" in text]
    assert "X-Amz-Expires=3600" in link_message and "X-Amz-Security-Token=session-token" in link_message
    assert "最長 1 時間" in link_message and "7 日間" not in link_message


def test_while_s3_is_down_the_image_is_still_posted_and_the_archive_catches_up(bot: BotHarness) -> None:
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": "aurora over a night sea"})
    bot.s3.delete_bucket(Bucket=BUCKET)  # every archive write fails from here on

    bot.command(AURORA)
    bot.wait_idle()

    [upload] = bot.slack.uploaded_files()
    assert upload.data[:8] == b"\x89PNG\r\n\x1a\n"
    archive = bot.services.archive
    assert isinstance(archive, SpoolingArchive)
    assert archive.pending >= 2  # the image and the record wait on disk

    bot.s3.create_bucket(Bucket=BUCKET)
    assert archive.flush() == 0
    record = bot.record()
    assert record["status"] == "accepted" and record["posted_file_id"] == upload.file_id
    key = record["attempts"][0]["image_key"]
    assert bot.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == upload.data


def test_slack_rate_limits_are_waited_out_not_lost(bot: BotHarness) -> None:
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": "aurora over a night sea"})
    bot.slack.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=1)

    bot.command(AURORA)
    bot.wait_idle()

    posts: list[Any] = bot.slack.calls("chat.postMessage")
    assert len(posts) >= 3  # the refused status message, its retry, and the result
    assert posts[0].params["text"] == posts[1].params["text"]
    assert posts[1].time - posts[0].time >= 0.9  # Retry-After honoured
    assert len(bot.slack.uploaded_files()) == 1
    assert json.dumps(bot.record()["status"]) == '"accepted"'
