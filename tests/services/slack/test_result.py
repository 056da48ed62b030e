"""Block Kit builders and Slack text helpers (services/slack_ui.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from services.core.job import Attempt, ButtonRef, Check, JobRecord, Verdict
from services.core.text import clean_slack_text, escape
from services.generation.image_models import Capabilities
from services.generation.image_models.amazon import NOVA_CANVAS, TITAN_IMAGE
from services.slack import ids
from services.slack.result import build_result_blocks, build_result_text

JOB_ID = "20261121T093015-0123abcd"
NO_CFG = Capabilities(family="no-cfg", seed_max=4_294_967_295, max_prompt_chars=1000)


def _record(**overrides: Any) -> JobRecord:
    values: dict[str, Any] = {
        "job_id": JOB_ID,
        "trigger": "command",
        "created_at": datetime(2026, 11, 21, 9, 30, 15, tzinfo=UTC),
        "status": "accepted",
        "original_text": "屋根の上の猫",
        "english_prompt": "a cat on a roof",
        "model_id": "amazon.nova-canvas-v1:0",
        "seed": 1234,
        "cfg_scale": 6.5,
        "width": 1024,
        "height": 1024,
        "attempts": [
            Attempt(
                index=1,
                revision=0,
                prompt="a cat on a roof",
                seed=1234,
                cfg_scale=6.5,
                outcome="accepted",
                verdict=Verdict(matches=True, reason="a cat is on a roof"),
            ),
            Attempt(index=2, revision=0, prompt="a cat on a roof", seed=7, cfg_scale=6.5, outcome="filtered"),
        ],
        "chosen_attempt": 1,
    }
    values.update(overrides)
    return JobRecord(**values)


def _buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [element for block in blocks if block["type"] == "actions" for element in block["elements"]]


def _section_text(blocks: list[dict[str, Any]]) -> str:
    [section] = [block for block in blocks if block["type"] == "section"]
    return str(section["text"]["text"])


# --- ButtonRef ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", [0, 1, 17, 1000])
def test_button_ref_round_trip(attempt: int) -> None:
    ref = ButtonRef(job_id=JOB_ID, attempt=attempt)

    value = ref.encode()

    assert value == f"{JOB_ID}:{attempt}"
    assert ButtonRef.decode(value) == ref


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("x", id="no separator"),
        pytest.param("", id="empty"),
        pytest.param("20261121T000000-zzzzzzzz:1", id="non-hex id"),
        pytest.param("../../etc:1", id="path traversal"),
        pytest.param("x" * 3000, id="3000 characters"),
        pytest.param(f"{JOB_ID}:" + "9" * 3000, id="3000-digit attempt"),
        pytest.param(f"{JOB_ID}:", id="missing attempt"),
        pytest.param(f"{JOB_ID}:-1", id="negative attempt"),
        pytest.param(f"{JOB_ID}:1001", id="attempt too large"),
        pytest.param(f"{JOB_ID}:1.5", id="fractional attempt"),
        pytest.param(f"{JOB_ID}:1:2", id="extra field"),
        pytest.param(f"{JOB_ID}/../x:1", id="id with path"),
        pytest.param(f"{JOB_ID}\n:1", id="id with trailing newline"),
        pytest.param(f" {JOB_ID}:1", id="leading space"),
        pytest.param("2026112T093015-0123abcd:1", id="short date"),
        pytest.param(f"{JOB_ID}:²", id="superscript digit"),
    ],
)
def test_button_ref_rejects_tampered_values(value: str) -> None:
    with pytest.raises(ValueError):
        ButtonRef.decode(value)


# --- build_result_blocks -----------------------------------------------------------------------------


def _row(blocks: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    [row] = [block for block in blocks if block.get("block_id") == f"{prefix}:{JOB_ID}"]
    return list(row["elements"])


def _action_ids(elements: list[dict[str, Any]]) -> list[str]:
    return [element["action_id"] for element in elements]


@pytest.mark.parametrize("caps", [NOVA_CANVAS, TITAN_IMAGE], ids=["nova", "titan"])
def test_cfg_model_with_variation_gets_every_first_row_button(caps: Capabilities) -> None:
    blocks = build_result_blocks(_record(), caps, unverified=False)

    first = _row(blocks, "result")
    assert _action_ids(first) == [
        ids.ACTION_REGENERATE,
        ids.ACTION_SAME_SEED,
        ids.ACTION_CFG_DOWN,
        ids.ACTION_CFG_UP,
        ids.ACTION_VARIATION,
    ]
    assert [b["text"]["text"] for b in first] == [
        "🔄 再生成",
        "🎯 同じシード",
        "➖ cfg",
        "➕ cfg",
        "🎨 バリエーション",
    ]
    assert {b["value"] for b in _buttons(blocks)} == {f"{JOB_ID}:1"}
    assert first[0]["style"] == "primary"
    assert all("style" not in b for b in first[1:])


def test_model_without_cfg_or_variation_gets_regenerate_and_same_seed() -> None:
    blocks = build_result_blocks(_record(cfg_scale=None), NO_CFG, unverified=False)

    assert _action_ids(_row(blocks, "result")) == [ids.ACTION_REGENERATE, ids.ACTION_SAME_SEED]
    assert "`なし`" in _section_text(blocks)


def test_variation_without_cfg_shows_variation_but_no_cfg_buttons() -> None:
    caps = Capabilities(
        family="sd3-like",
        seed_max=4_294_967_295,
        max_prompt_chars=10_000,
        supports_variation=True,
        variation_strength=(0.0, 1.0),
    )

    blocks = build_result_blocks(_record(cfg_scale=None), caps, unverified=False)

    assert _action_ids(_row(blocks, "result")) == [
        ids.ACTION_REGENERATE,
        ids.ACTION_SAME_SEED,
        ids.ACTION_VARIATION,
    ]


def test_second_row_has_adjust_approve_and_delete() -> None:
    blocks = build_result_blocks(_record(), NOVA_CANVAS, unverified=False)

    second = _row(blocks, "result2")
    assert _action_ids(second) == [ids.ACTION_ADJUST, ids.ACTION_APPROVE, ids.ACTION_DELETE]
    assert [b["text"]["text"] for b in second] == ["⚙️ 調整", "👍 採用", "🗑 削除"]
    assert {b["value"] for b in second} == {f"{JOB_ID}:1"}


def test_candidates_button_only_when_asked() -> None:
    blocks = build_result_blocks(_record(), NOVA_CANVAS, unverified=False, show_candidates=True)

    second = _row(blocks, "result2")
    assert _action_ids(second) == [
        ids.ACTION_ADJUST,
        ids.ACTION_APPROVE,
        ids.ACTION_CANDIDATES,
        ids.ACTION_DELETE,
    ]
    assert second[2]["text"]["text"] == "🖼 候補を見る"


def test_delete_is_danger_and_asks_for_confirmation() -> None:
    blocks = build_result_blocks(_record(), NOVA_CANVAS, unverified=False)

    [delete] = [b for b in _buttons(blocks) if b["action_id"] == ids.ACTION_DELETE]
    assert delete["style"] == "danger"
    confirm = delete["confirm"]
    assert confirm["title"]["text"] == "この画像を削除しますか？"
    assert "依頼した人か管理者だけ" in confirm["text"]["text"]
    assert "アーカイブに残ります" in confirm["text"]["text"]
    assert confirm["confirm"]["text"] == "削除する"
    assert confirm["deny"]["text"] == "やめる"
    assert confirm["style"] == "danger"


def test_action_ids_are_unique_within_each_actions_block() -> None:
    blocks = build_result_blocks(_record(), NOVA_CANVAS, unverified=False, show_candidates=True)

    for block in blocks:
        if block["type"] == "actions":
            action_ids = _action_ids(block["elements"])
            assert len(action_ids) == len(set(action_ids))


def test_reaction_shortcuts_are_listed() -> None:
    blocks = build_result_blocks(_record(), NOVA_CANVAS, unverified=False)

    [context] = [block for block in blocks if block["type"] == "context"]
    texts = [element["text"] for element in context["elements"]]
    assert texts[0] == "リアクションでも操作できます：🔄 再生成、➕/➖ cfg、🎲 バリエーション、👍 採用。"
    assert texts[1] == f"ジョブ ID: `{JOB_ID}`"


def _context_texts(blocks: list[dict[str, Any]]) -> list[str]:
    [context] = [block for block in blocks if block["type"] == "context"]
    return [str(element["text"]) for element in context["elements"]]


@pytest.mark.parametrize(
    ("mode", "ja", "en"),
    [
        (
            "variation",
            "📷 写真をもとに、別のバージョンを作りました。",
            "📷 Made a new version of your photo.",
        ),
        ("restyle", "📷 写真の画風を変えました。", "📷 Redrew your photo in a new style."),
        ("layout", "📷 写真の構図をそのまま生かして描きました。", "📷 Kept your photo's layout."),
        (
            "style_reference",
            "📷 写真の画風を参考に描きました。",
            "📷 Drew your request in your photo's style.",
        ),
    ],
)
def test_the_context_line_says_how_the_photo_was_used(mode: str, ja: str, en: str) -> None:
    record = _record(photo_mode=mode, photo_mode_asked=mode, photo_similarity="medium")

    assert _context_texts(build_result_blocks(record, NOVA_CANVAS, unverified=False))[0] == ja
    assert _context_texts(build_result_blocks(record, NOVA_CANVAS, unverified=False, lang="en"))[0] == en


def test_a_photo_used_in_the_nearest_mode_says_which_was_asked_for() -> None:
    record = _record(photo_mode="restyle", photo_mode_asked="layout", photo_similarity="medium")

    [line, *_] = _context_texts(build_result_blocks(record, NOVA_CANVAS, unverified=False))

    assert line == (
        "📷 写真の画風を変えました。 "
        "ご希望の「構図を生かす」はいまの設定では使えないため、近い方法で作りました。"
    )


def test_a_result_without_a_photo_has_no_photo_line() -> None:
    texts = _context_texts(build_result_blocks(_record(), NOVA_CANVAS, unverified=False))

    assert not any("📷" in text for text in texts)


def _picked_record() -> JobRecord:
    record = _record(status="accepted")
    record.attempts.append(
        Attempt(
            index=3,
            revision=0,
            prompt="a cat on a roof",
            seed=99,
            cfg_scale=8.0,
            outcome="rejected_by_verifier",
            verdict=Verdict(
                matches=False,
                reason="the cat is on a fence",
                checks=[Check(requirement="cat on a roof", met=False)],
            ),
        )
    )
    return record


def test_picked_attempt_is_shown_and_carried_by_every_button() -> None:
    blocks = build_result_blocks(_picked_record(), NOVA_CANVAS, unverified=False, attempt=3)

    for button in _buttons(blocks):
        assert ButtonRef.decode(button["value"]) == ButtonRef(job_id=JOB_ID, attempt=3)
    text = _section_text(blocks)
    assert text.startswith("🖼 選んだ候補の画像です。")
    assert "リクエストに合う画像ができました" not in text
    assert "`99`" in text
    assert "`8`" in text
    assert "the cat is on a fence" in text
    assert "❌ cat on a roof" in text
    assert "a cat is on a roof" not in text


def test_attempt_zero_is_not_mistaken_for_none() -> None:
    blocks = build_result_blocks(_record(), NOVA_CANVAS, unverified=False, attempt=0)

    assert {ButtonRef.decode(b["value"]).attempt for b in _buttons(blocks)} == {0}


def test_style_preset_and_model_alias_get_one_line_when_set() -> None:
    record = _record(style="watercolor", preset="ogp", model_alias="nova")

    text = _section_text(build_result_blocks(record, NOVA_CANVAS, unverified=False))

    assert "*スタイル*: `watercolor`　*プリセット*: `ogp`　*指定モデル*: `nova`" in text


def test_only_the_names_that_are_set_are_shown() -> None:
    plain = _section_text(build_result_blocks(_record(), NOVA_CANVAS, unverified=False))
    styled = _section_text(build_result_blocks(_record(style="<b>"), NOVA_CANVAS, unverified=False))

    assert "スタイル" not in plain
    assert "プリセット" not in plain
    assert "*スタイル*: `&lt;b&gt;`" in styled
    assert "プリセット" not in styled


def test_button_values_are_short_and_decode_to_the_chosen_attempt() -> None:
    blocks = build_result_blocks(_record(chosen_attempt=1000), NOVA_CANVAS, unverified=False)

    for button in _buttons(blocks):
        assert len(button["value"]) < 100
        assert ButtonRef.decode(button["value"]) == ButtonRef(job_id=JOB_ID, attempt=1000)


def test_blocks_are_json_and_carry_the_job_id() -> None:
    blocks = build_result_blocks(_record(), NOVA_CANVAS, unverified=False)

    assert [block["type"] for block in blocks] == ["section", "actions", "actions", "context"]
    assert blocks[1]["block_id"] == f"result:{JOB_ID}"
    assert blocks[2]["block_id"] == f"result2:{JOB_ID}"
    assert JOB_ID in json.dumps(blocks, ensure_ascii=False)
    text = _section_text(blocks)
    assert "`amazon.nova-canvas-v1:0`" in text
    assert "`1234`" in text
    assert "`6.5`" in text
    assert "a cat is on a roof" in text


def test_user_text_is_escaped_in_the_blocks() -> None:
    hostile = "<!channel> cats & dogs <@U123> <https://evil.example|click>"
    record = _record(english_prompt=hostile)
    record.attempts[0].verdict = Verdict(matches=True, reason="<!here> & more")

    text = _section_text(build_result_blocks(record, NOVA_CANVAS, unverified=False))

    assert "<!channel>" not in text
    assert "<!here>" not in text
    assert "<@U123>" not in text
    assert "<https://" not in text
    assert "&lt;!channel&gt; cats &amp; dogs &lt;@U123&gt;" in text
    assert "&lt;!here&gt; &amp; more" in text


@pytest.mark.parametrize(
    ("status", "unverified", "fragment"),
    [
        ("accepted", False, "リクエストに合う画像ができました"),
        ("best_effort", True, "未確認の画像"),
        ("best_effort", False, "1 枚作成しました"),  # the filtered attempt is not counted
    ],
)
def test_headline_follows_the_outcome(status: str, unverified: bool, fragment: str) -> None:
    blocks = build_result_blocks(_record(status=status), NOVA_CANVAS, unverified=unverified)

    assert fragment in _section_text(blocks)


def test_english_labels_fall_back_to_japanese_where_untranslated() -> None:
    blocks = build_result_blocks(_record(), NOVA_CANVAS, unverified=False, lang="en")

    assert "This image matches the request." in _section_text(blocks)
    assert _buttons(blocks)[0]["text"]["text"] == "🔄 Regenerate"
    assert [b["text"]["text"] for b in _row(blocks, "result2")] == ["⚙️ Adjust", "👍 Approve", "🗑 Delete"]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_button_and_line_renders_in_both_languages(lang: str) -> None:
    record = _picked_record()
    record.style, record.preset, record.model_alias = "photo", "ogp", "nova"

    blocks = build_result_blocks(
        record, NOVA_CANVAS, unverified=True, blurred=["暴力"], attempt=3, show_candidates=True, lang=lang
    )

    assert len(_buttons(blocks)) == 9
    assert all(b["text"]["text"].strip() for b in _buttons(blocks))


def test_result_fallback_text_escapes_user_text() -> None:
    typed = clean_slack_text("&lt;!channel&gt; cats &amp; dogs")
    assert typed == "<!channel> cats & dogs"
    record = _record(original_text=typed, english_prompt=typed)

    text = build_result_text(record)

    assert "<!channel>" not in text


# --- clean_slack_text / escape -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("<@U123> 屋根の上の猫", "屋根の上の猫", id="user mention"),
        pytest.param("<@U123|taro> 猫", "猫", id="labelled mention"),
        pytest.param("<!here> 猫 <!channel>", "猫", id="broadcasts"),
        pytest.param("<!subteam^S123|@team> 猫", "猫", id="group mention"),
        pytest.param("<#C123|general> の猫", "の猫", id="channel link"),
        pytest.param("see <https://x|label> now", "see label now", id="labelled link"),
        pytest.param("see <https://x.example/a?b=1> now", "see https://x.example/a?b=1 now", id="bare link"),
        pytest.param("<mailto:a@b.example|mail me>", "mail me", id="mailto"),
        pytest.param("猫 &amp; 犬 &lt;3 &gt;", "猫 & 犬 <3 >", id="entities decoded"),
        pytest.param("  猫\n\n犬\t鳥 ", "猫 犬 鳥", id="whitespace collapsed"),
        pytest.param("<@U123>", "", id="mention only"),
    ],
)
def test_clean_slack_text(raw: str, expected: str) -> None:
    assert clean_slack_text(raw) == expected


def test_escape_handles_the_three_control_characters() -> None:
    assert escape("a < b > c & d &amp;") == "a &lt; b &gt; c &amp; d &amp;amp;"
