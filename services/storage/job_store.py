"""The durable job store: every accepted request is written here before Slack is acknowledged.

A crash or restart never loses a job (``unfinished`` lists what to run again), and the posted
marker (``claim_post``) makes at-least-once delivery (SQS redelivers) post each result once.

Stages: ``queued`` (accepted) → ``running`` (a worker started it; ``attempts`` counts starts) →
``generated`` (an image is ready) → ``posted`` | ``failed`` | ``interrupted``. The first three are
unfinished. Posting cannot be undone, so once a job is posted its stage stays ``posted`` whatever
a late or duplicate worker reports afterwards; only ``attempts`` and ``updated_at`` still move.

A running job leaves a ``checkpoint`` (services.models.Checkpoint) after each completed pipeline
stage, so a job resumed after a crash or redelivered by SQS starts after it: no paid model call
of a finished stage is made twice. ``active_for`` counts a user's unfinished jobs, for the cap on
concurrent jobs per user, across every process sharing the store.

SQLite (``SqliteJobStore``) serves one host, e.g. ``DATA_DIR/jobs.sqlite3``, shared by the
processes on it. DynamoDB (``DynamoJobStore``) serves several hosts. Its table::

    TableName:              any (passed to DynamoJobStore)
    BillingMode:            PAY_PER_REQUEST
    AttributeDefinitions:   [{AttributeName: job_id, AttributeType: S},
                             {AttributeName: open_user, AttributeType: S}]
    KeySchema:              [{AttributeName: job_id, KeyType: HASH}]
    TimeToLiveSpecification: {AttributeName: expires_at, Enabled: true}

    Item attributes (only job_id is declared; DynamoDB is schemaless for the rest):
      job_id      S     the job id (partition key)
      job         S     the Job as JSON (services.models.Job)
      stage       S     queued | running | generated | posted | failed | interrupted
      attempts    N     how many times a worker started the job
      posted      BOOL  the posted marker, set once by claim_post
      checkpoint  S     the last Checkpoint as JSON (absent until the first one)
      open_user   S     the requester's user id while the job is unfinished; removed when it ends
      updated_at  N     epoch seconds (UTC, with microseconds) of the last change
      expires_at  N     whole epoch seconds, updated_at + 30 days: the TTL attribute

    GlobalSecondaryIndexes:
      - IndexName:  open_by_user
        KeySchema:  [{AttributeName: open_user, KeyType: HASH}]
        Projection: {ProjectionType: INCLUDE, NonKeyAttributes: [updated_at]}
      (so AttributeDefinitions also declares {AttributeName: open_user, AttributeType: S})

``open_by_user`` is sparse: only unfinished jobs carry ``open_user``, so counting a user's active
jobs reads a handful of index entries, however many jobs the table holds. Index reads are
eventually consistent: two requests in the same instant may both pass the cap.
``unfinished`` and ``prune`` scan the table, which is fine for the few thousand items a 30-day
TTL leaves at this bot's scale. The front needs dynamodb:PutItem and Query (on the index); the
worker needs PutItem, GetItem, UpdateItem, DeleteItem and Scan on the table.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar, get_args

from botocore.exceptions import ClientError
from pydantic import BaseModel, Field, ValidationError

from services.core.clock import epoch_seconds, utc_now
from services.core.errors import condition_failed
from services.core.job import Checkpoint, Job
from services.storage.sqlite_file import SqliteFile

logger = logging.getLogger(__name__)

_Raw = TypeVar("_Raw")

Stage = Literal["queued", "running", "generated", "posted", "failed", "interrupted"]
STAGES: tuple[Stage, ...] = get_args(Stage)
OPEN_STAGES: tuple[Stage, ...] = ("queued", "running", "generated")
FINAL_STAGES: tuple[Stage, ...] = ("posted", "failed", "interrupted")

DEFAULT_FILE_NAME = "jobs.sqlite3"
# Longer than SQS's longest message retention (14 days): a redelivered job still finds its marker.
DEFAULT_TTL = timedelta(days=30)

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
# A job unfinished for this long without a sign of life is stuck, not active: it no longer counts
# against the user's cap on concurrent jobs (resume or the queue's redelivery deals with it).
ACTIVE_WINDOW = timedelta(hours=1)


class JobNotFound(LookupError):
    """A job id that was never accepted (or was pruned) was given to the store."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id} is not in the job store")
        self.job_id = job_id


