"""Many titles at once (eye-catch and OGP images from blog titles, one job each).

Each title is one pipeline job. Jobs run on a pool of ``jobs`` threads; Bedrock calls stay
within MODEL_CONCURRENCY because the pipeline holds a model slot around each of them. A title
that fails is reported with its reason and never stops the others.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from services.core.job import GenerationOptions, Job, JobRecord
from services.generation.pipeline import JobOutcome, Pipeline
from services.generation.presets import Preset, fit_to_preset

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Produced:
    """A finished job and the bytes to write (fitted to the preset), if it made an image."""

    outcome: JobOutcome
    image: bytes | None


def produce(pipeline: Pipeline, job: Job, preset: Preset | None = None) -> Produced:
    """Run one job; with a preset, crop and resize its image to exactly the preset's size.

    The archive keeps the image as generated (and the record its generated size); only the
    returned bytes are fitted.
    """
    outcome = pipeline.run(job)
    image = outcome.image
    if image is not None and preset is not None:
        image = fit_to_preset(image, preset)
    return Produced(outcome, image)


def failure_reason(outcome: JobOutcome) -> str:
    """Why a job produced no image, in operator terms (``kind (layer: category)``)."""
    error = outcome.record.error
    if error is None:
        return outcome.error.kind if outcome.error is not None else "no image"
    detail = ": ".join(part for part in (error.layer, error.category) if part)
    return f"{error.kind} ({detail})" if detail else error.kind


def verdict_text(record: JobRecord) -> str:
    """The checker's one-line reason for the chosen image, marked when it is a best effort."""
    chosen = record.chosen()
    if chosen is None:
        return "-"
    if chosen.outcome == "unverified":
        return "unverified (checker unavailable)"
    reason = chosen.verdict.reason if chosen.verdict is not None else "-"
    return f"best effort: {reason}" if record.status == "best_effort" else reason


def read_titles(path: Path) -> list[str]:
    """One title per line; blank lines and ``#`` comments are skipped."""
    titles = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        title = " ".join(line.split())
        if title and not title.startswith("#"):
            titles.append(title)
    return titles


def output_name(index: int, total: int, job_id: str) -> str:
    """``007-20261121T021953-a1b2c3d4.png``: position and job id, never the title (it may hold '/')."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", job_id).strip("-") or "job"
    width = max(3, len(str(total)))
    return f"{index:0{width}d}-{slug}.png"


@dataclass(frozen=True)
class BatchResult:
    """What became of one title."""

    index: int
    title: str
    job_id: str | None
    status: str
    prompt: str | None = None  # the English prompt, before the style template
    seed: int | None = None
    verdict: str = "-"
    path: Path | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when an image was written."""
        return self.path is not None


