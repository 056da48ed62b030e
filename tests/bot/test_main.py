"""``python -m bot`` as a real process: configuration errors, HTTP mode end to end, clean shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from services.storage.state import SqliteState
from tests import slack_requests
from tests.bot.conftest import RunBot, base_env, bot_command, free_port
from tests.conftest import DynamoTable
from tests.servers.aws_emulator import AwsEmulator
from tests.servers.slack_api import SlackApiServer

BOT_TOKEN = "xoxb-test-token"
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0
AURORA = "夜の海にオーロラ"


def problem_lines(stderr: str) -> list[str]:
    """The indented lines under "Configuration problems:"."""
    lines = stderr.splitlines()
    assert "Configuration problems:" in lines, stderr
    start = lines.index("Configuration problems:") + 1
    return [line.strip() for line in lines[start:] if line.startswith("  ")]


def json_logs(stderr: str) -> list[dict[str, Any]]:
    """Every stderr line that is a JSON log object."""
    entries = []
    for line in stderr.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def assert_no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr


# --- configuration problems ------------------------------------------------------------------------


def test_without_any_settings_exits_2_and_names_aws_region(run_bot: RunBot) -> None:
    result = run_bot(env=base_env())

    assert result.returncode == 2
    problems = problem_lines(result.stderr)
    assert any(line.startswith("AWS_REGION") and "missing" in line for line in problems), problems
    assert_no_traceback(result.stderr)
    assert result.stdout == ""


def test_with_only_a_region_exits_2_naming_each_missing_slack_setting(run_bot: RunBot) -> None:
    result = run_bot(env={**base_env(), "AWS_REGION": "us-east-1"})

    assert result.returncode == 2
    problems = problem_lines(result.stderr)
    assert len(problems) == 2, problems
    assert problems[0].startswith("SLACK_BOT_TOKEN: missing")
    assert problems[1].startswith("SLACK_SIGNING_SECRET: missing")
    assert "SLACK_APP_TOKEN" in problems[1]  # tells the operator about Socket Mode too
    assert_no_traceback(result.stderr)


def test_invalid_values_exit_2_with_one_line_each(run_bot: RunBot) -> None:
    env = {**base_env(), "AWS_REGION": "us-east-1", "MAX_ATTEMPTS": "0", "PORT": "70000"}

    result = run_bot(env=env)

    assert result.returncode == 2
    problems = problem_lines(result.stderr)
    assert len(problems) == 2, problems
    assert [line.split(":")[0] for line in problems] == ["PORT", "MAX_ATTEMPTS"]
    assert_no_traceback(result.stderr)


# --- HTTP mode as a process ------------------------------------------------------------------------


@pytest.fixture
def http_env(aws_env: dict[str, str], slack_api: SlackApiServer) -> dict[str, str]:
    """Everything HTTP mode needs, pointed at the local Slack API and the AWS emulator."""
    return {
        **aws_env,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": slack_requests.SIGNING_SECRET,
        "SLACK_API_URL": slack_api.base_url,
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
    }


@dataclass
class Served:
    """A running ``python -m bot`` in HTTP mode."""

    process: subprocess.Popen[bytes]
    base_url: str
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def post_command(self, text: str, response_url: str) -> tuple[int, float]:
        """POST a signed /imagine; (HTTP status, seconds until the answer)."""
        body = slack_requests.command_body(text, response_url=response_url)
        request = urllib.request.Request(
            f"{self.base_url}/slack/events",
            data=body.encode(),
            headers=slack_requests.signed_headers(body, slack_requests.FORM),
            method="POST",
        )
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return response.status, time.monotonic() - started

    def wait_for(self, slack_api: SlackApiServer, method: str) -> list[Any]:
        """slack_api.wait_for, failing with what the bot logged and posted."""
        try:
            return slack_api.wait_for(method, timeout=30)
        except AssertionError as exc:
            posted = [call.params.get("text") for call in slack_api.calls() if "text" in call.params]
            raise AssertionError(f"{exc}\nposted: {posted}\nstderr:\n{self.stderr()}") from None

    def stop(self) -> int:
        """SIGTERM, then the exit code; fails if the process does not exit in time."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"no exit within {STOP_TIMEOUT}s of SIGTERM; stderr:\n{self.stderr()}"
            ) from None


def wait_healthy(served: Served) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise AssertionError(f"exited with {served.process.returncode} at start-up:\n{served.stderr()}")
        try:
            with urllib.request.urlopen(f"{served.base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"/healthz not 200 within {STARTUP_TIMEOUT}s:\n{served.stderr()}")


@contextmanager
def launched(env: dict[str, str], workdir: Path, tmp_path: Path, *args: str) -> Iterator[Served]:
    """Start ``python -m bot ARGS``; the process never outlives the test."""
    stderr_path = tmp_path / f"{args[0] if args else 'serve'}-stderr.txt"
    with stderr_path.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            bot_command(*args), cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=err
        )
    try:
        yield Served(process, f"http://127.0.0.1:{env['PORT']}", stderr_path)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def serving(env: dict[str, str], workdir: Path, tmp_path: Path) -> Iterator[Served]:
    """Start HTTP mode and wait until it is healthy."""
    with launched(env, workdir, tmp_path) as served:
        wait_healthy(served)
        yield served


