"""Bedrock error mapping and retries (services/bedrock.py), through the AWS emulator."""

from __future__ import annotations

import json
import socket
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from services.core.errors import ContentFiltered, ModelMisconfigured, ModelUnavailable
from services.generation.bedrock import RetryPolicy
from tests.servers.aws_emulator import AwsEmulator, Error

NOVA = "amazon.nova-canvas-v1:0"
BODY = json.dumps(
    {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a cat on a roof"},
        "imageGenerationConfig": {"numberOfImages": 1, "width": 512, "height": 512, "seed": 1},
    }
)


def _client(attempts: int = 3, endpoint_url: str | None = None) -> Any:
    config = Config(
        retries={"mode": "standard", "total_max_attempts": attempts}, connect_timeout=2, read_timeout=10
    )
    return boto3.client("bedrock-runtime", region_name="us-east-1", config=config, endpoint_url=endpoint_url)


def _invoke(client: Any) -> dict[str, Any]:
    response = client.invoke_model(
        modelId=NOVA, body=BODY, contentType="application/json", accept="application/json"
    )
    parsed: dict[str, Any] = json.loads(response["body"].read())
    return parsed


def _policy(attempts: int = 3) -> tuple[RetryPolicy, list[float]]:
    delays: list[float] = []
    return RetryPolicy(attempts=attempts, base_delay=0.5, max_delay=8.0, sleep=delays.append), delays


def test_model_timeout_is_retried_by_the_policy_with_backoff(aws: AwsEmulator) -> None:
    timeout = Error("ModelTimeoutException", "Model has timed out in processing the request", status=408)
    aws.push(f"InvokeModel:{NOVA}", timeout, timeout)
    policy, delays = _policy(attempts=3)
    client = _client(attempts=3)

    body = policy.call(lambda: _invoke(client), "invoke nova")

    assert len(body["images"]) == 1
    # botocore leaves 408 alone, so every request here is one of ours.
    assert len(aws.requests("InvokeModel")) == 3
    assert len(delays) == 2
    assert 0 <= delays[0] <= 1.0  # base 0.5 * 2**1
    assert 0 <= delays[1] <= 2.0  # base 0.5 * 2**2


def test_model_timeout_gives_up_with_model_unavailable(aws: AwsEmulator) -> None:
    timeout = Error("ModelTimeoutException", "Model has timed out", status=408)
    aws.push(f"InvokeModel:{NOVA}", timeout, timeout, timeout, timeout)
    policy, delays = _policy(attempts=3)
    client = _client(attempts=3)

    with pytest.raises(ModelUnavailable) as caught:
        policy.call(lambda: _invoke(client), "invoke nova")

    assert "ModelTimeoutException" in str(caught.value)
    assert isinstance(caught.value.__cause__, ClientError)
    assert len(aws.requests("InvokeModel")) == 3
    assert len(delays) == 2


def test_backoff_never_exceeds_max_delay(aws: AwsEmulator) -> None:
    timeout = Error("ModelTimeoutException", "Model has timed out", status=408)
    aws.push(f"InvokeModel:{NOVA}", *[timeout] * 5)
    delays: list[float] = []
    policy = RetryPolicy(attempts=6, base_delay=1.0, max_delay=3.0, sleep=delays.append)
    client = _client(attempts=1)

    policy.call(lambda: _invoke(client), "invoke nova")

    assert len(delays) == 5
    assert all(0 <= delay <= 3.0 for delay in delays)


def test_throttling_is_retried_by_botocore_standard_mode(aws: AwsEmulator) -> None:
    aws.push(f"InvokeModel:{NOVA}", Error("ThrottlingException", "Too many requests", status=429))
    policy, delays = _policy()

    body = policy.call(lambda: _invoke(_client(attempts=3)), "invoke nova")

    assert len(body["images"]) == 1
    assert len(aws.requests("InvokeModel")) == 2
    assert delays == []  # botocore did the retrying, not the policy


def test_throttling_after_botocore_attempts_is_model_unavailable(aws: AwsEmulator) -> None:
    throttled = Error("ThrottlingException", "Too many requests", status=429)
    aws.push(f"InvokeModel:{NOVA}", *[throttled] * 4)
    policy, delays = _policy()

    with pytest.raises(ModelUnavailable) as caught:
        policy.call(lambda: _invoke(_client(attempts=3)), "invoke nova")

    assert "ThrottlingException" in str(caught.value)
    # total_max_attempts=3 and the policy does not add attempts of its own for throttling.
    assert len(aws.requests("InvokeModel")) == 3
    assert delays == []


