"""The archive's layout in a local folder: the embedded default, the CLI, and the spool's storage."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from services.core.job import JobRecord
from services.storage.archive.base import ImageLink, job_prefix, parse_record


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

    def link(self, key: str) -> ImageLink | None:
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
                record = parse_record(str(path), path.read_bytes())
                if record is not None:
                    yield record
