"""AWS Lambda entry points: the Slack front behind API Gateway, and the SQS worker.

Deployed by deploy/template.yaml. The front only acknowledges, posts the status message and
enqueues (JOB_QUEUE_URL is required); the worker runs the pipeline for each SQS record. Lambda
freezes the process once a handler returns, so hand-offs run inline and status edits are
flushed before returning.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.adapter.aws_lambda import SlackRequestHandler

from bot import check, logs
from bot.app import build_app
from bot.clients import slack_client
from bot.heap import settle_startup_heap
from bot.settings import SettingsError, load_settings
from bot.wiring import build_services
from services.container import Services

logger = logging.getLogger("bot")

# Built once per execution environment (cold start) and reused by warm invocations.
_front: tuple[SlackRequestHandler, Services] | None = None
_worker: Services | None = None
# Seconds a handler waits for status edits and straggling candidates before returning.
FLUSH_SECONDS = 5.0


def _build_front() -> tuple[SlackRequestHandler, Services]:
    settings = load_settings()
    logs.configure(settings.log_level)
    settings.require_slack()
    if not settings.job_queue_url:
        raise SettingsError(["JOB_QUEUE_URL: missing (the Lambda front only enqueues jobs)"])
    client = slack_client(settings)
    services = build_services(settings, client, role="front", inline=True)
    front = SlackRequestHandler(build_app(settings, services, client))
    settle_startup_heap()
    return front, services


def _build_worker() -> Services:
    settings = load_settings()
    logs.configure(settings.log_level)
    if not settings.job_queue_url:
        raise SettingsError(["JOB_QUEUE_URL: missing (the worker's event source)"])
    if settings.slack_bot_token is None:
        raise SettingsError(["SLACK_BOT_TOKEN: missing (the worker posts results to Slack)"])
    client = slack_client(settings)
    services = build_services(settings, client, role="worker", inline=True)
    # Once per execution environment, so that the log says what is misconfigured; only the worker,
    # whose role may call the models: the front's cold start is on Slack's 3-second path.
    check.log_everything(settings, client, services.catalogue.default.model_id)
    settle_startup_heap()
    return services


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway (HTTP API) → Bolt; answers within Slack's 3 seconds."""
    global _front  # noqa: PLW0603 - reused across warm invocations on purpose
    if _front is None:
        _front = _build_front()
    slack, services = _front
    response: dict[str, Any] = slack.handle(event, context)  # type: ignore[no-untyped-call]
    services.board.flush(FLUSH_SECONDS)
    return response


def worker_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS event → one job per record; failed records are returned for SQS to redeliver."""
    global _worker  # noqa: PLW0603 - reused across warm invocations on purpose
    if _worker is None:
        _worker = _build_worker()
    services = _worker
    worker = services.worker
    if worker is None:  # pragma: no cover - build_services makes one whenever the URL is set
        raise SettingsError(["JOB_QUEUE_URL: no worker could be built"])
    failures = []
    for record in event.get("Records", []):
        try:
            worker.process_one(record)
        except Exception:
            logger.exception("message %s: failed; SQS will deliver it again", record.get("messageId"))
            failures.append({"itemIdentifier": record.get("messageId", "")})
    # Stragglers archive their images and the final status edit goes out before the freeze.
    services.pipeline.drain(FLUSH_SECONDS * 6)
    services.board.flush(FLUSH_SECONDS)
    return {"batchItemFailures": failures}
