"""The /imagine and ⚙️ 調整 form (handlers/forms.py): opening it, and its submission with errors."""

from __future__ import annotations

import json
from typing import Any

from handlers.forms import open_form
from handlers.payloads import FormContext
from services.core.errors import InputRejected
from services.core.job import SlackContext
from services.core.people import UserPrefs
from services.intake import FormInput
from services.slack import VIEW_IMAGINE, t
from tests import slack_requests
from tests.handlers.fakes import VALUE, FakeApp, FakeClient, FakeServices, Outcome, call, payload_body

METADATA = '{"channel":"C0CHAN","thread_ts":"1700000000.000100","parent":"' + VALUE + '"}'


def values(**typed: str | None) -> dict[str, dict[str, Any]]:
    """view.state.values as Slack sends them; untouched inputs carry None."""
    fields = {"text": None, "english_prompt": None, "negative": None, "cfg": None, "seed": None}
    fields.update(typed)
    return {
        block: {
            block: {"type": "number_input" if block in ("cfg", "seed") else "plain_text_input", "value": v}
        }
        for block, v in fields.items()
    }


def submit(app: FakeApp, state: dict[str, dict[str, Any]], metadata: str = METADATA) -> Outcome:
    body = payload_body(slack_requests.view_submission_body(state, private_metadata=metadata))
    return call(app, "view", VIEW_IMAGINE, body)


def test_a_valid_form_is_queued_for_the_thread_it_came_from(app: FakeApp, services: FakeServices) -> None:
    outcome = submit(app, values(text=" 夜の海にオーロラ ", negative="人物", cfg="7.5", seed="42"))

    assert outcome.ack.only == {}  # the modal closes
    form = FormInput(text="夜の海にオーロラ", negative="人物", cfg_scale=7.5, seed=42)
    slack = SlackContext(
        team_id="T0TEST", channel_id="C0CHAN", user_id="U0USER", thread_ts="1700000000.000100"
    )
    assert services.intake.called("from_form") == [(form, slack, VALUE)]


def test_fields_to_fix_are_shown_under_each_and_nothing_is_queued(
    app: FakeApp, services: FakeServices
) -> None:
    outcome = submit(app, values(seed="1.5"))

    assert outcome.ack.only == {
        "response_action": "errors",
        "errors": {"text": t("form.error.required"), "seed": t("form.error.integer")},
    }
    assert services.intake.calls == []


def test_form_errors_are_in_the_users_language(app: FakeApp, services: FakeServices) -> None:
    services.intake.langs["U0USER"] = "en"

    outcome = submit(app, values(text="猫", cfg="lots"))

    assert outcome.ack.only["errors"] == {"cfg": t("form.error.number", "en")}


def test_a_refusal_about_one_field_is_shown_under_that_field(app: FakeApp, services: FakeServices) -> None:
    refusal = InputRejected("option.out_of_range", option="cfg", value=30.0, low=1.1, high=10, field="cfg")
    services.intake.refuse["from_form"] = refusal

    outcome = submit(app, values(text="猫", cfg="30"))

    assert outcome.ack.calls == []  # the error handler's answer keeps the modal open
    expected = t("option.out_of_range", option="cfg", value=30.0, low=1.1, high=10)
    assert outcome.body == {"response_action": "errors", "errors": {"cfg": expected}}


def test_a_refusal_about_the_request_is_shown_under_the_text(app: FakeApp, services: FakeServices) -> None:
    services.intake.refuse["from_form"] = InputRejected("quota.user", limit=5, reset="00:00")

    outcome = submit(app, values(text="猫"))

    assert outcome.body == {
        "response_action": "errors",
        "errors": {"text": t("quota.user", limit=5, reset="00:00")},
    }


def test_tampered_metadata_is_refused_without_queueing(app: FakeApp, services: FakeServices) -> None:
    outcome = submit(app, values(text="猫"), metadata='{"channel": ""}')

    assert outcome.body == {"response_action": "errors", "errors": {"text": t("button.invalid")}}
    assert services.intake.calls == []


