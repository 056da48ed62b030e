"""The /imagine and ⚙️ 調整 form (services/slack/views/form.py): building it, reading it back."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from services.core.text import Language
from services.intake import FormInput
from services.slack import ids
from services.slack.views import (
    BLOCK_CFG,
    BLOCK_MODEL,
    BLOCK_NEGATIVE,
    BLOCK_PROMPT,
    BLOCK_SEED,
    BLOCK_SIZE,
    BLOCK_STYLE,
    BLOCK_TEXT,
    NO_CHOICE,
    Choice,
    FormDefaults,
    FormErrors,
    build_imagine_form,
    read_choice,
    read_imagine_form,
)
from tests.services.slack.views.choices import LANGS, MODELS, SIZES, STYLES, option_values


def _form(defaults: FormDefaults | None = None, **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "models": MODELS,
        "styles": STYLES,
        "sizes": SIZES,
        "cfg_range": (1.1, 10.0),
        "private_metadata": '{"channel_id": "C0CHAN"}',
    }
    kwargs.update(overrides)
    return build_imagine_form(defaults or FormDefaults(), **kwargs)


def _blocks_by_id(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block for block in view["blocks"] if "block_id" in block}


# --- build_imagine_form ------------------------------------------------------------------------------


def test_form_is_a_modal_with_every_field_in_order() -> None:
    view = _form()

    assert view["type"] == "modal"
    assert view["callback_id"] == ids.VIEW_IMAGINE
    assert view["title"]["text"] == "画像を作成"
    assert view["submit"]["text"] == "作成する"
    assert view["close"]["text"] == "キャンセル"
    assert view["private_metadata"] == '{"channel_id": "C0CHAN"}'
    assert [block["block_id"] for block in view["blocks"]] == [
        BLOCK_TEXT,
        BLOCK_PROMPT,
        BLOCK_NEGATIVE,
        BLOCK_CFG,
        BLOCK_SEED,
        BLOCK_SIZE,
        BLOCK_STYLE,
        BLOCK_MODEL,
    ]
    for block in view["blocks"]:
        assert block["type"] == "input"
        assert block["optional"] is True
        assert block["element"]["action_id"] == block["block_id"]


def test_form_elements_have_the_right_types_and_bounds() -> None:
    blocks = _blocks_by_id(_form())

    text = blocks[BLOCK_TEXT]["element"]
    assert text["type"] == "plain_text_input"
    assert text["multiline"] is True
    assert text["max_length"] == 1000
    assert blocks[BLOCK_PROMPT]["element"]["multiline"] is True
    # All a Slack plain-text input holds, so ⚙️ 調整 can show a whole prompt.
    assert blocks[BLOCK_PROMPT]["element"]["max_length"] == 3000
    assert blocks[BLOCK_NEGATIVE]["label"]["text"] == "入れたくないもの"
    assert blocks[BLOCK_NEGATIVE]["element"]["max_length"] == 300
    cfg = blocks[BLOCK_CFG]["element"]
    assert cfg["type"] == "number_input"
    assert cfg["is_decimal_allowed"] is True
    assert (cfg["min_value"], cfg["max_value"]) == ("1.1", "10")
    assert "1.1〜10" in blocks[BLOCK_CFG]["hint"]["text"]
    seed = blocks[BLOCK_SEED]["element"]
    assert seed["type"] == "number_input"
    assert seed["is_decimal_allowed"] is False
    assert (seed["min_value"], seed["max_value"]) == ("0", "4294967295")
    assert "ランダム" in blocks[BLOCK_SEED]["hint"]["text"]
    assert "翻訳" in blocks[BLOCK_PROMPT]["hint"]["text"]
    assert option_values(blocks[BLOCK_SIZE]["element"]) == ["1024x1024", "16:9"]
    assert option_values(blocks[BLOCK_STYLE]["element"]) == [NO_CHOICE, "photo", "watercolor"]
    assert blocks[BLOCK_STYLE]["element"]["options"][0]["text"]["text"] == "指定なし"
    assert option_values(blocks[BLOCK_MODEL]["element"]) == ["nova", "titan"]


def test_empty_form_has_no_initial_values_except_style_none() -> None:
    blocks = _blocks_by_id(_form())

    for block_id in (BLOCK_TEXT, BLOCK_PROMPT, BLOCK_NEGATIVE, BLOCK_CFG, BLOCK_SEED):
        assert "initial_value" not in blocks[block_id]["element"], block_id
    assert "initial_option" not in blocks[BLOCK_SIZE]["element"]
    assert "initial_option" not in blocks[BLOCK_MODEL]["element"]
    assert blocks[BLOCK_STYLE]["element"]["initial_option"]["value"] == NO_CHOICE


def test_form_is_prefilled_from_defaults() -> None:
    defaults = FormDefaults(
        text="屋根の上の猫",
        english_prompt="a cat on a roof",
        negative="人物",
        cfg_scale=6.5,
        seed=1234,
        size="16:9",
        style="watercolor",
        model="titan",
    )

    blocks = _blocks_by_id(_form(defaults, title_key="form.title.adjust"))

    assert blocks[BLOCK_TEXT]["element"]["initial_value"] == "屋根の上の猫"
    assert blocks[BLOCK_PROMPT]["element"]["initial_value"] == "a cat on a roof"
    assert blocks[BLOCK_NEGATIVE]["element"]["initial_value"] == "人物"
    assert blocks[BLOCK_CFG]["element"]["initial_value"] == "6.5"
    assert blocks[BLOCK_SEED]["element"]["initial_value"] == "1234"
    size = blocks[BLOCK_SIZE]["element"]
    assert size["initial_option"] == size["options"][1]
    style = blocks[BLOCK_STYLE]["element"]
    assert style["initial_option"] == style["options"][2]
    assert blocks[BLOCK_MODEL]["element"]["initial_option"]["value"] == "titan"


def test_adjust_title_comes_from_the_catalogue() -> None:
    assert _form(title_key="form.title.adjust")["title"]["text"] == "調整して作り直す"


def test_initial_options_that_are_not_offered_are_left_out() -> None:
    defaults = FormDefaults(size="7:3", style="cubism", model="retired-model", cfg_scale=20.0, seed=0)

    blocks = _blocks_by_id(_form(defaults))

    assert "initial_option" not in blocks[BLOCK_SIZE]["element"]
    assert "initial_option" not in blocks[BLOCK_STYLE]["element"]
    assert "initial_option" not in blocks[BLOCK_MODEL]["element"]
    assert "initial_value" not in blocks[BLOCK_CFG]["element"]  # outside this model's 1.1–10
    assert blocks[BLOCK_SEED]["element"]["initial_value"] == "0"


def test_form_without_cfg_range_has_no_cfg_block() -> None:
    blocks = _blocks_by_id(_form(FormDefaults(cfg_scale=6.5), cfg_range=None))

    assert BLOCK_CFG not in blocks
    assert BLOCK_SEED in blocks


def test_model_select_is_left_out_with_a_single_model() -> None:
    assert BLOCK_MODEL not in _blocks_by_id(_form(models=[Choice("nova", "Nova Canvas")]))


def test_size_select_is_left_out_without_sizes() -> None:
    assert BLOCK_SIZE not in _blocks_by_id(_form(sizes=[]))


def test_style_select_is_left_out_without_styles() -> None:
    assert BLOCK_STYLE not in _blocks_by_id(_form(styles=[]))


def test_private_metadata_is_limited_to_3000_characters() -> None:
    assert _form(private_metadata="x" * 3000)["private_metadata"] == "x" * 3000
    with pytest.raises(ValueError, match="3000"):
        _form(private_metadata="x" * 3001)


def test_long_defaults_are_cut_to_the_input_limits() -> None:
    blocks = _blocks_by_id(_form(FormDefaults(text="猫" * 1200, english_prompt="cat " * 2500)))

    assert len(blocks[BLOCK_TEXT]["element"]["initial_value"]) == 1000
    assert len(blocks[BLOCK_PROMPT]["element"]["initial_value"]) == 3000
    assert "先頭の 3000 文字だけ" in blocks[BLOCK_PROMPT]["hint"]["text"]


def test_a_prompt_the_field_can_hold_is_prefilled_whole() -> None:
    # Titan's, Nova's and SDXL's prompts (512, 1,024, 2,000 characters) all fit.
    prompt = "a lighthouse at dusk, " * 90 + "oil painting"
    blocks = _blocks_by_id(_form(FormDefaults(english_prompt=prompt)))

    assert len(prompt) > 1500
    assert blocks[BLOCK_PROMPT]["element"]["initial_value"] == prompt
    assert "翻訳" in blocks[BLOCK_PROMPT]["hint"]["text"]


@pytest.mark.parametrize("lang", LANGS)
def test_form_renders_in_both_languages(lang: Language) -> None:
    view = _form(FormDefaults(cfg_scale=5, seed=1), lang=lang)

    assert json.dumps(view, ensure_ascii=False)
    assert all(block["label"]["text"] for block in view["blocks"])


def test_english_form_labels() -> None:
    view = _form(lang="en")

    assert view["title"]["text"] == "Create an image"
    assert _blocks_by_id(view)[BLOCK_STYLE]["element"]["options"][0]["text"]["text"] == "Not set"


# --- read_imagine_form -------------------------------------------------------------------------------

# view["state"]["values"] as Slack sends it on view_submission: untouched inputs carry None.
SUBMITTED: dict[str, dict[str, Any]] = {
    BLOCK_TEXT: {BLOCK_TEXT: {"type": "plain_text_input", "value": "  夜の海にオーロラと流氷\n"}},
    BLOCK_PROMPT: {BLOCK_PROMPT: {"type": "plain_text_input", "value": None}},
    BLOCK_NEGATIVE: {BLOCK_NEGATIVE: {"type": "plain_text_input", "value": " 人物 "}},
    BLOCK_CFG: {BLOCK_CFG: {"type": "number_input", "value": "6.5"}},
    BLOCK_SEED: {BLOCK_SEED: {"type": "number_input", "value": "42"}},
    BLOCK_SIZE: {
        BLOCK_SIZE: {
            "type": "static_select",
            "selected_option": {
                "text": {"type": "plain_text", "text": "16:9（横長）", "emoji": True},
                "value": "16:9",
            },
        }
    },
    BLOCK_STYLE: {
        BLOCK_STYLE: {
            "type": "static_select",
            "selected_option": {
                "text": {"type": "plain_text", "text": "指定なし", "emoji": True},
                "value": NO_CHOICE,
            },
        }
    },
    BLOCK_MODEL: {BLOCK_MODEL: {"type": "static_select", "selected_option": None}},
}


def _submitted(**changes: Any) -> dict[str, dict[str, Any]]:
    """SUBMITTED with the ``value`` of some blocks replaced."""
    values = copy.deepcopy(SUBMITTED)
    for block_id, value in changes.items():
        values[block_id][block_id]["value"] = value
    return values


def _errors(values: dict[str, dict[str, Any]], lang: Language = "ja") -> dict[str, str]:
    with pytest.raises(FormErrors) as caught:
        read_imagine_form(values, lang)
    return caught.value.errors


def test_read_form_with_real_shaped_values() -> None:
    form = read_imagine_form(SUBMITTED)

    assert form == FormInput(
        text="夜の海にオーロラと流氷",
        english_prompt="",
        negative="人物",
        cfg_scale=6.5,
        seed=42,
        size="16:9",
        style=None,
        model=None,
    )


def test_read_form_with_a_chosen_style_and_model() -> None:
    values = copy.deepcopy(SUBMITTED)
    values[BLOCK_STYLE][BLOCK_STYLE]["selected_option"]["value"] = "watercolor"
    values[BLOCK_MODEL][BLOCK_MODEL]["selected_option"] = {
        "text": {"type": "plain_text", "text": "Titan"},
        "value": "titan",
    }

    form = read_imagine_form(values)

    assert (form.style, form.model) == ("watercolor", "titan")


def test_read_form_with_only_an_english_prompt() -> None:
    form = read_imagine_form(_submitted(text=None, english_prompt=" a cat on a roof "))

    assert form.text == ""
    assert form.english_prompt == "a cat on a roof"


def test_empty_numbers_and_missing_blocks_read_as_none() -> None:
    values = _submitted(cfg=None, seed="  ")
    del values[BLOCK_SIZE], values[BLOCK_MODEL]

    form = read_imagine_form(values)

    assert (form.cfg_scale, form.seed, form.size, form.model) == (None, None, None, None)


def test_form_without_cfg_block_reads() -> None:
    values = copy.deepcopy(SUBMITTED)
    del values[BLOCK_CFG]

    assert read_imagine_form(values).cfg_scale is None


@pytest.mark.parametrize("text", [None, "", "   \n "])
def test_neither_text_nor_prompt_is_an_error_on_the_text_block(text: str | None) -> None:
    errors = _errors(_submitted(text=text, english_prompt="  "))

    assert errors == {BLOCK_TEXT: "作りたい画像の説明か、英語のプロンプトのどちらかを入力してください。"}


def test_an_entirely_empty_submission_is_one_error() -> None:
    assert list(_errors({})) == [BLOCK_TEXT]


@pytest.mark.parametrize(
    ("block_id", "value", "message"),
    [
        pytest.param(BLOCK_CFG, "abc", "数値を入力してください。", id="cfg not a number"),
        pytest.param(BLOCK_CFG, "nan", "数値を入力してください。", id="cfg nan"),
        pytest.param(BLOCK_CFG, "inf", "数値を入力してください。", id="cfg infinite"),
        pytest.param(BLOCK_CFG, "36", "0〜35 の範囲で入力してください。", id="cfg too high"),
        pytest.param(BLOCK_CFG, "-0.5", "0〜35 の範囲で入力してください。", id="cfg negative"),
        pytest.param(BLOCK_SEED, "4.5", "整数を入力してください。", id="seed fractional"),
        pytest.param(BLOCK_SEED, "1e3", "整数を入力してください。", id="seed exponent"),
        pytest.param(BLOCK_SEED, "-1", "0〜4294967295 の範囲で入力してください。", id="seed negative"),
        pytest.param(
            BLOCK_SEED, "4294967296", "0〜4294967295 の範囲で入力してください。", id="seed too large"
        ),
        pytest.param(BLOCK_TEXT, "猫" * 1001, "1000 文字以内にしてください。", id="text too long"),
        pytest.param(BLOCK_PROMPT, "c" * 3001, "3000 文字以内にしてください。", id="prompt too long"),
        pytest.param(BLOCK_NEGATIVE, "人" * 301, "300 文字以内にしてください。", id="negative too long"),
    ],
)
def test_bad_values_are_errors_on_their_block(block_id: str, value: str, message: str) -> None:
    assert _errors(_submitted(**{block_id: value})) == {block_id: message}


def test_boundary_values_are_accepted() -> None:
    form = read_imagine_form(_submitted(cfg="35", seed="4294967295", text="猫" * 1000))

    assert (form.cfg_scale, form.seed, len(form.text)) == (35.0, 4_294_967_295, 1000)


def test_every_problem_is_reported_at_once() -> None:
    errors = _errors(_submitted(text=None, cfg="x", seed="-5", negative="n" * 400))

    assert set(errors) == {BLOCK_TEXT, BLOCK_CFG, BLOCK_SEED, BLOCK_NEGATIVE}


def test_errors_in_english() -> None:
    errors = _errors(_submitted(text=None, cfg="x"), lang="en")

    assert errors == {
        BLOCK_TEXT: "Please describe the image or give an English prompt.",
        BLOCK_CFG: "Please enter a number.",
    }


def test_odd_payload_shapes_do_not_escape_as_other_errors() -> None:
    values: dict[str, Any] = {
        BLOCK_TEXT: {BLOCK_TEXT: {"type": "plain_text_input", "value": 12}},
        BLOCK_PROMPT: {"unexpected_action": {"type": "plain_text_input", "value": "ignored"}},
        BLOCK_SIZE: {BLOCK_SIZE: {"type": "static_select", "selected_option": "16:9"}},
    }

    assert list(_errors(values)) == [BLOCK_TEXT]


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), ("", None), (NO_CHOICE, None), (" photo ", "photo")]
)
def test_read_choice(value: str | None, expected: str | None) -> None:
    assert read_choice(value) == expected