def test_access_denied_is_model_misconfigured_without_retry(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{NOVA}",
        Error(
            "AccessDeniedException", "You don't have access to the model with the specified model ID.", 403
        ),
    )
    policy, delays = _policy()

    with pytest.raises(ModelMisconfigured) as caught:
        policy.call(lambda: _invoke(_client()), "invoke nova")

    # Model access not granted: an operator must act, and the user is told so, not "busy".
    assert caught.value.kind == "cause.model_access"
    assert caught.value.diagnosis is not None
    assert "first-time use" in caught.value.diagnosis.cause.fix
    assert "AccessDeniedException" in str(caught.value)
    assert len(aws.requests("InvokeModel")) == 1
    assert delays == []


@pytest.mark.parametrize(
    "message",
    [
        "This request has been blocked by our content filters.",
        "Our content filters blocked the prompt. Please adjust your prompt.",
    ],
)
def test_validation_exception_about_content_filters_is_content_filtered(
    aws: AwsEmulator, message: str
) -> None:
    aws.push(f"InvokeModel:{NOVA}", Error("ValidationException", message))
    policy, _ = _policy()

    with pytest.raises(ContentFiltered) as caught:
        policy.call(lambda: _invoke(_client()), "invoke nova")

    assert caught.value.stage == "input"
    assert len(aws.requests("InvokeModel")) == 1


def test_other_validation_exception_is_model_misconfigured(aws: AwsEmulator) -> None:
    aws.push(f"InvokeModel:{NOVA}", Error("ValidationException", "Malformed input request: #: bad"))
    policy, _ = _policy()

    with pytest.raises(ModelMisconfigured, match="ValidationException"):
        policy.call(lambda: _invoke(_client()), "invoke nova")


def test_unknown_error_code_is_model_unavailable(aws: AwsEmulator) -> None:
    aws.push(f"InvokeModel:{NOVA}", Error("SomethingNewException", "surprise", status=400))
    policy, _ = _policy()

    with pytest.raises(ModelUnavailable, match="SomethingNewException"):
        policy.call(lambda: _invoke(_client()), "invoke nova")


def test_connection_refused_is_model_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port once the socket is closed.
    client = _client(attempts=1, endpoint_url=f"http://127.0.0.1:{port}")
    policy, delays = _policy()

    with pytest.raises(ModelUnavailable) as caught:
        policy.call(lambda: _invoke(client), "invoke nova")

    assert "EndpointConnectionError" in str(caught.value)
    assert delays == []


@pytest.mark.parametrize(
    ("code", "message", "status", "cause"),
    [
        (
            "AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/bot/i is not authorized to perform: "
            f"bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/{NOVA}",
            403,
            "permission",
        ),
        (
            "ResourceNotFoundException",
            "Access denied. This Model is marked by provider as Legacy and you have not been actively "
            "using the model in the last 30 days. Please upgrade to an active model on Amazon Bedrock",
            404,
            "model_legacy",
        ),
        (
            "ResourceNotFoundException",
            "This model version has reached the end of its life. Please refer to the AWS documentation.",
            404,
            "model_eol",
        ),
        ("ValidationException", "The provided model identifier is invalid.", 400, "model_region"),
        ("ValidationException", "Malformed input request: #/imageGenerationConfig: bad", 400, "request_bug"),
        (
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            403,
            "bad_credentials",
        ),
    ],
)
def test_each_configuration_cause_has_its_own_kind_and_fix(
    aws: AwsEmulator, code: str, message: str, status: int, cause: str
) -> None:
    aws.push(f"InvokeModel:{NOVA}", Error(code, message, status))
    policy, delays = _policy()

    with pytest.raises(ModelMisconfigured) as caught:
        policy.call(lambda: _invoke(_client()), "invoke nova")

    assert caught.value.kind == f"cause.{cause}"
    assert caught.value.diagnosis is not None
    assert caught.value.diagnosis.cause.code == cause
    assert len(aws.requests("InvokeModel")) == 1  # none of these is worth a retry
    assert delays == []


def test_permission_names_the_missing_action_and_resource(aws: AwsEmulator) -> None:
    aws.push(
        f"InvokeModel:{NOVA}",
        Error(
            "AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/bot/i is not authorized to perform: "
            f"bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/{NOVA}",
            403,
        ),
    )
    policy, _ = _policy()

    with pytest.raises(ModelMisconfigured) as caught:
        policy.call(lambda: _invoke(_client()), "invoke nova")

    assert caught.value.diagnosis is not None
    log_line = caught.value.diagnosis.log_text()
    assert f"missing bedrock:InvokeModel on arn:aws:bedrock:us-east-1::foundation-model/{NOVA}" in log_line
    assert "IAM policy" in log_line


def test_no_credentials_is_named_not_busy(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # A new user's machine: no keys, no profile, no instance metadata to ask.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    policy, _ = _policy()

    with pytest.raises(ModelMisconfigured) as caught:
        policy.call(lambda: _invoke(boto3.Session().client("bedrock-runtime", region_name="us-east-1")), "x")

    assert caught.value.kind == "cause.no_credentials"
