"""RequestPriority: background work waits while Slack's requests are answered, for a bounded time.

A fake clock drives the bound, and threads are coordinated by events, so every assertion is about
order (what was waiting for what), never about how long anything took.
"""

from __future__ import annotations

import threading

from services.core.priority import RequestPriority

WAIT = 10  # seconds before a test gives up on a thread (a hang, not a timing)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_in_flight_means_no_wait() -> None:
    priority = RequestPriority(clock=Clock())

    assert priority.yield_to_requests() == 0.0


def test_background_work_starts_only_after_the_request_is_answered() -> None:
    priority = RequestPriority(settle=0.0, max_wait=WAIT)
    order: list[str] = []
    entered, answered = threading.Event(), threading.Event()

    def request() -> None:
        with priority.request():
            entered.set()
            answered.wait(WAIT)
            order.append("ack")

    def background() -> None:
        priority.yield_to_requests()
        order.append("status post")

    serving = threading.Thread(target=request)
    serving.start()
    assert entered.wait(WAIT)
    waiting = threading.Thread(target=background)
    waiting.start()
    answered.set()
    serving.join(WAIT)
    waiting.join(WAIT)

    assert order == ["ack", "status post"]
    assert priority.serving == 0


def test_a_burst_is_not_over_until_it_has_settled() -> None:
    clock = Clock()
    priority = RequestPriority(settle=0.02, max_wait=0.3, clock=clock)
    with priority.request():
        pass
    clock.now += 0.01  # the next request of the burst may still come

    assert priority._busy(clock.now)
    clock.now += 0.02
    assert not priority._busy(clock.now)
    assert priority.yield_to_requests() == 0.0


class TickingClock(Clock):
    """Each reading is a tenth of a second after the last."""

    def __call__(self) -> float:
        self.now += 0.1
        return self.now


def test_no_background_work_waits_longer_than_the_bound() -> None:
    priority = RequestPriority(settle=0.02, max_wait=0.3, clock=TickingClock())
    inside, release = threading.Event(), threading.Event()

    def endless_request() -> None:
        with priority.request():
            inside.set()
            release.wait(WAIT)

    serving = threading.Thread(target=endless_request)
    serving.start()
    assert inside.wait(WAIT)

    waited = priority.yield_to_requests()  # returns though the request is still being answered

    assert priority.serving == 1
    assert 0.3 <= waited < 0.5
    release.set()
    serving.join(WAIT)
