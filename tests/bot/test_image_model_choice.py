"""The wiring's image model: IMAGE_MODEL_ID as given, or chosen from the preference list when unset."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.builders import build_catalogue, image_model_id
from bot.clients import aws_clients
from bot.settings import Settings
from tests.servers.aws_emulator import AwsEmulator

NOVA = "amazon.nova-canvas-v1:0"
TITAN = "amazon.titan-image-generator-v2:0"


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, aws_region="us-east-1", **values)  # type: ignore[call-arg, arg-type]


def test_an_explicit_image_model_id_is_used_as_given_and_nothing_is_asked(aws: AwsEmulator) -> None:
    aws.set_model_state(TITAN, lifecycle="LEGACY")
    chosen = settings(image_model_id="amazon.titan-image-generator-v2:0")

    assert image_model_id(chosen, aws_clients(chosen)) == TITAN
    assert aws.requests() == []


def test_unset_the_first_active_usable_model_is_built_and_the_choice_logged(
    aws: AwsEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    aws.set_model_state(NOVA, authorized=False)
    unset = settings()
    assert unset.image_model_id is None

    with caplog.at_level("INFO", logger="bot.builders"):
        catalogue = build_catalogue(unset, aws_clients(unset))

    assert catalogue.default.model_id == TITAN
    assert catalogue.default.capabilities.family == "titan-image"
    [logged] = [r.getMessage() for r in caplog.records if "IMAGE_MODEL_ID (not set)" in r.getMessage()]
    assert logged.startswith(f"preflight ✅ IMAGE_MODEL_ID (not set): chose {TITAN}")
    assert f"skipped {NOVA}: this account is not authorised to use it" in logged


def test_image_model_family_describes_an_explicit_id_only(aws: AwsEmulator) -> None:
    # A family meant for an ARN must not clash with the model chosen when IMAGE_MODEL_ID is unset.
    unset = settings(image_model_family="titan-image")

    assert build_catalogue(unset, aws_clients(unset)).default.model_id == NOVA


def test_without_a_control_plane_client_the_first_of_the_list_is_used_with_a_warning(
    aws: AwsEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    unset = settings()
    clients = replace(aws_clients(unset), control=None)

    with caplog.at_level("WARNING", logger="bot.builders"):
        assert image_model_id(unset, clients) == NOVA

    assert any("using amazon.nova-canvas-v1:0 unchecked" in r.getMessage() for r in caplog.records)


def test_comprehend_can_live_in_another_region(aws: AwsEmulator) -> None:
    moved = settings(comprehend_region="us-west-2")

    clients = aws_clients(moved)

    assert clients.comprehend.meta.region_name == "us-west-2"
    assert clients.rekognition.meta.region_name == "us-east-1"
