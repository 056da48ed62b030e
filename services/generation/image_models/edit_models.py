"""The models a deployment edits with, by operation.

Bedrock offers some edits as task types of the image model (Nova Canvas, Titan) and others as
one model id per operation (Stability AI Image Services), so the edit set is a mapping
operation -> model, consulted before the job's own image model.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.generation.image_models.base import EditModel, GeneratedImage
from services.generation.image_models.edits import (
    EDIT_OPERATIONS,
    EditOperation,
    EditRequest,
    UnsupportedEdit,
)

# The setting that names each operation's model (a proposal for bot/settings.py; the messages
# below name them so an operator knows what to change).
EDIT_MODEL_SETTINGS: dict[EditOperation, str] = {
    operation: "UPSCALE_MODEL_ID" if operation == "upscale" else f"EDIT_MODEL_{operation.upper()}"
    for operation in EDIT_OPERATIONS
}


class EditModels:
    """Configured edit models by operation; the job's image model covers the rest."""

    def __init__(self, services: Mapping[str, EditModel] | None = None) -> None:
        self._services = dict(services or {})
        for operation, model in self._services.items():
            if operation not in model.capabilities.edits:
                raise ValueError(f"{model.model_id} cannot {operation}")

    @property
    def services(self) -> Mapping[str, EditModel]:
        """The configured models, by operation."""
        return dict(self._services)

    def operations(self, image_model: EditModel | None = None, *, with_mask: bool = False) -> frozenset[str]:
        """What can be done to an image of ``image_model``: the configured models' operations
        and the image model's own. ``with_mask``: the region comes as a mask image, not words."""
        available = {
            operation
            for operation, model in self._services.items()
            if model.capabilities.can_edit(operation, with_mask=with_mask)
        }
        if image_model is not None:
            caps = image_model.capabilities
            available |= {op for op in caps.edits if caps.can_edit(op, with_mask=with_mask)}
        return frozenset(available)

    def model_for(
        self, operation: str, image_model: EditModel | None = None, *, with_mask: bool = False
    ) -> EditModel:
        """The model that does ``operation``: the configured one first (an operator chose it),
        else ``image_model``; UnsupportedEdit when neither can."""
        service = self._services.get(operation)
        if service is not None and service.capabilities.can_edit(operation, with_mask=with_mask):
            return service
        if image_model is not None and image_model.capabilities.can_edit(operation, with_mask=with_mask):
            return image_model
        region = " from a mask image" if with_mask else ""
        raise UnsupportedEdit(f"no configured model can {operation}{region}")

    def edit(self, request: EditRequest, image_model: EditModel | None = None) -> list[GeneratedImage]:
        """Run ``request`` on the model that does its operation."""
        model = self.model_for(request.operation, image_model, with_mask=request.uses_mask)
        return model.edit(request)
