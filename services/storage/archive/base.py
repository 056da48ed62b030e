"""The archive's contract and layout: every generated image and one JSON record per job.

Keys come from the job's date and id only, never from the user's text:
``<prefix>jobs/YYYY/MM/DD/<job_id>/record.json`` and ``.../<name>.png``. Backends: S3
(``s3.S3Archive``), a local folder (``local.LocalArchive``), and a spool in front of either
(``spool.SpoolingArchive``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pydantic import ValidationError

from services.core.job import JobRecord, job_date

logger = logging.getLogger(__name__)

# What people do to a result after it is posted. The pipeline owns every other field of a record;
# these belong to users, so a pipeline save (stragglers finish after posting) must keep them.
USER_FIELDS = ("approved", "approved_by", "approved_at", "deleted_by", "deleted_at", "reports")
_RECORD_LOCKS = tuple(threading.Lock() for _ in range(64))


@dataclass(frozen=True)
class ImageLink:
    """A URL a Slack user can open, and for how long from when it was made.

    ``certain`` is False when the signing credentials are temporary with no known expiry, so
    ``seconds`` is only an upper bound: the link may stop opening earlier.
    """

    url: str
    seconds: int
    certain: bool = True


class Archive(Protocol):
    """Where images and job records are kept."""

    def put_image(self, job_id: str, name: str, data: bytes) -> str:
        """Store an image; return its key."""

    def put_record(self, record: JobRecord) -> str:
        """Store (or replace) a job's record; return its key."""

    def get_record(self, job_id: str) -> JobRecord | None:
        """The job's record, or None if there is none."""

    def get_image(self, key: str) -> bytes | None:
        """An image stored earlier by key, or None."""

    def describe(self, key: str) -> str:
        """A location an operator can open (s3:// URI or a path)."""

    def image_key(self, job_id: str, name: str) -> str:
        """The key put_image returns for this image, without storing anything."""

    def link(self, key: str) -> ImageLink | None:
        """A time-limited URL a Slack user can open, or None when the archive cannot make one."""

    def iter_records(self, since: date | None = None) -> Iterator[JobRecord]:
        """Every job record, oldest job first; only jobs created on or after ``since`` (UTC)."""


def record_lock(job_id: str) -> threading.Lock:
    """The lock every read-modify-write of ``job_id``'s record holds in this process."""
    return _RECORD_LOCKS[hash(job_id) % len(_RECORD_LOCKS)]


def save_keeping_user_fields(archive: Archive, record: JobRecord) -> str:
    """Store the pipeline's view of ``record`` without undoing a user's 👍, 🗑 or report."""
    with record_lock(record.job_id):
        latest = archive.get_record(record.job_id)
        if latest is not None:
            for name in USER_FIELDS:
                setattr(record, name, getattr(latest, name))
        return archive.put_record(record)


def job_prefix(job_id: str) -> str:
    """The key prefix of one job's objects."""
    return f"jobs/{job_date(job_id)}/{job_id}/"


def image_name(revision: int, index: int, suffix: str = "", ext: str = "png") -> str:
    """Deterministic file name of one candidate, so a re-run overwrites instead of duplicating."""
    return f"r{revision}-a{index:02d}{suffix}.{ext}"


def parse_record(where: str, data: bytes | None) -> JobRecord | None:
    """A stored record, or None (logged) when it vanished or no longer validates."""
    if data is None:
        return None
    try:
        return JobRecord.model_validate_json(data)
    except ValidationError:
        logger.warning("skipping unreadable job record %s", where)
        return None
