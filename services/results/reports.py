"""False-positive reports: a user says a moderation refusal was wrong; an admin reviews it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from services.core.errors import InputRejected
from services.core.job import FalsePositiveReport, button_ref
from services.core.text import Language, escape, shorten
from services.slack.messages import t
from services.storage.archive import Archive, record_lock

logger = logging.getLogger(__name__)


class ReportDesk:
    """Files reports into the job's archived record and tells the admin channel."""

    def __init__(
        self, archive: Archive, client: WebClient, admin_channel: str | None, lang: Language = "ja"
    ) -> None:
        self._archive = archive
        self._client = client
        self._admin_channel = admin_channel
        self._lang = lang

    def file(self, value: str, user_id: str) -> None:
        """Record a report on the job; raises InputRejected for a bad or unknown button."""
        ref = button_ref(value)
        with record_lock(ref.job_id):
            record = self._archive.get_record(ref.job_id)
            if record is None:
                raise InputRejected("job.not_found")
            if any(report.user_id == user_id for report in record.reports):
                return  # a second click adds nothing
            record.reports.append(FalsePositiveReport(user_id=user_id, reported_at=datetime.now(UTC)))
            self._archive.put_record(record)
        logger.info("job %s: false positive reported", record.job_id)
        if not self._admin_channel:
            return
        error = record.error
        text = t(
            "report.admin",
            self._lang,
            user=user_id,
            job_id=record.job_id,
            layer=error.layer if error else "-",
            category=error.category if error else "-",
            text=escape(shorten(record.original_text, 200)),
        )
        try:
            self._client.chat_postMessage(channel=self._admin_channel, text=text)
        except SlackApiError as exc:
            # The report is already in the archive; the admin note is a convenience.
            logger.warning("could not notify the admin channel: %s", exc.response.get("error"))
