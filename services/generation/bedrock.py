"""Calling Bedrock: error mapping, extra retries, and forced-tool Converse calls."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ValidationError

from services.core.causes import diagnose_botocore_error, diagnose_client_error, log_diagnosis
from services.core.errors import (
    ContentFiltered,
    InvalidModelAnswer,
    ModelMisconfigured,
    ModelUnavailable,
    error_code,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# botocore's standard retry mode already retries throttling, 5xx answers and
# ModelNotReadyException (marked retryable in the service model). It does not
# retry ModelTimeoutException (408), which Bedrock uses for transient trouble.
_RETRY_OURSELVES = {"ModelTimeoutException"}


def is_content_filter_message(message: str) -> bool:
    """Bedrock signals blocked prompts with a ValidationException whose text says so."""
    lowered = message.lower()
    return "content filter" in lowered or "blocked by our content" in lowered


def translate_client_error(exc: ClientError, what: str) -> Exception:
    """Turn a botocore ClientError into the matching domain error, with its cause attached."""
    code = error_code(exc)
    message = str(exc.response.get("Error", {}).get("Message", ""))
    if code == "ValidationException" and is_content_filter_message(message):
        return ContentFiltered(message, stage="input")
    diagnosis = diagnose_client_error(exc)
    log_diagnosis(logger, what, diagnosis)
    if diagnosis.cause.config or diagnosis.cause.code == "request_bug":
        return ModelMisconfigured(f"{what}: {code}").because(diagnosis)
    return ModelUnavailable(f"{what}: {code or 'unknown error'}").because(diagnosis)


def translate_botocore_error(exc: BotoCoreError, what: str) -> Exception:
    """Missing credentials or region, a request botocore refused, or no connection at all."""
    diagnosis = diagnose_botocore_error(exc)
    log_diagnosis(logger, what, diagnosis)
    if diagnosis.cause.config or diagnosis.cause.code == "request_bug":
        return ModelMisconfigured(f"{what}: {type(exc).__name__}").because(diagnosis)
    return ModelUnavailable(f"{what}: {type(exc).__name__}").because(diagnosis)


@dataclass
class RetryPolicy:
    """Our own retries on top of botocore's, for codes botocore leaves alone."""

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def call(self, fn: Callable[[], T], what: str) -> T:
        """Run ``fn``; retry ModelTimeout/ModelNotReady with jittered backoff; map errors."""
        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except ClientError as exc:
                code = error_code(exc)
                if code in _RETRY_OURSELVES and attempt < self.attempts:
                    delay = random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))
                    logger.warning("%s: %s, retry %d in %.2fs", what, code, attempt, delay)
                    self.sleep(delay)
                    continue
                raise translate_client_error(exc, what) from exc
            except BotoCoreError as exc:
                # No credentials, or connection failures and read timeouts after botocore's retries.
                raise translate_botocore_error(exc, what) from exc
        raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class Usage:
    """Token counts reported by Converse."""

    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model is forced to call; its input schema is our answer format."""

    name: str
    description: str
    schema: dict[str, Any]

    def config(self) -> dict[str, Any]:
        """The Converse ``toolConfig`` that forces this tool."""
        return {
            "tools": [
                {
                    "toolSpec": {
                        "name": self.name,
                        "description": self.description,
                        "inputSchema": {"json": self.schema},
                    }
                }
            ],
            "toolChoice": {"tool": {"name": self.name}},
        }


class ToolCaller:
    """Converse with one forced tool, validating the tool input with pydantic."""

    def __init__(self, client: Any, retry: RetryPolicy | None = None) -> None:
        self._client = client
        self._retry = retry or RetryPolicy()

    def call(
        self,
        *,
        model_id: str,
        system: str,
        content: list[dict[str, Any]],
        tool: ToolSpec,
        answer: type[M],
        max_tokens: int = 1024,
        temperature: float = 0.2,
        context: dict[str, Any] | None = None,
    ) -> tuple[M, Usage]:
        """Ask ``model_id`` and return the tool input validated as ``answer``."""
        request = {
            "modelId": model_id,
            "system": [{"text": system}],
            "messages": [{"role": "user", "content": content}],
            "toolConfig": tool.config(),
            "inferenceConfig": {"maxTokens": max_tokens, "temperature": temperature},
        }
        # One more try when the answer is malformed: models occasionally skip the tool.
        last_error: Exception | None = None
        for _ in range(2):
            response = self._retry.call(lambda: self._client.converse(**request), f"converse {tool.name}")
            usage = Usage(
                input_tokens=int(response.get("usage", {}).get("inputTokens", 0)),
                output_tokens=int(response.get("usage", {}).get("outputTokens", 0)),
            )
            stop_reason = response.get("stopReason")
            if stop_reason in {"content_filtered", "guardrail_intervened"}:
                raise ContentFiltered(f"converse {tool.name}: {stop_reason}", stage="text")
            tool_input = _tool_input(response, tool.name)
            if tool_input is None:
                last_error = InvalidModelAnswer(f"converse {tool.name}: no tool call ({stop_reason})")
                continue
            try:
                return answer.model_validate(tool_input, context=context), usage
            except ValidationError as exc:
                logger.warning(
                    "converse %s: invalid tool input: %s",
                    tool.name,
                    json.dumps(exc.errors(include_input=False, include_url=False, include_context=False))[
                        :500
                    ],
                )
                last_error = InvalidModelAnswer(f"converse {tool.name}: invalid tool input")
        raise last_error or InvalidModelAnswer(f"converse {tool.name}: no answer")


def _tool_input(response: dict[str, Any], name: str) -> dict[str, Any] | None:
    content = response.get("output", {}).get("message", {}).get("content", [])
    for block in content:
        tool_use = block.get("toolUse")
        if tool_use and tool_use.get("name") == name and isinstance(tool_use.get("input"), dict):
            return dict(tool_use["input"])
    return None