def status_message_ts(slack_api: SlackApiServer) -> str:
    return str(slack_api.calls("chat.update")[0].params["ts"])


@pytest.mark.parametrize("log_level", ["INFO", "DEBUG"])
def test_http_mode_serves_a_slash_command_end_to_end_and_stops_cleanly_on_sigterm(
    http_env: dict[str, str], slack_api: SlackApiServer, workdir: Path, tmp_path: Path, log_level: str
) -> None:
    env = {**http_env, "LOG_LEVEL": log_level}

    with serving(env, workdir, tmp_path) as served:
        status, seconds = served.post_command(AURORA, slack_api.response_url())
        assert status == 200
        assert seconds < 3.0  # Slack's hard limit for the ack

        [status_message, *_] = served.wait_for(slack_api, "chat.postMessage")
        served.wait_for(slack_api, "files.completeUploadExternal")
        returncode = served.stop()
        stderr = served.stderr()

    assert returncode == 0, stderr
    assert AURORA in status_message.params["text"]
    [upload] = slack_api.uploaded_files()
    assert upload.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert upload.thread_ts == status_message_ts(slack_api)
    messages = [entry["message"] for entry in json_logs(stderr)]
    assert any("queued (command)" in message for message in messages), stderr
    assert any("stopping" in message for message in messages), stderr
    # Product requirement: secrets never reach the logs.
    assert BOT_TOKEN not in stderr
    assert slack_requests.SIGNING_SECRET not in stderr


def test_sigterm_lets_a_running_job_finish_before_exiting(
    http_env: dict[str, str],
    slack_api: SlackApiServer,
    aws: AwsEmulator,
    workdir: Path,
    tmp_path: Path,
) -> None:
    aws.set_latency("InvokeModel", 1.5)

    with serving(http_env, workdir, tmp_path) as served:
        served.post_command(AURORA, slack_api.response_url())
        served.wait_for(slack_api, "chat.postMessage")  # the job has started
        returncode = served.stop()
        stderr = served.stderr()

    assert returncode == 0, stderr
    assert len(slack_api.uploaded_files()) == 1  # delivered before the process exited
    assert "finishing queued jobs" in stderr


def test_a_front_and_a_worker_process_deliver_a_job_over_sqs_and_both_stop_on_sigterm(
    http_env: dict[str, str],
    slack_api: SlackApiServer,
    _moto: str,
    job_table: DynamoTable,
    workdir: Path,
    tmp_path: Path,
) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=_moto)
    queue_url = sqs.create_queue(QueueName=f"jobs-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    env = {
        **http_env,
        "AWS_ENDPOINT_URL_SQS": _moto,
        "AWS_ENDPOINT_URL_DYNAMODB": _moto,
        "JOB_QUEUE_URL": queue_url,
        "JOB_TABLE": job_table[1],
        "QUEUE_WAIT_SECONDS": "1",
    }

    with serving(env, workdir, tmp_path) as front, launched(env, workdir, tmp_path, "worker") as worker:
        status, _seconds = front.post_command(AURORA, slack_api.response_url())
        assert status == 200
        worker.wait_for(slack_api, "files.completeUploadExternal")
        front_code, worker_code = front.stop(), worker.stop()
        front_log, worker_log = front.stderr(), worker.stderr()

    assert (front_code, worker_code) == (0, 0), front_log + worker_log
    [upload] = slack_api.uploaded_files()
    assert upload.data.startswith(b"\x89PNG\r\n\x1a\n")
    # The front only queued the job; the worker ran it and said so, and nothing was left behind.
    assert "queued in SQS" in front_log
    assert "accepted in" not in front_log
    assert "accepted in" in worker_log
    assert "SQS worker stopped" in worker_log
    left = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert (left["ApproximateNumberOfMessages"], left["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")
    assert BOT_TOKEN not in worker_log


def test_a_request_accepted_before_a_crash_is_resumed_after_the_restart(
    http_env: dict[str, str], slack_api: SlackApiServer, aws: AwsEmulator, workdir: Path, tmp_path: Path
) -> None:
    aws.set_latency("InvokeModel", 20)  # the first process dies while the image is being made

    first = tmp_path / "first"
    first.mkdir()
    with serving(http_env, workdir, first) as served:
        status, _ = served.post_command(AURORA, slack_api.response_url())
        assert status == 200
        served.wait_for(slack_api, "chat.postMessage")
        deadline = time.monotonic() + 10
        while not aws.requests("InvokeModel") and time.monotonic() < deadline:
            time.sleep(0.02)  # translated (and checkpointed); the image is being made
        assert aws.requests("InvokeModel"), "the job never reached image generation"
        served.process.kill()  # SIGKILL: no shutdown code runs
        served.process.wait(timeout=10)
    assert slack_api.uploaded_files() == []

    aws.set_latency("InvokeModel", 0)
    second = tmp_path / "second"
    second.mkdir()
    with serving(http_env, workdir, second) as served:
        served.wait_for(slack_api, "files.completeUploadExternal")
        returncode = served.stop()
        stderr = served.stderr()

    assert returncode == 0, stderr
    [upload] = slack_api.uploaded_files()
    messages = [entry["message"] for entry in json_logs(stderr)]
    assert "resumed 1 unfinished job(s)" in messages
    # It went on after its last finished stage: the request was translated (and paid for) once,
    # and the second process edited the first one's status message instead of posting another.
    assert len(aws.requests("Converse", tool="submit_image_prompt")) == 1
    statuses = [
        c for c in slack_api.calls("chat.postMessage") if "受け付けました" in str(c.params.get("text"))
    ]
    assert len(statuses) == 1, [c.params.get("text") for c in statuses]
    assert {c.params["ts"] for c in slack_api.calls("chat.update")} == {status_message_ts(slack_api)}
    assert upload.thread_ts == status_message_ts(slack_api)


def test_http_mode_logs_where_it_listens_as_json_lines_only(
    http_env: dict[str, str], workdir: Path, tmp_path: Path
) -> None:
    with serving(http_env, workdir, tmp_path) as served:
        returncode = served.stop()
        stderr = served.stderr()

    assert returncode == 0
    assert_no_traceback(stderr)
    non_json = [line for line in stderr.splitlines() if line.strip() and not line.startswith("{")]
    assert non_json == []
    messages = [entry["message"] for entry in json_logs(stderr)]
    assert f"listening on 127.0.0.1:{http_env['PORT']}" in messages


# --- start-up failures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [pytest.param((), id="serve"), pytest.param(("imagine", AURORA), id="imagine")]
)
def test_unknown_image_model_exits_2_with_a_clear_line(
    run_bot: RunBot, http_env: dict[str, str], args: tuple[str, ...]
) -> None:
    env = {**http_env, "IMAGE_MODEL_ID": "stability.unknown-model"}

    result = run_bot(*args, env=env)

    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if "IMAGE_MODEL_ID" in line]
    assert len(lines) == 1, result.stderr
    assert "'stability.unknown-model' is not supported" in lines[0]
    assert "amazon.nova-canvas-v1:0" in lines[0]  # says what to use instead
    assert_no_traceback(result.stderr)


