"""Fine-tuning dataset export and archive stats (services/dataset.py, ``python -m bot dataset``).

Records are made through the real S3Archive against moto's S3 over HTTP; the CLI runs as a
real process against the same server.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from services.core.job import Attempt, JobRecord, SlackContext, Verdict
from services.results import dataset
from services.results.dataset import Destination, Example, Selection, recommended_steps
from services.storage.archive import LocalArchive, S3Archive, image_name
from tests.bot.conftest import base_env, bot_command
from tests.conftest import BUCKET

PREFIX = "archive"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


def job_id(day: date, n: int) -> str:
    return f"{day:%Y%m%d}T1200{n % 60:02d}-{n:08x}"


def make_record(
    archive: S3Archive | LocalArchive,
    jid: str,
    *,
    approved: bool = False,
    status: str = "accepted",
    english: str | None = None,
    user: str | None = "U1",
    model: str = "amazon.nova-canvas-v1:0",
    blurred: bool = False,
    with_image: bool = True,
    style: str | None = None,
) -> JobRecord:
    """A finished job archived the way the pipeline archives one."""
    english = english if english is not None else f"prompt of {jid}"
    key = archive.put_image(jid, image_name(0, 1), png()) if with_image else None
    created = datetime.strptime(jid[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    record = JobRecord(
        job_id=jid,
        trigger="command" if user else "cli",
        created_at=created,
        status=status,  # type: ignore[arg-type]
        original_text="テスト",
        english_prompt=english,
        final_prompt=f"{english}, watercolor",
        model_id=model,
        style=style,
        seed=7,
        width=1024,
        height=1024,
        attempts=[
            Attempt(
                index=1,
                revision=0,
                prompt=f"{english}, watercolor",
                seed=7,
                cfg_scale=6.5,
                image_key=key,
                outcome="accepted" if status == "accepted" else "rejected_by_verifier",
                policy_action="blur" if blurred else "post",
                verdict=Verdict(matches=status == "accepted", reason="ok"),
            )
        ]
        if status in ("accepted", "best_effort")
        else [],
        chosen_attempt=1 if status in ("accepted", "best_effort") else None,
        slack=SlackContext(channel_id="C1", user_id=user) if user else None,
        approved=approved,
        approved_by="U9" if approved else None,
        approved_at=created if approved else None,
    )
    archive.put_record(record)
    return record


def fill(archive: S3Archive | LocalArchive, approved: int, unapproved: int, day: date) -> list[JobRecord]:
    records = [make_record(archive, job_id(day, n), approved=True) for n in range(approved)]
    records += [make_record(archive, job_id(day, 100 + n)) for n in range(unapproved)]
    return records


def lines_of(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode().splitlines()]


# --- iter_records ------------------------------------------------------------------------------------


def test_s3_iter_records_reads_every_record_in_order_and_honours_since(s3: Any) -> None:
    archive = S3Archive(s3, BUCKET, prefix=PREFIX)
    old = make_record(archive, job_id(date(2025, 12, 31), 1))
    new = [
        make_record(archive, job_id(date(2026, 1, 1), 2)),
        make_record(archive, job_id(date(2026, 2, 3), 3)),
    ]
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/jobs/2026/02/03/broken/record.json", Body=b"{not json")

    assert [r.job_id for r in archive.iter_records()] == [old.job_id, *(r.job_id for r in new)]
    assert [r.job_id for r in archive.iter_records(date(2026, 1, 1))] == [r.job_id for r in new]
    assert list(archive.iter_records(date(2026, 3, 1))) == []
    assert list(S3Archive(s3, BUCKET, prefix="elsewhere").iter_records()) == []


def test_local_iter_records_reads_every_record_in_order_and_honours_since(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path)
    old = make_record(archive, job_id(date(2025, 12, 31), 1))
    new = make_record(archive, job_id(date(2026, 1, 2), 2))

    assert [r.job_id for r in archive.iter_records()] == [old.job_id, new.job_id]
    assert [r.job_id for r in archive.iter_records(date(2026, 1, 1))] == [new.job_id]
    assert list(LocalArchive(tmp_path / "empty").iter_records()) == []


# --- selection ---------------------------------------------------------------------------------------


def test_export_keeps_only_approved_images_with_s3_refs_and_english_captions(s3: Any) -> None:
    archive = S3Archive(s3, BUCKET, prefix=PREFIX)
    approved = fill(archive, approved=6, unapproved=4, day=date(2026, 1, 5))[:6]

    selection = dataset.select(archive.iter_records(), archive.describe)

    assert [e.job_id for e in selection.examples] == [r.job_id for r in approved]
    first = selection.examples[0]
    jid = approved[0].job_id
    assert first.image_ref == f"s3://{BUCKET}/{PREFIX}/jobs/2026/01/05/{jid}/r0-a01.png"
    assert first.caption == f"prompt of {jid}"  # the English prompt, without the style template
    assert selection.problems() == []
    # Every image-ref names an object that exists.
    for example in selection.examples:
        key = example.image_ref.removeprefix(f"s3://{BUCKET}/")
        assert s3.head_object(Bucket=BUCKET, Key=key)["ContentType"] == "image/png"


def test_without_approved_only_checker_accepted_images_are_added(s3: Any) -> None:
    archive = S3Archive(s3, BUCKET)
    fill(archive, approved=2, unapproved=3, day=date(2026, 1, 5))
    make_record(archive, job_id(date(2026, 1, 5), 200), status="best_effort")
    make_record(archive, job_id(date(2026, 1, 5), 201), status="rejected")

    selection = dataset.select(archive.iter_records(), archive.describe, approved_only=False)

    assert len(selection.examples) == 5


def test_unusable_approved_records_are_skipped_with_a_reason(s3: Any) -> None:
    archive = S3Archive(s3, BUCKET)
    day = date(2026, 1, 5)
    blurred = make_record(archive, job_id(day, 1), approved=True, blurred=True)
    lost = make_record(archive, job_id(day, 2), approved=True, with_image=False)
    good = make_record(archive, job_id(day, 3), approved=True)

    selection = dataset.select(archive.iter_records(), archive.describe)

    assert [e.job_id for e in selection.examples] == [good.job_id]
    assert {(s.job_id, s.reason) for s in selection.skipped} == {
        (blurred.job_id, "image was posted blurred (image policy)"),
        (lost.job_id, "no archived image"),
    }


def test_a_non_image_key_is_skipped(tmp_path: Path) -> None:
    record = make_record(LocalArchive(tmp_path), job_id(date(2026, 1, 5), 1))
    record.attempts[0].image_key = "jobs/x/r0-a01.webp"

    found = dataset.example_for(record, lambda key: f"s3://b/{key}")

    assert isinstance(found, dataset.Skipped)
    assert "not PNG or JPEG" in found.reason


def test_long_captions_are_trimmed_at_a_phrase_boundary(tmp_path: Path) -> None:
    archive = LocalArchive(tmp_path)
    english = ", ".join(f"detail number {n} of the scene" for n in range(40))  # ~1,200 characters
    make_record(archive, job_id(date(2026, 1, 5), 1), approved=True, english=english)

    selection = dataset.select(archive.iter_records(), lambda key: f"s3://b/{key}")

    [example] = selection.examples
    assert len(example.caption) <= dataset.MAX_CAPTION_CHARS
    assert example.caption.endswith("of the scene")
    assert english.startswith(example.caption)
    assert selection.trimmed == 1


def test_too_few_too_many_and_local_images_are_reported() -> None:
    def examples(n: int, ref: str = "s3://b/k.png") -> Selection:
        return Selection(examples=[Example(str(i), ref, "c") for i in range(n)])

    assert examples(3).problems() == ["only 3 usable images; Bedrock model customization needs at least 5"]
    assert examples(5).problems() == []
    assert examples(10_000).problems() == []
    [too_many] = examples(10_001).problems()
    assert "10,001 images" in too_many and "at most 10,000" in too_many
    [local] = examples(5, "/srv/archive/jobs/x.png").problems()
    assert "not in S3" in local and "ARCHIVE_BUCKET" in local
    assert examples(5, "/srv/archive/jobs/x.png").problems(require_s3=False) == []


# --- steps, destination, writing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("images", "steps"),
    [
        (5, 1_000),
        (8, 1_000),  # the fine-tuning blog's table, row by row
        (32, 4_000),
        (64, 8_000),
        (1_000, 10_000),
        (10_000, 12_000),
        (48, 6_000),  # halfway between rows
        (20, 2_500),
    ],
)
def test_recommended_steps_follow_the_seed_table(images: int, steps: int) -> None:
    assert recommended_steps(images) == steps


def test_destinations() -> None:
    assert str(Destination.parse("s3://bucket/datasets/v1/")) == "s3://bucket/datasets/v1/train.jsonl"
    assert str(Destination.parse("s3://bucket")) == "s3://bucket/train.jsonl"
    assert Destination.parse("out/ds").path == Path("out/ds/train.jsonl")
    with pytest.raises(ValueError, match="names no bucket"):
        Destination.parse("s3:///x")


def test_write_puts_jsonl_with_server_side_encryption(s3: Any) -> None:
    data = dataset.to_jsonl([Example("j", "s3://b/a.png", 'a "quoted" cat')])

    where = dataset.write(data, Destination.parse(f"s3://{BUCKET}/ds/"), s3=s3)

    assert where == f"s3://{BUCKET}/ds/train.jsonl"
    head = s3.head_object(Bucket=BUCKET, Key="ds/train.jsonl")
    assert head["ServerSideEncryption"] == "AES256"
    body = s3.get_object(Bucket=BUCKET, Key="ds/train.jsonl")["Body"].read()
    assert lines_of(body) == [{"image-ref": "s3://b/a.png", "caption": 'a "quoted" cat'}]


# --- the CLI -----------------------------------------------------------------------------------------


def run_dataset(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        bot_command("dataset", *args),
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def s3_env(s3: Any, tmp_path: Path) -> dict[str, str]:
    return {
        **base_env(),
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL_S3": os.environ["AWS_ENDPOINT_URL_S3"],
        "ARCHIVE_BUCKET": BUCKET,
        "ARCHIVE_PREFIX": PREFIX,
    }


def test_cli_export_writes_train_jsonl_to_s3_and_prints_the_steps(
    s3: Any, s3_env: dict[str, str], tmp_path: Path
) -> None:
    archive = S3Archive(s3, BUCKET, prefix=PREFIX)
    fill(archive, approved=2, unapproved=2, day=date(2025, 12, 20))  # before --since
    approved = fill(archive, approved=6, unapproved=3, day=date(2026, 1, 5))[:6]

    result = run_dataset(
        "export", "--since", "2026-01-01", "--approved-only", "--out", f"s3://{BUCKET}/datasets/v1/",
        env=s3_env, cwd=tmp_path,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    body = s3.get_object(Bucket=BUCKET, Key="datasets/v1/train.jsonl")["Body"].read()
    assert lines_of(body) == [
        {
            "image-ref": f"s3://{BUCKET}/{PREFIX}/jobs/2026/01/05/{r.job_id}/r0-a01.png",
            "caption": f"prompt of {r.job_id}",
        }
        for r in approved
    ]
    assert f"wrote 6 examples to s3://{BUCKET}/datasets/v1/train.jsonl" in result.stdout
    assert "recommended steps: 1,000 for 6 images (batch size 8, learning rate 1e-05" in result.stdout


def test_cli_export_with_too_few_approved_images_exits_2_and_writes_nothing(
    s3: Any, s3_env: dict[str, str], tmp_path: Path
) -> None:
    fill(S3Archive(s3, BUCKET, prefix=PREFIX), approved=3, unapproved=5, day=date(2026, 1, 5))

    result = run_dataset("export", "--out", f"s3://{BUCKET}/datasets/v1/", env=s3_env, cwd=tmp_path)

    assert result.returncode == 2
    assert "only 3 usable images; Bedrock model customization needs at least 5" in result.stderr
    assert "Traceback" not in result.stderr
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix="datasets/")
    assert listing.get("KeyCount", 0) == 0


def test_cli_export_from_a_local_archive(tmp_path: Path, s3_env: dict[str, str]) -> None:
    archive_dir = tmp_path / "archive"
    fill(LocalArchive(archive_dir), approved=5, unapproved=1, day=date(2026, 1, 5))
    env = {k: v for k, v in s3_env.items() if not k.startswith("ARCHIVE_")} | {
        "ARCHIVE_DIR": str(archive_dir)
    }

    to_s3 = run_dataset("export", "--out", f"s3://{BUCKET}/ds/", env=env, cwd=tmp_path)
    to_folder = run_dataset("export", "--out", str(tmp_path / "ds"), env=env, cwd=tmp_path)

    assert to_s3.returncode == 2
    assert "Bedrock reads training images from S3 only" in to_s3.stderr
    assert to_folder.returncode == 0, to_folder.stderr
    assert "warning: image-refs are local paths" in to_folder.stderr
    written = lines_of((tmp_path / "ds" / "train.jsonl").read_bytes())
    assert len(written) == 5
    assert all(Path(line["image-ref"]).is_file() for line in written)


def test_cli_stats_counts_per_model_style_status_user_and_trigger(
    s3: Any, s3_env: dict[str, str], tmp_path: Path
) -> None:
    archive = S3Archive(s3, BUCKET, prefix=PREFIX)
    day = date(2026, 1, 5)
    fill(archive, approved=2, unapproved=1, day=day)
    make_record(
        archive, job_id(day, 50), user="U2", model="amazon.titan-image-generator-v2:0", status="rejected"
    )
    make_record(archive, job_id(day, 51), user=None)
    make_record(archive, job_id(day, 52), style="watercolor", approved=True)

    result = run_dataset("stats", env=s3_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["jobs:", "6", "approved:", "3"] in lines
    assert ["accepted", "5"] in lines and ["rejected", "1"] in lines
    assert ["amazon.nova-canvas-v1:0", "5", "5", "3"] in lines
    assert ["amazon.titan-image-generator-v2:0", "1", "0", "0"] in lines
    assert ["watercolor", "1", "1", "1"] in lines and ["(default)", "5", "4", "2"] in lines
    assert (
        ["U1", "4", "4", "3"] in lines
        and ["U2", "1", "0", "0"] in lines
        and ["(cli)", "1", "1", "0"] in lines
    )
    assert ["command", "5", "4", "3"] in lines and ["cli", "1", "1", "0"] in lines


def test_cli_since_must_be_a_date(s3_env: dict[str, str], tmp_path: Path) -> None:
    result = run_dataset("stats", "--since", "last week", env=s3_env, cwd=tmp_path)

    assert result.returncode == 2
    assert "expected a date like 2026-01-01" in result.stderr
