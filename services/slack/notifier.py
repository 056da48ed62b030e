"""Everything the bot posts into Slack for a job: status, progress, result, failures."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from services.core.errors import BotError, ContentFiltered, InputRejected, ModerationRejected, NoSafeImage
from services.core.job import Job, JobRecord, SlackContext
from services.core.text import Language, escape, shorten
from services.generation.image_models import Capabilities
from services.generation.pipeline import JobOutcome, Progress, ProgressFn
from services.slack.alerts import AdminAlerts
from services.slack.messages import keys, t
from services.slack.result import (
    build_failure_blocks,
    build_result_blocks,
    build_result_text,
)
from services.slack.status_board import StatusBoard
from services.storage.archive import ImageLink

logger = logging.getLogger(__name__)

_NOT_IN_CHANNEL = {"not_in_channel", "channel_not_found", "is_archived"}
# Follow-ups whose status line names the action rather than quoting the request text.
_ACTIONS = ("regenerate", "same_seed", "cfg_up", "cfg_down", "variation", "adjust", "refine", "pick", "again")
# Added to each result; users adding one of them run the same action (handlers/reactions.py).
RESULT_REACTIONS = ("arrows_counterclockwise", "heavy_plus_sign", "heavy_minus_sign", "game_die")


def retryable(error: BotError) -> bool:
    """Whether the same request may well work the next time: our failures, not refusals."""
    return not isinstance(error, ModerationRejected | InputRejected | ContentFiltered)


def failure_message(error: BotError, job_id: str, lang: Language = "ja", *, admins_told: bool = False) -> str:
    """The one Japanese sentence a user reads for a failed job."""
    if isinstance(error, ModerationRejected):
        category = t(f"category.{error.category}", lang) if f"category.{error.category}" in keys() else ""
        return t(f"moderation.{error.layer}", lang, category=category or t("category.other", lang))
    details = error.details if isinstance(error, InputRejected) else {}
    if error.kind not in keys():
        # A new error kind without a message must still reach the user politely.
        logger.error("no message for error kind %s", error.kind)
        return t("internal_error", lang, job_id=job_id)
    text = t(error.kind, lang, job_id=job_id, **details)
    if error.diagnosis is not None and error.diagnosis.cause.config and error.kind.startswith("cause."):
        # Nobody but an operator can fix a configuration cause: say that they know, or who to tell.
        text += t("cause.admins_told" if admins_told else "cause.tell_admins", lang, job_id=job_id)
    return text


def edit_label(job: Job) -> str:
    """What an edit job asked for, as the user chose it: their words, or the button's label."""
    spec = job.edit
    if spec is None:
        return t("button.undo", job.lang)
    if spec.instruction:
        return spec.instruction
    key = (
        f"edit.menu.{spec.action}"
        if spec.action not in ("upscale", "remove_background")
        else f"button.{spec.action}"
    )
    return t(key, job.lang)


def link_lifetime(seconds: int, lang: Language = "ja") -> str:
    """How long a link opens, rounded down to whole days, hours or minutes (「7 日間」「5 時間」)."""
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        count = seconds // size
        if count >= 1:
            return t(f"lifetime.{unit}" if count > 1 else f"lifetime.{unit[:-1]}", lang, count=count)
    return t("lifetime.minute", lang, count=1)


