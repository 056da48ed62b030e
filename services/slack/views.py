"""Pure Block Kit builders for views: the /imagine form, help, App Home and the candidate picker.

Data in, dicts out, no I/O. The form reader turns Slack's ``view.state.values`` into a validated
``FormInput`` or a ``FormErrors`` ready for ``ack(response_action="errors", ...)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError
from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from services.core.job import (
    CFG_MAX,
    CFG_MIN,
    MAX_NEGATIVE_CHARS,
    MAX_PROMPT_CHARS,
    MAX_TEXT_CHARS,
    SEED_MAX,
    ButtonRef,
    RecentJob,
    UserPrefs,
    UserUsage,
)
from services.core.text import Language, escape, shorten
from services.intake import FormInput, QuotaStatus, UsageReport
from services.slack import ids
from services.slack.messages import t

# Block ids of the form; the action id of the element inside each block is the same string.
BLOCK_TEXT = "text"
BLOCK_PROMPT = "english_prompt"
BLOCK_NEGATIVE = "negative"
BLOCK_CFG = "cfg"
BLOCK_SEED = "seed"
BLOCK_SIZE = "size"
BLOCK_STYLE = "style"
BLOCK_MODEL = "model"

# Slack's limit on a view's private_metadata.
PRIVATE_METADATA_MAX_CHARS = 3000
# Block Kit rejects empty strings in most fields, so 「指定なし」 / 既定のまま travel as this
# option value rather than ""; ``read_choice`` turns it back into None (handlers use it too).
NO_CHOICE = "-"
# App Home lists at most this many jobs: two blocks each keeps the view under Slack's 100 blocks.
MAX_RECENT_JOBS = 20
# Japan has no daylight saving time, so a fixed offset needs no tz database in the image.
JST = timezone(timedelta(hours=9), "JST")
# Language names are written in their own language, whatever the interface language.
_LANGUAGE_CHOICES = (("ja", "日本語"), ("en", "English"))
# Slack's limit on an option's text.
_OPTION_TEXT_MAX_CHARS = 75
_ALT_TEXT_CHARS = 200


@dataclass(frozen=True)
class Choice:
    """One option of a select: the value the app reads and the label the user sees."""

    value: str
    label: str


@dataclass(frozen=True)
class FormDefaults:
    """What the form is prefilled with (empty for /imagine, a result's settings for ⚙️ 調整)."""

    text: str = ""
    english_prompt: str = ""
    negative: str = ""
    cfg_scale: float | None = None
    seed: int | None = None
    size: str | None = None
    style: str | None = None
    model: str | None = None


class FormErrors(Exception):
    """The form cannot be used; ``errors`` maps block ids to what the user should fix."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(f"invalid form fields: {', '.join(sorted(errors))}")
        self.errors = errors


# App Home lists this many of the week's most active users; the rest are only in the totals.
TOP_USERS = 10


@dataclass(frozen=True)
class CandidateCell:
    """One image of the candidate grid; ``matched`` None means it was not verified."""

    attempt: int
    label: str
    matched: bool | None


def read_choice(value: str | None) -> str | None:
    """A select's value as the app means it: ``None`` for 「指定なし」 / 既定のまま or nothing."""
    if value is None:
        return None
    value = value.strip()
    return None if not value or value == NO_CHOICE else value


def _fmt_number(value: float) -> str:
    # 15 significant digits: the seed bound stays whole and 6.5 is not 6.5000000001.
    return f"{value:.15g}"


def _option(choice: Choice) -> Option:
    return Option(value=choice.value, text=shorten(choice.label, _OPTION_TEXT_MAX_CHARS))


def _select(
    action_id: str,
    choices: Sequence[Choice],
    selected: str | None,
    *,
    lang: Language,
    unset_label: str | None = None,
) -> StaticSelectElement:
    """A static select; ``unset_label`` adds a first option for "none", initial when ``selected`` is None."""
    options = [_option(choice) for choice in choices]
    if unset_label is not None:
        options.insert(0, Option(value=NO_CHOICE, text=unset_label))
    wanted = NO_CHOICE if selected is None else selected
    # Slack rejects a view whose initial_option is not one of its options.
    initial = next((option for option in options if option.value == wanted), None)
    return StaticSelectElement(
        action_id=action_id,
        placeholder=t("form.placeholder.select", lang),
        options=options,
        initial_option=initial,
    )


def _to_jst(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(JST)


def _fmt_reset(moment: datetime) -> str:
    local = _to_jst(moment)
    return f"{local.month}/{local.day} {local.hour}:{local.minute:02d}"


# --- the /imagine form --------------------------------------------------------------------------------


def build_imagine_form(
    defaults: FormDefaults,
    *,
    models: Sequence[Choice],
    styles: Sequence[Choice],
    sizes: Sequence[Choice],
    cfg_range: tuple[float, float] | None,
    private_metadata: str,
    lang: Language = "ja",
    title_key: str = "form.title.new",
) -> dict[str, Any]:
    """The modal for /imagine with no text and for ⚙️ 調整; ``cfg_range`` None drops the cfg field."""
    if len(private_metadata) > PRIVATE_METADATA_MAX_CHARS:
        raise ValueError(f"private_metadata is {len(private_metadata)} characters, over Slack's 3000")
    blocks: list[Block] = [
        InputBlock(
            block_id=BLOCK_TEXT,
            label=t("form.label.text", lang),
            hint=t("form.hint.text", lang),
            optional=True,
            element=PlainTextInputElement(
                action_id=BLOCK_TEXT,
                multiline=True,
                max_length=MAX_TEXT_CHARS,
                placeholder=t("form.placeholder.text", lang),
                initial_value=defaults.text[:MAX_TEXT_CHARS] or None,
            ),
        ),
        InputBlock(
            block_id=BLOCK_PROMPT,
            label=t("form.label.prompt", lang),
            hint=t("form.hint.prompt", lang),
            optional=True,
            element=PlainTextInputElement(
                action_id=BLOCK_PROMPT,
                multiline=True,
                max_length=MAX_PROMPT_CHARS,
                initial_value=defaults.english_prompt[:MAX_PROMPT_CHARS] or None,
            ),
        ),
        InputBlock(
            block_id=BLOCK_NEGATIVE,
            label=t("form.label.negative", lang),
            hint=t("form.hint.negative", lang),
            optional=True,
            element=PlainTextInputElement(
                action_id=BLOCK_NEGATIVE,
                max_length=MAX_NEGATIVE_CHARS,
                placeholder=t("form.placeholder.negative", lang),
                initial_value=defaults.negative[:MAX_NEGATIVE_CHARS] or None,
            ),
        ),
    ]
    if cfg_range is not None:
        low, high = cfg_range
        cfg = defaults.cfg_scale
        blocks.append(
            InputBlock(
                block_id=BLOCK_CFG,
                label=t("form.label.cfg", lang),
                hint=t("form.hint.cfg", lang, low=_fmt_number(low), high=_fmt_number(high)),
                optional=True,
                element=NumberInputElement(
                    action_id=BLOCK_CFG,
                    is_decimal_allowed=True,
                    min_value=_fmt_number(low),
                    max_value=_fmt_number(high),
                    initial_value=_fmt_number(cfg) if cfg is not None and low <= cfg <= high else None,
                ),
            )
        )
    seed = defaults.seed
    blocks.append(
        InputBlock(
            block_id=BLOCK_SEED,
            label=t("form.label.seed", lang),
            hint=t("form.hint.seed", lang),
            optional=True,
            element=NumberInputElement(
                action_id=BLOCK_SEED,
                is_decimal_allowed=False,
                min_value="0",
                max_value=str(SEED_MAX),
                initial_value=str(seed) if seed is not None and 0 <= seed <= SEED_MAX else None,
            ),
        )
    )
    if sizes:
        blocks.append(
            InputBlock(
                block_id=BLOCK_SIZE,
                label=t("form.label.size", lang),
                optional=True,
                element=_select(BLOCK_SIZE, sizes, defaults.size, lang=lang),
            )
        )
    if styles:
        blocks.append(
            InputBlock(
                block_id=BLOCK_STYLE,
                label=t("form.label.style", lang),
                optional=True,
                element=_select(
                    BLOCK_STYLE, styles, defaults.style, lang=lang, unset_label=t("form.choice.none", lang)
                ),
            )
        )
    if len(models) > 1:
        blocks.append(
            InputBlock(
                block_id=BLOCK_MODEL,
                label=t("form.label.model", lang),
                optional=True,
                element=_select(BLOCK_MODEL, models, defaults.model, lang=lang),
            )
        )
    view = View(
        type="modal",
        callback_id=ids.VIEW_IMAGINE,
        title=t(title_key, lang),
        submit=t("form.submit", lang),
        close=t("form.close", lang),
        blocks=blocks,
        private_metadata=private_metadata or None,
    )
    return view.to_dict()


def _element(values: Mapping[str, Mapping[str, Any]], block_id: str) -> Mapping[str, Any]:
    element = (values.get(block_id) or {}).get(block_id)
    return element if isinstance(element, Mapping) else {}


def _typed(values: Mapping[str, Mapping[str, Any]], block_id: str) -> str:
    value = _element(values, block_id).get("value")
    return value.strip() if isinstance(value, str) else ""


def _selected(values: Mapping[str, Mapping[str, Any]], block_id: str) -> str | None:
    option = _element(values, block_id).get("selected_option")
    value = option.get("value") if isinstance(option, Mapping) else None
    return read_choice(value) if isinstance(value, str) else None


_FIELD_BLOCKS = {
    "text": BLOCK_TEXT,
    "english_prompt": BLOCK_PROMPT,
    "negative": BLOCK_NEGATIVE,
    "cfg_scale": BLOCK_CFG,
    "seed": BLOCK_SEED,
    "size": BLOCK_SIZE,
    "style": BLOCK_STYLE,
    "model": BLOCK_MODEL,
}
_FIELD_RANGES = {"cfg_scale": (CFG_MIN, CFG_MAX), "seed": (0, SEED_MAX)}


def _field_error(error: Mapping[str, Any], lang: Language) -> tuple[str, str]:
    field = str(error["loc"][0]) if error.get("loc") else "text"
    block = _FIELD_BLOCKS.get(field, BLOCK_TEXT)
    kind = error.get("type")
    if kind == "string_too_long":
        return block, t("form.error.too_long", lang, limit=error["ctx"]["max_length"])
    if field in _FIELD_RANGES and kind in ("greater_than_equal", "less_than_equal"):
        low, high = _FIELD_RANGES[field]
        return block, t("form.error.range", lang, low=_fmt_number(low), high=_fmt_number(high))
    return block, t("form.error.invalid", lang)


def read_imagine_form(values: Mapping[str, Mapping[str, Any]], lang: Language = "ja") -> FormInput:
    """The submitted form from ``view["state"]["values"]``; FormErrors says what to fix, per block."""
    errors: dict[str, str] = {}
    cfg: float | None = None
    raw_cfg = _typed(values, BLOCK_CFG)
    if raw_cfg:
        try:
            cfg = float(raw_cfg)
        except ValueError:
            cfg = None
        if cfg is None or not math.isfinite(cfg):
            cfg = None
            errors[BLOCK_CFG] = t("form.error.number", lang)
    seed: int | None = None
    raw_seed = _typed(values, BLOCK_SEED)
    if raw_seed:
        try:
            seed = int(raw_seed)
        except ValueError:
            errors[BLOCK_SEED] = t("form.error.integer", lang)
    text = _typed(values, BLOCK_TEXT)
    prompt = _typed(values, BLOCK_PROMPT)
    if not text and not prompt:
        errors[BLOCK_TEXT] = t("form.error.required", lang)
    fields: dict[str, Any] = {
        "text": text,
        "english_prompt": prompt,
        "negative": _typed(values, BLOCK_NEGATIVE),
        "cfg_scale": cfg,
        "seed": seed,
        "size": _selected(values, BLOCK_SIZE),
        "style": _selected(values, BLOCK_STYLE),
        "model": _selected(values, BLOCK_MODEL),
    }
    try:
        form = FormInput(**fields)
    except ValidationError as exc:
        found = dict(_field_error(error, lang) for error in exc.errors())
        # The checks above are more specific than pydantic's, so they win on the same block.
        raise FormErrors({**found, **errors}) from exc
    if errors:
        raise FormErrors(errors)
    return form


# --- help ---------------------------------------------------------------------------------------------


def build_help_blocks(
    *,
    models: Sequence[Choice],
    default_model: str,
    styles: Sequence[str],
    presets: Sequence[str],
    sizes_text: str,
    cfg_text: str,
    max_candidates: int,
    lang: Language = "ja",
) -> list[dict[str, Any]]:
    """The ephemeral answer to ``/imagine help``: ways in, refining, every option, examples."""
    style_example = styles[0] if styles else "photo"
    preset_example = presets[0] if presets else "ogp"
    model_example = default_model or (models[0].value if models else "nova")
    examples: dict[str, object] = {
        "style_example": escape(style_example),
        "preset_example": escape(preset_example),
        "model_example": escape(model_example),
        "n_example": max(1, min(4, max_candidates)),
    }
    comma, open_paren, close_paren = ("、", "（", "）") if lang == "ja" else (", ", " (", ")")
    listed: dict[str, object] = {
        "styles": comma.join(f"`{escape(name)}`" for name in styles) or "—",
        "presets": comma.join(f"`{escape(name)}`" for name in presets) or "—",
        "models": comma.join(f"`{escape(m.value)}`{open_paren}{escape(m.label)}{close_paren}" for m in models)
        or "—",
        "default_model": f"`{escape(default_model)}`",
        "sizes": escape(sizes_text),
        "cfg": escape(cfg_text),
        "max_candidates": max_candidates,
    }
    blocks: list[Block] = [
        HeaderBlock(text=t("help.title", lang)),
        SectionBlock(text=MarkdownTextObject(text=t("help.usage", lang))),
        SectionBlock(text=MarkdownTextObject(text=t("help.refine", lang))),
        SectionBlock(text=MarkdownTextObject(text=t("help.options", lang, **examples, **listed))),
        SectionBlock(text=MarkdownTextObject(text=t("help.examples", lang, **examples))),
    ]
    return [block.to_dict() for block in blocks]


def build_help_text(lang: Language = "ja") -> str:
    """Plain-text fallback of the help (notifications)."""
    return t("help.fallback", lang)


# --- App Home -----------------------------------------------------------------------------------------


def _quota_text(quota: QuotaStatus, lang: Language) -> str:
    if quota.limit is None:
        return t("home.quota_unlimited", lang)
    reset = _fmt_reset(quota.resets_at)
    remaining = max(0, quota.limit - quota.used)
    if remaining == 0:
        return t("home.quota_exhausted", lang, limit=quota.limit, reset=reset)
    return t("home.quota", lang, remaining=remaining, limit=quota.limit, reset=reset)


def _pref_block(label: str, select: StaticSelectElement, block_id: str) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=f"*{label}*"), accessory=select)


