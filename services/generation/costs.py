"""Estimated cost of a job from its recorded calls and a configurable price table.

Prices are USD list prices for on-demand use as published by AWS at the time of
writing; they change and differ by region, so operators override them with
MODEL_PRICES. The figure is an estimate for budgeting, not a bill.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from services.core.job import ModelCall


class Price(BaseModel):
    """Price of one model or service: per 1,000 tokens, per image, or per call."""

    model_config = ConfigDict(frozen=True)

    input_per_1k: float = Field(default=0.0, ge=0)
    output_per_1k: float = Field(default=0.0, ge=0)
    per_image: float = Field(default=0.0, ge=0)
    per_call: float = Field(default=0.0, ge=0)


# Keys are model id prefixes (inference-profile prefixes such as "us." are ignored) or
# the pseudo ids the pipeline records for non-Bedrock services.
DEFAULT_PRICES: dict[str, Price] = {
    "anthropic.claude-3-5-sonnet": Price(input_per_1k=0.003, output_per_1k=0.015),
    "anthropic.claude-3-7-sonnet": Price(input_per_1k=0.003, output_per_1k=0.015),
    "anthropic.claude-3-5-haiku": Price(input_per_1k=0.0008, output_per_1k=0.004),
    "anthropic.claude-3-haiku": Price(input_per_1k=0.00025, output_per_1k=0.00125),
    "amazon.nova-pro": Price(input_per_1k=0.0008, output_per_1k=0.0032),
    "amazon.nova-lite": Price(input_per_1k=0.00006, output_per_1k=0.00024),
    "amazon.nova-canvas": Price(per_image=0.04),
    "amazon.titan-image-generator": Price(per_image=0.01),
    "stability.stable-diffusion-xl": Price(per_image=0.04),
    "stability.sd3-5-large": Price(per_image=0.08),
    "stability.stable-image-core": Price(per_image=0.04),
    "stability.stable-image-ultra": Price(per_image=0.14),
    # Stability AI Image Services, one model id per edit, billed per output image. These are
    # the list prices we found at the time of writing (AWS's pricing page renders its figures
    # client-side, so check them there); MODEL_PRICES overrides them like the rest. Nova
    # Canvas and Titan edits are priced as their generations, by the entries above.
    "stability.stable-fast-upscale": Price(per_image=0.03),
    "stability.stable-conservative-upscale": Price(per_image=0.40),
    "stability.stable-creative-upscale": Price(per_image=0.60),
    "stability.stable-image-inpaint": Price(per_image=0.07),
    "stability.stable-outpaint": Price(per_image=0.06),
    "stability.stable-image-search-replace": Price(per_image=0.07),
    "stability.stable-image-search-recolor": Price(per_image=0.07),
    "stability.stable-image-erase-object": Price(per_image=0.07),
    "stability.stable-image-remove-background": Price(per_image=0.07),
    "stability.stable-image-control-sketch": Price(per_image=0.07),
    "stability.stable-image-control-structure": Price(per_image=0.07),
    "stability.stable-image-style-guide": Price(per_image=0.07),
    "stability.stable-style-transfer": Price(per_image=0.08),
    "rekognition": Price(per_image=0.001),
    "comprehend": Price(per_call=0.0003),  # DetectToxicContent: 3 units of 100 characters minimum
    "guardrail": Price(per_call=0.00075),
}

_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "jp.", "au.", "us-gov.", "global.")


def _bare(model_id: str) -> str:
    name = model_id.rsplit("/", 1)[-1]
    for prefix in _PROFILE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


class CostTable:
    """Looks prices up by the longest matching model id prefix."""

    def __init__(self, overrides: Mapping[str, Price] | None = None) -> None:
        self._prices = {**DEFAULT_PRICES, **(overrides or {})}

    def price(self, model_id: str | None) -> Price:
        """The price for ``model_id``; free (all zero) when unknown."""
        if not model_id:
            return Price()
        name = _bare(model_id)
        matches = [key for key in self._prices if name.startswith(key)]
        return self._prices[max(matches, key=len)] if matches else Price()

    def call_estimate(self, model_id: str | None, images: int = 1) -> float:
        """Estimated USD of one call making ``images`` images (an edit or an upscale), before it runs."""
        price = self.price(model_id)
        return round(images * price.per_image + price.per_call, 4)

    def estimate(self, calls: Iterable[ModelCall]) -> float:
        """Total estimated USD for the calls, rounded to a hundredth of a cent."""
        total = 0.0
        for call in calls:
            price = self.price(call.model_id)
            total += call.input_tokens / 1000 * price.input_per_1k
            total += call.output_tokens / 1000 * price.output_per_1k
            total += call.images * price.per_image + price.per_call
        return round(total, 4)
