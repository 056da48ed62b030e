"""GetInferenceProfile and operations offered only in some regions, through real boto3 clients."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.servers.aws_emulator import AwsEmulator
from tests.servers.bedrock_testing import NOVA, client

CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0"


def regional(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region, config=Config(retries={"total_max_attempts": 1}))


def error_of(call: Any, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_a_system_defined_profile_names_its_destination_models(aws: AwsEmulator) -> None:
    profile = client("bedrock").get_inference_profile(inferenceProfileIdentifier=f"us.{CLAUDE}")

    assert profile["inferenceProfileId"] == f"us.{CLAUDE}"
    assert profile["inferenceProfileArn"] == (
        f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{CLAUDE}"
    )
    assert (profile["status"], profile["type"]) == ("ACTIVE", "SYSTEM_DEFINED")
    arns = [model["modelArn"] for model in profile["models"]]
    assert f"arn:aws:bedrock:us-west-2::foundation-model/{CLAUDE}" in arns
    [recorded] = aws.requests("GetInferenceProfile")
    assert recorded.model_id == f"us.{CLAUDE}"


def test_a_profile_is_found_by_arn_too(aws: AwsEmulator) -> None:
    arn = f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.{NOVA}"

    profile = client("bedrock").get_inference_profile(inferenceProfileIdentifier=arn)

    assert profile["inferenceProfileId"] == f"global.{NOVA}"


@pytest.mark.parametrize(
    ("identifier", "region", "expected"),
    [
        (f"eu.{CLAUDE}", "us-east-1", ("ResourceNotFoundException", 404)),  # another geography
        (f"apac.{CLAUDE}", "ap-northeast-1", None),
        (f"jp.{CLAUDE}", "ap-northeast-1", None),
        (f"xx.{CLAUDE}", "us-east-1", ("ResourceNotFoundException", 404)),
        ("us.stability.no-such-model-v1:0", "us-east-1", ("ResourceNotFoundException", 404)),
        ("not a profile!", "us-east-1", ("ValidationException", 400)),
    ],
)
def test_profiles_exist_only_for_known_models_in_the_callers_geography(
    aws: AwsEmulator, identifier: str, region: str, expected: tuple[str, int] | None
) -> None:
    bedrock = regional("bedrock", region)
    if expected is None:
        assert bedrock.get_inference_profile(inferenceProfileIdentifier=identifier)["status"] == "ACTIVE"
    else:
        assert error_of(bedrock.get_inference_profile, inferenceProfileIdentifier=identifier) == expected


def test_a_forgotten_model_has_no_profile_and_iam_can_deny_the_call(aws: AwsEmulator) -> None:
    aws.forget_model(CLAUDE)
    bedrock = client("bedrock")
    assert error_of(bedrock.get_inference_profile, inferenceProfileIdentifier=f"us.{CLAUDE}")[0] == (
        "ResourceNotFoundException"
    )

    aws.deny_access("GetInferenceProfile")
    assert error_of(bedrock.get_inference_profile, inferenceProfileIdentifier=f"us.{NOVA}") == (
        "AccessDeniedException",
        403,
    )


def test_an_operation_offered_only_in_some_regions(aws: AwsEmulator) -> None:
    aws.offer_only("DetectToxicContent", ["us-east-1"])
    segments = [{"Text": "hello"}]

    tokyo = regional("comprehend", "ap-northeast-1")
    assert error_of(tokyo.detect_toxic_content, TextSegments=segments, LanguageCode="en") == (
        "UnknownOperationException",
        400,
    )
    # Other operations of the same service still answer there.
    assert tokyo.detect_dominant_language(Text="hello there, this is English")["Languages"]
    virginia = regional("comprehend", "us-east-1")
    assert virginia.detect_toxic_content(TextSegments=segments, LanguageCode="en")["ResultList"]

    aws.offer_only("DetectToxicContent", None)
    assert tokyo.detect_toxic_content(TextSegments=segments, LanguageCode="en")["ResultList"]


def test_reset_offers_every_operation_everywhere_again(aws: AwsEmulator) -> None:
    aws.offer_only("DetectToxicContent", [])
    aws.reset()

    result = client("comprehend").detect_toxic_content(TextSegments=[{"Text": "hi"}], LanguageCode="en")

    assert result["ResultList"]
