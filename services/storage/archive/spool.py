"""A spool in front of an archive: what the archive refuses (S3 unreachable) waits on local disk."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from services.core.job import JobRecord
from services.storage.archive.base import Archive, ImageLink, job_prefix
from services.storage.archive.local import LocalArchive

logger = logging.getLogger(__name__)

_SPOOLED_KEY = re.compile(r"jobs/\d{4}/\d{2}/\d{2}/(?P<job_id>[^/]+)/(?P<name>[^/]+)$")


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

    def link(self, key: str) -> ImageLink | None:
        """The inner archive's link; None while the image still waits here (the link would not open)."""
        match = _SPOOLED_KEY.search(key)
        if match is not None and (self._root / job_prefix(match["job_id"]) / match["name"]).is_file():
            return None
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
