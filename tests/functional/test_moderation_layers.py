"""Each moderation layer stops a request on its own, and the user is told which one."""

from __future__ import annotations

from typing import Any

import pytest

from bot.settings import Settings
from services.slack.messages import t
from tests.conftest import BotHarness, Response
from tests.servers.aws_emulator import Error, png_info

TRANSLATE = "submit_image_prompt"


def toxic(label: str, score: float) -> dict[str, Any]:
    names = [
        "PROFANITY",
        "HATE_SPEECH",
        "INSULT",
        "GRAPHIC",
        "HARASSMENT_OR_ABUSE",
        "SEXUAL",
        "VIOLENCE_OR_THREAT",
    ]
    labels = [{"Name": name, "Score": score if name == label else 0.01} for name in names]
    return {"ResultList": [{"Labels": labels, "Toxicity": score}]}


def posted(bot: BotHarness) -> list[str]:
    return [str(c.params.get("text", "")) for c in bot.slack.calls("chat.postMessage")]


def test_comprehend_flags_the_english_translation(bot: BotHarness) -> None:
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": "a scene that reads as harassment"})
    bot.aws.push("DetectToxicContent", toxic("HARASSMENT_OR_ABUSE", 0.91))

    bot.command("ちょっと微妙な場面")
    bot.wait_idle()

    [check] = bot.aws.requests("DetectToxicContent")
    assert check.body["LanguageCode"] == "en"
    assert check.body["TextSegments"] == [{"Text": "a scene that reads as harassment"}]
    # Comprehend read the prompt while the image model drew; the image is discarded unchecked.
    assert len(bot.aws.requests("InvokeModel")) == 1
    assert bot.aws.requests("DetectModerationLabels") == []
    assert bot.aws.requests("Converse", tool="report_image_check") == []
    assert bot.slack.uploaded_files() == []
    assert t("moderation.toxicity", category=t("category.HARASSMENT_OR_ABUSE")) in posted(bot)
    record = bot.record()
    assert [a["outcome"] for a in record["attempts"]] == ["blocked"]
    assert any(k.endswith("r0-a01.png") for k in bot.archived_keys())  # archived as blocked
    assert record["refusal_cost"]["layer"] == "toxicity" and record["refusal_cost"]["images"] == 1
    assert record["refusal_cost"]["usd"] > 0
    decisions = {d["layer"]: d for d in record["moderation"]}
    assert decisions["rules"]["flagged"] is False
    assert decisions["classifier"]["flagged"] is False
    assert decisions["toxicity"]["flagged"] is True
    assert decisions["toxicity"]["scores"]["HARASSMENT_OR_ABUSE"] == pytest.approx(0.91)


def test_comprehend_unreachable_fails_closed(bot: BotHarness) -> None:
    bot.aws.set_responder("DetectToxicContent", lambda _: Error("InternalServerException", "down", 500))

    bot.command("夜の海にオーロラ")
    bot.wait_idle()

    assert bot.aws.requests("Converse", tool="report_image_check") == []
    assert bot.slack.uploaded_files() == []
    assert t("text_moderation_unavailable") in posted(bot)
    assert [a["outcome"] for a in bot.record()["attempts"]] == ["blocked"]


class TestGuardrail:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"guardrail_id": "gr-test", "guardrail_version": "3"})

    def test_guardrail_checks_the_japanese_text_before_translation(self, bot: BotHarness) -> None:
        bot.aws.push(
            "ApplyGuardrail",
            {
                "action": "GUARDRAIL_INTERVENED",
                "outputs": [{"text": "blocked"}],
                "assessments": [
                    {
                        "contentPolicy": {
                            "filters": [
                                {
                                    "type": "VIOLENCE",
                                    "confidence": "HIGH",
                                    "action": "BLOCKED",
                                    "detected": True,
                                }
                            ]
                        }
                    }
                ],
                "usage": {
                    "topicPolicyUnits": 0,
                    "contentPolicyUnits": 1,
                    "wordPolicyUnits": 0,
                    "sensitiveInformationPolicyUnits": 0,
                    "sensitiveInformationPolicyFreeUnits": 0,
                    "contextualGroundingPolicyUnits": 0,
                },
            },
        )

        bot.command("とても暴力的な場面")
        bot.wait_idle()

        [check] = bot.aws.requests("ApplyGuardrail")
        assert check.body["source"] == "INPUT"
        assert check.body["content"] == [{"text": {"text": "とても暴力的な場面"}}]
        assert "/guardrail/gr-test/version/3/apply" in check.path
        assert bot.aws.requests("Converse") == []  # stopped before translation
        assert t("moderation.guardrail") in posted(bot)


