"""The bot's state in one SQLite file (or ``:memory:``), shared by every thread of the process.

Times are stored as UTC epoch seconds (REAL), so comparisons are numeric whatever the precision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import ValidationError

from services.core.clock import epoch_seconds, utc_now
from services.core.people import RecentJob, UsageEntry, UserPrefs, UserUsage, usage_by_user
from services.storage.sqlite_file import SqliteFile
from services.storage.state.base import RECENT_KEPT_PER_USER

logger = logging.getLogger(__name__)

# The file's name in DATA_DIR.
STATE_FILE = "state.sqlite3"

# Migration n brings a database from user_version n-1 to n. Append, never edit a shipped one.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE posts (
            channel_id TEXT NOT NULL,
            message_ts TEXT NOT NULL,
            job_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (channel_id, message_ts)
        )""",
        "CREATE INDEX posts_created_at ON posts (created_at)",
        """CREATE TABLE threads (
            channel_id TEXT NOT NULL,
            thread_ts TEXT NOT NULL,
            job_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (channel_id, thread_ts)
        )""",
        "CREATE INDEX threads_updated_at ON threads (updated_at)",
        """CREATE TABLE prefs (
            user_id TEXT PRIMARY KEY,
            prefs TEXT NOT NULL,
            updated_at REAL NOT NULL
        )""",
        # seq orders results created in the same instant: the later insert is the newer one.
        """CREATE TABLE recent (
            seq INTEGER PRIMARY KEY,
            user_id TEXT NOT NULL,
            job_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            created_at REAL NOT NULL,
            item TEXT NOT NULL,
            UNIQUE (user_id, job_id, attempt)
        )""",
        "CREATE INDEX recent_by_user ON recent (user_id, created_at DESC, seq DESC)",
        "CREATE INDEX recent_by_job ON recent (job_id)",
        """CREATE TABLE requests (
            job_id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            team_id TEXT,
            at REAL NOT NULL
        )""",
        "CREATE INDEX requests_at ON requests (at)",
        "CREATE INDEX requests_by_user ON requests (user_id, at)",
        "CREATE INDEX requests_by_team ON requests (team_id, at)",
    ),
    (
        # One row per finished job: what admins see as usage. Written when a job ends, off the ack path.
        """CREATE TABLE usage (
            job_id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            team_id TEXT,
            finished_at REAL NOT NULL,
            entry TEXT NOT NULL
        )""",
        "CREATE INDEX usage_by_team ON usage (team_id, finished_at)",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)


