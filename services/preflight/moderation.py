"""Rekognition and Comprehend: one cheap real call each, in the region the bot uses them in.

Both services moderate every request and fail closed (nothing is posted when they cannot answer), so a
configuration answer (no permission, no such operation in the region, bad credentials) is fatal: every
request would fail. A throttled or unreachable service is not, since a retry may succeed.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError
from PIL import Image

from services.core.causes import Diagnosis, diagnose_error
from services.preflight.report import Check, fail, ok

# A grey square: big enough for Rekognition's minimum image size, a few hundred bytes as PNG.
_PROBE_SIZE = (128, 128)
# DetectToxicContent takes English only.
_PROBE_TEXT = "A quiet lake under a clear morning sky."
_TOXICITY_OFF = "set TOXICITY_CHECK=false to turn the Comprehend layer off"


@cache
def probe_png() -> bytes:
    """The image sent to Rekognition (made once)."""
    buffer = io.BytesIO()
    Image.new("RGB", _PROBE_SIZE, (128, 128, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def _not_offered(exc: Exception, diagnosis: Diagnosis) -> bool:
    """Whether the failure says the operation is missing from this region, or may be.

    An operation a regional endpoint does not serve answers UnknownOperationException (or a sibling
    code); a service absent from the region has no endpoint at all, so its name does not resolve,
    which looks like any other connection failure.
    """
    message = str(exc).lower()
    return (
        diagnosis.cause.code == "unsupported_region"
        or isinstance(exc, EndpointConnectionError)
        or "not supported in this region" in message
        or "not available in this region" in message
    )


def _where(diagnosis: Diagnosis) -> str:
    # A connection failure may be the network as well as a region without the service.
    return "is not offered in" if diagnosis.cause.code == "unsupported_region" else "could not be reached in"


def _said(diagnosis: Diagnosis) -> str:
    return f"{diagnosis.cause.code}: {diagnosis.detail}" if diagnosis.detail else diagnosis.cause.code


def check_rekognition(client: Any, region: str) -> Check:
    """DetectModerationLabels on a small grey image."""
    subject = f"Rekognition ({region})"
    try:
        answer = client.detect_moderation_labels(Image={"Bytes": probe_png()}, MinConfidence=50)
    except (ClientError, BotoCoreError) as exc:
        diagnosis = diagnose_error(exc)
        fatal = diagnosis.cause.config
        if _not_offered(exc, diagnosis):
            message = f"DetectModerationLabels {_where(diagnosis)} {region} ({_said(diagnosis)})"
            fix = "run the bot in a region that has Amazon Rekognition (AWS_REGION), or check the network."
            return fail(subject, message, fix, fatal=fatal)
        message = f"DetectModerationLabels failed ({_said(diagnosis)})"
        return fail(subject, message, diagnosis.cause.fix, fatal=fatal)
    version = answer.get("ModerationModelVersion", "?")
    return ok(subject, f"DetectModerationLabels answered (moderation model {version})")


def check_comprehend(client: Any | None, region: str, *, enabled: bool) -> Check:
    """DetectToxicContent on a short English sentence, when the toxicity layer is on."""
    if not enabled or client is None:
        return ok("Comprehend", "toxicity check off (TOXICITY_CHECK=false): not called")
    subject = f"Comprehend ({region})"
    try:
        client.detect_toxic_content(TextSegments=[{"Text": _PROBE_TEXT}], LanguageCode="en")
    except (ClientError, BotoCoreError) as exc:
        diagnosis = diagnose_error(exc)
        fatal = diagnosis.cause.config
        if _not_offered(exc, diagnosis):
            message = (
                f"DetectToxicContent {_where(diagnosis)} {region} ({_said(diagnosis)}): Comprehend's "
                "toxicity detection is not offered in every region, and every request would fail"
            )
            fix = (
                f"{_TOXICITY_OFF}, or set COMPREHEND_REGION to a region that offers it (the English "
                "prompt is then sent there)."
            )
            return fail(subject, message, fix, fatal=fatal)
        fix = f"{diagnosis.cause.fix} Or {_TOXICITY_OFF}." if fatal else diagnosis.cause.fix
        return fail(subject, f"DetectToxicContent failed ({_said(diagnosis)})", fix, fatal=fatal)
    return ok(subject, "DetectToxicContent answered")
