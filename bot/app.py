"""The Bolt app factory: a fresh App per call, so tests and entry points share nothing."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk.web import WebClient

import handlers
from bot.middleware import access_control, dedupe_requests
from bot.settings import Settings
from services.container import Services
from services.storage.dedupe import Deduper, MemoryDeduper


def build_app(
    settings: Settings, services: Services, client: WebClient, deduper: Deduper | None = None
) -> App:
    """A Bolt App with every listener registered; ``deduper`` remembers requests already run."""
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
    # Global middleware runs after Bolt's signature check and before any listener, in this order:
    # a retried or double-sent request is dropped before it can be refused twice.
    # DEDUPE_TABLE (DynamoDB) when several fronts run; in-process otherwise.
    chosen = deduper or services.deduper or MemoryDeduper()
    app.use(dedupe_requests(chosen))
    app.use(
        access_control(
            frozenset(settings.allowed_users),
            frozenset(settings.allowed_channels),
            lang_for=services.intake.lang_for,
        )
    )
    handlers.register_all(app, services)
    return app
