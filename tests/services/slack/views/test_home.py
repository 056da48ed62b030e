"""App Home (services/slack/views/home.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.core.job import ButtonRef
from services.core.people import RecentJob, UserPrefs
from services.core.text import Language
from services.intake import QuotaStatus
from services.slack import ids
from services.slack.views import MAX_RECENT_JOBS, NO_CHOICE, Choice, build_home_view
from tests.services.slack.views.choices import LANGS, MODELS, SIZES, STYLES, option_values

TOKYO = ZoneInfo("Asia/Tokyo")
# Intake gives the reset in the quota's zone (QUOTA_TIMEZONE), Asia/Tokyo by default.
RESETS_AT = datetime(2026, 11, 22, 0, 0, tzinfo=TOKYO)


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


def test_home_quota_line_names_a_zone_other_than_tokyo_by_its_abbreviation() -> None:
    new_york = datetime(2026, 11, 22, 0, 0, tzinfo=ZoneInfo("America/New_York"))

    def line(lang: Language, used: int = 3) -> str:
        view = _home(quota=QuotaStatus(limit=20, used=used, resets_at=new_york), lang=lang)
        return str(view["blocks"][1]["text"]["text"])

    assert line("en") == "You can create 17 more images today (20 a day). Resets at 11/22 0:00 EST."
    assert (
        line("ja") == "今日はあと 17 枚作成できます（1 日 20 枚まで）。11/22 0:00（EST）にリセットされます。"
    )
    assert line("en", used=20).endswith("Please try again after 11/22 0:00 EST.")


def test_home_quota_zone_follows_summer_time_and_offset_only_zones() -> None:
    def line(resets_at: datetime) -> str:
        view = _home(quota=QuotaStatus(limit=20, used=3, resets_at=resets_at), lang="en")
        return str(view["blocks"][1]["text"]["text"])

    assert line(datetime(2026, 7, 2, 0, 0, tzinfo=ZoneInfo("Europe/Berlin"))).endswith("7/2 0:00 CEST.")
    assert line(datetime(2026, 7, 2, 0, 0, tzinfo=ZoneInfo("Asia/Dubai"))).endswith("7/2 0:00 UTC+04.")
    assert line(datetime(2026, 7, 2, 0, 0, tzinfo=UTC)).endswith("7/2 0:00 UTC.")


def test_home_recent_dates_are_in_the_quota_zone() -> None:
    [job] = _recent(1)  # created 2026-11-21 09:30 UTC
    quota = QuotaStatus(
        limit=None, used=0, resets_at=datetime(2026, 11, 22, tzinfo=ZoneInfo("America/New_York"))
    )

    [section] = [
        b for b in _home([job], quota=quota)["blocks"] if b.get("accessory", {}).get("type") == "button"
    ]

    assert "2026/11/21 04:30" in section["text"]["text"]


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
    assert option_values(selects[ids.ACTION_PREF_LANG]) == ["ja", "en"]
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
    assert option_values(selects[ids.ACTION_PREF_MODEL]) == [NO_CHOICE, "nova", "titan"]
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
