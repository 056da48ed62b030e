"""One place that edits status messages in Slack: coalesced, rate-limited, off the job threads."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from services.core.priority import RequestPriority

logger = logging.getLogger(__name__)

_Key = tuple[str, str]  # (channel_id, ts)
_Content = tuple[str, list[dict[str, Any]] | None]

# A message nobody has shown anything for in this long is forgotten (a job that died without
# a final text must not keep its entry forever).
_FORGET_AFTER = 600.0
_SWEEP_EVERY = 60.0
# Messages that got their final text are remembered so that a straggling candidate thread
# cannot turn "完了" back into "生成中"; bounded so a long-running bot does not grow.
_FINISHED_KEPT = 10_000
# When Slack says ratelimited without a Retry-After, pause the team for this long.
_DEFAULT_BACKOFF = 30.0


@dataclass
class _Entry:
    """What one status message shows in Slack and what it should show next."""

    team_id: str | None
    text: str
    blocks: list[dict[str, Any]] | None
    final: bool
    touched: float
    sent_at: float | None = None
    sent: _Content | None = None


class _Bucket:
    """A token bucket for one workspace: ``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        # Tokens accrue from here; after a backoff this lies in the future.
        self.since = now

    def _refill(self, now: float) -> None:
        if now > self.since:
            self.tokens = min(self.burst, self.tokens + (now - self.since) * self.rate)
            self.since = now

    def ready_at(self, now: float) -> float:
        """When the next token is available (``now`` if one is)."""
        self._refill(now)
        start = max(now, self.since)
        return start + max(0.0, 1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0

    def back_off(self, now: float, seconds: float) -> None:
        """Spend everything and accrue nothing for ``seconds``."""
        self.tokens = 0.0
        self.since = max(self.since, now + seconds)


class StatusBoard:
    """Edits status messages in place from one thread, coalescing updates and respecting Tier 3."""

    def __init__(
        self,
        client: WebClient,
        *,
        per_minute: int = 50,
        burst: int = 5,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        priority: RequestPriority | None = None,
    ) -> None:
        if per_minute < 1 or burst < 1 or min_interval < 0:
            raise ValueError("per_minute and burst must be at least 1, min_interval not negative")
        self._client = client
        # chat.update is Tier 3: about 50 calls a minute per workspace.
        self._rate = per_minute / 60.0
        self._burst = burst
        self._min_interval = min_interval
        self._clock = clock
        # An edit can wait a moment while Slack's requests are answered (see core.priority).
        self._priority = priority
        self._cond = threading.Condition()
        self._entries: dict[_Key, _Entry] = {}
        # Keys with something to send, oldest first: fair between messages.
        self._pending: OrderedDict[_Key, None] = OrderedDict()
        self._finished: OrderedDict[_Key, None] = OrderedDict()
        self._buckets: dict[str | None, _Bucket] = {}
        self._in_flight: _Key | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._closed = False
        self._last_sweep = clock()
        # How long the sender sleeps when nothing may go yet (None: until something happens).
        self._wait: float | None = None

    def show(
        self,
        channel_id: str,
        ts: str,
        text: str,
        *,
        team_id: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        final: bool = False,
    ) -> None:
        """Ask for the message to show ``text``; returns at once, only the latest text is kept."""
        key = (channel_id, ts)
        with self._cond:
            if self._closed:
                logger.debug("status board closed; update for %s/%s ignored", channel_id, ts)
                return
            now = self._clock()
            entry = self._entries.get(key)
            if entry is None:
                if key in self._finished and not final:
                    return
                self._finished.pop(key, None)
                entry = _Entry(team_id, text, blocks, final, now)
                self._entries[key] = entry
            elif entry.final and not final:
                return
            else:
                entry.team_id, entry.text, entry.blocks = team_id, text, blocks
                entry.final = entry.final or final
                entry.touched = now
            if key not in self._pending:
                self._pending[key] = None
            self._start()
            self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until nothing is pending or in flight; False on timeout."""
        with self._cond:
            # Wakes the sender so it looks at the clock again (an injected clock may have moved).
            self._cond.notify_all()
            return self._cond.wait_for(lambda: not self._pending and self._in_flight is None, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Send what is pending (finals first) within ``timeout``, then stop the thread; idempotent."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
        flushed = self.flush(timeout)
        with self._cond:
            if not flushed:
                finals = sum(1 for key in self._pending if self._entries[key].final)
                logger.warning(
                    "status board closing with %d update(s) unsent (%d final)", len(self._pending), finals
                )
            self._pending.clear()
            self._stopping = True
            self._cond.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None:
            # At most one chat.update is in flight, bounded by the client's own timeout.
            thread.join()

    # ---- the sender thread (everything below runs on it, or with the lock held) -------------

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="status-board", daemon=True)
            self._thread.start()

    def _bucket(self, team_id: str | None, now: float) -> _Bucket:
        bucket = self._buckets.get(team_id)
        if bucket is None:
            bucket = self._buckets[team_id] = _Bucket(self._rate, self._burst, now)
        return bucket

    def _run(self) -> None:
        while True:
            with self._cond:
                job = self._next()
                while job is None:
                    if self._stopping:
                        return
                    self._cond.wait(self._wait)
                    job = self._next()
            key, content = job
            if self._priority is not None:
                self._priority.yield_to_requests()
            self._send(key, content)

    def _next(self) -> tuple[_Key, _Content] | None:
        """Pick the next update to send and take its token, or set how long to wait (lock held)."""
        now = self._clock()
        self._sweep(now)
        if self._stopping:
            return None
        wake = math.inf
        chosen: _Key | None = None
        for key in list(self._pending):
            entry = self._entries[key]
            if entry.sent is not None and entry.sent == (entry.text, entry.blocks):
                # Already showing this; a final needs nothing more either.
                del self._pending[key]
                if entry.final:
                    self._finish(key)
                continue
            at = self._bucket(entry.team_id, now).ready_at(now)
            if entry.sent_at is not None:
                at = max(at, entry.sent_at + self._min_interval)
            if at > now:
                wake = min(wake, at)
            elif entry.final:
                chosen = key
                break
            elif chosen is None:
                chosen = key
        if not self._pending:
            self._cond.notify_all()  # flush() may be waiting for exactly this
        if chosen is None:
            self._wait = None if wake == math.inf else min(wake - now, _SWEEP_EVERY)
            return None
        entry = self._entries[chosen]
        self._bucket(entry.team_id, now).take()
        del self._pending[chosen]
        entry.sent_at = now
        self._in_flight = chosen
        return chosen, (entry.text, entry.blocks)

    def _send(self, key: _Key, content: _Content) -> None:
        channel_id, ts = key
        text, blocks = content
        delivered = False
        backoff: float | None = None
        try:
            self._client.chat_update(channel=channel_id, ts=ts, text=text, blocks=blocks)
            delivered = True
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if error == "ratelimited":
                # The client's RateLimitErrorRetryHandler already waited; pause this team too and
                # keep the text: the message is fine, the workspace is just busy.
                backoff = _retry_after(exc)
            # Otherwise progress is a courtesy: a failed edit is logged and dropped, the job goes on.
            logger.warning("status update of %s/%s failed: %s", channel_id, ts, error)
        except Exception:
            logger.exception("status update of %s/%s failed", channel_id, ts)
        with self._cond:
            self._in_flight = None
            entry = self._entries.get(key)
            if entry is not None:
                if delivered:
                    entry.sent = content
                elif backoff is not None:
                    now = self._clock()
                    self._bucket(entry.team_id, now).back_off(now, backoff)
                    if key not in self._pending:
                        # Not the message's fault: try the same text again once the team may.
                        self._pending[key] = None
                        self._pending.move_to_end(key, last=False)
                if entry.final and key not in self._pending:
                    self._finish(key)
            self._cond.notify_all()

    def _finish(self, key: _Key) -> None:
        """Forget a message that got its final text, remembering only that it did (lock held)."""
        self._entries.pop(key, None)
        self._finished[key] = None
        self._finished.move_to_end(key)
        while len(self._finished) > _FINISHED_KEPT:
            self._finished.popitem(last=False)

    def _sweep(self, now: float) -> None:
        """Forget idle messages that never got a final text (lock held)."""
        if now - self._last_sweep < _SWEEP_EVERY:
            return
        self._last_sweep = now
        for key in [k for k, e in self._entries.items() if now - e.touched > _FORGET_AFTER]:
            if key not in self._pending and key != self._in_flight:
                del self._entries[key]


def _retry_after(exc: SlackApiError) -> float:
    """Seconds Slack asked us to wait, from the Retry-After header."""
    headers = getattr(exc.response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            values = value if isinstance(value, list) else [value]
            try:
                return max(1.0, float(values[0]))
            except (TypeError, ValueError, IndexError):
                break
    return _DEFAULT_BACKOFF
