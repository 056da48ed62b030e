"""The enabled image models: which ones a request may name (``--model``), and the default."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from services.generation.image_models import ImageModel


class ModelCatalogue:
    """Every enabled image model by alias, and the one used when none is named."""

    def __init__(self, default: ImageModel, models: Mapping[str, ImageModel] | None = None) -> None:
        self._default = default
        self._models = dict(models or {})

    @property
    def default(self) -> ImageModel:
        """The model a request runs on when it names none."""
        return self._default

    @property
    def models(self) -> Mapping[str, ImageModel]:
        """Every enabled model by alias, in the configured order."""
        return MappingProxyType(self._models)

    @property
    def default_alias(self) -> str:
        """The alias of the default model (the first alias if the default has none)."""
        return self.alias_of(self._default) or next(iter(self._models))

    def model_for(self, alias: str | None) -> ImageModel:
        """The enabled model called ``alias``; the default for None or an alias no longer enabled."""
        return self._models.get(alias, self._default) if alias else self._default

    def alias_of(self, model: ImageModel) -> str | None:
        """The alias ``model`` is enabled under, if any."""
        return next((alias for alias, known in self._models.items() if known is model), None)
