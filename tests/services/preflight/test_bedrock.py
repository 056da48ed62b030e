"""Model checks against the emulated Bedrock control plane, through a real boto3 ``bedrock`` client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.preflight import Status
from services.preflight.bedrock import ModelChecks, ModelSetting
from tests.servers.aws_emulator import AwsEmulator
from tests.servers.bedrock_testing import NOVA, TITAN, client

TITAN_V1 = "amazon.titan-image-generator-v1"
SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
# End-of-life dates to come (AWS gives them as timestamps; the checks print the UTC day).
SOON = datetime.now(UTC) + timedelta(days=120)
LATER = datetime.now(UTC) + timedelta(days=200)
IMAGE = ModelSetting("IMAGE_MODEL_ID", NOVA, "image", fatal=True)
TEXT = ModelSetting("TEXT_MODEL_ID", SONNET, "text", fatal=True, forced_tool=True)


def checks_for(setting: ModelSetting) -> list[str]:
    return [check.line() for check in ModelChecks(client("bedrock"), "us-east-1").check(setting)]


def image(model_id: str) -> ModelSetting:
    return ModelSetting("IMAGE_MODEL_ID", model_id, "image", fatal=True)


def test_an_active_usable_model_is_one_line(aws: AwsEmulator) -> None:
    assert checks_for(IMAGE) == [f"✅ IMAGE_MODEL_ID {NOVA}: ACTIVE and usable in us-east-1"]
    [text] = checks_for(TEXT)
    assert text.startswith(f"✅ TEXT_MODEL_ID {SONNET}: ACTIVE and usable in us-east-1; takes the forced")
    assert [r.op for r in aws.requests()] == [
        "GetFoundationModel",
        "GetFoundationModelAvailability",
        "GetFoundationModel",
        "GetFoundationModelAvailability",
    ]  # nothing invoked


def test_a_legacy_model_is_a_warning_with_its_end_of_life_and_an_active_sibling(aws: AwsEmulator) -> None:
    aws.set_model_state(TITAN_V1, lifecycle="LEGACY", end_of_life_time=SOON)

    [line] = checks_for(image(TITAN_V1))

    assert line.startswith(f"⚠️ IMAGE_MODEL_ID {TITAN_V1}: Legacy, end of life {SOON.date().isoformat()};")
    assert f"Fix: switch IMAGE_MODEL_ID to {TITAN} (ACTIVE, same family)." in line


def test_a_legacy_model_without_an_active_sibling_gets_the_first_usable_preferred_model(
    aws: AwsEmulator,
) -> None:
    aws.set_model_state(NOVA, lifecycle="LEGACY")

    [line] = checks_for(IMAGE)

    assert "Legacy (AWS gives no end-of-life date yet)" in line
    assert f"switch IMAGE_MODEL_ID to {TITAN} (ACTIVE; no active model of the same family here)" in line


def test_a_model_past_its_end_of_life_fails_and_blocks_the_start(aws: AwsEmulator) -> None:
    aws.set_model_state(NOVA, lifecycle="LEGACY", end_of_life_time=datetime.now(UTC) - timedelta(days=2))

    [check] = ModelChecks(client("bedrock"), "us-east-1").check(IMAGE)

    assert check.status is Status.FAIL and check.fatal
    assert "reached its end of life on" in check.message
    assert f"set IMAGE_MODEL_ID to {TITAN}" in check.fix


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ({"authorized": False}, "this account is not authorised to use it"),
        ({"agreement": "ERROR", "agreement_error": "no payment instrument"}, "agreement failed: no payment"),
        ({"region_available": False}, "not offered in us-east-1"),
    ],
)
def test_a_model_the_account_cannot_use_fails_naming_the_setting_and_what_to_look_at(
    aws: AwsEmulator, state: dict[str, object], reason: str
) -> None:
    aws.set_model_state(NOVA, **state)  # type: ignore[arg-type]

    [check] = ModelChecks(client("bedrock"), "us-east-1").check(IMAGE)

    assert check.status is Status.FAIL and check.fatal
    assert reason in check.message
    assert check.fix.startswith("set IMAGE_MODEL_ID to a model this account may use in us-east-1, or: ")
    assert "IAM policy or SCP on bedrock:InvokeModel" in check.fix
    assert "aws-marketplace:Subscribe" in check.fix


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ({"entitled": False}, "no Marketplace entitlement yet"),
        ({"agreement": "PENDING"}, "agreement pending"),
    ],
)
def test_a_marketplace_subscription_still_to_come_is_a_warning(
    aws: AwsEmulator, state: dict[str, object], reason: str
) -> None:
    # Bedrock subscribes on the first call (AWS: "Request access to models"), so this does not block.
    aws.set_model_state(NOVA, **state)  # type: ignore[arg-type]

    [check] = ModelChecks(client("bedrock"), "us-east-1").check(IMAGE)

    assert check.status is Status.WARN and not check.fatal
    assert reason in check.message and "subscribes the account on the first call" in check.message


def test_an_unknown_model_fails(aws: AwsEmulator) -> None:
    [line] = checks_for(image("amazon.nova-canvas-v9:0"))

    assert line.startswith("❌ IMAGE_MODEL_ID amazon.nova-canvas-v9:0: does not exist in us-east-1")
    assert "aws bedrock list-foundation-models --region us-east-1" in line


def test_a_text_model_without_forced_tool_choice_fails_naming_text_model_id(aws: AwsEmulator) -> None:
    llama = "meta.llama3-1-70b-instruct-v1:0"

    [check] = ModelChecks(client("bedrock"), "us-east-1").check(
        ModelSetting("TEXT_MODEL_ID", llama, "text", fatal=True, forced_tool=True)
    )

    assert check.status is Status.FAIL and check.fatal
    assert check.subject == f"TEXT_MODEL_ID {llama}"
    assert "toolChoice" in check.message and "Claude 3 or later and Amazon Nova" in check.message
    assert "set TEXT_MODEL_ID to such a model" in check.fix


def test_a_legacy_text_model_is_offered_an_active_one_of_its_tier(aws: AwsEmulator) -> None:
    old, newer = SONNET, "anthropic.claude-3-7-sonnet-20250219-v1:0"
    aws.set_model_state(old, lifecycle="LEGACY", end_of_life_time=LATER)
    aws.set_model_state(newer)  # listed as ACTIVE
    aws.set_model_state("anthropic.claude-3-haiku-20240307-v1:0")
    aws.set_model_state("anthropic.claude-v2:1")

    [line] = checks_for(TEXT)

    assert line.startswith(f"⚠️ TEXT_MODEL_ID {old}: Legacy, end of life {LATER.date().isoformat()}")
    assert f"switch TEXT_MODEL_ID to {newer} (ACTIVE, same family)" in line


def test_an_inference_profile_is_looked_up_and_its_model_checked(aws: AwsEmulator) -> None:
    profile = f"us.{SONNET}"

    [line] = checks_for(ModelSetting("TEXT_MODEL_ID", profile, "text", forced_tool=True))

    assert line.startswith(f"✅ TEXT_MODEL_ID {profile}: inference profile routes to {SONNET} in us-east-1")
    assert f"{SONNET} ACTIVE and usable in us-east-1" in line
    assert aws.requests()[0].op == "GetInferenceProfile"


def test_a_profile_of_another_geography_fails(aws: AwsEmulator) -> None:
    [check] = ModelChecks(client("bedrock"), "us-east-1").check(
        ModelSetting("TEXT_MODEL_ID", f"apac.{SONNET}", "text", fatal=True, forced_tool=True)
    )

    assert check.status is Status.FAIL
    assert "this region offers no such inference profile" in check.message


def test_a_profile_the_role_may_not_look_up_says_it_was_not_checked(aws: AwsEmulator) -> None:
    aws.deny_access("GetInferenceProfile")

    lines = checks_for(ModelSetting("TEXT_MODEL_ID", f"us.{SONNET}", "text", forced_tool=True))

    assert lines == [
        f"⚠️ TEXT_MODEL_ID us.{SONNET}: inference profile not checked (permission: missing "
        "bedrock:GetInferenceProfile on *); the model it names is checked instead Fix: allow "
        "bedrock:GetInferenceProfile for the role (README: IAM policy) to have it checked."
    ]


def test_control_plane_calls_the_role_may_not_make_are_warnings_not_failures(aws: AwsEmulator) -> None:
    aws.deny_access("GetFoundationModel")

    [check] = ModelChecks(client("bedrock"), "us-east-1").check(IMAGE)

    assert check.status is Status.WARN and not check.fatal
    assert "not checked: bedrock:GetFoundationModel failed (permission" in check.message
    assert "allow bedrock:GetFoundationModel" in check.fix


def test_custom_models_and_provisioned_throughput(aws: AwsEmulator) -> None:
    custom = aws.add_custom_model("house-style", TITAN)
    provisioned = aws.add_provisioned_throughput("house-style-pt", custom, units=2)
    creating = aws.add_provisioned_throughput("next", NOVA, status="Creating")

    [custom_line] = checks_for(image(custom))
    [provisioned_line] = checks_for(image(provisioned))
    [creating_line] = checks_for(image(creating))
    [missing] = checks_for(image("arn:aws:bedrock:us-east-1:123456789012:custom-model/x/000000000099"))

    assert custom_line.startswith(
        f"✅ IMAGE_MODEL_ID {custom}: custom model house-style is Active, based on {TITAN}"
    )
    assert provisioned_line.startswith(
        f"✅ IMAGE_MODEL_ID {provisioned}: provisioned throughput house-style-pt"
    )
    assert creating_line.startswith(f"⚠️ IMAGE_MODEL_ID {creating}: provisioned throughput next is Creating")
    assert missing.startswith("❌ IMAGE_MODEL_ID arn:") and "does not exist in us-east-1" in missing