def test_token_slack_rejects_exits_2_naming_slack_bot_token(
    run_bot: RunBot, http_env: dict[str, str], slack_api: SlackApiServer
) -> None:
    env = {**http_env, "SLACK_BOT_TOKEN": "xoxb-wrong"}

    result = run_bot(env=env, timeout=30)

    assert result.returncode == 2
    plain = [line for line in result.stderr.splitlines() if line.startswith("SLACK_BOT_TOKEN")]
    assert len(plain) == 1, result.stderr
    assert "did not accept the token" in plain[0]
    [auth] = slack_api.calls("auth.test")
    assert auth.headers["authorization"] == "Bearer xoxb-wrong"
    assert "xoxb-wrong" not in result.stderr
    assert slack_requests.SIGNING_SECRET not in result.stderr


def test_token_slack_rejects_is_reported_without_a_traceback(
    run_bot: RunBot, http_env: dict[str, str]
) -> None:
    result = run_bot(env={**http_env, "SLACK_BOT_TOKEN": "xoxb-wrong"}, timeout=30)

    assert result.returncode == 2
    assert_no_traceback(result.stderr)


def test_unreachable_slack_api_at_start_up_is_reported_without_a_traceback(
    run_bot: RunBot, http_env: dict[str, str]
) -> None:
    env = {**http_env, "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/"}

    result = run_bot(env=env, timeout=60)

    assert result.returncode != 0
    assert_no_traceback(result.stderr)
    plain = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("{")]
    assert any("Slack" in line for line in plain), result.stderr


def test_serve_prunes_state_older_than_the_retention_at_start(
    http_env: dict[str, str], workdir: Path, tmp_path: Path
) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=120)
    old = SqliteState(Path(http_env["DATA_DIR"]) / "state.sqlite3", clock=lambda: long_ago)
    old.remember_post("C0CHAN", "1.0", "20260701T000000-0000000a", 1)
    old.remember_post("C0CHAN", "2.0", "20260701T000000-0000000b", 1)
    old.close()
    env = {**http_env, "STATE_RETENTION_DAYS": "100"}

    with serving(env, workdir, tmp_path) as served:
        deadline = time.monotonic() + 10
        while "pruned" not in served.stderr() and time.monotonic() < deadline:
            time.sleep(0.05)
        returncode = served.stop()
        stderr = served.stderr()

    assert returncode == 0, stderr
    assert "pruned 2 old row(s) from the state" in [entry["message"] for entry in json_logs(stderr)]
    state = SqliteState(Path(http_env["DATA_DIR"]) / "state.sqlite3")
    try:
        assert state.post_for_message("C0CHAN", "1.0") is None
    finally:
        state.close()