def _recent_blocks(job: RecentJob, lang: Language) -> list[Block]:
    created = _to_jst(job.created_at)
    meta = "　".join(
        [
            f"{t('result.field.seed', lang)} `{job.seed if job.seed is not None else '—'}`",
            f"{t('result.field.model', lang)} `{escape(job.model_id)}`",
            f"{created:%Y/%m/%d %H:%M}",
            f"<#{job.channel_id}>",
        ]
    )
    lines = [f"*{escape(shorten(job.text, 80))}*"]
    if job.english_prompt:
        lines.append(escape(shorten(job.english_prompt, 120)))
    lines.append(meta)
    again = ButtonElement(
        text=t("button.again", lang),
        action_id=ids.ACTION_AGAIN,
        value=ButtonRef(job_id=job.job_id, attempt=job.attempt).encode(),
    )
    blocks: list[Block] = [
        SectionBlock(
            block_id=f"recent:{job.job_id}:{job.attempt}",
            text=MarkdownTextObject(text="\n".join(lines)),
            accessory=again,
        )
    ]
    if job.file_id:
        blocks.append(
            ImageBlock(
                slack_file={"id": job.file_id},
                alt_text=shorten(job.text, _ALT_TEXT_CHARS) or job.job_id,
            )
        )
    return blocks


