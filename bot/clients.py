"""The boto3 and Slack clients the bot talks through, built from settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web import WebClient

from bot.settings import Settings


@dataclass(frozen=True)
class AwsClients:
    """The boto3 clients the bot uses; ``control`` is Bedrock's control plane (service ``bedrock``)."""

    bedrock: Any
    rekognition: Any
    comprehend: Any
    s3: Any | None
    sqs: Any | None = None
    dynamodb: Any | None = None
    # bedrock-runtime in EDIT_MODEL_REGION when the Stability edit services live elsewhere.
    bedrock_edit: Any | None = None
    control: Any | None = None


def aws_clients(settings: Settings, session: boto3.Session | None = None) -> AwsClients:
    """Real boto3 clients. No endpoint_url: botocore's AWS_ENDPOINT_URL_<SERVICE> variables apply."""
    session = session or boto3.Session(region_name=settings.aws_region)
    pool = max(10, settings.worker_threads * 2)
    retries = {"mode": "standard", "total_max_attempts": settings.aws_max_attempts}
    # Image calls take tens of seconds; botocore's default 60 s read timeout is too tight.
    bedrock_config = Config(
        retries=retries,
        read_timeout=settings.bedrock_read_timeout,
        connect_timeout=10,
        max_pool_connections=pool,
    )
    quick_config = Config(retries=retries, read_timeout=30, connect_timeout=10, max_pool_connections=pool)
    return AwsClients(
        bedrock=session.client("bedrock-runtime", config=bedrock_config),
        bedrock_edit=session.client(
            "bedrock-runtime", region_name=settings.edit_model_region, config=bedrock_config
        )
        if settings.edit_model_region and settings.edit_model_region != settings.aws_region
        else None,
        rekognition=session.client("rekognition", config=quick_config),
        # DetectToxicContent is not offered in every region: COMPREHEND_REGION points it elsewhere.
        comprehend=session.client(
            "comprehend", region_name=settings.comprehend_region or settings.aws_region, config=quick_config
        ),
        # SigV4 so presigned links (sent when an upload fails) can live a week.
        s3=session.client("s3", config=quick_config.merge(Config(signature_version="s3v4")))
        if settings.archive_bucket
        else None,
        sqs=session.client("sqs", config=quick_config) if settings.job_queue_url else None,
        dynamodb=session.client("dynamodb", config=quick_config)
        if settings.job_table or settings.dedupe_table or settings.state_table
        else None,
        # Read-only model metadata: which image model to use, and the preflight's checks.
        control=session.client("bedrock", config=quick_config),
    )


def slack_client(settings: Settings) -> WebClient:
    """The Web API client, retrying connection errors, 5xx and 429 (honouring Retry-After)."""
    if settings.slack_bot_token is None:
        raise ValueError("SLACK_BOT_TOKEN is required for Slack")
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url or WebClient.BASE_URL,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
