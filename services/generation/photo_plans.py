"""A user's photo used the way the request asks: which model does the mode, how strongly, or the
nearest mode the configuration can do.

The candidates, their checks, the retries and the rewrites are the same for every mode: the
photo's model takes the job's image model's place behind the ``ImageModel`` interface, so a round
asks it for images as it asks any model, and each request becomes the mode's call (an
IMAGE_VARIATION, or a restyle, layout or style-reference edit). The adapters fit the photo to
their model's input rules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from services.core.errors import InputRejected
from services.core.job import PhotoMode, PhotoSimilarity
from services.generation.image_models import (
    EditModel,
    EditModels,
    EditRequest,
    GeneratedImage,
    GenerationRequest,
    ImageModel,
    UnsupportedEdit,
    VariationRequest,
)
from services.generation.stages import JobRun

logger = logging.getLogger(__name__)

# The modes tried, in order, when the configuration cannot do the one asked for. A variation
# (IMAGE_VARIATION keeps the photo's look and follows the prompt) is the nearest to re-drawing the
# photo and to borrowing its style; image to image is the nearest to keeping its layout.
NEAREST: dict[PhotoMode, tuple[PhotoMode, ...]] = {
    "variation": ("variation", "restyle", "layout", "style_reference"),
    "restyle": ("restyle", "variation", "layout", "style_reference"),
    "layout": ("layout", "restyle", "variation", "style_reference"),
    "style_reference": ("style_reference", "variation", "restyle", "layout"),
}

# What each similarity means for each mode, on the scale the mode's parameter uses (higher keeps
# more of the photo): IMAGE_VARIATION's similarityStrength (0.2-1.0, AWS's default 0.7); image to
# image as a similarity (SDXL image_strength, 1 - SD3.5 strength, Nova/Titan similarityStrength);
# controlStrength / control_strength (0-1, default 0.7); Style Guide's fidelity (0-1, default 0.5).
STRENGTHS: dict[PhotoMode, dict[PhotoSimilarity, float]] = {
    "variation": {"high": 0.9, "medium": 0.7, "low": 0.4},
    "restyle": {"high": 0.7, "medium": 0.5, "low": 0.3},
    "layout": {"high": 0.9, "medium": 0.7, "low": 0.5},
    "style_reference": {"high": 0.8, "medium": 0.5, "low": 0.3},
}


@dataclass(frozen=True)
class PhotoPlan:
    """The mode a photo is used in, the model that does it and the strength it is given."""

    mode: PhotoMode
    model: EditModel  # for a variation, the job's image model
    strength: float


def mode_model(mode: PhotoMode, image_model: ImageModel, edits: EditModels) -> EditModel | None:
    """The model that does ``mode`` here (a configured edit model first), or None."""
    if mode == "variation":
        return image_model if image_model.capabilities.supports_variation else None
    try:
        model = edits.model_for(mode, image_model)
    except UnsupportedEdit:
        return None
    if mode == "style_reference" and mode not in model.capabilities.edits_from_prompt:
        # Style Transfer re-draws a content image in the style of another: with the photo as the
        # style there is no content image, so only Style Guide draws the request in its style.
        return None
    return model


def plan_photo(
    asked: PhotoMode,
    similarity: PhotoSimilarity,
    image_model: ImageModel,
    edits: EditModels,
    *,
    variation_strength: float = 0.7,
) -> PhotoPlan | None:
    """How to use the photo: ``asked`` if a model here does it, else the nearest mode one does.

    ``variation_strength`` (VARIATION_STRENGTH) is a variation's strength when the words do not say.
    """
    for mode in NEAREST[asked]:
        model = mode_model(mode, image_model, edits)
        if model is None:
            continue
        value = STRENGTHS[mode][similarity]
        if mode == "variation" and similarity == "medium":
            value = variation_strength
        caps = model.capabilities
        if mode in ("variation", "restyle") and caps.variation_strength is not None:
            value = caps.clamp_strength(value)
        return PhotoPlan(mode=mode, model=model, strength=value)
    return None


class PhotoModel:
    """The photo's model in the job's image model's place: every request uses the photo by the plan."""

    def __init__(self, plan: PhotoPlan, source: bytes, image_model: ImageModel) -> None:
        self.plan = plan
        self._source = source
        self._image_model = image_model
        self.model_id = plan.model.model_id
        self.capabilities = plan.model.capabilities

    def validate_size(self, width: int, height: int) -> None:
        """The job's size, checked by the job's model (an edit's output follows the photo)."""
        self._image_model.validate_size(width, height)

    def generate(self, request: GenerationRequest) -> list[GeneratedImage]:
        """``request`` made from the photo: a variation, or the mode's edit."""
        plan = self.plan
        if plan.mode == "variation":
            return self._image_model.vary(VariationRequest.of(request, self._source, plan.strength))
        return plan.model.edit(self.edit_request(request))

    def edit_request(self, request: GenerationRequest) -> EditRequest:
        """The mode's edit of the photo for ``request``."""
        mode, strength = self.plan.mode, self.plan.strength
        if mode == "variation":
            raise ValueError("a variation is not an edit")
        return EditRequest(
            operation=mode,
            source=self._source,
            prompt=request.prompt,
            negative_prompt=request.negative_prompt or None,
            seed=request.seed,
            cfg_scale=request.cfg_scale,
            count=request.count,
            strength=strength if mode == "restyle" else None,
            control_strength=strength if mode == "layout" else None,
            # Style Guide: the photo gives the style (and the shape), the prompt the content.
            style_image=self._source if mode == "style_reference" else None,
            style_strength=strength if mode == "style_reference" else None,
        )

    def vary(self, request: VariationRequest) -> list[GeneratedImage]:
        """Never asked: a photo job's images all start from its photo (``generate``)."""
        raise ValueError("a photo job varies its own photo")

    def edit(self, request: EditRequest) -> list[GeneratedImage]:
        """An edit on the photo's model."""
        return self.plan.model.edit(request)


def use_photo(run: JobRun, edits: EditModels, source: bytes) -> JobRun:
    """``run`` with the photo's model in place of the job's; the mode and its fallback recorded.

    InputRejected when no model here can start from a photo in any mode.
    """
    record = run.record
    asked = record.photo_mode_asked or run.job.photo_mode or "variation"
    similarity = record.photo_similarity or "medium"
    plan = plan_photo(asked, similarity, run.model, edits, variation_strength=run.strength)
    if plan is None:
        raise InputRejected("photo.unsupported")
    if plan.mode != asked:
        logger.info("job %s: no model here can %s a photo; using %s", record.job_id, asked, plan.mode)
    record.photo_mode_asked, record.photo_mode, record.photo_similarity = asked, plan.mode, similarity
    # The record names the model that made the images; the alias keeps the buttons on the job's.
    record.model_id = plan.model.model_id
    caps = plan.model.capabilities
    cfg = record.cfg_scale
    record.cfg_scale = caps.clamp_cfg(cfg) if caps.has_cfg and cfg is not None else None
    return replace(run, model=PhotoModel(plan, source, run.model), source=None)
