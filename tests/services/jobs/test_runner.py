"""The in-process runner (services/jobs/runner.py): round-robin across users, the running caps, places.

Jobs block until the test releases them, so every assertion is about order, never about time.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from services.core.edits import EditSpec
from services.core.job import Job, SlackContext
from services.jobs.runner import UPSCALE, JobRunner

WAIT = 10  # seconds before a test gives up on a job that never starts (a hang, not a timing)


def make_job(name: str) -> Job:
    """A job of user ``name[0]``, its text the name (A1 is user A's job 1); ``A1^`` is an upscale."""
    edit = EditSpec(action="upscale") if name.endswith("^") else None
    return Job(text=name, edit=edit, slack=SlackContext(channel_id="C0CHAN", user_id=f"U{name[0]}"))


class Gate:
    """A ``process`` whose jobs run until released, recording the order they start in."""

    def __init__(self, fail: frozenset[str] = frozenset()) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self.most_at_once: Counter[str] = Counter()
        self._fail = fail
        self._running: Counter[str] = Counter()
        self._release: dict[str, threading.Event] = {}
        self._changed = threading.Condition()

    def __call__(self, job: Job) -> None:
        user = job.slack.user_id if job.slack else ""
        with self._changed:
            self.started.append(job.text)
            self._running[user] += 1
            self.most_at_once[user] = max(self.most_at_once[user], self._running[user])
            release = self._release.setdefault(job.text, threading.Event())
            self._changed.notify_all()
        try:
            assert release.wait(WAIT), f"{job.text} was never released"
            if job.text in self._fail:
                raise RuntimeError("the pipeline blew up")
        finally:
            with self._changed:
                self._running[user] -= 1
                self.finished.append(job.text)
                self._changed.notify_all()

    def wait_started(self, count: int) -> list[str]:
        """Until ``count`` jobs have started; the order they started in."""
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.started) >= count, WAIT), self.started
            return list(self.started)

    def release(self, name: str) -> None:
        """Let job ``name`` finish, and wait until it has."""
        with self._changed:
            self._release.setdefault(name, threading.Event()).set()
            assert self._changed.wait_for(lambda: name in self.finished, WAIT)


class Places:
    """A QueueWatcher that keeps every job's places, in the order they were shown."""

    def __init__(self) -> None:
        self.shown: dict[str, list[int]] = {}
        self.moves: list[int] = []
        self._lock = threading.Lock()

    def accepted(self, job: Job, place: Callable[[], int]) -> None:
        position = place()  # at once, as if the announcer had no requests to wait for
        with self._lock:
            self.shown[job.text] = [position]

    def waiting(self, job: Job, position: int) -> None:
        with self._lock:
            self.shown[job.text].append(position)
            self.moves.append(position)

    def now(self, *names: str) -> list[int]:
        """The place last shown for each of ``names``."""
        with self._lock:
            return [self.shown[name][-1] for name in names]


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def places() -> Places:
    return Places()


MakeRunner = Callable[..., JobRunner]


@pytest.fixture
def make_runner(gate: Gate, places: Places) -> Iterator[MakeRunner]:
    """Runners of ``gate`` watched by ``places``; shut down after the test."""
    made: list[JobRunner] = []

    def make(workers: int, cap: int | None = None, upscales: int | None = None) -> JobRunner:
        class_caps = {UPSCALE: upscales} if upscales else None
        made.append(JobRunner(gate, workers, watcher=places, max_running_per_user=cap, class_caps=class_caps))
        return made[-1]

    yield make
    for runner in made:
        runner.shutdown(wait=False)


def submit(runner: JobRunner, *names: str) -> None:
    for name in names:
        runner.submit(make_job(name))


def test_a_request_during_a_burst_waits_for_one_job_not_for_the_burst(
    make_runner: MakeRunner, gate: Gate, places: Places
) -> None:
    runner = make_runner(1)
    submit(runner, "A0")
    gate.wait_started(1)
    submit(runner, "A1", "A2", "A3", "A4", "A5")
    submit(runner, "B0")

    assert places.now("B0") == [1]  # next, though five of A's were asked for first
    assert places.now("A1", "A2", "A3", "A4", "A5") == [2, 3, 4, 5, 6]
    assert places.shown["A1"] == [1, 2]  # told that B0 went ahead
    for name in ("A0", "B0", "A1", "A2", "A3", "A4"):
        gate.release(name)
    gate.wait_started(7)
    gate.release("A5")
    assert gate.started == ["A0", "B0", "A1", "A2", "A3", "A4", "A5"]


def test_two_bursts_take_turns(make_runner: MakeRunner, gate: Gate) -> None:
    runner = make_runner(1)
    submit(runner, "A0")
    gate.wait_started(1)
    submit(runner, "A1", "A2", "A3", "B0", "B1", "B2", "B3", "C0")

    for step in range(9):
        gate.release(gate.wait_started(step + 1)[-1])

    assert gate.started == ["A0", "B0", "C0", "A1", "B1", "A2", "B2", "A3", "B3"]


def test_a_user_runs_at_most_the_cap_and_others_are_not_held_up(
    make_runner: MakeRunner, gate: Gate, places: Places
) -> None:
    runner = make_runner(4, cap=2)
    submit(runner, "A0", "A1", "A2", "A3", "A4")
    assert sorted(gate.wait_started(2)) == ["A0", "A1"]
    # Workers are free, but A already runs two: A2 waits for one of them.
    assert places.now("A0", "A1", "A2", "A3", "A4") == [0, 0, 1, 2, 3]
    assert runner.active_for("UA") == 5

    submit(runner, "B0")
    assert gate.wait_started(3)[-1] == "B0"
    assert places.now("B0") == [0]

    gate.release("A0")
    assert gate.wait_started(4)[-1] == "A2"
    # Jobs are taken to end in the order they started: B0 before A2, so A4 is third in line.
    assert places.now("A3", "A4") == [1, 3]
    for name in ("B0", "A1", "A2", "A3"):
        gate.release(name)
    gate.wait_started(6)
    gate.release("A4")
    assert runner.wait_idle(WAIT)

    assert sorted(gate.started[:2]) == ["A0", "A1"]
    assert gate.started[2:] == ["B0", "A2", "A3", "A4"]
    assert gate.most_at_once["UA"] == 2
    assert runner.active_for("UA") == 0
    # A job a free worker is about to take is not told it is "0th in line": its progress follows.
    assert places.moves and 0 not in places.moves