def build_home_view(
    *,
    recent: Sequence[RecentJob],
    prefs: UserPrefs,
    quota: QuotaStatus,
    models: Sequence[Choice],
    styles: Sequence[Choice],
    sizes: Sequence[Choice],
    lang: Language = "ja",
    usage: UsageReport | None = None,
) -> dict[str, Any]:
    """The App Home tab: today's quota, the user's defaults and latest images; usage for admins."""
    unset = t("home.pref.unset", lang)
    # Like the form: no select where there is nothing to choose.
    offered = [
        (t("form.label.model", lang), ids.ACTION_PREF_MODEL, models, prefs.model, len(models) > 1),
        (t("form.label.style", lang), ids.ACTION_PREF_STYLE, styles, prefs.style, bool(styles)),
        (t("form.label.size", lang), ids.ACTION_PREF_SIZE, sizes, prefs.size, bool(sizes)),
    ]
    pref_blocks = [
        _pref_block(label, _select(action_id, choices, chosen, lang=lang, unset_label=unset), action_id)
        for label, action_id, choices, chosen, shown in offered
        if shown
    ]
    languages = [Choice(value, label) for value, label in _LANGUAGE_CHOICES]
    pref_blocks.append(
        _pref_block(
            t("home.pref.lang", lang),
            _select(ids.ACTION_PREF_LANG, languages, prefs.lang or lang, lang=lang),
            ids.ACTION_PREF_LANG,
        )
    )
    blocks: list[Block] = [
        HeaderBlock(text=t("home.title", lang)),
        SectionBlock(text=MarkdownTextObject(text=_quota_text(quota, lang))),
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=f"*{t('home.prefs.title', lang)}*")),
        ContextBlock(elements=[MarkdownTextObject(text=t("home.prefs.hint", lang))]),
        *pref_blocks,
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=f"*{t('home.recent.title', lang)}*")),
    ]
    if not recent:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=t("home.recent.empty", lang))))
    for job in recent[:MAX_RECENT_JOBS]:
        blocks.extend(_recent_blocks(job, lang))
    if usage is not None:
        blocks.extend(_usage_blocks(usage, lang))
    return View(type="home", blocks=blocks).to_dict()


