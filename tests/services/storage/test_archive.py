"""Image and record archive (services/storage/archive/): moto's S3 over HTTP, and a local folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.core.job import Attempt, JobRecord, ModerationLabel, Verdict
from services.storage.archive import LocalArchive, S3Archive, SpoolingArchive, image_name, job_prefix
from tests.conftest import BUCKET

JOB_ID = "20261121T093015-0123abcd"
PREFIX = "jobs/2026/11/21/20261121T093015-0123abcd/"
# Text that would be dangerous in a key if it were ever used to build one.
NASTY_TEXT = "../../etc/passwd 猫/犬 ?#%& <script>"


def _record(job_id: str = JOB_ID) -> JobRecord:
    return JobRecord(
        job_id=job_id,
        trigger="command",
        created_at=datetime(2026, 11, 21, 9, 30, 15, tzinfo=UTC),
        finished_at=datetime(2026, 11, 21, 9, 30, 55, tzinfo=UTC),
        status="accepted",
        original_text=NASTY_TEXT,
        translation="a cat and a dog",
        english_prompt="a cat and a dog",
        final_prompt="a cat and a dog, watercolor",
        negative_prompt="blurry",
        model_id="amazon.nova-canvas-v1:0",
        seed=1234,
        cfg_scale=6.5,
        width=1024,
        height=1024,
        attempts=[
            Attempt(
                index=1,
                revision=0,
                prompt="a cat and a dog, watercolor",
                seed=1234,
                cfg_scale=6.5,
                image_key=PREFIX + "r0-a01.png",
                outcome="accepted",
                moderation_labels=[ModerationLabel(name="Suggestive", confidence=12.5)],
                verdict=Verdict(matches=True, reason="both animals present", score=90),
                seconds={"generation": 4.2},
            )
        ],
        chosen_attempt=1,
        stage_seconds={"translation": 0.8},
    )


def _keys(s3: Any) -> list[str]:
    return sorted(obj["Key"] for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


# --- key layout --------------------------------------------------------------------------------------


def test_job_prefix_comes_from_the_job_id() -> None:
    assert job_prefix(JOB_ID) == PREFIX
    assert image_name(0, 1) == "r0-a01.png"
    assert image_name(2, 12, ext="jpeg") == "r2-a12.jpeg"


@pytest.mark.parametrize("bad", ["../../etc", "20261121T093015-ZZZZZZZZ", "", NASTY_TEXT, JOB_ID + "/x"])
def test_job_prefix_rejects_anything_but_a_job_id(bad: str) -> None:
    with pytest.raises(ValueError, match="not a job id"):
        job_prefix(bad)


# --- S3Archive ---------------------------------------------------------------------------------------


def test_s3_keys_are_derived_from_the_job_id_not_the_text(s3: Any) -> None:
    archive = S3Archive(s3, BUCKET)

    image_key = archive.put_image(JOB_ID, image_name(0, 1), b"\x89PNG fake")
    record_key = archive.put_record(_record())

    assert image_key == PREFIX + "r0-a01.png"
    assert record_key == PREFIX + "record.json"
    assert _keys(s3) == [PREFIX + "r0-a01.png", PREFIX + "record.json"]
    assert all("etc" not in key and "猫" not in key for key in _keys(s3))


def test_s3_objects_have_content_types(s3: Any) -> None:
    archive = S3Archive(s3, BUCKET)

    png = archive.put_image(JOB_ID, "r0-a01.png", b"png")
    jpeg = archive.put_image(JOB_ID, "r0-a02.jpeg", b"jpeg")
    other = archive.put_image(JOB_ID, "r0-a03.bin", b"bin")
    record = archive.put_record(_record())

    assert s3.head_object(Bucket=BUCKET, Key=png)["ContentType"] == "image/png"
    assert s3.head_object(Bucket=BUCKET, Key=jpeg)["ContentType"] == "image/jpeg"
    assert s3.head_object(Bucket=BUCKET, Key=other)["ContentType"] == "application/octet-stream"
    assert s3.head_object(Bucket=BUCKET, Key=record)["ContentType"] == "application/json"


def test_s3_default_encryption_is_aes256(s3: Any) -> None:
    archive = S3Archive(s3, BUCKET)

    keys = [archive.put_image(JOB_ID, "r0-a01.png", b"png"), archive.put_record(_record())]

    for key in keys:
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert head["ServerSideEncryption"] == "AES256"
        assert "SSEKMSKeyId" not in head


def test_s3_kms_encryption_uses_the_given_key(s3: Any) -> None:
    kms_key = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    archive = S3Archive(s3, BUCKET, kms_key_id=kms_key)

    keys = [archive.put_image(JOB_ID, "r0-a01.png", b"png"), archive.put_record(_record())]

    for key in keys:
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert head["ServerSideEncryption"] == "aws:kms"
        assert head["SSEKMSKeyId"] == kms_key


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", ""),
        ("/", ""),
        ("archive", "archive/"),
        ("archive/", "archive/"),
        ("/team/bot/", "team/bot/"),
    ],
)
def test_s3_prefix_is_normalised(s3: Any, prefix: str, expected: str) -> None:
    archive = S3Archive(s3, BUCKET, prefix=prefix)

    image_key = archive.put_image(JOB_ID, "r0-a01.png", b"png")
    archive.put_record(_record())

    assert image_key == f"{expected}{PREFIX}r0-a01.png"
    assert _keys(s3) == [f"{expected}{PREFIX}r0-a01.png", f"{expected}{PREFIX}record.json"]
    assert archive.get_record(JOB_ID) == _record()
    assert archive.get_image(image_key) == b"png"
    assert archive.describe(image_key) == f"s3://{BUCKET}/{image_key}"


def test_s3_record_round_trip(s3: Any) -> None:
    archive = S3Archive(s3, BUCKET, prefix="archive")
    record = _record()

    key = archive.put_record(record)

    assert archive.get_record(JOB_ID) == record
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert stored["original_text"] == NASTY_TEXT
    assert stored["attempts"][0]["verdict"]["reason"] == "both animals present"


def test_s3_put_record_replaces_the_previous_one(s3: Any) -> None:
    archive = S3Archive(s3, BUCKET)
    first = _record()
    archive.put_record(first)
    second = first.model_copy(update={"status": "best_effort", "posted_message_ts": "1700000000.000100"})

    archive.put_record(second)

    assert archive.get_record(JOB_ID) == second
    assert _keys(s3) == [PREFIX + "record.json"]


def test_s3_image_round_trip_and_missing_image(s3: Any) -> None:
    archive = S3Archive(s3, BUCKET)
    data = bytes(range(256)) * 10

    key = archive.put_image(JOB_ID, "r0-a01.png", data)

    assert archive.get_image(key) == data
    assert archive.get_image(PREFIX + "r0-a99.png") is None


def test_s3_missing_record_is_none(s3: Any) -> None:
    archive = S3Archive(s3, BUCKET)
    archive.put_record(_record())

    assert archive.get_record("20261121T093015-ffffffff") is None
    assert S3Archive(s3, BUCKET, prefix="elsewhere").get_record(JOB_ID) is None


# --- LocalArchive ------------------------------------------------------------------------------------


def _files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_local_layout_matches_s3(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path)

    image_key = archive.put_image(JOB_ID, image_name(0, 1), b"png")
    record_key = archive.put_record(_record())

    assert image_key == PREFIX + "r0-a01.png"
    assert record_key == PREFIX + "record.json"
    assert _files(tmp_path) == [PREFIX + "r0-a01.png", PREFIX + "record.json"]
    assert archive.describe(image_key) == str(tmp_path / image_key)


def test_local_round_trip(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path)
    record = _record()

    key = archive.put_image(JOB_ID, "r0-a01.png", b"\x00png\xff")
    archive.put_record(record)

    assert archive.get_image(key) == b"\x00png\xff"
    assert archive.get_record(JOB_ID) == record
    assert json.loads((tmp_path / PREFIX / "record.json").read_text())["original_text"] == NASTY_TEXT


def test_local_missing_record_and_image_are_none(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path)

    assert archive.get_record(JOB_ID) is None
    assert archive.get_image(PREFIX + "r0-a01.png") is None


def test_local_overwrite_leaves_no_temp_files(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path)
    record = _record()

    for revision in range(3):
        archive.put_image(JOB_ID, image_name(revision, 1), b"png")
        archive.put_image(JOB_ID, image_name(revision, 1), b"png again")
        archive.put_record(record.model_copy(update={"seed": revision}))

    assert _files(tmp_path) == [
        PREFIX + "r0-a01.png",
        PREFIX + "r1-a01.png",
        PREFIX + "r2-a01.png",
        PREFIX + "record.json",
    ]
    stored = archive.get_record(JOB_ID)
    assert stored is not None
    assert stored.seed == 2
    assert archive.get_image(PREFIX + "r2-a01.png") == b"png again"


# --- spooling when S3 is unavailable -------------------------------------------------------------


def test_spool_keeps_writes_while_the_bucket_is_unreachable_and_flushes_them_later(
    s3: Any, tmp_path: Path
) -> None:
    s3.delete_bucket(Bucket=BUCKET)  # every write now fails with NoSuchBucket
    archive = SpoolingArchive(S3Archive(s3, BUCKET, prefix="p"), tmp_path / "spool", retry_seconds=3600)

    key = archive.put_image(JOB_ID, image_name(0, 1), b"png-bytes")
    archive.put_record(_record())

    assert key == f"p/{PREFIX}r0-a01.png"  # the key the image will have once flushed
    assert archive.pending == 2
    # Reads see the spooled copies, so the result's buttons keep working meanwhile.
    assert archive.get_image(key) == b"png-bytes"
    spooled = archive.get_record(JOB_ID)
    assert spooled is not None and spooled.original_text == NASTY_TEXT

    assert archive.flush() == 2  # still unreachable: nothing lost, nothing removed
    s3.create_bucket(Bucket=BUCKET)
    assert archive.flush() == 0

    body = s3.get_object(Bucket=BUCKET, Key=key)
    assert body["Body"].read() == b"png-bytes"
    assert body["ServerSideEncryption"] == "AES256"
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=f"p/{PREFIX}record.json")["Body"].read())
    assert stored["original_text"] == NASTY_TEXT
    archive.close()


def test_spool_left_over_from_a_crash_is_flushed_by_the_next_process(s3: Any, tmp_path: Path) -> None:
    s3.delete_bucket(Bucket=BUCKET)
    first = SpoolingArchive(S3Archive(s3, BUCKET), tmp_path / "spool", retry_seconds=3600)
    first.put_image(JOB_ID, image_name(0, 2), b"second")
    s3.create_bucket(Bucket=BUCKET)

    second = SpoolingArchive(S3Archive(s3, BUCKET), tmp_path / "spool", retry_seconds=3600)
    second.close()  # the last flush at shutdown

    assert second.pending == 0
    assert s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}r0-a02.png")["Body"].read() == b"second"


def test_a_newer_record_written_directly_replaces_the_spooled_one(s3: Any, tmp_path: Path) -> None:
    s3.delete_bucket(Bucket=BUCKET)
    archive = SpoolingArchive(S3Archive(s3, BUCKET), tmp_path / "spool", retry_seconds=3600)
    archive.put_record(_record())
    s3.create_bucket(Bucket=BUCKET)

    newer = _record().model_copy(update={"approved": True})
    archive.put_record(newer)

    assert archive.pending == 0  # the stale spooled copy can never overwrite the newer one
    assert archive.flush() == 0
    got = archive.get_record(JOB_ID)
    assert got is not None and got.approved is True
