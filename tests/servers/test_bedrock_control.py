"""The Bedrock control plane and the model access state behind InvokeModel / Converse, through real
boto3 ``bedrock`` and ``bedrock-runtime`` clients."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.servers.aws_emulator import AwsEmulator, Error
from tests.servers.bedrock_testing import NOVA, TITAN, client, invoke, rejected

CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"
TEXT_IMAGE = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a fox"}}
NO_ACCESS = "You don't have access to the model with the specified model ID."
INVALID = "The provided model identifier is invalid."


def error_of(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def converse(model_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = client("bedrock-runtime").converse(
        modelId=model_id, messages=[{"role": "user", "content": [{"text": "hi"}]}]
    )
    return answer


def test_get_foundation_model_defaults_to_active(aws: AwsEmulator) -> None:
    details = client("bedrock").get_foundation_model(modelIdentifier=NOVA)["modelDetails"]

    assert details["modelId"] == NOVA
    assert details["modelArn"] == f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}"
    assert details["modelLifecycle"] == {"status": "ACTIVE"}
    assert details["outputModalities"] == ["IMAGE"]
    by_arn = client("bedrock").get_foundation_model(modelIdentifier=details["modelArn"])["modelDetails"]
    assert by_arn["modelId"] == NOVA
    [recorded, _] = aws.requests("GetFoundationModel")
    assert recorded.model_id == NOVA
    assert recorded.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")


def test_legacy_dates_come_back_as_timestamps(aws: AwsEmulator) -> None:
    legacy = datetime(2025, 7, 1, tzinfo=UTC)
    end = datetime(2099, 1, 1, tzinfo=UTC)
    aws.set_model_state(TITAN, lifecycle="LEGACY", legacy_time=legacy, end_of_life_time=end)

    lifecycle = client("bedrock").get_foundation_model(modelIdentifier=TITAN)["modelDetails"][
        "modelLifecycle"
    ]

    assert lifecycle == {"status": "LEGACY", "legacyTime": legacy, "endOfLifeTime": end}
    # Legacy but used lately and not yet at end of life: still served.
    assert invoke(TITAN, TEXT_IMAGE)["images"]


@pytest.mark.parametrize(
    ("identifier", "code", "status"),
    [
        ("stability.no-such-model-v1:0", "ResourceNotFoundException", 404),
        ("amazon.nova-canvas-v9:0", "ResourceNotFoundException", 404),
        ("Not A Model", "ValidationException", 400),
    ],
)
def test_get_foundation_model_errors(aws: AwsEmulator, identifier: str, code: str, status: int) -> None:
    got = error_of(client("bedrock").get_foundation_model, modelIdentifier=identifier)

    assert (got[0], got[2]) == (code, status)
    if code == "ValidationException":
        assert got[1].startswith("1 validation error detected: Value 'Not A Model' at 'modelIdentifier'")


def test_availability_defaults_and_scripted_values(aws: AwsEmulator) -> None:
    bedrock = client("bedrock")
    default = bedrock.get_foundation_model_availability(modelId=NOVA)
    assert {k: v for k, v in default.items() if k != "ResponseMetadata"} == {
        "modelId": NOVA,
        "agreementAvailability": {"status": "AVAILABLE"},
        "authorizationStatus": "AUTHORIZED",
        "entitlementAvailability": "AVAILABLE",
        "regionAvailability": "AVAILABLE",
    }

    aws.set_model_state(
        NOVA,
        authorized=False,
        entitled=False,
        region_available=False,
        agreement="ERROR",
        agreement_error="boom",
    )
    scripted = bedrock.get_foundation_model_availability(modelId=NOVA)

    assert scripted["agreementAvailability"] == {"status": "ERROR", "errorMessage": "boom"}
    assert scripted["authorizationStatus"] == "NOT_AUTHORIZED"
    assert scripted["entitlementAvailability"] == "NOT_AVAILABLE"
    assert scripted["regionAvailability"] == "NOT_AVAILABLE"
    assert error_of(bedrock.get_foundation_model_availability, modelId="stability.nope-v1:0")[0] == (
        "ResourceNotFoundException"
    )
    assert error_of(bedrock.get_foundation_model_availability, modelId=f"arn:aws:bedrock:::{NOVA}")[0] == (
        "ValidationException"
    )


@pytest.mark.parametrize(
    ("state", "code", "message", "status"),
    [
        ({"authorized": False}, "AccessDeniedException", NO_ACCESS, 403),
        ({"entitled": False}, "AccessDeniedException", NO_ACCESS, 403),
        ({"agreement": "PENDING"}, "AccessDeniedException", NO_ACCESS, 403),
        ({"region_available": False}, "ValidationException", INVALID, 400),
        (
            {"lifecycle": "LEGACY", "end_of_life_time": datetime.now(UTC) - timedelta(days=1)},
            "ResourceNotFoundException",
            "This model version has reached the end of its life.",
            404,
        ),
        (
            {"lifecycle": "LEGACY", "recently_used": False},
            "ResourceNotFoundException",
            "This Model is marked by provider as Legacy",
            404,
        ),
    ],
    ids=["not authorized", "not entitled", "agreement pending", "region", "end of life", "legacy unused"],
)
def test_runtime_answers_for_unusable_models(
    aws: AwsEmulator, state: dict[str, Any], code: str, message: str, status: int
) -> None:
    aws.set_model_state(NOVA, **state)
    aws.set_model_state(CLAUDE, **state)

    for call in (lambda: invoke(NOVA, TEXT_IMAGE), lambda: converse(CLAUDE)):
        got = error_of(call)
        assert (got[0], got[2]) == (code, status)
        assert message in got[1]
    assert invoke(TITAN, TEXT_IMAGE)["images"]  # other models are unaffected


def test_a_scripted_state_wins_over_queued_answers(aws: AwsEmulator) -> None:
    aws.set_model_state(NOVA, authorized=False)
    aws.push("InvokeModel", {"images": ["queued"]})

    assert rejected(NOVA, TEXT_IMAGE, "AccessDeniedException") == NO_ACCESS
    aws.set_model_state(NOVA, authorized=True)
    assert invoke(NOVA, TEXT_IMAGE) == {"images": ["queued"]}


@pytest.mark.parametrize(
    "model_id",
    [
        "stability.stable-image-nonsense-v1:0",
        "amazon.nova-canvas-v2:0",
        "xx.amazon.nova-canvas-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/zz.amazon.nova-canvas-v1:0",
        "claude-3",
    ],
)
def test_unknown_model_ids_are_invalid(aws: AwsEmulator, model_id: str) -> None:
    assert rejected(model_id, TEXT_IMAGE) == INVALID


def test_known_ids_arns_and_profiles_are_served(aws: AwsEmulator) -> None:
    for model_id in (
        NOVA,
        f"arn:aws:bedrock:us-west-2::foundation-model/{NOVA}",
        f"us.{NOVA}",
        f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.{NOVA}",
    ):
        assert invoke(model_id, TEXT_IMAGE)["images"]
    assert converse("us.anthropic.claude-sonnet-4-20250514-v1:0")["stopReason"] == "end_turn"


def test_forget_model_makes_a_text_model_unknown(aws: AwsEmulator) -> None:
    aws.forget_model(CLAUDE)

    assert error_of(lambda: converse(f"us.{CLAUDE}"))[:2] == ("ValidationException", INVALID)
    assert (
        error_of(client("bedrock").get_foundation_model, modelIdentifier=CLAUDE)[0]
        == "ResourceNotFoundException"
    )


def test_deny_access_answers_like_iam(aws: AwsEmulator) -> None:
    aws.deny_access("GetFoundationModelAvailability")
    bedrock = client("bedrock")

    code, message, status = error_of(bedrock.get_foundation_model_availability, modelId=NOVA)

    assert (code, status) == ("AccessDeniedException", 403)
    assert "not authorized to perform: bedrock:GetFoundationModelAvailability" in message
    assert bedrock.get_foundation_model(modelIdentifier=NOVA)["modelDetails"]["modelId"] == NOVA

    aws.deny_access("*", "Explicit deny")
    assert error_of(lambda: invoke(NOVA, TEXT_IMAGE))[:2] == ("AccessDeniedException", "Explicit deny")
    assert error_of(client("comprehend").detect_dominant_language, Text="hi")[:2] == (
        "AccessDeniedException",
        "Explicit deny",
    )
    aws.allow_access("*")
    aws.allow_access("GetFoundationModelAvailability")
    assert bedrock.get_foundation_model_availability(modelId=NOVA)["authorizationStatus"] == "AUTHORIZED"


def test_wrong_access_key_is_unrecognized(aws: AwsEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    aws.require_access_key("AKIAGOOD")

    code, message, status = error_of(client("bedrock").get_foundation_model, modelIdentifier=NOVA)
    assert (code, message, status) == (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        403,
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAGOOD")
    # A new session reads the key again (the default one caches its credentials).
    bedrock = boto3.session.Session().client("bedrock", region_name="us-east-1")
    assert bedrock.get_foundation_model(modelIdentifier=NOVA)["modelDetails"]["modelId"] == NOVA


def test_list_foundation_models_filters(aws: AwsEmulator) -> None:
    bedrock = client("bedrock")

    stability = bedrock.list_foundation_models(byProvider="Stability AI")["modelSummaries"]
    ids = {summary["modelId"] for summary in stability}
    assert "stability.stable-outpaint-v1:0" in ids
    assert all(model_id.startswith("stability.") for model_id in ids)
    assert len(ids) >= 13 + 7

    aws.set_model_state("stability.stable-outpaint-v1:0", lifecycle="LEGACY")
    images = bedrock.list_foundation_models(byOutputModality="IMAGE")["modelSummaries"]
    outpaint = next(s for s in images if s["modelId"] == "stability.stable-outpaint-v1:0")
    assert outpaint["modelLifecycle"]["status"] == "LEGACY"
    assert bedrock.list_foundation_models(byOutputModality="EMBEDDING")["modelSummaries"] == []
    assert aws.requests("ListFoundationModels")[-1].body == {"byOutputModality": "EMBEDDING"}


def test_custom_models_and_provisioned_throughput(aws: AwsEmulator) -> None:
    custom_arn = aws.add_custom_model("house-style", NOVA)
    provisioned_arn = aws.add_provisioned_throughput("house-style-pt", custom_arn, units=2)
    bedrock = client("bedrock")

    custom = bedrock.get_custom_model(modelIdentifier="house-style")
    assert (custom["modelArn"], custom["baseModelArn"]) == (
        custom_arn,
        f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}",
    )
    assert isinstance(custom["creationTime"], datetime)
    provisioned = bedrock.get_provisioned_model_throughput(provisionedModelId=provisioned_arn)
    assert (provisioned["modelUnits"], provisioned["status"], provisioned["modelArn"]) == (
        2,
        "InService",
        custom_arn,
    )
    assert error_of(bedrock.get_custom_model, modelIdentifier="other")[0] == "ResourceNotFoundException"
    assert error_of(bedrock.get_provisioned_model_throughput, provisionedModelId="other")[0] == (
        "ResourceNotFoundException"
    )
    # Invoking the provisioned model runs its base model: Nova's style field is accepted.
    styled = {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a fox", "style": "MAXIMALISM"}}
    assert invoke(provisioned_arn, styled)["images"]


def test_reset_restores_the_catalogue(aws: AwsEmulator) -> None:
    aws.set_model_state(NOVA, authorized=False)
    aws.forget_model(TITAN)
    aws.deny_access()

    aws.reset()

    assert invoke(NOVA, TEXT_IMAGE)["images"]
    assert invoke(TITAN, TEXT_IMAGE)["images"]


def test_control_plane_answers_can_be_scripted(aws: AwsEmulator) -> None:
    aws.push("GetFoundationModel", Error("ThrottlingException", "Rate exceeded", 429))

    assert error_of(client("bedrock").get_foundation_model, modelIdentifier=NOVA)[0] == "ThrottlingException"


def test_bearer_token_requests_are_served(aws: AwsEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-abc")
    runtime = boto3.session.Session().client("bedrock-runtime", region_name="us-east-1")
    aws.require_access_key("AKIAGOOD")  # applies to SigV4 only

    runtime.invoke_model(modelId=NOVA, body=b'{"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a"}}')

    assert aws.requests("InvokeModel")[0].headers["authorization"] == "Bearer bedrock-api-key-abc"
