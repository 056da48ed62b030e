"""Final prompt text: style template, negative prompt, each model's length limit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

_PHRASE_ENDS = ".,;"


def trim_at_phrase(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, at the last phrase boundary if one is near."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    boundary = max(cut.rfind(ch) for ch in _PHRASE_ENDS)
    # Keep at least half of the allowance; otherwise a single long phrase would vanish.
    if boundary >= limit // 2:
        return cut[:boundary].rstrip(" ,;")
    space = cut.rfind(" ")
    if space >= limit // 2:
        return cut[:space].rstrip(" ,;")
    return cut


@dataclass(frozen=True)
class BuiltPrompt:
    """The exact text and negative text sent to the image model."""

    text: str
    negative: str | None


class PromptBuilder:
    """Applies the configured style template and negative list within model limits."""

    def __init__(self, template: str = "{prompt}", negative_terms: Sequence[str] = ()) -> None:
        self._template = template
        self._negative = [term.strip() for term in negative_terms if term.strip()]

    def build(
        self,
        english: str,
        *,
        max_chars: int,
        negative_max_chars: int | None,
        template: str | None = None,
        extra_negative: Sequence[str] = (),
    ) -> BuiltPrompt:
        """The prompt for one model: template applied, then trimmed at a phrase boundary.

        ``template`` (a job's style) replaces the configured one; ``extra_negative`` (the
        user's --no and the style's exclusions) comes first, so trimming drops defaults instead.
        """
        text = trim_at_phrase((template or self._template).format(prompt=english.strip()), max_chars)
        terms = [term.strip() for term in extra_negative if term.strip()]
        seen = {term.lower() for term in terms}
        terms += [term for term in self._negative if term.lower() not in seen]
        negative = None
        if negative_max_chars and terms:
            negative = trim_at_phrase(", ".join(terms), negative_max_chars)
        return BuiltPrompt(text=text, negative=negative)
