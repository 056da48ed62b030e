"""The in-process queue: worker threads take jobs fairly across users, and each job knows its place.

Scheduling
----------
Round-robin across users, in rounds: a user's first waiting job joins the current round (the
round of the latest job to start), each further job of theirs the round after their previous
one. Workers start jobs round by round, in order of arrival within a round, and pass over users
who already run ``max_running_per_user`` jobs until one of theirs ends. So a burst of twelve
prompts from one person spreads over twelve rounds, and someone who asks meanwhile joins the
current round: they wait for at most one running job to end, never for the burst. (This is
start-time fair queuing with every job costing one.)

Some jobs have a class with its own running cap (``class_caps``): upscales (UPSCALE_CONCURRENCY),
each holding a 4096×4096 answer. A user whose first waiting job's class is at its cap is passed
over as a user at their own cap is, so the upscale waits here, not on a worker thread, and other
users' jobs start on the free workers; the user's later jobs wait behind it, in order.

A job's place (the 「順番待ち（2 番目）」 of its status message) is how many running jobs must end
before it starts, found by playing the same rule forward with jobs ending in the order they
started. It can go up as well as down: a newcomer goes ahead of a burst's later jobs. The watcher
finds it (``accepted`` hands it a function) as it posts the status message, after the burst.

The embedded bot runs jobs here; in scale-out mode ``sqs`` moves them between processes instead.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from services.core.job import Job

logger = logging.getLogger(__name__)

UPSCALE = "upscale"  # the class of ⬆️ jobs, capped by UPSCALE_CONCURRENCY


class _Process(Protocol):
    def __call__(self, job: Job) -> None: ...


class QueueWatcher(Protocol):
    """Told where each job stands in the queue, so its status message can show its place."""

    def accepted(self, job: Job, place: Callable[[], int]) -> None:
        """``job`` joined the queue; ``place()`` finds its place now (0: a worker starts it at once).

        Finding it plays the whole queue forward, so it is left to the watcher's own thread
        rather than done on the request thread that submitted the job.
        """

    def waiting(self, job: Job, position: int) -> None:
        """``job``'s place in the queue changed to ``position``."""


@dataclass(frozen=True, eq=False)
class Queued:
    """One submission (the same job submitted twice is two), hashed by identity."""

    job: Job
    user: str
    turn: tuple[int, int]  # (round, arrival): jobs start in this order

    @property
    def kind(self) -> str | None:
        """The job's class, if it has a running cap of its own (``class_caps``)."""
        return job_class(self.job)


def job_class(job: Job) -> str | None:
    """``UPSCALE`` for a ⬆️ job; other jobs have no class of their own."""
    return UPSCALE if job.edit is not None and job.edit.action == "upscale" else None


def _held(kind: str | None, classes: Mapping[str, int], class_caps: Mapping[str, int]) -> bool:
    """Whether a job of class ``kind`` must wait for one of its class to end."""
    return kind is not None and kind in class_caps and classes.get(kind, 0) >= class_caps[kind]


def next_user(
    waiting: Mapping[str, Sequence[Queued]],
    running: Mapping[str, int],
    cap: int | None,
    classes: Mapping[str, int] | None = None,
    class_caps: Mapping[str, int] | None = None,
) -> str | None:
    """Whose first waiting job starts next: the earliest turn among users below the cap whose
    first job's class (``classes``: running jobs per class) is below its cap, if any."""
    classes, class_caps = classes or {}, class_caps or {}
    chosen: tuple[int, int] | None = None
    user = None
    for candidate, queue in waiting.items():
        if not queue or (cap is not None and running.get(candidate, 0) >= cap):
            continue
        if _held(queue[0].kind, classes, class_caps):
            continue
        if chosen is None or queue[0].turn < chosen:
            chosen, user = queue[0].turn, candidate
    return user


