"""Jobs made from a posted result or proposal: edits, undo, a cfg step, a described request."""

from __future__ import annotations

from services.core.edits import EditSpec
from services.core.errors import InputRejected
from services.core.inputs import SourceFile
from services.core.job import (
    MAX_TEXT_CHARS,
    Attempt,
    GenerationOptions,
    Job,
    JobRecord,
    PhotoMode,
    SlackContext,
)
from services.core.text import Language
from services.generation.describe import Description
from services.generation.image_models import Capabilities


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


def stepped_cfg(caps: Capabilities, current: float | None, action: str, step: float) -> float:
    """➖/➕ cfg: one step down or up within the model's range; InputRejected at either end."""
    if not caps.has_cfg or caps.cfg_min is None or caps.cfg_max is None:
        raise InputRejected("cfg.unsupported")
    base = current if current is not None else caps.cfg_default or caps.cfg_min
    stepped = caps.clamp_cfg(base + (step if action == "cfg_up" else -step))
    if stepped == round(base, 1):
        raise InputRejected("cfg.at_max" if action == "cfg_up" else "cfg.at_min", value=f"{stepped:g}")
    return stepped


def described_job(
    chosen: Description, parent_job_id: str, options: GenerationOptions, slack: SlackContext, lang: Language
) -> Job:
    """「これで作る」: a proposal of 🔎 プロンプトにする as a new request, its English used as is."""
    return Job(
        text=chosen.japanese,
        english_prompt=chosen.english_prompt,
        options=options,
        trigger="described",
        parent_job_id=parent_job_id,
        slack=slack,
        lang=lang,
    )


def check_photo(photo: SourceFile, modes: tuple[PhotoMode, ...]) -> None:
    """What can be told of a photo before a download: its declared type and size, and that some
    configured model can use it (``modes``: how the job's image model, or an edit model, can)."""
    photo.check_declared()
    if not modes:
        raise InputRejected("photo.unsupported")
