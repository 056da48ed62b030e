"""Edit jobs: a posted image (or a user's photo) changed by words, zoomed out, upscaled or cut out.

Every edit gets what a new image gets: the words are moderated like a request (rules, the
model's own classification, Comprehend), every output is checked by Rekognition before anyone
sees it (fail closed), the vision model compares before and after against the request, and
every image is archived with its lineage (source image, operation, model). Like
``Pipeline.run``, ``Editor.run`` never raises: the outcome's record is already archived.
"""

from __future__ import annotations

import io
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image

from services.core.edits import OUTPAINT_ACTIONS, REGION_OPERATIONS, EditPlan, EditSpec
from services.core.errors import InputRejected, NoSafeImage
from services.core.images import check_copy
from services.core.job import SAFE_OUTCOMES, Attempt, Job, JobRecord, PhotoMode
from services.generation.catalogue import ModelCatalogue
from services.generation.costs import CostTable
from services.generation.edit_checks import EditChecks
from services.generation.edit_plans import EditPlanner, region_request
from services.generation.image_models import (
    EditModel,
    EditModels,
    EditRequest,
    UnsupportedEdit,
    preset_expansion,
)
from services.generation.ledger import Ledger, ModelSlots, archived_outcome
from services.generation.photos import photo_modes
from services.generation.pipeline import JobOutcome
from services.generation.ports import (
    ImageScreen,
    ImageVerifier,
    Progress,
    ProgressFn,
    RuleBook,
    ToxicityScreen,
)
from services.generation.stages import Best, store_image
from services.generation.turns import Turns
from services.storage.archive import Archive

logger = logging.getLogger(__name__)

# Operations whose output does not depend on a seed: one try, unless the output was unsafe.
_DETERMINISTIC = frozenset({"upscale", "remove_background"})
# What the checker is told each button asked for (the request text is the user's own words).
_ASKED = {
    "zoom_out_1_5": "zoom out 1.5 times, extending the scene around the picture",
    "zoom_out_2": "zoom out 2 times, extending the scene around the picture",
    "square": "extend the picture into a square, keeping it in the middle",
    "pan_left": "extend the scene to the left",
    "pan_right": "extend the scene to the right",
    "pan_up": "extend the scene upwards",
    "pan_down": "extend the scene downwards",
    "upscale": "the same picture at a higher resolution",
    "remove_background": "the main subject kept, the background removed",
}


@dataclass
class _Best:  # the best edit so far and its PNG
    attempt: Attempt
    data: bytes


