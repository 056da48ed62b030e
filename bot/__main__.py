"""Entry point: ``python -m bot`` serves Slack; ``python -m bot imagine TEXT`` runs once."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError

from bot import cli, logs
from bot.app import build_app
from bot.http import HttpFrontend, ServerRunner, make_server
from bot.settings import Settings, SettingsError, load_settings
from bot.wiring import build_services, slack_client
from services.image_models import UnsupportedModel

logger = logging.getLogger("bot")


def serve(settings: Settings) -> int:
    """Run the Slack bot in Socket Mode or HTTP mode until SIGTERM/SIGINT."""
    settings.require_slack()
    client = slack_client(settings)
    services = build_services(settings, client)
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
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if settings.socket_mode:
        app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
        handler = SocketModeHandler(app, app_token)
        handler.connect()  # type: ignore[no-untyped-call]
        logger.info("connected in Socket Mode")
        stop.wait()
        handler.close()  # type: ignore[no-untyped-call]
    else:
        frontend = HttpFrontend(app)
        runner = ServerRunner(
            make_server(frontend, settings.host, settings.port, settings.http_threads)
        ).start()
        frontend.ready.set()
        logger.info("listening on %s:%d", settings.host, runner.port)
        stop.wait()
        frontend.ready.clear()
        runner.stop()
    logger.info("finishing queued jobs")
    services.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, load settings, run."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Japanese text to images in Slack")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the Slack bot (default)")
    cli.add_arguments(commands.add_parser("imagine", help="generate one image without Slack"))
    cli.add_dataset_arguments(
        commands.add_parser("dataset", help="export a fine-tuning dataset, or count archived jobs")
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        logs.configure(settings.log_level)
        if args.command == "imagine":
            return cli.run(settings, args)
        if args.command == "dataset":
            return cli.run_dataset(settings, args)
        return serve(settings)
    except SettingsError as exc:
        sys.stderr.write("Configuration problems:\n" + "".join(f"  {line}\n" for line in exc.problems))
        return 2
    except UnsupportedModel as exc:
        sys.stderr.write(f"{exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
