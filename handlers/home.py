"""App Home: recent results with もう一度, today's quota, and the user's defaults."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from handlers import menus
from handlers.payloads import BlockActionsPayload, HomeOpenedEvent
from services.container import Services
from services.core import InputRejected, SlackContext
from services.slack import (
    ACTION_AGAIN,
    ACTION_PREF_LANG,
    ACTION_PREF_MODEL,
    ACTION_PREF_SIZE,
    ACTION_PREF_STYLE,
    EVENT_APP_HOME_OPENED,
    build_home_view,
    read_choice,
)

logger = logging.getLogger(__name__)

_PREFS = {
    ACTION_PREF_MODEL: "model",
    ACTION_PREF_STYLE: "style",
    ACTION_PREF_SIZE: "size",
    ACTION_PREF_LANG: "lang",
}


def publish_home(client: WebClient, services: Services, user_id: str, team_id: str | None = None) -> None:
    """Render and publish the user's App Home."""
    intake = services.intake
    prefs = services.state.prefs(user_id)
    view = build_home_view(
        recent=services.state.recent(user_id),
        prefs=prefs,
        quota=intake.quota(user_id),
        models=menus.model_choices(services.catalogue),
        styles=menus.style_choices(),
        sizes=menus.size_choices(services.catalogue.model_for(prefs.model)),
        lang=intake.lang_for(user_id, team_id),
        usage=intake.usage(team_id) if intake.is_admin(user_id) else None,
    )
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        logger.warning("could not publish App Home: %s", exc.response.get("error"))


def register(app: App, services: Services) -> None:
    """Attach the App Home listeners."""

    @app.event(EVENT_APP_HOME_OPENED)
    def opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        payload = HomeOpenedEvent.model_validate(event)
        if payload.tab == "home":
            publish_home(client, services, payload.user, context.team_id)

    def on_pref(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        payload = BlockActionsPayload.model_validate(body)
        action = payload.actions[0]
        field = _PREFS[action.action_id]
        chosen = read_choice(action.selected_option.value if action.selected_option else None)
        allowed = {
            "model": set(services.catalogue.models),
            "style": {choice.value for choice in menus.style_choices()},
            "size": set(menus.RATIOS),
            "lang": {"ja", "en"},
        }[field]
        if chosen is not None and chosen not in allowed:
            return  # a tampered value; the select only offers allowed ones
        user = payload.user.id
        prefs = services.state.prefs(user).model_copy(update={field: chosen})
        services.state.save_prefs(user, prefs)
        publish_home(client, services, user, payload.team.id if payload.team else None)

    for action_id in _PREFS:
        app.action(action_id)(on_pref)

    @app.action(ACTION_AGAIN)
    def again(ack: Ack, body: dict[str, Any]) -> None:
        # A refusal is told in the bot's DM with the user by the app's error handler: App Home
        # has no thread to answer in.
        ack()
        payload = BlockActionsPayload.model_validate(body)
        record, _ = services.intake.load(payload.actions[0].value)
        if record.slack is None:
            raise InputRejected("job.not_found")
        slack = SlackContext(
            team_id=payload.team.id if payload.team else None,
            channel_id=record.slack.channel_id,
            user_id=payload.user.id,
            thread_ts=record.slack.thread_ts,
        )
        services.intake.follow_up(payload.actions[0].value, "again", slack)