class Editor:
    """Runs edit jobs and undo, with the pipeline's safety, checks, archive and cost."""

    def __init__(
        self,
        *,
        catalogue: ModelCatalogue,
        edits: EditModels,
        planner: EditPlanner,
        rules: RuleBook,
        moderator: ImageScreen,
        verifier: ImageVerifier,
        archive: Archive,
        toxicity: ToxicityScreen | None = None,
        max_attempts: int = 3,
        costs: CostTable | None = None,
        model_slots: threading.Semaphore | None = None,
        upscales: Turns | None = None,
        side: Executor | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.catalogue = catalogue
        self.edits = edits
        self._planner = planner
        self._checks = EditChecks(rules=rules, moderator=moderator, verifier=verifier, toxicity=toxicity)
        self._archive = archive
        self._max_attempts = max_attempts
        self._costs = costs or CostTable()
        self._slots = ModelSlots(model_slots)
        # UPSCALE_CONCURRENCY: upscales beyond it wait in line (services/generation/turns.py).
        self._upscales = upscales
        # Check copies and archive writes run here while the job thread waits on a model.
        self._side = side or ThreadPoolExecutor(max_workers=4, thread_name_prefix="edit-side")
        self._clock = clock

    def close(self) -> None:
        """Let check copies and archive writes in flight finish, then stop their threads."""
        self._side.shutdown(wait=True)

    def operations(self, model_alias: str | None) -> frozenset[str]:
        """The edits the buttons may offer on an image made by ``model_alias``."""
        return self.edits.operations(self.catalogue.model_for(model_alias))

    def photo_modes(self, model_alias: str | None) -> tuple[PhotoMode, ...]:
        """How a user's photo can be used when ``model_alias`` makes the image (the form offers these)."""
        return photo_modes(self.catalogue.model_for(model_alias), self.edits)

    def run(self, job: Job, progress: ProgressFn | None = None) -> JobOutcome:
        """Run the edit (or undo) of ``job``; archive its record and images whatever happens."""
        report = progress or (lambda _: None)
        parent = self._archive.get_record(job.parent_job_id) if job.parent_job_id else None
        record = self._new_record(job, parent)
        ledger = Ledger(record, costs=self._costs, slots=self._slots, clock=self._clock)
        outcome = JobOutcome(record=record)
        with archived_outcome(ledger, self._archive, "edit", lambda exc: setattr(outcome, "error", exc)):
            source = self._archive.get_image(job.source_image_key) if job.source_image_key else None
            if source is None or parent is None:
                raise InputRejected("job.not_found")
            with Image.open(io.BytesIO(source)) as opened:
                record.width, record.height = opened.size
            best = (
                self._undo(job, source) if job.trigger == "undo" else self._edit(job, source, ledger, report)
            )
            outcome.image = best.data
            record.chosen_attempt = best.attempt.index
            record.status = (
                "accepted" if best.attempt.outcome in ("accepted", "unverified") else "best_effort"
            )
        return outcome

    def _new_record(self, job: Job, parent: JobRecord | None) -> JobRecord:
        return JobRecord(
            job_id=job.job_id,
            trigger=job.trigger,
            parent_job_id=job.parent_job_id,
            created_at=job.created_at,
            started_at=datetime.now(UTC),
            original_text=job.text,
            english_prompt=parent.english_prompt if parent else None,
            model_id=parent.model_id if parent else self.catalogue.default.model_id,
            model_alias=parent.model_alias if parent else None,
            source_image_key=job.source_image_key,
            # The result the edit started from, shown above the edited one as "before".
            source_file_id=parent.posted_file_id if parent and job.edit else None,
            edit=job.edit,
            instruction=job.edit.instruction if job.edit else None,
            width=parent.width if parent else 1024,
            height=parent.height if parent else 1024,
            slack=job.slack,
            lang=job.lang,
        )

    def _undo(self, job: Job, source: bytes) -> _Best:
        """🔙 元に戻す: the image the edit started from, already moderated when it was posted."""
        attempt = Attempt(
            index=1, revision=0, prompt="", seed=0, cfg_scale=None, outcome="accepted",
            image_key=job.source_image_key, policy_action="post",
        )  # fmt: skip
        job_record = self._archive.get_record(job.parent_job_id or "")
        source_attempt = job_record.chosen() if job_record else None
        if source_attempt is not None and source_attempt.outcome not in SAFE_OUTCOMES:
            raise InputRejected("pick.unavailable")
        return _Best(attempt, source)

    def region_operations(self, job: Job) -> frozenset[str]:
        """The region edits a thread mention may become: none unless the result it refines shows
        its image as posted (not blurred, not deleted) and a model here can edit it."""
        if job.parent_job_id is None:
            return frozenset()
        try:
            parent = self._archive.get_record(job.parent_job_id)
        except Exception:
            # The mention is still answered, as a new image from the revised prompt.
            logger.exception("job %s: the result it refines cannot be read", job.job_id)
            return frozenset()
        if parent is None or _posted(parent, job.source_attempt) is None:
            return frozenset()
        return self.operations(parent.model_alias) & REGION_OPERATIONS

    def edit_planned(self, job: Job, plan: EditPlan, ledger: Ledger, report: ProgressFn) -> Best:
        """A thread mention's change to one part of the posted image, planned by its translation call.

        Carried out as ✏️ carries out its words, without asking the planner: the English checked
        by the banned terms and Comprehend, every output by Rekognition, before and after compared,
        and ``ledger``'s record (the job's only one) turned into the edit's, lineage included.
        """
        record = ledger.record
        parent = self._archive.get_record(job.parent_job_id) if job.parent_job_id else None
        attempt = _posted(parent, job.source_attempt) if parent is not None else None
        source = self._archive.get_image(attempt.image_key) if attempt and attempt.image_key else None
        if parent is None or attempt is None or source is None:
            raise InputRejected("job.not_found")
        instruction = job.instruction or job.text
        record.routed = "local_edit"
        record.edit = EditSpec(action="edit", instruction=instruction)
        record.source_image_key = attempt.image_key
        # The result the edit started from, shown above the edited one as "before".
        record.source_file_id = parent.posted_file_id
        record.english_prompt = parent.english_prompt
        # What only a new image is made with; an edit's result shows none of it, as ✏️'s does not.
        record.style = record.preset = record.user_negative = record.cfg_scale = None
        record.negative_terms = []
        with Image.open(io.BytesIO(source)) as opened:
            record.width, record.height = opened.size
        english = plan.english()
        self._checks.words(english, "rules_translation", ledger)
        self._checks.toxicity(english, ledger)
        best = self._carry_out(
            job,
            region_request(plan, source),
            english,
            instruction,
            source=source,
            ledger=ledger,
            report=report,
        )
        return Best(best.attempt, best.data, _score(best.attempt))

    def _edit(self, job: Job, source: bytes, ledger: Ledger, report: ProgressFn) -> _Best:
        spec = job.edit
        if spec is None:
            raise InputRejected("job.not_found")
        report(Progress("moderation"))
        request, english = self._request(job, source, ledger)
        return self._carry_out(job, request, english, job.text, source=source, ledger=ledger, report=report)

    def _carry_out(
        self,
        job: Job,
        request: EditRequest,
        english: str,
        request_text: str,
        *,
        source: bytes,
        ledger: Ledger,
        report: ProgressFn,
    ) -> _Best:
        """Up to ``max_attempts`` edits of ``source``; the first safe one that matches, else the best."""
        record = ledger.record
        image_model = self.catalogue.model_for(record.model_alias)
        try:
            model = self.edits.model_for(request.operation, image_model)
        except UnsupportedEdit as exc:
            raise InputRejected("edit.unsupported") from exc
        record.edit_operation = request.operation
        record.model_id = model.model_id
        # Rekognition and the checker read a small JPEG, made once per image; the source's is made
        # while the model works.
        before = self._side.submit(check_copy, source)
        with self._turn(request.operation, ledger, report):
            best = self._tries(
                job,
                model,
                request,
                asked=(request_text, english),
                before=before,
                ledger=ledger,
                report=report,
            )
        if best is None:
            raise NoSafeImage("every edited image was unsafe")
        return best

    @contextmanager
    def _turn(self, operation: str, ledger: Ledger, report: ProgressFn) -> Iterator[None]:
        """An upscale's turn (UPSCALE_CONCURRENCY), with its place in line shown while it waits."""
        turns = self._upscales
        if operation != "upscale" or turns is None:
            yield
            return
        with ledger.timed("upscale_queue"):
            turns.take(lambda place: report(Progress("upscale_queue", position=place)))
        try:
            yield
        finally:
            turns.give()

    def _tries(
        self,
        job: Job,
        model: EditModel,
        request: EditRequest,
        *,
        asked: tuple[str, str],
        before: Future[bytes],
        ledger: Ledger,
        report: ProgressFn,
    ) -> _Best | None:
        """Edit until an image is safe and matches (once for upscale and cut-outs); the best one."""
        tries = 1 if request.operation in _DETERMINISTIC else self._max_attempts
        best: _Best | None = None
        for index in range(1, tries + 1):
            report(Progress("generation", index, tries))
            seed = 0 if request.operation in _DETERMINISTIC else random.randint(1, 858_993_459)
            attempt = Attempt(
                index=index, revision=0, prompt=asked[1], seed=seed, cfg_scale=None, outcome="pending"
            )
            ledger.add_attempts([attempt])
            with ledger.model_call("generation", attempt):
                images = model.edit(request.model_copy(update={"seed": seed}))
            ledger.bill("image", model.model_id, images=1)
            data, attempt.seed = images[0].data, images[0].seed
            del images  # the decoded answer; only the PNG bytes are kept
            # Archived while its copy is made and checked: an S3 write of a 4096² PNG takes a while.
            archived = self._side.submit(store_image, self._archive, job.job_id, attempt, data)
            try:
                preview = check_copy(data)
                safe = self._checks.safe(attempt, preview, ledger, report)
                if safe:
                    self._checks.compare(
                        attempt,
                        before.result(),
                        preview,
                        job_id=job.job_id,
                        asked=asked,
                        ledger=ledger,
                        report=report,
                    )
            finally:
                attempt.image_key = archived.result()
            if not safe:
                continue
            if best is None or _score(attempt) > _score(best.attempt):
                best = _Best(attempt, data)
            if attempt.outcome in ("accepted", "unverified"):
                break
        return best

    def _request(self, job: Job, source: bytes, ledger: Ledger) -> tuple[EditRequest, str]:
        """The model request for the job's edit, and its English reading; words moderated first."""
        spec = job.edit
        if spec is None:
            raise InputRejected("job.not_found")
        parent_prompt = ledger.record.english_prompt or ""
        if spec.action == "edit":
            instruction = spec.instruction or ""
            self._checks.words(instruction, "rules", ledger)
            with ledger.model_call("translation"):
                plan, usage = self._planner.plan(instruction, parent_prompt)
            ledger.bill("translate", self._planner.model_id, usage)
            ledger.decide("classifier", not plan.safe, plan.category if not plan.safe else None)
            english = plan.english()
            self._checks.words(english, "rules_translation", ledger)
            self._checks.toxicity(english, ledger)
            return region_request(plan, source), english
        english = _ASKED[spec.action]
        if spec.action in OUTPAINT_ACTIONS:
            with Image.open(io.BytesIO(source)) as opened:
                width, height = opened.size
            try:
                expand = preset_expansion(width, height, spec.action)  # type: ignore[arg-type]
            except ValueError as exc:
                raise InputRejected("edit.already_square") from exc
            return EditRequest(
                operation="outpaint", source=source, expand=expand, prompt=parent_prompt
            ), english
        if spec.action == "upscale":
            return EditRequest(operation="upscale", source=source, prompt=parent_prompt), english
        return EditRequest(operation="remove_background", source=source), english


def _posted(parent: JobRecord, index: int | None) -> Attempt | None:
    """The attempt a result shows, when its image was posted as it is archived and is still there."""
    attempt = parent.attempt(index) or parent.chosen()
    if attempt is None or attempt.image_key is None or attempt.outcome not in SAFE_OUTCOMES:
        return None
    # A blurred result's archived image is not the one people saw; a deleted one is gone.
    if not parent.posted_file_id or parent.deleted_at is not None or attempt.policy_action == "blur":
        return None
    return attempt


def _score(attempt: Attempt) -> int:  # an unverified edit ranks above a rejected one
    if attempt.outcome == "unverified":
        return 50
    return attempt.verdict.score if attempt.verdict else -1
