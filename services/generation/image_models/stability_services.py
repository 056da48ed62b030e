"""Stability AI Image Services on Bedrock: one model id per edit, each with its own small body.

Fields and limits are those of docs.aws.amazon.com/bedrock/latest/userguide/stable-image-services.html
(and the local emulator, which enforces them): a base64 ``image`` plus the service's fields,
``seed`` 0-4,294,967,294 (0: the service picks one and reports it), ``output_format`` png, an
answer of ``{"seeds", "finish_reasons", "images"}``. Subscribing to one service enrols the
account in all of them; they are offered in fewer regions than Nova Canvas.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.generation.bedrock import RetryPolicy
from services.generation.image_models.base import (
    Capabilities,
    GeneratedImage,
    check_edit,
    invoke_json,
    parse_ratio,
)
from services.generation.image_models.edits import (
    EditOperation,
    EditRequest,
    ImageRules,
    UnsupportedEdit,
    aspect_distance,
)
from services.generation.image_models.fitting import Fitted, fit_image, fit_mask
from services.generation.image_models.stability import STABLE_IMAGE_RATIOS, stable_images

SERVICE_SEED_MAX = 4_294_967_294
SERVICE_TEXT_MAX = 10_000
_FORMATS = ("PNG", "JPEG", "WEBP")
# Most services: every side at least 64 px, at most 9,437,184 px, aspect ratio 1:2.5 to 2.5:1.
GENERAL_INPUT = ImageRules(min_side=64, max_pixels=9_437_184, max_aspect=2.5, formats=_FORMATS)
# Creative Upscale: 4,096 to 1,048,576 px in, about 4 megapixels out.
CREATIVE_UPSCALE_INPUT = ImageRules(min_side=64, min_pixels=4_096, max_pixels=1_048_576, formats=_FORMATS)
# Fast Upscale: 32-1,536 px per side, 1,024 to 1,048,576 px in, four times each side out.
FAST_UPSCALE_INPUT = ImageRules(
    min_side=32, max_side=1_536, min_pixels=1_024, max_pixels=1_048_576, formats=_FORMATS
)
OUTPAINT_MAX_SIDE = 2_000  # left / right / up / down, each

Body = dict[str, Any]
BodyBuilder = Callable[[EditRequest, Fitted, ImageRules], Body]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _search(key: str) -> BodyBuilder:
    """Search and Replace (``search_prompt``) or Search and Recolor (``select_prompt``): the
    region is found by words, so ``mask_prompt`` goes there."""

    def build(request: EditRequest, fitted: Fitted, rules: ImageRules) -> Body:
        return {"image": _b64(fitted.data), "prompt": request.prompt, key: request.mask_prompt}

    return build


def _masked(*, prompted: bool) -> BodyBuilder:
    """Inpaint or Erase Object with a mask image."""

    def build(request: EditRequest, fitted: Fitted, rules: ImageRules) -> Body:
        if request.mask is None:
            raise UnsupportedEdit("this service needs a mask image")
        # Stability's masks are white where the image changes; EditRequest's are black there.
        body = {"image": _b64(fitted.data), "mask": _b64(fit_mask(request.mask, fitted.plan, change="white"))}
        if prompted:
            body["prompt"] = request.prompt
        return body

    return build


def _outpaint(request: EditRequest, fitted: Fitted, rules: ImageRules) -> Body:
    # The expansion is in the original's pixels; the service counts in the fitted image's.
    grow = request.expansion_for(*fitted.plan.source).scaled(fitted.plan.scale)
    sides = {
        "left": min(grow.left, OUTPAINT_MAX_SIDE),
        "right": min(grow.right, OUTPAINT_MAX_SIDE),
        "up": min(grow.top, OUTPAINT_MAX_SIDE),
        "down": min(grow.bottom, OUTPAINT_MAX_SIDE),
    }
    if not any(sides.values()):
        raise ValueError("the expansion is too small to add a pixel")
    body: Body = {"image": _b64(fitted.data), **sides}
    if request.prompt:
        body["prompt"] = request.prompt
    if request.creativity is not None:
        body["creativity"] = request.creativity
    return body


def _image_only(request: EditRequest, fitted: Fitted, rules: ImageRules) -> Body:
    return {"image": _b64(fitted.data)}


def _prompted_upscale(request: EditRequest, fitted: Fitted, rules: ImageRules) -> Body:
    # Conservative and Creative Upscale require the prompt key; an empty prompt is allowed.
    body: Body = {"image": _b64(fitted.data), "prompt": request.prompt}
    if request.creativity is not None:
        body["creativity"] = request.creativity
    return body


def _control(request: EditRequest, fitted: Fitted, rules: ImageRules) -> Body:
    # Sketch or structure is the model id's choice; request.control_mode is Nova's.
    body: Body = {"image": _b64(fitted.data), "prompt": request.prompt}
    if request.control_strength is not None:
        body["control_strength"] = request.control_strength
    return body


def _style_image(request: EditRequest, rules: ImageRules) -> str:
    if request.style_image is None:
        raise ValueError("style_reference needs a style_image")
    return _b64(fit_image(request.style_image, rules).data)


def _style_guide(request: EditRequest, fitted: Fitted, rules: ImageRules) -> Body:
    # Style Guide draws the prompt in the reference's style; the source gives only the shape.
    width, height = fitted.size
    ratio = min(STABLE_IMAGE_RATIOS, key=lambda r: aspect_distance(width, height, *parse_ratio(r)))
    body: Body = {"image": _style_image(request, rules), "prompt": request.prompt, "aspect_ratio": ratio}
    if request.style_strength is not None:
        body["fidelity"] = request.style_strength
    return body


def _style_transfer(request: EditRequest, fitted: Fitted, rules: ImageRules) -> Body:
    body: Body = {"init_image": _b64(fitted.data), "style_image": _style_image(request, rules)}
    if request.prompt:
        body["prompt"] = request.prompt
    if request.strength is not None:
        # Similarity to the source is how closely the composition follows it.
        body["composition_fidelity"] = request.strength
    if request.style_strength is not None:
        body["style_strength"] = request.style_strength
    return body


@dataclass(frozen=True)
class ServiceSpec:
    """One Image Service: the operation it does and how its body is built."""

    name: str
    operation: EditOperation
    build: BodyBuilder
    input: ImageRules = GENERAL_INPUT
    negative: bool = True  # takes negative_prompt
    seeded: bool = True  # takes seed
    needs_mask: bool = False  # the region comes only as a mask image
    needs_words: bool = False  # the region comes only as words
    needs_prompt: bool = False
    creativity: tuple[float, float] | None = None
    from_prompt: bool = False  # the content comes from the prompt, only the style from the image

    def capabilities(self) -> Capabilities:
        """What the service declares, in the terms every adapter uses."""
        only = frozenset((self.operation,))
        return Capabilities(
            family=self.name,
            seed_max=SERVICE_SEED_MAX,
            max_prompt_chars=SERVICE_TEXT_MAX,
            max_negative_chars=SERVICE_TEXT_MAX,
            edits=only,
            edit_input=self.input,
            edits_need_mask=only if self.needs_mask else frozenset(),
            edits_need_words=only if self.needs_words else frozenset(),
            edits_need_prompt=only if self.needs_prompt else frozenset(),
            creativity=self.creativity,
            edits_from_prompt=only if self.from_prompt else frozenset(),
        )


def _spec(name: str, operation: EditOperation, build: BodyBuilder, **options: Any) -> tuple[str, ServiceSpec]:
    return f"stability.{name}", ServiceSpec(name, operation, build, **options)


# Model id prefix (the version follows) -> service. Prefixes keep "-v1:0" out of the table so a
# new version of a service needs no code.
SERVICES: dict[str, ServiceSpec] = dict(
    (
        _spec("stable-image-search-replace", "inpaint", _search("search_prompt"), needs_words=True),
        _spec("stable-image-search-recolor", "recolor", _search("select_prompt"), needs_words=True),
        _spec("stable-image-inpaint", "inpaint", _masked(prompted=True), needs_mask=True),
        # Erase Object takes a mask, or reads one from the image's alpha; it has no words.
        _spec("stable-image-erase-object", "erase", _masked(prompted=False), needs_mask=True, negative=False),
        _spec("stable-outpaint", "outpaint", _outpaint, negative=False, creativity=(0.1, 1.0)),
        _spec(
            "stable-image-remove-background", "remove_background", _image_only, negative=False, seeded=False
        ),
        _spec(
            "stable-fast-upscale",
            "upscale",
            _image_only,
            input=FAST_UPSCALE_INPUT,
            negative=False,
            seeded=False,
        ),
        _spec("stable-conservative-upscale", "upscale", _prompted_upscale, creativity=(0.1, 0.5)),
        _spec(
            "stable-creative-upscale",
            "upscale",
            _prompted_upscale,
            input=CREATIVE_UPSCALE_INPUT,
            creativity=(0.1, 0.5),
        ),
        _spec("stable-image-control-sketch", "layout", _control),
        _spec("stable-image-control-structure", "layout", _control),
        _spec(
            "stable-image-style-guide", "style_reference", _style_guide, needs_prompt=True, from_prompt=True
        ),
        _spec("stable-style-transfer", "style_reference", _style_transfer),
    )
)


def service_spec(name: str) -> ServiceSpec | None:
    """The service a bare model id (no profile prefix, no ARN) names, if any."""
    return next((spec for prefix, spec in SERVICES.items() if name.startswith(prefix)), None)


class StabilityImageService:
    """Adapter for one ``stability.stable-*`` Image Service model id: it edits, nothing else."""

    def __init__(
        self, client: Any, model_id: str, spec: ServiceSpec, retry: RetryPolicy | None = None
    ) -> None:
        self._client = client
        self.model_id = model_id
        self.spec = spec
        self.capabilities = spec.capabilities()
        self._retry = retry or RetryPolicy()

    def body(self, request: EditRequest) -> Body:
        """The InvokeModel body; the source is fitted to the service's input rules first."""
        spec = self.spec
        fitted = fit_image(request.source, spec.input)
        body = spec.build(request, fitted, spec.input)
        if spec.negative and request.negative_prompt:
            body["negative_prompt"] = request.negative_prompt
        if spec.seeded and request.seed:
            body["seed"] = request.seed
        # PNG keeps background removal's transparency and is lossless for the next edit.
        body["output_format"] = "png"
        return body

    def edit(self, request: EditRequest) -> list[GeneratedImage]:
        """One call to the service; the image comes back with the seed the service used."""
        check_edit(self.capabilities, request)
        payload = invoke_json(self._client, self._retry, self.model_id, self.body(request))
        return stable_images(payload, self.model_id, request.seed)
