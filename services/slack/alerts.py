"""Configuration problems told to the admins once, in ADMIN_CHANNEL, not once per request.

A missing permission fails every request until someone fixes it; one message per problem (per
process, then again after a quiet period if it is still happening) tells the admins without
flooding the channel, and lets each user be told that the admins already know.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from services.core.errors import BotError
from services.core.text import Language
from services.slack.messages import t

logger = logging.getLogger(__name__)

# Remind the admins of a problem still happening after this long; quiet before.
QUIET_SECONDS = 6 * 3600


class AdminAlerts:
    """Posts each configuration cause to the admin channel at most once per quiet period."""

    def __init__(
        self,
        client: WebClient,
        channel: str | None,
        lang: Language = "ja",
        *,
        quiet_seconds: float = QUIET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._channel = channel
        self._lang = lang
        self._quiet = quiet_seconds
        self._clock = clock
        self._sent: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def report(self, error: BotError, job_id: str) -> bool:
        """Tell the admins about ``error`` if it needs them; True when they know of it."""
        diagnosis = error.diagnosis
        if diagnosis is None or not diagnosis.cause.config or not self._channel:
            return False
        key = (diagnosis.cause.code, diagnosis.detail[:120])
        now = self._clock()
        with self._lock:
            last = self._sent.get(key)
            if last is not None and now - last < self._quiet:
                return True
            self._sent[key] = now
        text = t(
            "admin.config_problem",
            self._lang,
            cause=diagnosis.cause.code,
            detail=diagnosis.detail or "-",
            fix=diagnosis.cause.fix,
            job_id=job_id,
        )
        try:
            self._client.chat_postMessage(channel=self._channel, text=text)
        except SlackApiError as exc:
            logger.error("could not tell the admins in %s: %s", self._channel, exc.response.get("error"))
            with self._lock:
                self._sent.pop(key, None)
            return False
        return True
