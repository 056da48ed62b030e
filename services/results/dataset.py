"""A Titan Image Generator fine-tuning dataset from the archive, and counts of what it holds.

Bedrock model customization of Titan Image Generator reads a JSONL file whose lines are
``{"image-ref": "s3://bucket/key.png", "caption": "..."}``: JPEG or PNG images in S3, 5 to
10,000 of them, each with a caption that could be its prompt. Approved images (👍 採用) with
their English prompt as caption are exactly that.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.core.job import JobRecord
from services.generation.prompting import trim_at_phrase

MIN_IMAGES = 5
MAX_IMAGES = 10_000
# Titan Image Generator reads at most 512 characters of text; a longer caption is trimmed
# at a phrase boundary like every prompt.
MAX_CAPTION_CHARS = 512
IMAGE_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG"}
TRAIN_FILE = "train.jsonl"

# The fine-tuning recipe this follows (AWS ML blog, "Fine-tune your Amazon Titan Image Generator
# G1 model using Amazon Bedrock model customization"): with batch size 8 and learning rate 1e-5,
# set the number of steps from the number of images as in its table.
#   images:  8      32     64     1,000   10,000
#   steps:   1,000  4,000  8,000  10,000  12,000
STEP_TABLE: tuple[tuple[int, int], ...] = (
    (8, 1_000),
    (32, 4_000),
    (64, 8_000),
    (1_000, 10_000),
    (10_000, 12_000),
)
BATCH_SIZE = 8
LEARNING_RATE = 1e-5


@dataclass(frozen=True)
class Example:
    """One training line: an image and its caption."""

    job_id: str
    image_ref: str
    caption: str
    trimmed: bool = False

    def json_line(self) -> str:
        """The JSONL line Bedrock reads."""
        return json.dumps({"image-ref": self.image_ref, "caption": self.caption}, ensure_ascii=False)


@dataclass(frozen=True)
class Skipped:
    """An eligible record that cannot be used, and why."""

    job_id: str
    reason: str


@dataclass
class Selection:
    """What the export found: usable examples, and eligible records it had to leave out."""

    examples: list[Example] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def trimmed(self) -> int:
        """How many captions were cut to MAX_CAPTION_CHARS."""
        return sum(example.trimmed for example in self.examples)

    @property
    def local_refs(self) -> list[str]:
        """image-refs that are local paths (a LocalArchive): Bedrock cannot read them."""
        return [example.image_ref for example in self.examples if not example.image_ref.startswith("s3://")]

    def problems(self, *, require_s3: bool = True) -> list[str]:
        """Constraint violations that make Bedrock refuse the dataset.

        ``require_s3=False`` lets a local archive be exported to a local file for inspection.
        """
        count = len(self.examples)
        problems = []
        if count < MIN_IMAGES:
            problems.append(
                f"only {count} usable image{'s' if count != 1 else ''}; "
                f"Bedrock model customization needs at least {MIN_IMAGES}"
            )
        if count > MAX_IMAGES:
            problems.append(
                f"{count:,} images; Bedrock model customization takes at most {MAX_IMAGES:,} "
                "(narrow it with --since)"
            )
        local = self.local_refs
        if local and require_s3:
            problems.append(
                f"{len(local)} image-ref{'s are' if len(local) != 1 else ' is'} not in S3 "
                f"(e.g. {local[0]}); Bedrock reads training images from S3 only: "
                "set ARCHIVE_BUCKET, or export to a local folder to inspect the dataset"
            )
        return problems


def eligible(record: JobRecord, *, approved_only: bool = True) -> bool:
    """Approved records; without ``approved_only`` also those the checker accepted."""
    return record.approved or (not approved_only and record.status == "accepted")


def example_for(record: JobRecord, describe: Callable[[str], str]) -> Example | Skipped:
    """The training line for a record's chosen image, or why there is none.

    The caption is the English prompt of the chosen image (before the style template). When
    the chosen image came from an earlier prompt revision than the last one recorded (a best
    effort after rewrites), that attempt's own prompt is used, so caption and image agree.
    """
    chosen = record.chosen()
    if chosen is None or chosen.image_key is None:
        return Skipped(record.job_id, "no archived image")
    if chosen.policy_action == "blur":
        return Skipped(record.job_id, "image was posted blurred (image policy)")
    extension = chosen.image_key.rsplit(".", 1)[-1].lower() if "." in chosen.image_key else ""
    if extension not in IMAGE_FORMATS:
        return Skipped(record.job_id, f"image is not PNG or JPEG ({chosen.image_key})")
    same_revision = record.english_prompt is not None and chosen.prompt == record.final_prompt
    caption = " ".join(((record.english_prompt if same_revision else None) or chosen.prompt).split())
    if not caption:
        return Skipped(record.job_id, "no English prompt")
    short = trim_at_phrase(caption, MAX_CAPTION_CHARS)
    return Example(record.job_id, describe(chosen.image_key), short, trimmed=short != caption)


def select(
    records: Iterable[JobRecord], describe: Callable[[str], str], *, approved_only: bool = True
) -> Selection:
    """Examples for every eligible record, in archive order."""
    selection = Selection()
    for record in records:
        if not eligible(record, approved_only=approved_only):
            continue
        found = example_for(record, describe)
        if isinstance(found, Example):
            selection.examples.append(found)
        else:
            selection.skipped.append(found)
    return selection


def to_jsonl(examples: Iterable[Example]) -> bytes:
    """The dataset file: one JSON object per line, UTF-8."""
    return "".join(example.json_line() + "\n" for example in examples).encode()


def recommended_steps(count: int) -> int:
    """Steps for ``count`` images from the fine-tuning blog's table, interpolated linearly between rows.

    Below the first row the first row's value applies, above the last the last one's; the
    result is rounded to hundreds.
    """
    counts = [images for images, _ in STEP_TABLE]
    if count <= counts[0]:
        return STEP_TABLE[0][1]
    if count >= counts[-1]:
        return STEP_TABLE[-1][1]
    upper = bisect.bisect_left(counts, count)
    (low_n, low_steps), (high_n, high_steps) = STEP_TABLE[upper - 1], STEP_TABLE[upper]
    steps = low_steps + (high_steps - low_steps) * (count - low_n) / (high_n - low_n)
    return round(steps / 100) * 100


def step_advice(count: int) -> str:
    """A short paragraph with the recommended hyperparameters for ``count`` images."""
    table = ", ".join(f"{images:,}→{steps:,}" for images, steps in STEP_TABLE)
    return (
        f"recommended steps: {recommended_steps(count):,} for {count:,} images "
        f"(batch size {BATCH_SIZE}, learning rate {LEARNING_RATE:g}; images→steps: {table})"
    )


@dataclass(frozen=True)
class Destination:
    """Where train.jsonl goes: an S3 bucket and key, or a local path."""

    bucket: str | None
    key: str | None
    path: Path | None

    @classmethod
    def parse(cls, out: str) -> Destination:
        """``s3://bucket/prefix/`` or a local folder; the file is ``train.jsonl`` inside it."""
        if out.startswith("s3://"):
            bucket, _, prefix = out.removeprefix("s3://").partition("/")
            if not bucket:
                raise ValueError(f"{out!r} names no bucket")
            prefix = prefix.strip("/")
            return cls(bucket, f"{prefix}/{TRAIN_FILE}" if prefix else TRAIN_FILE, None)
        return cls(None, None, Path(out) / TRAIN_FILE)

    @property
    def is_s3(self) -> bool:
        """True for an S3 destination."""
        return self.bucket is not None

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}" if self.is_s3 else str(self.path)


