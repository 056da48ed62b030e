"""One job's ledger: its billable calls, time per stage, moderation decisions and checkpoints.

The candidates of a parallel round run on shared threads and write to the same record as the
job thread (and stragglers go on after the job is posted), so every write to a record goes
through its ledger, under one lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from services.core.errors import BotError, InputRejected, ModerationRejected
from services.core.job import (
    Attempt,
    CallKind,
    Checkpoint,
    ErrorInfo,
    JobRecord,
    ModelCall,
    ModerationDecision,
    Overlap,
    RefusalCost,
)
from services.generation.bedrock import Usage
from services.generation.costs import CostTable
from services.generation.ports import CheckpointFn
from services.storage.archive import Archive, save_keeping_user_fields

logger = logging.getLogger(__name__)


class ModelSlots:
    """The process-wide cap on model calls in flight (MODEL_CONCURRENCY), shared by every job."""

    def __init__(self, semaphore: threading.Semaphore | None = None) -> None:
        self._semaphore = semaphore

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold one slot for the duration of a model call; no cap without a semaphore."""
        if self._semaphore is None:
            yield
            return
        with self._semaphore:
            yield


class Ledger:
    """Writes to one job's record: what it cost, how long each stage took, what was decided."""

    def __init__(
        self,
        record: JobRecord,
        *,
        costs: CostTable,
        slots: ModelSlots,
        clock: Callable[[], float],
        checkpoint: CheckpointFn | None = None,
    ) -> None:
        self.record = record
        self._costs = costs
        self._slots = slots
        self._clock = clock
        self._checkpoint = checkpoint
        self._lock = threading.Lock()

    def bill(self, kind: CallKind, model_id: str | None, usage: Usage | None = None, images: int = 0) -> None:
        """Add one billable call to the record."""
        call = ModelCall(
            kind=kind,
            model_id=model_id,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            images=images,
        )
        with self._lock:
            self.record.calls.append(call)

    def settle(self) -> None:
        """Price the calls billed so far (stragglers bill after the job's first estimate)."""
        with self._lock:
            self.record.estimated_cost_usd = self._costs.estimate(self.record.calls)

    @contextmanager
    def timed(self, stage: str, attempt: Attempt | None = None) -> Iterator[None]:
        """Add the time spent inside to the stage's total (and to the attempt's own)."""
        record = self.record
        start = self._clock()
        try:
            yield
        finally:
            spent = self._clock() - start
            with self._lock:
                record.stage_seconds[stage] = round(record.stage_seconds.get(stage, 0.0) + spent, 4)
            if attempt is not None:
                attempt.seconds[stage] = round(spent, 4)
            # At DEBUG only: the job's summary line carries every stage's total (services/jobs/runner.py).
            logger.debug(
                "job %s: %s took %.0f ms",
                record.job_id,
                stage,
                spent * 1000,
                # job_id too: candidates run on shared threads that know no job of their own.
                extra={"job_id": record.job_id, "stage": stage, "duration_ms": round(spent * 1000)},
            )

    @contextmanager
    def model_call(self, stage: str, attempt: Attempt | None = None) -> Iterator[None]:
        """A timed model call; the time includes waiting for a model slot."""
        with self.timed(stage, attempt), self._slots.hold():
            yield

    def decide(
        self,
        layer: str,
        flagged: bool,
        category: str | None = None,
        scores: dict[str, float] | None = None,
    ) -> None:
        """Record what a text layer decided; stop the job when it flagged the request."""
        decision = ModerationDecision(layer=layer, flagged=flagged, category=category, scores=scores or {})
        with self._lock:
            self.record.moderation.append(decision)
        if flagged:
            raise ModerationRejected(layer, category or "other")

    def overlapped(self, overlap: Overlap) -> None:
        """Note a moderation call that ran alongside a model call."""
        with self._lock:
            self.record.overlaps.append(overlap)

    def refused(self, layer: str) -> None:
        """Note what the images made for a prompt that ``layer`` then refused cost: all were wasted."""
        with self._lock:
            record = self.record
            images = sum(1 for attempt in record.attempts if attempt.outcome != "filtered")
            usd = self._costs.estimate(call for call in record.calls if call.kind == "image")
            record.refusal_cost = RefusalCost(layer=layer, images=images, usd=round(usd, 6))

    def add_attempts(self, attempts: Sequence[Attempt]) -> None:
        """Open a round's candidates in the record, before any of them runs."""
        with self._lock:
            self.record.attempts.extend(attempts)

    def checkpoint(self, stage: str) -> None:
        """Hand a snapshot of the record on; a failure only costs the resume its head start."""
        if self._checkpoint is None:
            return
        record = self.record
        try:
            with self._lock:
                # JSON and back costs less than a deep copy, and this runs on the job thread during a burst.
                snapshot = record.model_dump_json()
            self._checkpoint(
                Checkpoint.model_validate({"stage": stage, "record": JobRecord.model_validate_json(snapshot)})
            )
        except Exception:
            logger.exception("job %s: could not record the %s checkpoint", record.job_id, stage)


def save_record(archive: Archive, record: JobRecord) -> None:
    """Archive the record; a failure is logged, never raised into the user's path."""
    try:
        save_keeping_user_fields(archive, record)
    except Exception:
        logger.exception("job %s: could not archive the record", record.job_id)


@contextmanager
def archived_outcome(
    ledger: Ledger, archive: Archive, what: str, failed: Callable[[BotError], None]
) -> Iterator[None]:
    """Run a job's work; however it ends, the record says how, is settled and is archived.

    A BotError is the user's answer (``failed`` hears it); anything else is our bug, logged with
    its traceback and told as an internal error. Nothing escapes: the caller always has a record.
    """
    record = ledger.record
    try:
        yield
    except BotError as exc:
        failed(exc)
        record.status = "rejected" if isinstance(exc, ModerationRejected | InputRejected) else "failed"
        record.error = ErrorInfo(
            kind=exc.kind,
            layer=getattr(exc, "layer", None) or getattr(exc, "stage", None),
            category=getattr(exc, "category", None),
        )
        logger.info("job %s: %s %s (%s)", record.job_id, what, record.status, exc.kind)
    except Exception as exc:
        logger.exception("job %s: %s failed unexpectedly", record.job_id, what)
        failed(BotError(type(exc).__name__))
        record.status = "failed"
        record.error = ErrorInfo(kind="internal_error")
    finally:
        record.finished_at = datetime.now(UTC)
        ledger.settle()
        save_record(archive, record)
