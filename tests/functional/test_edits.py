"""Every result is editable: ✏️ by words, 🔍 zoom out, ⬆️ upscale, ✂️ background, 🔙 undo, through Slack."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from bot.settings import Settings
from services.slack import ids
from tests import slack_requests
from tests.conftest import BUCKET, BotHarness
from tests.functional.holding import HOLD, wait_until
from tests.servers.aws_emulator import AwsEmulator, Recorded
from tests.servers.slack_api import SlackApiServer

NOVA = "amazon.nova-canvas-v1:0"
FAST_UPSCALE = "stability.stable-fast-upscale-v1:0"
PLAN = "submit_edit_plan"
VERIFY = "report_image_check"
EDITED = {"matches": True, "reason": "背景が夜空になっています。", "score": 90}


@pytest.fixture
def edit_bot(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> Iterator[BotHarness]:
    harness = BotHarness(settings.model_copy(update={"upscale_model_id": FAST_UPSCALE}), slack_api, aws, s3)
    yield harness
    harness.close()


def _first_result(bot: BotHarness) -> tuple[str, str, Any]:
    """Make one image; its button value, the thread it is in, and its result message."""
    bot.command("a lighthouse on a cliff at dusk")
    bot.wait_idle()
    message = bot.result_messages()[-1]
    return bot.button_value(ids.ACTION_REGENERATE, message), message.params["thread_ts"], message


def _elements(message: Any) -> list[dict[str, Any]]:
    return [element for block in message.params["blocks"] for element in block.get("elements", [])]


def _click(bot: BotHarness, action_id: str, value: str, thread_ts: str, selected: str | None = None) -> None:
    body = slack_requests.action_body(
        action_id, value, message_ts="1700000999.000001", thread_ts=thread_ts, selected=selected,
        response_url=bot.slack.response_url(),
    )  # fmt: skip
    assert bot.post(body, slack_requests.FORM).status == 200
    bot.wait_idle()


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _record(bot: BotHarness, job_id: str) -> dict[str, Any]:
    key = next(k for k in bot.archived_keys() if k.endswith(f"{job_id}/record.json"))
    return dict(json.loads(bot.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))


def test_edit_buttons_appear_only_where_a_configured_model_can_edit(
    bot: BotHarness, edit_bot: BotHarness
) -> None:
    _, _, plain = _first_result(bot)
    without_upscale = {e.get("action_id") for e in _elements(plain)}
    assert {ids.ACTION_EDIT, ids.ACTION_EDIT_MENU, ids.ACTION_REMOVE_BACKGROUND} <= without_upscale
    assert ids.ACTION_UPSCALE not in without_upscale  # no UPSCALE_MODEL_ID: no button
    assert ids.ACTION_UNDO not in without_upscale  # only under an edit

    _, _, message = _first_result(edit_bot)
    assert ids.ACTION_UPSCALE in {e.get("action_id") for e in _elements(message)}


def test_edit_by_words_inpaints_the_posted_image_and_posts_before_and_after(bot: BotHarness) -> None:
    value, thread_ts, _ = _first_result(bot)
    parent_id = value.split(":")[0]
    parent = _record(bot, parent_id)
    parent_image = bot.s3.get_object(Bucket=BUCKET, Key=parent["attempts"][0]["image_key"])["Body"].read()

    _click(bot, ids.ACTION_EDIT, value, thread_ts)
    [opened] = bot.slack.calls("views.open")
    view = (
        json.loads(opened.params["view"]) if isinstance(opened.params["view"], str) else opened.params["view"]
    )
    assert view["callback_id"] == ids.VIEW_EDIT
    bot.aws.push_tool_input(
        PLAN, {"operation": "inpaint", "region": "the sky", "prompt": "a starry night sky", "safe": True}
    )
    bot.aws.push_tool_input(VERIFY, EDITED)
    values = {"text": {"text": {"type": "plain_text_input", "value": "背景を夜空に変えて"}}}
    assert bot.submit_form(values, view["private_metadata"], callback_id=ids.VIEW_EDIT).status == 200
    bot.wait_idle()

    invoke = bot.aws.requests("InvokeModel")[-1]
    assert invoke.body["taskType"] == "INPAINTING"
    assert invoke.body["inPaintingParams"]["maskPrompt"] == "the sky"
    assert invoke.body["inPaintingParams"]["text"] == "a starry night sky"
    assert _image(invoke.images()[0]).size == _image(parent_image).size  # the posted image, as it was
    # Checked for safety, then compared before/after by the vision model.
    check = bot.aws.requests("Converse", tool=VERIFY)[-1]
    assert len(check.images()) == 2
    assert bot.aws.requests("DetectModerationLabels")[-1].received > invoke.received
    # Posted in the same thread, with the image before the edit and an undo button.
    uploads = bot.slack.uploaded_files()
    assert len(uploads) == 2 and uploads[-1].thread_ts == thread_ts
    edited = bot.result_messages()[-1]
    assert edited.params["blocks"][0]["type"] == "image"
    assert edited.params["blocks"][0]["slack_file"] == {"id": parent["posted_file_id"]}
    assert ids.ACTION_UNDO in {e.get("action_id") for e in _elements(edited)}
    # Lineage in the archive.
    record = _record(bot, bot.button_value(ids.ACTION_UNDO, edited).split(":")[0])
    assert record["parent_job_id"] == parent_id
    assert record["source_image_key"] == parent["attempts"][0]["image_key"]
    assert record["edit"] == {"action": "edit", "instruction": "背景を夜空に変えて"}
    assert record["edit_operation"] == "inpaint"
    assert record["status"] == "accepted"
    assert [d["layer"] for d in record["moderation"]][:2] == ["rules", "classifier"]


def test_banned_edit_words_are_refused_before_any_model(bot: BotHarness) -> None:
    value, thread_ts, _ = _first_result(bot)
    calls = len(bot.aws.requests())

    _click(bot, ids.ACTION_EDIT, value, thread_ts)
    view = bot.slack.calls("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    values = {"text": {"text": {"type": "plain_text_input", "value": "ポルノ画像にして"}}}
    bot.submit_form(values, view["private_metadata"], callback_id=ids.VIEW_EDIT)
    bot.wait_idle()

    assert bot.aws.requests()[calls:] == []
    assert len(bot.slack.uploaded_files()) == 1


def test_zoom_out_twice_outpaints_a_larger_canvas(bot: BotHarness) -> None:
    value, thread_ts, _ = _first_result(bot)

    _click(bot, ids.ACTION_EDIT_MENU, "", thread_ts, selected=f"zoom_out_2|{value}")

    invoke = bot.aws.requests("InvokeModel")[-1]
    assert invoke.body["taskType"] == "OUTPAINTING"
    assert invoke.body["outPaintingParams"]["outPaintingMode"] == "PRECISE"
    source, mask = invoke.images()[:2]
    assert _image(source).size == _image(mask).size
    assert _image(source).width > 1024 // 2  # the photo sits in a larger canvas
    assert len(bot.slack.uploaded_files()) == 2


def test_remove_background_posts_a_transparent_png(bot: BotHarness) -> None:
    value, thread_ts, _ = _first_result(bot)

    _click(bot, ids.ACTION_REMOVE_BACKGROUND, value, thread_ts)

    invoke = bot.aws.requests("InvokeModel")[-1]
    assert invoke.body["taskType"] == "BACKGROUND_REMOVAL"
    assert "imageGenerationConfig" not in invoke.body
    posted = _image(bot.slack.uploaded_files()[-1].data)
    assert posted.mode == "RGBA" and posted.getextrema()[3][0] == 0


def test_upscale_uses_the_upscale_model_and_posts_four_times_the_pixels_per_side(
    edit_bot: BotHarness,
) -> None:
    value, thread_ts, _ = _first_result(edit_bot)

    _click(edit_bot, ids.ACTION_UPSCALE, value, thread_ts)

    invoke = edit_bot.aws.requests("InvokeModel")[-1]
    assert invoke.model_id == FAST_UPSCALE
    source = _image(invoke.images()[0])
    posted = _image(edit_bot.slack.uploaded_files()[-1].data)
    assert posted.size == (source.width * 4, source.height * 4)
    assert edit_bot.aws.requests("DetectModerationLabels")  # even an upscale is checked


class HeldUpscales:
    """Fast Upscale answers (four times the source per side) only once the test lets them go."""

    def __init__(self) -> None:
        self.arrived: list[Recorded] = []
        self.release = threading.Event()

    def __call__(self, request: Recorded) -> dict[str, Any]:
        self.arrived.append(request)
        assert self.release.wait(HOLD), "the upscales were never let go"
        source = _image(base64.b64decode(str(request.body["image"])))
        out = io.BytesIO()
        source.resize((source.width * 4, source.height * 4)).save(out, "PNG")
        return {"seeds": [7], "finish_reasons": [None], "images": [base64.b64encode(out.getvalue()).decode()]}


def test_upscales_beyond_the_limit_wait_in_line_and_say_so(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    one_at_a_time = {"upscale_model_id": FAST_UPSCALE, "upscale_concurrency": 1}
    bot = BotHarness(settings.model_copy(update=one_at_a_time), slack_api, aws, s3)
    try:
        first_value, first_thread, _ = _first_result(bot)
        second_value, second_thread, _ = _first_result(bot)
        held = HeldUpscales()
        bot.aws.set_responder(f"InvokeModel:{FAST_UPSCALE}", held)

        for user, value, thread_ts in (
            ("U0FIRST", first_value, first_thread),
            ("U0SECOND", second_value, second_thread),
        ):
            body = slack_requests.action_body(
                ids.ACTION_UPSCALE, value, user=user, message_ts="1700000999.000001", thread_ts=thread_ts,
                response_url=bot.slack.response_url(),
            )  # fmt: skip
            assert bot.post(body, slack_requests.FORM).status == 200
            if user == "U0FIRST":
                wait_until(lambda: len(held.arrived) == 1)

        # The second waits in the job queue (not on a worker thread), its status message saying where.
        line = "順番待ちです（1 番目）。順番が来たら自動で始まります。"
        shown = ("chat.postMessage", "chat.update")
        wait_until(
            lambda: any(line in str(c.params.get("text")) for c in bot.slack.calls() if c.method in shown)
        )
        assert len(held.arrived) == 1  # only one upscale reached the model
        held.release.set()
        bot.wait_idle()

        assert len(held.arrived) == 2
        upscaled = [u for u in bot.slack.uploaded_files() if _image(u.data).size == (4096, 4096)]
        assert sorted(u.thread_ts for u in upscaled) == sorted((first_thread, second_thread))
    finally:
        bot.close()


def test_undo_posts_the_image_the_edit_started_from_without_a_model_call(bot: BotHarness) -> None:
    value, thread_ts, _ = _first_result(bot)
    _click(bot, ids.ACTION_REMOVE_BACKGROUND, value, thread_ts)
    edited = bot.result_messages()[-1]
    invokes = len(bot.aws.requests("InvokeModel"))

    _click(bot, ids.ACTION_UNDO, bot.button_value(ids.ACTION_UNDO, edited), thread_ts)

    assert len(bot.aws.requests("InvokeModel")) == invokes
    uploads = bot.slack.uploaded_files()
    assert uploads[-1].data == uploads[0].data  # the original image again


def test_an_unsafe_edit_is_never_posted(bot: BotHarness) -> None:
    value, thread_ts, _ = _first_result(bot)
    bot.aws.push(
        "DetectModerationLabels",
        {
            "ModerationLabels": [
                {"Name": "Explicit", "ParentName": "", "Confidence": 96.0, "TaxonomyLevel": 1}
            ]
        },
    )

    _click(bot, ids.ACTION_REMOVE_BACKGROUND, value, thread_ts)

    assert len(bot.slack.uploaded_files()) == 1  # only the original
    texts = [str(c.params.get("text", "")) for c in bot.slack.calls("chat.postMessage")]
    assert any("安全" in text for text in texts[-2:])
    [record] = [r for r in bot.records() if r["trigger"] == "edit"]
    assert record["status"] == "failed" and record["error"]["kind"] == "no_safe_image"
    assert record["attempts"][0]["outcome"] == "unsafe"  # archived, marked, never shown


def test_an_edit_the_checker_does_not_see_is_retried_then_posted_honestly(bot: BotHarness) -> None:
    value, thread_ts, _ = _first_result(bot)
    bot.aws.push_tool_input(
        PLAN, {"operation": "recolor", "region": "the lighthouse", "prompt": "a red lighthouse", "safe": True}
    )
    missed = {"matches": False, "reason": "灯台の色が変わっていません。", "score": 30}
    bot.aws.push_tool_input(VERIFY, missed, missed, missed)
    _click(bot, ids.ACTION_EDIT, value, thread_ts)
    view = bot.slack.calls("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    values = {"text": {"text": {"type": "plain_text_input", "value": "灯台を赤に"}}}

    bot.submit_form(values, view["private_metadata"], callback_id=ids.VIEW_EDIT)
    bot.wait_idle()

    inpaints = [r for r in bot.aws.requests("InvokeModel") if r.body.get("taskType") == "INPAINTING"]
    assert len(inpaints) == 3  # MAX_ATTEMPTS seeds
    assert len({r.body["imageGenerationConfig"]["seed"] for r in inpaints}) == 3
    [record] = [r for r in bot.records() if r["trigger"] == "edit"]
    assert record["status"] == "best_effort"
    headline = bot.result_messages()[-1].params["blocks"][1]["text"]["text"]
    assert "灯台を赤に" in headline
