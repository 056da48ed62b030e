"""A mention in a result's thread, routed by its one translation call, through Slack.

「左の人を消して」 changes one part of the posted image: it is edited in place (as ✏️ would, before
and after in the thread). 「もっと明るく」 changes the whole picture: a new image from the revised
prompt with the same seed. Either way the emulator's scripted refine answer decides, and the bot
makes exactly one Converse call for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.settings import Settings
from services.slack import ids
from services.slack.messages import t
from tests import slack_requests
from tests.conftest import BUCKET, BotHarness
from tests.servers.aws_emulator import AwsEmulator
from tests.servers.slack_api import SlackApiServer

TRANSLATE = "submit_image_prompt"
REFINE = "submit_revised_prompt"
PLAN = "submit_edit_plan"
VERIFY = "report_image_check"
NOVA = "amazon.nova-canvas-v1:0"
SD3 = "stability.sd3-5-large-v1:0"
SEARCH_REPLACE = "stability.stable-image-search-replace-v1:0"
THREAD = "1700000100.000100"
REPLY = "1700000200.000200"
AURORA = "夜の海にオーロラと人々"
AURORA_EN = "aurora over a night sea, two people watching from the shore"
ERASE = "左の人を消して"
BRIGHTER = "もっと明るく"
BRIGHTER_EN = "aurora over a night sea, two people watching from the shore, bright and luminous"
ERASED = {"matches": True, "reason": "左の人物が消えています。", "score": 90}


def translated(english: str, **extra: Any) -> dict[str, Any]:
    """The tool input of a translation (or refinement), as the model would give it."""
    return {"english_prompt": english, "safe": True, "category": "none", "requirements": [], **extra}


def first_result(bot: BotHarness) -> dict[str, Any]:
    """The result a mention in the channel makes; its record."""
    bot.aws.push_tool_input(TRANSLATE, translated(AURORA_EN))
    bot.mention(AURORA, ts=THREAD)
    bot.wait_idle()
    assert [u.thread_ts for u in bot.slack.uploaded_files()] == [THREAD]
    return bot.record()


def reply(bot: BotHarness, text: str) -> list[str]:
    """Mention the bot in the result's thread; the tools of the Converse calls that reply made."""
    before = len(bot.aws.requests("Converse"))
    assert bot.mention(text, ts=REPLY, thread_ts=THREAD).status == 200
    bot.wait_idle()
    return [str(call.tool) for call in bot.aws.requests("Converse")[before:]]


def only_record(bot: BotHarness, trigger: str) -> dict[str, Any]:
    matching = [r for r in bot.records() if r["trigger"] == trigger]
    assert len(matching) == 1, [r["trigger"] for r in bot.records()]
    return matching[0]


def elements(message: Any) -> list[dict[str, Any]]:
    return [element for block in message.params["blocks"] for element in block.get("elements", [])]


