"""The preflight at start-up: ``python -m bot`` refuses to start only on a ❌ that would make every
request fail, logs every other finding, and chooses the image model when IMAGE_MODEL_ID is not set."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from tests import slack_requests
from tests.bot.conftest import RunBot, free_port
from tests.bot.test_main import AURORA, Served, assert_no_traceback, json_logs, launched, serving
from tests.conftest import BOT_TOKEN
from tests.servers.aws_emulator import AwsEmulator
from tests.servers.slack_api import SlackApiServer

NOVA = "amazon.nova-canvas-v1:0"
TITAN = "amazon.titan-image-generator-v2:0"


@pytest.fixture
def serve_env(aws_env: dict[str, str], slack_api: SlackApiServer) -> dict[str, str]:
    """HTTP mode against the local Slack API and the AWS emulator."""
    return {
        **aws_env,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": slack_requests.SIGNING_SECRET,
        "SLACK_API_URL": slack_api.base_url,
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
    }


def preflight_lines(stderr: str) -> list[tuple[str, str]]:
    """(level, message) of the preflight's log lines."""
    return [
        (entry["level"], entry["message"])
        for entry in json_logs(stderr)
        if str(entry.get("message", "")).startswith("preflight ")
    ]


def wait_for_log(served: Served, text: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in served.stderr():
        assert time.monotonic() < deadline, f"{text!r} never logged:\n{served.stderr()}"
        time.sleep(0.1)


def test_an_image_model_the_account_may_not_use_stops_the_start_with_exit_2(
    run_bot: RunBot, serve_env: dict[str, str], aws: AwsEmulator
) -> None:
    aws.set_model_state(NOVA, authorized=False)

    result = run_bot(env=serve_env)

    assert result.returncode == 2
    plain = [line for line in result.stderr.splitlines() if not line.startswith("{")]
    assert plain[0] == "Not starting: the preflight found problems that would make every request fail:"
    assert plain[1].startswith(f"  ❌ IMAGE_MODEL_ID {NOVA}: this account is not authorised to use it Fix: ")
    assert plain[-1] == "Run python -m bot check for the full report."
    assert_no_traceback(result.stderr)
    assert BOT_TOKEN not in result.stderr
    assert aws.requests("InvokeModel") == []


def test_without_image_model_id_the_chosen_model_is_logged_and_used(
    serve_env: dict[str, str], slack_api: SlackApiServer, aws: AwsEmulator, workdir: Path, tmp_path: Path
) -> None:
    aws.set_model_state(NOVA, lifecycle="LEGACY", end_of_life_time=datetime.now(UTC) + timedelta(days=60))
    env = {name: value for name, value in serve_env.items() if name != "IMAGE_MODEL_ID"}

    with serving(env, workdir, tmp_path) as served:
        status, _ = served.post_command(AURORA, slack_api.response_url())
        assert status == 200
        served.wait_for(slack_api, "files.completeUploadExternal")
        wait_for_log(served, "preflight ✅ Slack scopes")
        assert served.stop() == 0
        stderr = served.stderr()

    assert {call.model_id for call in aws.requests("InvokeModel")} == {TITAN}
    logged = preflight_lines(stderr)
    chosen = [message for _, message in logged if "IMAGE_MODEL_ID (not set)" in message]
    assert chosen == [
        f"preflight ✅ IMAGE_MODEL_ID (not set): chose {TITAN}, the first ACTIVE model of the preference "
        f"list that this account may use in us-east-1 (skipped {NOVA}: Legacy, end of life "
        f"{(datetime.now(UTC) + timedelta(days=60)).date().isoformat()})"
    ]
    assert ("INFO", f"preflight ✅ IMAGE_MODEL_ID {TITAN}: ACTIVE and usable in us-east-1") in logged
    assert ("INFO", "preflight ✅ Slack scopes: all 7 scopes of manifest.yml granted") in logged
    assert_no_traceback(stderr)
    assert BOT_TOKEN not in stderr


def test_a_missing_scope_is_logged_as_an_error_and_the_bot_serves(
    serve_env: dict[str, str], slack_api: SlackApiServer, workdir: Path, tmp_path: Path
) -> None:
    slack_api.set_scopes(
        ["commands", "app_mentions:read", "chat:write", "files:write", "reactions:read", "reactions:write"]
    )

    with serving(serve_env, workdir, tmp_path) as served:
        wait_for_log(served, "preflight ❌ Slack scopes")
        assert served.stop() == 0
        stderr = served.stderr()

    assert (
        "ERROR",
        "preflight ❌ Slack scopes: the token lacks files:read Fix: at api.slack.com/apps → the app → "
        "OAuth & Permissions → Bot Token Scopes, add them (or paste manifest.yml again), reinstall the app "
        "to the workspace, and update SLACK_BOT_TOKEN if it changed.",
    ) in preflight_lines(stderr)
    # Everything before serving was logged as passing.
    assert (
        "INFO",
        "preflight ✅ Rekognition (us-east-1): DetectModerationLabels answered (moderation model 7.0)",
    ) in (preflight_lines(stderr))


def test_a_worker_whose_token_slack_rejects_does_not_start(
    run_bot: RunBot, serve_env: dict[str, str], _moto: str, tmp_path: Path, workdir: Path
) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=_moto)
    queue = sqs.create_queue(QueueName=f"jobs-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    env = {
        **serve_env,
        "AWS_ENDPOINT_URL_SQS": _moto,
        "JOB_QUEUE_URL": queue,
        "SLACK_BOT_TOKEN": "xoxb-not-this-one",
    }

    result = run_bot("worker", env=env)

    assert result.returncode == 2
    assert "  ❌ SLACK_BOT_TOKEN: Slack rejected the token (invalid_auth) Fix: " in result.stderr
    assert "xoxb-not-this-one" not in result.stderr
    assert_no_traceback(result.stderr)


def test_a_healthy_worker_starts_and_logs_its_checks(
    serve_env: dict[str, str], _moto: str, workdir: Path, tmp_path: Path
) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=_moto)
    queue = sqs.create_queue(QueueName=f"jobs-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    env = {**serve_env, "AWS_ENDPOINT_URL_SQS": _moto, "JOB_QUEUE_URL": queue, "QUEUE_WAIT_SECONDS": "1"}

    with launched(env, workdir, tmp_path, "worker") as worker:
        wait_for_log(worker, "worker consuming")
        assert worker.stop() == 0
        stderr = worker.stderr()

    logged = preflight_lines(stderr)
    assert (
        "INFO",
        "preflight ✅ SLACK_BOT_TOKEN: accepted by Slack (workspace Test Team, bot user imagebot)",
    ) in logged
    assert any(level == "WARNING" and "has no dead-letter queue" in message for level, message in logged)
