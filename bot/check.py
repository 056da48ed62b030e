"""``python -m bot check``, the preflight an operator runs first, and the runs of the same checks at
start-up: the ones that can make every request fail before serving, the others in the background.

The checks live in services/preflight and take clients and plain values; this module builds them from
Settings and prints or logs what they found. Tokens and credentials are never part of a line.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import TextIO

import boto3
from botocore.config import Config
from slack_sdk.web import WebClient

from bot.clients import slack_client
from bot.settings import Settings
from services.preflight import (
    Check,
    Preflight,
    PreflightClients,
    PreflightConfig,
    Status,
    exit_code,
    fatal,
    log_checks,
    summary,
)
from services.preflight.report import fail
from services.slack.ids import BOT_SCOPES

logger = logging.getLogger("bot.check")

# Marks for terminals that cannot print the emoji.
_ASCII_MARKS = {Status.OK.value: "[ok]", Status.WARN.value: "[warning]", Status.FAIL.value: "[FAIL]"}


# Checks are single cheap calls: two attempts and short timeouts, so a start never waits long on them
# (the bot's own clients retry four times and wait up to BEDROCK_READ_TIMEOUT).
_CHECK_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 2}, connect_timeout=5, read_timeout=20
)


def preflight_for(settings: Settings, slack: WebClient | None) -> Preflight:
    """The preflight of this configuration, with its own boto3 clients (AWS_ENDPOINT_URL_* apply)."""
    config = PreflightConfig(
        region=settings.aws_region,
        text_model_id=settings.text_model_id,
        image_model_id=settings.image_model_id,
        image_models=dict(settings.image_models),
        verify_model_id=settings.verify_model_id,
        toxicity_check=settings.toxicity_check,
        comprehend_region=settings.comprehend_region,
        archive_bucket=settings.archive_bucket,
        archive_prefix=settings.archive_prefix,
        archive_kms_key_id=settings.archive_kms_key_id,
        job_queue_url=settings.job_queue_url,
        max_receives=settings.max_receives,
        job_table=settings.job_table,
        dedupe_table=settings.dedupe_table,
        state_table=settings.state_table,
        required_scopes=BOT_SCOPES,
    )
    session = boto3.Session(region_name=settings.aws_region)

    def client(service: str, region: str | None = None) -> object:
        return session.client(service, region_name=region, config=_CHECK_CONFIG)

    tables = settings.job_table or settings.dedupe_table or settings.state_table
    return Preflight(
        config,
        PreflightClients(
            bedrock=client("bedrock"),
            rekognition=client("rekognition"),
            comprehend=client("comprehend", settings.comprehend_region) if settings.toxicity_check else None,
            s3=client("s3") if settings.archive_bucket else None,
            sqs=client("sqs") if settings.job_queue_url else None,
            dynamodb=client("dynamodb") if tables else None,
            slack=slack,
        ),
    )


def _printable(line: str, out: TextIO) -> str:
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        line.encode(encoding)
    except UnicodeEncodeError:
        for mark, ascii_mark in _ASCII_MARKS.items():
            line = line.replace(mark, ascii_mark, 1)
        line = line.encode(encoding, errors="replace").decode(encoding)
    return line


def run(settings: Settings, out: TextIO | None = None) -> int:
    """Run every check and print one line each; 0 when nothing failed, else 1."""
    out = out or sys.stdout
    slack = slack_client(settings) if settings.slack_bot_token is not None else None
    preflight = preflight_for(settings, slack)
    out.write(_printable(f"Preflight in {settings.aws_region} (python -m bot check)\n", out))
    checks: list[Check] = []
    if slack is None:
        checks.append(
            fail("SLACK_BOT_TOKEN", "not set", "set the bot's xoxb- token (OAuth & Permissions).", fatal=True)
        )
    try:
        checks.extend(preflight.everything())
    except Exception as exc:  # a check's own bug must still end in a line, not a traceback
        logger.exception("the preflight stopped early")
        checks.append(fail("preflight", f"stopped early ({type(exc).__name__})", "report this with the log."))
    for check in checks:
        out.write(_printable(check.line() + "\n", out))
    blockers = fatal(checks)
    tail = f"; the bot will not start until these are fixed: {', '.join(c.subject for c in blockers)}"
    out.write(f"{summary(checks)}{tail if blockers else ''}\n")
    out.flush()
    return exit_code(checks)


def before_serving(
    settings: Settings, slack: WebClient, image_model_id: str, *, with_slack: bool
) -> list[Check]:
    """Run and log the checks that can refuse a start; the fatal failures among them.

    ``with_slack`` adds auth.test (the worker's; Bolt's App has already made it in serve mode).
    """
    preflight = preflight_for(settings, slack)
    try:
        checks = [*(preflight.slack() if with_slack else []), *preflight.before_serving(image_model_id)]
    except Exception:
        logger.exception("the start-up preflight stopped early; starting anyway")
        return []
    log_checks(logger, checks)
    return fatal(checks)


def in_background(settings: Settings, slack: WebClient, *, with_slack: bool) -> threading.Thread:
    """Start a daemon thread that runs and logs the checks that never refuse a start."""
    preflight = preflight_for(settings, slack)

    def run_checks() -> None:
        try:
            log_checks(logger, [*(preflight.slack() if with_slack else []), *preflight.after_start()])
        except Exception:
            logger.exception("the background preflight stopped early")

    thread = threading.Thread(target=run_checks, name="preflight", daemon=True)
    thread.start()
    return thread


def log_everything(settings: Settings, slack: WebClient, image_model_id: str) -> None:
    """Run and log every check, refusing nothing (a Lambda cold start, where there is no start to refuse:
    failing the invocation would only send its messages round to the dead-letter queue)."""
    preflight = preflight_for(settings, slack)
    try:
        checks = [*preflight.slack(), *preflight.before_serving(image_model_id), *preflight.after_start()]
    except Exception:
        logger.exception("the preflight stopped early")
        return
    log_checks(logger, checks)


def refuse(blockers: list[Check], err: TextIO | None = None) -> int:
    """Say on stderr why the bot does not start; the exit code (2, as for bad settings)."""
    err = err or sys.stderr
    err.write("Not starting: the preflight found problems that would make every request fail:\n")
    for check in blockers:
        err.write(_printable(f"  {check.line()}\n", err))
    err.write("Run python -m bot check for the full report.\n")
    return 2
