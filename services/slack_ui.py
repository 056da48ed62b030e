"""Pure Block Kit builders: data in, blocks out. No I/O, so each is tested alone."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from services import ids
from services.image_models import Capabilities
from services.messages import Language, t
from services.models import JOB_ID_PATTERN, JobRecord

_SLACK_LINK = re.compile(r"<(?:https?|mailto):[^|>]*\|([^>]*)>|<((?:https?|mailto):[^>]*)>")
_SLACK_SPECIAL = re.compile(r"<[@#!][^>]*>")


class ButtonRef(BaseModel):
    """What a result button carries: a job id and attempt, looked up in the archive."""

    job_id: str = Field(pattern=JOB_ID_PATTERN.pattern)
    attempt: int = Field(ge=0, le=1000)

    def encode(self) -> str:
        """Compact value for the button (far below Slack's 2,000 characters)."""
        return f"{self.job_id}:{self.attempt}"

    @classmethod
    def decode(cls, value: str) -> ButtonRef:
        """Parse a button value; raises ValueError when tampered with or malformed."""
        job_id, sep, attempt = value.partition(":")
        if not sep or not attempt.isdigit():
            raise ValueError("malformed button value")
        try:
            return cls(job_id=job_id, attempt=int(attempt))
        except ValidationError as exc:
            raise ValueError("invalid button value") from exc


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clean_slack_text(text: str) -> str:
    """The plain text a user typed: mentions and broadcasts removed, links unwrapped."""
    text = _SLACK_LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = _SLACK_SPECIAL.sub(" ", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


def shorten(text: str, limit: int = 80) -> str:
    """``text`` on one line, cut with an ellipsis past ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _fmt_cfg(value: float | None, lang: Language) -> str:
    return t("result.cfg_none", lang) if value is None else f"{value:g}"


def build_result_blocks(
    record: JobRecord,
    caps: Capabilities,
    *,
    unverified: bool,
    blurred: list[str] | None = None,
    lang: Language = "ja",
) -> list[dict[str, Any]]:
    """The message under a posted image: verdict, settings and the action buttons."""
    chosen = record.chosen()
    attempts = len([a for a in record.attempts if a.outcome != "filtered"])
    if record.status == "accepted":
        headline = t("result.accepted", lang)
    elif unverified:
        headline = t("result.unverified", lang)
    else:
        headline = t("result.best_effort", lang, count=attempts)
    if blurred:
        headline += "\n" + t("result.blurred", lang, categories="、".join(blurred))
    verdict = chosen.verdict.reason if chosen and chosen.verdict else "—"
    details = "\n".join(
        [
            f"*{t('result.field.prompt', lang)}*: {escape(record.english_prompt or '')}",
            f"*{t('result.field.model', lang)}*: `{record.model_id}`　"
            f"*{t('result.field.seed', lang)}*: `{record.seed}`　"
            f"*{t('result.field.cfg', lang)}*: `{_fmt_cfg(record.cfg_scale, lang)}`",
            f"*{t('result.field.verdict', lang)}*: {escape(verdict)}",
        ]
    )
    if chosen and chosen.verdict and chosen.verdict.checks:
        marks = "　".join(
            f"{'✅' if check.met else '❌'} {escape(check.requirement)}" for check in chosen.verdict.checks
        )
        details += f"\n*{t('result.field.checklist', lang)}*: {marks}"
    ref = ButtonRef(job_id=record.job_id, attempt=record.chosen_attempt or 0).encode()
    buttons = [
        ButtonElement(
            text=t("button.regenerate", lang), action_id=ids.ACTION_REGENERATE, value=ref, style="primary"
        )
    ]
    if caps.has_cfg:
        buttons += [
            ButtonElement(text=t("button.cfg_down", lang), action_id=ids.ACTION_CFG_DOWN, value=ref),
            ButtonElement(text=t("button.cfg_up", lang), action_id=ids.ACTION_CFG_UP, value=ref),
        ]
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"{headline}\n{details}")),
        ActionsBlock(block_id=f"result:{record.job_id}", elements=buttons),
        ContextBlock(elements=[MarkdownTextObject(text=f"{t('result.field.job', lang)}: `{record.job_id}`")]),
    ]
    return [block.to_dict() for block in blocks]


def build_failure_blocks(
    text: str, job_id: str, *, reportable: bool, lang: Language = "ja"
) -> list[dict[str, Any]]:
    """A failure message; refusals by moderation carry a button to report a false positive."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text))]
    if reportable:
        ref = ButtonRef(job_id=job_id, attempt=0).encode()
        button = ButtonElement(
            text=t("button.report", lang), action_id=ids.ACTION_REPORT_FALSE_POSITIVE, value=ref
        )
        blocks.append(ActionsBlock(block_id=f"report:{job_id}", elements=[button]))
    return [block.to_dict() for block in blocks]


def build_result_text(record: JobRecord, lang: Language = "ja") -> str:
    """Plain-text fallback of the result (notifications, screen readers)."""
    title = t("result.title", lang, text=escape(shorten(record.original_text)))
    return f"{title} {escape(record.english_prompt or '')}"
