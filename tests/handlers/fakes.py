"""Fakes for handler unit tests: an App that keeps the listeners it is given, Slack's ack,
respond and Web API as recorders, and services that remember what they were asked.

Listeners are called directly, with the payloads Slack sends (built by tests/slack_requests.py),
the way Bolt would call them: only the arguments they name, and anything they raise handed to
the app's error handler, whose answer is what Slack receives.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from slack_bolt import BoltContext, BoltResponse
from slack_sdk.errors import SlackApiError

from services.core.errors import InputRejected
from services.core.inputs import SourceFile
from services.core.job import Attempt, JobRecord, PhotoMode, SlackContext
from services.core.people import RecentJob, UserPrefs, UserUsage
from services.core.text import Language
from services.generation import ModelCatalogue
from services.generation.image_models import build_image_model
from services.intake import FormInput, QuotaStatus, UsageReport
from tests.handlers.fake_describer import FakeDescriber

JOB_ID = "20261121T093015-0123abcd"
VALUE = f"{JOB_ID}:1"  # a result button's value: job id and attempt
RESPONSE_URL = "https://hooks.slack.test/actions/T0TEST/1/abc"


# --- Slack's side --------------------------------------------------------------------------------


class Recorder:
    """Stands in for ``ack`` or ``respond``: keeps the keyword arguments of every call."""

    def __init__(self, response_url: str | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.response_url = response_url

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    @property
    def only(self) -> dict[str, Any]:
        """The one call made; fails when there were none or several."""
        assert len(self.calls) == 1, self.calls
        return self.calls[0]


class FakeClient:
    """The Web API methods listeners use; ``fail`` makes a method answer with a Slack error."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail: dict[str, str] = {}

    def _call(self, method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((method, kwargs))
        if method in self.fail:
            error = {"ok": False, "error": self.fail[method]}
            raise SlackApiError(f"{method} failed", error)
        return {"ok": True}

    def views_open(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("views.open", kwargs)

    def views_publish(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("views.publish", kwargs)

    def chat_postEphemeral(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("chat.postEphemeral", kwargs)

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("chat.postMessage", kwargs)

    def sent(self, method: str) -> list[dict[str, Any]]:
        """The arguments of every call to ``method``."""
        return [kwargs for name, kwargs in self.calls if name == method]


class FakeApp:
    """Keeps what ``register`` attaches, by kind and id, as Bolt's App would route to it."""

    def __init__(self) -> None:
        self.listeners: dict[tuple[str, str], Callable[..., Any]] = {}
        self.error_handler: Callable[..., BoltResponse | None] | None = None

    def _attach(self, kind: str, key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def attach(function: Callable[..., Any]) -> Callable[..., Any]:
            assert (kind, key) not in self.listeners, f"{kind} {key} registered twice"
            self.listeners[(kind, key)] = function
            return function

        return attach

    def command(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._attach("command", name)

    def action(self, action_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._attach("action", action_id)

    def view(self, callback_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._attach("view", callback_id)

    def event(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._attach("event", name)

    def shortcut(self, callback_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self._attach("shortcut", callback_id)

    def error(self, function: Callable[..., BoltResponse | None]) -> Callable[..., BoltResponse | None]:
        self.error_handler = function
        return function


@dataclass
class Outcome:
    """What Slack got back from one request: the listener's ack, or the error handler's answer."""

    ack: Recorder
    respond: Recorder
    client: FakeClient
    response: BoltResponse | None = None  # set when the listener raised

    @property
    def body(self) -> Any:
        """The JSON the error handler answered with (an ack payload), or its empty body."""
        assert self.response is not None, "the listener raised nothing"
        assert self.response.status == 200, self.response.status
        return json.loads(self.response.body) if self.response.body else ""


def call(
    app: FakeApp, kind: str, key: str, body: dict[str, Any], client: FakeClient | None = None
) -> Outcome:
    """Run the listener for ``kind``/``key`` on ``body`` as Bolt would, errors included."""
    listener = app.listeners[(kind, key)]
    respond = Recorder(body.get("response_url") or None)
    outcome = Outcome(ack=Recorder(), respond=respond, client=client or FakeClient())
    context = BoltContext({"bot_user_id": "U0BOT", "team_id": _team(body), "user_id": _user(body)})
    available: dict[str, Any] = {
        "ack": outcome.ack,
        "body": body,
        "event": body.get("event"),
        "respond": respond if respond.response_url else None,
        "client": outcome.client,
        "context": context,
    }
    wanted = inspect.signature(listener).parameters
    try:
        listener(**{name: available[name] for name in wanted})
    except Exception as error:
        assert app.error_handler is not None, "no error handler registered"
        handler_args = {**available, "error": error}
        wanted = inspect.signature(app.error_handler).parameters
        outcome.response = app.error_handler(**{name: handler_args[name] for name in wanted})
        if outcome.response is None:
            raise
    return outcome


def _user(body: dict[str, Any]) -> str | None:
    user = body.get("user") or body.get("user_id") or (body.get("event") or {}).get("user")
    return str(user["id"]) if isinstance(user, dict) else user


def _team(body: dict[str, Any]) -> str | None:
    team = body.get("team") or body.get("team_id")
    return str(team["id"]) if isinstance(team, dict) else team


# Bodies as Bolt hands them to listeners, from the signed requests the functional tests send.


def form_body(encoded: str) -> dict[str, Any]:
    """A slash command's fields."""
    return dict(parse_qsl(encoded, keep_blank_values=True))


def payload_body(encoded: str) -> dict[str, Any]:
    """An interactive payload (block_actions, view_submission, message_action)."""
    payload: dict[str, Any] = json.loads(parse_qs(encoded)["payload"][0])
    return payload


def event_body(encoded: str) -> dict[str, Any]:
    """An Events API envelope."""
    envelope: dict[str, Any] = json.loads(encoded)
    return envelope


# --- the services listeners call -----------------------------------------------------------------


def record(**changes: Any) -> JobRecord:
    """An archived job posted in C0CHAN's thread 1700000000.000100."""
    fields: dict[str, Any] = {
        "job_id": JOB_ID,
        "trigger": "command",
        "created_at": datetime(2026, 11, 21, 9, 30, 15, tzinfo=UTC),
        "status": "accepted",
        "original_text": "夜の海にオーロラ",
        "english_prompt": "aurora over a night sea",
        "model_id": "amazon.nova-canvas-v1:0",
        "model_alias": "nova",
        "seed": 42,
        "cfg_scale": 6.5,
        "width": 1024,
        "height": 1024,
        "attempts": [Attempt(index=1, revision=0, prompt="p", seed=7, cfg_scale=8.0, outcome="accepted")],
        "chosen_attempt": 1,
        "slack": SlackContext(channel_id="C0CHAN", user_id="U0USER", thread_ts="1700000000.000100"),
    }
    fields.update(changes)
    return JobRecord(**fields)


class FakeIntake:
    """Intake as the listeners see it; ``refuse`` maps a method name to the error it raises."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.refuse: dict[str, Exception] = {}
        self.langs: dict[str, Language] = {}  # per user
        self.workspace_langs: dict[str, Language] = {}  # per team
        self.records: dict[str, JobRecord] = {VALUE: record()}
        self.admins: set[str] = set()
        self.quota_status = QuotaStatus(limit=None, used=0, resets_at=datetime(2026, 11, 21, 15, tzinfo=UTC))
        self.usage_report = UsageReport(today=[], week=[])
        self.default_alias = "nova"
        self.config = _Config()
        # How each model can use a photo (what the form offers).
        self.modes: dict[str, tuple[PhotoMode, ...]] = {
            "nova": ("variation", "restyle", "layout"),
            "sdxl": ("variation", "restyle"),
        }

    def _do(self, name: str, *args: Any) -> None:
        self.calls.append((name, *args))
        if name in self.refuse:
            raise self.refuse[name]

    def lang_for(self, user_id: str | None, team_id: str | None = None, prefs: object = None) -> Language:
        if user_id in self.langs:
            return self.langs[user_id]
        return self.workspace_langs.get(team_id or "", "ja")

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins

    def quota(self, user_id: str) -> QuotaStatus:
        return self.quota_status

    def usage(self, team_id: str | None) -> UsageReport:
        self.calls.append(("usage", team_id))
        return self.usage_report

    def request(self, text: str, slack: SlackContext, trigger: str, photo: SourceFile | None = None) -> None:
        if photo is None:
            self._do("request", text, slack, trigger)
        else:
            self._do("request", text, slack, trigger, photo)

    def follow_up(self, value: str, action: str, slack: SlackContext) -> None:
        self._do("follow_up", value, action, slack)

    def retry(self, value: str, slack: SlackContext) -> None:
        self._do("retry", value, slack)

    def refine(self, value: str, text: str, slack: SlackContext) -> None:
        self._do("refine", value, text, slack)

    def photo_modes(self, model_alias: str | None) -> tuple[PhotoMode, ...]:
        return self.modes.get(model_alias or self.default_alias, ())

    def from_form(self, form: FormInput, slack: SlackContext, parent: str | None) -> None:
        self._do("from_form", form, slack, parent)

    def from_description(self, value: str, slack: SlackContext) -> None:
        self._do("from_description", value, slack)

    def load(self, value: str) -> tuple[JobRecord, Attempt | None]:
        found = self.records.get(value)
        if found is None:
            raise InputRejected("job.not_found")
        return found, found.chosen()

    def called(self, name: str) -> list[tuple[Any, ...]]:
        """The arguments of every call to ``name``."""
        return [call[1:] for call in self.calls if call[0] == name]


@dataclass
class _Config:
    max_candidates: int = 4


@dataclass
class FakeState:
    """The per-user state listeners read and write."""

    saved: dict[str, UserPrefs] = field(default_factory=dict)
    recent_jobs: list[RecentJob] = field(default_factory=list)
    threads: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    posts: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)

    def prefs(self, user_id: str) -> UserPrefs:
        return self.saved.get(user_id, UserPrefs())

    def save_prefs(self, user_id: str, prefs: UserPrefs) -> None:
        self.saved[user_id] = prefs

    def recent(self, user_id: str) -> list[RecentJob]:
        return self.recent_jobs

    def job_for_thread(self, channel: str, thread_ts: str) -> tuple[str, int] | None:
        return self.threads.get((channel, thread_ts))

    def post_for_message(self, channel: str, ts: str) -> tuple[str, int] | None:
        return self.posts.get((channel, ts))


@dataclass
class FakeDesk:
    """採用, 削除 and 候補を見る; ``refuse`` maps a method name to the error it raises."""

    calls: list[tuple[Any, ...]] = field(default_factory=list)
    refuse: dict[str, Exception] = field(default_factory=dict)
    approved_key: str = "approve.done"

    def _do(self, name: str, *args: Any) -> None:
        self.calls.append((name, *args))
        if name in self.refuse:
            raise self.refuse[name]

    def approve(self, value: str, user_id: str) -> str:
        self._do("approve", value, user_id)
        return self.approved_key

    def delete(self, value: str, user_id: str) -> None:
        self._do("delete", value, user_id)

    def show_candidates(self, value: str, slack: SlackContext, lang: Language) -> None:
        self._do("show_candidates", value, slack, lang)


@dataclass
class FakeReports:
    """誤判定を報告."""

    filed: list[tuple[str, str]] = field(default_factory=list)
    refuse: Exception | None = None

    def file(self, value: str, user_id: str) -> None:
        self.filed.append((value, user_id))
        if self.refuse is not None:
            raise self.refuse


@dataclass
class FakeTasks:
    """Runs background work at once, so a test sees what it tells the user."""

    names: list[str] = field(default_factory=list)

    def submit(self, name: str, work: Callable[[], None]) -> None:
        self.names.append(name)
        work()


def fake_catalogue() -> ModelCatalogue:
    """The enabled image models (real adapters and catalogue; nothing is called on their clients)."""
    nova = build_image_model(None, "amazon.nova-canvas-v1:0")
    return ModelCatalogue(
        nova, {"nova": nova, "sdxl": build_image_model(None, "stability.stable-diffusion-xl-v1")}
    )


@dataclass
class FakeServices:
    """The parts of ``services.container.Services`` the listeners use."""

    intake: FakeIntake = field(default_factory=FakeIntake)
    state: FakeState = field(default_factory=FakeState)
    desk: FakeDesk = field(default_factory=FakeDesk)
    reports: FakeReports = field(default_factory=FakeReports)
    describer: FakeDescriber = field(default_factory=FakeDescriber)
    tasks: FakeTasks = field(default_factory=FakeTasks)
    catalogue: ModelCatalogue = field(default_factory=fake_catalogue)


def usage(user_id: str, jobs: int) -> UserUsage:
    """One user's totals, as App Home lists them for admins."""
    return UserUsage(user_id=user_id, jobs=jobs, posted=jobs, images=jobs, cost_usd=0.04 * jobs)
