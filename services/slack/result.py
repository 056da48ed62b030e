"""Pure Block Kit builders: data in, blocks out. No I/O, so each is tested alone."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ImageBlock, StaticSelectElement

from services.core.edits import OUTPAINT_ACTIONS
from services.core.job import ButtonRef, JobRecord
from services.core.text import Language, escape, shorten
from services.generation.image_models import Capabilities
from services.slack import ids, limits
from services.slack.limits import button, context, option, section
from services.slack.messages import t

# The prompt line never takes the whole section: a 10,000-character SD3 prompt is cut to what the
# verdict and settings leave, but always keeps at least this much (the archive has all of it).
_MIN_PROMPT_CHARS = 300


def _fmt_cfg(value: float | None, lang: Language) -> str:
    return t("result.cfg_none", lang) if value is None else f"{value:g}"


def _result_headline(record: JobRecord, *, attempt: int | None, unverified: bool, lang: Language) -> str:
    if attempt is not None:
        # A candidate picked from the grid: the job's verdict describes another image.
        return t("result.picked", lang)
    if record.status == "accepted":
        return t("result.accepted", lang)
    if unverified:
        return t("result.unverified", lang)
    count = len([a for a in record.attempts if a.outcome != "filtered"])
    return t("result.best_effort", lang, count=count)


def _result_buttons(
    ref: str, caps: Capabilities, *, show_candidates: bool, lang: Language
) -> tuple[list[ButtonElement], list[ButtonElement]]:
    first = [
        button(t("button.regenerate", lang), action_id=ids.ACTION_REGENERATE, value=ref, style="primary"),
        button(t("button.same_seed", lang), action_id=ids.ACTION_SAME_SEED, value=ref),
    ]
    if caps.has_cfg:
        first += [
            button(t("button.cfg_down", lang), action_id=ids.ACTION_CFG_DOWN, value=ref),
            button(t("button.cfg_up", lang), action_id=ids.ACTION_CFG_UP, value=ref),
        ]
    if caps.supports_variation:
        first.append(button(t("button.variation", lang), action_id=ids.ACTION_VARIATION, value=ref))
    second = [
        button(t("button.adjust", lang), action_id=ids.ACTION_ADJUST, value=ref),
        button(t("button.approve", lang), action_id=ids.ACTION_APPROVE, value=ref),
    ]
    if show_candidates:
        second.append(button(t("button.candidates", lang), action_id=ids.ACTION_CANDIDATES, value=ref))
    confirm = limits.confirm(
        t("delete.confirm.title", lang),
        t("delete.confirm.text", lang),
        t("delete.confirm.yes", lang),
        t("delete.confirm.no", lang),
        style="danger",
    )
    second.append(
        button(
            t("button.delete", lang), action_id=ids.ACTION_DELETE, value=ref, style="danger", confirm=confirm
        )
    )
    return first, second


def _edit_elements(ref: str, record: JobRecord, edits: frozenset[str], lang: Language) -> list[Any]:
    """✏️ 🔍 ⬆️ ✂️ where the configured models can do them, and 🔙 under an edit."""
    elements: list[Any] = []
    if "inpaint" in edits:
        elements.append(button(t("button.edit", lang), action_id=ids.ACTION_EDIT, value=ref))
    if "outpaint" in edits:
        square = record.width == record.height
        options = [
            option(f"{action}|{ref}", t(f"edit.menu.{action}", lang))
            for action in OUTPAINT_ACTIONS
            if not (square and action == "square")
        ]
        # A select, not an overflow menu: Block Kit caps overflow menus at five options.
        elements.append(
            StaticSelectElement(
                action_id=ids.ACTION_EDIT_MENU, placeholder=t("edit.menu.placeholder", lang), options=options
            )
        )
    if "upscale" in edits:
        elements.append(button(t("button.upscale", lang), action_id=ids.ACTION_UPSCALE, value=ref))
    if "remove_background" in edits:
        elements.append(
            button(t("button.remove_background", lang), action_id=ids.ACTION_REMOVE_BACKGROUND, value=ref)
        )
    if record.edit is not None:
        elements.append(button(t("button.undo", lang), action_id=ids.ACTION_UNDO, value=ref))
    return elements


def build_result_blocks(
    record: JobRecord,
    caps: Capabilities,
    *,
    unverified: bool,
    blurred: list[str] | None = None,
    attempt: int | None = None,
    show_candidates: bool = False,
    lang: Language = "ja",
    edits: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """The message under a posted image: verdict, settings and the action buttons.

    ``attempt`` shows that candidate (picked from the grid) instead of the chosen one, and
    the buttons then act on it.
    """
    shown = record.chosen() if attempt is None else record.attempt(attempt)
    headline = _result_headline(record, attempt=attempt, unverified=unverified, lang=lang)
    if record.edit is not None:
        # ✏️ and a mention in the thread both name the change in the user's words.
        words = record.edit.instruction or record.original_text
        done = t(f"edit.done.{record.edit.action}", lang, text=escape(shorten(words)))
        headline = f"{done}\n{headline}"
    if blurred:
        headline += "\n" + t(
            "result.blurred", lang, categories=("、" if lang == "ja" else ", ").join(blurred)
        )
    seed, cfg = (record.seed, record.cfg_scale)
    if attempt is not None and shown is not None:
        seed, cfg = shown.seed, shown.cfg_scale
    verdict = shown.verdict.reason if shown and shown.verdict else "—"
    lines = [
        f"*{t('result.field.model', lang)}*: `{record.model_id}`　"
        f"*{t('result.field.seed', lang)}*: `{seed}`　"
        f"*{t('result.field.cfg', lang)}*: `{_fmt_cfg(cfg, lang)}`",
    ]
    chosen_by_name = [
        (key, value)
        for key, value in (
            ("result.field.style", record.style),
            ("result.field.preset", record.preset),
            ("result.field.model_alias", record.model_alias),
        )
        if value
    ]
    if chosen_by_name:
        lines.append("　".join(f"*{t(key, lang)}*: `{escape(value)}`" for key, value in chosen_by_name))
    lines.append(f"*{t('result.field.verdict', lang)}*: {escape(verdict)}")
    if shown and shown.verdict and shown.verdict.checks:
        marks = "　".join(
            f"{'✅' if check.met else '❌'} {escape(check.requirement)}" for check in shown.verdict.checks
        )
        lines.append(f"*{t('result.field.checklist', lang)}*: {marks}")
    label = f"*{t('result.field.prompt', lang)}*: "
    others = (
        limits.length(headline) + limits.length(label) + sum(limits.length(line) + 1 for line in lines) + 1
    )
    prompt = limits.fit(
        escape(record.english_prompt or ""), max(limits.SECTION_TEXT - others, _MIN_PROMPT_CHARS)
    )
    text = "\n".join([headline, label + prompt, *lines])
    ref = ButtonRef(
        job_id=record.job_id, attempt=(record.chosen_attempt or 0) if attempt is None else attempt
    )
    first, second = _result_buttons(ref.encode(), caps, show_candidates=show_candidates, lang=lang)
    blocks: list[Block] = []
    if record.edit is not None and record.source_file_id:
        # Before and after in the thread: the image the edit started from, by its Slack file id.
        blocks.append(
            ImageBlock(
                slack_file={"id": record.source_file_id},
                alt_text=t("edit.before", lang),
                title=t("edit.before", lang),
            )
        )
    blocks += [
        # A long checklist can still overflow; section() cuts its tail rather than fail the post.
        section(text),
        ActionsBlock(block_id=f"result:{record.job_id}", elements=first),
        ActionsBlock(block_id=f"result2:{record.job_id}", elements=second),
    ]
    edit_elements = _edit_elements(ref.encode(), record, edits, lang)
    if edit_elements:
        blocks.append(ActionsBlock(block_id=f"result3:{record.job_id}", elements=edit_elements))
    photo = _photo_line(record, lang)
    blocks += [
        context(
            *([photo] if photo else []),
            t("result.reactions", lang),
            f"{t('result.field.job', lang)}: `{record.job_id}`",
        ),
    ]
    return [block.to_dict() for block in blocks]


def _photo_line(record: JobRecord, lang: Language) -> str | None:
    """How the user's photo was used, and why not as asked when the settings could not."""
    if record.photo_mode is None:
        return None
    line = t(f"photo.used.{record.photo_mode}", lang)
    asked = record.photo_mode_asked
    if asked is not None and asked != record.photo_mode:
        line += " " + t("photo.fallback", lang, asked=t(f"photo.mode.{asked}", lang))
    return line


