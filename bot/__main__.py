"""Entry point: ``python -m bot`` serves Slack; ``python -m bot imagine TEXT`` runs once;
``python -m bot check`` is the preflight."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable
from datetime import timedelta

from slack_bolt.error import BoltError

from bot import check, cli, logs
from bot.app import build_app
from bot.clients import slack_client
from bot.heap import return_freed_memory, settle_startup_heap
from bot.http import HttpFrontend, PrioritySocketModeHandler, ServerRunner, make_server
from bot.settings import Settings, SettingsError, load_settings
from bot.shutdown import stop_on_signals
from bot.wiring import build_services
from services.container import Services
from services.generation.image_models import UnsupportedModel
from services.jobs.housekeeping import Housekeeper

logger = logging.getLogger("bot")
# How long stopping waits for a preflight still running in the background, so that it does not log
# while the process exits.
PREFLIGHT_JOIN_SECONDS = 10.0


def _keep_tidy(settings: Settings, services: Services, stop: threading.Event) -> None:
    """Prune old state and finished jobs now and once a day, until ``stop``."""
    keep = timedelta(days=settings.state_retention_days)
    Housekeeper(services.state, services.store, keep_state=keep).start(stop)


def work(settings: Settings) -> int:
    """Consume the SQS job queue until SIGTERM/SIGINT (scale-out mode)."""
    if not settings.job_queue_url:
        raise SettingsError(["JOB_QUEUE_URL: missing (the SQS queue the front enqueues jobs to)"])
    if settings.slack_bot_token is None:
        raise SettingsError(["SLACK_BOT_TOKEN: missing (the worker posts results to Slack)"])
    client = slack_client(settings)
    services = build_services(settings, client, role="worker")
    worker = services.worker
    if worker is None:  # pragma: no cover - build_services makes one whenever the URL is set
        raise SettingsError(["JOB_QUEUE_URL: no worker could be built"])
    # No Bolt App here to have called auth.test, so the token is one of the checks that can refuse.
    image_model = services.catalogue.default.model_id
    blockers = check.before_serving(settings, client, image_model, with_slack=True)
    if blockers:
        services.close()
        return check.refuse(blockers)
    preflight = check.in_background(settings, client, with_slack=False)
    stop = stop_on_signals()
    _keep_tidy(settings, services, stop)
    settle_startup_heap()
    logger.info("worker consuming %s", settings.job_queue_url)
    worker.run(stop)
    logger.info("signal received: stopping")
    preflight.join(PREFLIGHT_JOIN_SECONDS)
    logger.info("finishing queued jobs")
    services.close(grace=settings.shutdown_grace)
    return 0


def serve(settings: Settings) -> int:
    """Run the Slack bot in Socket Mode or HTTP mode until SIGTERM/SIGINT."""
    settings.require_slack()
    client = slack_client(settings)
    services = build_services(settings, client, role="front" if settings.job_queue_url else "embedded")
    try:
        # Bolt calls auth.test here, so a bad token or an unreachable API shows up now.
        app = build_app(settings, services, client)
    except BoltError as exc:
        logger.error("Slack rejected the configuration: %s", exc)
        sys.stderr.write("SLACK_BOT_TOKEN: Slack did not accept the token (check it and the app install)\n")
        services.close()
        return 2
    except OSError as exc:  # URLError and socket errors: no route to the Slack API
        logger.error("Slack could not be reached: %s", type(exc).__name__)
        sys.stderr.write(f"SLACK_API_URL: the Slack API at {client.base_url} could not be reached\n")
        services.close()
        return 2
    # Before serving, so that a model or service every request needs is known to work; the rest of
    # the preflight (scopes, extra models, the bucket) runs beside the first requests.
    image_model = services.catalogue.default.model_id
    blockers = check.before_serving(settings, client, image_model, with_slack=False)
    if blockers:
        services.close()
        return check.refuse(blockers)
    preflight = check.in_background(settings, client, with_slack=True)
    stop = stop_on_signals()
    _keep_tidy(settings, services, stop)
    if services.front is None:
        # Requests accepted before a crash or restart run now (or their users are told).
        resumed = services.processor.resume(services.runner.submit)
        if resumed:
            logger.info("resumed %d unfinished job(s)", resumed)
    # Last before the first request: a full collection inside a burst of acks then walks only what
    # was made since (bot/heap.py).
    settle_startup_heap()
    if settings.socket_mode:
        app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
        handler = PrioritySocketModeHandler(app, app_token, services.priority)
        handler.connect()  # type: ignore[no-untyped-call]
        logger.info("connected in Socket Mode")
        stop.wait()
        logger.info("signal received: stopping")
        handler.close()  # type: ignore[no-untyped-call]
    else:
        frontend = HttpFrontend(app, services.priority)
        runner = ServerRunner(
            make_server(frontend, settings.host, settings.port, settings.http_threads)
        ).start()
        frontend.ready.set()
        logger.info("listening on %s:%d", settings.host, runner.port)
        stop.wait()
        logger.info("signal received: stopping")
        frontend.ready.clear()
        runner.stop()
    preflight.join(PREFLIGHT_JOIN_SECONDS)
    logger.info("finishing queued jobs")
    services.close(grace=settings.shutdown_grace)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, load settings, run."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Japanese text to images in Slack")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the Slack bot (default)")
    commands.add_parser("worker", help="run jobs from the SQS queue (JOB_QUEUE_URL)")
    commands.add_parser(
        "check", help="check Slack, the Bedrock models and the AWS services (exit 1 on any ❌)"
    )
    cli.add_arguments(commands.add_parser("imagine", help="generate one image without Slack"))
    cli.add_dataset_arguments(
        commands.add_parser("dataset", help="export a fine-tuning dataset, or count archived jobs")
    )
    args = parser.parse_args(argv)
    return_freed_memory()
    commands_run: dict[str | None, Callable[[Settings], int]] = {
        "imagine": lambda settings: cli.run(settings, args),
        "dataset": lambda settings: cli.run_dataset(settings, args),
        "worker": work,
        "check": check.run,
    }
    try:
        settings = load_settings()
        logs.configure(settings.log_level)
        return commands_run.get(args.command, serve)(settings)
    except SettingsError as exc:
        sys.stderr.write("Configuration problems:\n" + "".join(f"  {line}\n" for line in exc.problems))
        return 2
    except UnsupportedModel as exc:
        sys.stderr.write(f"{exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
