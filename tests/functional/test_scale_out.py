"""Scale-out mode: the front acknowledges and enqueues to SQS; a worker runs the job (moto SQS)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from bot.clients import slack_client
from bot.settings import Settings
from bot.wiring import build_services
from services.slack import ids
from services.slack.messages import t
from tests.conftest import BotHarness, DynamoTable
from tests.functional.holding import TranslationGate, wait_until
from tests.servers.aws_emulator import AwsEmulator
from tests.servers.slack_api import SlackApiServer

AURORA = "夜の海にオーロラと流氷"
TRANSLATE = "submit_image_prompt"


@pytest.fixture
def queue_url(_moto: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", _moto)
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = str(sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "30"})["QueueUrl"])
    yield url
    sqs.delete_queue(QueueUrl=url)


def _run_worker(settings: Settings, until: Any) -> None:
    """A worker process's services, consuming until ``until()`` holds."""
    services = build_services(settings, slack_client(settings), role="worker")
    assert services.worker is not None
    stop = threading.Event()
    thread = threading.Thread(target=services.worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        until()
    finally:
        stop.set()
        thread.join(40)
        services.close()


def test_front_only_acks_and_enqueues_then_a_worker_posts_exactly_once(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any, queue_url: str
) -> None:
    front_settings = settings.model_copy(update={"job_queue_url": queue_url, "queue_wait_seconds": 1})
    front = BotHarness(front_settings, slack_api, aws, s3, role="front")
    try:
        aws.push_tool_input(TRANSLATE, {"english_prompt": "aurora over a night sea with drift ice"})
        assert front.command(AURORA).status == 200
        front.wait_idle()
        # The front posted the status message and ran no model.
        [status] = slack_api.calls("chat.postMessage")
        assert AURORA in status.params["text"]
        assert aws.requests("InvokeModel") == []
        sqs = boto3.client("sqs", region_name="us-east-1")
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "1"
    finally:
        front.close()

    # The worker shares the job store only through DynamoDB in production; here both processes
    # use the same data folder, which is what a single-host deployment with a worker does.
    worker_settings = front_settings.model_copy(update={"slack_app_token": None})
    _run_worker(worker_settings, lambda: slack_api.wait_for("files.completeUploadExternal", timeout=30))

    assert len(slack_api.uploaded_files()) == 1
    # The worker reused the front's status message instead of posting a second one.
    statuses = [
        c for c in slack_api.calls("chat.postMessage") if "受け付けました" in str(c.params.get("text", ""))
    ]
    assert len(statuses) == 1, [(c.params.get("text"), c.params.get("thread_ts")) for c in statuses]
    assert len(aws.requests("InvokeModel")) == 1


def test_a_redelivered_job_posts_only_once(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any, queue_url: str
) -> None:
    front_settings = settings.model_copy(update={"job_queue_url": queue_url, "queue_wait_seconds": 1})
    front = BotHarness(front_settings, slack_api, aws, s3, role="front")
    try:
        front.command(AURORA)
        front.wait_idle()
    finally:
        front.close()
    sqs = boto3.client("sqs", region_name="us-east-1")
    # Capture the message as SQS would deliver it again after a worker crashed before deleting it.
    [message] = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=5)["Messages"]
    body = message["Body"]
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    sqs.send_message(QueueUrl=queue_url, MessageBody=body)
    sqs.send_message(QueueUrl=queue_url, MessageBody=body)  # the redelivery

    def both_processed() -> None:
        slack_api.wait_for("files.completeUploadExternal", timeout=30)
        for _ in range(300):  # until both deliveries are deleted from the queue
            counts = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
            waiting = counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]
            if waiting == ("0", "0"):
                return
            threading.Event().wait(0.1)

    _run_worker(front_settings, both_processed)

    # At-least-once: the second delivery ran too. Whether it made an image depends on how far the
    # first had got (it goes on from the job's checkpoint), but it never posts a second time.
    assert 1 <= len(aws.requests("InvokeModel")) <= 2
    assert len(slack_api.uploaded_files()) == 1


