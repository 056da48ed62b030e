"""Rekognition and Comprehend reached with one cheap call each, through real boto3 clients."""

from __future__ import annotations

import io
from typing import Any

import boto3
from botocore.config import Config
from PIL import Image

from services.preflight import Status
from services.preflight.moderation import check_comprehend, check_rekognition, probe_png
from tests.servers.aws_emulator import AwsEmulator, Error
from tests.servers.bedrock_testing import client


def regional(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region, config=Config(retries={"total_max_attempts": 1}))


def test_rekognition_answers(aws: AwsEmulator) -> None:
    check = check_rekognition(client("rekognition"), "us-east-1")

    assert (
        check.line() == "✅ Rekognition (us-east-1): DetectModerationLabels answered (moderation model 7.0)"
    )
    [request] = aws.requests("DetectModerationLabels")
    [image] = request.images()
    assert image == probe_png() and len(image) < 1000
    assert Image.open(io.BytesIO(image)).size == (128, 128)


def test_rekognition_without_permission_blocks_the_start(aws: AwsEmulator) -> None:
    aws.deny_access("DetectModerationLabels")

    check = check_rekognition(client("rekognition"), "us-east-1")

    assert check.status is Status.FAIL and check.fatal
    assert "missing rekognition:DetectModerationLabels" in check.message
    assert "IAM policy" in check.fix


def test_a_throttled_rekognition_fails_without_blocking_the_start(aws: AwsEmulator) -> None:
    aws.push("DetectModerationLabels", Error("ThrottlingException", "Rate exceeded", 400))

    check = check_rekognition(client("rekognition"), "us-east-1")

    assert check.status is Status.FAIL and not check.fatal


def test_comprehend_answers_in_english(aws: AwsEmulator) -> None:
    check = check_comprehend(client("comprehend"), "us-east-1", enabled=True)

    assert check.line() == "✅ Comprehend (us-east-1): DetectToxicContent answered"
    [request] = aws.requests("DetectToxicContent")
    assert request.body["LanguageCode"] == "en"


def test_toxicity_detection_not_offered_in_the_region_says_how_to_turn_it_off(aws: AwsEmulator) -> None:
    aws.offer_only("DetectToxicContent", ["us-east-1"])

    check = check_comprehend(regional("comprehend", "ap-northeast-1"), "ap-northeast-1", enabled=True)

    assert check.status is Status.FAIL and check.fatal
    assert check.subject == "Comprehend (ap-northeast-1)"
    assert check.message.startswith("DetectToxicContent is not offered in ap-northeast-1")
    assert "set TOXICITY_CHECK=false to turn the Comprehend layer off" in check.fix
    assert "COMPREHEND_REGION" in check.fix


def test_comprehend_unreachable_is_not_fatal() -> None:
    unreachable = boto3.client(
        "comprehend",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=1),
    )

    check = check_comprehend(unreachable, "us-east-1", enabled=True)

    assert check.status is Status.FAIL and not check.fatal
    assert "could not be reached in us-east-1" in check.message


def test_toxicity_check_off_calls_nothing(aws: AwsEmulator) -> None:
    check = check_comprehend(client("comprehend"), "us-east-1", enabled=False)

    assert check.line() == "✅ Comprehend: toxicity check off (TOXICITY_CHECK=false): not called"
    assert aws.requests() == []
