"""HTTP mode's front door: health check, routing, and many Slack requests at once."""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from slack_bolt import App

from bot.http import EVENTS_PATH, HttpFrontend, ServerRunner, make_server
from tests import slack_requests
from tests.conftest import BotHarness

SLACK_ACK_LIMIT = 3.0  # seconds; Slack shows the user an error after this
CONCURRENT = 20

# An exception in the server's loop thread (e.g. EBADF on shutdown) must fail the test, not just warn.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]


def fetch(url: str, method: str = "GET", data: bytes | None = None) -> Answer:
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, response.read().decode(), dict(response.headers))
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.read().decode(), dict(exc.headers))


@dataclass
class Running:
    frontend: HttpFrontend
    runner: ServerRunner
    base_url: str
    stopped: bool = False

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.runner.stop()


@pytest.fixture
def not_yet_ready() -> Iterator[Running]:
    """A frontend on the real waitress server whose readiness the test controls."""
    app = App(
        token="xoxb-test-token",
        signing_secret=slack_requests.SIGNING_SECRET,
        token_verification_enabled=False,
    )
    frontend = HttpFrontend(app)
    runner = ServerRunner(make_server(frontend, "127.0.0.1", 0, 2)).start()
    try:
        running = Running(frontend, runner, f"http://127.0.0.1:{runner.port}")
        yield running
    finally:
        running.stop()


# --- health check -------------------------------------------------------------------------------


def test_healthz_is_503_until_ready_then_200(not_yet_ready: Running) -> None:
    before = fetch(f"{not_yet_ready.base_url}/healthz")
    not_yet_ready.frontend.ready.set()
    after = fetch(f"{not_yet_ready.base_url}/healthz")

    assert (before.status, before.body) == (503, "starting\n")
    assert (after.status, after.body) == (200, "ok\n")


def test_healthz_answers_head_requests(not_yet_ready: Running) -> None:
    not_yet_ready.frontend.ready.set()

    answer = fetch(f"{not_yet_ready.base_url}/healthz", method="HEAD")

    assert answer.status == 200
    assert answer.body == ""


def test_server_identifies_itself_as_the_bot_not_a_dev_server(not_yet_ready: Running) -> None:
    answer = fetch(f"{not_yet_ready.base_url}/healthz")

    assert answer.headers.get("Server") == "ja-image-bot"


def test_runner_reports_the_bound_port_as_a_number(not_yet_ready: Running) -> None:
    assert isinstance(not_yet_ready.runner.port, int)
    assert not_yet_ready.runner.port > 0


def test_stopped_runner_refuses_new_connections(not_yet_ready: Running) -> None:
    not_yet_ready.frontend.ready.set()
    assert fetch(f"{not_yet_ready.base_url}/healthz").status == 200

    started = time.monotonic()
    not_yet_ready.stop()

    assert time.monotonic() - started < 5
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{not_yet_ready.base_url}/healthz", timeout=5)


def test_stopping_a_stopped_runner_is_harmless(not_yet_ready: Running) -> None:
    not_yet_ready.stop()

    not_yet_ready.runner.stop()


# --- routing -----------------------------------------------------------------------------------


def test_unknown_path_is_404(bot: BotHarness) -> None:
    answer = fetch(f"{bot.base}/wp-login.php")

    assert answer.status == 404
    assert answer.body == "not found\n"


def test_get_on_the_slack_events_path_is_404(bot: BotHarness) -> None:
    answer = fetch(f"{bot.base}{EVENTS_PATH}")

    assert answer.status == 404


def test_post_to_healthz_is_404(bot: BotHarness) -> None:
    answer = fetch(f"{bot.base}/healthz", method="POST", data=b"")

    assert answer.status == 404


def test_slack_request_with_a_bad_signature_is_refused_and_queues_nothing(bot: BotHarness) -> None:
    body = slack_requests.command_body("夜の海にオーロラ")
    headers = slack_requests.signed_headers(body, slack_requests.FORM, secret="not-the-secret")

    answer = bot.post(body, slack_requests.FORM, headers=headers)

    assert answer.status == 401
    assert bot.services.runner.in_flight == 0
    assert bot.slack.calls("chat.postMessage") == []


# --- concurrency ---------------------------------------------------------------------------------


def test_twenty_slash_commands_at_once_are_all_acked_within_slacks_limit(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="services.jobs.runner")
    start = threading.Barrier(CONCURRENT)
    results: dict[int, tuple[int, float]] = {}
    errors: list[BaseException] = []

    def send(n: int) -> None:
        try:
            start.wait(timeout=10)
            began = time.monotonic()
            # Twenty people at once: one user may only have MAX_JOBS_PER_USER jobs in flight.
            answer = bot.command(f"夜の海にオーロラ その{n}", user_id=f"U{n:04d}")
            results[n] = (answer.status, time.monotonic() - began)
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(results) == list(range(CONCURRENT))
    assert all(status == 200 for status, _ in results.values()), results
    slowest = max(seconds for _, seconds in results.values())
    assert slowest < SLACK_ACK_LIMIT, f"slowest ack took {slowest:.2f}s"

    bot.wait_idle(60)
    received = [
        call.params["text"]
        for call in bot.slack.calls("chat.postMessage")
        if "リクエストを受け付けました" in call.params.get("text", "")
    ]
    assert len(received) == CONCURRENT
    for n in range(CONCURRENT):
        assert sum(f"オーロラ その{n}」" in text for text in received) == 1, n
    # Requests were handled on more than one server thread.
    handlers = {record.threadName for record in caplog.records if "queued (command)" in record.getMessage()}
    assert len(handlers) > 1, handlers
