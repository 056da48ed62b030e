"""Block Kit builders for views (services/slack_views.py)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.core.job import ButtonRef, RecentJob, UserPrefs
from services.core.text import Language
from services.intake import FormInput, QuotaStatus
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
    MAX_RECENT_JOBS,
    NO_CHOICE,
    CandidateCell,
    Choice,
    FormDefaults,
    FormErrors,
    build_candidate_blocks,
    build_help_blocks,
    build_help_text,
    build_home_view,
    build_imagine_form,
    read_choice,
    read_imagine_form,
)

JOB_ID = "20261121T093015-0123abcd"
MODELS = [Choice("nova", "Nova Canvas"), Choice("titan", "Titan Image Generator v2")]
STYLES = [Choice("photo", "写真"), Choice("watercolor", "水彩画")]
SIZES = [Choice("1024x1024", "1024×1024（正方形）"), Choice("16:9", "16:9（横長）")]
LANGS: list[Language] = ["ja", "en"]


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


def _option_values(element: dict[str, Any]) -> list[str]:
    return [option["value"] for option in element["options"]]


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
    assert blocks[BLOCK_PROMPT]["element"]["max_length"] == 1500
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
    assert _option_values(blocks[BLOCK_SIZE]["element"]) == ["1024x1024", "16:9"]
    assert _option_values(blocks[BLOCK_STYLE]["element"]) == [NO_CHOICE, "photo", "watercolor"]
    assert blocks[BLOCK_STYLE]["element"]["options"][0]["text"]["text"] == "指定なし"
    assert _option_values(blocks[BLOCK_MODEL]["element"]) == ["nova", "titan"]


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
    blocks = _blocks_by_id(_form(FormDefaults(text="猫" * 1200, english_prompt="cat " * 500)))

    assert len(blocks[BLOCK_TEXT]["element"]["initial_value"]) == 1000
    assert len(blocks[BLOCK_PROMPT]["element"]["initial_value"]) == 1500


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
        pytest.param(BLOCK_PROMPT, "c" * 1501, "1500 文字以内にしてください。", id="prompt too long"),
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


# --- help --------------------------------------------------------------------------------------------


def _help(lang: Language = "ja", **overrides: Any) -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = {
        "models": MODELS,
        "default_model": "nova",
        "styles": ["anime", "photo", "watercolor"],
        "presets": ["ogp", "eyecatch"],
        "sizes_text": "1024x1024 など、または 16:9 のような縦横比",
        "cfg_text": "1.1〜10、既定 6.5",
        "max_candidates": 8,
        "lang": lang,
    }
    kwargs.update(overrides)
    return build_help_blocks(**kwargs)


@pytest.mark.parametrize("lang", LANGS)
def test_help_mentions_every_option_with_an_example(lang: Language) -> None:
    text = json.dumps(_help(lang), ensure_ascii=False)

    for example in (
        "--seed 42",
        "--cfg 9",
        "--ar 16:9",
        "--size 1024x1024",
        "--style anime",
        "--no ",
        "--model nova",
        "--n 4",
        "--preset ogp",
    ):
        assert example in text, example


def test_help_lists_the_allowed_values_passed_in() -> None:
    text = json.dumps(_help(), ensure_ascii=False)

    for value in (
        "`anime`、`photo`、`watercolor`",
        "`ogp`、`eyecatch`",
        "`nova`（Nova Canvas）、`titan`（Titan Image Generator v2）",
        "既定は `nova`",
        "1024x1024 など、または 16:9 のような縦横比",
        "1.1〜10、既定 6.5",
        "1〜8",
    ):
        assert value in text, value


def test_help_explains_every_way_in_and_the_buttons() -> None:
    text = json.dumps(_help(), ensure_ascii=False)

    for fragment in (
        "/imagine",
        "メンション",
        "「画像にする」",
        "スレッドに",
        "🔄 再生成",
        "🎲 バリエーション",
    ):
        assert fragment in text, fragment


def test_help_blocks_are_header_then_sections() -> None:
    blocks = _help()

    assert [block["type"] for block in blocks] == ["header", "section", "section", "section", "section"]
    assert blocks[0]["text"]["text"] == "🎨 画像生成ボットの使い方"
    assert all(len(block["text"]["text"]) <= 3000 for block in blocks)


def test_help_examples_follow_what_is_enabled() -> None:
    text = json.dumps(_help(styles=["photo"], presets=["eyecatch"], max_candidates=2), ensure_ascii=False)

    assert "--style photo" in text
    assert "--preset eyecatch" in text
    assert "--n 2" in text
    assert "1〜2" in text


def test_help_user_values_are_escaped() -> None:
    text = json.dumps(_help(sizes_text="<!channel> & more"), ensure_ascii=False)

    assert "<!channel>" not in text
    assert "&lt;!channel&gt; &amp; more" in text


@pytest.mark.parametrize("lang", LANGS)
def test_help_text_is_one_line(lang: Language) -> None:
    text = build_help_text(lang)

    assert "/imagine" in text
    assert "\n" not in text


# --- build_home_view ---------------------------------------------------------------------------------

RESETS_AT = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)  # midnight in Tokyo


def _recent(count: int, *, with_files: bool = True) -> list[RecentJob]:
    start = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    return [
        RecentJob(
            job_id=f"20261121T0930{index:02d}-0123abcd",
            attempt=index + 1,
            created_at=start + timedelta(minutes=index),
            text=f"屋根の上の猫 {index} <!here>",
            english_prompt=f"a cat on a roof {index}",
            seed=1000 + index,
            model_id="amazon.nova-canvas-v1:0",
            file_id=f"F{index:04d}" if with_files and index % 2 == 0 else None,
            channel_id="C0CHAN",
        )
        for index in range(count)
    ]


def _home(
    recent: list[RecentJob] | None = None,
    prefs: UserPrefs | None = None,
    quota: QuotaStatus | None = None,
    lang: Language = "ja",
) -> dict[str, Any]:
    return build_home_view(
        recent=recent or [],
        prefs=prefs or UserPrefs(),
        quota=quota or QuotaStatus(limit=20, used=3, resets_at=RESETS_AT),
        models=MODELS,
        styles=STYLES,
        sizes=SIZES,
        lang=lang,
    )


def _selects(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        block["accessory"]["action_id"]: block["accessory"]
        for block in view["blocks"]
        if block.get("accessory", {}).get("type") == "static_select"
    }


def test_home_with_no_recent_jobs_shows_the_empty_state() -> None:
    view = _home()

    assert view["type"] == "home"
    assert view["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "🎨 画像生成ボット", "emoji": True},
    }
    text = json.dumps(view, ensure_ascii=False)
    assert "まだ作成した画像はありません。" in text
    assert "あなたの既定の設定" in text
    assert "最近の作成" in text
    assert not [block for block in view["blocks"] if block["type"] == "image"]


def _quota_line(limit: int | None, used: int, lang: Language = "ja") -> str:
    view = _home(quota=QuotaStatus(limit=limit, used=used, resets_at=RESETS_AT), lang=lang)
    return str(view["blocks"][1]["text"]["text"])


def test_home_quota_line_shows_what_is_left_and_the_reset_in_tokyo_time() -> None:
    assert _quota_line(20, 3) == (
        "今日はあと 17 枚作成できます（1 日 20 枚まで）。11/22 0:00（日本時間）にリセットされます。"
    )
    assert _quota_line(20, 3, "en") == (
        "You can create 17 more images today (20 a day). Resets at 11/22 0:00 JST."
    )


def test_home_quota_when_used_up_or_unlimited() -> None:
    assert _quota_line(5, 7) == (
        "今日の上限（5 枚）に達しました。11/22 0:00（日本時間）以降にまたお試しください。"
    )
    assert _quota_line(None, 50) == "今日の作成枚数に上限はありません。"


def test_home_preference_selects_start_at_the_users_choices() -> None:
    view = _home(prefs=UserPrefs(model="titan", style="watercolor", size="16:9", lang="en"))

    selects = _selects(view)
    assert list(selects) == [
        ids.ACTION_PREF_MODEL,
        ids.ACTION_PREF_STYLE,
        ids.ACTION_PREF_SIZE,
        ids.ACTION_PREF_LANG,
    ]
    assert selects[ids.ACTION_PREF_MODEL]["initial_option"]["value"] == "titan"
    assert selects[ids.ACTION_PREF_STYLE]["initial_option"]["value"] == "watercolor"
    assert selects[ids.ACTION_PREF_SIZE]["initial_option"]["value"] == "16:9"
    assert selects[ids.ACTION_PREF_LANG]["initial_option"]["value"] == "en"
    assert _option_values(selects[ids.ACTION_PREF_LANG]) == ["ja", "en"]
    assert [o["text"]["text"] for o in selects[ids.ACTION_PREF_LANG]["options"]] == ["日本語", "English"]


def test_home_preferences_unset_start_at_the_default_option() -> None:
    selects = _selects(_home())

    for action_id in (ids.ACTION_PREF_MODEL, ids.ACTION_PREF_STYLE, ids.ACTION_PREF_SIZE):
        select = selects[action_id]
        assert select["options"][0] == {
            "text": {"type": "plain_text", "text": "既定のまま", "emoji": True},
            "value": NO_CHOICE,
        }
        assert select["initial_option"] == select["options"][0]
    assert _option_values(selects[ids.ACTION_PREF_MODEL]) == [NO_CHOICE, "nova", "titan"]
    assert selects[ids.ACTION_PREF_LANG]["initial_option"]["value"] == "ja"


def test_home_preference_no_longer_offered_has_no_initial_option() -> None:
    selects = _selects(_home(prefs=UserPrefs(model="retired")))

    assert "initial_option" not in selects[ids.ACTION_PREF_MODEL]


def test_home_offers_no_select_with_nothing_to_choose() -> None:
    view = build_home_view(
        recent=[],
        prefs=UserPrefs(),
        quota=QuotaStatus(limit=None, used=0, resets_at=RESETS_AT),
        models=[Choice("nova", "Nova Canvas")],
        styles=[],
        sizes=SIZES,
    )

    assert list(_selects(view)) == [ids.ACTION_PREF_SIZE, ids.ACTION_PREF_LANG]


def test_home_with_twelve_recent_jobs() -> None:
    recent = _recent(12)

    view = _home(recent)

    assert len(view["blocks"]) < 100
    sections = [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == ids.ACTION_AGAIN]
    assert len(sections) == 12
    for job, section in zip(recent, sections, strict=True):
        button = section["accessory"]
        assert button["type"] == "button"
        assert button["text"]["text"] == "🔁 もう一度"
        assert ButtonRef.decode(button["value"]) == ButtonRef(job_id=job.job_id, attempt=job.attempt)
    images = [b for b in view["blocks"] if b["type"] == "image"]
    assert [image["slack_file"] for image in images] == [{"id": f"F{i:04d}"} for i in range(0, 12, 2)]
    assert all("image_url" not in image for image in images)
    assert images[0]["alt_text"] == "屋根の上の猫 0 <!here>"


def test_home_recent_entry_shows_prompt_seed_model_and_tokyo_date() -> None:
    [job] = _recent(1)

    [section] = [b for b in _home([job])["blocks"] if b.get("accessory", {}).get("type") == "button"]

    text = section["text"]["text"]
    assert "*屋根の上の猫 0 &lt;!here&gt;*" in text
    assert "<!here>" not in text
    assert "a cat on a roof 0" in text
    assert "`1000`" in text
    assert "`amazon.nova-canvas-v1:0`" in text
    assert "2026/11/21 18:30" in text  # 09:30 UTC
    assert "<#C0CHAN>" in text


def test_home_without_file_ids_has_no_images() -> None:
    view = _home(_recent(3, with_files=False))

    assert not [b for b in view["blocks"] if b["type"] == "image"]


def test_home_keeps_under_the_block_limit_with_many_jobs() -> None:
    view = _home(_recent(60))

    assert len(view["blocks"]) <= 100
    again = [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == ids.ACTION_AGAIN]
    assert len(again) == MAX_RECENT_JOBS


@pytest.mark.parametrize("lang", LANGS)
def test_home_renders_in_both_languages(lang: Language) -> None:
    view = _home(_recent(2), quota=QuotaStatus(limit=3, used=3, resets_at=RESETS_AT), lang=lang)

    assert json.dumps(view, ensure_ascii=False)


# --- build_candidate_blocks --------------------------------------------------------------------------

CELLS = [
    CandidateCell(attempt=4, label="1", matched=True),
    CandidateCell(attempt=5, label="2", matched=False),
    CandidateCell(attempt=7, label="3", matched=None),
]


def test_candidate_blocks_explain_the_marks_then_offer_one_button_each() -> None:
    blocks = build_candidate_blocks(JOB_ID, CELLS)

    assert blocks[0]["type"] == "context"
    assert blocks[0]["elements"][0]["text"] == (
        "✅ はリクエストに合った画像、❌ は合わなかった画像、・ は未確認の画像です。"
        "使いたい画像のボタンを押してください。"
    )
    rows = blocks[1:]
    assert [row["text"]["text"] for row in rows] == ["✅ *1*", "❌ *2*", "・ *3*"]
    buttons = [row["accessory"] for row in rows]
    assert [b["text"]["text"] for b in buttons] == ["1 を使う", "2 を使う", "3 を使う"]
    assert {b["action_id"] for b in buttons} == {ids.ACTION_PICK}
    assert [ButtonRef.decode(b["value"]) for b in buttons] == [
        ButtonRef(job_id=JOB_ID, attempt=4),
        ButtonRef(job_id=JOB_ID, attempt=5),
        ButtonRef(job_id=JOB_ID, attempt=7),
    ]
    assert len({row["block_id"] for row in rows}) == 3


def test_candidate_blocks_in_english() -> None:
    blocks = build_candidate_blocks(JOB_ID, CELLS[:1], lang="en")

    assert blocks[1]["accessory"]["text"]["text"] == "Use 1"


def test_no_candidates_no_blocks() -> None:
    assert build_candidate_blocks(JOB_ID, []) == []