def test_a_local_change_edits_the_posted_image_and_posts_it_like_an_edit(bot: BotHarness) -> None:
    parent = first_result(bot)
    posted = bot.slack.uploaded_files()[0].data
    bot.aws.push_tool_input(
        REFINE,
        translated(
            "aurora over a night sea, one person watching from the shore",
            scope="local",
            operation="erase",
            region="the person on the left",
            new_content="",
        ),
    )
    bot.aws.push_tool_input(VERIFY, ERASED)

    tools = reply(bot, ERASE)

    # One call decided, and no second one planned the edit; the other call is the before/after check.
    assert tools == [REFINE, VERIFY]
    invoke = bot.aws.requests("InvokeModel")[-1]
    assert invoke.model_id == NOVA and invoke.body["taskType"] == "INPAINTING"
    assert invoke.body["inPaintingParams"]["maskPrompt"] == "the person on the left"
    assert "text" not in invoke.body["inPaintingParams"]  # erase: the region is filled from around it
    assert invoke.images()[0] == posted  # the image the thread shows
    assert len(bot.aws.requests("InvokeModel")) == 2  # no new text-to-image
    # The English of the plan is moderated; the output is checked before anyone sees it.
    [toxicity] = bot.aws.requests("DetectToxicContent")[1:]
    assert toxicity.body["TextSegments"] == [{"Text": "remove the person on the left"}]
    assert bot.aws.requests("DetectModerationLabels")[-1].received > invoke.received
    check = bot.aws.requests("Converse", tool=VERIFY)[-1]
    assert len(check.images()) == 2 and ERASE in check.body["messages"][0]["content"][-1]["text"]
    # In the thread, as ✏️ posts an edit: the image before, the edit's headline, 🔙 undo.
    uploads = bot.slack.uploaded_files()
    assert len(uploads) == 2 and uploads[1].thread_ts == THREAD and uploads[1].data != posted
    edited = bot.result_messages()[-1]
    assert edited.params["thread_ts"] == THREAD
    assert edited.params["blocks"][0]["type"] == "image"
    assert edited.params["blocks"][0]["slack_file"] == {"id": parent["posted_file_id"]}
    assert t("edit.done.edit", text=ERASE) in edited.params["blocks"][1]["text"]["text"]
    assert ids.ACTION_UNDO in {e.get("action_id") for e in elements(edited)}
    # One record for the mention, archived with its route and lineage.
    record = only_record(bot, "refine")
    assert record["routed"] == "local_edit"
    assert record["parent_job_id"] == parent["job_id"]
    assert record["source_image_key"] == parent["attempts"][0]["image_key"]
    assert record["source_file_id"] == parent["posted_file_id"]
    assert record["edit"] == {"action": "edit", "instruction": ERASE}
    assert record["edit_operation"] == "erase" and record["model_id"] == NOVA
    assert record["instruction"] == ERASE and record["status"] == "accepted"
    assert [d["layer"] for d in record["moderation"]] == [
        "rules",
        "classifier",
        "rules_translation",
        "toxicity",
    ]
    assert [call["kind"] for call in record["calls"] if call["kind"] == "translate"] == ["translate"]
    edited_key = record["attempts"][record["chosen_attempt"] - 1]["image_key"]
    assert bot.s3.get_object(Bucket=BUCKET, Key=edited_key)["Body"].read() == uploads[1].data


def test_undo_under_a_mentions_edit_posts_the_image_it_started_from(bot: BotHarness) -> None:
    first_result(bot)
    bot.aws.push_tool_input(
        REFINE,
        translated(AURORA_EN, scope="local", operation="recolor", region="the sea", new_content="a red sea"),
    )
    reply(bot, "海を赤に")
    edited = bot.result_messages()[-1]
    invokes = len(bot.aws.requests("InvokeModel"))

    body = slack_requests.action_body(
        ids.ACTION_UNDO, bot.button_value(ids.ACTION_UNDO, edited), message_ts="1700000999.000001",
        thread_ts=THREAD, response_url=bot.slack.response_url(),
    )  # fmt: skip
    assert bot.post(body, slack_requests.FORM).status == 200
    bot.wait_idle()

    assert len(bot.aws.requests("InvokeModel")) == invokes
    uploads = bot.slack.uploaded_files()
    assert len(uploads) == 3 and uploads[2].data == uploads[0].data and uploads[2].thread_ts == THREAD


def test_a_global_change_makes_a_new_image_with_the_revised_prompt_and_the_same_seed(bot: BotHarness) -> None:
    parent = first_result(bot)
    bot.aws.push_tool_input(REFINE, translated(BRIGHTER_EN, scope="global"))

    tools = reply(bot, BRIGHTER)

    assert tools == [REFINE, VERIFY]
    invoke = bot.aws.requests("InvokeModel")[-1]
    assert invoke.body["taskType"] == "TEXT_IMAGE"
    assert invoke.body["textToImageParams"]["text"] == BRIGHTER_EN
    assert invoke.body["imageGenerationConfig"]["seed"] == parent["seed"]
    assert not [r for r in bot.aws.requests("InvokeModel") if r.body.get("taskType") == "INPAINTING"]
    assert bot.slack.uploaded_files()[1].thread_ts == THREAD
    record = only_record(bot, "refine")
    assert record["routed"] == "global" and record["edit"] is None
    assert record["english_prompt"] == BRIGHTER_EN and record["seed"] == parent["seed"]
    assert record["parent_job_id"] == parent["job_id"]


