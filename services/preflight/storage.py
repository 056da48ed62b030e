"""The archive bucket, the job queue and the DynamoDB tables: each exists, and has the shape the code
expects (the schemas of services/storage/*/dynamodb.py and deploy/template.yaml).

A missing job or state table, or a missing queue, fails every request; a missing dedupe table does not
(the deduper lets a request through when its table fails), nor does the bucket (writes wait in the local
spool). A call the role may not make is a warning that the check was skipped.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.core.causes import diagnose_error
from services.core.errors import error_code
from services.preflight.report import Check, fail, ok, warn
from services.storage.job_store import OPEN_BY_USER

_NO_QUEUE = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}
_MARKER = b"Written and deleted by python -m bot check; safe to delete.\n"


@dataclass(frozen=True)
class TableShape:
    """The keys (name, HASH | RANGE) a table must have, and the global index the code queries."""

    setting: str
    keys: tuple[tuple[str, str], ...]
    index: str | None = None
    index_keys: tuple[tuple[str, str], ...] = ()
    # Non-key attributes the code reads through the index, which its projection must carry.
    index_attributes: tuple[str, ...] = ()
    # Whether a table that is not there fails every request.
    fatal: bool = True


# services/storage/job_store/dynamodb.py: the active_for Query filters on updated_at in the index.
JOB_TABLE = TableShape(
    "JOB_TABLE", (("job_id", "HASH"),), OPEN_BY_USER, (("open_user", "HASH"),), ("updated_at",)
)
# services/storage/dedupe/dynamodb.py: one conditional PutItem per key; failures let requests through.
DEDUPE_TABLE = TableShape("DEDUPE_TABLE", (("pk", "HASH"),), fatal=False)
# services/storage/state/dynamodb.py.
STATE_TABLE = TableShape("STATE_TABLE", (("pk", "HASH"), ("sk", "RANGE")))


def _keys(schema: list[dict[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((k["AttributeName"], k["KeyType"]) for k in schema)


def _spell(keys: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{name} ({kind})" for name, kind in keys) or "none"


def _skipped(subject: str, action: str, exc: Exception) -> Check:
    diagnosis = diagnose_error(exc)
    fix = (
        f"allow {action} for the role (README: IAM policy) to have it checked."
        if diagnosis.cause.code == "permission"
        else diagnosis.cause.fix
    )
    return warn(subject, f"not checked: {action} failed ({diagnosis.cause.code}: {diagnosis.detail})", fix)


def check_table(client: Any, name: str, shape: TableShape, region: str) -> Check:
    """DescribeTable: the table is there with the key schema, string keys and index the code uses."""
    subject = f"{shape.setting} {name}"
    try:
        table = client.describe_table(TableName=name)["Table"]
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return fail(
                subject,
                f"no such table in {region}",
                f"create it as services/storage's docstring (or deploy/template.yaml) describes, or correct "
                f"{shape.setting}.",
                fatal=shape.fatal,
            )
        return _skipped(subject, "dynamodb:DescribeTable", exc)
    except BotoCoreError as exc:
        return _skipped(subject, "dynamodb:DescribeTable", exc)
    problems = []
    keys = _keys(table.get("KeySchema", []))
    if keys != shape.keys:
        problems.append(f"its key is {_spell(keys)}, the code expects {_spell(shape.keys)}")
    types = {a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions", [])}
    numeric = [n for n, _ in (*shape.keys, *shape.index_keys) if types.get(n, "S") != "S"]
    if numeric:
        problems.append(f"key attributes {', '.join(numeric)} must be strings (S)")
    if shape.index is not None:
        problems.extend(_index_problems(table, shape))
    if problems:
        fix = "recreate the table with that schema (deploy/template.yaml has it)."
        return fail(subject, "; ".join(problems), fix, fatal=shape.fatal)
    status = table.get("TableStatus", "ACTIVE")
    if status != "ACTIVE":
        return warn(subject, f"table is {status}", "wait until it is ACTIVE.")
    index = f", index {shape.index}" if shape.index else ""
    return ok(subject, f"exists with key {_spell(keys)}{index}")


def _index_problems(table: dict[str, Any], shape: TableShape) -> list[str]:
    index = next(
        (i for i in table.get("GlobalSecondaryIndexes", []) if i.get("IndexName") == shape.index), None
    )
    if index is None:
        return [f"no global secondary index {shape.index} (key {_spell(shape.index_keys)})"]
    problems = []
    keys = _keys(index.get("KeySchema", []))
    if keys != shape.index_keys:
        problems.append(
            f"index {shape.index} has key {_spell(keys)}, the code expects {_spell(shape.index_keys)}"
        )
    projection = index.get("Projection", {})
    if projection.get("ProjectionType") != "ALL":
        carried = set(projection.get("NonKeyAttributes", []))
        missing = [a for a in shape.index_attributes if a not in carried]
        if missing:
            problems.append(
                f"index {shape.index} does not project {', '.join(missing)}, which the code filters on"
            )
    return problems


def check_queue(client: Any, url: str, max_receives: int) -> Check:
    """GetQueueAttributes: the queue exists, and its dead-letter redrive comes after the worker gives up."""
    subject = f"JOB_QUEUE_URL {url}"
    try:
        attributes = client.get_queue_attributes(
            QueueUrl=url, AttributeNames=["VisibilityTimeout", "RedrivePolicy"]
        )["Attributes"]
    except ClientError as exc:
        if error_code(exc) in _NO_QUEUE:
            fix = "create it (deploy/template.yaml) or correct JOB_QUEUE_URL."
            return fail(subject, "no such queue", fix, fatal=True)
        return _skipped(subject, "sqs:GetQueueAttributes", exc)
    except BotoCoreError as exc:
        return _skipped(subject, "sqs:GetQueueAttributes", exc)
    visibility = attributes.get("VisibilityTimeout", "?")
    redrive = attributes.get("RedrivePolicy")
    if not redrive:
        return warn(
            subject,
            f"exists (visibility timeout {visibility} s) but has no dead-letter queue",
            f"add a RedrivePolicy with maxReceiveCount {max_receives + 1} (MAX_RECEIVES + 1), as "
            "deploy/template.yaml does.",
        )
    return ok(subject, f"exists (visibility timeout {visibility} s, with a dead-letter queue)")


def check_bucket(client: Any, bucket: str, prefix: str, kms_key_id: str | None) -> list[Check]:
    """The bucket takes a write and a delete of a small marker object, and has default encryption."""
    subject = f"ARCHIVE_BUCKET {bucket}"
    key = f"{prefix.strip('/') + '/' if prefix.strip('/') else ''}preflight/{uuid.uuid4().hex}.txt"
    # The same server-side encryption the archive asks for, so a bucket policy requiring it is met.
    encryption = (
        {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}
        if kms_key_id
        else {"ServerSideEncryption": "AES256"}
    )
    checks: list[Check] = []
    try:
        client.put_object(Bucket=bucket, Key=key, Body=_MARKER, ContentType="text/plain", **encryption)
    except (ClientError, BotoCoreError) as exc:
        code = error_code(exc) if isinstance(exc, ClientError) else ""
        if code == "NoSuchBucket":
            checks.append(fail(subject, "no such bucket", "create it or correct ARCHIVE_BUCKET."))
        else:
            diagnosis = diagnose_error(exc)
            kms = " and kms:GenerateDataKey on ARCHIVE_KMS_KEY_ID" if kms_key_id else ""
            message = f"cannot write {key} ({diagnosis.cause.code}: {diagnosis.detail})"
            checks.append(fail(subject, message, f"allow s3:PutObject on the bucket{kms}."))
        return checks
    try:
        client.delete_object(Bucket=bucket, Key=key)
        checks.append(ok(subject, "writable (a marker object was written and deleted)"))
    except (ClientError, BotoCoreError) as exc:
        checks.append(_skipped(f"{subject} (marker {key} left behind)", "s3:DeleteObject", exc))
    checks.append(_encryption(client, bucket, subject))
    return checks


def _encryption(client: Any, bucket: str, subject: str) -> Check:
    try:
        rules = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    except ClientError as exc:
        if error_code(exc) == "ServerSideEncryptionConfigurationNotFoundError":
            return warn(
                subject,
                "no default encryption: the bot asks for it on every object it writes, but nothing "
                "else that writes here does",
                f"aws s3api put-bucket-encryption --bucket {bucket} --server-side-encryption-configuration "
                '\'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}\' '
                "(deploy/template.yaml sets it).",
            )
        return _skipped(subject, "s3:GetEncryptionConfiguration", exc)
    except BotoCoreError as exc:
        return _skipped(subject, "s3:GetEncryptionConfiguration", exc)
    algorithms = sorted(
        {str(r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm", "?")) for r in rules}
    )
    return ok(subject, f"default encryption {', '.join(algorithms)}")
