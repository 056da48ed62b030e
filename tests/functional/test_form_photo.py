"""A photo given in the /imagine and ⚙️ 調整 forms (Slack's file_input), with how to use it.

The real app over signed HTTP: the form is opened through views.open on the local Slack server
(which refuses file_input fields Slack would refuse), submitted as Slack sends a view_submission
with the uploaded file's object in the file_input's state, and the job is followed to Rekognition,
the image model and the archive.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from PIL import Image

from services.slack import ids
from services.slack.views import BLOCK_PHOTO, BLOCK_PHOTO_MODE, BLOCK_PROMPT, BLOCK_TEXT, NO_CHOICE
from tests.conftest import BotHarness
from tests.servers.aws_emulator import AwsEmulator
from tests.servers.slack_api import SlackApiServer
from tests.servers.slack_views import view_problems
from tests.slack_requests import file_input_state

TRANSLATE = "submit_image_prompt"
VERIFY = "report_image_check"
WATERCOLOR = "水彩画風に"
WATERCOLOR_EN = "the same scene as a soft watercolor painting"


def _photo(size: tuple[int, int] = (1200, 900)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (40, 90, 160))
    image.paste((230, 200, 40), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    image.save(out, "JPEG")
    return out.getvalue()


def _opened_form(bot: BotHarness) -> dict[str, Any]:
    """/imagine with no text; the view the server accepted."""
    bot.command("")
    [opened] = bot.slack.calls("views.open")
    view = dict(opened.params["view"])
    assert view_problems(view)[0] == []  # what the server answered: accepted, not invalid_arguments
    return view


def _element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    [block] = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return dict(block["element"])


def _state(
    *,
    text: str | None = WATERCOLOR,
    prompt: str | None = None,
    files: list[dict[str, Any]] | None = None,
    mode: str | None = None,
) -> dict[str, dict[str, Any]]:
    """view.state.values of the form as Slack sends it."""
    selected = None if mode is None else {"text": {"type": "plain_text", "text": mode}, "value": mode}
    return {
        BLOCK_TEXT: {BLOCK_TEXT: {"type": "plain_text_input", "value": text}},
        BLOCK_PROMPT: {BLOCK_PROMPT: {"type": "plain_text_input", "value": prompt}},
        BLOCK_PHOTO: {BLOCK_PHOTO: file_input_state(*(files or []))},
        BLOCK_PHOTO_MODE: {BLOCK_PHOTO_MODE: {"type": "static_select", "selected_option": selected}},
    }


def _replies(bot: BotHarness) -> list[str]:
    return [str(c.params.get("text", "")) for c in bot.slack.calls("chat.postMessage")]


def _moderated_before_any_model(bot: BotHarness) -> None:
    ops = [r.op for r in bot.aws.requests()]
    assert "DetectModerationLabels" in ops and "InvokeModel" in ops
    assert ops.index("DetectModerationLabels") < ops.index("InvokeModel")
    assert ops.index("DetectModerationLabels") < ops.index("Converse")  # not even translated before


# --- the form offers it --------------------------------------------------------------------------------


def test_the_form_offers_one_photo_and_the_uses_the_model_can_do(bot: BotHarness) -> None:
    view = _opened_form(bot)

    photo = _element(view, BLOCK_PHOTO)
    assert (photo["type"], photo["max_files"]) == ("file_input", 1)
    assert photo["filetypes"] == ["png", "jpg", "jpeg", "webp", "gif"]
    mode = _element(view, BLOCK_PHOTO_MODE)
    # Nova Canvas varies, restyles and keeps a layout itself; no style-reference model is set.
    assert [o["value"] for o in mode["options"]] == [NO_CHOICE, "variation", "restyle", "layout"]
    assert [o["text"]["text"] for o in mode["options"]] == [
        "自動（ことばから選ぶ）",
        "少し変える",
        "画風を変える",
        "構図を保つ",
    ]


def test_a_style_reference_model_adds_its_use(
    settings: Any, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any
) -> None:
    configured = settings.model_copy(
        update={"edit_model_style_reference": "stability.stable-image-style-guide-v1:0"}
    )
    bot = BotHarness(configured, slack_api, aws, s3)
    try:
        mode = _element(_opened_form(bot), BLOCK_PHOTO_MODE)
    finally:
        bot.close()

    assert [o["value"] for o in mode["options"]][-1] == "style_reference"
    assert mode["options"][-1]["text"]["text"] == "スタイルを参考にする"


# --- a photo in the /imagine form -------------------------------------------------------------------------


def test_a_photo_restyled_as_watercolour_is_moderated_before_any_model(bot: BotHarness) -> None:
    view = _opened_form(bot)
    shared = bot.slack.add_file(_photo(), "IMG_0001.jpg", "image/jpeg")
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": WATERCOLOR_EN})
    bot.aws.push_tool_input(VERIFY, {"matches": True, "reason": "水彩画風になっています。", "score": 90})

    response = bot.submit_form(_state(files=[shared], mode="restyle"), view["private_metadata"])
    bot.wait_idle()

    assert response.status == 200 and response.body == ""  # the modal closes
    [download] = bot.slack.file_requests()
    assert download.authorization == f"Bearer {bot.settings.slack_bot_token.get_secret_value()}"  # type: ignore[union-attr]
    _moderated_before_any_model(bot)
    [invoke] = bot.aws.requests("InvokeModel")
    # 画風を変える on Nova Canvas: image to image is its IMAGE_VARIATION, further from the photo.
    assert invoke.body["taskType"] == "IMAGE_VARIATION"
    assert invoke.body["imageVariationParams"]["similarityStrength"] == 0.5
    [source] = invoke.images()
    with Image.open(io.BytesIO(source)) as sent:
        # The photo upright, fitted to the model's multiples of 16 by cutting a few pixels, never stretched.
        assert abs(sent.width / sent.height - 1200 / 900) < 0.01
    [upload] = bot.slack.uploaded_files()
    assert upload.channel_id == "C0CHAN"
    record = bot.record()
    assert record["trigger"] == "modal"
    assert record["photo_mode"] == "restyle"
    assert record["source_file_id"] == shared["id"]
    assert record["source_image_key"].endswith("/source.png")
    assert record["moderation"][0]["layer"] == "image_input"
    assert record["moderation"][0]["flagged"] is False


def test_automatic_use_leaves_the_choice_to_the_words(bot: BotHarness) -> None:
    view = _opened_form(bot)
    shared = bot.slack.add_file(_photo(), "photo.png", "image/png")
    bot.aws.push_tool_input(
        TRANSLATE, {"english_prompt": WATERCOLOR_EN, "photo_mode": "layout", "similarity": "medium"}
    )

    bot.submit_form(_state(files=[shared], mode=NO_CHOICE), view["private_metadata"])
    bot.wait_idle()

    _moderated_before_any_model(bot)
    assert len(bot.slack.uploaded_files()) == 1
    record = bot.record()
    assert (record["photo_mode_asked"], record["photo_mode"]) == ("layout", "layout")  # the words chose
    [invoke] = bot.aws.requests("InvokeModel")
    assert invoke.body["textToImageParams"]["controlMode"] == "CANNY_EDGE"


def test_an_unsafe_photo_is_refused_and_no_model_call_carries_it(bot: BotHarness) -> None:
    view = _opened_form(bot)
    shared = bot.slack.add_file(_photo(), "photo.jpg", "image/jpeg")
    bot.aws.push(
        "DetectModerationLabels",
        {
            "ModerationLabels": [
                {"Name": "Explicit", "ParentName": "", "Confidence": 97.0, "TaxonomyLevel": 1}
            ]
        },
    )

    response = bot.submit_form(_state(files=[shared], mode="restyle"), view["private_metadata"])
    bot.wait_idle()

    assert response.status == 200
    assert bot.aws.requests("InvokeModel") == []
    assert bot.aws.requests("Converse") == []  # not even translated
    assert bot.slack.uploaded_files() == []
    assert any("添付の写真の安全確認" in text for text in _replies(bot))
    record = bot.record()
    assert record["status"] == "rejected"
    assert record["source_image_key"] is None  # never offered as a source
    assert record["moderation"][0]["flagged"] is True


@pytest.mark.parametrize(
    ("file", "state", "errors"),
    [
        (
            (b"%PDF-1.7\n...", "report.pdf", "application/pdf"),
            {"mode": "restyle"},
            {
                BLOCK_PHOTO: "🙇 添付ファイル（report.pdf）を画像として読み込めませんでした。"
                "PNG・JPEG・WebP・GIF の画像を添付して、もう一度お試しください。"
            },
        ),
        (
            (b"", "photo.jpg", "image/jpeg"),
            {"text": None},
            {BLOCK_TEXT: "写真をどう変えたいかを書いてください（例：水彩画風に）。"},
        ),
        (
            None,
            {"mode": "restyle"},
            {BLOCK_PHOTO: "「写真の使い方」を選んだときは、ここに写真を添えてください。"},
        ),
        (
            (b"", "photo.jpg", "image/jpeg"),
            {"mode": "style_reference"},
            {
                BLOCK_PHOTO_MODE: "選んだ画像モデルでは、この使い方ができません。"
                "別の使い方かモデルを選んでください。"
            },
        ),
    ],
    ids=["pdf", "photo-without-words", "use-without-photo", "use-the-model-cannot-do"],
)
def test_what_cannot_be_used_is_said_under_its_field_in_japanese(
    bot: BotHarness, file: tuple[bytes, str, str] | None, state: dict[str, Any], errors: dict[str, str]
) -> None:
    view = _opened_form(bot)
    files = []
    if file is not None:
        data, name, mimetype = file
        files = [bot.slack.add_file(data or _photo(), name, mimetype)]

    response = bot.submit_form(_state(files=files, **state), view["private_metadata"])
    bot.wait_idle()

    assert response.status == 200
    assert json.loads(response.body) == {"response_action": "errors", "errors": errors}
    assert bot.slack.file_requests() == []  # refused before any download
    assert bot.aws.requests() == []
    assert bot.slack.calls("chat.postMessage") == []


# --- a photo in the ⚙️ 調整 form ---------------------------------------------------------------------------


def test_a_photo_in_the_adjust_form_starts_from_the_photo_instead_of_the_result(bot: BotHarness) -> None:
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": "aurora over a night sea"})
    bot.command("夜の海にオーロラ")
    bot.wait_idle()
    first = bot.record()
    thread = bot.result_messages()[0].params["thread_ts"]
    bot.click(ids.ACTION_ADJUST, bot.button_value(ids.ACTION_ADJUST), message_ts="1.1", thread_ts=thread)
    [opened] = bot.slack.calls("views.open")
    view = opened.params["view"]
    assert _element(view, BLOCK_PHOTO)["type"] == "file_input"
    shared = bot.slack.add_file(_photo((900, 1200)), "portrait.jpg", "image/jpeg")
    bot.aws.push_tool_input(TRANSLATE, {"english_prompt": "the portrait photo with an aurora sky"})

    bot.submit_form(
        _state(text="夜の海にオーロラ", prompt="aurora over a night sea", files=[shared], mode="layout"),
        view["private_metadata"],
    )
    bot.wait_idle()

    invokes = bot.aws.requests("InvokeModel")
    assert len(invokes) == 2
    [source] = invokes[1].images()
    with Image.open(io.BytesIO(source)) as sent:
        assert abs(sent.width / sent.height - 900 / 1200) < 0.01  # the photo, not the square result
    # The words are translated anew for the photo, after Rekognition has seen it.
    assert len(bot.aws.requests("Converse", tool=TRANSLATE)) == 2
    later = [r.op for r in bot.aws.requests()][[r.op for r in bot.aws.requests()].index("InvokeModel") + 1 :]
    assert later.index("DetectModerationLabels") < later.index("InvokeModel")
    uploads = bot.slack.uploaded_files()
    assert len(uploads) == 2 and uploads[1].thread_ts == thread
    [adjusted] = [r for r in bot.records() if r["trigger"] == "adjust"]
    assert adjusted["parent_job_id"] == first["job_id"]
    assert adjusted["photo_mode"] == "layout"
    assert adjusted["source_file_id"] == shared["id"]
    assert adjusted["english_prompt"] == "the portrait photo with an aurora sky"