class TestBlurPolicy:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"image_policy": "Swimwear or Underwear=blur"})

    def test_blur_category_is_posted_blurred_with_a_note(self, bot: BotHarness) -> None:
        bot.aws.push(
            "DetectModerationLabels",
            {
                "ModerationLabels": [
                    {
                        "Name": "Swimwear or Underwear",
                        "ParentName": "",
                        "Confidence": 88.0,
                        "TaxonomyLevel": 1,
                    }
                ]
            },
        )

        bot.command("海辺で泳ぐ人たち")
        bot.wait_idle()

        [upload] = bot.slack.uploaded_files()
        assert "emulator-seed" not in png_info(upload.data)  # not the model's original bytes
        blocks = str(bot.result_messages()[0].params["blocks"])
        assert "ぼかして投稿しています" in blocks and "Swimwear or Underwear" in blocks
        keys = bot.archived_keys()
        assert any(k.endswith("r0-a01.png") for k in keys) and any(
            k.endswith("r0-a01-blurred.png") for k in keys
        )
        attempt = bot.record()["attempts"][0]
        assert attempt["policy_action"] == "blur" and attempt["policy_categories"] == [
            "Swimwear or Underwear"
        ]

    def test_block_categories_are_still_regenerated(self, bot: BotHarness) -> None:
        bot.aws.push(
            "DetectModerationLabels",
            {
                "ModerationLabels": [
                    {"Name": "Explicit", "ParentName": "", "Confidence": 95.0, "TaxonomyLevel": 1}
                ]
            },
        )

        response: Response = bot.command("海辺で泳ぐ人たち")
        bot.wait_idle()

        assert response.status == 200
        assert len(bot.aws.requests("InvokeModel")) == 2
        assert png_info(bot.slack.uploaded_files()[0].data)["emulator-call"] == "2"


VERIFY = "report_image_check"
REWRITE = "submit_revised_prompt"
MISSED = {"matches": False, "reason": "灯台が描かれていません。", "score": 20}


def test_a_rewritten_prompt_goes_through_comprehend_like_the_first(bot: BotHarness) -> None:
    bot.aws.push_tool_input(
        VERIFY, MISSED, MISSED, MISSED, {"matches": True, "reason": "良いです。", "score": 90}
    )
    bot.aws.push_tool_input(REWRITE, {"english_prompt": "a tall white lighthouse on a rocky cliff at dusk"})

    bot.command("a lighthouse at dusk")
    bot.wait_idle()

    texts = [r.body["TextSegments"][0]["Text"] for r in bot.aws.requests("DetectToxicContent")]
    assert texts == ["a lighthouse at dusk", "a tall white lighthouse on a rocky cliff at dusk"]
    layers = [d["layer"] for d in bot.record()["moderation"]]
    assert layers.count("toxicity") == 2 and "rules_rewrite" in layers


def test_a_rewritten_prompt_that_comprehend_flags_is_refused_and_its_images_never_shown(
    bot: BotHarness,
) -> None:
    bot.aws.push_tool_input(VERIFY, MISSED, MISSED, MISSED)
    bot.aws.push_tool_input(REWRITE, {"english_prompt": "a lighthouse and an angry mob"})
    clean = toxic("HARASSMENT_OR_ABUSE", 0.01)
    bot.aws.push("DetectToxicContent", clean, toxic("HARASSMENT_OR_ABUSE", 0.93))

    bot.command("a lighthouse at dusk")
    bot.wait_idle()

    assert bot.slack.uploaded_files() == []
    assert t("moderation.toxicity", category=t("category.HARASSMENT_OR_ABUSE")) in posted(bot)
    record = bot.record()
    assert record["status"] == "rejected"
    assert [d["flagged"] for d in record["moderation"] if d["layer"] == "toxicity"] == [False, True]
