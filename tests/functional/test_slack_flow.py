"""The whole way: signed Slack requests → real app → pipeline → Slack thread and S3."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from services.slack import ids
from services.slack.messages import t
from tests import slack_requests
from tests.conftest import BUCKET, BotHarness
from tests.functional.checked import tags
from tests.servers.aws_emulator import Error, Recorded, png_info

AURORA = "夜の海にオーロラと流氷、地平線から朝日"
AURORA_EN = "aurora over a night sea with drifting ice floes, sunrise on the horizon"
TRANSLATE = "submit_image_prompt"
VERIFY = "report_image_check"
REWRITE = "submit_revised_prompt"


def passes(reason: str = "オーロラと流氷が描かれています。") -> dict[str, Any]:
    return {"matches": True, "reason": reason, "score": 90}


def fails(reason: str = "流氷が描かれていません。", score: int = 30) -> dict[str, Any]:
    return {"matches": False, "reason": reason, "score": score}


def thread_messages(bot: BotHarness, thread_ts: str) -> list[str]:
    return [
        str(call.params.get("text", ""))
        for call in bot.slack.calls("chat.postMessage")
        if call.params.get("thread_ts") == thread_ts
    ]


def test_slash_command_posts_verified_image_in_thread_and_archives(bot: BotHarness) -> None:
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": f"Here is the translation: {AURORA_EN}"})
    bot.aws.push_tool_input(VERIFY, passes())

    response = bot.command(AURORA)
    bot.wait_idle()

    assert response.status == 200
    assert response.body == ""  # plain ack: nothing echoed, the status message follows
    status = bot.slack.calls("chat.postMessage")[0]
    assert status.params["channel"] == "C0CHAN"
    assert "thread_ts" not in status.params  # top-level status message in the channel
    assert AURORA in status.params["text"] and "<@U0USER>" in status.params["text"]
    thread_ts = status.params.get("ts") or bot.slack.calls("chat.update")[0].params["ts"]

    # The model got the translated prompt, without the preamble, and the user's text never.
    invoke = bot.aws.requests("InvokeModel")
    assert len(invoke) == 1
    assert invoke[0].model_id == "amazon.nova-canvas-v1:0"
    body = invoke[0].body
    assert body["taskType"] == "TEXT_IMAGE"
    assert body["textToImageParams"]["text"] == AURORA_EN
    assert "nsfw" in body["textToImageParams"]["negativeText"]
    config = body["imageGenerationConfig"]
    assert (config["width"], config["height"], config["numberOfImages"]) == (1024, 1024, 1)
    assert config["cfgScale"] == 6.5 and config["seed"] > 0

    # The user's text reached the translator only as delimited data.
    translate = bot.aws.requests("Converse", tool=TRANSLATE)[0]
    user_text = translate.body["messages"][0]["content"][0]["text"]
    assert user_text.startswith("<request>") and AURORA in user_text
    assert translate.body["toolConfig"]["toolChoice"] == {"tool": {"name": TRANSLATE}}

    # The verifier saw a small JPEG copy of the generated image.
    verify = bot.aws.requests("Converse", tool=VERIFY)[0]
    assert verify.images()[0].startswith(b"\xff\xd8\xff")
    assert tags(bot, verify.images()[0])["emulator-seed"] == str(config["seed"])

    # The image went into the status message's thread, with details and buttons.
    [upload] = bot.slack.uploaded_files()
    first_status_ts = bot.slack.calls("chat.update")[0].params["ts"]
    assert upload.channel_id == "C0CHAN"
    assert upload.thread_ts == first_status_ts
    assert png_info(upload.data)["emulator-seed"] == str(config["seed"])
    [result] = bot.result_messages()
    assert result.params["thread_ts"] == first_status_ts
    text = json.dumps(result.params["blocks"], ensure_ascii=False)
    for expected in (
        AURORA_EN,
        "amazon.nova-canvas-v1:0",
        str(config["seed"]),
        "6.5",
        "オーロラと流氷が描かれています",
    ):
        assert expected in text
    actions = [
        e["action_id"] for b in result.params["blocks"] for e in b.get("elements", []) if "action_id" in e
    ]
    assert actions == [
        ids.ACTION_REGENERATE,
        ids.ACTION_SAME_SEED,
        ids.ACTION_CFG_DOWN,
        ids.ACTION_CFG_UP,
        ids.ACTION_VARIATION,  # Nova Canvas does IMAGE_VARIATION
        ids.ACTION_ADJUST,
        ids.ACTION_APPROVE,
        ids.ACTION_DELETE,  # no 候補を見る: this bot runs one candidate at a time
        # Nova Canvas edits by itself: ✏️ (inpaint), 🔍 (outpaint), ✂️; no ⬆️ without UPSCALE_MODEL_ID.
        ids.ACTION_EDIT,
        ids.ACTION_EDIT_MENU,
        ids.ACTION_REMOVE_BACKGROUND,
    ]
    assert all(len(bot.button_value(a)) < 100 for a in actions if a != ids.ACTION_EDIT_MENU)
    [menu] = [
        e
        for b in result.params["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == ids.ACTION_EDIT_MENU
    ]
    assert all(len(option["value"]) < 150 for option in menu["options"])  # Block Kit's option limit
    assert "完成しました" in bot.slack.calls("chat.update")[-1].params["text"]
    assert thread_ts

    # Archive: image and record under date/job-id keys, encrypted, record complete.
    keys = bot.archived_keys()
    assert len(keys) == 2 and any(k.endswith(".png") for k in keys)
    assert all(k.startswith("jobs/") and "オーロラ" not in k for k in keys)
    for key in keys:
        assert bot.s3.head_object(Bucket=BUCKET, Key=key)["ServerSideEncryption"] == "AES256"
    record = bot.record()
    assert record["status"] == "accepted"
    assert record["original_text"] == AURORA
    assert record["translation"] == AURORA_EN
    assert record["final_prompt"] == AURORA_EN and record["negative_prompt"]
    assert record["seed"] == config["seed"] and record["cfg_scale"] == 6.5
    assert record["slack"]["channel_id"] == "C0CHAN" and record["slack"]["user_id"] == "U0USER"
    assert record["posted_file_id"] == upload.file_id
    [attempt] = record["attempts"]
    assert attempt["outcome"] == "accepted" and attempt["moderation_labels"] == []
    assert attempt["verdict"]["reason"] == "オーロラと流氷が描かれています。"
    assert {"moderation", "translation", "generation", "image_moderation", "verification"} <= set(
        record["stage_seconds"]
    )


def test_mention_in_channel_answers_in_a_thread_under_the_mention(bot: BotHarness) -> None:
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": "cherry blossoms and Mount Fuji, photo"})

    bot.mention("桜と富士山の写真", ts="1700000200.000200")
    bot.wait_idle()

    [upload] = bot.slack.uploaded_files()
    assert upload.thread_ts == "1700000200.000200"
    assert bot.slack.calls("chat.postMessage")[0].params["thread_ts"] == "1700000200.000200"
    invoke = bot.aws.requests("InvokeModel")[0]
    assert invoke.body["textToImageParams"]["text"] == "cherry blossoms and Mount Fuji, photo"
    # The bot's own mention markup never reaches the translator.
    translate = bot.aws.requests("Converse", tool=TRANSLATE)[0]
    assert "U0BOT" not in translate.body["messages"][0]["content"][0]["text"]


def test_mention_inside_existing_thread_answers_in_that_thread(bot: BotHarness) -> None:
    bot.mention("猫が窓辺で寝ている", ts="1700000300.000300", thread_ts="1700000000.000001")
    bot.wait_idle()

    [upload] = bot.slack.uploaded_files()
    assert upload.thread_ts == "1700000000.000001"
    assert all(c.params.get("thread_ts") == "1700000000.000001" for c in bot.slack.calls("chat.postMessage"))


def test_english_request_skips_translation(bot: BotHarness) -> None:
    bot.command("a lighthouse in a storm, oil painting")
    bot.wait_idle()

    assert bot.aws.requests("Converse", tool=TRANSLATE) == []
    assert bot.aws.requests("InvokeModel")[0].body["textToImageParams"]["text"] == (
        "a lighthouse in a storm, oil painting"
    )


def test_regenerate_button_sends_a_new_seed_and_reuses_the_prompt(bot: BotHarness) -> None:
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": AURORA_EN})
    bot.command(AURORA)
    bot.wait_idle()
    first = bot.aws.requests("InvokeModel")[0].body["imageGenerationConfig"]
    result = bot.result_messages()[0]

    response = bot.click(
        ids.ACTION_REGENERATE,
        bot.button_value(ids.ACTION_REGENERATE),
        message_ts=result.params.get("ts", "1700000000.000500"),
        thread_ts=result.params["thread_ts"],
        user="U0OTHER",
    )
    bot.wait_idle()

    assert response.status == 200
    invokes = bot.aws.requests("InvokeModel")
    assert len(invokes) == 2
    second = invokes[1].body
    assert second["imageGenerationConfig"]["seed"] != first["seed"]
    assert second["imageGenerationConfig"]["cfgScale"] == first["cfgScale"]
    assert second["textToImageParams"]["text"] == AURORA_EN
    assert len(bot.aws.requests("Converse", tool=TRANSLATE)) == 1  # not translated again
    uploads = bot.slack.uploaded_files()
    assert len(uploads) == 2 and uploads[1].thread_ts == result.params["thread_ts"]
    assert any("<@U0OTHER>" in c.params["text"] for c in bot.slack.calls("chat.postMessage"))
    [record] = [r for r in bot.records() if r["trigger"] == "regenerate"]
    assert record["parent_job_id"] and record["slack"]["user_id"] == "U0OTHER"


def test_cfg_plus_sends_a_higher_cfg_with_the_same_seed(bot: BotHarness) -> None:
    bot.command(AURORA)
    bot.wait_idle()
    first = bot.aws.requests("InvokeModel")[0].body["imageGenerationConfig"]
    result = bot.result_messages()[0]

    bot.click(
        ids.ACTION_CFG_UP,
        bot.button_value(ids.ACTION_CFG_UP),
        message_ts="1.1",
        thread_ts=result.params["thread_ts"],
    )
    bot.wait_idle()

    second = bot.aws.requests("InvokeModel")[1].body["imageGenerationConfig"]
    assert second["cfgScale"] == first["cfgScale"] + 1.0
    assert second["seed"] == first["seed"]


def test_cfg_minus_at_the_model_minimum_is_refused_politely(bot: BotHarness) -> None:
    bot.settings.default_cfg_scale = None
    bot.services.pipeline.config = bot.services.pipeline.config.__class__(
        max_attempts=1, max_rewrites=0, default_cfg_scale=1.1
    )
    bot.command(AURORA)
    bot.wait_idle()
    result = bot.result_messages()[0]
    response_url = bot.slack.response_url()

    bot.click(
        ids.ACTION_CFG_DOWN,
        bot.button_value(ids.ACTION_CFG_DOWN),
        message_ts="1.1",
        thread_ts=result.params["thread_ts"],
        response_url=response_url,
    )
    bot.wait_idle()

    assert len(bot.aws.requests("InvokeModel")) == 1
    [answer] = [c for c in bot.slack.calls("response_url") if c.params["_path"] in response_url]
    assert answer.params["text"] == t("cfg.at_min", value="1.1")
    assert answer.params["response_type"] == "ephemeral"


def test_verification_fails_twice_then_the_third_image_is_posted(bot: BotHarness) -> None:
    bot.aws.push_tool_input(VERIFY, fails(), fails("朝日が見えません。", 40), passes())

    bot.command(AURORA)
    bot.wait_idle()

    invokes = bot.aws.requests("InvokeModel")
    assert len(invokes) == 3
    seeds = [r.body["imageGenerationConfig"]["seed"] for r in invokes]
    assert len(set(seeds)) == 3
    [upload] = bot.slack.uploaded_files()
    assert png_info(upload.data)["emulator-call"] == "3"
    record = bot.record()
    assert [a["outcome"] for a in record["attempts"]] == [
        "rejected_by_verifier",
        "rejected_by_verifier",
        "accepted",
    ]
    assert record["chosen_attempt"] == 3 and record["seed"] == seeds[2]
    assert len([k for k in bot.archived_keys() if k.endswith(".png")]) == 3  # every candidate kept


def test_prompt_is_rewritten_after_the_attempt_budget(bot: BotHarness) -> None:
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": AURORA_EN})
    bot.aws.push_tool_input(VERIFY, fails(), fails(), fails(), passes())
    bot.aws.push_tool_input(
        REWRITE, {"english_prompt": "vivid aurora, drifting sea ice, rising sun on the horizon"}
    )

    bot.command(AURORA)
    bot.wait_idle()

    invokes = bot.aws.requests("InvokeModel")
    assert [r.body["textToImageParams"]["text"] for r in invokes] == [AURORA_EN] * 3 + [
        "vivid aurora, drifting sea ice, rising sun on the horizon"
    ]
    rewrite = bot.aws.requests("Converse", tool=REWRITE)[0]
    assert "流氷が描かれていません" in rewrite.body["messages"][0]["content"][0]["text"]
    assert bot.record()["attempts"][3]["revision"] == 1


def test_no_match_posts_the_best_safe_candidate_with_an_honest_note(bot: BotHarness) -> None:
    scores = [fails(score=20), fails(score=70), fails(score=10)] * 2
    bot.aws.push_tool_input(VERIFY, *scores)

    bot.command(AURORA)
    bot.wait_idle()

    assert len(bot.aws.requests("InvokeModel")) == 6  # 3 attempts x (1 + 1 rewrite)
    [upload] = bot.slack.uploaded_files()
    assert png_info(upload.data)["emulator-call"] == "2"  # first image scored 70
    blocks = json.dumps(bot.result_messages()[0].params["blocks"], ensure_ascii=False)
    assert "完全に合う画像はできませんでした" in blocks
    assert bot.record()["status"] == "best_effort"


def test_an_unsafe_image_is_never_posted(bot: BotHarness) -> None:
    def labels_for_first_image(request: Recorded) -> dict[str, Any]:
        if tags(bot, request.images()[0]).get("emulator-call") == "1":
            return {
                "ModerationLabels": [
                    {"Name": "Violence", "ParentName": "", "Confidence": 97.0, "TaxonomyLevel": 1}
                ]
            }
        return {"ModerationLabels": []}

    bot.aws.set_responder("DetectModerationLabels", labels_for_first_image)

    bot.command(AURORA)
    bot.wait_idle()

    [upload] = bot.slack.uploaded_files()
    assert png_info(upload.data)["emulator-call"] == "2"
    # The verifier looked at it alongside Rekognition, but its verdict could not post it.
    verified = [tags(bot, r.images()[0])["emulator-call"] for r in bot.aws.requests("Converse", tool=VERIFY)]
    assert verified == ["1", "2"]
    record = bot.record()
    assert record["attempts"][0]["outcome"] == "unsafe"
    assert record["attempts"][0]["moderation_labels"][0]["name"] == "Violence"


def test_when_every_image_is_unsafe_nothing_is_posted_and_the_user_is_told(bot: BotHarness) -> None:
    bot.aws.set_responder(
        "DetectModerationLabels",
        lambda _: {"ModerationLabels": [{"Name": "Explicit", "ParentName": "", "Confidence": 99.0}]},
    )

    bot.command(AURORA)
    bot.wait_idle()

    assert bot.slack.uploaded_files() == []
    thread = (
        bot.slack.calls("chat.postMessage")[0].params.get("ts")
        or bot.slack.calls("chat.update")[0].params["ts"]
    )
    assert t("no_safe_image") in thread_messages(bot, thread)
    assert len([k for k in bot.archived_keys() if k.endswith(".png")]) == 6  # still archived
    assert bot.record()["error"]["kind"] == "no_safe_image"


def test_rekognition_down_fails_closed(bot: BotHarness) -> None:
    bot.aws.set_responder("DetectModerationLabels", lambda _: Error("InternalServerError", "down", 500))

    bot.command(AURORA)
    bot.wait_idle()

    assert bot.slack.uploaded_files() == []
    status_ts = bot.slack.calls("chat.update")[0].params["ts"]
    assert t("moderation_unavailable") in thread_messages(bot, status_ts)


def test_banned_term_even_obfuscated_never_reaches_the_image_model(bot: BotHarness) -> None:
    response = bot.command("ポ\u200bル ノ．の写真")
    bot.wait_idle()

    assert response.status == 200
    assert bot.aws.requests("InvokeModel") == []
    assert bot.aws.requests("Converse") == []
    status_ts = bot.slack.calls("chat.update")[0].params["ts"] if bot.slack.calls("chat.update") else None
    messages = [c.params["text"] for c in bot.slack.calls("chat.postMessage")]
    assert t("moderation.rules") in messages
    assert status_ts is None or "作成できませんでした" in bot.slack.calls("chat.update")[-1].params["text"]
    record = bot.record()
    assert record["status"] == "rejected" and record["error"]["layer"] == "rules"


def test_banned_term_in_the_translation_is_caught(bot: BotHarness) -> None:
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": "explicit pornography of a woman"})

    bot.command("ちょっと刺激的な写真")
    bot.wait_idle()

    assert bot.aws.requests("InvokeModel") == []
    assert t("moderation.rules_translation") in [
        c.params["text"] for c in bot.slack.calls("chat.postMessage")
    ]


def test_content_filter_is_explained(bot: BotHarness) -> None:
    blocked = Error("ValidationException", "This request has been blocked by our content filters.", 400)
    bot.aws.push("InvokeModel", blocked, blocked)

    bot.command(AURORA)
    bot.wait_idle()

    # The refused prompt was rewritten once (not retried as is), then refused again.
    assert len(bot.aws.requests("InvokeModel")) == 2
    assert len(bot.aws.requests("Converse", tool=REWRITE)) == 1
    assert bot.slack.uploaded_files() == []
    assert t("content_filtered") in [c.params["text"] for c in bot.slack.calls("chat.postMessage")]


def test_output_filter_in_a_200_body_moves_on_to_a_new_seed(bot: BotHarness) -> None:
    bot.aws.push(
        "InvokeModel",
        {"images": [], "error": "All of the generated images have been blocked by our content filters."},
    )

    bot.command(AURORA)
    bot.wait_idle()

    assert len(bot.aws.requests("InvokeModel")) == 2
    assert len(bot.slack.uploaded_files()) == 1
    assert bot.record()["attempts"][0]["outcome"] == "filtered"


def test_model_unavailable_after_retries_is_told_politely(bot: BotHarness) -> None:
    bot.aws.set_responder("InvokeModel", lambda _: Error("ServiceUnavailableException", "busy", 503))

    bot.command(AURORA)
    bot.wait_idle()

    assert len(bot.aws.requests("InvokeModel")) == 4  # botocore standard mode, AWS_MAX_ATTEMPTS=4
    messages = [c.params["text"] for c in bot.slack.calls("chat.postMessage")]
    assert t("model_unavailable") in messages
    assert not any("ServiceUnavailable" in m or "Traceback" in m for m in messages)


def test_bad_signature_is_rejected_and_nothing_runs(bot: BotHarness) -> None:
    body = slack_requests.command_body(AURORA)
    headers = slack_requests.signed_headers(body, slack_requests.FORM, secret="not-the-secret")

    response = bot.post(body, slack_requests.FORM, headers)
    bot.wait_idle()

    assert response.status == 401
    assert bot.slack.calls("chat.postMessage") == []
    assert bot.aws.requests() == []


def test_empty_command_opens_the_form(bot: BotHarness) -> None:
    response = bot.command("   ")

    assert response.status == 200
    [opened] = bot.slack.calls("views.open")
    assert opened.params["trigger_id"] == "1.2.3"
    assert opened.params["view"]["callback_id"] == ids.VIEW_IMAGINE
    assert bot.slack.calls("chat.postMessage") == []


def test_empty_command_without_a_form_answers_with_usage_only_to_the_user(bot: BotHarness) -> None:
    bot.slack.fail_next("views.open", "expired_trigger_id")
    response = bot.command("   ")

    assert response.status == 200
    assert json.loads(response.body) == {"text": t("input.empty"), "response_type": "ephemeral"}
    assert bot.slack.calls("chat.postMessage") == []


def test_not_in_channel_is_explained_privately(bot: BotHarness) -> None:
    bot.slack.fail_next("chat.postMessage", "not_in_channel")
    url = bot.slack.response_url()

    bot.command(AURORA, response_url=url)
    bot.wait_idle()

    assert bot.aws.requests() == []
    [answer] = bot.slack.calls("response_url")
    assert answer.params["text"] == t("not_in_channel")


def test_healthz(bot: BotHarness) -> None:
    with urllib.request.urlopen(f"{bot.base}/healthz", timeout=5) as response:
        assert response.status == 200


def test_translator_classification_stops_an_unsafe_request_without_extra_calls(bot: BotHarness) -> None:
    bot.aws.push_tool_input(
        TRANSLATE, {"english_prompt": "a brutal street fight", "safe": False, "category": "violence"}
    )

    bot.command("路上での残酷なけんか")
    bot.wait_idle()

    assert bot.aws.requests("InvokeModel") == []
    assert len(bot.aws.requests("Converse")) == 1  # the classification came with the translation
    expected = t("moderation.classifier", category=t("category.violence"))
    assert expected in [c.params["text"] for c in bot.slack.calls("chat.postMessage")]
    record = bot.record()
    assert record["error"] == {"kind": "moderation_rejected", "layer": "classifier", "category": "violence"}


def test_checklist_is_marked_per_requirement_and_steers_the_rewrite(bot: BotHarness) -> None:
    bot.aws.push_tool_input(
        TRANSLATE, {"english_prompt": AURORA_EN, "requirements": ["オーロラ", "流氷", "朝日"]}
    )
    missing_ice = {
        "matches": True,  # the model's overall call is overruled by the unmet requirement
        "reason": "流氷が見当たりません。",
        "score": 60,
        "checks": [
            {"requirement": "オーロラ", "met": True},
            {"requirement": "流氷", "met": False},
            {"requirement": "朝日", "met": True},
        ],
    }
    everything = {
        "matches": True,
        "reason": "すべて描かれています。",
        "score": 95,
        "checks": [{"requirement": r, "met": True} for r in ("オーロラ", "流氷", "朝日")],
    }
    bot.aws.push_tool_input(VERIFY, missing_ice, missing_ice, missing_ice, everything)

    bot.command(AURORA)
    bot.wait_idle()

    # The checklist reached the verifier, and the rewrite was told what was missing.
    verify = bot.aws.requests("Converse", tool=VERIFY)[0]
    assert "- 流氷" in verify.body["messages"][0]["content"][1]["text"]
    rewrite = bot.aws.requests("Converse", tool=REWRITE)[0]
    assert "未達: 流氷" in rewrite.body["messages"][0]["content"][0]["text"]
    # The posted result shows a mark per requirement.
    blocks = json.dumps(bot.result_messages()[0].params["blocks"], ensure_ascii=False)
    assert "✅ オーロラ" in blocks and "✅ 流氷" in blocks and "✅ 朝日" in blocks
    record = bot.record()
    assert record["requirements"] == ["オーロラ", "流氷", "朝日"]
    assert [a["outcome"] for a in record["attempts"]][:3] == ["rejected_by_verifier"] * 3


def test_record_accounts_for_every_model_call_and_estimates_cost(bot: BotHarness) -> None:
    bot.aws.push_tool_input(VERIFY, fails(), passes())

    bot.command(AURORA)
    bot.wait_idle()

    record = bot.record()
    kinds = [call["kind"] for call in record["calls"]]
    assert sorted(kinds) == sorted(
        [
            "translate",
            "toxicity",
            "image",
            "image_moderation",
            "verify",
            "image",
            "image_moderation",
            "verify",
        ]
    )
    translate = next(c for c in record["calls"] if c["kind"] == "translate")
    assert translate["input_tokens"] > 0 and translate["model_id"] == bot.settings.text_model_id
    # 2 Nova images at $0.04, 2 Rekognition checks at $0.001, one Comprehend call, and
    # Claude 3.5 Sonnet tokens at $0.003 / $0.015 per 1,000.
    tokens_in = sum(c["input_tokens"] for c in record["calls"])
    tokens_out = sum(c["output_tokens"] for c in record["calls"])
    expected = 2 * 0.04 + 2 * 0.001 + 0.0003 + tokens_in / 1000 * 0.003 + tokens_out / 1000 * 0.015
    assert record["estimated_cost_usd"] == pytest.approx(expected, abs=1e-4)