class SqliteState:
    """State in one SQLite file (or ``:memory:``), shared by every thread of the process."""

    def __init__(self, path: Path | str, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        # In WAL mode NORMAL never corrupts; it may lose the last commits on a power loss.
        self._db = SqliteFile(path, migrations=_MIGRATIONS, name="state", synchronous="NORMAL")
        self._write = self._db.write
        self._read = self._db.read

    def _now(self) -> float:
        return epoch_seconds(self._clock())

    def remember_post(self, channel_id: str, message_ts: str, job_id: str, attempt: int) -> None:
        """Record which job and attempt a posted result message shows."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO posts (channel_id, message_ts, job_id, attempt, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (channel_id, message_ts, job_id, attempt, self._now()),
            )

    def post_for_message(self, channel_id: str, message_ts: str) -> tuple[str, int] | None:
        """The (job_id, attempt) a posted message shows, or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT job_id, attempt FROM posts WHERE channel_id = ? AND message_ts = ?",
                (channel_id, message_ts),
            ).fetchone()
        return (str(row[0]), int(row[1])) if row is not None else None

    def remember_thread(self, channel_id: str, thread_ts: str, job_id: str, attempt: int) -> None:
        """Record the latest result in a thread, replacing any earlier one."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO threads (channel_id, thread_ts, job_id, attempt, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (channel_id, thread_ts, job_id, attempt, self._now()),
            )

    def job_for_thread(self, channel_id: str, thread_ts: str) -> tuple[str, int] | None:
        """The (job_id, attempt) of the latest result in a thread, or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT job_id, attempt FROM threads WHERE channel_id = ? AND thread_ts = ?",
                (channel_id, thread_ts),
            ).fetchone()
        return (str(row[0]), int(row[1])) if row is not None else None

    def prefs(self, user_id: str) -> UserPrefs:
        """The user's saved defaults; empty when none were saved or they no longer validate."""
        with self._read() as conn:
            row = conn.execute("SELECT prefs FROM prefs WHERE user_id = ?", (user_id,)).fetchone()
        if row is None:
            return UserPrefs()
        try:
            return UserPrefs.model_validate_json(row[0])
        except ValidationError:
            # Prefs are only defaults: a value a newer model no longer accepts falls back to the workspace's.
            logger.warning("ignoring unreadable saved prefs of user %s", user_id)
            return UserPrefs()

    def save_prefs(self, user_id: str, prefs: UserPrefs) -> None:
        """Replace the user's defaults."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO prefs (user_id, prefs, updated_at) VALUES (?, ?, ?)",
                (user_id, prefs.model_dump_json(), self._now()),
            )

    def add_recent(self, user_id: str, item: RecentJob) -> None:
        """List a result in the user's App Home; the same (job_id, attempt) again replaces it."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO recent (user_id, job_id, attempt, created_at, item)"
                " VALUES (?, ?, ?, ?, ?)",
                (user_id, item.job_id, item.attempt, epoch_seconds(item.created_at), item.model_dump_json()),
            )

    def recent(self, user_id: str, limit: int = 10) -> list[RecentJob]:
        """The user's latest results, newest first by the job's creation time."""
        if limit <= 0:
            return []
        with self._read() as conn:
            rows = conn.execute(
                "SELECT item FROM recent WHERE user_id = ? ORDER BY created_at DESC, seq DESC LIMIT ?",
                (user_id, limit),
            ).fetchall()
        items = []
        for (item,) in rows:
            try:
                items.append(RecentJob.model_validate_json(item))
            except ValidationError:
                logger.warning("skipping unreadable recent result of user %s", user_id)
        return items

    def forget_recent(self, job_id: str) -> None:
        """Drop every listed result of a job (after it was deleted)."""
        with self._write() as conn:
            conn.execute("DELETE FROM recent WHERE job_id = ?", (job_id,))

    def count_request(self, user_id: str, team_id: str | None, job_id: str) -> None:
        """Count an accepted request once per job id, for quotas; a repeat keeps the first count."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO requests (job_id, user_id, team_id, at) VALUES (?, ?, ?, ?)",
                (job_id, user_id, team_id, self._now()),
            )

    def requests_since(
        self, since: datetime, *, user_id: str | None = None, team_id: str | None = None
    ) -> int:
        """Requests counted at or after ``since``, optionally for one user and/or workspace."""
        # Fixed SQL for every filter combination: a NULL parameter switches its condition off.
        with self._read() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM requests WHERE at >= ?"
                " AND (? IS NULL OR user_id = ?) AND (? IS NULL OR team_id = ?)",
                (epoch_seconds(since), user_id, user_id, team_id, team_id),
            ).fetchone()
        return int(row[0])

    def record_usage(self, entry: UsageEntry) -> None:
        """Count a finished job for the usage view; the same job id again replaces its entry."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO usage (job_id, user_id, team_id, finished_at, entry)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    entry.job_id,
                    entry.user_id,
                    entry.team_id,
                    epoch_seconds(entry.finished_at),
                    entry.model_dump_json(),
                ),
            )

    def usage_since(self, team_id: str | None, since: datetime) -> list[UserUsage]:
        """Per-user totals of the workspace's jobs finished at or after ``since``, most jobs first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT entry FROM usage WHERE team_id IS ? AND finished_at >= ?",
                (team_id, epoch_seconds(since)),
            ).fetchall()
        entries = []
        for (entry,) in rows:
            try:
                entries.append(UsageEntry.model_validate_json(entry))
            except ValidationError:
                logger.warning("skipping an unreadable usage entry")
        return usage_by_user(entries)

    def prune(self, older_than: timedelta) -> int:
        """Delete old posts, threads and requests, and recent results beyond 50 per user; return the count."""
        # Recent results are capped, not aged: App Home keeps showing a quiet user's last ones. Prefs stay.
        cutoff = self._now() - older_than.total_seconds()
        with self._write() as conn:
            deleted = conn.execute("DELETE FROM posts WHERE created_at < ?", (cutoff,)).rowcount
            deleted += conn.execute("DELETE FROM threads WHERE updated_at < ?", (cutoff,)).rowcount
            deleted += conn.execute("DELETE FROM requests WHERE at < ?", (cutoff,)).rowcount
            deleted += conn.execute("DELETE FROM usage WHERE finished_at < ?", (cutoff,)).rowcount
            deleted += conn.execute(
                "DELETE FROM recent WHERE seq IN (SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER"
                " (PARTITION BY user_id ORDER BY created_at DESC, seq DESC) AS position FROM recent)"
                " WHERE position > ?)",
                (RECENT_KEPT_PER_USER,),
            ).rowcount
        return deleted

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        self._db.close()
