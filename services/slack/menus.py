"""What the forms, help and App Home offer: enabled models, styles, sizes, from live configuration."""

from __future__ import annotations

from services.core.errors import InputRejected
from services.core.text import Language
from services.generation.catalogue import ModelCatalogue
from services.generation.image_models import ImageModel
from services.generation.options import describe_sizes, resolve_size
from services.generation.presets import PRESETS, STYLES
from services.slack.views import Choice, build_help_blocks

# Offered in the form and App Home; each model gets those it can make.
RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3")


def model_choices(catalogue: ModelCatalogue) -> list[Choice]:
    """Every enabled model, labelled with its model id."""
    return [Choice(alias, model.model_id) for alias, model in catalogue.models.items()]


def style_choices() -> list[Choice]:
    """The named styles."""
    return [Choice(name, name) for name in STYLES]


def size_choices(model: ImageModel) -> list[Choice]:
    """The aspect ratios ``model`` can make, labelled with the size it makes for each."""
    choices = []
    for ratio in RATIOS:
        try:
            width, height = resolve_size(ratio, model)
        except InputRejected:
            continue
        choices.append(Choice(ratio, f"{ratio}（{width}×{height}）"))
    return choices


def help_blocks(
    catalogue: ModelCatalogue, default_alias: str, max_candidates: int, lang: Language
) -> list[dict[str, object]]:
    """``/imagine help`` for the default model."""
    model = catalogue.default
    caps = model.capabilities
    cfg = f"{caps.cfg_min:g}〜{caps.cfg_max:g}" if caps.has_cfg else "—"
    return build_help_blocks(
        models=model_choices(catalogue),
        default_model=default_alias,
        styles=list(STYLES),
        presets=list(PRESETS),
        sizes_text=describe_sizes(model),
        cfg_text=cfg,
        max_candidates=max_candidates,
        lang=lang,
    )
