"""``@bot テキスト`` in a channel or a thread; in a result's thread it refines that result."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk.web import WebClient

from handlers.answers import help_answer, whisper
from handlers.payloads import MentionEvent
from services.container import Services
from services.core import ButtonRef, InputRejected, SlackContext, SourceFile
from services.intake import HelpRequested
from services.slack import EVENT_APP_MENTION


def register(app: App, services: Services) -> None:
    """Attach the app_mention listener (Bolt acknowledges events itself); refusals go to the error handler."""
    intake = services.intake

    @app.event(EVENT_APP_MENTION)
    def mention(event: dict[str, Any], client: WebClient) -> None:
        payload = MentionEvent.model_validate(event)
        if payload.bot_id or not payload.user:
            return  # never answer other bots, or ourselves
        user = payload.user
        slack = SlackContext(
            team_id=payload.team,
            channel_id=payload.channel,
            user_id=user,
            thread_ts=payload.thread_ts or payload.ts,
        )
        previous = (
            services.state.job_for_thread(payload.channel, payload.thread_ts) if payload.thread_ts else None
        )
        # A photo attached in a result's thread starts from that photo, not from the result.
        photo = SourceFile.first(payload.files)
        try:
            if previous is not None and photo is None:
                ref = ButtonRef(job_id=previous[0], attempt=previous[1]).encode()
                try:
                    intake.refine(ref, payload.text, slack)
                except InputRejected as exc:
                    if exc.kind != "job.not_found":
                        raise
                    # The earlier result is no longer archived: treat the reply as a new request.
                    intake.request(payload.text, slack, "mention")
            else:
                intake.request(payload.text, slack, "mention", photo=photo)
        except HelpRequested:
            whisper(client, slack, *help_answer(services, intake.lang_for(user, payload.team)))
