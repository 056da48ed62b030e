"""The message shortcuts: 「画像にする」 makes an image from a message's text, 🔎 プロンプトにする
proposes requests from its image. Both answer in the message's thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.web import WebClient

from handlers.answers import tell, whisper
from handlers.payloads import MessageShortcutPayload
from services.container import Services
from services.core import InputRejected, SlackContext, SourceFile
from services.intake import HelpRequested
from services.slack import SHORTCUT_DESCRIBE, SHORTCUT_FROM_MESSAGE, t


def _context(payload: MessageShortcutPayload) -> SlackContext:
    """Where the answer goes: the thread of the message the shortcut was used on."""
    return SlackContext(
        team_id=payload.team.id if payload.team else None,
        channel_id=payload.channel.id,
        user_id=payload.user.id,
        thread_ts=payload.message.thread_ts or payload.message.ts,
        response_url=payload.response_url,
    )


def register(app: App, services: Services) -> None:
    """Attach the message shortcut listeners; refusals are told by the app's error handler."""
    intake = services.intake

    @app.shortcut(SHORTCUT_FROM_MESSAGE)
    def from_message(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        payload = MessageShortcutPayload.model_validate(body)
        try:
            # A message with a photo starts from the photo, as a mention with one does.
            photo = SourceFile.first(payload.message.files)
            intake.request(payload.message.text, _context(payload), "shortcut", photo=photo)
        except HelpRequested as exc:
            # A message that reads like "help" has nothing to draw; the shortcut has no help to show.
            raise InputRejected("input.empty") from exc

    @app.shortcut(SHORTCUT_DESCRIBE)
    def describe(ack: Ack, body: dict[str, Any], respond: Respond | None, client: WebClient) -> None:
        ack()
        payload = MessageShortcutPayload.model_validate(body)
        slack = _context(payload)
        photo = SourceFile.first(payload.message.files)
        if photo is None:
            raise InputRejected("describe.no_image")
        photo.check_declared()  # a PDF or an oversized file is refused before any download
        lang = intake.lang_for(slack.user_id, slack.team_id)

        def privately(text: str) -> None:
            if respond is not None and respond.response_url:
                tell(respond, text)
            else:
                whisper(client, slack, text)

        def work() -> None:
            # The download and the model calls take seconds: off the request thread, so the ack
            # reaches Slack at once, and the user is told what happens meanwhile.
            privately(t("describe.started", lang))
            failure = services.describer.describe(photo, slack, lang)
            if failure is not None:
                privately(failure)

        services.tasks.submit("describe", work)