def places(
    waiting: Mapping[str, Sequence[Queued]],
    started: Sequence[Queued],
    workers: int,
    cap: int | None,
    class_caps: Mapping[str, int] | None = None,
) -> dict[Queued, int]:
    """Each waiting job's place: how many running jobs end before it starts (0: it starts now).

    ``started`` lists the running jobs, oldest first; they are assumed to end in that order, and
    the next to start is chosen as the workers choose (``next_user``).

    Every status post, start and end plays this forward (off the request threads), so it keeps
    the users below the cap in a heap by their first job's turn: O(jobs × log users), where
    scanning every user for each job (``next_user``) made a burst of 50 commands quadratic. A user
    popped whose first job's class is at its cap is set aside until a job of that class ends.
    """
    class_caps = class_caps or {}
    queues = {user: deque(queue) for user, queue in waiting.items() if queue}
    running = Counter(entry.user for entry in started)
    classes = Counter(entry.kind for entry in started if entry.kind is not None)
    ending = deque(started)
    ended = 0
    found: dict[Queued, int] = {}
    ready = [(queue[0].turn, user) for user, queue in queues.items() if cap is None or running[user] < cap]
    heapq.heapify(ready)
    at_cap = {user for user in queues if cap is not None and running[user] >= cap}
    held: dict[str, list[str]] = {}  # per class at its cap, the users whose first job is of it

    def startable() -> str | None:
        while ready:
            _, user = heapq.heappop(ready)
            kind = queues[user][0].kind
            if kind is not None and _held(kind, classes, class_caps):
                held.setdefault(kind, []).append(user)
                continue
            return user
        return None

    while queues:
        user = startable() if len(ending) < workers else None
        if user is not None:
            queue = queues[user]
            entry = queue.popleft()
            found[entry] = ended
            running[user] += 1
            if entry.kind is not None:
                classes[entry.kind] += 1
            ending.append(entry)
            if not queue:
                del queues[user]
            elif cap is not None and running[user] >= cap:
                at_cap.add(user)
            else:
                heapq.heappush(ready, (queue[0].turn, user))
            continue
        if not ending:  # unreachable: a full pool or every user at a cap means jobs are running
            break
        done = ending.popleft()
        running[done.user] -= 1
        ended += 1
        if done.user in at_cap:
            # One of their jobs ended: they are below the cap again.
            at_cap.discard(done.user)
            heapq.heappush(ready, (queues[done.user][0].turn, done.user))
        if done.kind is not None:
            classes[done.kind] -= 1
            # A job of its class ended: the users waiting for one may start again.
            for other in held.pop(done.kind, ()):
                heapq.heappush(ready, (queues[other][0].turn, other))
    return found