def build_failure_blocks(
    text: str, job_id: str, *, reportable: bool, retryable: bool = False, lang: Language = "ja"
) -> list[dict[str, Any]]:
    """A failure message; a refusal can be reported as a false positive, our failure retried."""
    blocks: list[Block] = [section(text)]
    ref = ButtonRef(job_id=job_id, attempt=0).encode()
    buttons = []
    if retryable:
        buttons.append(
            button(t("button.retry", lang), action_id=ids.ACTION_RETRY, value=ref, style="primary")
        )
    if reportable:
        report = t("button.report", lang)
        buttons.append(button(report, action_id=ids.ACTION_REPORT_FALSE_POSITIVE, value=ref))
    if buttons:
        blocks.append(ActionsBlock(block_id=f"failure:{job_id}", elements=buttons))
    return [block.to_dict() for block in blocks]


def build_retried_blocks(text: str, user_id: str, lang: Language = "ja") -> list[dict[str, Any]]:
    """A failure message once someone pressed 🔁 もう一度試す: the text stays, the button goes."""
    blocks: list[Block] = [
        section(text),
        context(t("retry.started", lang, user=user_id)),
    ]
    return [block.to_dict() for block in blocks]


def build_result_text(record: JobRecord, lang: Language = "ja") -> str:
    """Plain-text fallback of the result (notifications, screen readers)."""
    title = t("result.title", lang, text=escape(shorten(record.original_text)))
    return limits.fit(f"{title} {escape(record.english_prompt or '')}", limits.MESSAGE_TEXT)
