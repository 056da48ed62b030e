"""A user's own photo as the source of a job: fetched, moderated, archived, before any model sees it.

The photo is checked by Rekognition before the image model receives it, and a failed check stops the
job (fail closed), exactly as for generated images. The archive keeps the photo and the record says
where it came from (the Slack file id), so every image of a job has its lineage.
"""

from __future__ import annotations

import logging

from services.core.errors import InputRejected
from services.core.job import PHOTO_MODES, Job, PhotoMode
from services.generation.image_models import PHOTO_INPUT, EditModels, ImageModel, fit_photo
from services.generation.photo_plans import mode_model, use_photo
from services.generation.ports import ImageScreen, PhotoFetcher
from services.generation.stages import JobRun
from services.storage.archive import Archive

logger = logging.getLogger(__name__)


def photo_modes(model: ImageModel, edits: EditModels) -> tuple[PhotoMode, ...]:
    """How a photo can be used with ``model``: the modes some configured model does (a variation
    by the model itself, the others by the image model or a Stability service), as the worker
    chooses them (``photo_plans.mode_model``), so the form offers only what will run."""
    return tuple(mode for mode in PHOTO_MODES if mode_model(mode, model, edits) is not None)


def as_model_input(data: bytes) -> bytes:
    """The photo upright, opaque, within every model's input limits, as PNG; never stretched or
    cropped (``image_models.fitting`` does the fitting, to ``PHOTO_INPUT``)."""
    try:
        return fit_photo(data, PHOTO_INPUT)
    except ValueError as exc:
        # Its type and first bytes were checked when it was fetched; the pixels were not.
        raise InputRejected("image.unreadable") from exc


class PhotoStage:
    """Turns a job's attached photo into an archived, moderated source image."""

    def __init__(
        self,
        fetcher: PhotoFetcher,
        moderator: ImageScreen,
        archive: Archive,
        edits: EditModels | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._moderator = moderator
        self._archive = archive
        self._edits = edits or EditModels()

    def source(self, run: JobRun) -> Job:
        """``run.job`` with its photo archived as the source; ModerationRejected for an unsafe photo."""
        job, record, ledger = run.job, run.record, run.ledger
        if job.source_file is None or job.source_image_key is not None:
            return job
        if record.source_image_key is not None:
            # Resumed after the photo was checked and archived: never fetch or check it twice.
            return job.model_copy(update={"source_image_key": record.source_image_key})
        raw = self._fetcher.fetch(job.source_file)
        with ledger.timed("photo"):
            photo = as_model_input(raw)
        del raw  # the decoded upright copy is all that is kept from here on
        with ledger.timed("photo_moderation"):
            verdict = self._moderator.check(photo)
        ledger.bill("image_moderation", "rekognition", images=1)
        # A flagged photo is refused even where the output policy would blur: a blurred source
        # still carries what was flagged into the model. It is archived either way, for review.
        flagged = verdict.action != "post"
        key = self._archive.put_image(job.job_id, "source-blocked.png" if flagged else "source.png", photo)
        record.source_file_id = job.source_file.id
        if not flagged:
            record.source_image_key = key
        ledger.decide("image_input", flagged, verdict.categories[0] if verdict.categories else None)
        return job.model_copy(update={"source_image_key": key})

    def use(self, run: JobRun) -> JobRun:
        """``run`` making its images from the archived, moderated photo in the mode the request asks."""
        key = run.job.source_image_key
        photo = self._archive.get_image(key) if key is not None else None
        if photo is None:
            raise InputRejected("job.not_found")
        return use_photo(run, self._edits, photo)
