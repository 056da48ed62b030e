"""Archive of every generated image and one JSON record per job: S3, or a local folder.

Keys come from the job's date and id only, never from the user's text:
``<prefix>jobs/YYYY/MM/DD/<job_id>/record.json`` and ``.../<name>.png``.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import ClientError
from pydantic import ValidationError

from services.core.errors import error_code
from services.core.job import JobRecord, job_date

logger = logging.getLogger(__name__)

_CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "json": "application/json"}
# SigV4 presigned URLs live at most seven days.
LINK_SECONDS = 7 * 24 * 3600
_SPOOLED_KEY = re.compile(r"jobs/\d{4}/\d{2}/\d{2}/(?P<job_id>[^/]+)/(?P<name>[^/]+)$")


# What people do to a result after it is posted. The pipeline owns every other field of a record;
# these belong to users, so a pipeline save (stragglers finish after posting) must keep them.
USER_FIELDS = ("approved", "approved_by", "approved_at", "deleted_by", "deleted_at", "reports")
_RECORD_LOCKS = tuple(threading.Lock() for _ in range(64))


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

    def link(self, key: str) -> str | None:
        """A time-limited URL a Slack user can open, or None when the archive cannot make one."""

    def iter_records(self, since: date | None = None) -> Iterator[JobRecord]:
        """Every job record, oldest job first; only jobs created on or after ``since`` (UTC)."""


class S3Archive:
    """Archive in an S3 bucket, with server-side encryption requested on every put."""

    def __init__(self, client: Any, bucket: str, prefix: str = "", kms_key_id: str | None = None) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._kms_key_id = kms_key_id

    def _encryption(self) -> dict[str, str]:
        if self._kms_key_id:
            return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self._kms_key_id}
        return {"ServerSideEncryption": "AES256"}

    def image_key(self, job_id: str, name: str) -> str:
        """The object key of an image."""
        return self._prefix + job_prefix(job_id) + name

    def link(self, key: str) -> str | None:
        """A presigned GET URL, valid for a week (less when the credentials are temporary)."""
        url = self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=LINK_SECONDS
        )
        return str(url)

    def _put(self, key: str, data: bytes, content_type: str) -> str:
        full = self._prefix + key
        self._client.put_object(
            Bucket=self._bucket, Key=full, Body=data, ContentType=content_type, **self._encryption()
        )
        return full

    def put_image(self, job_id: str, name: str, data: bytes) -> str:
        """Store an image under the job's prefix."""
        ext = name.rsplit(".", 1)[-1]
        return self._put(job_prefix(job_id) + name, data, _CONTENT_TYPES.get(ext, "application/octet-stream"))

    def put_record(self, record: JobRecord) -> str:
        """Store the job record as JSON."""
        body = record.model_dump_json(indent=2).encode()
        return self._put(job_prefix(record.job_id) + "record.json", body, "application/json")

    def _get(self, key: str) -> bytes | None:
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if error_code(exc) in {"NoSuchKey", "404"}:
                return None
            raise
        return bytes(response["Body"].read())

    def get_record(self, job_id: str) -> JobRecord | None:
        """Load a job record by id."""
        data = self._get(self._prefix + job_prefix(job_id) + "record.json")
        return JobRecord.model_validate_json(data) if data is not None else None

    def get_image(self, key: str) -> bytes | None:
        """Load an image by the key put_image returned."""
        return self._get(key)

    def describe(self, key: str) -> str:
        """The object's s3:// URI."""
        return f"s3://{self._bucket}/{key}"

    def iter_records(self, since: date | None = None) -> Iterator[JobRecord]:
        """Every job record, oldest first; keys start with the UTC date, so ``since`` skips by key."""
        root = self._prefix + "jobs/"
        listing: dict[str, Any] = {"Bucket": self._bucket, "Prefix": root}
        if since is not None:
            listing["StartAfter"] = f"{root}{since:%Y/%m/%d}/"
        paginator = self._client.get_paginator("list_objects_v2")
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="archive-read") as pool:
            for page in paginator.paginate(**listing):
                keys = [obj["Key"] for obj in page.get("Contents", []) if obj["Key"].endswith("/record.json")]
                # One GET per record; a page's worth in parallel, yielded in key order.
                for key, data in zip(keys, pool.map(self._get, keys), strict=True):
                    record = _parse_record(key, data)
                    if record is not None:
                        yield record


class LocalArchive:
    """The same layout in a local folder, for the embedded default and the CLI."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _write(self, key: str, data: bytes) -> str:
        path = self._root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a crash never leaves a half-written record behind.
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)
        return key

    def put_image(self, job_id: str, name: str, data: bytes) -> str:
        """Store an image file under the job's folder."""
        return self._write(job_prefix(job_id) + name, data)

    def image_key(self, job_id: str, name: str) -> str:
        """The relative path of an image."""
        return job_prefix(job_id) + name

    def link(self, key: str) -> str | None:
        """None: a local folder has no URL Slack users could open."""
        return None

    def put_record(self, record: JobRecord) -> str:
        """Store the job record as JSON."""
        return self._write(
            job_prefix(record.job_id) + "record.json", record.model_dump_json(indent=2).encode()
        )

    def get_record(self, job_id: str) -> JobRecord | None:
        """Load a job record by id."""
        path = self._root / job_prefix(job_id) / "record.json"
        if not path.exists():
            return None
        return JobRecord.model_validate_json(path.read_bytes())

    def get_image(self, key: str) -> bytes | None:
        """Load an image by the key put_image returned."""
        path = self._root / key
        return path.read_bytes() if path.exists() else None

    def describe(self, key: str) -> str:
        """The file's path."""
        return str(self._root / key)

    def iter_records(self, since: date | None = None) -> Iterator[JobRecord]:
        """Every job record, oldest first, read from ``jobs/YYYY/MM/DD/<job_id>/record.json``."""
        first = f"{since:%Y/%m/%d}" if since is not None else ""
        for day in sorted(self._root.glob("jobs/[0-9]*/[0-9]*/[0-9]*")):
            if "/".join(day.parts[-3:]) < first:
                continue
            for path in sorted(day.glob("*/record.json")):
                record = _parse_record(str(path), path.read_bytes())
                if record is not None:
                    yield record