class BatchMaker:
    """Turns one title into a file in ``out_dir``; never raises."""

    def __init__(
        self,
        pipeline: Pipeline,
        out_dir: Path,
        *,
        total: int,
        options: GenerationOptions | None = None,
        preset: Preset | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._out_dir = out_dir
        self._total = total
        self._options = options or GenerationOptions()
        self._preset = preset

    def __call__(self, index: int, title: str) -> BatchResult:
        """Generate, fit and write the image for ``title``."""
        try:
            job = Job(text=title, options=self._options, trigger="cli")
        except ValidationError as exc:
            problem = exc.errors()[0]["msg"] if exc.errors() else "invalid"
            return BatchResult(index, title, None, "invalid", reason=f"invalid title: {problem}")
        try:
            produced = produce(self._pipeline, job, self._preset)
        except Exception as exc:  # the pipeline never raises; fitting a broken image might
            logger.exception("title %d (job %s) failed", index, job.job_id)
            return BatchResult(index, title, job.job_id, "failed", reason=type(exc).__name__)
        record = produced.outcome.record
        result = BatchResult(
            index,
            title,
            job.job_id,
            record.status,
            prompt=record.english_prompt or record.final_prompt,
            seed=record.seed,
            verdict=verdict_text(record),
        )
        if produced.image is None:
            return replace(result, reason=failure_reason(produced.outcome))
        path = self._out_dir / output_name(index, self._total, job.job_id)
        try:
            path.write_bytes(produced.image)
        except OSError as exc:
            return replace(result, status="failed", reason=f"could not write {path}: {exc.strerror or exc}")
        return replace(result, path=path)


class ProgressBar:
    """``[12/40] ██████░░░░░░░░░░░░░░  30%`` on a stream (stderr).

    On a terminal the bar is redrawn in place; elsewhere (``--progress`` into a file or CI log)
    each update is a line of its own, so log lines never land in the middle of it.
    """

    def __init__(self, stream: TextIO, total: int, *, enabled: bool = True, width: int = 24) -> None:
        self._stream = stream
        self._total = total
        self._enabled = enabled
        self._width = width
        self._inline = enabled and stream.isatty()
        self._lock = threading.Lock()

    def update(self, done: int) -> None:
        """Draw the bar for ``done`` finished items."""
        if not self._enabled:
            return
        share = done / self._total if self._total else 1.0
        filled = round(share * self._width)
        bar = "█" * filled + "░" * (self._width - filled)
        text = f"[{done}/{self._total}] {bar} {round(share * 100):3d}%"
        with self._lock:
            self._stream.write(f"\r{text}" if self._inline else f"{text}\n")
            self._stream.flush()

    def close(self) -> None:
        """End the bar's line on a terminal."""
        if self._inline:
            with self._lock:
                self._stream.write("\n")
                self._stream.flush()


def run_batch(
    make: Callable[[int, str], BatchResult],
    titles: Sequence[str],
    *,
    jobs: int,
    on_progress: Callable[[int], None] | None = None,
) -> list[BatchResult]:
    """Run ``make`` for every title on ``jobs`` threads; results in title order."""
    report = on_progress or (lambda _: None)
    results: list[BatchResult] = []
    report(0)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="batch")
    futures: dict[Future[BatchResult], tuple[int, str]] = {
        pool.submit(make, index, title): (index, title) for index, title in enumerate(titles, 1)
    }
    try:
        for done, future in enumerate(as_completed(futures), 1):
            index, title = futures[future]
            try:
                results.append(future.result())
            except Exception as exc:  # make() should not raise; a bug must not lose the others
                logger.exception("title %d failed", index)
                results.append(BatchResult(index, title, None, "failed", reason=type(exc).__name__))
            report(done)
    finally:
        # On Ctrl-C, titles not started are dropped; running ones finish and are archived.
        pool.shutdown(wait=True, cancel_futures=True)
    return sorted(results, key=lambda result: result.index)


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` columns, with an ellipsis when cut."""
    if _width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        if used + _width(ch) > limit - 1:
            break
        out.append(ch)
        used += _width(ch)
    return "".join(out) + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


_COLUMNS = (("#", 4), ("title", 30), ("English prompt", 44), ("seed", 10), ("verdict", 36), ("file", 0))


def render_table(results: Sequence[BatchResult]) -> str:
    """The closing table, one row per title, the failed titles with their reasons, and counts."""
    rows = []
    for result in results:
        if result.ok:
            verdict, file = result.verdict, str(result.path)
        else:
            verdict, file = f"FAILED: {result.reason or result.status}", "-"
        seed = str(result.seed) if result.seed is not None else "-"
        rows.append([str(result.index), result.title, result.prompt or "-", seed, verdict, file])
    widths = [
        limit if limit else max([_width(header), *(_width(row[i]) for row in rows)])
        for i, (header, limit) in enumerate(_COLUMNS)
    ]
    lines = []
    for cells in [[header for header, _ in _COLUMNS], *rows]:
        clipped = [_clip(cell, width) for cell, width in zip(cells, widths, strict=True)]
        lines.append(
            "  ".join(_pad(cell, width) for cell, width in zip(clipped, widths, strict=True)).rstrip()
        )
    lines.insert(1, "  ".join("-" * width for width in widths))
    failures = [result for result in results if not result.ok]
    if failures:
        # The table clips long cells; reasons are listed in full.
        lines += ["", "failed:"]
        lines += [f"  {r.index}  {r.title}: {r.reason or r.status}" for r in failures]
    lines.append(f"{len(results) - len(failures)} written, {len(failures)} failed")
    return "\n".join(lines) + "\n"
