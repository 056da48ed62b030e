"""Which job a log line belongs to, for the JSON log lines (bot/logs.py) without passing it around.

A job runs on one worker thread; ``job_logging`` marks that thread's records with the job id and
the hashed user id until the job ends. Lines logged with ``extra={"job_id": ...}`` (the pipeline's
candidate threads do that) keep their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_JOB: ContextVar[dict[str, str] | None] = ContextVar("job_log_context", default=None)

# Fields a log record may carry (as ``extra``) that the JSON formatter writes out.
FIELDS = ("job_id", "user", "stage", "duration_ms", "stages")


@contextmanager
def job_logging(job_id: str, user: str) -> Iterator[None]:
    """Mark this thread's log records with ``job_id`` and the hashed ``user`` until the block ends."""
    token = _JOB.set({"job_id": job_id, "user": user})
    try:
        yield
    finally:
        _JOB.reset(token)


def current() -> dict[str, str]:
    """The job fields of the running thread's job; empty outside a job."""
    return dict(_JOB.get() or {})
