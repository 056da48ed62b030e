"""What users do to a posted result besides re-running it: 👍 採用, 🗑 削除, 🖼 候補を見る."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from services.core.errors import InputRejected
from services.core.job import SAFE_OUTCOMES, SlackContext, button_ref
from services.core.text import Language, escape, shorten
from services.intake.service import Intake
from services.moderation.policy import blur
from services.results.grid import compose_grid
from services.slack.messages import t
from services.slack.views import CandidateCell, build_candidate_blocks
from services.storage.archive import Archive, record_lock
from services.storage.state import StateStore

logger = logging.getLogger(__name__)

# Slack answers these when the message or file is already gone; deleting again is not an error.
_GONE = {"message_not_found", "file_not_found", "file_deleted"}
MAX_GRID = 9


class ResultDesk:
    """Approves, deletes and shows the candidates of archived results."""

    def __init__(
        self,
        archive: Archive,
        client: WebClient,
        intake: Intake,
        state: StateStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._archive = archive
        self._client = client
        self._intake = intake
        self._state = state
        self._clock = clock

    def approve(self, value: str, user_id: str) -> str:
        """Mark the posted image approved (the fine-tuning export reads this); the message key to show."""
        # Read under the lock: the job's late candidates may be saving the record right now.
        with record_lock(button_ref(value).job_id):
            record, _ = self._intake.load(value)
            if record.chosen() is None or record.status not in {"accepted", "best_effort"}:
                raise InputRejected("approve.unavailable")
            if record.approved:
                return "approve.already"
            record.approved = True
            record.approved_by = user_id
            record.approved_at = self._clock()
            self._archive.put_record(record)
        logger.info("job %s: approved", record.job_id)
        return "approve.done"

    def delete(self, value: str, user_id: str) -> None:
        """Remove the result's message and file from Slack; only the requester or an admin may."""
        record, _ = self._intake.load(value)
        owner = record.slack.user_id if record.slack else None
        if user_id != owner and not self._intake.is_admin(user_id):
            raise InputRejected("delete.forbidden")
        channel = record.slack.channel_id if record.slack else None
        message_ts = record.posted_message_ts
        if channel and message_ts:
            self._gone_ok(lambda: self._client.chat_delete(channel=channel, ts=message_ts))
        if record.posted_file_id:
            file_id = record.posted_file_id
            self._gone_ok(lambda: self._client.files_delete(file=file_id))
        # The archive keeps the record and images: deleting is about the channel, not the audit trail.
        with record_lock(record.job_id):
            record = self._archive.get_record(record.job_id) or record
            record.deleted_by = user_id
            record.deleted_at = self._clock()
            self._archive.put_record(record)
        self._state.forget_recent(record.job_id)
        logger.info("job %s: deleted from Slack", record.job_id)

    @staticmethod
    def _gone_ok(call: Callable[[], object]) -> None:
        try:
            call()
        except SlackApiError as exc:
            if exc.response.get("error") not in _GONE:
                raise

    def show_candidates(self, value: str, slack: SlackContext, lang: Language) -> None:
        """Upload every safe candidate of the job as one numbered grid, with a pick button each."""
        record, _ = self._intake.load(value)
        usable = [
            attempt
            for attempt in record.attempts
            if attempt.image_key and attempt.outcome in SAFE_OUTCOMES and attempt.policy_action != "block"
        ][:MAX_GRID]
        cells: list[tuple[str, bytes]] = []
        labels: list[CandidateCell] = []
        for attempt in usable:
            data = self._archive.get_image(attempt.image_key or "")
            if data is None:
                continue
            if attempt.policy_action == "blur":
                data = blur(data)
            label = str(len(cells) + 1)
            cells.append((label, data))
            matched = attempt.verdict.matches if attempt.verdict else None
            labels.append(CandidateCell(attempt=attempt.index, label=label, matched=matched))
        if len(cells) < 2:
            raise InputRejected("candidates.none")
        grid = compose_grid(cells)
        self._client.files_upload_v2(
            channel=slack.channel_id,
            thread_ts=slack.thread_ts,
            content=grid,
            filename=f"{record.job_id}-candidates.png",
            title=shorten(record.original_text, 60),
            initial_comment=t(
                "candidates.title", lang, count=len(cells), text=escape(shorten(record.original_text))
            ),
        )
        self._client.chat_postMessage(
            channel=slack.channel_id,
            thread_ts=slack.thread_ts,
            text=t("candidates.title", lang, count=len(cells), text=escape(shorten(record.original_text))),
            blocks=build_candidate_blocks(record.job_id, labels, lang),
        )
