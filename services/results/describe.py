"""🔎 プロンプトにする in Slack: the proposals posted in the message's thread, or why not, privately."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from services.core.errors import BotError
from services.core.inputs import SourceFile
from services.core.job import JobRecord, SlackContext, new_job_id
from services.core.people import UsageEntry
from services.core.text import Language
from services.generation.describe import Describer
from services.slack.messages import t
from services.slack.notifier import failure_message
from services.slack.views import build_description_blocks
from services.storage.state import StateStore

logger = logging.getLogger(__name__)

_NOT_IN_CHANNEL = {"not_in_channel", "channel_not_found", "is_archived"}


class DescribeDesk:
    """Runs the describer for a message's image and answers in that message's thread."""

    def __init__(self, describer: Describer, client: WebClient, state: StateStore | None = None) -> None:
        self._describer = describer
        self._client = client
        self._state = state

    def describe(self, file: SourceFile, slack: SlackContext, lang: Language) -> str | None:
        """Post the proposals into ``slack``'s thread; otherwise the message to tell the user privately."""
        job_id = new_job_id()
        outcome = self._describer.describe(job_id, file, slack, lang)
        self._count(outcome.record, slack)
        if outcome.descriptions is None:
            # Told privately: the image may be someone else's, and a refusal is nobody else's business.
            return failure_message(outcome.error or BotError("no proposals"), job_id, lang)
        text = t("describe.title", lang)
        try:
            self._client.chat_postMessage(
                channel=slack.channel_id,
                thread_ts=slack.thread_ts,
                text=text,
                blocks=build_description_blocks(outcome.descriptions, lang),
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            logger.warning("job %s: cannot post the proposals: %s", job_id, error)
            if error in _NOT_IN_CHANNEL:
                return t("not_in_channel", lang)
            return t("internal_error", lang, job_id=job_id)
        logger.info("job %s: %d proposal(s) posted", job_id, len(outcome.descriptions.items))
        return None

    def _count(self, record: JobRecord, slack: SlackContext) -> None:
        """Admins' usage view counts what the vision and moderation calls cost."""
        if self._state is None:
            return
        try:
            self._state.record_usage(
                UsageEntry(
                    job_id=record.job_id,
                    user_id=slack.user_id,
                    team_id=slack.team_id,
                    finished_at=record.finished_at or record.created_at,
                    status=record.status,
                    cost_usd=record.estimated_cost_usd or 0.0,
                )
            )
        except Exception:
            logger.exception("job %s: could not count it in the usage", record.job_id)