def test_a_local_change_the_model_calls_unsafe_is_refused_before_any_image_model(bot: BotHarness) -> None:
    first_result(bot)
    bot.aws.push_tool_input(
        REFINE,
        translated(AURORA_EN, safe=False, category="sexual", scope="local", operation="inpaint",
                   region="the person on the left", new_content="the person undressed"),
    )  # fmt: skip

    tools = reply(bot, "左の人の服を脱がせて")

    assert tools == [REFINE]
    assert len(bot.aws.requests("InvokeModel")) == 1 and len(bot.slack.uploaded_files()) == 1
    texts = [str(call.params.get("text", "")) for call in bot.slack.calls("chat.postMessage")]
    assert t("moderation.classifier", category=t("category.sexual")) in texts
    record = only_record(bot, "refine")
    assert record["status"] == "rejected" and record["error"]["layer"] == "classifier"


@pytest.fixture
def sd3_bot(settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any) -> Iterator[BotHarness]:
    """Results made by SD3.5 Large, which cannot edit a region itself."""
    harness = BotHarness(settings.model_copy(update={"image_model_id": SD3}), slack_api, aws, s3)
    yield harness
    harness.close()


@pytest.fixture
def sd3_search_bot(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> Iterator[BotHarness]:
    """SD3.5 Large results, and Search and Replace configured for inpainting by words."""
    update = {"image_model_id": SD3, "edit_model_inpaint": SEARCH_REPLACE}
    harness = BotHarness(settings.model_copy(update=update), slack_api, aws, s3)
    yield harness
    harness.close()


def test_where_no_model_can_edit_the_result_a_mention_is_todays_refine(sd3_bot: BotHarness) -> None:
    parent = first_result(sd3_bot)
    sd3_bot.aws.push_tool_input(TRANSLATE, translated("aurora over a night sea, one person on the shore"))

    tools = reply(sd3_bot, ERASE)

    assert tools == [TRANSLATE, VERIFY]  # today's tool, no scope asked for
    invoke = sd3_bot.aws.requests("InvokeModel")[-1]
    assert (
        invoke.model_id == SD3 and invoke.body["prompt"] == "aurora over a night sea, one person on the shore"
    )
    assert invoke.body["seed"] == parent["seed"]
    assert only_record(sd3_bot, "refine")["routed"] == "global"


def test_a_configured_edit_model_does_the_local_change_the_image_model_cannot(
    sd3_search_bot: BotHarness,
) -> None:
    bot = sd3_search_bot
    first_result(bot)
    posted = bot.slack.uploaded_files()[0].data
    bot.aws.push_tool_input(
        REFINE,
        translated(AURORA_EN + ", starry sky", scope="local", operation="inpaint", region="the sky",
                   new_content="a starry night sky"),
    )  # fmt: skip

    tools = reply(bot, "空を星空に変えて")

    assert tools == [REFINE, VERIFY]
    refine = bot.aws.requests("Converse", tool=REFINE)[0]
    [spec] = [tool["toolSpec"] for tool in refine.body["toolConfig"]["tools"]]
    assert spec["inputSchema"]["json"]["properties"]["operation"]["enum"] == ["inpaint"]
    invoke = bot.aws.requests("InvokeModel")[-1]
    assert invoke.model_id == SEARCH_REPLACE
    assert invoke.body["search_prompt"] == "the sky" and invoke.body["prompt"] == "a starry night sky"
    assert invoke.images()[0] == posted
    record = only_record(bot, "refine")
    assert record["routed"] == "local_edit" and record["model_id"] == SEARCH_REPLACE
    assert record["edit_operation"] == "inpaint"
    assert len(bot.slack.uploaded_files()) == 2
