"""The image model chosen when IMAGE_MODEL_ID is not set, asked of the emulated control plane."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from botocore.config import Config

from services.preflight import IMAGE_MODEL_PREFERENCE, Catalogue, Status
from tests.servers.aws_emulator import AwsEmulator
from tests.servers.bedrock_testing import NOVA, TITAN, client

SD35 = "stability.sd3-5-large-v1:0"


def choose() -> tuple[str, str, Status, bool]:
    choice = Catalogue(client("bedrock"), "us-east-1").choose_image_model(IMAGE_MODEL_PREFERENCE)
    return choice.model_id, choice.check.line(), choice.check.status, choice.check.fatal


def test_the_first_preferred_model_when_it_is_active_and_usable(aws: AwsEmulator) -> None:
    model_id, line, status, _ = choose()

    assert (model_id, status) == (NOVA, Status.OK)
    assert line == (
        f"✅ IMAGE_MODEL_ID (not set): chose {NOVA}, the first ACTIVE model of the preference list that "
        "this account may use in us-east-1"
    )
    assert [r.op for r in aws.requests()] == ["GetFoundationModel", "GetFoundationModelAvailability"]


def test_legacy_and_unusable_models_are_skipped_and_said_so(aws: AwsEmulator) -> None:
    end = datetime.now(UTC) + timedelta(days=90)
    aws.set_model_state(NOVA, lifecycle="LEGACY", end_of_life_time=end)
    aws.set_model_state(TITAN, authorized=False)

    model_id, line, status, _ = choose()

    assert (model_id, status) == (SD35, Status.OK)
    assert f"chose {SD35}" in line
    assert f"skipped {NOVA}: Legacy, end of life {end.date().isoformat()}" in line
    assert f"{TITAN}: this account is not authorised to use it" in line


def test_a_model_not_offered_in_the_region_is_skipped(aws: AwsEmulator) -> None:
    aws.forget_model(NOVA)

    model_id, line, _, _ = choose()

    assert model_id == TITAN
    assert f"skipped {NOVA}: not offered in us-east-1" in line


def test_only_legacy_models_left_gives_the_first_usable_one_with_a_warning(aws: AwsEmulator) -> None:
    for model_id in IMAGE_MODEL_PREFERENCE:
        aws.set_model_state(model_id, lifecycle="LEGACY")

    model_id, line, status, _ = choose()

    assert (model_id, status) == (NOVA, Status.WARN)
    assert f"chose {NOVA}, which is Legacy" in line


def test_a_model_still_to_be_subscribed_is_chosen_only_when_nothing_is_ready(aws: AwsEmulator) -> None:
    aws.set_model_state(NOVA, authorized=False)
    aws.set_model_state(TITAN, authorized=False)
    aws.set_model_state(SD35, agreement="NOT_AVAILABLE")
    for model_id in IMAGE_MODEL_PREFERENCE[3:]:
        aws.set_model_state(model_id, lifecycle="LEGACY")

    model_id, line, status, fatal = choose()

    assert (model_id, status, fatal) == (SD35, Status.WARN, False)
    assert f"chose {SD35}, which is still to be subscribed" in line
    assert f"{SD35}: model agreement not available" in line


def test_nothing_usable_fails_and_blocks_the_start(aws: AwsEmulator) -> None:
    for model_id in IMAGE_MODEL_PREFERENCE:
        aws.set_model_state(model_id, authorized=False)

    model_id, line, status, fatal = choose()

    assert (model_id, status, fatal) == (NOVA, Status.FAIL, True)
    assert "no model of the preference list is usable in us-east-1" in line


def test_without_permission_to_ask_the_first_of_the_list_is_used_with_a_warning(aws: AwsEmulator) -> None:
    aws.deny_access("GetFoundationModel")

    model_id, line, status, _ = choose()

    assert (model_id, status) == (NOVA, Status.WARN)
    assert f"using {NOVA}, the first of the preference list, unchecked" in line
    assert "permission: missing bedrock:GetFoundationModel" in line


def test_the_region_of_the_client_is_the_region_asked(aws: AwsEmulator) -> None:
    tokyo = boto3.client(
        "bedrock", region_name="ap-northeast-1", config=Config(retries={"total_max_attempts": 1})
    )

    Catalogue(tokyo, "ap-northeast-1").choose_image_model(IMAGE_MODEL_PREFERENCE)

    [request, _] = aws.requests()
    assert "/ap-northeast-1/bedrock/" in request.headers["authorization"]