def test_a_new_form_starts_from_the_users_saved_defaults(services: FakeServices) -> None:
    services.state.saved["U0USER"] = UserPrefs(model="sdxl", style="watercolor", size="16:9")
    services.intake.langs["U0USER"] = "en"
    client = FakeClient()

    open_form(client, services, "1.2.3", "U0USER", FormContext(channel="C0CHAN"))  # type: ignore[arg-type]

    [opened] = client.sent("views.open")
    assert opened["trigger_id"] == "1.2.3"
    view = opened["view"]
    assert view["title"]["text"] == t("form.title.new", "en")
    assert json.loads(view["private_metadata"]) == {"channel": "C0CHAN"}
    blocks = {block["block_id"]: block["element"] for block in view["blocks"]}
    assert blocks["model"]["initial_option"]["value"] == "sdxl"
    assert blocks["style"]["initial_option"]["value"] == "watercolor"
    assert blocks["size"]["initial_option"]["value"] == "16:9"
    # The chosen model's sizes and cfg range, not the default model's.
    assert [option["value"] for option in blocks["size"]["options"]] == ["1:1", "16:9", "9:16", "3:2", "2:3"]
    assert (blocks["cfg"]["min_value"], blocks["cfg"]["max_value"]) == ("0", "35")


# --- the photo ------------------------------------------------------------------------------------

PHOTO_FILE = {
    "id": "F0PHOTO001",
    "name": "cat.png",
    "mimetype": "image/png",
    "filetype": "png",
    "size": 2048,
    "url_private": "https://files.slack.com/files-pri/T0TEST-F0PHOTO001/cat.png",
    "url_private_download": "https://files.slack.com/files-pri/T0TEST-F0PHOTO001/download/cat.png",
}


def test_the_form_offers_the_photo_uses_of_the_model_it_opens_with(services: FakeServices) -> None:
    services.state.saved["U0USER"] = UserPrefs(model="sdxl")
    client = FakeClient()

    open_form(client, services, "1.2.3", "U0USER", FormContext(channel="C0CHAN"))  # type: ignore[arg-type]

    [opened] = client.sent("views.open")
    blocks = {block["block_id"]: block["element"] for block in opened["view"]["blocks"]}
    assert blocks["photo"]["type"] == "file_input"
    assert [option["value"] for option in blocks["photo_mode"]["options"]] == ["-", "variation", "restyle"]


def test_no_photo_field_for_a_model_that_cannot_use_one(services: FakeServices) -> None:
    services.intake.modes = {}
    client = FakeClient()

    open_form(client, services, "1.2.3", "U0USER", FormContext(channel="C0CHAN"))  # type: ignore[arg-type]

    [opened] = client.sent("views.open")
    assert {"photo", "photo_mode"}.isdisjoint(block["block_id"] for block in opened["view"]["blocks"])


def test_a_submitted_photo_and_its_use_reach_intake(app: FakeApp, services: FakeServices) -> None:
    state = values(text="水彩画風に")
    state["photo"] = {"photo": slack_requests.file_input_state(PHOTO_FILE)}
    chosen = {"text": {"type": "plain_text", "text": "画風を変える"}, "value": "restyle"}
    state["photo_mode"] = {"photo_mode": {"type": "static_select", "selected_option": chosen}}

    outcome = submit(app, state)

    assert outcome.ack.only == {}
    [(form, _, _)] = services.intake.called("from_form")
    assert form.photo is not None and form.photo.id == "F0PHOTO001"
    assert form.photo.url == PHOTO_FILE["url_private_download"]
    assert form.photo_mode == "restyle"


def test_a_refused_photo_is_shown_under_the_photo_field(app: FakeApp, services: FakeServices) -> None:
    services.intake.refuse["from_form"] = InputRejected("image.not_image", name="report.pdf", field="photo")
    state = values(text="水彩画風に")
    state["photo"] = {"photo": slack_requests.file_input_state({**PHOTO_FILE, "mimetype": "application/pdf"})}

    outcome = submit(app, state)

    assert outcome.body == {
        "response_action": "errors",
        "errors": {"photo": t("image.not_image", name="report.pdf")},
    }
