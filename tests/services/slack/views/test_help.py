"""The answer to /imagine help (services/slack/views/help.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.core.text import Language
from services.slack.views import build_help_blocks, build_help_text
from tests.services.slack.views.choices import LANGS, MODELS


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
