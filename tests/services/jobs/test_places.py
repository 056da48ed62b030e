"""``places``, the queue simulation behind 「順番待ち（N 番目）」, against the rule it implements.

The runner's workers pick ``next_user`` (the earliest turn among users below the cap whose first
job's class is below its cap) each time a worker is free; ``places`` must give every waiting job
the place that rule gives it. The oracle below plays the rule the obvious way, scanning every user
for every job.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Mapping, Sequence

import pytest

from services.core.edits import EditAction, EditSpec
from services.core.job import Job, SlackContext
from services.jobs.runner import UPSCALE, Queued, next_user, places

Caps = dict[str, int]


def oracle(
    waiting: Mapping[str, Sequence[Queued]],
    started: Sequence[Queued],
    workers: int,
    cap: int | None,
    class_caps: Caps,
) -> dict[Queued, int]:
    queues = {user: deque(queue) for user, queue in waiting.items() if queue}
    running = Counter(entry.user for entry in started)
    classes = Counter(entry.kind for entry in started if entry.kind)
    ending = deque(started)
    ended = 0
    found: dict[Queued, int] = {}
    while queues:
        user = next_user(queues, running, cap, classes, class_caps) if len(ending) < workers else None
        if user is None:
            done = ending.popleft()
            running[done.user] -= 1
            if done.kind:
                classes[done.kind] -= 1
            ended += 1
            continue
        entry = queues[user].popleft()
        found[entry] = ended
        if not queues[user]:
            del queues[user]
        running[user] += 1
        if entry.kind:
            classes[entry.kind] += 1
        ending.append(entry)
    return found


def queued(user: str, turn: tuple[int, int], action: EditAction | None = None) -> Queued:
    """A job of ``user``; ``action``: an edit of that kind (``upscale`` has a class of its own)."""
    edit = EditSpec(action=action) if action else None
    return Queued(Job(text="x", edit=edit, slack=SlackContext(channel_id="C0CHAN", user_id=user)), user, turn)


def random_queue(rng: random.Random) -> tuple[dict[str, list[Queued]], list[Queued], int, int | None, Caps]:
    users = [f"U{n}" for n in range(rng.randint(1, 8))]
    workers = rng.randint(1, 6)
    cap = rng.choice([None, 1, 2, 3])
    class_caps: Caps = rng.choice([{}, {UPSCALE: 1}, {UPSCALE: 2}, {UPSCALE: 3}])
    upscales = rng.random()  # how often a job is an upscale, rather than a prompt or another edit

    def action() -> EditAction | None:
        return "upscale" if rng.random() < upscales else rng.choice([None, "remove_background"])

    started = [queued(rng.choice(users), (0, -1), action()) for _ in range(rng.randint(0, workers))]
    # The runner never starts a job beyond a user's cap or its class's.
    if cap is not None:
        started = [
            q for i, q in enumerate(started) if [s.user for s in started[: i + 1]].count(q.user) <= cap
        ]
    if UPSCALE in class_caps:
        limit = class_caps[UPSCALE]
        started = [
            q
            for i, q in enumerate(started)
            if [s.kind for s in started[: i + 1]].count(q.kind) <= limit or not q.kind
        ]
    waiting: dict[str, list[Queued]] = {}
    for arrival in range(rng.randint(0, 30)):
        user = rng.choice(users)
        waiting.setdefault(user, []).append(queued(user, (rng.randint(0, 5), arrival), action()))
    for queue in waiting.values():
        queue.sort(key=lambda entry: entry.turn)
    return waiting, started, workers, cap, class_caps


@pytest.mark.parametrize("seed", range(300))
def test_places_follow_the_workers_rule(seed: int) -> None:
    waiting, started, workers, cap, class_caps = random_queue(random.Random(seed))

    assert places(waiting, started, workers, cap, class_caps) == oracle(
        waiting, started, workers, cap, class_caps
    )


def test_random_queues_hold_upscales_back() -> None:
    """The random cases reach the class rule: in some, an upscale waits though a worker is free."""
    held = 0
    for seed in range(300):
        waiting, started, workers, cap, class_caps = random_queue(random.Random(seed))
        found = places(waiting, started, workers, cap, class_caps)
        free = places(waiting, started, workers, cap)
        held += any(found[entry] > free[entry] for queue in waiting.values() for entry in queue if entry.kind)
    assert held >= 20


def test_an_upscale_at_its_cap_waits_and_lets_a_later_job_start() -> None:
    first, second = queued("U1", (0, 0), "upscale"), queued("U2", (0, 1), "upscale")
    prompt, later = queued("U3", (0, 2)), queued("U2", (1, 3))
    found = places({"U1": [first], "U2": [second, later], "U3": [prompt]}, [], 2, None, {UPSCALE: 1})

    # U2's upscale waits for U1's to end; U2's later job waits behind it, U3's starts at once.
    assert [found[first], found[second], found[prompt], found[later]] == [0, 1, 0, 2]


def test_a_burst_of_single_jobs_waits_in_arrival_order() -> None:
    jobs = [
        Queued(Job(text="x", slack=SlackContext(channel_id="C", user_id=f"U{n}")), f"U{n}", (0, n))
        for n in range(50)
    ]
    found = places({q.user: [q] for q in jobs}, [], 8, 3)

    assert [found[q] for q in jobs] == [0] * 8 + list(range(1, 43))