def _usage_blocks(usage: UsageReport, lang: Language) -> list[Block]:
    blocks: list[Block] = [
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=f"*{t('home.usage.title', lang)}*")),
        ContextBlock(elements=[MarkdownTextObject(text=t("home.usage.hint", lang))]),
    ]
    if not usage.week:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=t("home.usage.none", lang))))
        return blocks
    lines = [
        t("home.usage.today", lang, summary=_usage_summary(usage.today, lang)),
        t("home.usage.week", lang, summary=_usage_summary(usage.week, lang)),
    ]
    blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(lines))))
    top = [
        t("home.usage.user", lang, user=u.user_id, jobs=u.jobs, images=u.images, cost=f"{u.cost_usd:.2f}")
        for u in usage.week[:TOP_USERS]
    ]
    blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join([t("home.usage.top", lang), *top]))))
    return blocks


def _usage_summary(users: Sequence[UserUsage], lang: Language) -> str:
    return t(
        "home.usage.summary",
        lang,
        jobs=sum(u.jobs for u in users),
        posted=sum(u.posted for u in users),
        refused=sum(u.refused for u in users),
        failed=sum(u.failed for u in users),
        images=sum(u.images for u in users),
        cost=f"{sum(u.cost_usd for u in users):.2f}",
    )


# --- 候補を見る ----------------------------------------------------------------------------------------

_MARKS = {True: "✅", False: "❌", None: "・"}


def build_candidate_blocks(
    job_id: str, cells: Sequence[CandidateCell], lang: Language = "ja"
) -> list[dict[str, Any]]:
    """Under the candidate grid: what the marks mean and one 「N を使う」 button per candidate."""
    if not cells:
        return []
    blocks: list[Block] = [ContextBlock(elements=[MarkdownTextObject(text=t("candidates.legend", lang))])]
    # One section per candidate: Slack rejects an actions block whose buttons share an action_id,
    # and every button here is ids.ACTION_PICK (the value says which candidate).
    for cell in cells:
        pick = ButtonElement(
            text=t("button.pick", lang, label=cell.label),
            action_id=ids.ACTION_PICK,
            value=ButtonRef(job_id=job_id, attempt=cell.attempt).encode(),
        )
        blocks.append(
            SectionBlock(
                block_id=f"pick:{job_id}:{cell.attempt}",
                text=MarkdownTextObject(text=f"{_MARKS[cell.matched]} *{escape(cell.label)}*"),
                accessory=pick,
            )
        )
    return [block.to_dict() for block in blocks]
