"""Domain errors of the pipeline.

Each error carries a ``kind`` that the Slack edge turns into one Japanese message
(see ``services.messages``). Raw exception text never reaches a user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

    from services.core.causes import Diagnosis


class BotError(Exception):
    """Base class for failures a user is told about."""

    kind = "internal_error"
    diagnosis: Diagnosis | None = None

    def because(self, diagnosis: Diagnosis) -> Self:
        """Attach why an AWS call failed; a cause someone must fix gets its own message."""
        self.diagnosis = diagnosis
        cause = diagnosis.cause
        # "Busy" keeps the error's own message (moderation or model); every other cause is told
        # as itself, so nobody waits for a model that a missing permission keeps away.
        if (
            cause.config
            or cause.code == "request_bug"
            or (cause.code == "unreachable" and isinstance(self, ModelUnavailable))
        ):
            self.kind = cause.kind
        return self


class InputRejected(BotError):
    """The request text cannot be processed as given (empty, too long)."""

    def __init__(self, kind: str, **details: object) -> None:
        super().__init__(kind)
        self.kind = kind
        self.details = details


class ModerationRejected(BotError):
    """A moderation layer stopped the request; ``layer`` says which one."""

    kind = "moderation_rejected"

    def __init__(self, layer: str, category: str) -> None:
        super().__init__(f"rejected by {layer} ({category})")
        self.layer = layer
        self.category = category


class ContentFiltered(BotError):
    """The image model's own content filter refused the prompt or every output."""

    kind = "content_filtered"

    def __init__(self, message: str, *, stage: str = "input") -> None:
        super().__init__(message)
        self.stage = stage


class ModelUnavailable(BotError):
    """A Bedrock model could not be reached or kept failing after retries."""

    kind = "model_unavailable"


class ModelMisconfigured(BotError):
    """A model id, permission or request shape is wrong: an operator must act."""

    kind = "model_misconfigured"


class InvalidModelAnswer(BotError):
    """An LLM answer did not validate against the tool schema."""

    kind = "model_unavailable"


class ModerationUnavailable(BotError):
    """Image moderation could not run; we fail closed and post nothing."""

    kind = "moderation_unavailable"


class TextModerationUnavailable(BotError):
    """A text moderation layer could not answer; the request does not go on unchecked."""

    kind = "text_moderation_unavailable"


class NoSafeImage(BotError):
    """Every candidate was unsafe or filtered, so there is nothing to post."""

    kind = "no_safe_image"


class JobInterrupted(BotError):
    """Restarts interrupted the job too often for it to be resumed again."""

    kind = "job_interrupted"


class JobGaveUp(BotError):
    """The queue delivered the job too often without it finishing."""

    kind = "job_gave_up"


def error_code(exc: ClientError) -> str:
    """The AWS error code of a ClientError ("" if the response has none)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def condition_failed(exc: ClientError) -> bool:
    """Whether a DynamoDB write was refused by its ConditionExpression."""
    return error_code(exc) == "ConditionalCheckFailedException"
