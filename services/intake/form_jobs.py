"""The form's fields as a job's settings and photo; each refusal names the field to fix.

``field`` on an ``InputRejected`` is the form block the message is shown under (its block id).
"""

from __future__ import annotations

from collections.abc import Collection

from services.core.errors import InputRejected
from services.core.job import GenerationOptions, PhotoMode
from services.generation.catalogue import ModelCatalogue
from services.generation.options import resolve_size
from services.generation.presets import STYLES
from services.intake.forms import FormInput


def form_options(
    form: FormInput, base: GenerationOptions, catalogue: ModelCatalogue, default_alias: str
) -> GenerationOptions:
    """``base`` (a result's settings, or the user's defaults) with what the form says, checked
    against the chosen model."""
    alias = form.model or base.model or default_alias
    if alias not in catalogue.models:
        raise InputRejected(
            "option.unknown_model", value=alias, allowed=", ".join(catalogue.models), field="model"
        )
    model = catalogue.models[alias]
    caps = model.capabilities
    update: dict[str, object] = {"model": alias, "seed": form.seed, "negative": form.negative or None}
    if caps.has_cfg and form.cfg_scale is not None:
        low, high = caps.cfg_min or 0, caps.cfg_max or 0
        if not low <= form.cfg_scale <= high:
            raise InputRejected(
                "option.out_of_range", option="cfg", value=form.cfg_scale, low=low, high=high, field="cfg"
            )
        update["cfg_scale"] = form.cfg_scale
    elif not caps.has_cfg:
        update["cfg_scale"] = None
    if form.seed is not None and form.seed > caps.seed_max:
        raise InputRejected(
            "option.out_of_range", option="seed", value=form.seed, low=0, high=caps.seed_max, field="seed"
        )
    if form.size:
        try:
            update["width"], update["height"] = resolve_size(form.size, model)
        except InputRejected as exc:
            raise InputRejected(exc.kind, **exc.details, field="size") from exc
        update["preset"] = None
    if form.style and form.style not in STYLES:
        raise InputRejected(
            "option.unknown_style", value=form.style, allowed=", ".join(STYLES), field="style"
        )
    update["style"] = form.style or None
    return base.model_copy(update=update)


def check_form_photo(form: FormInput, modes: Collection[PhotoMode]) -> None:
    """The form's photo, by what Slack declares (the checks a mention's photo gets), and its use
    against ``modes``, what the chosen model can do with a photo."""
    photo = form.photo
    if photo is None:
        if form.photo_mode is not None:
            raise InputRejected("form.error.mode_needs_photo", field="photo")
        return
    try:
        photo.check_declared()  # a PDF or an oversized file, before a byte is downloaded
    except InputRejected as exc:
        raise InputRejected(exc.kind, **exc.details, field="photo") from exc
    if not modes:
        raise InputRejected("form.error.photo_unsupported", field="photo")
    if form.photo_mode is not None and form.photo_mode not in modes:
        raise InputRejected("form.error.photo_mode_unsupported", field="photo_mode")
