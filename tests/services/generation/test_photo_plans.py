"""A photo's mode: which model does it, how strongly, the nearest mode when none can, and the
request each mode sends (services/generation/photo_plans.py; requests through the emulator)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from services.core.errors import InputRejected
from services.core.inputs import SourceFile
from services.core.job import Job, JobRecord, PhotoMode, PhotoSimilarity
from services.generation.costs import CostTable
from services.generation.image_models import (
    EditModels,
    GenerationRequest,
    ImageModel,
    build_edit_models,
    build_image_model,
)
from services.generation.ledger import Ledger, ModelSlots
from services.generation.photo_plans import PhotoModel, plan_photo, use_photo
from services.generation.stages import JobRun
from tests.servers.aws_emulator import AwsEmulator
from tests.services.generation.edit_support import b64, image, opened
from tests.services.generation.edit_support import client as emulated_client
from tests.services.generation.edit_support import image_model as emulated_model

NOVA = "amazon.nova-canvas-v1:0"
TITAN_V1 = "amazon.titan-image-generator-v1"
SDXL = "stability.stable-diffusion-xl-v1"
SD35 = "stability.sd3-5-large-v1:0"
CORE = "stability.stable-image-core-v1:1"
STYLE_GUIDE = "stability.stable-image-style-guide-v1:0"
STYLE_TRANSFER = "stability.stable-style-transfer-v1:0"
STRUCTURE = "stability.stable-image-control-structure-v1:0"
PHOTO = image((1200, 900))


def model(model_id: str) -> ImageModel:
    return build_image_model(None, model_id)


def edits(**ids: str) -> EditModels:
    return build_edit_models(None, ids)


# --- choosing the mode and the model ------------------------------------------------------------------


@pytest.mark.parametrize("asked", ["variation", "restyle", "layout"])
def test_nova_does_variation_restyle_and_layout_itself(asked: PhotoMode) -> None:
    plan = plan_photo(asked, "medium", model(NOVA), edits())

    assert plan is not None
    assert (plan.mode, plan.model.model_id) == (asked, NOVA)


def test_a_configured_edit_model_does_its_mode_before_the_image_model() -> None:
    plan = plan_photo("layout", "medium", model(NOVA), edits(layout=STRUCTURE))

    assert plan is not None
    assert (plan.mode, plan.model.model_id) == ("layout", STRUCTURE)


@pytest.mark.parametrize(
    ("image_model", "configured", "asked", "used", "by"),
    [
        # Nobody draws a request in the photo's style: a variation keeps its look instead.
        (NOVA, {}, "style_reference", "variation", NOVA),
        # Style Transfer needs a content image besides the style: not a style reference of the photo.
        (NOVA, {"style_reference": STYLE_TRANSFER}, "style_reference", "variation", NOVA),
        (NOVA, {"style_reference": STYLE_GUIDE}, "style_reference", "style_reference", STYLE_GUIDE),
        # SDXL has no image conditioning: image to image keeps the layout best.
        (SDXL, {}, "layout", "restyle", SDXL),
        (SD35, {}, "layout", "restyle", SD35),
        # Titan v1 has no conditioning either, but restyles (IMAGE_VARIATION).
        (TITAN_V1, {}, "layout", "restyle", TITAN_V1),
        # Core starts from no photo at all; a configured service still can.
        (CORE, {"style_reference": STYLE_GUIDE}, "variation", "style_reference", STYLE_GUIDE),
        (CORE, {"layout": STRUCTURE}, "restyle", "layout", STRUCTURE),
        (CORE, {"restyle": SD35}, "variation", "restyle", SD35),
    ],
)
def test_the_nearest_mode_a_model_here_can_do_is_used(
    image_model: str, configured: dict[str, str], asked: PhotoMode, used: PhotoMode, by: str
) -> None:
    plan = plan_photo(asked, "medium", model(image_model), edits(**configured))

    assert plan is not None
    assert (plan.mode, plan.model.model_id) == (used, by)


def test_no_plan_when_nothing_here_starts_from_a_photo() -> None:
    for asked in ("variation", "restyle", "layout", "style_reference"):
        assert plan_photo(asked, "medium", model(CORE), edits()) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "similarity", "strength"),
    [
        ("variation", "high", 0.9),
        ("variation", "medium", 0.65),  # VARIATION_STRENGTH, the operator's default
        ("variation", "low", 0.4),
        ("restyle", "high", 0.7),
        ("restyle", "low", 0.3),
        ("layout", "high", 0.9),
        ("layout", "low", 0.5),
    ],
)
def test_the_words_set_how_close_to_stay(
    mode: PhotoMode, similarity: PhotoSimilarity, strength: float
) -> None:
    plan = plan_photo(mode, similarity, model(NOVA), edits(), variation_strength=0.65)

    assert plan is not None
    assert plan.strength == strength


# --- the requests each mode sends -----------------------------------------------------------------------


def request(prompt: str = "a watercolor painting", **fields: Any) -> GenerationRequest:
    values: dict[str, Any] = {
        "prompt": prompt,
        "negative_prompt": "blurry",
        "seed": 7,
        "cfg_scale": 6.5,
        "width": 1024,
        "height": 1024,
    }
    return GenerationRequest(**{**values, **fields})


def photo_model(asked: PhotoMode, similarity: PhotoSimilarity, image_model: str, **ids: str) -> PhotoModel:
    job_model = emulated_model(image_model)
    configured = build_edit_models(emulated_client(), ids)
    plan = plan_photo(asked, similarity, job_model, configured)
    assert plan is not None
    return PhotoModel(plan, PHOTO, job_model)


def test_a_variation_is_an_image_variation_of_the_photo(aws: AwsEmulator) -> None:
    photo_model("variation", "high", NOVA).generate(request(count=2))

    [call] = aws.requests("InvokeModel")
    assert call.body["taskType"] == "IMAGE_VARIATION"
    params = call.body["imageVariationParams"]
    assert (params["similarityStrength"], params["text"]) == (0.9, "a watercolor painting")
    assert call.body["imageGenerationConfig"]["numberOfImages"] == 2
    assert call.images() == [PHOTO]


def test_a_layout_conditions_a_new_image_on_the_photo_edges(aws: AwsEmulator) -> None:
    photo_model("layout", "low", NOVA).generate(request("a city street at night"))

    [call] = aws.requests("InvokeModel")
    params = call.body["textToImageParams"]
    assert (call.body["taskType"], params["controlMode"], params["controlStrength"]) == (
        "TEXT_IMAGE",
        "CANNY_EDGE",
        0.5,
    )
    assert params["text"] == "a city street at night"
    # The photo, fitted to Nova's multiples of 16 by a crop of a few pixels, never stretched.
    [condition] = [opened(data) for data in call.images()]
    assert condition.size == (1200, 896)


def test_a_restyle_on_sd35_is_image_to_image_at_the_inverse_strength(aws: AwsEmulator) -> None:
    photo_model("restyle", "high", NOVA, restyle=SD35).generate(request())

    [call] = aws.requests("InvokeModel")
    assert call.model_id == SD35
    assert (call.body["mode"], call.body["strength"]) == ("image-to-image", 0.3)
    assert call.body["image"] == b64(PHOTO)
    assert "aspect_ratio" not in call.body


def test_a_style_reference_draws_the_prompt_in_the_photo_style(aws: AwsEmulator) -> None:
    photo_model("style_reference", "low", NOVA, style_reference=STYLE_GUIDE).generate(request("a cat"))

    [call] = aws.requests("InvokeModel")
    assert call.model_id == STYLE_GUIDE
    # The photo is the style; the prompt is the content; fidelity is how close the style stays.
    assert (call.body["image"], call.body["prompt"], call.body["fidelity"]) == (b64(PHOTO), "a cat", 0.3)
    assert call.body["aspect_ratio"] == "5:4"  # the ratio nearest the photo's 4:3


# --- the record -----------------------------------------------------------------------------------------


def run_for(job: Job, record: JobRecord, image_model: ImageModel) -> JobRun:
    ledger = Ledger(record, costs=CostTable(), slots=ModelSlots(None), clock=time.monotonic)
    return JobRun(job, ledger, lambda _: None, image_model, total=3, strength=0.7)


def photo_job(**fields: Any) -> tuple[Job, JobRecord]:
    file = SourceFile(
        id="F0PHOTO", name="photo.jpg", mimetype="image/jpeg", size=1000, url="https://files.slack.com/x"
    )
    job = Job(text="写真", source_file=file, source_image_key="jobs/x/source.png", **fields)
    record = JobRecord(
        job_id=job.job_id,
        trigger=job.trigger,
        created_at=datetime.now(UTC),
        original_text=job.text,
        model_id=NOVA,
        width=1024,
        height=1024,
        cfg_scale=6.5,
    )
    return job, record


def test_the_record_says_what_was_asked_what_was_used_and_by_which_model() -> None:
    job, record = photo_job()
    record.photo_mode_asked, record.photo_similarity = "style_reference", "high"

    run = use_photo(run_for(job, record, model(NOVA)), edits(layout=STRUCTURE), PHOTO)

    assert (record.photo_mode_asked, record.photo_mode, record.photo_similarity) == (
        "style_reference",
        "variation",
        "high",
    )
    assert run.model.model_id == NOVA
    assert run.source is None  # the photo travels inside the photo's model


def test_a_service_without_cfg_gets_none_and_is_named_in_the_record() -> None:
    job, record = photo_job(photo_mode="layout")

    run = use_photo(run_for(job, record, model(NOVA)), edits(layout=STRUCTURE), PHOTO)

    assert (record.photo_mode_asked, record.photo_mode, record.photo_similarity) == (
        "layout",
        "layout",
        "medium",
    )
    assert (record.model_id, record.cfg_scale) == (STRUCTURE, None)
    assert run.model.capabilities.max_images_per_call == 1


def test_a_photo_no_model_here_can_use_is_refused_with_a_reason() -> None:
    job, record = photo_job()

    with pytest.raises(InputRejected) as refused:
        use_photo(run_for(job, record, model(CORE)), edits(), PHOTO)

    assert refused.value.kind == "photo.unsupported"
