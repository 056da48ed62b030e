"""The Slack edge: one module per kind of entry, each with ``register(app, services)``."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, edits, errors, forms, home, mentions, reactions, shortcuts
from services.container import Services


def register_all(app: App, services: Services) -> None:
    """Attach every listener to ``app``, and the error handler that answers their refusals."""
    for module in (commands, mentions, actions, edits, forms, reactions, home, shortcuts, errors):
        module.register(app, services)
