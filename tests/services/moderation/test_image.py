"""Output moderation with Rekognition (services/image_moderation.py), through the AWS emulator."""

from __future__ import annotations

import io
import os
from typing import Any

import boto3
import pytest
from botocore.config import Config
from PIL import Image

from services.core.errors import ModerationUnavailable
from services.core.images import REKOGNITION_MAX_BYTES
from services.core.job import ModerationLabel
from services.moderation.image import ImageModerator
from tests.servers.aws_emulator import AwsEmulator, Error


def _client(attempts: int = 1) -> Any:
    config = Config(retries={"mode": "standard", "total_max_attempts": attempts})
    return boto3.client("rekognition", region_name="us-east-1", config=config)


def _png(size: tuple[int, int] = (64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


def _labels(*labels: dict[str, Any]) -> dict[str, Any]:
    return {"ModerationLabels": list(labels), "ModerationModelVersion": "7.0"}


def _label(name: str, confidence: float, parent: str = "", level: int = 1) -> dict[str, Any]:
    return {"Name": name, "ParentName": parent, "Confidence": confidence, "TaxonomyLevel": level}


def test_no_labels_is_safe_and_sends_min_confidence(aws: AwsEmulator) -> None:
    image = _png()

    verdict = ImageModerator(_client(), min_confidence=60.0).check(image)

    assert verdict.safe is True
    assert verdict.labels == []
    [request] = aws.requests("DetectModerationLabels")
    assert request.body["MinConfidence"] == 60.0
    assert request.images() == [image]  # small PNGs are sent unchanged


@pytest.mark.parametrize(
    ("confidence", "safe"),
    [(50.0, False), (97.5, False), (49.99, True), (0.0, True)],
)
def test_label_confidence_against_the_threshold(aws: AwsEmulator, confidence: float, safe: bool) -> None:
    aws.push("DetectModerationLabels", _labels(_label("Explicit Nudity", confidence)))

    verdict = ImageModerator(_client(), min_confidence=50.0).check(_png())

    assert verdict.safe is safe
    assert verdict.labels == [
        ModerationLabel(name="Explicit Nudity", parent_name="", confidence=confidence, taxonomy_level=1)
    ]
    assert aws.requests("DetectModerationLabels")[0].body["MinConfidence"] == 50.0


def test_one_label_over_the_threshold_among_others_is_unsafe(aws: AwsEmulator) -> None:
    aws.push(
        "DetectModerationLabels",
        _labels(
            _label("Suggestive", 20.0),
            _label("Graphic Violence", 81.0),
            _label("Blood & Gore", 81.0, parent="Graphic Violence", level=2),
        ),
    )

    verdict = ImageModerator(_client(), min_confidence=80.0).check(_png())

    assert verdict.safe is False
    assert [(label.name, label.parent_name) for label in verdict.labels] == [
        ("Suggestive", ""),
        ("Graphic Violence", ""),
        ("Blood & Gore", "Graphic Violence"),
    ]


def test_image_over_five_megabytes_is_shrunk_before_sending(aws: AwsEmulator) -> None:
    side = 3000
    noisy = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    noisy.save(out, "PNG", compress_level=1)
    big = out.getvalue()
    assert len(big) > REKOGNITION_MAX_BYTES

    verdict = ImageModerator(_client()).check(big)

    assert verdict.safe is True
    [request] = aws.requests("DetectModerationLabels")
    [sent] = request.images()
    assert len(sent) < 5_242_880
    assert sent.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))
    with Image.open(io.BytesIO(sent)) as opened:
        assert opened.format in ("JPEG", "PNG")
        width, height = opened.size
    assert width == height  # the aspect ratio is kept while shrinking


def test_rekognition_server_error_is_moderation_unavailable(aws: AwsEmulator) -> None:
    aws.set_responder("DetectModerationLabels", lambda _: Error("InternalServerError", "boom", status=500))

    with pytest.raises(ModerationUnavailable) as caught:
        ImageModerator(_client(attempts=2)).check(_png())

    assert caught.value.kind == "moderation_unavailable"
    # botocore retried the 500 once; the moderator then failed closed.
    assert len(aws.requests("DetectModerationLabels")) == 2


def test_rejected_image_is_moderation_unavailable(aws: AwsEmulator) -> None:
    # A GIF is neither PNG nor JPEG: fit() re-encodes it, so Rekognition never sees a GIF.
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 0, 0)).save(out, "GIF")
    invalid = Error("InvalidImageFormatException", "Request has invalid image format")
    aws.push("DetectModerationLabels", invalid)

    with pytest.raises(ModerationUnavailable):
        ImageModerator(_client()).check(out.getvalue())

    [sent] = aws.requests("DetectModerationLabels")[0].images()
    assert sent.startswith(b"\xff\xd8\xff")


def test_a_missing_rekognition_permission_is_named_and_still_fails_closed(aws: AwsEmulator) -> None:
    aws.push(
        "DetectModerationLabels",
        Error(
            "AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/bot/i is not authorized to perform: "
            "rekognition:DetectModerationLabels",
        ),
    )
    moderator = ImageModerator(_client())

    with pytest.raises(ModerationUnavailable) as caught:
        moderator.check(_png())

    assert caught.value.kind == "cause.permission"
    assert caught.value.diagnosis is not None
    assert caught.value.diagnosis.detail == "missing rekognition:DetectModerationLabels on *"
