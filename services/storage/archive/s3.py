"""The archive in an S3 bucket, with server-side encryption requested on every put."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from services.core.errors import error_code
from services.core.job import JobRecord
from services.storage.archive.base import job_prefix, parse_record

_CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "json": "application/json"}
# SigV4 presigned URLs live at most seven days.
LINK_SECONDS = 7 * 24 * 3600


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
                    record = parse_record(key, data)
                    if record is not None:
                        yield record