def test_the_queue_limit_holds_when_the_jobs_run_on_workers(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any, queue_url: str
) -> None:
    front_settings = settings.model_copy(
        update={"job_queue_url": queue_url, "max_jobs_per_user": 1, "max_queued_per_user": 1}
    )
    front = BotHarness(front_settings, slack_api, aws, s3, role="front")
    try:
        first = front.command(AURORA)
        second = front.command("桜と富士山")
        third = front.command("港の夜景")
        other_user = front.command("桜と富士山", user_id="U0OTHER")
        front.wait_idle()
    finally:
        front.close()

    assert first.body == second.body == other_user.body == ""
    # Nothing runs in the front: the first two jobs wait on the queue, and both count.
    assert json.loads(third.body) == {"text": t("quota.queue_full", limit=1), "response_type": "ephemeral"}
    # The second waits behind the user's first, and its status message says so.
    received = t("status.received", user="U0USER", text="桜と富士山")
    [status] = [c for c in slack_api.calls("chat.postMessage") if c.params["text"].startswith(received)]
    assert status.params["text"] == received + "\n" + t("status.queued", position=1)


def test_a_worker_defers_a_job_beyond_the_users_cap_and_runs_it_once_a_turn_frees(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any, queue_url: str
) -> None:
    shared = settings.model_copy(
        update={"job_queue_url": queue_url, "queue_wait_seconds": 1, "max_jobs_per_user": 1}
    )
    front = BotHarness(shared, slack_api, aws, s3, role="front")
    try:
        assert front.command(AURORA).body == front.command("桜と富士山").body == ""
        front.wait_idle()
    finally:
        front.close()
    gate = TranslationGate()
    aws.set_responder(f"Converse:{TRANSLATE}", gate)
    sqs = boto3.client("sqs", region_name="us-east-1")

    def delayed() -> int:
        name = "ApproximateNumberOfMessagesDelayed"
        return int(sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[name])["Attributes"][name])

    def deferred_then_both_posted() -> None:
        gate.wait_arrived(1)
        # Four worker threads, two messages: the second is sent back with a delay, not run.
        wait_until(lambda: delayed() == 1)
        assert len(gate.arrived) == 1
        gate.opened.set()
        slack_api.wait_for("files.completeUploadExternal", count=2, timeout=60)

    try:
        _run_worker(shared.model_copy(update={"slack_app_token": None}), deferred_then_both_posted)
    finally:
        gate.opened.set()

    assert len(slack_api.uploaded_files()) == 2
    assert len(aws.requests("Converse", tool=TRANSLATE)) == 2  # each job translated once


@pytest.fixture
def state_table(dynamo_table: Callable[..., DynamoTable]) -> str:
    """The STATE_TABLE of services/storage/state/dynamodb.py, on moto over HTTP."""
    _client, name = dynamo_table("bot-state", ["pk", "sk"])
    return name


def test_with_state_table_two_hosts_share_prefs_results_and_usage(
    settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any, state_table: str
) -> None:
    # STATE_TABLE alone (no JOB_TABLE): the DynamoDB client must still be made for it.
    shared = settings.model_copy(update={"state_table": state_table, "admin_users": ["U0ADMIN"]})
    first = BotHarness(shared, slack_api, aws, s3)
    try:
        first.home_click(ids.ACTION_PREF_STYLE, selected="watercolor")
        first.command(AURORA)
        first.wait_idle()
    finally:
        first.close()
    slack_api.reset()

    second = BotHarness(
        shared.model_copy(update={"data_dir": shared.data_dir.parent / "other-host"}), slack_api, aws, s3
    )
    try:
        second.open_home()
        second.open_home(user="U0ADMIN")
    finally:
        second.close()

    views = {c.params["user_id"]: c.params["view"] for c in slack_api.calls("views.publish")}
    home = json.dumps(views["U0USER"], ensure_ascii=False)
    assert '"value": "watercolor"' in home  # the default chosen on the other host
    assert AURORA in home  # and the result it made there
    assert t("home.usage.title") in json.dumps(views["U0ADMIN"], ensure_ascii=False)
    assert t("home.usage.none") not in json.dumps(views["U0ADMIN"], ensure_ascii=False)
