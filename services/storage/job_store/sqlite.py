"""The job store in one SQLite file (or ``:memory:``), shared by the threads and processes of a host."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from services.core.clock import epoch_seconds, utc_now
from services.core.job import Checkpoint, Job
from services.storage.job_store.base import (
    ACTIVE_WINDOW,
    OPEN_STAGES,
    RUNNING_STAGES,
    RUNNING_WINDOW,
    STAGES,
    JobNotFound,
    Stage,
    StoredJob,
    check_final,
    check_open,
    moment,
    parse_checkpoint,
    readable,
    user_of,
)
from services.storage.sqlite_file import SqliteFile

logger = logging.getLogger(__name__)

# The file's name in DATA_DIR.
JOB_STORE_FILE = "jobs.sqlite3"

# Migration n brings a database from user_version n-1 to n. Append, never edit a shipped one.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        f"""CREATE TABLE jobs (
            job_id TEXT PRIMARY KEY,
            job TEXT NOT NULL,
            stage TEXT NOT NULL CHECK (stage IN ({", ".join(f"'{s}'" for s in STAGES)})),
            attempts INTEGER NOT NULL DEFAULT 0,
            posted INTEGER NOT NULL DEFAULT 0,
            updated_at REAL NOT NULL
        )""",
        "CREATE INDEX jobs_updated_at ON jobs (updated_at)",
    ),
)
_MIGRATIONS += (
    (
        "ALTER TABLE jobs ADD COLUMN checkpoint TEXT",
        "ALTER TABLE jobs ADD COLUMN user_id TEXT",
        "UPDATE jobs SET user_id = json_extract(job, '$.slack.user_id')",
        "CREATE INDEX jobs_by_user ON jobs (user_id, stage, updated_at)",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)


class SqliteJobStore:
    """Jobs in one SQLite file (or ``:memory:``), shared by the threads and processes of a host."""

    def __init__(self, path: Path | str, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        # NORMAL in WAL mode: a committed job survives a crash or kill of the process. FULL would
        # also survive a power loss but put an fsync on every ack, which python -m bench shows
        # pushing the ack past its budget under load; hosts that need that use JOB_TABLE (DynamoDB).
        self._db = SqliteFile(path, migrations=_MIGRATIONS, name="job store", synchronous="NORMAL")
        self._write = self._db.write
        self._read = self._db.read

    def _now(self) -> float:
        return epoch_seconds(self._clock())

    @staticmethod
    def _require(conn: sqlite3.Connection, job_id: str) -> None:
        if conn.execute("SELECT 1 FROM jobs WHERE job_id = ?", (job_id,)).fetchone() is None:
            raise JobNotFound(job_id)

    def accept(self, job: Job) -> None:
        """Record a new job as queued; a second accept of the same job id changes nothing."""
        # The ack waits for this write: one statement, its JSON made before the lock (see sqlite_file).
        self._db.write_one(
            "INSERT OR IGNORE INTO jobs (job_id, job, stage, attempts, posted, updated_at, user_id)"
            " VALUES (?, ?, 'queued', 0, 0, ?, ?)",
            (job.job_id, job.model_dump_json(), self._now(), user_of(job)),
        )

    def start(self, job_id: str) -> StoredJob:
        """A worker starts the job: stage running, one more attempt; the job as now stored."""
        with self._write() as conn:
            row = conn.execute(
                "UPDATE jobs SET attempts = attempts + 1, updated_at = ?,"
                " stage = CASE WHEN posted THEN 'posted' ELSE 'running' END"
                " WHERE job_id = ? RETURNING job, stage, attempts, updated_at, posted, checkpoint",
                (self._now(), job_id),
            ).fetchone()
        if row is None:
            raise JobNotFound(job_id)
        return _stored_from_row(row)

    def advance(self, job_id: str, stage: Stage) -> None:
        """Record the last completed unfinished stage (queued, running or generated)."""
        check_open(stage)
        self._set_stage(job_id, stage)

    def update(self, job: Job) -> None:
        """Replace the stored job (e.g. once its status message is posted), keeping its stage."""
        with self._write() as conn:
            updated = conn.execute(
                "UPDATE jobs SET job = ?, updated_at = ? WHERE job_id = ?",
                (job.model_dump_json(), self._now(), job.job_id),
            ).rowcount
        if not updated:
            raise JobNotFound(job.job_id)

    def checkpoint(self, job_id: str, checkpoint: Checkpoint) -> None:
        """Record the last completed pipeline stage; ignored once the job is posted."""
        stage = "generated" if checkpoint.stage == "generated" else "running"
        with self._write() as conn:
            updated = conn.execute(
                "UPDATE jobs SET checkpoint = ?, stage = ?, updated_at = ? WHERE job_id = ? AND NOT posted",
                (checkpoint.model_dump_json(), stage, self._now(), job_id),
            ).rowcount
            if not updated:
                self._require(conn, job_id)

    def active_for(self, user_id: str, *, within: timedelta = ACTIVE_WINDOW) -> int:
        """The user's unfinished jobs that changed within ``within``."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM jobs WHERE user_id = ? AND stage IN (?, ?, ?) AND updated_at >= ?",
                (user_id, *OPEN_STAGES, self._now() - within.total_seconds()),
            ).fetchone()
        return int(row[0])

    def running_for(self, user_id: str, *, within: timedelta = RUNNING_WINDOW) -> int:
        """The user's started, unfinished jobs (running or generated) that changed within ``within``."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM jobs WHERE user_id = ? AND stage IN (?, ?) AND updated_at >= ?",
                (user_id, *RUNNING_STAGES, self._now() - within.total_seconds()),
            ).fetchone()
        return int(row[0])

    def claim_post(self, job_id: str) -> bool:
        """Set the posted marker; True for exactly one caller per job, who may then post."""
        with self._write() as conn:
            claimed = conn.execute(
                "UPDATE jobs SET posted = 1, stage = 'posted', updated_at = ?"
                " WHERE job_id = ? AND NOT posted",
                (self._now(), job_id),
            ).rowcount
            if not claimed:
                self._require(conn, job_id)
        if not claimed:
            logger.info("job %s: already posted; not posting again", job_id)
        return bool(claimed)

    def finish(self, job_id: str, stage: Stage) -> None:
        """Record the final stage: posted, failed or interrupted."""
        check_final(stage)
        if stage == "posted":
            with self._write() as conn:
                updated = conn.execute(
                    "UPDATE jobs SET posted = 1, stage = 'posted', updated_at = ? WHERE job_id = ?",
                    (self._now(), job_id),
                ).rowcount
            if not updated:
                raise JobNotFound(job_id)
        else:
            self._set_stage(job_id, stage)

    def _set_stage(self, job_id: str, stage: Stage) -> None:
        with self._write() as conn:
            updated = conn.execute(
                "UPDATE jobs SET stage = ?, updated_at = ? WHERE job_id = ? AND NOT posted",
                (stage, self._now(), job_id),
            ).rowcount
            if not updated:
                self._require(conn, job_id)
        if not updated:
            logger.info("job %s: already posted; stage %s not recorded", job_id, stage)

    def get(self, job_id: str) -> StoredJob | None:
        """The stored job, or None if it was never accepted (or was pruned)."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT job, stage, attempts, updated_at, posted, checkpoint FROM jobs WHERE job_id = ?",
                (job_id,),
            ).fetchone()
        return _stored_from_row(row) if row is not None else None

    def unfinished(self, *, older_than: timedelta = timedelta(0)) -> list[StoredJob]:
        """Queued, running and generated jobs not updated for ``older_than``, oldest first."""
        cutoff = self._now() - older_than.total_seconds()
        with self._read() as conn:
            rows = conn.execute(
                "SELECT job, stage, attempts, updated_at, posted, checkpoint FROM jobs"
                " WHERE stage IN (?, ?, ?) AND updated_at <= ? ORDER BY updated_at, job_id",
                (*OPEN_STAGES, cutoff),
            ).fetchall()
        return readable(rows, _stored_from_row)

    def prune(self, older_than: timedelta) -> int:
        """Delete jobs (in any stage) not updated for ``older_than``; return how many."""
        cutoff = self._now() - older_than.total_seconds()
        with self._write() as conn:
            return int(conn.execute("DELETE FROM jobs WHERE updated_at < ?", (cutoff,)).rowcount)

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        self._db.close()


def _stored_from_row(row: tuple[Any, ...]) -> StoredJob:
    job, stage, attempts, updated_at, posted, checkpoint = row
    return StoredJob(
        job=Job.model_validate_json(job),
        stage=stage,
        attempts=int(attempts),
        updated_at=moment(float(updated_at)),
        posted=bool(posted),
        checkpoint=parse_checkpoint(checkpoint),
    )
