"""Output moderation with Rekognition DetectModerationLabels. Fails closed."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.errors import ModerationUnavailable
from services.images import REKOGNITION_MAX_BYTES, fit
from services.models import ModerationLabel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImageVerdict:
    """Labels found and whether the image may be posted as it is."""

    labels: list[ModerationLabel]
    safe: bool


class ImageModerator:
    """Checks every image before anyone sees it."""

    def __init__(self, client: Any, min_confidence: float = 50.0) -> None:
        self._client = client
        self._min_confidence = min_confidence

    def check(self, image: bytes) -> ImageVerdict:
        """Labels at or above the configured confidence make the image unsafe."""
        data, _ = fit(image, max_bytes=REKOGNITION_MAX_BYTES)
        try:
            response = self._client.detect_moderation_labels(
                Image={"Bytes": data}, MinConfidence=self._min_confidence
            )
        except (ClientError, BotoCoreError) as exc:
            # Never post an image we could not check.
            raise ModerationUnavailable("rekognition unavailable") from exc
        labels = [
            ModerationLabel(
                name=label.get("Name", ""),
                parent_name=label.get("ParentName", ""),
                confidence=float(label.get("Confidence", 0.0)),
                taxonomy_level=label.get("TaxonomyLevel"),
            )
            for label in response.get("ModerationLabels", [])
        ]
        safe = not any(label.confidence >= self._min_confidence for label in labels)
        return ImageVerdict(labels=labels, safe=safe)
