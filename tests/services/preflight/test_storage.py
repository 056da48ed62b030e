"""The archive bucket, the job queue and the DynamoDB tables, on moto's server over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from services.preflight import Status
from services.preflight.storage import (
    DEDUPE_TABLE,
    JOB_TABLE,
    STATE_TABLE,
    check_bucket,
    check_queue,
    check_table,
)
from tests.conftest import BUCKET, DynamoTable

AES256 = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


@pytest.fixture
def sqs(_moto: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", _moto)
    return boto3.client("sqs", region_name="us-east-1")


def lines(checks: list[Any]) -> list[str]:
    return [check.line() for check in checks]


def test_a_writable_encrypted_bucket_passes_and_keeps_nothing(s3: Any) -> None:
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration=AES256)

    checks = check_bucket(s3, BUCKET, "archive/", None)

    assert lines(checks) == [
        f"✅ ARCHIVE_BUCKET {BUCKET}: writable (a marker object was written and deleted)",
        f"✅ ARCHIVE_BUCKET {BUCKET}: default encryption AES256",
    ]
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_a_bucket_without_default_encryption_is_a_warning_with_the_command(s3: Any) -> None:
    [writable, encryption] = check_bucket(s3, BUCKET, "", None)

    assert writable.status is Status.OK
    assert encryption.status is Status.WARN
    assert encryption.message.startswith("no default encryption")
    assert f"aws s3api put-bucket-encryption --bucket {BUCKET}" in encryption.fix


def test_a_missing_bucket_fails_but_does_not_block_the_start(s3: Any) -> None:
    [check] = check_bucket(s3, "no-such-archive", "", None)

    assert check.line() == (
        "❌ ARCHIVE_BUCKET no-such-archive: no such bucket Fix: create it or correct ARCHIVE_BUCKET."
    )
    assert not check.fatal


def test_the_job_table_as_documented_passes(job_table: DynamoTable) -> None:
    client, name = job_table

    check = check_table(client, name, JOB_TABLE, "us-east-1")

    assert check.line() == f"✅ JOB_TABLE {name}: exists with key job_id (HASH), index open_by_user"


def test_a_job_table_without_its_index_fails(dynamo_table: Callable[..., DynamoTable]) -> None:
    client, name = dynamo_table("jobs", ["job_id"])

    check = check_table(client, name, JOB_TABLE, "us-east-1")

    assert check.status is Status.FAIL and check.fatal
    assert check.message == "no global secondary index open_by_user (key open_user (HASH))"
    assert "deploy/template.yaml" in check.fix


def test_an_index_that_does_not_project_what_the_code_filters_on_fails(
    dynamo_table: Callable[..., DynamoTable],
) -> None:
    client, name = dynamo_table("jobs", ["job_id"], indexes={"open_by_user": "open_user"}, included=["job"])

    check = check_table(client, name, JOB_TABLE, "us-east-1")

    assert "index open_by_user does not project updated_at" in check.message


def test_state_and_dedupe_tables(dynamo_table: Callable[..., DynamoTable]) -> None:
    client, state = dynamo_table("state", ["pk", "sk"])
    _, wrong = dynamo_table("state", ["pk"])

    assert check_table(client, state, STATE_TABLE, "us-east-1").status is Status.OK
    mismatch = check_table(client, wrong, STATE_TABLE, "us-east-1")
    assert mismatch.message == "its key is pk (HASH), the code expects pk (HASH), sk (RANGE)"
    assert check_table(client, wrong, DEDUPE_TABLE, "us-east-1").status is Status.OK


def test_a_missing_table_blocks_the_start_except_the_dedupe_table(
    dynamo_table: Callable[..., DynamoTable],
) -> None:
    client, _ = dynamo_table("any", ["pk"])

    job = check_table(client, "no-such-jobs", JOB_TABLE, "us-east-1")
    dedupe = check_table(client, "no-such-dedupe", DEDUPE_TABLE, "us-east-1")

    assert job.line().startswith("❌ JOB_TABLE no-such-jobs: no such table in us-east-1")
    assert job.fatal and not dedupe.fatal


def test_a_queue_with_a_dead_letter_queue_passes(sqs: Any) -> None:
    dlq = sqs.create_queue(QueueName="preflight-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "4"})
    url = sqs.create_queue(QueueName="preflight-jobs", Attributes={"RedrivePolicy": redrive})["QueueUrl"]

    check = check_queue(sqs, url, 3)

    assert (
        check.line() == f"✅ JOB_QUEUE_URL {url}: exists (visibility timeout 30 s, with a dead-letter queue)"
    )


def test_a_queue_without_a_dead_letter_queue_is_a_warning(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="preflight-plain")["QueueUrl"]

    check = check_queue(sqs, url, 3)

    assert check.status is Status.WARN
    assert "maxReceiveCount 4 (MAX_RECEIVES + 1)" in check.fix


def test_a_missing_queue_blocks_the_start(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="preflight-any")["QueueUrl"].replace("preflight-any", "gone")

    check = check_queue(sqs, url, 3)

    assert check.status is Status.FAIL and check.fatal
    assert check.message == "no such queue"
