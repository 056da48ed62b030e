"""Taking turns (UPSCALE_CONCURRENCY): a few at once, the rest in line and told their place; no timing."""

from __future__ import annotations

import threading

import pytest

from services.generation.turns import Turns

HOLD = 30  # seconds before a hang fails the test; nothing here measures time


class Waiter:
    """A thread that takes a turn, says what it was told, and holds the turn until let go."""

    def __init__(self, turns: Turns, name: str, started: list[str]) -> None:
        self.told: list[int] = []
        self.holding = threading.Event()
        self.done = threading.Event()
        self.place_told = threading.Condition()
        self._turns, self._name, self._started = turns, name, started
        self._thread = threading.Thread(target=self._run, name=name)
        self._thread.start()

    def _run(self) -> None:
        with self._turns.hold(self._tell):
            self._started.append(self._name)
            self.holding.set()
            assert self.done.wait(HOLD)

    def _tell(self, place: int) -> None:
        with self.place_told:
            self.told.append(place)
            self.place_told.notify_all()

    def wait_told(self, place: int) -> None:
        with self.place_told:
            assert self.place_told.wait_for(lambda: place in self.told, HOLD), self.told

    def finish(self) -> None:
        self.done.set()
        self._thread.join(HOLD)


def test_only_limit_hold_at_once_and_the_rest_start_in_order_of_arrival() -> None:
    turns = Turns(2)
    started: list[str] = []
    first = Waiter(turns, "first", started)
    assert first.holding.wait(HOLD)
    second = Waiter(turns, "second", started)
    assert second.holding.wait(HOLD)
    third = Waiter(turns, "third", started)
    third.wait_told(1)
    fourth = Waiter(turns, "fourth", started)
    fourth.wait_told(2)

    assert started == ["first", "second"]  # two at once; the others wait
    second.finish()
    assert third.holding.wait(HOLD)
    fourth.wait_told(1)  # one place up
    assert started == ["first", "second", "third"]
    first.finish()
    assert fourth.holding.wait(HOLD)

    assert started == ["first", "second", "third", "fourth"]
    assert first.told == second.told == [] and third.told == [1] and fourth.told == [2, 1]
    third.finish()
    fourth.finish()


def test_a_waiter_that_gives_up_leaves_the_line() -> None:
    turns = Turns(1)
    started: list[str] = []
    holder = Waiter(turns, "holder", started)
    assert holder.holding.wait(HOLD)
    behind = Waiter(turns, "behind", started)
    behind.wait_told(1)

    def impatient(place: int) -> None:
        raise RuntimeError("gave up")

    with pytest.raises(RuntimeError):
        turns.take(impatient)
    holder.finish()

    assert behind.holding.wait(HOLD)  # nobody left in line ahead of it
    assert behind.told == [1]
    behind.finish()


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Turns(0)
