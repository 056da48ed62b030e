"""One round of candidates: generate, archive, moderate and verify each; the first that passes wins.

A round of several candidates runs them on a pool shared by all jobs and yields them as they
finish. The job goes on as soon as one is accepted; the others (stragglers) still finish,
archive their images and bill their calls, and the record is saved again once they are done.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Generator, Iterable
from concurrent.futures import Executor, Future, as_completed, wait
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from services.core.errors import ContentFiltered, InvalidModelAnswer, ModelUnavailable
from services.core.job import Attempt
from services.generation.image_models import GeneratedImage, GenerationRequest, VariationRequest
from services.generation.ledger import Ledger, save_record
from services.generation.ports import ImageScreen, ImageVerifier, Progress
from services.generation.prompting import BuiltPrompt
from services.generation.stages import Best, JobRun, store_image
from services.storage.archive import Archive

logger = logging.getLogger(__name__)

UNSAFE_REASON = "安全確認で不適切な要素が検出されました"
FILTERED_REASON = "画像モデルの安全フィルターで出力が止められました"

# What a round without an accepted image asks of the loop: more candidates, or a new prompt first.
Next = Literal["next", "rewrite"]


@dataclass
class Candidate:
    """What one candidate came to."""

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
        if result.data is not None and attempt.outcome != "accepted" and better:
            self.best = Best(attempt, result.data, result.score)


class Rounds:
    """Runs rounds of candidates on a shared, bounded pool; keeps track of stragglers."""

    def __init__(
        self, *, moderator: ImageScreen, verifier: ImageVerifier, archive: Archive, executor: Executor
    ) -> None:
        self._moderator = moderator
        self._verifier = verifier
        self._archive = archive
        self._executor = executor
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
                    return Best(result.attempt, result.data or b"", result.score)
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
            try:
                with ledger.model_call("generation"):
                    images = self._make(run, batch)
                ledger.bill("image", run.model.model_id, images=len(images))
            except ContentFiltered as exc:
                for attempt in attempts:
                    attempt.outcome = "filtered"
                    yield Candidate(attempt, filtered=exc.stage)
                return
            for attempt, image in zip(attempts, images, strict=False):
                attempt.seed = image.seed
            for attempt in attempts[len(images) :]:
                attempt.outcome = "filtered"
                yield Candidate(attempt, filtered="output")
            futures = [
                self._executor.submit(self._check, run, attempt, image.data)
                for attempt, image in zip(attempts, images, strict=False)
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
        try:
            with ledger.model_call("generation", attempt):
                image = self._make(run, request)[0]
            ledger.bill("image", run.model.model_id, images=1)
        except ContentFiltered as exc:
            attempt.outcome = "filtered"
            return Candidate(attempt, filtered=exc.stage)
        attempt.seed = image.seed
        return self._check(run, attempt, image.data)

    def _check(self, run: JobRun, attempt: Attempt, data: bytes) -> Candidate:
        """Archive, moderate and verify one image."""
        job, ledger, report = run.job, run.ledger, run.report
        with ledger.timed("archive", attempt):
            attempt.image_key = store_image(self._archive, job.job_id, attempt, data)
        report(Progress("safety", attempt.index, run.total))
        with ledger.timed("image_moderation", attempt):
            check = self._moderator.check(data)
        ledger.bill("image_moderation", "rekognition", images=1)
        attempt.moderation_labels = check.labels
        attempt.policy_action = check.action
        attempt.policy_categories = check.categories
        if not check.safe:
            attempt.outcome = "unsafe"
            return Candidate(attempt)
        report(Progress("verification", attempt.index, run.total))
        try:
            with ledger.model_call("verification", attempt):
                verdict, usage = self._verifier.verify(data, job.text, run.english, run.record.requirements)
            ledger.bill("verify", self._verifier.model_id, usage)
        except (ModelUnavailable, InvalidModelAnswer) as exc:
            # The image is safe; posting it unverified beats losing the request.
            logger.warning("job %s: verification unavailable: %s", job.job_id, exc)
            attempt.outcome = "unverified"
            return Candidate(attempt, data=data, score=-1)
        attempt.verdict = verdict
        attempt.outcome = "accepted" if verdict.matches else "rejected_by_verifier"
        return Candidate(attempt, data=data, score=verdict.score)

    def _make(self, run: JobRun, request: GenerationRequest) -> list[GeneratedImage]:
        """Generate from the prompt, or from the source image for a variation."""
        if run.source is None:
            return run.model.generate(request)
        variation = VariationRequest(
            prompt=request.prompt,
            negative_prompt=request.negative_prompt,
            seed=request.seed,
            cfg_scale=request.cfg_scale,
            width=request.width,
            height=request.height,
            source=run.source,
            strength=run.model.capabilities.clamp_strength(run.strength),
            count=request.count,
        )
        return run.model.vary(variation)
