"""Shared fixtures: the local Slack API server, the AWS emulator, moto's S3, and the bot."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.dynamodb.models import DynamoDBBackend
from moto.server import ThreadedMotoServer

from bot.app import build_app
from bot.clients import slack_client
from bot.http import HttpFrontend, ServerRunner, make_server
from bot.settings import Settings
from bot.wiring import Role, build_services
from services.container import Services
from services.storage.job_store import OPEN_BY_USER
from tests import slack_requests
from tests.servers.aws_emulator import AwsEmulator
from tests.servers.slack_api import SlackApiServer

BUCKET = "image-archive-test"
BOT_TOKEN = "xoxb-test-token"


def create_dynamo_table(
    client: Any,
    name: str,
    keys: list[str],
    *,
    indexes: dict[str, str] | None = None,
    included: list[str] | None = None,
) -> None:
    """An on-demand table with string ``keys`` (hash, then range), TTL on ``expires_at``, and a
    string-keyed global index per ``indexes`` entry (name -> hash key) projecting ``included``."""
    attributes = [*keys, *(indexes or {}).values()]
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in attributes],
        "KeySchema": [
            {"AttributeName": key, "KeyType": kind}
            for key, kind in zip(keys, ("HASH", "RANGE"), strict=False)
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index,
                "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": included or []},
            }
            for index, key in indexes.items()
        ]
    client.create_table(**request)
    client.get_waiter("table_exists").wait(TableName=name)
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's Slack or AWS settings."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "AWS_", "ARCHIVE_", "IMAGE_", "TEXT_", "VERIFY_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def _emulator() -> Iterator[AwsEmulator]:
    with AwsEmulator() as emulator:
        yield emulator


@pytest.fixture
def aws(_emulator: AwsEmulator, monkeypatch: pytest.MonkeyPatch) -> AwsEmulator:
    """The AWS emulator, reset, reached through AWS_ENDPOINT_URL_<SERVICE>."""
    _emulator.reset()
    for name, value in _emulator.env().items():
        monkeypatch.setenv(name, value)
    return _emulator


def _atomic_dynamodb_writes() -> None:
    """Apply moto's DynamoDB writes one at a time, as DynamoDB applies each conditional write.

    moto's server handles requests on many threads without a lock, so two racing conditional
    writes could both pass their condition there, and tests of "exactly one claims" would be
    testing moto's luck. The server runs in this process, so its backend can be wrapped.
    """
    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)
        if getattr(original, "_serialised", False):
            continue

        def serialised(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(self, *args, **kwargs)

        serialised._serialised = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, serialised)


@pytest.fixture(scope="session")
def _moto() -> Iterator[str]:
    _atomic_dynamodb_writes()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


# A table made by the ``dynamo_table`` fixture: (client, table name).
DynamoTable = tuple[Any, str]


@pytest.fixture
def dynamo_table(_moto: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., DynamoTable]]:
    """Makes fresh tables (``create_dynamo_table``'s arguments after a name prefix) on moto's
    DynamoDB over real HTTP, and drops them after the test. The code under test reaches the same
    server through AWS_ENDPOINT_URL_DYNAMODB."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", _moto)
    # More pooled connections than racing threads, so urllib3 never discards one mid-test.
    client = boto3.client("dynamodb", region_name="us-east-1", config=Config(max_pool_connections=32))
    made: list[str] = []

    def make(prefix: str, keys: list[str], **options: Any) -> DynamoTable:
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        create_dynamo_table(client, name, keys, **options)
        made.append(name)
        return client, name

    yield make
    for name in made:
        client.delete_table(TableName=name)


@pytest.fixture
def job_table(dynamo_table: Callable[..., DynamoTable]) -> DynamoTable:
    """A fresh JOB_TABLE, created as the docstring of services/storage/job_store/dynamodb.py says."""
    return dynamo_table("jobs", ["job_id"], indexes={OPEN_BY_USER: "open_user"}, included=["updated_at"])