def _parse_record(where: str, data: bytes | None) -> JobRecord | None:
    """A stored record, or None (logged) when it vanished or no longer validates."""
    if data is None:
        return None
    try:
        return JobRecord.model_validate_json(data)
    except ValidationError:
        logger.warning("skipping unreadable job record %s", where)
        return None


class SpoolingArchive:
    """An archive that never loses a write: what the inner archive refuses waits in a local spool.

    S3 can be unreachable for a while. Images and records that could not be written (after
    botocore's own retries) are kept under ``spool_dir`` and written again by a background thread
    and at shutdown; reads look in the spool first, so buttons keep working meanwhile.
    """

    def __init__(self, inner: Archive, spool_dir: Path, retry_seconds: float = 30.0) -> None:
        self._inner = inner
        self._spool = LocalArchive(spool_dir)
        self._root = spool_dir
        self._retry = retry_seconds
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self.pending:
            self._start()  # left over from the last run

    @property
    def pending(self) -> int:
        """Files waiting in the spool."""
        return sum(1 for path in self._root.glob("jobs/*/*/*/*/*") if path.is_file())

    def put_image(self, job_id: str, name: str, data: bytes) -> str:
        """Store an image; spool it when the archive cannot take it now."""
        try:
            return self._inner.put_image(job_id, name, data)
        except Exception as exc:
            logger.warning(
                "job %s: archive unavailable (%s); image %s spooled", job_id, type(exc).__name__, name
            )
            self._spool.put_image(job_id, name, data)
            self._start()
            return self._inner.image_key(job_id, name)

    def put_record(self, record: JobRecord) -> str:
        """Store a record; spool it when the archive cannot take it now."""
        try:
            key = self._inner.put_record(record)
        except Exception as exc:
            logger.warning(
                "job %s: archive unavailable (%s); record spooled", record.job_id, type(exc).__name__
            )
            self._start()
            return self._spool.put_record(record)
        # A newer record supersedes one still waiting in the spool.
        (self._root / job_prefix(record.job_id) / "record.json").unlink(missing_ok=True)
        return key

    def get_record(self, job_id: str) -> JobRecord | None:
        """The spooled record if one waits, else the archived one (None while unreachable)."""
        spooled = self._spool.get_record(job_id)
        if spooled is not None:
            return spooled
        try:
            return self._inner.get_record(job_id)
        except Exception as exc:
            # A write that follows this read must still reach the spool.
            logger.warning("job %s: archive unreadable (%s)", job_id, type(exc).__name__)
            return None

    def get_image(self, key: str) -> bytes | None:
        """The spooled image if one waits, else the archived one."""
        match = _SPOOLED_KEY.search(key)
        if match is not None:
            data = self._spool.get_image(job_prefix(match["job_id"]) + match["name"])
            if data is not None:
                return data
        try:
            return self._inner.get_image(key)
        except Exception as exc:
            logger.warning("archive unreadable (%s) for %s", type(exc).__name__, key)
            return None

    def describe(self, key: str) -> str:
        """Where the object is (or will be) archived."""
        return self._inner.describe(key)

    def image_key(self, job_id: str, name: str) -> str:
        """The inner archive's key."""
        return self._inner.image_key(job_id, name)

    def link(self, key: str) -> str | None:
        """The inner archive's link."""
        return self._inner.link(key)

    def iter_records(self, since: date | None = None) -> Iterator[JobRecord]:
        """The inner archive's records (spooled ones appear once flushed)."""
        return self._inner.iter_records(since)

    def flush(self) -> int:
        """Write what waits in the spool; returns how many files are still waiting."""
        with self._lock:
            for path in sorted(self._root.glob("jobs/*/*/*/*/*")):
                job_id, name = path.parent.name, path.name
                if name.startswith("tmp"):
                    continue  # a spool write in progress (LocalArchive writes, then renames)
                try:
                    if name == "record.json":
                        record = JobRecord.model_validate_json(path.read_bytes())
                        self._inner.put_record(record)
                    else:
                        self._inner.put_image(job_id, name, path.read_bytes())
                except Exception as exc:
                    logger.warning(
                        "archive still unavailable (%s); %d file(s) spooled", type(exc).__name__, self.pending
                    )
                    break
                path.unlink(missing_ok=True)
        return self.pending

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="archive-spool", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._retry):
            if self.flush() == 0:
                return

    def close(self) -> None:
        """One last flush; what still fails stays on disk and is flushed at the next start."""
        self._stop.set()
        if self.pending:
            self.flush()
