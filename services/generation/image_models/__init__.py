"""Image model adapters, chosen by model id (or by family for ARNs that do not name their model)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.generation.bedrock import RetryPolicy
from services.generation.image_models.amazon import (
    NOVA_CANVAS,
    NOVA_INPUT,
    TITAN_IMAGE,
    TITAN_IMAGE_V1,
    TITAN_INPUT,
    AmazonImageModel,
)
from services.generation.image_models.base import (
    Capabilities,
    EditModel,
    GeneratedImage,
    GenerationRequest,
    ImageModel,
    VariationRequest,
)
from services.generation.image_models.edit_models import EDIT_MODEL_SETTINGS, EditModels
from services.generation.image_models.edits import (
    EDIT_OPERATIONS,
    OUTPAINT_PRESETS,
    EditOperation,
    EditRequest,
    Expansion,
    ImageRules,
    UnsupportedEdit,
    preset_expansion,
)
from services.generation.image_models.fitting import fit_photo
from services.generation.image_models.stability import SD3_LARGE, STABLE_IMAGE, StableDiffusionXL, StableImage
from services.generation.image_models.stability_services import StabilityImageService, service_spec

__all__ = [
    "EDIT_MODEL_SETTINGS",
    "EDIT_OPERATIONS",
    "FAMILIES",
    "OUTPAINT_PRESETS",
    "PHOTO_INPUT",
    "Capabilities",
    "EditModel",
    "EditModels",
    "EditOperation",
    "EditRequest",
    "Expansion",
    "GeneratedImage",
    "GenerationRequest",
    "ImageModel",
    "ImageRules",
    "UnsupportedEdit",
    "UnsupportedModel",
    "VariationRequest",
    "build_edit_model",
    "build_edit_models",
    "build_image_model",
    "fit_photo",
    "model_family",
    "preset_expansion",
]

# A user's photo becomes the source of a variation by whichever model the job uses, and Nova and
# Titan send it as it is (SDXL fits it to its own sizes), so it meets both at once: Nova's
# shortest side and 1:4-4:1, Titan's longest side, no transparent pixel. It is not rounded to
# Nova's multiples of 16, which NOVA_INPUT asks of edit inputs, as it never has been.
PHOTO_INPUT = ImageRules(
    min_side=NOVA_INPUT.min_side, max_side=TITAN_INPUT.max_side, max_aspect=NOVA_INPUT.max_aspect, opaque=True
)

FAMILIES = ("nova-canvas", "titan-image", "sdxl", "sd3", "stable-image")

# Geography prefixes of Bedrock's system-defined cross-region inference profiles.
INFERENCE_PROFILE_PREFIXES = ("us.", "us-gov.", "eu.", "apac.", "jp.", "au.", "global.")

# Model id prefix -> family. Stability's other stable-image-* models (inpaint, upscale,
# remove-background, ...) are editing tools with another schema, so Core and Ultra are
# listed by name rather than matched by "stability.stable-image".
_ID_PREFIXES = (
    ("amazon.nova-canvas", "nova-canvas"),
    ("amazon.titan-image-generator", "titan-image"),
    ("stability.stable-diffusion-xl", "sdxl"),
    ("stability.sd3", "sd3"),
    ("stability.stable-image-core", "stable-image"),
    ("stability.stable-image-ultra", "stable-image"),
)

# ARN resource types whose name is a model id (after an inference profile's geography prefix).
_NAMED_ARN_RESOURCES = ("foundation-model", "inference-profile")

_SUPPORTED_IDS = (
    "amazon.nova-canvas-v1:0, amazon.titan-image-generator-v2:0, stability.stable-diffusion-xl-v1, "
    "stability.sd3-5-large-v1:0, stability.stable-image-core-v1:1 or stability.stable-image-ultra-v1:1"
)


class UnsupportedModel(ValueError):
    """No adapter handles this model id."""


def _arn_hides_model(model_id: str) -> bool:
    """Whether ``model_id`` is an ARN whose resource name is not a model id.

    custom-model, provisioned-model, application-inference-profile and the like do not say
    which model serves them; foundation-model and inference-profile ARNs do.
    """
    if not model_id.startswith("arn:"):
        return False
    # arn:aws:bedrock:<region>:<account>:<resource-type>/<name>
    resource_type = model_id.split(":", 5)[-1].partition("/")[0]
    return resource_type not in _NAMED_ARN_RESOURCES


def _bare_name(model_id: str) -> str | None:
    """The model id an id, inference profile id or foundation-model/profile ARN names, if any."""
    if _arn_hides_model(model_id):
        return None
    name = model_id.rsplit("/", 1)[-1]
    for prefix in INFERENCE_PROFILE_PREFIXES:
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


def model_family(model_id: str) -> str | None:
    """The family a model id, inference profile id or foundation-model/profile ARN names, if any."""
    name = _bare_name(model_id)
    if name is None:
        return None
    return next((family for prefix, family in _ID_PREFIXES if name.startswith(prefix)), None)


def build_image_model(
    client: Any,
    model_id: str,
    retry: RetryPolicy | None = None,
    *,
    family: str | None = None,
    sdxl_steps: int = 30,
    sdxl_style: str | None = None,
) -> ImageModel:
    """The adapter for ``model_id``; ``family`` (IMAGE_MODEL_FAMILY) is needed for ARNs that hide it.

    The family also serves ids the prefixes do not know. A family that contradicts a
    recognised id raises: calling a model with another family's request schema would fail
    on every job. ``sdxl_steps`` and ``sdxl_style`` apply to SDXL only.
    """
    if family is not None and family not in FAMILIES:
        raise UnsupportedModel(
            f"IMAGE_MODEL_FAMILY {family!r} is not supported; use one of {', '.join(FAMILIES)}"
        )
    named = model_family(model_id)
    if named is not None and family is not None and family != named:
        raise UnsupportedModel(
            f"IMAGE_MODEL_FAMILY {family!r} does not match IMAGE_MODEL_ID {model_id!r} ({named})"
        )
    chosen = named or family
    if chosen is None:
        if _arn_hides_model(model_id):
            raise UnsupportedModel(
                f"IMAGE_MODEL_ID {model_id!r} is not supported without IMAGE_MODEL_FAMILY: "
                f"the ARN does not name its model; set IMAGE_MODEL_FAMILY to one of {', '.join(FAMILIES)}"
            )
        raise UnsupportedModel(f"IMAGE_MODEL_ID {model_id!r} is not supported; use {_SUPPORTED_IDS}")
    return _build(chosen, client, model_id, retry, sdxl_steps=sdxl_steps, sdxl_style=sdxl_style)


def _build(
    family: str,
    client: Any,
    model_id: str,
    retry: RetryPolicy | None,
    *,
    sdxl_steps: int,
    sdxl_style: str | None,
) -> ImageModel:
    if family == "nova-canvas":
        return AmazonImageModel(client, model_id, NOVA_CANVAS, retry)
    if family == "titan-image":
        # Only v2 has background removal and image conditioning; an id that does not say v2
        # (v1, or a provisioned ARN that hides its base model) gets v1's edits.
        titan = TITAN_IMAGE if "titan-image-generator-v2" in model_id else TITAN_IMAGE_V1
        return AmazonImageModel(client, model_id, titan, retry)
    if family == "sdxl":
        return StableDiffusionXL(client, model_id, retry, steps=sdxl_steps, style_preset=sdxl_style)
    if family == "sd3":
        return StableImage(client, model_id, SD3_LARGE, retry)
    return StableImage(client, model_id, STABLE_IMAGE, retry)


def build_edit_model(client: Any, model_id: str, retry: RetryPolicy | None = None) -> EditModel:
    """The adapter for an edit model id: a Stability AI Image Service, or an image model that edits."""
    name = _bare_name(model_id)
    spec = service_spec(name) if name is not None else None
    if spec is not None:
        return StabilityImageService(client, model_id, spec, retry)
    if model_family(model_id) is None:
        raise UnsupportedModel(
            f"edit model {model_id!r} is not supported; use a stability.stable-* Image Service id, "
            f"or an image model id ({_SUPPORTED_IDS})"
        )
    return build_image_model(client, model_id, retry)


def build_edit_models(
    client: Any,
    ids: Mapping[str, str | None],
    retry: RetryPolicy | None = None,
    *,
    service_client: Any | None = None,
) -> EditModels:
    """The edit models configured by operation (``EDIT_MODEL_SETTINGS`` names the settings).

    Empty ids are skipped: the job's image model does those operations if it can. Stability
    AI Image Services go through ``service_client`` when given, since they are offered in fewer
    regions than the image models. An id that cannot do its operation raises UnsupportedModel
    at start-up rather than on a user's click.
    """
    built: dict[str, EditModel] = {}
    services: dict[str, EditModel] = {}
    for operation, model_id in ids.items():
        if not model_id:
            continue
        if operation not in EDIT_OPERATIONS:
            raise UnsupportedModel(
                f"unknown edit operation {operation!r}; use one of {', '.join(EDIT_OPERATIONS)}"
            )
        if model_id not in built:
            name = _bare_name(model_id)
            is_service = name is not None and service_spec(name) is not None
            chosen = service_client if is_service and service_client is not None else client
            built[model_id] = build_edit_model(chosen, model_id, retry)
        model = built[model_id]
        if operation not in model.capabilities.edits:
            setting = EDIT_MODEL_SETTINGS.get(operation, operation)
            can = ", ".join(sorted(model.capabilities.edits)) or "no edits"
            raise UnsupportedModel(f"{setting} {model_id!r} cannot {operation}; it can do: {can}")
        services[operation] = model
    return EditModels(services)
