"""StatusBoard against the local Slack API server, with a fake clock for every limit."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk.web import WebClient

from services.slack.status_board import StatusBoard
from tests.conftest import BOT_TOKEN
from tests.servers.slack_api import SlackApiServer

# How long a test waits to be sure the sender has nothing more to send at this fake time.
SETTLE = 0.2


class FakeClock:
    """A monotonic clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(slack_api: SlackApiServer) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=slack_api.base_url)


@pytest.fixture
def make_board(client: WebClient, clock: FakeClock) -> Iterator[Callable[..., StatusBoard]]:
    boards: list[StatusBoard] = []

    def make(**kwargs: Any) -> StatusBoard:
        board = StatusBoard(client, clock=clock, **kwargs)
        boards.append(board)
        return board

    yield make
    for board in boards:
        board.close(timeout=0)


def texts(slack_api: SlackApiServer) -> list[str]:
    return [str(call.params["text"]) for call in slack_api.calls("chat.update")]


def tick(board: StatusBoard, clock: FakeClock, seconds: float) -> None:
    """Move the fake clock and wake the sender (it sleeps in real time until told otherwise)."""
    clock.advance(seconds)
    board.flush(0)


def board_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "status-board"]


def test_many_shows_of_one_message_become_one_update_now_and_the_latest_later(
    make_board: Callable[..., StatusBoard], slack_api: SlackApiServer, clock: FakeClock
) -> None:
    board = make_board(per_minute=60, burst=5, min_interval=1.0)

    board.show("C1", "1.000001", "進捗 1")
    assert board.flush(5)
    for n in range(2, 101):
        board.show("C1", "1.000001", f"進捗 {n}")
    assert not board.flush(SETTLE)
    assert texts(slack_api) == ["進捗 1"]

    clock.advance(1.0)
    assert board.flush(5)
    assert texts(slack_api) == ["進捗 1", "進捗 100"]
    assert slack_api.calls("chat.update")[-1].params["ts"] == "1.000001"


def test_identical_text_is_not_sent_again(
    make_board: Callable[..., StatusBoard], slack_api: SlackApiServer, clock: FakeClock
) -> None:
    board = make_board(min_interval=1.0)
    board.show("C1", "1.1", "生成中")
    assert board.flush(5)
    clock.advance(5)
    board.show("C1", "1.1", "検証中")
    board.show("C1", "1.1", "生成中")
    assert board.flush(5)
    assert texts(slack_api) == ["生成中"]


def test_each_team_has_its_own_bucket(
    make_board: Callable[..., StatusBoard], slack_api: SlackApiServer, clock: FakeClock
) -> None:
    board = make_board(per_minute=60, burst=2, min_interval=0.0)
    teams = ["T1", "T2", "T3"]
    for team in teams:
        for n in range(4):
            board.show(f"C-{team}", f"1.{n}", f"{team} {n}", team_id=team)

    def per_team(count: int) -> Counter[str]:
        calls = slack_api.wait_for("chat.update", count, timeout=5)
        assert not board.flush(SETTLE)
        assert len(slack_api.calls("chat.update")) == count
        return Counter(str(call.params["channel"]) for call in calls)

    # The burst first, then one a second (60 a minute) for every team at once.
    assert per_team(6) == {"C-T1": 2, "C-T2": 2, "C-T3": 2}
    tick(board, clock, 1.0)
    assert per_team(9) == {"C-T1": 3, "C-T2": 3, "C-T3": 3}
    clock.advance(1.0)
    assert board.flush(5)
    assert Counter(str(c.params["channel"]) for c in slack_api.calls("chat.update")) == dict.fromkeys(
        ["C-T1", "C-T2", "C-T3"], 4
    )


