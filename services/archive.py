"""Archive of every generated image and one JSON record per job: S3, or a local folder.

Keys come from the job's date and id only, never from the user's text:
``<prefix>jobs/YYYY/MM/DD/<job_id>/record.json`` and ``.../<name>.png``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import ClientError
from pydantic import ValidationError

from services.models import JobRecord, job_date

logger = logging.getLogger(__name__)

_CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "json": "application/json"}


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
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
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
