"""The ephemeral answer to ``/imagine help`` (and to a mention that asks for it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

from services.core.text import Language, escape
from services.slack.limits import header, section
from services.slack.messages import t
from services.slack.views.blocks import Choice


def build_help_blocks(
    *,
    models: Sequence[Choice],
    default_model: str,
    styles: Sequence[str],
    presets: Sequence[str],
    sizes_text: str,
    cfg_text: str,
    max_candidates: int,
    lang: Language = "ja",
) -> list[dict[str, Any]]:
    """The ephemeral answer to ``/imagine help``: ways in, refining, every option, examples."""
    style_example = styles[0] if styles else "photo"
    preset_example = presets[0] if presets else "ogp"
    model_example = default_model or (models[0].value if models else "nova")
    examples: dict[str, object] = {
        "style_example": escape(style_example),
        "preset_example": escape(preset_example),
        "model_example": escape(model_example),
        "n_example": max(1, min(4, max_candidates)),
    }
    comma, open_paren, close_paren = ("、", "（", "）") if lang == "ja" else (", ", " (", ")")
    listed: dict[str, object] = {
        "styles": comma.join(f"`{escape(name)}`" for name in styles) or "—",
        "presets": comma.join(f"`{escape(name)}`" for name in presets) or "—",
        "models": comma.join(f"`{escape(m.value)}`{open_paren}{escape(m.label)}{close_paren}" for m in models)
        or "—",
        "default_model": f"`{escape(default_model)}`",
        "sizes": escape(sizes_text),
        "cfg": escape(cfg_text),
        "max_candidates": max_candidates,
    }
    blocks: list[Block] = [
        header(t("help.title", lang)),
        section(t("help.usage", lang)),
        section(t("help.refine", lang)),
        section(t("help.options", lang, **examples, **listed)),
        section(t("help.examples", lang, **examples)),
    ]
    return [block.to_dict() for block in blocks]


def build_help_text(lang: Language = "ja") -> str:
    """Plain-text fallback of the help (notifications)."""
    return t("help.fallback", lang)
