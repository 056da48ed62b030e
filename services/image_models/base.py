"""The interface every image model adapter implements, and what it declares."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, ConfigDict


class Capabilities(BaseModel):
    """What a model accepts; validation, defaults and buttons derive from this."""

    model_config = ConfigDict(frozen=True)

    family: str
    cfg_min: float | None = None
    cfg_max: float | None = None
    cfg_default: float | None = None
    seed_max: int
    max_prompt_chars: int
    max_negative_chars: int | None = None
    max_images_per_call: int = 1
    sizes: tuple[tuple[int, int], ...] | None = None

    @property
    def has_cfg(self) -> bool:
        """Whether the model takes a cfg scale at all."""
        return self.cfg_min is not None and self.cfg_max is not None

    def clamp_cfg(self, value: float) -> float:
        """``value`` limited to the model's cfg range, rounded to one decimal."""
        if self.cfg_min is None or self.cfg_max is None:
            raise ValueError("model has no cfg scale")
        return round(min(self.cfg_max, max(self.cfg_min, value)), 1)

    def resolve_seed(self, seed: int | None, rng: random.Random | None = None) -> int:
        """A concrete seed: 0 or ``None`` means a random one within the model's range."""
        if seed:
            return min(seed, self.seed_max)
        return (rng or random).randint(1, self.seed_max)


@dataclass(frozen=True)
class GenerationRequest:
    """One call's worth of generation parameters, already resolved."""

    prompt: str
    negative_prompt: str | None
    seed: int
    cfg_scale: float | None
    width: int
    height: int
    count: int = 1


@dataclass(frozen=True)
class GeneratedImage:
    """One image from the model, with the seed that produced it."""

    data: bytes
    seed: int
    mime_type: str = "image/png"


class ImageModel(Protocol):
    """An adapter for one model family."""

    model_id: str
    capabilities: Capabilities

    def validate_size(self, width: int, height: int) -> None:
        """Raise ValueError if the model cannot produce this size."""

    def generate(self, request: GenerationRequest) -> list[GeneratedImage]:
        """Generate ``request.count`` images; raise a domain error on failure."""