class StoredJob(BaseModel):
    """An accepted job and how far it got."""

    job: Job
    stage: Stage
    attempts: int = Field(ge=0)  # how many times a worker started it
    updated_at: datetime
    posted: bool
    checkpoint: Checkpoint | None = None


class JobStore(Protocol):
    """Where accepted jobs are kept until they are posted, failed or interrupted."""

    def accept(self, job: Job) -> None:
        """Record a new job as queued; a second accept of the same job id changes nothing."""

    def start(self, job_id: str) -> StoredJob:
        """A worker starts the job: stage running, one more attempt; the job as now stored."""

    def advance(self, job_id: str, stage: Stage) -> None:
        """Record the last completed unfinished stage (queued, running or generated)."""

    def update(self, job: Job) -> None:
        """Replace the stored job (e.g. once its status message is posted), keeping its stage."""

    def checkpoint(self, job_id: str, checkpoint: Checkpoint) -> None:
        """Record the last completed pipeline stage; ignored once the job is posted."""

    def active_for(self, user_id: str, *, within: timedelta = ACTIVE_WINDOW) -> int:
        """The user's unfinished jobs that changed within ``within``."""

    def claim_post(self, job_id: str) -> bool:
        """Set the posted marker; True for exactly one caller per job, who may then post."""

    def finish(self, job_id: str, stage: Stage) -> None:
        """Record the final stage: posted, failed or interrupted."""

    def get(self, job_id: str) -> StoredJob | None:
        """The stored job, or None if it was never accepted (or was pruned)."""

    def unfinished(self, *, older_than: timedelta = timedelta(0)) -> list[StoredJob]:
        """Queued, running and generated jobs not updated for ``older_than``, oldest first."""

    def prune(self, older_than: timedelta) -> int:
        """Delete jobs (in any stage) not updated for ``older_than``; return how many."""

    def close(self) -> None:
        """Release the store's resources."""


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _check_open(stage: str) -> None:
    if stage not in OPEN_STAGES:
        # posted only through claim_post (the marker), failed/interrupted only through finish.
        raise ValueError(f"advance takes one of {OPEN_STAGES}, not {stage!r}")


def _check_final(stage: str) -> None:
    if stage not in FINAL_STAGES:
        raise ValueError(f"finish takes one of {FINAL_STAGES}, not {stage!r}")


class SqliteJobStore:
    """Jobs in one SQLite file (or ``:memory:``), shared by the threads and processes of a host."""

    def __init__(self, path: Path | str, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        # NORMAL in WAL mode: a committed job survives a crash or kill of the process. FULL would
        # also survive a power loss but put an fsync on every ack (python -m bench: p99 ack
        # 113 ms instead of <100 with 50 at once); hosts that need that use JOB_TABLE (DynamoDB).
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
        with self._write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO jobs (job_id, job, stage, attempts, posted, updated_at, user_id)"
                " VALUES (?, ?, 'queued', 0, 0, ?, ?)",
                (job.job_id, job.model_dump_json(), self._now(), _user_of(job)),
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
        _check_open(stage)
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
        _check_final(stage)
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
        return _readable(rows, _stored_from_row)

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
        updated_at=_moment(float(updated_at)),
        posted=bool(posted),
        checkpoint=_checkpoint(checkpoint),
    )


def _checkpoint(raw: str | None) -> Checkpoint | None:
    """The stored checkpoint; None (start over) when absent or unreadable by this version."""
    if raw is None:
        return None
    try:
        return Checkpoint.model_validate_json(raw)
    except ValidationError:
        logger.warning("ignoring an unreadable checkpoint; the job starts over", exc_info=True)
        return None


def _user_of(job: Job) -> str | None:
    return job.slack.user_id if job.slack else None


def _readable(items: list[_Raw], parse: Callable[[_Raw], StoredJob]) -> list[StoredJob]:
    """Parse every item, skipping (and logging) ones this version of the bot cannot read."""
    stored = []
    for item in items:
        try:
            stored.append(parse(item))
        except (ValidationError, KeyError, ValueError):
            logger.warning("skipping an unreadable stored job", exc_info=True)
    return stored


OPEN_BY_USER = "open_by_user"
_FALSE = {"BOOL": False}
_TRUE = {"BOOL": True}