def test_a_busy_team_does_not_delay_another(
    make_board: Callable[..., StatusBoard], slack_api: SlackApiServer
) -> None:
    board = make_board(per_minute=60, burst=1, min_interval=0.0)
    for n in range(10):
        board.show("C-busy", f"1.{n}", f"busy {n}", team_id="TBUSY")
    board.show("C-quiet", "2.0", "quiet", team_id=None)
    slack_api.wait_for("chat.update", 2, timeout=5)
    assert not board.flush(SETTLE)
    assert sorted(texts(slack_api)) == ["busy 0", "quiet"]


def test_finals_go_before_progress_when_tokens_are_scarce(
    make_board: Callable[..., StatusBoard], slack_api: SlackApiServer, clock: FakeClock
) -> None:
    board = make_board(per_minute=60, burst=1, min_interval=0.0)
    board.show("C1", "1.0", "first")
    assert board.flush(5)
    board.show("C1", "1.1", "progress b")
    board.show("C1", "1.2", "progress c")
    board.show("C1", "1.3", "完了 d", final=True)
    assert not board.flush(SETTLE)
    assert texts(slack_api) == ["first"]

    for count in (2, 3):
        tick(board, clock, 1.0)
        slack_api.wait_for("chat.update", count, timeout=5)
    clock.advance(1.0)
    assert board.flush(5)
    assert texts(slack_api) == ["first", "完了 d", "progress b", "progress c"]


def test_a_final_text_wins_over_later_progress(
    make_board: Callable[..., StatusBoard], slack_api: SlackApiServer, clock: FakeClock
) -> None:
    board = make_board(min_interval=1.0)
    board.show("C1", "1.1", "生成中")
    assert board.flush(5)
    board.show("C1", "1.1", "完了", final=True)
    # A straggling candidate thread reports after the job finished.
    board.show("C1", "1.1", "検証中")
    clock.advance(1.0)
    assert board.flush(5)
    board.show("C1", "1.1", "検証中 (late)")
    clock.advance(1.0)
    assert board.flush(5)
    assert texts(slack_api) == ["生成中", "完了"]


def test_a_new_final_replaces_the_old_one(
    make_board: Callable[..., StatusBoard], slack_api: SlackApiServer, clock: FakeClock
) -> None:
    board = make_board(min_interval=1.0)
    board.show("C1", "1.1", "失敗", final=True)
    assert board.flush(5)
    board.show(
        "C1",
        "1.1",
        "完了",
        final=True,
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "完了"}}],
    )
    clock.advance(1.0)
    assert board.flush(5)
    assert texts(slack_api) == ["失敗", "完了"]
    assert slack_api.calls("chat.update")[-1].params["blocks"][0]["type"] == "section"


