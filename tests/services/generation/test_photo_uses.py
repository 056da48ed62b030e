"""How a photo can be used with a model (services/generation/photos.py ``photo_modes``): what the
form offers, from the model's own variation and the edits the configured models can do."""

from __future__ import annotations

import pytest

from services.core.job import PhotoMode
from services.generation.image_models import EditModels, build_edit_model, build_image_model
from services.generation.photos import photo_modes


def _services(*names: str) -> EditModels:
    operations = {"stable-image-style-guide": "style_reference", "stable-image-control-structure": "layout"}
    return EditModels({operations[name]: build_edit_model(None, f"stability.{name}-v1:0") for name in names})


@pytest.mark.parametrize(
    ("model_id", "services", "modes"),
    [
        ("amazon.nova-canvas-v1:0", (), ("variation", "restyle", "layout")),
        ("amazon.titan-image-generator-v2:0", (), ("variation", "restyle", "layout")),
        # Titan v1 has no image conditioning, so no layout.
        ("amazon.titan-image-generator-v1", (), ("variation", "restyle")),
        ("stability.stable-diffusion-xl-v1", (), ("variation", "restyle")),
        ("stability.sd3-5-large-v1:0", (), ("variation", "restyle")),
        # Core documents only text to image: nothing to do with a photo, unless a service can.
        ("stability.stable-image-core-v1:1", (), ()),
        ("stability.stable-image-core-v1:1", ("stable-image-style-guide",), ("style_reference",)),
        (
            "amazon.nova-canvas-v1:0",
            ("stable-image-style-guide",),
            ("variation", "restyle", "layout", "style_reference"),
        ),
        (
            "stability.stable-diffusion-xl-v1",
            ("stable-image-control-structure",),
            ("variation", "restyle", "layout"),
        ),
    ],
)
def test_modes_are_what_the_model_and_the_configured_edit_models_can_do(
    model_id: str, services: tuple[str, ...], modes: tuple[PhotoMode, ...]
) -> None:
    assert photo_modes(build_image_model(None, model_id), _services(*services)) == modes
