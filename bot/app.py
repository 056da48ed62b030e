"""The Bolt app factory: a fresh App per call, so tests and entry points share nothing."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk.web import WebClient

import handlers
from bot.settings import Settings
from services.container import Services


def build_app(settings: Settings, services: Services, client: WebClient) -> App:
    """A Bolt App with every listener registered."""
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    app = App(
        client=client,
        signing_secret=secret,
        # Listeners only validate, queue and ack, so they can finish before the
        # response; the same code then runs unchanged on FaaS.
        process_before_response=True,
        # Socket Mode requests are authenticated by the WebSocket, not a signature.
        request_verification_enabled=not settings.socket_mode,
    )
    handlers.register_all(app, services)
    return app
