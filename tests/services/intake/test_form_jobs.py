"""The form's photo against what Slack declares and what the model can do (services/intake/form_jobs.py)."""

from __future__ import annotations

from typing import Any

import pytest

from services.core.errors import InputRejected
from services.core.inputs import SourceFile
from services.core.job import PhotoMode
from services.intake import FormInput
from services.intake.form_jobs import check_form_photo

NOVA: tuple[PhotoMode, ...] = ("variation", "restyle", "layout")


def _photo(**fields: Any) -> SourceFile:
    base: dict[str, Any] = {
        "id": "F0PHOTO001",
        "name": "cat.jpg",
        "mimetype": "image/jpeg",
        "size": 400_000,
        "url": "https://files.slack.com/files-pri/T0TEST-F0PHOTO001/download/cat.jpg",
    }
    return SourceFile(**{**base, **fields})


@pytest.mark.parametrize(
    ("form", "modes", "kind", "field"),
    [
        (
            FormInput(text="猫", photo=_photo(mimetype="application/pdf", name="a.pdf")),
            NOVA,
            "image.not_image",
            "photo",
        ),
        (FormInput(text="猫", photo=_photo(size=21 * 1024 * 1024)), NOVA, "image.too_large", "photo"),
        (
            FormInput(text="猫", photo=_photo(width=10_000, height=8_000)),
            NOVA,
            "image.too_many_pixels",
            "photo",
        ),
        (FormInput(text="猫", photo_mode="restyle"), NOVA, "form.error.mode_needs_photo", "photo"),
        (FormInput(text="猫", photo=_photo()), (), "form.error.photo_unsupported", "photo"),
        (
            FormInput(text="猫", photo=_photo(), photo_mode="style_reference"),
            NOVA,
            "form.error.photo_mode_unsupported",
            "photo_mode",
        ),
    ],
    ids=[
        "pdf",
        "too-large",
        "too-many-pixels",
        "use-without-photo",
        "model-without-photo-uses",
        "use-not-offered",
    ],
)
def test_refusals_name_the_field(
    form: FormInput, modes: tuple[PhotoMode, ...], kind: str, field: str
) -> None:
    with pytest.raises(InputRejected) as refused:
        check_form_photo(form, modes)

    assert (refused.value.kind, refused.value.details["field"]) == (kind, field)


@pytest.mark.parametrize("mode", [None, "variation", "layout"])
def test_a_photo_and_a_use_the_model_can_do_pass(mode: PhotoMode | None) -> None:
    check_form_photo(FormInput(text="猫", photo=_photo(), photo_mode=mode), NOVA)


def test_no_photo_and_no_use_is_a_plain_request() -> None:
    check_form_photo(FormInput(text="猫"), ())
