"""Block Kit's limits (services/slack/limits.py), and every block and view at the longest inputs.

Each message and view the bot can send is built from the longest inputs it accepts and checked
with slack_sdk's own validators (tests/blockkit.py), the ones that refuse it before Slack does.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import (
    ButtonElement,
    ConfirmObject,
    HeaderBlock,
    ImageBlock,
    InputBlock,
    Option,
    SectionBlock,
)
from slack_sdk.models.blocks.block_elements import InputInteractiveElement
from slack_sdk.models.views import View

from services.core.errors import BotError
from services.core.job import (
    MAX_NEGATIVE_CHARS,
    MAX_PROMPT_CHARS,
    MAX_TEXT_CHARS,
    PHOTO_MODES,
    Attempt,
    Check,
    Job,
    JobRecord,
    SlackContext,
    Verdict,
)
from services.core.people import RecentJob, UserPrefs, UserUsage
from services.core.text import Language
from services.generation.image_models.stability import SD3_LARGE, SDXL
from services.generation.pipeline import JobOutcome
from services.generation.ports import Progress
from services.generation.presets import PRESETS, STYLES
from services.intake import QuotaStatus, UsageReport
from services.slack import ids, limits
from services.slack.messages import JA, keys, t
from services.slack.notifier import SlackNotifier, failure_message
from services.slack.result import (
    build_failure_blocks,
    build_result_blocks,
    build_result_text,
    build_retried_blocks,
)
from services.slack.views import (
    TOP_USERS,
    CandidateCell,
    Choice,
    FormDefaults,
    build_candidate_blocks,
    build_help_blocks,
    build_home_view,
    build_imagine_form,
)
from tests.blockkit import check_blocks, check_view

LANGS: list[Language] = ["ja", "en"]
JOB_ID = "20261121T093015-0123abcd"
# Every character mrkdwn escapes, so escaping makes the text five times longer.
WORST_ENGLISH = ("salt & pepper <b> on a roof > sea, " * 400)[: SD3_LARGE.max_prompt_chars]
LONG_JAPANESE = ("夜の海にオーロラと流氷、地平線から朝日が昇る様子を描いてください。" * 40)[:MAX_TEXT_CHARS]
LONG_REASON = ("流氷とオーロラは描かれていますが、朝日が見当たりません。" * 20)[:500]
CHECKS = [
    Check(requirement=(f"{index}: " + "地平線から昇る朝日と流氷 & <氷>" * 20)[:200], met=index % 2 == 0)
    for index in range(20)
]
NAME = "x" * 40  # style, preset and model alias are at most 40 characters
MANY_MODELS = [
    Choice(f"model-{index}", "arn:aws:bedrock:us-east-1:123456789012:" + "m" * 80) for index in range(30)
]
MANY_STYLES = [Choice(name, name) for name in STYLES]
MANY_SIZES = [Choice(f"{w}x{h}", f"{w}x{h}（" + "とても横長の画像" * 10 + "）") for w, h in SDXL.sizes or ()]


def _fill(template: str, value: str) -> dict[str, str]:
    return {name: value for _, name, _, _ in string.Formatter().parse(template) if name}


def _record(**overrides: Any) -> JobRecord:
    values: dict[str, Any] = {
        "job_id": JOB_ID,
        "trigger": "command",
        "created_at": datetime(2026, 11, 21, 9, 30, 15, tzinfo=UTC),
        "status": "best_effort",
        "original_text": LONG_JAPANESE,
        "english_prompt": WORST_ENGLISH,
        "model_id": "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/" + "p" * 60,
        "seed": 4_294_967_294,
        "cfg_scale": 34.5,
        "width": 1536,
        "height": 640,
        "style": NAME,
        "preset": NAME,
        "model_alias": NAME,
        "attempts": [
            Attempt(
                index=index,
                revision=0,
                prompt=WORST_ENGLISH,
                seed=index,
                cfg_scale=34.5,
                outcome="rejected_by_verifier",
                verdict=Verdict(matches=False, reason=LONG_REASON, checks=CHECKS),
            )
            for index in range(1, 10)
        ],
        "chosen_attempt": 1,
    }
    values.update(overrides)
    return JobRecord(**values)


# --- the limits themselves -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ours", "slack_sdk_value"),
    [
        (limits.SECTION_TEXT, SectionBlock.text_max_length),
        (limits.HEADER_TEXT, HeaderBlock.text_max_length),
        (limits.BUTTON_TEXT, ButtonElement.text_max_length),
        (limits.OPTION_TEXT, Option.label_max_length),
        (limits.IMAGE_ALT_TEXT, ImageBlock.alt_text_max_length),
        (limits.VIEW_TITLE, View.title_max_length),
        (limits.VIEW_TITLE, View.submit_max_length),
        (limits.INPUT_LABEL, InputBlock.label_max_length),
        (limits.PLACEHOLDER, InputInteractiveElement.placeholder_max_length),
        (limits.CONFIRM_TITLE, ConfirmObject.title_max_length),
        (limits.CONFIRM_TEXT, ConfirmObject.text_max_length),
        (limits.CONFIRM_BUTTON, ConfirmObject.confirm_max_length),
    ],
)
def test_the_limits_are_slack_sdks_own(ours: int, slack_sdk_value: int) -> None:
    assert ours == slack_sdk_value


def test_fit_keeps_short_text_and_cuts_long_text_with_an_ellipsis() -> None:
    assert limits.fit("猫" * 75, 75) == "猫" * 75
    assert limits.fit("猫" * 76, 75) == "猫" * 74 + "…"


def test_fit_never_ends_inside_an_escape_or_a_link() -> None:
    assert limits.fit("salt &amp; pepper", 9) == "salt…"
    assert limits.fit("see <https://example.com|the image>", 20) == "see…"
    assert limits.fit("hi <@U0USER> there", 14) == "hi <@U0USER>…"


def test_fit_counts_an_emoji_outside_the_bmp_as_two() -> None:
    # Slack's clients count UTF-16 code units; 🎨 is two of them.
    assert limits.fit("🎨" * 40, 75) == "🎨" * 37 + "…"


def test_the_form_fields_fit_in_a_slack_input() -> None:
    assert max(MAX_TEXT_CHARS, MAX_PROMPT_CHARS, MAX_NEGATIVE_CHARS) <= limits.INPUT_VALUE


# --- every surface at its longest -------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("status", ["accepted", "best_effort"])
@pytest.mark.parametrize("picked", [None, 9])
def test_a_result_with_the_longest_prompt_verdict_and_checklist_is_valid(
    lang: Language, status: str, picked: int | None
) -> None:
    record = _record(status=status)
    for caps in (SDXL, SD3_LARGE):
        blocks = build_result_blocks(
            record,
            caps,
            unverified=False,
            blurred=["Explicit Nudity", "Graphic Violence Or Gore", "Visually Disturbing"] * 10,
            attempt=picked,
            show_candidates=True,
            lang=lang,
        )
        check_blocks(blocks)
        assert len(blocks[0]["text"]["text"]) <= limits.SECTION_TEXT
        assert "salt &amp; pepper &lt;b&gt;" in blocks[0]["text"]["text"]
        assert [element["action_id"] for element in blocks[2]["elements"]][-1] == ids.ACTION_DELETE
    assert len(build_result_text(record, lang)) <= limits.MESSAGE_TEXT


def test_a_result_keeps_the_verdict_when_the_prompt_is_cut() -> None:
    record = _record(attempts=[], chosen_attempt=None)
    record.attempts.append(
        Attempt(index=1, revision=0, prompt="p", seed=1, cfg_scale=None, outcome="accepted",
                verdict=Verdict(matches=True, reason=LONG_REASON))
    )  # fmt: skip
    record.chosen_attempt = 1

    [section, *_] = build_result_blocks(record, SD3_LARGE, unverified=False)

    text = section["text"]["text"]
    assert text.endswith(LONG_REASON)
    assert "salt &amp; pepper" in text and "…" in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key", sorted(keys()))
def test_every_message_as_a_failure_and_after_a_retry_is_valid(lang: Language, key: str) -> None:
    text = t(key, lang, **_fill(JA[key], "とても長い値" * 200))

    check_blocks(build_failure_blocks(text, JOB_ID, reportable=True, retryable=True, lang=lang))
    check_blocks(build_retried_blocks(text, "U" + "0" * 20, lang))


@pytest.mark.parametrize("lang", LANGS)
def test_the_candidate_picker_is_valid(lang: Language) -> None:
    cells = [
        CandidateCell(attempt=index, label=str(index), matched=(None, True, False)[index % 3])
        for index in range(9)
    ]

    check_blocks(build_candidate_blocks(JOB_ID, cells, lang))
    check_blocks(build_candidate_blocks(JOB_ID, [CandidateCell(1, "候補" * 60, None)], lang))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("title_key", ["form.title.new", "form.title.adjust"])
def test_the_form_with_the_longest_defaults_is_valid(lang: Language, title_key: str) -> None:
    defaults = FormDefaults(
        text=LONG_JAPANESE,
        english_prompt=WORST_ENGLISH,
        negative="人物" * MAX_NEGATIVE_CHARS,
        cfg_scale=34.5,
        seed=4_294_967_295,
        size=MANY_SIZES[-1].value,
        style=MANY_STYLES[-1].value,
        model=MANY_MODELS[-1].value,
    )
    for cfg_range in ((0.0, 35.0), None):
        view = build_imagine_form(
            defaults,
            models=MANY_MODELS,
            styles=MANY_STYLES,
            sizes=MANY_SIZES,
            cfg_range=cfg_range,
            private_metadata="m" * 3000,
            lang=lang,
            title_key=title_key,
            photo_modes=PHOTO_MODES,
        )
        check_view(view)


@pytest.mark.parametrize("lang", LANGS)
def test_the_help_with_every_model_style_and_preset_is_valid(lang: Language) -> None:
    blocks = build_help_blocks(
        models=MANY_MODELS,
        default_model=MANY_MODELS[0].value,
        styles=list(STYLES),
        presets=list(PRESETS),
        sizes_text="--size " + ", ".join(f"{w}x{h}" for w, h in SDXL.sizes or ()) * 20,
        cfg_text="0〜35",
        max_candidates=5,
        lang=lang,
    )

    check_blocks(blocks)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("admin", [False, True])
def test_app_home_with_the_most_jobs_and_users_is_valid(lang: Language, admin: bool) -> None:
    start = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    recent = [
        RecentJob(
            job_id=f"20261121T0930{index:02d}-0123abcd",
            attempt=index,
            created_at=start + timedelta(minutes=index),
            text=LONG_JAPANESE,
            english_prompt=WORST_ENGLISH,
            seed=4_294_967_295,
            model_id="arn:aws:bedrock:us-east-1:123456789012:provisioned-model/" + "p" * 60,
            file_id=f"F{index:010d}",
            channel_id="C" + "0" * 20,
        )
        for index in range(40)
    ]
    users = [
        UserUsage(user_id=f"U{index:020d}", jobs=10**6, posted=10**6, images=10**7, cost_usd=123456.78)
        for index in range(TOP_USERS * 3)
    ]
    view = build_home_view(
        recent=recent,
        prefs=UserPrefs(model=MANY_MODELS[0].value, style=NAME, size=MANY_SIZES[0].value, lang=lang),
        quota=QuotaStatus(
            limit=10**6, used=10, resets_at=datetime(2026, 11, 22, tzinfo=ZoneInfo("Asia/Tokyo"))
        ),
        models=MANY_MODELS,
        styles=MANY_STYLES,
        sizes=MANY_SIZES,
        lang=lang,
        usage=UsageReport(today=users, week=users) if admin else None,
    )

    check_view(view)


# --- what the notifier posts and edits ----------------------------------------------------------------


class _Client:
    """Just the WebClient calls the notifier makes, recorded."""

    timeout = 30
    retry_handlers = ()

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:
        self.posts.append(kwargs)
        return {"ts": f"1700000000.{len(self.posts):06d}"}

    def files_upload_v2(self, **kwargs: Any) -> dict[str, Any]:
        self.posts.append({"text": kwargs["initial_comment"]})
        return {"files": [{"id": "F0LONG"}]}

    def reactions_add(self, **kwargs: Any) -> dict[str, Any]:
        return {}


class _Board:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def show(self, channel_id: str, ts: str, text: str, **kwargs: Any) -> None:
        self.texts.append(text)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("trigger", ["command", "adjust"])
def test_status_messages_and_the_posted_result_are_valid(lang: Language, trigger: str) -> None:
    client, board = _Client(), _Board()
    notifier = SlackNotifier(client, board, add_reactions=True)  # type: ignore[arg-type]
    job = Job(
        job_id=JOB_ID,
        text=LONG_JAPANESE,
        trigger=trigger,
        lang=lang,
        slack=SlackContext(channel_id="C0CHAN", user_id="U" + "0" * 20),
    )

    assert notifier.open_thread(job, position=99)
    notifier.waiting(job, 98)
    report = notifier.progress(job)
    for stage in ("moderation", "translation", "generation", "safety", "verification", "rewrite", "posting"):
        report(Progress(stage=stage, attempt=99, total=99))
    record = _record()
    notifier.deliver(job, JobOutcome(record=record, image=b"png"), SD3_LARGE, show_candidates=True)
    notifier.deliver(job, JobOutcome(record=record, error=BotError("x")), SD3_LARGE)

    assert record.posted_file_id == "F0LONG" and record.posted_message_ts
    assert len(board.texts) == 1 + 7 + 2  # waiting, each stage, done and failed
    for text in [*board.texts, *(post["text"] for post in client.posts)]:
        assert 0 < len(text) <= limits.MESSAGE_TEXT
    posted = [post["blocks"] for post in client.posts if post.get("blocks")]
    assert len(posted) == 2
    for blocks in posted:
        check_blocks(blocks)
    assert failure_message(BotError("x"), JOB_ID, lang) in client.posts[-1]["text"]
