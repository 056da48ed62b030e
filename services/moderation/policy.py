"""What to do with a generated image, per Rekognition moderation category: post, blur or block.

Operators configure one action per top-level category of the Rekognition moderation taxonomy v7,
e.g. ``"Explicit=block,Swimwear or Underwear=blur,Alcohol=allow"``; categories not named get the
default action. Deeper labels (level 2 and 3) count under their top-level category.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Literal, get_args

from PIL import Image, ImageFilter
from pydantic import BaseModel, ConfigDict

from services.core.job import ModerationLabel

__all__ = ["TAXONOMY_V7_TOP_LEVEL", "Action", "Decision", "ImagePolicy", "PolicyDecision", "blur"]

Action = Literal["block", "blur", "allow"]
Decision = Literal["post", "blur", "block"]

TAXONOMY_V7_TOP_LEVEL = (
    "Explicit",
    "Non-Explicit Nudity of Intimate parts and Kissing",
    "Swimwear or Underwear",
    "Violence",
    "Visually Disturbing",
    "Drugs & Tobacco",
    "Alcohol",
    "Rude Gestures",
    "Gambling",
    "Hate Symbols",
)
"""Level-1 categories of Rekognition's moderation taxonomy v7, spelled as the API returns them."""

_ACTIONS: tuple[str, ...] = get_args(Action)
_ACTION_BY_NAME: Mapping[str, Action] = {"block": "block", "blur": "blur", "allow": "allow"}
_STRICTNESS: Mapping[str, int] = {"allow": 0, "blur": 1, "block": 2}
_DECISION: Mapping[str, Decision] = {"allow": "post", "blur": "blur", "block": "block"}

# Blur strength relative to the image, so a 4096 px image is hidden as well as a 512 px one: the
# Gaussian's standard deviation is 1/15 of the longer side, then the result is averaged into at
# most 12 cells along that side. The blur alone leaves the outline of large shapes guessable; the
# coarse cells leave only patches of colour.
_BLUR_DIVISOR = 15
_PIXEL_CELLS = 12


def _key(name: str) -> str:
    # Case- and spacing-insensitive, so "swimwear  or underwear" in a config file still matches.
    return " ".join(name.split()).casefold()


_CANONICAL: Mapping[str, str] = {_key(name): name for name in TAXONOMY_V7_TOP_LEVEL}


class PolicyDecision(BaseModel):
    """The action for one image and the top-level categories that led to it."""

    model_config = ConfigDict(frozen=True)

    action: Decision
    categories: list[str] = []


class ImagePolicy:
    """Maps Rekognition moderation labels to post / blur / block."""

    __slots__ = ("_actions", "_default", "_min_confidence")

    def __init__(
        self, actions: Mapping[str, Action], default: Action = "block", min_confidence: float = 50.0
    ) -> None:
        if default not in _ACTIONS:
            raise ValueError(f"default action must be one of {list(_ACTIONS)}, got {default!r}")
        if not 0.0 <= min_confidence <= 100.0:
            raise ValueError(f"min_confidence must be between 0 and 100, got {min_confidence}")
        unknown = [name for name in actions if _key(name) not in _CANONICAL]
        if unknown:
            raise ValueError(f"unknown moderation categories {unknown}; known: {list(TAXONOMY_V7_TOP_LEVEL)}")
        bad = {name: action for name, action in actions.items() if action not in _ACTIONS}
        if bad:
            raise ValueError(f"actions must be one of {list(_ACTIONS)}, got {bad}")
        self._actions: Mapping[str, Action] = {_CANONICAL[_key(n)]: a for n, a in actions.items()}
        self._default: Action = default
        self._min_confidence = min_confidence

    @classmethod
    def parse(cls, spec: str, *, default: Action = "block", min_confidence: float = 50.0) -> ImagePolicy:
        """Build a policy from ``"Category=action,..."``; raise ValueError on unknown names or actions."""
        actions: dict[str, Action] = {}
        unknown: list[str] = []
        for raw in spec.split(","):
            item = raw.strip()
            if not item:
                continue  # tolerate "a=b," and empty specs
            name, sep, value = item.partition("=")
            name, action = name.strip(), _ACTION_BY_NAME.get(value.strip().lower())
            if not sep or not name:
                raise ValueError(f"expected 'Category=action', got {item!r}")
            if action is None:
                raise ValueError(
                    f"action for {name!r} must be one of {list(_ACTIONS)}, got {value.strip()!r}"
                )
            canonical = _CANONICAL.get(_key(name))
            if canonical is None:
                unknown.append(name)
                continue
            if canonical in actions:
                raise ValueError(f"category {canonical!r} is given twice")
            actions[canonical] = action
        if unknown:
            raise ValueError(f"unknown moderation categories {unknown}; known: {list(TAXONOMY_V7_TOP_LEVEL)}")
        return cls(actions, default=default, min_confidence=min_confidence)

    @property
    def min_confidence(self) -> float:
        """Labels below this confidence (0-100) are ignored."""
        return self._min_confidence

    def action_for(self, category: str) -> Action:
        """The configured action for a top-level category; the default for any other name."""
        return self._actions.get(_CANONICAL.get(_key(category), category), self._default)

    def decide(self, labels: Sequence[ModerationLabel]) -> PolicyDecision:
        """The strictest action over labels at or above ``min_confidence``, and its categories."""
        parents = {_key(label.name): label.parent_name for label in labels}
        found: dict[str, Action] = {}
        for label in labels:
            if label.confidence < self._min_confidence:
                continue
            category = _top_level(label, parents)
            found.setdefault(category, self.action_for(category))
        if not found:
            return PolicyDecision(action="post")
        strictest = max(found.values(), key=_STRICTNESS.__getitem__)
        return PolicyDecision(
            action=_DECISION[strictest],
            categories=[category for category, action in found.items() if action == strictest],
        )

    @staticmethod
    def blur(data: bytes) -> bytes:
        """Blur an image beyond recognition; see the module-level ``blur``."""
        return blur(data)


def _top_level(label: ModerationLabel, parents: Mapping[str, str]) -> str:
    """The label's level-1 category, following ParentName through the labels of the same answer."""
    name, parent = label.name, label.parent_name
    seen = {_key(name)}
    while parent:
        name = parent
        key = _key(parent)
        # A parent missing from the answer (filtered out, or an older taxonomy) ends the chain:
        # its name is the best category we have, and an unknown name gets the default action.
        if key in seen or key not in parents:
            break
        seen.add(key)
        parent = parents[key]
    return _CANONICAL.get(_key(name), name)


def blur(data: bytes) -> bytes:
    """Return ``data`` blurred and pixelated beyond recognition, as PNG bytes of the same size."""
    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGB")
    width, height = image.size
    radius = max(1.0, max(width, height) / _BLUR_DIVISOR)
    image = image.filter(ImageFilter.GaussianBlur(radius))
    # Pixelate: average into coarse cells (BOX), then blow up with hard edges (NEAREST) so the
    # result plainly reads as censored rather than as a soft-focus photo.
    cell = max(1, max(width, height) // _PIXEL_CELLS)
    small = image.resize((max(1, width // cell), max(1, height // cell)), Image.Resampling.BOX)
    image = small.resize((width, height), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
