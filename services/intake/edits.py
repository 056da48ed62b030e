"""Edit jobs from a posted result: which image they start from, and what they ask."""

from __future__ import annotations

from services.core.edits import EditSpec
from services.core.errors import InputRejected
from services.core.job import MAX_TEXT_CHARS, Attempt, Job, JobRecord


def edit_job(child: Job, record: JobRecord, attempt: Attempt, spec: EditSpec) -> Job:
    """``child`` (a job in the result's thread) as an edit of ``attempt``'s image."""
    if spec.action == "edit":
        words = " ".join((spec.instruction or "").split())
        if not words:
            raise InputRejected("input.empty")
        if len(words) > MAX_TEXT_CHARS:
            raise InputRejected("input.too_long", limit=MAX_TEXT_CHARS)
        spec = spec.model_copy(update={"instruction": words})
    return child.model_copy(
        update={
            # The status message shows what was asked: the user's words, or the result's request.
            "text": spec.instruction or record.original_text,
            "source_image_key": attempt.image_key,
            "source_attempt": attempt.index,
            "edit": spec,
        }
    )


def undo_job(child: Job, record: JobRecord) -> Job:
    """``child`` as 🔙 under the edit ``record``: the image that edit started from."""
    if record.edit is None or record.source_image_key is None or record.parent_job_id is None:
        raise InputRejected("button.invalid")
    return child.model_copy(
        update={"parent_job_id": record.parent_job_id, "source_image_key": record.source_image_key}
    )