class DynamoJobStore:
    """Jobs in a DynamoDB table (schema in the module docstring), shared by every host."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        clock: Callable[[], datetime] = utc_now,
        ttl: timedelta = DEFAULT_TTL,
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock
        self._ttl = ttl

    def _stamp(self) -> dict[str, dict[str, str]]:
        """updated_at and expires_at values for a write now."""
        now = epoch_seconds(self._clock())
        return {
            ":now": {"N": f"{now:.6f}"},
            ":expires": {"N": str(int(now + self._ttl.total_seconds()))},
        }

    def _update(
        self,
        job_id: str,
        expression: str,
        values: dict[str, Any],
        *,
        unposted_only: bool,
        ends: bool = False,
    ) -> dict[str, Any] | None:
        """UpdateItem on an existing job; None when ``unposted_only`` and the job is already posted.

        ``expression`` is the SET clause; ``ends`` also drops the job from the
        open_by_user index, since it no longer counts as active.
        """
        condition = "attribute_exists(job_id)"
        if unposted_only:
            # The brief's marker condition; attribute_exists keeps UpdateItem from creating items.
            condition += " AND (attribute_not_exists(posted) OR posted = :false)"
            values = {**values, ":false": _FALSE}
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"job_id": {"S": job_id}},
                UpdateExpression=expression
                + ", updated_at = :now, expires_at = :expires"
                + (" REMOVE open_user" if ends else ""),
                ConditionExpression=condition,
                ExpressionAttributeValues={**values, **self._stamp()},
                ReturnValues="ALL_NEW",
                # Tells "no such job" (no Item) from "already posted" without a second read.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            if not exc.response.get("Item"):
                raise JobNotFound(job_id) from exc
            return None
        attributes: dict[str, Any] = response["Attributes"]
        return attributes

    def accept(self, job: Job) -> None:
        """Record a new job as queued; a second accept of the same job id changes nothing."""
        stamp = self._stamp()
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "job_id": {"S": job.job_id},
                    "job": {"S": job.model_dump_json()},
                    "stage": {"S": "queued"},
                    "attempts": {"N": "0"},
                    "posted": _FALSE,
                    "updated_at": stamp[":now"],
                    "expires_at": stamp[":expires"],
                    # A null user would break the index's key: such a job is never counted.
                    **({"open_user": {"S": user}} if (user := _user_of(job)) else {}),
                },
                ConditionExpression="attribute_not_exists(job_id)",
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            logger.info("job %s: already accepted", job.job_id)

    def start(self, job_id: str) -> StoredJob:
        """A worker starts the job: stage running, one more attempt; the job as now stored."""
        increment = {":one": {"N": "1"}}
        item = self._update(
            job_id,
            "SET attempts = attempts + :one, stage = :running",
            {**increment, ":running": {"S": "running"}},
            unposted_only=True,
        )
        if item is None:
            # Already posted: UpdateItem has no if/else, so count the attempt without the stage.
            item = self._update(job_id, "SET attempts = attempts + :one", increment, unposted_only=False)
        if item is None:  # unreachable: without unposted_only a failed condition means no such job
            raise JobNotFound(job_id)
        return _stored_from_item(item)

    def advance(self, job_id: str, stage: Stage) -> None:
        """Record the last completed unfinished stage (queued, running or generated)."""
        _check_open(stage)
        self._set_stage(job_id, stage)

    def claim_post(self, job_id: str) -> bool:
        """Set the posted marker; True for exactly one caller per job, who may then post."""
        item = self._update(
            job_id,
            "SET posted = :true, stage = :posted",
            {":true": _TRUE, ":posted": {"S": "posted"}},
            unposted_only=True,
            ends=True,
        )
        if item is None:
            logger.info("job %s: already posted; not posting again", job_id)
        return item is not None

    def update(self, job: Job) -> None:
        """Replace the stored job (e.g. once its status message is posted), keeping its stage."""
        self._update(
            job.job_id, "SET job = :job", {":job": {"S": job.model_dump_json()}}, unposted_only=False
        )

    def checkpoint(self, job_id: str, checkpoint: Checkpoint) -> None:
        """Record the last completed pipeline stage; ignored once the job is posted."""
        stage = "generated" if checkpoint.stage == "generated" else "running"
        self._update(
            job_id,
            "SET checkpoint = :checkpoint, stage = :stage",
            {":checkpoint": {"S": checkpoint.model_dump_json()}, ":stage": {"S": stage}},
            unposted_only=True,
        )

    def active_for(self, user_id: str, *, within: timedelta = ACTIVE_WINDOW) -> int:
        """The user's unfinished jobs that changed within ``within`` (an eventually consistent count)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": OPEN_BY_USER,
            "KeyConditionExpression": "open_user = :user",
            "FilterExpression": "updated_at >= :since",
            "ExpressionAttributeValues": {
                ":user": {"S": user_id},
                ":since": {"N": f"{epoch_seconds(self._clock()) - within.total_seconds():.6f}"},
            },
            "Select": "COUNT",
        }
        count = 0
        while True:
            response = self._client.query(**request)
            count += int(response.get("Count", 0))
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return count
            request["ExclusiveStartKey"] = last_key

    def finish(self, job_id: str, stage: Stage) -> None:
        """Record the final stage: posted, failed or interrupted."""
        _check_final(stage)
        if stage == "posted":
            self._update(
                job_id,
                "SET posted = :true, stage = :posted",
                {":true": _TRUE, ":posted": {"S": "posted"}},
                unposted_only=False,
                ends=True,
            )
        else:
            self._set_stage(job_id, stage)

    def _set_stage(self, job_id: str, stage: Stage) -> None:
        item = self._update(
            job_id,
            "SET stage = :stage",
            {":stage": {"S": stage}},
            unposted_only=True,
            ends=stage in FINAL_STAGES,
        )
        if item is None:
            logger.info("job %s: already posted; stage %s not recorded", job_id, stage)

    def get(self, job_id: str) -> StoredJob | None:
        """The stored job, or None if it was never accepted (or was pruned)."""
        response = self._client.get_item(
            TableName=self._table, Key={"job_id": {"S": job_id}}, ConsistentRead=True
        )
        item = response.get("Item")
        return _stored_from_item(item) if item else None

    def unfinished(self, *, older_than: timedelta = timedelta(0)) -> list[StoredJob]:
        """Queued, running and generated jobs not updated for ``older_than``, oldest first."""
        cutoff = epoch_seconds(self._clock()) - older_than.total_seconds()
        items = self._scan(
            "stage IN (:queued, :running, :generated) AND updated_at <= :cutoff",
            {
                **{f":{stage}": {"S": stage} for stage in OPEN_STAGES},
                ":cutoff": {"N": f"{cutoff:.6f}"},
            },
        )
        stored = _readable(items, _stored_from_item)
        return sorted(stored, key=lambda s: (s.updated_at, s.job.job_id))

    def prune(self, older_than: timedelta) -> int:
        """Delete jobs (in any stage) not updated for ``older_than``; return how many."""
        # The TTL on expires_at does this by itself (within a few days); prune is for a shorter age.
        cutoff = {":cutoff": {"N": f"{epoch_seconds(self._clock()) - older_than.total_seconds():.6f}"}}
        deleted = 0
        for item in self._scan("updated_at < :cutoff", cutoff, projection="job_id"):
            try:
                self._client.delete_item(
                    TableName=self._table,
                    Key={"job_id": item["job_id"]},
                    # A job touched since the scan is no longer old: leave it.
                    ConditionExpression="updated_at < :cutoff",
                    ExpressionAttributeValues=cutoff,
                )
            except ClientError as exc:
                if not condition_failed(exc):
                    raise
                continue
            deleted += 1
        return deleted

    def _scan(
        self, filter_expression: str, values: dict[str, Any], *, projection: str | None = None
    ) -> list[dict[str, Any]]:
        # A full Scan with a filter: fine for the few thousand items the 30-day TTL leaves.
        request: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": filter_expression,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        if projection is not None:
            request["ProjectionExpression"] = projection
        items: list[dict[str, Any]] = []
        while True:
            response = self._client.scan(**request)
            items.extend(response.get("Items", []))
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return items
            request["ExclusiveStartKey"] = last_key

    def close(self) -> None:
        """Nothing to release: the client belongs to the caller."""


def _stored_from_item(item: dict[str, Any]) -> StoredJob:
    return StoredJob(
        job=Job.model_validate_json(item["job"]["S"]),
        stage=item["stage"]["S"],
        attempts=int(item["attempts"]["N"]),
        updated_at=_moment(float(item["updated_at"]["N"])),
        posted=bool(item.get("posted", _FALSE)["BOOL"]),
        checkpoint=_checkpoint(item["checkpoint"]["S"]) if "checkpoint" in item else None,
    )
