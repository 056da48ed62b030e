"""A job interrupted after a finished stage goes on from there, without paying for that stage again.

The kill-and-restart test in tests/bot/test_main.py covers the ``translated`` checkpoint with a real
SIGKILL. Here a real run's archived record becomes the ``generated`` checkpoint of the same job in a
fresh bot, as if the first process had died between choosing the image and posting it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.settings import Settings
from services.core.job import ButtonRef, Checkpoint, Job, JobRecord, SlackContext
from services.slack import ids
from services.slack.messages import t
from tests.conftest import BUCKET, BotHarness
from tests.servers.aws_emulator import AwsEmulator, Error
from tests.servers.slack_api import SlackApiServer

AURORA = "夜の海にオーロラと流氷"
TRANSLATE = "submit_image_prompt"


def _interrupted_after_choosing(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any, tmp_path: Path
) -> tuple[BotHarness, JobRecord, bytes]:
    """A fresh bot whose job store holds a job that chose its image but never posted it."""
    first = BotHarness(settings, slack_api, aws, s3)
    try:
        aws.push_tool_input(TRANSLATE, {"english_prompt": "aurora over a night sea with drift ice"})
        first.command(AURORA)
        first.wait_idle()
        [upload] = slack_api.uploaded_files()
        record = JobRecord.model_validate(first.record())
    finally:
        first.close()
    assert record.slack is not None
    record.posted_file_id = record.posted_message_ts = None
    job = Job(job_id=record.job_id, text=AURORA, created_at=record.created_at, slack=record.slack)
    slack_api.reset()
    aws.reset()

    second = BotHarness(settings.model_copy(update={"data_dir": tmp_path / "restarted"}), slack_api, aws, s3)
    store = second.services.store
    store.accept(job)
    store.start(job.job_id)
    store.checkpoint(job.job_id, Checkpoint(stage="generated", record=record))
    return second, record, upload.data


def test_a_job_that_chose_its_image_before_the_crash_posts_it_without_any_model_call(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any, tmp_path: Path
) -> None:
    bot, record, image = _interrupted_after_choosing(settings, slack_api, aws, s3, tmp_path)
    try:
        assert bot.services.processor.resume(bot.services.runner.submit) == 1
        bot.wait_idle()

        assert aws.requests() == []  # no translation, image, moderation or verification call
        [upload] = slack_api.uploaded_files()
        assert upload.data == image
        [result] = bot.result_messages()
        assert record.slack is not None and result.params["thread_ts"] == record.slack.thread_ts
        stored = bot.services.store.get(record.job_id)
        assert stored is not None and stored.stage == "posted"
        archived = bot.record()
        assert archived["posted_file_id"] == upload.file_id and archived["status"] == record.status
    finally:
        bot.close()


def test_when_the_chosen_image_is_gone_the_job_generates_again_from_its_english_prompt(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any, tmp_path: Path
) -> None:
    bot, record, _ = _interrupted_after_choosing(settings, slack_api, aws, s3, tmp_path)
    try:
        chosen = record.chosen()
        assert chosen is not None and chosen.image_key is not None
        s3.delete_object(Bucket=BUCKET, Key=chosen.image_key)

        bot.services.processor.resume(bot.services.runner.submit)
        bot.wait_idle()

        assert aws.requests("Converse", tool=TRANSLATE) == []  # the English prompt was kept
        [generation] = aws.requests("InvokeModel")
        assert "aurora over a night sea with drift ice" in str(generation.body)
        assert len(slack_api.uploaded_files()) == 1
        archived = bot.record()
        assert archived["status"] == "accepted"
        # The bill keeps what the interrupted run spent as well as the new image.
        assert sum(call["images"] for call in archived["calls"] if call["kind"] == "image") == 2
    finally:
        bot.close()


# --- 🔁 もう一度試す ------------------------------------------------------------------------------


def test_a_failure_on_our_side_offers_a_retry_that_runs_the_same_request_in_its_thread(
    bot: BotHarness,
) -> None:
    bot.aws.set_responder("InvokeModel", lambda _: Error("ServiceUnavailableException", "busy", 503))
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": "aurora over a night sea with drift ice"})
    bot.command(f"{AURORA} --seed 7")
    bot.wait_idle()
    [failure] = bot.result_messages()
    assert failure.params["text"] == t("model_unavailable")
    value = bot.button_value(ids.ACTION_RETRY, failure)
    bot.aws.set_responder("InvokeModel", None)  # the outage is over
    url = bot.slack.response_url()

    response = bot.click(
        ids.ACTION_RETRY,
        value,
        message_ts="1.5",
        thread_ts=failure.params["thread_ts"],
        user="U0OTHER",
        response_url=url,
        message_text=failure.params["text"],
    )
    bot.wait_idle()

    assert response.status == 200
    [upload] = bot.slack.uploaded_files()
    assert upload.thread_ts == failure.params["thread_ts"]
    retried = bot.record()
    assert (retried["trigger"], retried["status"], retried["seed"]) == ("retry", "accepted", 7)
    assert retried["original_text"] == AURORA and retried["job_id"] not in value
    assert retried["slack"]["user_id"] == "U0OTHER"
    # The failure message keeps its text and loses the button, so it is not retried twice.
    [replaced] = [c for c in bot.slack.calls("response_url") if url.endswith(c.params["_path"])]
    assert replaced.params["replace_original"] is True
    assert replaced.params["text"] == t("model_unavailable")
    assert ids.ACTION_RETRY not in json.dumps(replaced.params["blocks"])
    assert "U0OTHER" in json.dumps(replaced.params["blocks"], ensure_ascii=False)


def test_refusals_offer_no_retry(bot: BotHarness) -> None:
    bot.command("ポルノ")
    bot.wait_idle()

    [refusal] = bot.result_messages()
    assert ids.ACTION_RETRY not in json.dumps(refusal.params["blocks"])


def test_a_job_interrupted_too_often_is_told_with_a_retry_button(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    bot = BotHarness(settings, slack_api, aws, s3)
    try:
        job = Job(text=AURORA, slack=SlackContext(channel_id="C0CHAN", user_id="U0USER", thread_ts="1.0"))
        store = bot.services.store
        store.accept(job)
        store.start(job.job_id)
        store.start(job.job_id)  # two starts, no finish: crashed twice

        assert bot.services.processor.resume(bot.services.runner.submit) == 0

        [told] = bot.result_messages()
        assert told.params["text"] == t("job_interrupted", job_id=job.job_id)
        assert told.params["thread_ts"] == "1.0"
        value = bot.button_value(ids.ACTION_RETRY, told)
        bot.click(
            ids.ACTION_RETRY, value, message_ts="1.1", thread_ts="1.0", message_text=told.params["text"]
        )
        bot.wait_idle()
        [upload] = slack_api.uploaded_files()
        assert upload.thread_ts == "1.0"
    finally:
        bot.close()


def test_a_retry_of_a_job_the_store_no_longer_has_is_answered_politely(bot: BotHarness) -> None:
    url = bot.slack.response_url()
    value = ButtonRef(job_id="20261121T093015-0123abcd", attempt=0).encode()

    bot.click(ids.ACTION_RETRY, value, message_ts="1.1", thread_ts="1.0", response_url=url)
    bot.wait_idle()

    [answer] = [c for c in bot.slack.calls("response_url") if url.endswith(c.params["_path"])]
    assert answer.params["text"] == t("job.not_found")
    assert bot.slack.uploaded_files() == []


def test_a_job_the_queue_gave_up_on_is_told_with_a_retry_button(bot: BotHarness) -> None:
    job = Job(text=AURORA, slack=SlackContext(channel_id="C0CHAN", user_id="U0USER", thread_ts="1.0"))
    bot.services.store.accept(job)

    bot.services.processor.give_up(job)

    [told] = bot.result_messages()
    assert told.params["text"] == t("job_gave_up", job_id=job.job_id)
    assert bot.button_value(ids.ACTION_RETRY, told)
    stored = bot.services.store.get(job.job_id)
    assert stored is not None and stored.stage == "failed"


def test_a_retried_pick_posts_the_picked_candidate_again_without_generating(bot: BotHarness) -> None:
    bot.command(f"{AURORA} --n 2")
    bot.wait_idle()
    # Both candidates checked (the one not chosen finishes after the result is posted).
    parent = bot.wait_for_record(lambda r: all(a["outcome"] != "pending" for a in r["attempts"]))
    [second] = [a for a in parent["attempts"] if a["index"] == 2]
    assert second["outcome"] in {"accepted", "rejected_by_verifier"}
    candidate = bot.s3.get_object(Bucket=BUCKET, Key=second["image_key"])["Body"].read()
    pick = Job(
        text=AURORA,
        trigger="pick",
        parent_job_id=parent["job_id"],
        source_attempt=2,
        slack=SlackContext(channel_id="C0CHAN", user_id="U0USER", thread_ts=parent["slack"]["thread_ts"]),
    )
    bot.services.store.accept(pick)
    bot.services.store.finish(pick.job_id, "failed")  # e.g. the worker crashed while posting it
    generated = len(bot.aws.requests("InvokeModel"))
    value = ButtonRef(job_id=pick.job_id, attempt=0).encode()

    bot.click(ids.ACTION_RETRY, value, message_ts="1.9", thread_ts=parent["slack"]["thread_ts"])
    bot.wait_idle()

    assert len(bot.aws.requests("InvokeModel")) == generated
    [_, repost] = bot.slack.uploaded_files()
    assert repost.data == candidate
    [retried] = [r for r in bot.records() if r["job_id"] != parent["job_id"]]
    assert (retried["trigger"], retried["status"], retried["chosen_attempt"]) == ("pick", "accepted", 2)
