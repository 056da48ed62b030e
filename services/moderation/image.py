"""Output moderation with Rekognition DetectModerationLabels, decided by the image policy. Fails closed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.core.causes import diagnose_error, log_diagnosis
from services.core.errors import ModerationUnavailable
from services.core.images import REKOGNITION_MAX_BYTES, fit
from services.core.job import ModerationLabel
from services.moderation.policy import Decision, ImagePolicy

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImageVerdict:
    """Labels found and what the policy does with the image: post, blur or block."""

    labels: list[ModerationLabel]
    action: Decision = "post"
    categories: list[str] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        """Whether the image may be shown at all (possibly blurred)."""
        return self.action != "block"


class ImageModerator:
    """Checks every image before anyone sees it."""

    def __init__(self, client: Any, min_confidence: float = 50.0, policy: ImagePolicy | None = None) -> None:
        self._client = client
        self._policy = policy or ImagePolicy({}, default="block", min_confidence=min_confidence)
        self._min_confidence = min(min_confidence, self._policy.min_confidence)

    def check(self, image: bytes) -> ImageVerdict:
        """Ask Rekognition for labels and apply the per-category policy."""
        data, _ = fit(image, max_bytes=REKOGNITION_MAX_BYTES)
        try:
            response = self._client.detect_moderation_labels(
                Image={"Bytes": data}, MinConfidence=self._min_confidence
            )
        except (ClientError, BotoCoreError) as exc:
            # Never post an image we could not check; say why, so a missing permission is not "busy".
            diagnosis = diagnose_error(exc)
            log_diagnosis(logger, "rekognition DetectModerationLabels", diagnosis)
            raise ModerationUnavailable("rekognition unavailable").because(diagnosis) from exc
        labels = [
            ModerationLabel(
                name=label.get("Name", ""),
                parent_name=label.get("ParentName", ""),
                confidence=float(label.get("Confidence", 0.0)),
                taxonomy_level=label.get("TaxonomyLevel"),
            )
            for label in response.get("ModerationLabels", [])
        ]
        decision = self._policy.decide(labels)
        return ImageVerdict(labels=labels, action=decision.action, categories=decision.categories)
