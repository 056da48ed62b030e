"""The durable job store: every accepted request is written here before Slack is acknowledged.

A crash or restart never loses a job (``unfinished`` lists what to run again), and the posted
marker (``claim_post``) makes at-least-once delivery (SQS redelivers) post each result once.

Stages: ``queued`` (accepted) → ``running`` (a worker started it; ``attempts`` counts starts) →
``generated`` (an image is ready) → ``posted`` | ``failed`` | ``interrupted``. The first three are
unfinished. Posting cannot be undone, so once a job is posted its stage stays ``posted`` whatever
a late or duplicate worker reports afterwards; only ``attempts`` and ``updated_at`` still move.

A running job leaves a ``checkpoint`` (services.core.job.Checkpoint) after each completed pipeline
stage, so a job resumed after a crash or redelivered by SQS starts after it: no paid model call
of a finished stage is made twice. ``active_for`` counts a user's unfinished jobs (queued or
running), for the limit on a user's queue; ``running_for`` counts only the started ones, for the
cap on a user's jobs running at once. Both count across every process sharing the store.

SQLite (``sqlite.SqliteJobStore``) serves one host, e.g. ``DATA_DIR/jobs.sqlite3``, shared by the
processes on it. DynamoDB (``dynamodb.DynamoJobStore``, its table in that module) serves several
hosts. This module holds what both share: the protocol, the stages and the stored job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol, TypeVar, get_args

from pydantic import BaseModel, Field, ValidationError

from services.core.job import Checkpoint, Job

logger = logging.getLogger(__name__)

_Raw = TypeVar("_Raw")

Stage = Literal["queued", "running", "generated", "posted", "failed", "interrupted"]
STAGES: tuple[Stage, ...] = get_args(Stage)
OPEN_STAGES: tuple[Stage, ...] = ("queued", "running", "generated")
# Started by a worker and not finished: what the per-user cap on running jobs counts.
RUNNING_STAGES: tuple[Stage, ...] = ("running", "generated")
FINAL_STAGES: tuple[Stage, ...] = ("posted", "failed", "interrupted")

# Longer than SQS's longest message retention (14 days): a redelivered job still finds its marker.
DEFAULT_TTL = timedelta(days=30)
# A job unfinished for this long without a sign of life is stuck, not active: it no longer counts
# against the user's queue limit (resume or the queue's redelivery deals with it).
ACTIVE_WINDOW = timedelta(hours=1)
# A running job writes to the store at every stage (start, checkpoints, post), and no stage takes
# this long: longer than the Lambda worker's 600 s timeout, so a live job always counts, and
# short, so the job of a worker that died frees its user's turn soon (SQS runs it again later).
RUNNING_WINDOW = timedelta(minutes=15)


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

    def running_for(self, user_id: str, *, within: timedelta = RUNNING_WINDOW) -> int:
        """The user's started, unfinished jobs (running or generated) that changed within ``within``."""

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


def moment(epoch: float) -> datetime:
    """A stored epoch-seconds time as an aware UTC datetime."""
    return datetime.fromtimestamp(epoch, UTC)


def check_open(stage: str) -> None:
    """Refuse a stage ``advance`` may not record."""
    if stage not in OPEN_STAGES:
        # posted only through claim_post (the marker), failed/interrupted only through finish.
        raise ValueError(f"advance takes one of {OPEN_STAGES}, not {stage!r}")


def check_final(stage: str) -> None:
    """Refuse a stage ``finish`` may not record."""
    if stage not in FINAL_STAGES:
        raise ValueError(f"finish takes one of {FINAL_STAGES}, not {stage!r}")


def parse_checkpoint(raw: str | None) -> Checkpoint | None:
    """The stored checkpoint; None (start over) when absent or unreadable by this version."""
    if raw is None:
        return None
    try:
        return Checkpoint.model_validate_json(raw)
    except ValidationError:
        logger.warning("ignoring an unreadable checkpoint; the job starts over", exc_info=True)
        return None


def user_of(job: Job) -> str | None:
    """The requester, whose unfinished jobs count against their cap."""
    return job.slack.user_id if job.slack else None


def readable(items: list[_Raw], parse: Callable[[_Raw], StoredJob]) -> list[StoredJob]:
    """Parse every item, skipping (and logging) ones this version of the bot cannot read."""
    stored = []
    for item in items:
        try:
            stored.append(parse(item))
        except (ValidationError, KeyError, ValueError):
            logger.warning("skipping an unreadable stored job", exc_info=True)
    return stored
