"""Default answers of the moderation-side operations: Bedrock ApplyGuardrail, Rekognition
DetectModerationLabels and Comprehend DetectToxicContent / DetectDominantLanguage."""

from __future__ import annotations

import math
import re
from typing import Any

from tests.servers.aws_recorded import Recorded
from tests.servers.bedrock_common import Error, b64

_TOXIC_LABELS = (
    "PROFANITY",
    "HATE_SPEECH",
    "INSULT",
    "GRAPHIC",
    "HARASSMENT_OR_ABUSE",
    "SEXUAL",
    "VIOLENCE_OR_THREAT",
)
_GUARDRAIL_USAGE_REQUIRED = (
    "topicPolicyUnits",
    "contentPolicyUnits",
    "wordPolicyUnits",
    "sensitiveInformationPolicyUnits",
    "sensitiveInformationPolicyFreeUnits",
    "contextualGroundingPolicyUnits",
)
_REKOGNITION_MAX_IMAGE = 5_242_880
_TOXIC_MAX_SEGMENTS = 10
_TOXIC_MAX_SEGMENT_BYTES = 1024
_LANGUAGE_MAX_BYTES = 100_000
_JAPANESE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def apply_guardrail(record: Recorded) -> dict[str, Any]:
    """A guardrail that lets everything through."""
    chars = sum(
        len((block.get("text") or {}).get("text") or "")
        for block in record.body.get("content") or []
        if isinstance(block, dict)
    )
    usage = dict.fromkeys(_GUARDRAIL_USAGE_REQUIRED, 0)
    usage["contentPolicyUnits"] = math.ceil(chars / 1000)
    return {"action": "NONE", "outputs": [], "assessments": [], "usage": usage}


def detect_moderation_labels(record: Recorded) -> dict[str, Any] | Error:
    """No labels for any valid PNG/JPEG."""
    image = record.body.get("Image")
    if not isinstance(image, dict) or not (image.get("Bytes") or image.get("S3Object")):
        return Error("InvalidParameterException", "Request has invalid parameters")
    if "Bytes" in image:
        data = b64(image["Bytes"])
        if data is not None and len(data) > _REKOGNITION_MAX_IMAGE:
            return Error("ImageTooLargeException", "Image size is too large.")
        if data is None or not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
            return Error("InvalidImageFormatException", "Request has invalid image format")
    return {"ModerationLabels": [], "ModerationModelVersion": "7.0", "ContentTypes": []}


def detect_toxic_content(record: Recorded) -> dict[str, Any] | Error:
    """Every segment is harmless; only English is supported."""
    language = record.body.get("LanguageCode")
    if language != "en":
        return Error(
            "UnsupportedLanguageException",
            f"Amazon Comprehend can not process the language in the input text: {language}. "
            "Supported language codes: [en]",
        )
    segments = record.body.get("TextSegments") or []
    if len(segments) > _TOXIC_MAX_SEGMENTS:
        return Error(
            "TextSizeLimitExceededException",
            f"Input text size exceeds limit. Max number of text segments is {_TOXIC_MAX_SEGMENTS} "
            f"while in this request it is {len(segments)}.",
        )
    for segment in segments:
        size = len(str(segment.get("Text", "")).encode())
        if size > _TOXIC_MAX_SEGMENT_BYTES:
            return Error(
                "TextSizeLimitExceededException",
                f"Input text size exceeds limit. Max length of each text segment is "
                f"{_TOXIC_MAX_SEGMENT_BYTES} bytes while in this request one is {size} bytes.",
            )
    result = {"Labels": [{"Name": name, "Score": 0.01} for name in _TOXIC_LABELS], "Toxicity": 0.01}
    return {"ResultList": [dict(result) for _ in segments]}


def detect_dominant_language(record: Recorded) -> dict[str, Any] | Error:
    """Japanese if any kana/kanji appears, else English."""
    text = str(record.body.get("Text", ""))
    if len(text.encode()) > _LANGUAGE_MAX_BYTES:
        return Error(
            "TextSizeLimitExceededException",
            "Input text size exceeds limit. "
            f"Max length of request text allowed is {_LANGUAGE_MAX_BYTES} bytes.",
        )
    code = "ja" if _JAPANESE.search(text) else "en"
    return {"Languages": [{"LanguageCode": code, "Score": 0.99}]}
