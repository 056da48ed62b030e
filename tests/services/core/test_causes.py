"""Each way an AWS call fails in a new workspace has its own cause, message and fix."""

from __future__ import annotations

import pytest
from botocore.exceptions import EndpointConnectionError, NoCredentialsError, NoRegionError

from services.core.causes import CAUSES, diagnose, diagnose_botocore_error
from services.core.errors import ModelMisconfigured, ModelUnavailable, ModerationUnavailable
from services.slack.messages import keys


@pytest.mark.parametrize(
    ("code", "message", "cause"),
    [
        (
            "AccessDeniedException",
            "You don't have access to the model with the specified model ID.",
            "model_access",
        ),
        ("ThrottlingException", "Too many requests, please wait before trying again.", "throttled"),
        ("ServiceUnavailableException", "", "throttled"),
        ("ValidationException", "The provided model identifier is invalid.", "model_region"),
        (
            "ValidationException",
            "Invocation of model ID amazon.nova-pro-v1:0 with on-demand throughput isn’t supported. "
            "Retry your request with the ID or ARN of an inference profile that contains this model.",
            "model_needs_profile",
        ),
        ("ExpiredTokenException", "The security token included in the request is expired", "bad_credentials"),
        ("SomethingNewException", "surprise", "throttled"),
    ],
)
def test_codes_and_messages_map_to_their_cause(code: str, message: str, cause: str) -> None:
    assert diagnose(code, message).cause.code == cause


def test_an_iam_refusal_names_the_action_and_resource() -> None:
    diagnosis = diagnose(
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/bot/i is not authorized to perform: "
        "rekognition:DetectModerationLabels because no identity-based policy allows the action",
    )

    assert diagnosis.cause.code == "permission"
    assert diagnosis.detail == "missing rekognition:DetectModerationLabels on *"


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (NoCredentialsError(), "no_credentials"),
        (NoRegionError(), "unsupported_region"),
        (EndpointConnectionError(endpoint_url="https://bedrock-runtime.example"), "unreachable"),
    ],
)
def test_botocore_errors_map_to_their_cause(error: Exception, cause: str) -> None:
    assert diagnose_botocore_error(error).cause.code == cause


def test_every_cause_has_a_message_in_both_languages_and_a_fix() -> None:
    # "Busy" is told by the failing step's own message (model or moderation unavailable).
    for cause in (c for c in CAUSES.values() if c.code != "throttled"):
        assert cause.kind in keys(), cause.kind
        assert len(cause.fix) > 20


def test_busy_keeps_the_errors_own_message_and_configuration_gets_its_own() -> None:
    busy = ModerationUnavailable("rekognition").because(diagnose("ThrottlingException", ""))
    unreachable_model = ModelUnavailable("x").because(
        diagnose_botocore_error(EndpointConnectionError(endpoint_url="u"))
    )
    denied = ModelMisconfigured("x").because(
        diagnose("AccessDeniedException", "not authorized to perform: a:b")
    )

    assert busy.kind == "moderation_unavailable"
    assert unreachable_model.kind == "cause.unreachable"
    assert denied.kind == "cause.permission"