class SlackNotifier:
    """Posts a job's status message, its progress, and its result into the thread."""

    def __init__(
        self,
        client: WebClient,
        board: StatusBoard | None = None,
        *,
        add_reactions: bool = True,
        link: Callable[[str], ImageLink | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        alerts: AdminAlerts | None = None,
    ) -> None:
        self._client = client
        self._alerts = alerts
        self._link = link
        # chat.update is Tier 3 (~50 a minute per workspace): the board coalesces and paces edits.
        self._board = board or StatusBoard(client)
        self._add_reactions = add_reactions
        self._clock = clock
        self._started: dict[str, float] = {}

    def open_thread(self, job: Job, position: int = 0) -> bool:
        """Post the status message and fill in thread/status ts; False if we cannot post."""
        ctx = job.slack
        if ctx is None:
            return True
        if ctx.status_ts is not None:
            return True  # posted by the front (scale-out mode) before the job was queued
        text = self._status_text(job)
        if position:
            text += "\n" + t("status.queued", job.lang, position=position)
        try:
            response = self._client.chat_postMessage(
                channel=ctx.channel_id, thread_ts=ctx.thread_ts, text=text
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            logger.warning("job %s: cannot post status message: %s", job.job_id, error)
            if error in _NOT_IN_CHANNEL:
                self._tell_privately(ctx, t("not_in_channel", job.lang))
                return False
            raise
        ctx.status_ts = str(response["ts"])
        if ctx.thread_ts is None:
            ctx.thread_ts = ctx.status_ts
        return True

    def _tell_privately(self, ctx: SlackContext, text: str) -> None:
        try:
            if ctx.response_url:
                # response_url is a full URL outside the Web API, so it needs the webhook client.
                answer = WebhookClient(
                    ctx.response_url, timeout=self._client.timeout, retry_handlers=self._client.retry_handlers
                ).send(text=text, response_type="ephemeral", replace_original=False)
                if answer.status_code != 200:
                    logger.error("response_url answered %d for user %s", answer.status_code, ctx.user_id)
            else:
                self._client.chat_postEphemeral(channel=ctx.channel_id, user=ctx.user_id, text=text)
        except SlackApiError:
            logger.exception("could not tell user %s privately", ctx.user_id)

    def waiting(self, job: Job, position: int) -> None:
        """Show the job's new place in the queue."""
        line = t("status.queued", job.lang, position=position)
        self._update_status(job, f"{self._status_base(job)}\n{line}")

    def progress(self, job: Job) -> ProgressFn:
        """A reporter that edits the status message in place, through the board's pacing."""
        ctx = job.slack
        if ctx is None or ctx.status_ts is None:
            return lambda _: None
        started = self._started.setdefault(job.job_id, self._clock())
        base = self._status_base(job)

        def report(step: Progress) -> None:
            stage = t(
                f"stage.{step.stage}",
                job.lang,
                attempt=step.attempt,
                total=step.total,
                position=step.position,
            )
            elapsed = int(self._clock() - started)
            self._update_status(
                job, f"{base}\n{t('status.progress', job.lang, stage=stage, elapsed=elapsed)}"
            )

        return report

    def _status_text(self, job: Job) -> str:
        """The status message as first posted: who asked for what."""
        user = job.slack.user_id if job.slack else ""
        if job.edit is not None or job.trigger == "undo":
            return t("status.received_edit", job.lang, user=user, text=escape(shorten(edit_label(job))))
        if job.trigger in _ACTIONS:
            action = t(f"action.{job.trigger}", job.lang)
            return t("status.received_action", job.lang, user=user, action=action)
        return t("status.received", job.lang, user=user, text=escape(shorten(job.text)))

    def _status_base(self, job: Job) -> str:
        """The first line of the status message, kept above each progress line."""
        return self._status_text(job).split("\n", 1)[0]

    def _update_status(self, job: Job, text: str, *, final: bool = False) -> None:
        ctx = job.slack
        if ctx is None or ctx.status_ts is None:
            return
        # Never blocks: progress is a courtesy and must not slow the job down.
        self._board.show(ctx.channel_id, ctx.status_ts, text, team_id=ctx.team_id, final=final)
        if final:
            self._started.pop(job.job_id, None)

    def deliver(
        self,
        job: Job,
        outcome: JobOutcome,
        caps: Capabilities,
        *,
        show_candidates: bool = False,
        edits: frozenset[str] = frozenset(),
    ) -> None:
        """Upload the image with its details and buttons, or explain the failure."""
        ctx = job.slack
        if ctx is None:
            return
        lang = job.lang
        record = outcome.record
        elapsed = (record.finished_at - record.created_at).total_seconds() if record.finished_at else 0
        if outcome.image is None:
            error = outcome.error or BotError("no image")
            text = failure_message(error, job.job_id, lang, admins_told=self._tell_admins(error, job))
            reportable = isinstance(error, ModerationRejected | NoSafeImage | ContentFiltered)
            self._post(
                ctx,
                text,
                blocks=build_failure_blocks(
                    text, job.job_id, reportable=reportable, retryable=retryable(error), lang=lang
                ),
            )
            self._update_status(job, f"{self._status_base(job)}\n{t('status.failed', lang)}", final=True)
            return
        try:
            upload = self._client.files_upload_v2(
                channel=ctx.channel_id,
                thread_ts=ctx.thread_ts,
                content=outcome.image,
                filename=f"{job.job_id}.png",
                title=shorten(job.text, 60),
                initial_comment=t("result.title", lang, text=escape(shorten(job.text))),
            )
            files = upload.get("files") or []
            record.posted_file_id = str(files[0]["id"]) if files else None
        except SlackApiError as exc:
            # slack_sdk's retry handlers already retried; the archived image is the fallback.
            logger.error("job %s: upload failed: %s", job.job_id, exc.response.get("error"))
            self._post(ctx, self._upload_failed_text(record, lang))
            self._update_status(job, f"{self._status_base(job)}\n{t('status.failed', lang)}", final=True)
            return
        message = self._post(
            ctx,
            build_result_text(record, lang),
            blocks=build_result_blocks(
                record,
                caps,
                unverified=outcome.unverified,
                blurred=outcome.blurred,
                lang=lang,
                show_candidates=show_candidates,
                edits=edits,
                # A candidate picked from the grid says so instead of the job's overall verdict.
                attempt=record.chosen_attempt if record.trigger == "pick" else None,
            ),
        )
        record.posted_message_ts = message
        if message and self._add_reactions:
            self._react(ctx.channel_id, message)
        done = t("status.done", lang, elapsed=round(elapsed))
        self._update_status(job, f"{self._status_base(job)}\n{done}", final=True)

    def _upload_failed_text(self, record: JobRecord, lang: Language) -> str:
        chosen = record.chosen()
        link = None
        if self._link is not None and chosen is not None and chosen.image_key:
            try:
                link = self._link(chosen.image_key)
            except Exception:
                logger.exception("job %s: no link to the archived image", record.job_id)
        if link is None:
            return t("upload_failed", lang, job_id=record.job_id)
        # The promise is the link's real lifetime, rounded down: hours under a role, not a week.
        key = "upload_failed_link" if link.certain else "upload_failed_link_at_most"
        return t(key, lang, url=link.url, valid=link_lifetime(link.seconds, lang), job_id=record.job_id)

    def _react(self, channel_id: str, ts: str) -> None:
        """Offer the reaction shortcuts on a result by adding them first."""
        for name in RESULT_REACTIONS:
            try:
                self._client.reactions_add(channel=channel_id, timestamp=ts, name=name)
            except SlackApiError as exc:
                # Without reactions:write the buttons still work; say so once per result.
                logger.warning("could not add reaction %s: %s", name, exc.response.get("error"))
                return

    def tell_failure(self, job: Job, error: BotError) -> None:
        """Last resort when something broke outside the pipeline: the user still hears back."""
        if job.slack is not None:
            told = self._tell_admins(error, job)
            text = failure_message(error, job.job_id, job.lang, admins_told=told)
            blocks = build_failure_blocks(
                text, job.job_id, reportable=False, retryable=retryable(error), lang=job.lang
            )
            self._post(job.slack, text, blocks=blocks)

    def _tell_admins(self, error: BotError, job: Job) -> bool:
        return self._alerts is not None and self._alerts.report(error, job.job_id)

    def _post(self, ctx: SlackContext, text: str, blocks: list[dict[str, Any]] | None = None) -> str | None:
        try:
            response = self._client.chat_postMessage(
                channel=ctx.channel_id, thread_ts=ctx.thread_ts, text=text, blocks=blocks
            )
        except SlackApiError as exc:
            logger.error("could not post to %s: %s", ctx.channel_id, exc.response.get("error"))
            return None
        return str(response["ts"])
