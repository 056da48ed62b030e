"""The form's photo field and its use (services/slack/views/photo_fields.py, via form.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from services.core.inputs import SourceFile
from services.core.job import PHOTO_MODES, PhotoMode
from services.core.text import Language
from services.slack.views import (
    BLOCK_PHOTO,
    BLOCK_PHOTO_MODE,
    BLOCK_PROMPT,
    BLOCK_TEXT,
    NO_CHOICE,
    FormDefaults,
    FormErrors,
    build_imagine_form,
    read_imagine_form,
)
from tests.blockkit import check_view
from tests.services.slack.views.choices import LANGS, MODELS, SIZES, STYLES, option_values
from tests.slack_requests import file_input_state


def _form(modes: tuple[PhotoMode, ...], **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "models": MODELS,
        "styles": STYLES,
        "sizes": SIZES,
        "cfg_range": (1.1, 10.0),
        "private_metadata": '{"channel": "C0CHAN"}',
        "photo_modes": modes,
    }
    kwargs.update(overrides)
    return build_imagine_form(FormDefaults(), **kwargs)


def _blocks(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block for block in view["blocks"]}


# --- building ---------------------------------------------------------------------------------------


def test_the_photo_field_takes_one_image_under_the_words() -> None:
    view = _form(("variation", "restyle"))
    order = [block["block_id"] for block in view["blocks"]]

    assert order[:4] == [BLOCK_TEXT, BLOCK_PHOTO, BLOCK_PHOTO_MODE, BLOCK_PROMPT]
    photo = _blocks(view)[BLOCK_PHOTO]
    assert photo["optional"] is True
    assert photo["label"]["text"] == "写真（任意）"
    assert photo["element"] == {
        "type": "file_input",
        "action_id": BLOCK_PHOTO,
        "filetypes": ["png", "jpg", "jpeg", "webp", "gif"],
        "max_files": 1,
    }
    check_view(view)


def test_the_use_offers_automatic_and_only_the_modes_given() -> None:
    mode = _blocks(_form(("variation", "restyle")))[BLOCK_PHOTO_MODE]

    assert mode["label"]["text"] == "写真の使い方"
    assert mode["optional"] is True
    element = mode["element"]
    assert element["type"] == "static_select"
    assert option_values(element) == [NO_CHOICE, "variation", "restyle"]
    assert [option["text"]["text"] for option in element["options"]] == [
        "自動（ことばから選ぶ）",
        "少し変える",
        "画風を変える",
    ]
    assert element["initial_option"]["value"] == NO_CHOICE  # automatic unless chosen


def test_every_mode_has_its_japanese_label() -> None:
    element = _blocks(_form(PHOTO_MODES))[BLOCK_PHOTO_MODE]["element"]

    labels = {option["value"]: option["text"]["text"] for option in element["options"]}
    assert labels == {
        NO_CHOICE: "自動（ことばから選ぶ）",
        "variation": "少し変える",
        "restyle": "画風を変える",
        "layout": "構図を保つ",
        "style_reference": "スタイルを参考にする",
    }


def test_english_labels() -> None:
    blocks = _blocks(_form(PHOTO_MODES, lang="en"))

    assert blocks[BLOCK_PHOTO]["label"]["text"] == "Photo (optional)"
    assert blocks[BLOCK_PHOTO_MODE]["label"]["text"] == "How to use the photo"
    assert [option["text"]["text"] for option in blocks[BLOCK_PHOTO_MODE]["element"]["options"]] == [
        "Automatic (from your words)",
        "Change it slightly",
        "Change its style",
        "Keep its composition",
        "Use it as a style reference",
    ]


def test_no_photo_fields_when_the_model_can_do_nothing_with_a_photo() -> None:
    blocks = _blocks(_form(()))

    assert BLOCK_PHOTO not in blocks
    assert BLOCK_PHOTO_MODE not in blocks


def test_the_adjust_form_says_the_photo_replaces_the_result() -> None:
    new = _blocks(_form(("variation",)))[BLOCK_PHOTO]["hint"]["text"]
    adjust = _blocks(_form(("variation",), title_key="form.title.adjust"))[BLOCK_PHOTO]["hint"]["text"]

    assert "PNG・JPEG・WebP・GIF" in new
    assert "この画像ではなく" in adjust


@pytest.mark.parametrize("lang", LANGS)
def test_the_form_with_every_mode_is_valid(lang: Language) -> None:
    for title_key in ("form.title.new", "form.title.adjust"):
        check_view(_form(PHOTO_MODES, lang=lang, title_key=title_key))


# --- reading ----------------------------------------------------------------------------------------

# A file object as Slack puts it in a file_input's state (the shape of a mention's ``files``).
FILE: dict[str, Any] = {
    "id": "F0123456789",
    "name": "IMG_0001.jpg",
    "title": "IMG_0001.jpg",
    "mimetype": "image/jpeg",
    "filetype": "jpg",
    "size": 482_113,
    "original_w": 1200,
    "original_h": 900,
    "url_private": "https://files.slack.com/files-pri/T0TEST-F0123456789/img_0001.jpg",
    "url_private_download": "https://files.slack.com/files-pri/T0TEST-F0123456789/download/img_0001.jpg",
    "permalink": "https://test.slack.com/files/U0USER/F0123456789/img_0001.jpg",
}


def _values(
    *, text: str | None = "水彩画風に", files: list[dict[str, Any]] | None = None, mode: str | None = None
) -> dict[str, dict[str, Any]]:
    selected = None if mode is None else {"text": {"type": "plain_text", "text": mode}, "value": mode}
    return {
        BLOCK_TEXT: {BLOCK_TEXT: {"type": "plain_text_input", "value": text}},
        BLOCK_PROMPT: {BLOCK_PROMPT: {"type": "plain_text_input", "value": None}},
        BLOCK_PHOTO: {BLOCK_PHOTO: file_input_state(*(files or []))},
        BLOCK_PHOTO_MODE: {BLOCK_PHOTO_MODE: {"type": "static_select", "selected_option": selected}},
    }


def _errors(values: dict[str, dict[str, Any]], lang: Language = "ja") -> dict[str, str]:
    with pytest.raises(FormErrors) as caught:
        read_imagine_form(values, lang)
    return caught.value.errors


def test_a_submitted_photo_is_read_as_the_file_slack_declares() -> None:
    form = read_imagine_form(_values(files=[FILE], mode="restyle"))

    assert form.photo == SourceFile(
        id="F0123456789",
        name="IMG_0001.jpg",
        mimetype="image/jpeg",
        size=482_113,
        url=FILE["url_private_download"],
        width=1200,
        height=900,
    )
    assert form.photo_mode == "restyle"
    assert form.text == "水彩画風に"


def test_automatic_and_no_photo_read_as_none() -> None:
    form = read_imagine_form(_values(mode=NO_CHOICE))

    assert (form.photo, form.photo_mode) == (None, None)


def test_a_form_without_photo_blocks_reads_as_before() -> None:
    values = _values()
    del values[BLOCK_PHOTO], values[BLOCK_PHOTO_MODE]

    assert read_imagine_form(values).photo is None


def test_a_photo_without_words_asks_how_to_change_it() -> None:
    assert _errors(_values(text=None, files=[FILE])) == {
        BLOCK_TEXT: "写真をどう変えたいかを書いてください（例：水彩画風に）。"
    }


def test_a_file_without_a_download_url_is_an_error_on_the_photo_field() -> None:
    broken = {key: value for key, value in FILE.items() if not key.startswith("url_")}

    assert _errors(_values(files=[broken])) == {
        BLOCK_PHOTO: "写真を読み込めませんでした。もう一度添付してください。"
    }


def test_a_malformed_file_id_is_an_error_on_the_photo_field() -> None:
    assert list(_errors(_values(files=[{**FILE, "id": "../../etc"}]))) == [BLOCK_PHOTO]


def test_an_unknown_mode_is_an_error_on_its_field() -> None:
    assert list(_errors(_values(files=[FILE], mode="melt"))) == [BLOCK_PHOTO_MODE]


def test_reading_does_not_change_the_payload() -> None:
    values = _values(files=[FILE], mode="layout")
    before = copy.deepcopy(values)

    read_imagine_form(values)

    assert values == before