def write(
    data: bytes, destination: Destination, *, s3: Any | None = None, kms_key_id: str | None = None
) -> str:
    """Store the dataset file, with server-side encryption in S3 like the archive; its location."""
    if destination.bucket is not None and destination.key is not None:
        if s3 is None:
            raise ValueError("an S3 client is needed for an s3:// destination")
        encryption = (
            {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}
            if kms_key_id
            else {"ServerSideEncryption": "AES256"}
        )
        s3.put_object(
            Bucket=destination.bucket,
            Key=destination.key,
            Body=data,
            ContentType="application/jsonl",
            **encryption,
        )
    elif destination.path is not None:
        destination.path.parent.mkdir(parents=True, exist_ok=True)
        destination.path.write_bytes(data)
    return str(destination)


# --- stats -----------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Jobs, accepted jobs and approved jobs for one key."""

    jobs: int = 0
    accepted: int = 0
    approved: int = 0


@dataclass
class Stats:
    """Counts of archived jobs by model, style, user and trigger, and by status."""

    total: int = 0
    status: Counter[str] = field(default_factory=Counter)
    model: dict[str, Tally] = field(default_factory=dict)
    style: dict[str, Tally] = field(default_factory=dict)
    user: dict[str, Tally] = field(default_factory=dict)
    trigger: dict[str, Tally] = field(default_factory=dict)

    def add(self, record: JobRecord) -> None:
        """Count one record."""
        self.total += 1
        self.status[record.status] += 1
        user = record.slack.user_id if record.slack is not None else "(cli)"
        # Jobs without --style (or --preset) ran on the configured STYLE_TEMPLATE.
        style = record.style or (f"preset:{record.preset}" if record.preset else "(default)")
        for table, key in (
            (self.model, record.model_id),
            (self.style, style),
            (self.user, user),
            (self.trigger, record.trigger),
        ):
            tally = table.setdefault(key, Tally())
            tally.jobs += 1
            tally.accepted += record.status == "accepted"
            tally.approved += record.approved

    @property
    def approved(self) -> int:
        """Approved jobs in total."""
        return sum(tally.approved for tally in self.model.values())


def compute_stats(records: Iterable[JobRecord]) -> Stats:
    """Count every record."""
    stats = Stats()
    for record in records:
        stats.add(record)
    return stats


def render_stats(stats: Stats) -> str:
    """Plain-text tables, largest first."""
    lines = [f"jobs: {stats.total}   approved: {stats.approved}", ""]
    lines.append("status")
    for status, count in stats.status.most_common():
        lines.append(f"  {status:<14} {count:>7}")
    tables = (
        ("model", stats.model),
        ("style", stats.style),
        ("user", stats.user),
        ("trigger", stats.trigger),
    )
    for title, table in tables:
        width = max([len(title), *(len(key) for key in table)])
        lines += ["", f"{title:<{width}}  {'jobs':>7} {'accepted':>9} {'approved':>9}"]
        for key, tally in sorted(table.items(), key=lambda item: (-item[1].jobs, item[0])):
            lines.append(f"{key:<{width}}  {tally.jobs:>7} {tally.accepted:>9} {tally.approved:>9}")
    return "\n".join(lines) + "\n"