@pytest.fixture
def s3(_moto: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """moto's S3 over real HTTP with an empty archive bucket."""
    urllib.request.urlopen(urllib.request.Request(f"{_moto}/moto-api/reset", method="POST"), timeout=10)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", _moto)
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture(scope="session")
def _slack_server() -> Iterator[SlackApiServer]:
    with SlackApiServer(bot_token=BOT_TOKEN) as server:
        yield server


@pytest.fixture
def slack_api(_slack_server: SlackApiServer) -> SlackApiServer:
    """The local Slack Web API server, reset."""
    _slack_server.reset()
    return _slack_server


@pytest.fixture
def settings(slack_api: SlackApiServer, aws: AwsEmulator, s3: Any, tmp_path: Path) -> Settings:
    """Settings for a bot wired to the local servers and the S3 archive."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=slack_requests.SIGNING_SECRET,
        slack_api_url=slack_api.base_url,
        # Explicit, so that building the bot asks the Bedrock control plane nothing (unset, it would
        # choose from the preference list); tests of that choice unset it.
        image_model_id="amazon.nova-canvas-v1:0",
        archive_bucket=BUCKET,
        archive_dir=tmp_path / "archive",
        data_dir=tmp_path / "data",
        # Status edits are paced per message; a short pause keeps the tests quick.
        status_min_interval=0.05,
        worker_threads=4,
        max_attempts=3,
        max_rewrites=1,
        # Most flow tests script the seed-003 sequential loop call by call; the parallel
        # rounds have their own tests (test_parallel_candidates.py), and so does choosing the
        # number of candidates from recent passes (tests/services/generation/test_odds.py).
        candidates=1,
        candidates_adaptive=False,
    )


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]


class BotHarness:
    """The real app behind the real HTTP server, and helpers to act as Slack."""

    def __init__(
        self, settings: Settings, slack: SlackApiServer, aws: AwsEmulator, s3: Any, role: Role = "embedded"
    ) -> None:
        self.settings = settings
        self.slack = slack
        self.aws = aws
        self.s3 = s3
        client = slack_client(settings)
        self.services: Services = build_services(settings, client, role=role)
        self.app = build_app(settings, self.services, client)
        self.frontend = HttpFrontend(self.app, self.services.priority)
        self.server = ServerRunner(make_server(self.frontend, "127.0.0.1", 0, 8)).start()
        self.frontend.ready.set()
        self.base = f"http://127.0.0.1:{self.server.port}"

    def close(self) -> None:
        self.services.runner.wait_idle(30)
        self.server.stop()
        self.services.close()

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> Response:
        """POST to /slack/events with the given (normally signed) headers."""
        request = urllib.request.Request(
            f"{self.base}/slack/events",
            data=body.encode(),
            headers=headers if headers is not None else slack_requests.signed_headers(body, content_type),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Response(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read().decode(), dict(exc.headers))

    def command(self, text: str, **kwargs: Any) -> Response:
        kwargs.setdefault("response_url", self.slack.response_url())
        return self.post(slack_requests.command_body(text, **kwargs), slack_requests.FORM)

    def mention(self, text: str, **kwargs: Any) -> Response:
        return self.post(slack_requests.mention_body(text, **kwargs), slack_requests.JSON)

    def click(self, action_id: str, value: str, **kwargs: Any) -> Response:
        kwargs.setdefault("response_url", self.slack.response_url())
        return self.post(slack_requests.action_body(action_id, value, **kwargs), slack_requests.FORM)

    def react(self, reaction: str, *, ts: str, channel: str = "C0CHAN", user: str = "U0USER") -> Response:
        return self.post(
            slack_requests.reaction_body(reaction, channel=channel, ts=ts, user=user), slack_requests.JSON
        )

    def open_home(self, user: str = "U0USER") -> Response:
        return self.post(slack_requests.home_opened_body(user=user), slack_requests.JSON)

    def home_click(self, action_id: str, value: str = "", **kwargs: Any) -> Response:
        return self.post(slack_requests.home_action_body(action_id, value, **kwargs), slack_requests.FORM)

    def submit_form(
        self, values: dict[str, dict[str, Any]], private_metadata: str, **kwargs: Any
    ) -> Response:
        body = slack_requests.view_submission_body(values, private_metadata=private_metadata, **kwargs)
        return self.post(body, slack_requests.FORM)

    def shortcut(self, text: str, **kwargs: Any) -> Response:
        kwargs.setdefault("response_url", self.slack.response_url())
        return self.post(slack_requests.message_shortcut_body(text, **kwargs), slack_requests.FORM)

    def wait_idle(self, timeout: float = 30) -> None:
        """Wait for queued jobs, straggling candidates, background tasks and status edits."""
        assert self.services.wait_idle(timeout), "jobs did not finish in time"

    def result_messages(self) -> list[Any]:
        """chat.postMessage calls that carry the result buttons."""
        return [call for call in self.slack.calls("chat.postMessage") if call.params.get("blocks")]

    def button_value(self, action_id: str, message: Any | None = None) -> str:
        message = message or self.result_messages()[-1]
        for block in message.params["blocks"]:
            for element in block.get("elements", []):
                if element.get("action_id") == action_id:
                    return str(element["value"])
        raise AssertionError(f"no {action_id} button in {json.dumps(message.params['blocks'])[:300]}")

    def archived_keys(self) -> list[str]:
        listing = self.s3.list_objects_v2(Bucket=BUCKET)
        return sorted(obj["Key"] for obj in listing.get("Contents", []))

    def records(self) -> list[dict[str, Any]]:
        """Every archived job record, oldest job first."""
        keys = [k for k in self.archived_keys() if k.endswith("record.json")]
        return [json.loads(self.s3.get_object(Bucket=BUCKET, Key=k)["Body"].read()) for k in keys]

    def wait_for_record(self, ready: Any, timeout: float = 15) -> dict[str, Any]:
        """Poll the latest record until ``ready(record)`` holds (records are re-saved by stragglers)."""
        deadline = time.monotonic() + timeout
        while True:
            record = self.record()
            if ready(record) or time.monotonic() > deadline:
                return record
            time.sleep(0.05)

    def record(self) -> dict[str, Any]:
        """The only (or latest) archived job record."""
        records = self.records()
        assert records, f"no record archived: {self.archived_keys()}"
        return records[-1]


@pytest.fixture
def bot(settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any) -> Iterator[BotHarness]:
    harness = BotHarness(settings, slack_api, aws, s3)
    yield harness
    harness.close()
