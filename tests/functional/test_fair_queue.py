"""Fair queueing through the real app, over signed HTTP: a user's requests beyond MAX_JOBS_PER_USER
wait their turn with their place in the status message, other users' requests are not held up
by them, and only a queue longer than MAX_QUEUED_PER_USER is refused.

Jobs are held in their translation until the test lets them go, so what is asserted is order and
place, never time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.settings import Settings
from services.slack.messages import t
from tests.conftest import BotHarness
from tests.functional.holding import TRANSLATE, TranslationGate, wait_until
from tests.servers.aws_emulator import AwsEmulator
from tests.servers.slack_api import SlackApiServer

QUEUED = re.compile(re.escape(t("status.queued", position=999)).replace("999", r"\d+"))

MakeBot = Callable[..., BotHarness]


@pytest.fixture
def make_bot(settings: Settings, slack_api: SlackApiServer, aws: AwsEmulator, s3: Any) -> Iterator[MakeBot]:
    """A bot from the test settings with some changed; a roomy edit budget so finals go out quickly."""
    made: list[BotHarness] = []

    def make(**update: Any) -> BotHarness:
        update.setdefault("status_updates_per_minute", 600)
        harness = BotHarness(settings.model_copy(update=update), slack_api, aws, s3)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()


@pytest.fixture
def gate(aws: AwsEmulator) -> Iterator[TranslationGate]:
    held = TranslationGate()
    aws.set_responder(f"Converse:{TRANSLATE}", held)
    yield held
    held.opened.set()


def first_status(slack: SlackApiServer, text: str, user: str = "U0USER") -> str:
    """The status message of the request ``text`` as first posted."""
    head = t("status.received", user=user, text=text)
    [post] = [c for c in slack.calls("chat.postMessage") if str(c.params.get("text", "")).startswith(head)]
    return str(post.params["text"])


def places_shown(slack: SlackApiServer, text: str) -> list[str]:
    """The queue lines the status message of ``text`` showed, first post and edits, in order."""
    head = t("status.received", user="U0USER", text=text).split("\n", 1)[0]
    edits = [c for c in slack.calls() if c.method in ("chat.postMessage", "chat.update")]
    texts = [str(c.params.get("text", "")) for c in edits]
    lines = [body.rsplit("\n", 1)[-1] for body in texts if body.startswith(head)]
    return [line for line in lines if QUEUED.fullmatch(line)]


def test_a_fourth_request_waits_with_its_place_shown_and_the_twenty_first_in_line_is_refused(
    make_bot: MakeBot, gate: TranslationGate
) -> None:
    bot = make_bot()  # MAX_JOBS_PER_USER=3 and MAX_QUEUED_PER_USER=20, the defaults; 4 workers
    texts = [f"夜の海と灯台 その{n}" for n in range(1, 25)]

    running = [bot.command(text) for text in texts[:3]]
    gate.wait_arrived(3)
    waiting = [bot.command(text) for text in texts[3:23]]
    refused = bot.command(texts[23])
    other = bot.command("桜と富士山", user_id="U0OTHER")
    # A worker is free, so the other user's request starts beside the three at once.
    assert "桜と富士山" in gate.wait_arrived(4)[-1]
    gate.opened.set()
    bot.wait_idle(60)

    assert all(r.status == 200 and r.body == "" for r in [*running, *waiting, other])
    assert json.loads(refused.body) == {"text": t("quota.queue_full", limit=20), "response_type": "ephemeral"}
    received = {text: t("status.received", user="U0USER", text=text) for text in texts}
    assert first_status(bot.slack, texts[2]) == received[texts[2]]
    assert first_status(bot.slack, texts[3]) == received[texts[3]] + "\n" + t("status.queued", position=1)
    # Its place as the message is posted: 20, or 21 once the other user's request, sent right after,
    # runs on the fourth worker (one more job to end before it).
    assert first_status(bot.slack, texts[22]) in {
        received[texts[22]] + "\n" + t("status.queued", position=place) for place in (20, 21)
    }
    assert first_status(bot.slack, "桜と富士山", "U0OTHER") == t(
        "status.received", user="U0OTHER", text="桜と富士山"
    )
    # Every accepted request made its image; the refused one made nothing.
    assert len(bot.slack.uploaded_files()) == 24
    assert texts[23] not in {record["original_text"] for record in bot.records()}


def test_another_users_request_goes_ahead_of_a_burst_and_the_burst_is_told(
    make_bot: MakeBot, gate: TranslationGate
) -> None:
    bot = make_bot(worker_threads=1)
    burst = ["夜の海 その1", "夜の海 その2", "夜の海 その3"]

    for text in burst:
        assert bot.command(text).body == ""
    gate.wait_arrived(1)
    assert bot.command("桜と富士山", user_id="U0OTHER", channel_id="C0OTHER").body == ""
    moved_back = t("status.queued", position=2)
    wait_until(lambda: moved_back in places_shown(bot.slack, burst[1]))
    gate.opened.set()
    bot.wait_idle(60)

    started = sorted(bot.records(), key=lambda record: record["started_at"])
    assert [record["original_text"] for record in started] == [burst[0], "桜と富士山", *burst[1:]]
    other = t("status.received", user="U0OTHER", text="桜と富士山")
    assert first_status(bot.slack, "桜と富士山", "U0OTHER") == other + "\n" + t("status.queued", position=1)
    # The burst's second request was first in line until the other user's went ahead of it.
    assert places_shown(bot.slack, burst[1])[:2] == [t("status.queued", position=1), moved_back]


def test_the_limits_come_from_the_settings_and_admins_are_not_held_to_them(
    make_bot: MakeBot, gate: TranslationGate
) -> None:
    bot = make_bot(max_jobs_per_user=1, max_queued_per_user=1, admin_users=["U0ADMIN"])

    first = bot.command("夜の海にオーロラ")
    gate.wait_arrived(1)
    second = bot.command("桜と富士山")
    third = bot.command("港の夜景")
    other_user = bot.command("港の夜景", user_id="U0OTHER")
    admin = [bot.command(f"港の夜景 その{n}", user_id="U0ADMIN") for n in range(1, 4)]
    gate.opened.set()
    bot.wait_idle(60)

    assert all(r.body == "" for r in [first, second, other_user, *admin])
    assert json.loads(third.body) == {"text": t("quota.queue_full", limit=1), "response_type": "ephemeral"}
    assert first_status(bot.slack, "桜と富士山").endswith("\n" + t("status.queued", position=1))
    assert len(bot.slack.uploaded_files()) == 6
