"""The archive in an S3 bucket, with server-side encryption requested on every put."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

from botocore.exceptions import ClientError

from services.core.errors import error_code
from services.core.job import JobRecord
from services.storage.archive.base import ImageLink, job_prefix, parse_record

_CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "json": "application/json"}
# SigV4 presigned URLs live at most seven days.
LINK_SECONDS = 7 * 24 * 3600
# Temporary credentials whose expiry botocore cannot see (a session token in the environment, as
# on Lambda) may end at any time: the link is made for an hour and promised as "at most" that.
UNKNOWN_EXPIRY_SECONDS = 3600
# A link that would stop opening sooner than this is not worth sending.
_MIN_LINK_SECONDS = 300


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _link_lifetime(client: Any, now: datetime) -> tuple[int, bool]:
    """Seconds a URL the client presigns now keeps opening, and whether that is certain.

    A presigned URL stops working when the credentials that signed it expire, whatever its
    X-Amz-Expires says: under a role (ECS, EC2, SSO, assume-role) that is hours, not a week.
    botocore keeps the signing credentials on the client's signer and their expiry, when it
    knows it, in ``_expiry_time``; neither has a public accessor.
    """
    credentials = getattr(getattr(client, "_request_signer", None), "_credentials", None)
    if credentials is None:
        return LINK_SECONDS, True
    # Refreshes first when the credentials are near their end, so the expiry read next is current.
    frozen = credentials.get_frozen_credentials()
    expiry = getattr(credentials, "_expiry_time", None)
    if isinstance(expiry, datetime):
        return min(LINK_SECONDS, int((expiry - now).total_seconds())), True
    if getattr(frozen, "token", None):
        return UNKNOWN_EXPIRY_SECONDS, False
    return LINK_SECONDS, True  # long-term access keys


class S3Archive:
    """Archive in an S3 bucket, with server-side encryption requested on every put."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        kms_key_id: str | None = None,
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._client = client
        self._clock = clock
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

    def link(self, key: str) -> ImageLink | None:
        """A presigned GET URL, for a week or until the signing credentials expire if sooner."""
        seconds, certain = _link_lifetime(self._client, self._clock())
        if seconds < _MIN_LINK_SECONDS:
            return None
        url = self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=seconds
        )
        return ImageLink(url=str(url), seconds=seconds, certain=certain)

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
                    record = parse_record(key, data)
                    if record is not None:
                        yield record
