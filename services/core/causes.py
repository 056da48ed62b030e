"""Why an AWS call failed, named for the user and for the operator who can fix it.

A new workspace fails for configuration reasons far more often than because a model is busy:
no credentials, a role without ``bedrock:InvokeModel``, model access not granted, a model that is
Legacy or past its end of life, a model not offered in the region. Each gets its own cause, so the
user is not told "busy" when nobody will ever answer, and the operator reads the fix in the log.

The messages matched here are the ones Bedrock, Rekognition and Comprehend send today
(``AccessDeniedException: You don't have access to the model with the specified model ID.``,
``ValidationException: The provided model identifier is invalid.``, ``ResourceNotFoundException:
... marked by provider as Legacy ...`` / ``... reached the end of its life ...``); an unknown text
falls back on the error code alone.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

CauseCode = Literal[
    "no_credentials",
    "bad_credentials",
    "permission",
    "model_access",
    "model_legacy",
    "model_eol",
    "model_region",
    "model_needs_profile",
    "unsupported_region",
    "request_bug",
    "throttled",
    "unreachable",
]


@dataclass(frozen=True)
class Cause:
    """One reason a call failed: the message key users read, and the operator's fix."""

    code: CauseCode
    # Configuration causes need an operator; the user is told the administrators were told.
    config: bool
    fix: str

    @property
    def kind(self) -> str:
        """The message-catalogue key of this cause."""
        return f"cause.{self.code}"


CAUSES: dict[CauseCode, Cause] = {
    cause.code: cause
    for cause in (
        Cause(
            "no_credentials",
            True,
            "No AWS credentials were found. Give the process a role (ECS task role, Lambda execution "
            "role, instance profile) or set AWS_PROFILE / AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
        ),
        Cause(
            "bad_credentials",
            True,
            "AWS rejected the credentials (invalid, expired or for another partition). Renew them or "
            "check AWS_PROFILE.",
        ),
        Cause(
            "permission",
            True,
            "The role lacks a permission. Add the action to its IAM policy (README: IAM policy, "
            "deploy/template.yaml).",
        ),
        Cause(
            "model_access",
            True,
            "This account may not use the model yet: check IAM/SCP denials, Anthropic's first-time use "
            "form (Bedrock console, Model catalog), and for Marketplace models the "
            "aws-marketplace:Subscribe permission and a payment method (python -m bot check says which).",
        ),
        Cause(
            "model_legacy",
            True,
            "The model is Legacy and this account has not used it recently, so Bedrock refuses it. "
            "Switch the setting to an active model (python -m bot check lists one).",
        ),
        Cause(
            "model_eol",
            True,
            "The model has reached its end of life. Switch the setting to an active model "
            "(python -m bot check lists one).",
        ),
        Cause(
            "model_region",
            True,
            "The model id is not offered in this region (or is misspelt). Check AWS_REGION / "
            "BEDROCK_REGION against the model's regions, or pick a model offered here.",
        ),
        Cause(
            "model_needs_profile",
            True,
            "This model is only served through an inference profile here. Set the model id to the "
            "profile id (e.g. us.… / apac.… / global.…).",
        ),
        Cause(
            "unsupported_region",
            True,
            "The service or operation is not offered in this region. Point it at a region that has "
            "it, or turn the layer off (see README: configuration).",
        ),
        Cause(
            "request_bug",
            False,
            "The service refused a request the bot built: a bug on our side. The model's message "
            "is in this log line; please report it with the job id.",
        ),
        Cause("throttled", False, "The service throttled or was briefly unavailable; retries ran out."),
        Cause(
            "unreachable",
            False,
            "The service could not be reached (network, DNS, proxy or endpoint setting).",
        ),
    )
}

_UNAUTHORISED = re.compile(
    r"is not authorized to perform: (?P<action>[\w:*-]+)(?: on resource: (?P<res>\S+))?"
)
_DENIED = {"AccessDeniedException", "AccessDenied"}
_BAD_CREDENTIALS = {
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
}
_UNOFFERED = {"UnknownOperationException", "InvalidAction", "UnsupportedOperation"}

