"""One round of candidates: generate, archive, then moderate and verify each; the first that passes wins.

A round of several candidates runs them on a pool shared by all jobs and yields them as they
finish. The job goes on as soon as one is accepted; the others (stragglers) still finish,
archive their images and bill their calls, and the record is saved again once they are done.

Moderation runs alongside the model calls, never in front of them: a candidate waits for
Comprehend's verdict on the prompt (asked while the image model drew) before it is checked, and
Rekognition looks at it on the ``side`` pool while the vision model verifies it. Its outcome is
set only once both have answered, so nothing is shown, posted or reused before every layer
cleared it. Both read a small JPEG copy; the full image is dropped once archived (the one
posted is read back), and kept in memory only when the archive refused it. A model's answer is
read only with a permit of the answer budget (``core.answer_budget``), held until its images are
archived and shrunk, so a burst of answers waits unread instead of decoded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Executor, Future, as_completed, wait
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from services.core.answer_budget import AnswerBudget
from services.core.errors import BotError, ContentFiltered, InvalidModelAnswer, ModelUnavailable
from services.core.images import check_copy
from services.core.job import Attempt, Overlap, Verdict
from services.generation.image_models import GeneratedImage, GenerationRequest, VariationRequest
from services.generation.ledger import Ledger, save_record
from services.generation.odds import PassOdds
from services.generation.ports import ImageScreen, ImageVerifier, Progress
from services.generation.prompting import BuiltPrompt
from services.generation.stages import Best, JobRun, screen_image, store_image
from services.moderation.image import ImageVerdict
from services.storage.archive import Archive

logger = logging.getLogger(__name__)

UNSAFE_REASON = "安全確認で不適切な要素が検出されました"
FILTERED_REASON = "画像モデルの安全フィルターで出力が止められました"

# What a round without an accepted image asks of the loop: more candidates, or a new prompt first.
Next = Literal["next", "rewrite"]


@dataclass
class Stored:
    """An archived candidate: the copy its checks read, and the image only if the archive refused it."""

    small: bytes
    data: bytes | None


@dataclass
class Candidate:
    """What one candidate came to; ``data`` only when the archive does not have the image."""

    attempt: Attempt
    data: bytes | None = None
    score: int = -1
    filtered: str | None = None  # "input" or "output" when the model's filter refused it


@dataclass
class Search:
    """Where the attempt loop stands."""

    index: int = 0
    filtered: int = 0
    unsafe: int = 0
    failures: list[str] = field(default_factory=list)
    best: Best | None = None

    def absorb(self, result: Candidate) -> None:
        """Count a finished candidate and keep the best safe one."""
        attempt = result.attempt
        if attempt.outcome == "filtered":
            self.filtered += 1
            self.failures.append(FILTERED_REASON)
        elif attempt.outcome == "unsafe":
            self.unsafe += 1
            self.failures.append(UNSAFE_REASON)
        elif attempt.outcome == "rejected_by_verifier" and attempt.verdict is not None:
            missed = [check.requirement for check in attempt.verdict.checks if not check.met]
            reason = attempt.verdict.reason
            # A rewrite should target exactly the failed checklist items.
            self.failures.append(f"{reason}（未達: {'、'.join(missed)}）" if missed else reason)
        better = self.best is None or result.score > self.best.score
        # A rejected image is read back from the archive if it ends up the best there is.
        kept = result.data is not None or attempt.image_key is not None
        if attempt.outcome in ("rejected_by_verifier", "unverified") and kept and better:
            self.best = Best(attempt, result.data, result.score)


class Rounds:
    """Runs rounds of candidates on a shared, bounded pool; keeps track of stragglers."""

    def __init__(
        self,
        *,
        moderator: ImageScreen,
        verifier: ImageVerifier,
        archive: Archive,
        executor: Executor,
        side: Executor,
        odds: PassOdds,
        budget: AnswerBudget | None = None,
        shrink: Callable[[bytes], bytes] = check_copy,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._moderator = moderator
        self._verifier = verifier
        self._archive = archive
        self._executor = executor
        # Rekognition calls: never on ``executor``, whose tasks wait for them.
        self._side = side
        self._odds = odds
        # Image answers held in full at once, across all jobs (see core.answer_budget).
        self._budget = budget or AnswerBudget()
        self._shrink = shrink  # the copy that moderation and verification read
        self._clock = clock
        self._inflight: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def run(
        self, run: JobRun, *, built: BuiltPrompt, revision: int, size: int, search: Search
    ) -> Best | Next:
        """``size`` candidates at once; the first that passes wins and the rest are not awaited."""
        job, record = run.job, run.record
        attempts = []
        for _ in range(size):
            search.index += 1
            # The user's seed applies to the first image; retries need fresh seeds.
            seed = run.model.capabilities.resolve_seed(job.options.seed if search.index == 1 else None)
            attempts.append(
                Attempt(
                    index=search.index,
                    revision=revision,
                    prompt=built.text,
                    seed=seed,
                    cfg_scale=record.cfg_scale,
                    outcome="pending",
                )
            )
        run.ledger.add_attempts(attempts)
        request = GenerationRequest(
            prompt=built.text,
            negative_prompt=built.negative,
            seed=attempts[0].seed,
            cfg_scale=record.cfg_scale,
            width=record.width,
            height=record.height,
        )
        if size == 1:
            # One candidate at a time, as the sequential verify-then-rewrite loop does: no thread
            # hand-off on the critical path.
            results: Iterable[Candidate] = [self._candidate(run, attempts[0], request)]
        else:
            results = self._parallel(run, attempts, request)
        verifier_down = input_filtered = False
        try:
            for result in results:
                search.absorb(result)
                if result.attempt.outcome == "accepted":
                    return Best(result.attempt, result.data, result.score)
                verifier_down = verifier_down or result.attempt.outcome == "unverified"
                input_filtered = input_filtered or result.filtered == "input"
        finally:
            if isinstance(results, Generator):
                results.close()  # lets the round hand its stragglers over at once
        if verifier_down and search.best is not None:
            # Safe images exist but cannot be checked: post the best rather than keep paying.
            return search.best
        return "rewrite" if input_filtered else "next"

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until candidates left running by finished jobs are done; False on timeout."""
        with self._lock:
            pending = list(self._inflight)
        _, not_done = wait(pending, timeout)
        return not not_done

    def close(self) -> None:
        """Let running candidates finish (they archive and re-save records), then stop."""
        self.drain()
        self._executor.shutdown(wait=True)

    def _parallel(
        self, run: JobRun, attempts: list[Attempt], request: GenerationRequest
    ) -> Generator[Candidate, None, None]:
        """Run candidates concurrently and yield them as they finish."""
        ledger = run.ledger
        if run.model.capabilities.max_images_per_call >= len(attempts):
            # One call returns every candidate of the round (numberOfImages).
            batch = replace(request, count=len(attempts))
            run.report(Progress("generation", attempts[-1].index, run.total))
            started = self._clock()
            refused: ContentFiltered | None = None
            with self._budget.scope():
                try:
                    with ledger.model_call("generation"):
                        images = self._make(run, batch)
                    ledger.bill("image", run.model.model_id, images=len(images))
                except ContentFiltered as exc:
                    images, refused = [], exc
                made_in = self._clock() - started
                for attempt, image in zip(attempts, images, strict=False):
                    attempt.seed = image.seed
                # Archived and shrunk here, one by one, with the answer's permit held until all are
                # (on the pool, a store could queue behind candidates waiting for that permit).
                stored = []
                for attempt in attempts[: len(images)]:
                    stored.append(self._store(run, attempt, images.pop(0).data))
            if refused is not None:
                for attempt in attempts:
                    yield self._filtered(run, attempt, refused.stage)
                return
            for attempt in attempts[len(stored) :]:
                yield self._filtered(run, attempt, "output")
            futures = [
                self._executor.submit(self._check, run, attempt, copies, made_in)
                for attempt, copies in zip(attempts, stored, strict=False)
            ]
        else:
            futures = [
                self._executor.submit(self._candidate, run, attempt, replace(request, seed=attempt.seed))
                for attempt in attempts
            ]
        self._track(futures)
        pending = set(futures)
        try:
            for future in as_completed(futures):
                pending.discard(future)
                yield future.result()
        finally:
            if pending:
                # Stragglers still finish and archive their images; re-save the record then.
                self._resave_when_done(ledger, pending)

    def _track(self, futures: list[Future[Any]]) -> None:
        """Count ``futures`` as in flight until they are done (drain waits for them)."""
        with self._lock:
            self._inflight.update(futures)
        for future in futures:
            future.add_done_callback(self._forget)

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._inflight.discard(future)

    def _resave_when_done(self, ledger: Ledger, pending: set[Future[Candidate]]) -> None:
        """Re-save the record once the stragglers are done; drain() waits for this too."""

        def finish() -> None:
            wait(pending)
            # The stragglers' calls were billed after the job's estimate was made.
            ledger.settle()
            save_record(self._archive, ledger.record)

        # The stragglers were queued before this task, so it never waits on work behind it.
        self._track([self._executor.submit(finish)])

    def _candidate(self, run: JobRun, attempt: Attempt, request: GenerationRequest) -> Candidate:
        """Generate one image, then check it."""
        ledger = run.ledger
        run.report(Progress("generation", attempt.index, run.total))
        started = self._clock()
        with self._budget.scope():
            try:
                with ledger.model_call("generation", attempt):
                    image = self._make(run, request)[0]
                ledger.bill("image", run.model.model_id, images=1)
            except ContentFiltered as exc:
                return self._filtered(run, attempt, exc.stage)
            attempt.seed = image.seed
            made_in = self._clock() - started
            copies = self._store(run, attempt, image.data)
            del image  # the archive has it now (or ``copies`` does), not this frame through the checks
        return self._check(run, attempt, copies, made_in)

    def _filtered(self, run: JobRun, attempt: Attempt, stage: str | None) -> Candidate:
        attempt.outcome = "filtered"
        self._odds.note(_team(run), run.model.model_id, attempt.outcome)
        return Candidate(attempt, filtered=stage)

    def _store(self, run: JobRun, attempt: Attempt, data: bytes) -> Stored:
        """Archive one image and make the small copy the checks read; the full image is dropped
        unless the archive refused it (the one posted is read back)."""
        with run.ledger.timed("archive", attempt):
            attempt.image_key = store_image(self._archive, run.job.job_id, attempt, data)
        small = self._shrink(data)
        # Holding every candidate's PNG through its checks was most of a job's memory.
        return Stored(small, data if attempt.image_key is None else None)

    def _check(self, run: JobRun, attempt: Attempt, stored: Stored, made_in: float) -> Candidate:
        """Once the prompt cleared, moderate and verify one archived image at the same time."""
        ledger, report = run.ledger, run.report
        small, data = stored.small, stored.data
        try:
            run.gate.wait(made_in)
        except BotError:
            attempt.outcome = "blocked"  # archived, never checked, shown or posted
            raise
        # One stage in the status: Rekognition's safety check runs inside the verification's time.
        report(Progress("verification", attempt.index, run.total))
        moderation = self._side.submit(self._moderate, run, attempt, small)
        started = self._clock()
        try:
            verdict = self._verify(run, attempt, small)
        finally:
            verified = self._clock()
            # Fail closed: an unreachable Rekognition raises here, and the image goes no further.
            check, seconds = moderation.result()
            ledger.overlapped(
                Overlap(
                    layer="image_moderation",
                    alongside="verification",
                    attempt=attempt.index,
                    seconds=round(seconds, 4),
                    model_seconds=round(verified - started, 4),
                    waited=round(self._clock() - verified, 4),
                )
            )
        del small
        attempt.verdict = verdict
        if not check.safe:
            attempt.outcome = "unsafe"
        elif verdict is None:
            attempt.outcome = "unverified"
        else:
            attempt.outcome = "accepted" if verdict.matches else "rejected_by_verifier"
        self._odds.note(_team(run), run.model.model_id, attempt.outcome)
        if attempt.outcome == "unsafe":
            return Candidate(attempt)
        score = verdict.score if verdict is not None else -1
        return Candidate(attempt, data=data, score=score)

    def _moderate(self, run: JobRun, attempt: Attempt, image: bytes) -> tuple[ImageVerdict, float]:
        """Rekognition and the image policy, on the side pool; how long the call took."""
        ledger = run.ledger
        started = self._clock()
        check = screen_image(self._moderator, ledger, attempt, image)
        return check, self._clock() - started

    def _verify(self, run: JobRun, attempt: Attempt, image: bytes) -> Verdict | None:
        """The vision model's verdict; None when it cannot answer."""
        job, ledger = run.job, run.ledger
        try:
            with ledger.model_call("verification", attempt):
                verdict, usage = self._verifier.verify(image, job.text, run.english, run.record.requirements)
            ledger.bill("verify", self._verifier.model_id, usage)
        except (ModelUnavailable, InvalidModelAnswer) as exc:
            # If the image is safe, posting it unverified beats losing the request.
            logger.warning("job %s: verification unavailable: %s", job.job_id, exc)
            return None
        return verdict

    def _make(self, run: JobRun, request: GenerationRequest) -> list[GeneratedImage]:
        """Generate from the prompt, or from the source image for a variation."""
        if run.source is None:
            return run.model.generate(request)
        strength = run.model.capabilities.clamp_strength(run.strength)
        return run.model.vary(VariationRequest.of(request, run.source, strength))


def _team(run: JobRun) -> str | None:
    """The workspace whose pass rate a candidate counts towards."""
    slack = run.job.slack
    return slack.team_id if slack is not None else None
