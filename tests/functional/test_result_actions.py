"""What users do to a posted result: its buttons and reactions, end to end.

Signed requests go to the real app; the assertions read what Slack and Bedrock received
(the local Slack API server and the AWS emulator) and what the S3 archive holds.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PIL import Image

from bot.settings import Settings
from services.slack import ids
from services.slack.messages import t
from services.slack.notifier import RESULT_REACTIONS
from tests.conftest import BUCKET, BotHarness
from tests.functional.checked import tags
from tests.servers.aws_emulator import AwsEmulator, png_info
from tests.servers.slack_api import ApiCall, SlackApiServer

# English, so the request goes straight to the image model without a translation call.
PROMPT = "a lighthouse on a cliff at dawn, oil painting"
VERIFY = "report_image_check"
NOVA_CFG_DEFAULT = 6.5
NOVA_CFG_MAX = 10.0
NOVA_CFG_MIN = 1.1
UNKNOWN_JOB = "20261121T000000-00000000"

MakeBot = Callable[..., BotHarness]


@pytest.fixture
def make_bot(settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any) -> Iterator[MakeBot]:
    """A bot built from the test settings with some of them changed (one per test)."""
    made: list[BotHarness] = []

    def make(**update: Any) -> BotHarness:
        harness = BotHarness(settings.model_copy(update=update), slack_api, aws, s3)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()


# --- reading what happened ----------------------------------------------------------------------


def generate(bot: BotHarness, text: str = PROMPT) -> dict[str, Any]:
    """Run /imagine to the end and return the archived record of the posted result."""
    bot.command(text)
    bot.wait_idle()
    record = bot.record()
    assert record["status"] in {"accepted", "best_effort"}, record.get("error")
    assert record["posted_message_ts"] and record["posted_file_id"]
    return record


def result_message(bot: BotHarness, job_id: str) -> ApiCall:
    """The chat.postMessage that carries the result buttons of ``job_id``."""
    [message] = [
        call
        for call in bot.result_messages()
        if any(block.get("block_id") == f"result:{job_id}" for block in call.params["blocks"])
    ]
    return message


def action_ids(message: ApiCall) -> list[str]:
    return [
        element["action_id"]
        for block in message.params["blocks"]
        for element in block.get("elements", [])
        if "action_id" in element
    ]


def press(
    bot: BotHarness,
    action_id: str,
    record: dict[str, Any],
    *,
    user: str = "U0USER",
    value: str | None = None,
) -> str:
    """Click a button of the posted result as ``user``; the response_url the answer goes to."""
    url = bot.slack.response_url()
    if value is None:
        value = bot.button_value(action_id, result_message(bot, record["job_id"]))
    response = bot.click(
        action_id,
        value,
        message_ts=record["posted_message_ts"],
        thread_ts=record["slack"]["thread_ts"],
        user=user,
        response_url=url,
    )
    assert response.status == 200, response.body
    bot.wait_idle()
    return url


def answers(bot: BotHarness, url: str) -> list[dict[str, Any]]:
    """What was posted to one response_url."""
    return [call.params for call in bot.slack.calls("response_url") if call.params["_path"] in url]


def invokes(bot: BotHarness) -> list[dict[str, Any]]:
    return [request.body for request in bot.aws.requests("InvokeModel")]


def child_record(bot: BotHarness, trigger: str) -> dict[str, Any]:
    [record] = [r for r in bot.records() if r["trigger"] == trigger]
    return record


def record_of(bot: BotHarness, job_id: str) -> dict[str, Any]:
    [record] = [r for r in bot.records() if r["job_id"] == job_id]
    return record


def archived_image(bot: BotHarness, record: dict[str, Any], index: int) -> bytes:
    [attempt] = [a for a in record["attempts"] if a["index"] == index]
    return bytes(bot.s3.get_object(Bucket=BUCKET, Key=attempt["image_key"])["Body"].read())


def status_texts(bot: BotHarness, thread_ts: str) -> list[str]:
    """Status messages (no blocks) posted into a thread."""
    return [
        str(call.params["text"])
        for call in bot.slack.calls("chat.postMessage")
        if call.params.get("thread_ts") == thread_ts and not call.params.get("blocks")
    ]


def announces(bot: BotHarness, thread_ts: str, action: str, user: str = "U0USER") -> bool:
    expected = t("status.received_action", user=user, action=t(f"action.{action}"))
    return any(text.startswith(expected) for text in status_texts(bot, thread_ts))


def verify_answer(matches: bool) -> dict[str, Any]:
    block = {"matches": matches, "reason": "確認しました。", "score": 80 if matches else 20}
    return {
        "output": {
            "message": {
                "role": "assistant",
                "content": [{"toolUse": {"toolUseId": "t1", "name": VERIFY, "input": block}}],
            }
        },
        "stopReason": "tool_use",
        "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
        "metrics": {"latencyMs": 1},
    }


# --- 🔄 再生成 and 🎯 同じシード ------------------------------------------------------------------


def test_regenerate_runs_a_new_job_with_the_same_prompt_and_a_new_seed(bot: BotHarness) -> None:
    parent = generate(bot)
    thread = parent["slack"]["thread_ts"]

    press(bot, ids.ACTION_REGENERATE, parent)

    first, second = invokes(bot)
    assert second["taskType"] == "TEXT_IMAGE"
    assert second["textToImageParams"] == first["textToImageParams"]
    assert second["textToImageParams"]["text"] == PROMPT
    assert second["imageGenerationConfig"]["seed"] != first["imageGenerationConfig"]["seed"]
    assert second["imageGenerationConfig"]["cfgScale"] == first["imageGenerationConfig"]["cfgScale"]
    assert announces(bot, thread, "regenerate")
    child = child_record(bot, "regenerate")
    assert child["parent_job_id"] == parent["job_id"]
    assert child["seed"] == second["imageGenerationConfig"]["seed"]
    second_upload = bot.slack.uploaded_files()[1]
    assert second_upload.thread_ts == thread
    assert png_info(second_upload.data)["emulator-seed"] == str(child["seed"])


def test_same_seed_sends_the_seed_and_cfg_of_the_result(bot: BotHarness) -> None:
    parent = generate(bot)

    press(bot, ids.ACTION_SAME_SEED, parent)

    first, second = invokes(bot)
    assert second["imageGenerationConfig"]["seed"] == parent["seed"]
    assert second["imageGenerationConfig"]["seed"] == first["imageGenerationConfig"]["seed"]
    assert second["imageGenerationConfig"]["cfgScale"] == parent["cfg_scale"] == NOVA_CFG_DEFAULT
    assert second["textToImageParams"]["text"] == PROMPT
    assert announces(bot, parent["slack"]["thread_ts"], "same_seed")
    assert child_record(bot, "same_seed")["parent_job_id"] == parent["job_id"]


# --- ➕ cfg / ➖ cfg ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action_id", "trigger", "expected"),
    [
        (ids.ACTION_CFG_UP, "cfg_up", NOVA_CFG_DEFAULT + 2.0),
        (ids.ACTION_CFG_DOWN, "cfg_down", NOVA_CFG_DEFAULT - 2.0),
    ],
)
def test_cfg_buttons_step_by_the_configured_cfg_step(
    make_bot: MakeBot, action_id: str, trigger: str, expected: float
) -> None:
    bot = make_bot(cfg_step=2.0)
    parent = generate(bot)

    press(bot, action_id, parent)

    first, second = invokes(bot)
    assert first["imageGenerationConfig"]["cfgScale"] == NOVA_CFG_DEFAULT
    assert second["imageGenerationConfig"]["cfgScale"] == expected
    assert second["imageGenerationConfig"]["seed"] == first["imageGenerationConfig"]["seed"]
    assert second["textToImageParams"]["text"] == PROMPT
    assert announces(bot, parent["slack"]["thread_ts"], trigger)
    assert child_record(bot, trigger)["cfg_scale"] == expected


@pytest.mark.parametrize(
    ("action_id", "trigger", "start", "clamped", "refusal"),
    [
        pytest.param(ids.ACTION_CFG_UP, "cfg_up", 9.5, NOVA_CFG_MAX, ("cfg.at_max", "10"), id="up"),
        pytest.param(ids.ACTION_CFG_DOWN, "cfg_down", 2.0, NOVA_CFG_MIN, ("cfg.at_min", "1.1"), id="down"),
    ],
)
def test_cfg_is_clamped_to_the_model_range_and_a_step_past_it_is_refused(
    make_bot: MakeBot,
    *,
    action_id: str,
    trigger: str,
    start: float,
    clamped: float,
    refusal: tuple[str, str],
) -> None:
    bot = make_bot(cfg_step=2.0, default_cfg_scale=start)
    parent = generate(bot)
    assert invokes(bot)[0]["imageGenerationConfig"]["cfgScale"] == start

    press(bot, action_id, parent)

    assert invokes(bot)[1]["imageGenerationConfig"]["cfgScale"] == clamped
    child = child_record(bot, trigger)
    assert child["cfg_scale"] == clamped
    posts_before = len(bot.slack.calls("chat.postMessage"))
    records_before = len(bot.records())

    # The same button on the clamped result: nothing left to step.
    url = press(bot, action_id, child)

    key, shown = refusal
    assert [(a["text"], a["response_type"]) for a in answers(bot, url)] == [
        (t(key, value=shown), "ephemeral")
    ]
    assert len(invokes(bot)) == 2
    assert len(bot.slack.calls("chat.postMessage")) == posts_before  # no status message, no job
    assert len(bot.records()) == records_before


# --- 🎨 バリエーション ------------------------------------------------------------------------------


def test_variation_sends_the_posted_image_as_the_source(bot: BotHarness) -> None:
    parent = generate(bot)
    posted = archived_image(bot, parent, parent["chosen_attempt"])
    [source_attempt] = [a for a in parent["attempts"] if a["index"] == parent["chosen_attempt"]]

    press(bot, ids.ACTION_VARIATION, parent)

    second = invokes(bot)[1]
    assert second["taskType"] == "IMAGE_VARIATION"
    params = second["imageVariationParams"]
    assert [base64.b64decode(image) for image in params["images"]] == [posted]
    assert posted == bot.slack.uploaded_files()[0].data  # the very image the user saw
    assert params["text"] == PROMPT
    assert params["similarityStrength"] == bot.settings.variation_strength
    child = child_record(bot, "variation")
    assert child["parent_job_id"] == parent["job_id"]
    assert child["source_image_key"] == source_attempt["image_key"]
    assert announces(bot, parent["slack"]["thread_ts"], "variation")
    assert len(bot.slack.uploaded_files()) == 2


# --- 👍 採用 ---------------------------------------------------------------------------------------


def test_approve_marks_the_record_and_a_second_click_says_already(bot: BotHarness) -> None:
    parent = generate(bot)

    url = press(bot, ids.ACTION_APPROVE, parent, user="U0REVIEWER")

    assert [(a["text"], a["response_type"]) for a in answers(bot, url)] == [(t("approve.done"), "ephemeral")]
    record = record_of(bot, parent["job_id"])
    assert record["approved"] is True
    assert record["approved_by"] == "U0REVIEWER"
    assert record["approved_at"] and record["approved_at"] >= record["finished_at"]
    # Approval changes only the approval fields.
    unchanged = {k: v for k, v in record.items() if not k.startswith("approved")}
    assert unchanged == {k: v for k, v in parent.items() if not k.startswith("approved")}

    again = press(bot, ids.ACTION_APPROVE, parent, user="U0USER")

    assert [a["text"] for a in answers(bot, again)] == [t("approve.already")]
    assert record_of(bot, parent["job_id"])["approved_by"] == "U0REVIEWER"
    assert len(invokes(bot)) == 1


# --- 🗑 削除 ---------------------------------------------------------------------------------------


def assert_deleted_by(bot: BotHarness, parent: dict[str, Any], user: str, url: str) -> None:
    [delete] = bot.slack.calls("chat.delete")
    assert (delete.params["channel"], delete.params["ts"]) == ("C0CHAN", parent["posted_message_ts"])
    [upload] = bot.slack.uploaded_files()
    assert [c.params["file"] for c in bot.slack.calls("files.delete")] == [upload.file_id]
    assert upload.file_id == parent["posted_file_id"]
    assert [a["text"] for a in answers(bot, url)] == [t("delete.done")]
    record = record_of(bot, parent["job_id"])
    assert record["deleted_by"] == user and record["deleted_at"]
    # The audit trail keeps everything else, images included.
    kept = {k: v for k, v in record.items() if not k.startswith("deleted_")}
    assert kept == {k: v for k, v in parent.items() if not k.startswith("deleted_")}
    for attempt in record["attempts"]:
        assert bot.s3.head_object(Bucket=BUCKET, Key=attempt["image_key"])["ContentLength"] > 0


def test_delete_by_the_requester_removes_message_and_file_but_keeps_the_record(bot: BotHarness) -> None:
    parent = generate(bot)

    url = press(bot, ids.ACTION_DELETE, parent, user="U0USER")

    assert_deleted_by(bot, parent, "U0USER", url)


def test_delete_by_someone_else_is_refused_and_nothing_is_deleted(bot: BotHarness) -> None:
    parent = generate(bot)

    url = press(bot, ids.ACTION_DELETE, parent, user="U0OTHER")

    assert [(a["text"], a["response_type"]) for a in answers(bot, url)] == [
        (t("delete.forbidden"), "ephemeral")
    ]
    assert bot.slack.calls("chat.delete") == []
    assert bot.slack.calls("files.delete") == []
    record = record_of(bot, parent["job_id"])
    assert record["deleted_by"] is None and record["deleted_at"] is None
    assert record == parent


def test_delete_by_an_admin_is_allowed(make_bot: MakeBot) -> None:
    bot = make_bot(admin_users=["U0ADMIN"])
    parent = generate(bot)

    url = press(bot, ids.ACTION_DELETE, parent, user="U0ADMIN")

    assert_deleted_by(bot, parent, "U0ADMIN", url)


# --- 🖼 候補を見る and picking one -------------------------------------------------------------------


def candidates_job(bot: BotHarness) -> dict[str, Any]:
    """Run one parallel round of three and return its record once every candidate is settled."""
    bot.command(PROMPT)
    bot.wait_idle()
    parent = bot.wait_for_record(lambda r: all(a["outcome"] != "pending" for a in r["attempts"]))
    [invoke] = invokes(bot)
    assert invoke["imageGenerationConfig"]["numberOfImages"] == 3
    assert ids.ACTION_CANDIDATES in action_ids(result_message(bot, parent["job_id"]))
    return parent


def pick_values(bot: BotHarness) -> list[str]:
    """The values of the 「N を使う」 buttons under the (only) candidate grid."""
    [listing] = [
        call
        for call in bot.result_messages()
        if any(str(b.get("block_id", "")).startswith("pick:") for b in call.params["blocks"])
    ]
    return [
        block["accessory"]["value"]
        for block in listing.params["blocks"]
        if block.get("accessory", {}).get("action_id") == ids.ACTION_PICK
    ]


def test_candidates_grid_and_pick_posts_the_archived_candidate_without_generating(
    make_bot: MakeBot,
) -> None:
    bot = make_bot(candidates=3, max_rewrites=0)
    # Only the second image of the round matches: three safe candidates, one accepted.
    bot.aws.set_responder(
        f"Converse:{VERIFY}",
        lambda request: verify_answer(tags(bot, request.images()[0])["emulator-index"] == "1"),
    )
    parent = candidates_job(bot)
    assert sorted(a["outcome"] for a in parent["attempts"]) == [
        "accepted",
        "rejected_by_verifier",
        "rejected_by_verifier",
    ]
    thread = parent["slack"]["thread_ts"]

    url = press(bot, ids.ACTION_CANDIDATES, parent)

    assert answers(bot, url) == []  # nothing to complain about
    first_upload, grid = bot.slack.uploaded_files()
    assert grid.thread_ts == thread and grid.filename == f"{parent['job_id']}-candidates.png"
    with Image.open(io.BytesIO(grid.data)) as image:
        assert image.format == "PNG"
        assert image.size == (3 * 512 + 2 * 8, 512)  # three cells in a row
    assert pick_values(bot) == [f"{parent['job_id']}:{a['index']}" for a in parent["attempts"]]
    assert len(invokes(bot)) == 1

    chosen = parent["chosen_attempt"]
    other = next(a["index"] for a in parent["attempts"] if a["outcome"] == "rejected_by_verifier")
    assert other != chosen
    bot.click(
        ids.ACTION_PICK,
        f"{parent['job_id']}:{other}",
        message_ts="1700000999.000999",
        thread_ts=thread,
        response_url=bot.slack.response_url(),
    )
    bot.wait_idle()

    assert len(invokes(bot)) == 1  # an image already made costs no model call
    uploads = bot.slack.uploaded_files()
    assert len(uploads) == 3
    assert uploads[2].data == archived_image(bot, parent, other)
    assert uploads[2].data != first_upload.data
    assert uploads[2].thread_ts == thread
    pick = child_record(bot, "pick")
    assert pick["parent_job_id"] == parent["job_id"]
    assert pick["chosen_attempt"] == other
    assert pick["posted_file_id"] == uploads[2].file_id
    assert pick["english_prompt"] == parent["english_prompt"]
    posted = result_message(bot, pick["job_id"])
    assert posted.params["thread_ts"] == thread
    assert ids.ACTION_CANDIDATES not in action_ids(posted)
    assert bot.button_value(ids.ACTION_REGENERATE, posted) == f"{pick['job_id']}:{other}"
    assert announces(bot, thread, "pick")


def test_an_unsafe_candidate_is_neither_shown_nor_posted_when_picked(make_bot: MakeBot) -> None:
    bot = make_bot(candidates=3, max_rewrites=0)
    violence = {"Name": "Violence", "ParentName": "", "Confidence": 97.0, "TaxonomyLevel": 1}
    bot.aws.set_responder(
        "DetectModerationLabels",
        lambda request: {
            "ModerationLabels": [violence] if tags(bot, request.images()[0])["emulator-index"] == "0" else []
        },
    )
    parent = candidates_job(bot)
    [unsafe] = [a["index"] for a in parent["attempts"] if a["outcome"] == "unsafe"]
    safe = [a["index"] for a in parent["attempts"] if a["outcome"] != "unsafe"]
    assert len(safe) == 2

    press(bot, ids.ACTION_CANDIDATES, parent)

    _, grid = bot.slack.uploaded_files()
    with Image.open(io.BytesIO(grid.data)) as image:
        assert image.size == (2 * 512 + 8, 512)  # the unsafe one is left out
    assert pick_values(bot) == [f"{parent['job_id']}:{index}" for index in safe]

    # A forged pick of the unsafe candidate.
    url = bot.slack.response_url()
    bot.click(
        ids.ACTION_PICK,
        f"{parent['job_id']}:{unsafe}",
        message_ts="1700000999.000999",
        thread_ts=parent["slack"]["thread_ts"],
        response_url=url,
    )
    bot.wait_idle()

    assert [a["text"] for a in answers(bot, url)] == [t("pick.unavailable")]
    assert len(bot.slack.uploaded_files()) == 2
    assert [r["trigger"] for r in bot.records()] == ["command"]


@pytest.mark.parametrize(
    ("action_id", "field", "answer"),
    [
        pytest.param(ids.ACTION_APPROVE, "approved_by", "approve.done", id="approve"),
        pytest.param(ids.ACTION_DELETE, "deleted_by", "delete.done", id="delete"),
    ],
)
def test_approve_or_delete_while_sibling_candidates_still_run_is_kept(
    make_bot: MakeBot, action_id: str, field: str, answer: str
) -> None:
    bot = make_bot(candidates=3, max_rewrites=0)
    release = threading.Event()

    def verify(request: Any) -> dict[str, Any]:
        if tags(bot, request.images()[0])["emulator-index"] == "1":
            return verify_answer(True)
        release.wait(20)  # the siblings are still being checked when the user clicks
        return verify_answer(False)

    bot.aws.set_responder(f"Converse:{VERIFY}", verify)
    try:
        bot.command(PROMPT)
        assert bot.services.runner.wait_idle(15)  # posted; the stragglers are still blocked
        parent = bot.record()
        assert parent["posted_message_ts"] and not release.is_set()
        url = bot.slack.response_url()
        bot.click(
            action_id,
            bot.button_value(action_id, result_message(bot, parent["job_id"])),
            message_ts=parent["posted_message_ts"],
            thread_ts=parent["slack"]["thread_ts"],
            response_url=url,
        )
        assert bot.services.tasks.wait_idle(10)
        assert [a["text"] for a in answers(bot, url)] == [t(answer)]
        assert record_of(bot, parent["job_id"])[field] == "U0USER"  # saved at first...
    finally:
        release.set()
    bot.wait_idle()

    record = record_of(bot, parent["job_id"])
    assert all(a["outcome"] != "pending" for a in record["attempts"])
    assert record[field] == "U0USER"  # ...and still there once the siblings are done


# --- reactions -------------------------------------------------------------------------------------


def test_the_bot_offers_the_reaction_shortcuts_on_each_result(bot: BotHarness) -> None:
    parent = generate(bot)

    added = [
        (c.params["channel"], c.params["timestamp"], c.params["name"])
        for c in bot.slack.calls("reactions.add")
    ]
    assert added == [
        ("C0CHAN", parent["posted_message_ts"], name)
        for name in ("arrows_counterclockwise", "heavy_plus_sign", "heavy_minus_sign", "game_die")
    ]
    assert tuple(name for _, _, name in added) == RESULT_REACTIONS


def _new_seed(first: dict[str, Any], second: dict[str, Any], parent: dict[str, Any]) -> None:
    assert second["taskType"] == "TEXT_IMAGE"
    assert second["textToImageParams"]["text"] == PROMPT
    assert second["imageGenerationConfig"]["seed"] != first["imageGenerationConfig"]["seed"]


def _cfg(delta: float) -> Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], None]:
    def check(first: dict[str, Any], second: dict[str, Any], parent: dict[str, Any]) -> None:
        config = second["imageGenerationConfig"]
        assert config["cfgScale"] == first["imageGenerationConfig"]["cfgScale"] + delta
        assert config["seed"] == first["imageGenerationConfig"]["seed"]

    return check


def _variation(first: dict[str, Any], second: dict[str, Any], parent: dict[str, Any]) -> None:
    assert second["taskType"] == "IMAGE_VARIATION"
    assert second["imageVariationParams"]["text"] == PROMPT


@pytest.mark.parametrize(
    ("reaction", "trigger", "check"),
    [
        pytest.param("arrows_counterclockwise", "regenerate", _new_seed, id="regenerate"),
        pytest.param("heavy_plus_sign", "cfg_up", _cfg(+1.0), id="cfg_up"),
        pytest.param("heavy_minus_sign", "cfg_down", _cfg(-1.0), id="cfg_down"),
        pytest.param("game_die", "variation", _variation, id="variation"),
    ],
)
def test_a_reaction_on_the_result_does_what_its_button_does(
    bot: BotHarness,
    reaction: str,
    trigger: str,
    check: Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], None],
) -> None:
    parent = generate(bot)

    response = bot.react(reaction, ts=parent["posted_message_ts"], user="U0OTHER")
    bot.wait_idle()

    assert response.status == 200
    first, second = invokes(bot)
    check(first, second, parent)
    child = child_record(bot, trigger)
    assert child["parent_job_id"] == parent["job_id"]
    assert child["slack"]["user_id"] == "U0OTHER"
    # A reaction has no thread of its own: the answer goes into the result's thread.
    thread = parent["slack"]["thread_ts"]
    assert bot.slack.uploaded_files()[1].thread_ts == thread
    assert announces(bot, thread, trigger, user="U0OTHER")
    if trigger == "variation":
        assert base64.b64decode(second["imageVariationParams"]["images"][0]) == archived_image(
            bot, parent, parent["chosen_attempt"]
        )


def test_a_cfg_reaction_at_the_limit_is_answered_privately(make_bot: MakeBot) -> None:
    bot = make_bot(default_cfg_scale=NOVA_CFG_MAX)
    parent = generate(bot)
    posts = len(bot.slack.calls("chat.postMessage"))

    bot.react("heavy_plus_sign", ts=parent["posted_message_ts"], user="U0OTHER")
    bot.wait_idle()

    [whisper] = bot.slack.calls("chat.postEphemeral")
    assert (whisper.params["channel"], whisper.params["user"]) == ("C0CHAN", "U0OTHER")
    assert whisper.params["text"] == t("cfg.at_max", value="10")
    assert len(invokes(bot)) == 1
    assert len(bot.slack.calls("chat.postMessage")) == posts


@pytest.mark.parametrize("reaction", ["+1", "+1::skin-tone-2", "thumbsup"])
def test_thumbs_up_reaction_approves_the_result(bot: BotHarness, reaction: str) -> None:
    parent = generate(bot)

    bot.react(reaction, ts=parent["posted_message_ts"], user="U0REVIEWER")
    bot.wait_idle()

    record = record_of(bot, parent["job_id"])
    assert record["approved"] is True and record["approved_by"] == "U0REVIEWER" and record["approved_at"]
    [whisper] = bot.slack.calls("chat.postEphemeral")
    assert (whisper.params["channel"], whisper.params["user"]) == ("C0CHAN", "U0REVIEWER")
    assert whisper.params["text"] == t("approve.done")
    assert len(invokes(bot)) == 1


@pytest.mark.parametrize(
    ("reaction", "user", "on_result"),
    [
        pytest.param("arrows_counterclockwise", "U0BOT", True, id="the-bot-itself"),
        pytest.param("+1", "U0BOT", True, id="the-bot-itself-thumbs-up"),
        pytest.param("arrows_counterclockwise", "U0USER", False, id="unknown-message"),
        pytest.param("+1", "U0USER", False, id="unknown-message-thumbs-up"),
        pytest.param("tada", "U0USER", True, id="unknown-emoji"),
    ],
)
def test_reactions_that_are_not_requests_do_nothing(
    bot: BotHarness, reaction: str, user: str, on_result: bool
) -> None:
    parent = generate(bot)
    posts = len(bot.slack.calls("chat.postMessage"))
    ts = parent["posted_message_ts"] if on_result else "1699999999.000001"

    response = bot.react(reaction, ts=ts, user=user)
    bot.wait_idle()

    assert response.status == 200
    assert len(invokes(bot)) == 1
    assert len(bot.slack.calls("chat.postMessage")) == posts
    assert bot.slack.calls("chat.postEphemeral") == []
    assert len(bot.slack.uploaded_files()) == 1
    assert bot.records() == [parent]  # no new job, not approved


# --- tampered button values ------------------------------------------------------------------------

TAMPERED = [
    pytest.param("garbage", "button.invalid", id="garbage"),
    pytest.param(f"{UNKNOWN_JOB}:1", "job.not_found", id="unknown-job"),
    pytest.param(f"{UNKNOWN_JOB}:" + "9" * (2000 - len(UNKNOWN_JOB) - 1), "button.invalid", id="2000-chars"),
]


BUTTONS = (
    ids.ACTION_REGENERATE,
    ids.ACTION_SAME_SEED,
    ids.ACTION_CFG_UP,
    ids.ACTION_CFG_DOWN,
    ids.ACTION_VARIATION,
    ids.ACTION_PICK,
    ids.ACTION_APPROVE,
    ids.ACTION_DELETE,
    ids.ACTION_CANDIDATES,
)


@pytest.mark.parametrize(("value", "key"), TAMPERED)
def test_tampered_button_value_is_refused_politely_by_every_button(
    bot: BotHarness, value: str, key: str
) -> None:
    assert len(value) <= 2000  # Slack's limit for a button value
    urls = {action_id: bot.slack.response_url() for action_id in BUTTONS}

    statuses = {
        action_id: bot.click(
            action_id, value, message_ts="1700000999.000999", thread_ts=None, response_url=url
        ).status
        for action_id, url in urls.items()
    }
    bot.wait_idle()

    assert statuses == dict.fromkeys(BUTTONS, 200)
    told = {
        action_id: [(a["text"], a["response_type"]) for a in answers(bot, url)]
        for action_id, url in urls.items()
    }
    assert told == {action_id: [(t(key), "ephemeral")] for action_id in BUTTONS}
    assert bot.aws.requests() == []
    assert bot.slack.calls("chat.postMessage") == []
    assert bot.slack.uploaded_files() == []
    assert bot.archived_keys() == []