# (error codes, a phrase of the message or "" for any, cause), first match wins.
_RULES: tuple[tuple[frozenset[str], str, CauseCode], ...] = (
    (frozenset(_BAD_CREDENTIALS), "", "bad_credentials"),
    (frozenset(_DENIED | {"ResourceNotFoundException"}), "legacy", "model_legacy"),
    (frozenset(_DENIED), "access to the model", "model_access"),
    (frozenset(_DENIED), "model access", "model_access"),
    (frozenset(_DENIED), "", "permission"),
    (frozenset({"ResourceNotFoundException", "ValidationException"}), "end of its life", "model_eol"),
    (frozenset({"ResourceNotFoundException"}), "", "model_access"),
    (frozenset({"ValidationException"}), "model identifier is invalid", "model_region"),
    (frozenset({"ValidationException"}), "inference profile", "model_needs_profile"),
    (frozenset({"ValidationException", "UnsupportedLanguageException"}), "", "request_bug"),
    (frozenset(_UNOFFERED), "", "unsupported_region"),
)
_BOTOCORE: dict[str, CauseCode] = {
    "NoCredentialsError": "no_credentials",
    "PartialCredentialsError": "no_credentials",
    "CredentialRetrievalError": "no_credentials",
    "NoRegionError": "unsupported_region",
    "UnknownEndpointError": "unsupported_region",
    "EndpointResolutionError": "unsupported_region",
    "ParamValidationError": "request_bug",
}


@dataclass(frozen=True)
class Diagnosis:
    """A cause with what the service said, for the operator's log line."""

    cause: Cause
    detail: str = ""

    def log_text(self) -> str:
        """One line for the operator: the cause, what AWS said, and the fix."""
        said = f" AWS said: {self.detail}" if self.detail else ""
        return f"{self.cause.code}.{said} Fix: {self.cause.fix}"


def diagnose_client_error(exc: ClientError) -> Diagnosis:
    """The cause of a botocore ClientError, from its code and message."""
    error = exc.response.get("Error", {})
    return diagnose(str(error.get("Code", "")), str(error.get("Message", ""))[:300])


def diagnose(code: str, message: str) -> Diagnosis:
    """The cause of an AWS error code and message (see the module docstring for the texts)."""
    lowered = message.lower()
    if code in _DENIED and (match := _UNAUTHORISED.search(message)):
        # IAM names the action and resource it refused: exactly what the operator must add.
        return Diagnosis(
            CAUSES["permission"], f"missing {match.group('action')} on {match.group('res') or '*'}"
        )
    for codes, phrase, cause in _RULES:
        if code in codes and phrase in lowered:
            return Diagnosis(CAUSES[cause], message or code)
    # Throttling, 5xx and anything unknown: the service is there but did not answer this time.
    return Diagnosis(CAUSES["throttled"], f"{code}: {message}" if message else code)


def diagnose_botocore_error(exc: BaseException) -> Diagnosis:
    """The cause of a botocore error raised before or instead of an answer (no ClientError)."""
    name = type(exc).__name__
    cause = _BOTOCORE.get(name, "unreachable")
    detail = str(exc)[:300] if cause == "request_bug" else name
    return Diagnosis(CAUSES[cause], detail)


def diagnose_error(exc: BaseException) -> Diagnosis:
    """The cause of any botocore failure: a ClientError answer, or none at all."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        return diagnose(str(error.get("Code", "")), str(error.get("Message", ""))[:300])
    return diagnose_botocore_error(exc)


def log_diagnosis(logger: logging.Logger, what: str, diagnosis: Diagnosis) -> None:
    """The operator's line, where the error is first known: cause, what AWS said, and the fix."""
    cause = diagnosis.cause
    level = logging.ERROR if cause.config or cause.code == "request_bug" else logging.WARNING
    logger.log(level, "%s failed: %s", what, diagnosis.log_text(), extra={"cause": cause.code})
