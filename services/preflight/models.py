"""What a Bedrock model identifier names, the image models to choose from when none is set, and which
text models take the forced tool choice the bot's Converse calls send.

Bedrock accepts five kinds of identifier: a foundation model id or ARN, a system-defined inference
profile (the id behind a geography prefix: ``us.``, ``apac.``, ``global.`` …) or its ARN, an
application inference profile ARN, a custom-model ARN and a provisioned-throughput ARN. Each is checked
with its own control-plane call, so the preflight first has to tell them apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from services.generation.image_models import INFERENCE_PROFILE_PREFIXES, model_family

# The image model used when IMAGE_MODEL_ID is not set: the first of these that the control plane says is
# ACTIVE and usable by this account in this region. Amazon's two come first because they do more with the
# bot's buttons (cfg scale, variations, several images per call); then Stability's, best first. No guess
# about lifecycles is written here: the control plane is asked at every start.
IMAGE_MODEL_PREFERENCE = (
    "amazon.nova-canvas-v1:0",
    "amazon.titan-image-generator-v2:0",
    "stability.sd3-5-large-v1:0",
    "stability.stable-image-core-v1:1",
    "stability.stable-image-ultra-v1:1",
)

Kind = Literal["foundation", "profile", "application-profile", "custom", "provisioned", "other"]

_ARN_KINDS: dict[str, Kind] = {
    "foundation-model": "foundation",
    "inference-profile": "profile",
    "application-inference-profile": "application-profile",
    "custom-model": "custom",
    "provisioned-model": "provisioned",
}
# Claude 3 and later, by either naming scheme (claude-3-5-sonnet-…, claude-sonnet-4-…).
_CLAUDE = re.compile(r"anthropic\.claude-(?:(?P<old>\d+)-|(?:sonnet|opus|haiku)-(?P<new>\d+))")
# Nova's text models (not Canvas, Reel or Sonic), including the nova-2-… generation.
_NOVA_TEXT = re.compile(r"amazon\.nova-(?:\d+-)?(?:micro|lite|pro|premier)-")
_FAMILY = re.compile(r"[a-z0-9-]+\.[a-z]+")
_TIERS = ("haiku", "sonnet", "opus", "micro", "lite", "pro", "premier", "instant", "express")


@dataclass(frozen=True)
class ModelRef:
    """A configured identifier, its kind, and the foundation model id it names when it names one."""

    identifier: str
    kind: Kind
    base_id: str | None


def strip_geography(model_id: str) -> str:
    """The model id behind an inference-profile prefix (us., apac., global. …), or model_id itself."""
    return next(
        (model_id.removeprefix(p) for p in INFERENCE_PROFILE_PREFIXES if model_id.startswith(p)), model_id
    )


def parse_model(identifier: str) -> ModelRef:
    """Tell the kind of a model identifier apart, as Bedrock's control plane needs it."""
    if identifier.startswith("arn:"):
        # arn:aws:bedrock:<region>:<account>:<resource-type>/<name>
        resource = identifier.split(":", 5)[-1]
        resource_type, _, name = resource.partition("/")
        kind = _ARN_KINDS.get(resource_type, "other")
        if kind == "foundation":
            return ModelRef(identifier, kind, name)
        if kind == "profile":
            return ModelRef(identifier, kind, strip_geography(name))
        return ModelRef(identifier, kind, None)
    base = strip_geography(identifier)
    return ModelRef(identifier, "profile" if base != identifier else "foundation", base)


def accepts_forced_tool(model_id: str) -> bool:
    """Whether Converse takes ``toolChoice: {tool: …}`` from this model: Claude 3 or later, or Nova text.

    Bedrock rejects the call (ValidationException) for every other model, and the bot forces a named
    tool in every translation, verification and rewrite.
    """
    base = strip_geography(model_id)
    claude = _CLAUDE.match(base)
    if claude:
        return int(claude.group("old") or claude.group("new")) >= 3
    return _NOVA_TEXT.match(base) is not None


def same_family(model_id: str, other: str, *, image: bool) -> bool:
    """Whether two model ids are of one family: the adapter family for image models (nova-canvas,
    titan-image …), the provider's model line for text models (anthropic.claude, amazon.nova …)."""
    if image:
        family = model_family(model_id)
        return family is not None and family == model_family(other)
    mine, theirs = _FAMILY.match(model_id), _FAMILY.match(other)
    return bool(mine and theirs and mine.group(0) == theirs.group(0))


def tier(model_id: str) -> str | None:
    """The size tier a model id names (sonnet, haiku, lite, pro …), if any."""
    words = set(re.split(r"[-.:]", model_id))
    return next((t for t in _TIERS if t in words), None)