def test_slack_errors_are_logged_and_the_sender_goes_on(
    make_board: Callable[..., StatusBoard], slack_api: SlackApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    board = make_board()
    slack_api.fail_next("chat.update", "message_not_found")
    with caplog.at_level(logging.WARNING, logger="services.slack.status_board"):
        board.show("C1", "1.1", "完了", final=True)
        assert board.flush(5)
        board.show("C1", "1.2", "生成中")
        assert board.flush(5)
    assert texts(slack_api) == ["完了", "生成中"]
    assert "message_not_found" in caplog.text
    assert BOT_TOKEN not in caplog.text


def test_connection_errors_do_not_kill_the_sender(
    clock: FakeClock, caplog: pytest.LogCaptureFixture, slack_api: SlackApiServer
) -> None:
    # Port 1 refuses connections at once; no retry handlers so the test stays quick.
    dead = StatusBoard(
        WebClient(token=BOT_TOKEN, base_url="http://127.0.0.1:1/api/", retry_handlers=[]), clock=clock
    )
    try:
        with caplog.at_level(logging.WARNING, logger="services.slack.status_board"):
            dead.show("C1", "1.1", "a")
            dead.show("C1", "1.2", "b")
            assert dead.flush(5)
        assert caplog.text.count("status update of") == 2
        assert BOT_TOKEN not in caplog.text
    finally:
        dead.close()


def test_ratelimited_backs_off_only_that_team(
    make_board: Callable[..., StatusBoard], slack_api: SlackApiServer, clock: FakeClock
) -> None:
    board = make_board(per_minute=60, burst=5, min_interval=0.0)
    slack_api.fail_next("chat.update", "ratelimited", status=429, retry_after=30)
    board.show("C-T1", "1.1", "完了", team_id="T1", final=True)
    slack_api.wait_for("chat.update", 1, timeout=5)
    board.show("C-T2", "2.1", "生成中", team_id="T2")
    board.show("C-T1", "1.2", "生成中", team_id="T1")
    slack_api.wait_for("chat.update", 2, timeout=5)
    assert not board.flush(SETTLE)
    assert texts(slack_api) == ["完了", "生成中"]
    assert slack_api.calls("chat.update")[1].params["channel"] == "C-T2"

    clock.advance(29.0)
    assert not board.flush(SETTLE)
    assert len(slack_api.calls("chat.update")) == 2

    # After Retry-After the bucket refills from empty: one token a second. The final is retried first.
    tick(board, clock, 2.0)
    slack_api.wait_for("chat.update", 3, timeout=5)
    clock.advance(1.0)
    assert board.flush(5)
    calls = slack_api.calls("chat.update")
    assert [(c.params["ts"], c.params["text"]) for c in calls[2:]] == [("1.1", "完了"), ("1.2", "生成中")]


def test_reports_from_many_threads_are_coalesced_per_message(
    make_board: Callable[..., StatusBoard], slack_api: SlackApiServer, clock: FakeClock
) -> None:
    board = make_board(per_minute=600, burst=10, min_interval=1.0)
    workers = range(1, 5)
    for worker in workers:
        board.show(f"C{worker}", f"{worker}.0", f"worker {worker} start")
    assert board.flush(5)

    def report(worker: int) -> None:
        for n in range(200):
            board.show(f"C{worker}", f"{worker}.0", f"worker {worker} step {n}")

    threads = [threading.Thread(target=report, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
        assert not thread.is_alive()
    assert len(slack_api.calls("chat.update")) == 4
    clock.advance(1.0)
    assert board.flush(5)
    assert sorted(texts(slack_api)[4:]) == [f"worker {w} step 199" for w in workers]


def test_close_sends_what_is_pending_and_stops_the_thread(
    client: WebClient, slack_api: SlackApiServer, clock: FakeClock
) -> None:
    board = StatusBoard(client, clock=clock, per_minute=60, burst=3)
    for n in range(3):
        board.show("C1", f"1.{n}", f"完了 {n}", final=True)
    board.close()
    assert sorted(texts(slack_api)) == ["完了 0", "完了 1", "完了 2"]
    assert board_threads() == []

    board.show("C1", "1.9", "after close")
    board.close()
    assert len(slack_api.calls("chat.update")) == 3
    assert board_threads() == []


def test_close_gives_up_after_its_timeout_and_still_stops(
    client: WebClient, slack_api: SlackApiServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    board = StatusBoard(client, clock=clock, per_minute=60, burst=1)
    board.show("C1", "1.1", "生成中")
    assert board.flush(5)
    # The only token is spent and the fake clock never moves: nothing more can go.
    board.show("C1", "1.2", "完了", final=True)
    board.show("C1", "1.3", "生成中")
    with caplog.at_level(logging.WARNING, logger="services.slack.status_board"):
        board.close(timeout=SETTLE)
    assert len(slack_api.calls("chat.update")) == 1
    assert "2 update(s) unsent (1 final)" in caplog.text
    assert board_threads() == []


def test_a_board_that_never_showed_anything_closes_at_once(client: WebClient) -> None:
    board = StatusBoard(client)
    assert board.flush(0)
    board.close()
    assert board_threads() == []


def test_bad_limits_are_refused(client: WebClient) -> None:
    with pytest.raises(ValueError, match="per_minute"):
        StatusBoard(client, per_minute=0)