def test_places_count_the_running_jobs_that_end_first(
    make_runner: MakeRunner, gate: Gate, places: Places
) -> None:
    runner = make_runner(2, cap=2)
    submit(runner, "A0", "A1")
    gate.wait_started(2)
    submit(runner, "A2", "A3", "B0", "C0")

    # Two workers, both busy with A's jobs: B0 and C0 are in the round A2 would be in.
    assert places.now("B0", "C0", "A2", "A3") == [1, 2, 3, 4]

    gate.release("A0")
    assert gate.wait_started(3)[-1] == "B0"
    assert places.now("C0", "A2", "A3") == [1, 2, 3]
    # Each newcomer went ahead of A2; then it moved up as B0 started.
    assert places.shown["A2"] == [1, 2, 3, 2]


def test_an_upscale_beyond_its_cap_waits_in_the_queue_not_on_a_worker(
    make_runner: MakeRunner, gate: Gate, places: Places
) -> None:
    runner = make_runner(2, upscales=1)
    submit(runner, "A0^", "B0^", "C0")

    # B0's upscale waits for A0's; the second worker runs C0, asked for after it.
    assert sorted(gate.wait_started(2)) == ["A0^", "C0"]
    assert places.now("A0^", "B0^", "C0") == [0, 1, 0]

    gate.release("A0^")
    assert gate.wait_started(3)[-1] == "B0^"
    gate.release("C0")
    gate.release("B0^")
    assert runner.wait_idle(WAIT)
    assert gate.started[2:] == ["B0^"]


def test_a_waiting_upscale_holds_its_users_later_jobs(
    make_runner: MakeRunner, gate: Gate, places: Places
) -> None:
    runner = make_runner(3, cap=1, upscales=1)
    submit(runner, "A0^", "B0^", "B1", "C0")
    assert sorted(gate.wait_started(2)) == ["A0^", "C0"]

    # A worker is free, but B's jobs keep their order: B1 waits behind B0's upscale.
    assert places.now("B0^", "B1") == [1, 3]
    gate.release("A0^")
    assert gate.wait_started(3)[-1] == "B0^"
    assert places.now("B1") == [2]  # C0 started before B0, so it is taken to end first
    gate.release("C0")
    gate.release("B0^")
    assert gate.wait_started(4)[-1] == "B1"
    gate.release("B1")
    assert runner.wait_idle(WAIT)


def test_a_failing_job_does_not_stop_its_worker(places: Places) -> None:
    gate = Gate(fail=frozenset({"A0"}))
    runner = JobRunner(gate, 1, watcher=places)
    try:
        submit(runner, "A0", "A1")
        gate.release("A0")
        assert gate.wait_started(2) == ["A0", "A1"]
        gate.release("A1")
        assert runner.wait_idle(WAIT)
    finally:
        runner.shutdown(wait=False)


def test_shutdown_without_waiting_leaves_the_queued_jobs(gate: Gate) -> None:
    runner = JobRunner(gate, 1, max_running_per_user=1)
    submit(runner, "A0", "A1", "B0")
    gate.wait_started(1)

    assert runner.shutdown(wait=False) == 1  # A0 still runs; A1 and B0 stay queued in the store
    with pytest.raises(RuntimeError, match="shut down"):
        submit(runner, "C0")
    gate.release("A0")
    assert runner.wait_idle(WAIT)
    assert gate.started == ["A0"]


def test_shutdown_finishes_queued_jobs_first(gate: Gate) -> None:
    runner = JobRunner(gate, 2, max_running_per_user=1)
    submit(runner, "A0", "A1", "A2")
    gate.wait_started(1)
    for name in ("A0", "A1", "A2"):
        threading.Thread(target=gate.release, args=(name,), daemon=True).start()

    assert runner.shutdown(wait=True, timeout=WAIT) == 0
    assert gate.started == ["A0", "A1", "A2"]


class LaterPlaces:
    """A QueueWatcher like the bot's announcer: it asks for a job's place only when it posts it."""

    def __init__(self) -> None:
        self.asks: dict[str, Callable[[], int]] = {}
        self.moves: list[tuple[str, int]] = []

    def accepted(self, job: Job, place: Callable[[], int]) -> None:
        self.asks[job.text] = place

    def waiting(self, job: Job, position: int) -> None:
        self.moves.append((job.text, position))


def test_a_place_asked_for_later_is_the_place_then_and_a_started_job_has_none(gate: Gate) -> None:
    watcher = LaterPlaces()
    runner = JobRunner(gate, 1, watcher=watcher)
    try:
        submit(runner, "A1", "B1", "C1")
        gate.wait_started(1)
        # Submitting found no places (nothing was asked), so nobody was told of a move either.
        assert watcher.moves == []
        gate.release("A1")
        gate.wait_started(2)
        # C1 was second in line when it was submitted; by the time its status is posted, first.
        assert watcher.asks["C1"]() == 1
        assert watcher.asks["B1"]() == 0  # running: its progress, not a place, follows
        gate.release("B1")
        gate.release("C1")
    finally:
        runner.shutdown(wait=False)
