"""Lambda entry points (bot/aws_lambda.py): API Gateway events in, SQS messages and posts out."""

from __future__ import annotations

import base64
import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from bot import aws_lambda
from tests import slack_requests
from tests.conftest import BOT_TOKEN, BUCKET
from tests.servers.aws_emulator import AwsEmulator
from tests.servers.slack_api import SlackApiServer

AURORA = "夜の海にオーロラと流氷"


class LambdaContext:
    """The attributes of Lambda's context object that Bolt's adapter reads."""

    function_name = "imagine-front"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:imagine-front"
    aws_request_id = "c0ffee00-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/imagine-front"


@pytest.fixture
def lambda_env(
    slack_api: SlackApiServer,
    aws: AwsEmulator,
    s3: Any,
    _moto: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """The environment the SAM template gives both functions, against the local servers."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", _moto)
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = str(sqs.create_queue(QueueName="lambda-jobs")["QueueUrl"])
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": slack_requests.SIGNING_SECRET,
        "SLACK_API_URL": slack_api.base_url,
        "JOB_QUEUE_URL": url,
        "ARCHIVE_BUCKET": BUCKET,
        "DATA_DIR": str(tmp_path / "data"),
        "CANDIDATES": "1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(aws_lambda, "_front", None)
    monkeypatch.setattr(aws_lambda, "_worker", None)
    yield url
    for built in (aws_lambda._front[1] if aws_lambda._front else None, aws_lambda._worker):
        if built is not None:
            built.close()
    gc.unfreeze()  # a cold start set this process's heap aside (bot/heap.py)
    sqs.delete_queue(QueueUrl=url)


def _api_gateway_event(body: str, content_type: str) -> dict[str, Any]:
    """An HTTP API (payload format 2.0) event, as API Gateway hands Slack's POST to Lambda."""
    headers = slack_requests.signed_headers(body, content_type)
    return {
        "version": "2.0",
        "routeKey": "POST /slack/events",
        "rawPath": "/slack/events",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {"http": {"method": "POST", "path": "/slack/events"}},
        "body": base64.b64encode(body.encode()).decode(),
        "isBase64Encoded": True,
    }


def test_front_acknowledges_posts_status_and_enqueues_without_running_a_model(
    lambda_env: str, slack_api: SlackApiServer, aws: AwsEmulator
) -> None:
    body = slack_requests.command_body(AURORA, response_url=slack_api.response_url())

    response = aws_lambda.handler(_api_gateway_event(body, slack_requests.FORM), LambdaContext())

    assert response["statusCode"] == 200
    [status] = slack_api.calls("chat.postMessage")
    assert AURORA in status.params["text"]
    assert aws.requests("InvokeModel") == []
    assert gc.get_freeze_count() > 0  # the cold start set its heap aside before the first request
    sqs = boto3.client("sqs", region_name="us-east-1")
    [message] = sqs.receive_message(QueueUrl=lambda_env, WaitTimeSeconds=2)["Messages"]
    job = json.loads(message["Body"])
    assert job["text"] == AURORA and job["slack"]["status_ts"]


def test_front_refuses_a_bad_signature(lambda_env: str, slack_api: SlackApiServer) -> None:
    event = _api_gateway_event(slack_requests.command_body(AURORA), slack_requests.FORM)
    event["headers"]["x-slack-signature"] = "v0=" + "0" * 64

    assert aws_lambda.handler(event, LambdaContext())["statusCode"] == 401
    assert slack_api.calls("chat.postMessage") == []


def test_worker_runs_each_sqs_record_and_posts_into_the_front_thread(
    lambda_env: str, slack_api: SlackApiServer, aws: AwsEmulator
) -> None:
    aws.push_tool_input("submit_image_prompt", {"english_prompt": "aurora over a night sea"})
    body = slack_requests.command_body(AURORA, response_url=slack_api.response_url())
    aws_lambda.handler(_api_gateway_event(body, slack_requests.FORM), LambdaContext())
    sqs = boto3.client("sqs", region_name="us-east-1")
    [message] = sqs.receive_message(
        QueueUrl=lambda_env, WaitTimeSeconds=2, AttributeNames=["ApproximateReceiveCount"]
    )["Messages"]
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {"ApproximateReceiveCount": message["Attributes"]["ApproximateReceiveCount"]},
        "eventSource": "aws:sqs",
    }

    answer = aws_lambda.worker_handler({"Records": [record]}, LambdaContext())

    assert answer == {"batchItemFailures": []}
    [upload] = slack_api.uploaded_files()
    status_ts = json.loads(message["Body"])["slack"]["status_ts"]
    assert upload.thread_ts == status_ts
    assert len(aws.requests("InvokeModel")) == 1
    # A second delivery of the same record (at-least-once) does not post again.
    assert aws_lambda.worker_handler({"Records": [record]}, LambdaContext()) == {"batchItemFailures": []}
    assert len(slack_api.uploaded_files()) == 1
