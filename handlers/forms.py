"""The form for /imagine with no text and for ⚙️ 調整: opening it and reading what was submitted."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk.web import WebClient

from handlers import menus
from handlers.payloads import FormContext, ViewSubmissionPayload
from services.container import Services
from services.core import InputRejected, SlackContext
from services.intake import HelpRequested
from services.slack import VIEW_IMAGINE, FormDefaults, FormErrors, build_imagine_form, read_imagine_form


def open_form(
    client: WebClient, services: Services, trigger_id: str, user_id: str, context: FormContext
) -> None:
    """Open the form, prefilled from the result it adjusts or from the user's saved defaults."""
    intake = services.intake
    lang = intake.lang_for(user_id)
    if context.parent:
        record, attempt = intake.load(context.parent)
        defaults = FormDefaults(
            text=record.original_text,
            english_prompt=record.english_prompt or "",
            negative=record.user_negative or "",
            cfg_scale=attempt.cfg_scale if attempt else record.cfg_scale,
            seed=attempt.seed if attempt else record.seed,
            style=record.style,
            model=record.model_alias,
        )
        title = "form.title.adjust"
    else:
        prefs = services.state.prefs(user_id)
        defaults = FormDefaults(size=prefs.size, style=prefs.style, model=prefs.model)
        title = "form.title.new"
    model = services.catalogue.model_for(defaults.model)
    caps = model.capabilities
    cfg_range = (
        (caps.cfg_min, caps.cfg_max) if caps.cfg_min is not None and caps.cfg_max is not None else None
    )
    view = build_imagine_form(
        defaults,
        models=menus.model_choices(services.catalogue),
        styles=menus.style_choices(),
        sizes=menus.size_choices(model),
        cfg_range=cfg_range,
        private_metadata=context.model_dump_json(exclude_none=True),
        lang=lang,
        title_key=title,
        # Like cfg and sizes, for the model the form opens with; a different model chosen in the
        # form is checked on submission.
        photo_modes=intake.photo_modes(defaults.model),
    )
    client.views_open(trigger_id=trigger_id, view=view)


def register(app: App, services: Services) -> None:
    """Attach the form's submission listener.

    A refusal (``InputRejected``, with ``field`` naming the block it is about) is shown in the
    form by the app's error handler (handlers/errors.py).
    """

    @app.view(VIEW_IMAGINE)
    def submitted(ack: Ack, body: dict[str, Any]) -> None:
        payload = ViewSubmissionPayload.model_validate(body)
        user_id = payload.user.id
        try:
            context = FormContext.model_validate_json(payload.view.private_metadata or "{}")
            form = read_imagine_form(payload.view.state.values, services.intake.lang_for(user_id))
            slack = SlackContext(
                team_id=payload.team.id if payload.team else None,
                channel_id=context.channel,
                user_id=user_id,
                thread_ts=context.thread_ts,
            )
            services.intake.from_form(form, slack, context.parent)
        except FormErrors as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except (HelpRequested, ValueError) as exc:
            # Tampered private_metadata: nothing the user can fix in the form.
            raise InputRejected("button.invalid") from exc
        ack()