class JobRunner:
    """An in-process queue: a fixed number of worker threads take jobs round-robin across users.

    Unlike a thread pool it knows where each waiting job stands, so the status message can say
    「順番待ち（2 番目）」 and follow the job's place as other jobs start and end. ``class_caps``:
    how many jobs of a class (``job_class``) run at once, e.g. ``{UPSCALE: 2}``.
    """

    def __init__(
        self,
        process: _Process,
        workers: int,
        *,
        watcher: QueueWatcher | None = None,
        max_running_per_user: int | None = None,
        class_caps: Mapping[str, int] | None = None,
    ) -> None:
        if workers < 1 or (max_running_per_user is not None and max_running_per_user < 1):
            raise ValueError("workers and max_running_per_user must be at least 1")
        if any(limit < 1 for limit in (class_caps or {}).values()):
            raise ValueError("class_caps must be at least 1")
        self._process = process
        self._watcher = watcher
        self._workers = workers
        self._cap = max_running_per_user
        self._waiting: dict[str, list[Queued]] = {}  # per user, in turn order
        self._class_caps = dict(class_caps or {})
        self._running: Counter[str] = Counter()
        self._classes: Counter[str] = Counter()  # running jobs per class
        self._started: dict[int, Queued] = {}  # the running jobs, by ticket, oldest first
        self._tickets = itertools.count()
        self._arrivals = itertools.count()
        self._round = 0  # the round of the latest job to start
        self._next_round: dict[str, int] = {}  # per user with jobs queued or running
        self._shown: dict[Queued, int] = {}  # the place each waiting job was last shown
        self._entering: set[Queued] = set()  # submitted, not yet in the queue
        self._closed = False
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # a job may have become startable
        self._idle = threading.Condition(self._lock)  # a job ended
        self._threads = [
            threading.Thread(target=self._serve, name=f"job-{n}", daemon=True) for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, job: Job) -> None:
        """Queue ``job``; returns at once. Raises RuntimeError after shutdown."""
        user = _user(job)
        with self._lock:
            if self._closed:
                raise RuntimeError("the job runner is shut down")
            turn = max(self._round, self._next_round.get(user, 0))
            self._next_round[user] = turn + 1
            entry = Queued(job, user, (turn, next(self._arrivals)))
            self._entering.add(entry)
        # Announced before a worker can see the job, so the worker finds its status message.
        if self._watcher is not None:
            self._watcher.accepted(job, lambda: self._place_of(entry))
        with self._lock:
            self._entering.discard(entry)
            # Sorted by turn: two jobs of one user submitted at once may get here in either order.
            bisect.insort(self._waiting.setdefault(user, []), entry, key=lambda queued: queued.turn)
            self._work.notify()
        logger.info("job %s: queued (%s)", job.job_id, job.trigger)

    def _place_of(self, entry: Queued) -> int:
        """``entry``'s place now; other waiting jobs whose place it changed are told theirs."""
        with self._lock:
            waiting: Mapping[str, Sequence[Queued]] = self._waiting
            if entry in self._entering:  # asked before the job joined the queue
                queue = list(self._waiting.get(entry.user, ()))
                bisect.insort(queue, entry, key=lambda queued: queued.turn)
                waiting = {**self._waiting, entry.user: queue}
            elif entry not in self._waiting.get(entry.user, ()):
                return 0  # started meanwhile: its progress follows
            now = self._places(waiting)
            position = now.get(entry, 0)
            self._shown[entry] = position  # so the moves below are the other jobs'
            moved = self._moves(now)
        self._announce(moved)
        return position

    def _serve(self) -> None:
        while True:
            with self._lock:
                self._work.wait_for(lambda: self._startable() is not None or self._drained())
                user = self._startable()
                if user is None:
                    return  # closed and drained
                entry = self._take(user)
                ticket = next(self._tickets)
                self._started[ticket] = entry
                moved = self._moves()
            self._announce(moved)
            try:
                self._process(entry.job)
            except Exception:
                logger.exception("job %s: worker failed", entry.job.job_id)
            finally:
                with self._lock:
                    del self._started[ticket]
                    self._running[user] -= 1
                    if entry.kind is not None:
                        self._classes[entry.kind] -= 1
                    if not self._running[user]:
                        del self._running[user]
                        if user not in self._waiting:
                            # Nothing of theirs left: their next job joins the current round.
                            self._next_round.pop(user, None)
                    # A worker is free, and its user and class may be below their caps again:
                    # that can make two jobs startable (the user's next, another's upscale).
                    self._work.notify_all()
                    self._idle.notify_all()
                    moved = self._moves()
                self._announce(moved)

    def _startable(self) -> str | None:
        if len(self._started) >= self._workers:
            return None
        return next_user(self._waiting, self._running, self._cap, self._classes, self._class_caps)

    def _drained(self) -> bool:
        return self._closed and not self._waiting

    def _take(self, user: str) -> Queued:
        queue = self._waiting[user]
        entry = queue.pop(0)
        if not queue:
            del self._waiting[user]
        self._running[user] += 1
        if entry.kind is not None:
            self._classes[entry.kind] += 1
        self._round = max(self._round, entry.turn[0])
        self._shown.pop(entry, None)
        return entry

    def _moves(self, now: dict[Queued, int] | None = None) -> list[tuple[Queued, int]]:
        """Waiting jobs whose place changed since it was last shown (under the lock).

        ``now``: the places already found for the jobs waiting now, if the caller has them.
        """
        if now is None:
            now = self._places(self._waiting)
        moved = []
        for entry, place in now.items():
            # Not shown: 0 (a worker takes the job now), or a place not yet asked for (found then).
            if place and entry in self._shown and self._shown[entry] != place:
                self._shown[entry] = place
                moved.append((entry, place))
        return moved

    def _places(self, waiting: Mapping[str, Sequence[Queued]]) -> dict[Queued, int]:
        started = list(self._started.values())
        return places(waiting, started, self._workers, self._cap, self._class_caps)

    def _announce(self, moved: list[tuple[Queued, int]]) -> None:
        if self._watcher is None:
            return
        for entry, place in moved:
            # Announced outside the lock: another thread may have found a newer place meanwhile.
            if self._shown.get(entry) != place:
                continue
            try:
                self._watcher.waiting(entry.job, place)
            except Exception:
                logger.exception("job %s: could not show its queue position", entry.job.job_id)

    def active_for(self, user_id: str) -> int:
        """The user's jobs queued or running in this process."""
        with self._lock:
            return len(self._waiting.get(user_id, ())) + self._running[user_id]

    @property
    def in_flight(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return self._queued() + len(self._started)

    def _queued(self) -> int:
        return sum(len(queue) for queue in self._waiting.values())

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is queued or running; False on timeout."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._waiting and not self._started, timeout)

    def shutdown(self, wait: bool = True, timeout: float | None = None) -> int:
        """Stop taking jobs; with ``wait``, finish the queued ones first (for ``timeout`` at most).

        Returns how many jobs were left queued or running; a durable job store resumes them at
        the next start.
        """
        with self._lock:
            self._closed = True
            if not wait:
                self._forget_waiting()
            self._work.notify_all()
        if not wait:
            return self.in_flight
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        with self._lock:
            left = self._queued() + len(self._started)
            self._forget_waiting()  # not started: they stay "queued" in the store
            self._work.notify_all()
            return left

    def _forget_waiting(self) -> None:
        self._waiting.clear()
        self._shown.clear()
        self._next_round = {user: n for user, n in self._next_round.items() if user in self._running}
        self._idle.notify_all()


def _user(job: Job) -> str:
    return job.slack.user_id if job.slack else ""
