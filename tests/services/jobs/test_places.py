"""``places``, the queue simulation behind 「順番待ち（N 番目）」, against the rule it implements.

The runner's workers pick ``next_user`` (the earliest turn among users below the cap) each time a
worker is free; ``places`` must give every waiting job the place that rule gives it. The oracle
below plays the rule the obvious way, scanning every user for every job.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Mapping, Sequence

import pytest

from services.core.job import Job, SlackContext
from services.jobs.runner import Queued, next_user, places


def oracle(
    waiting: Mapping[str, Sequence[Queued]], started: Sequence[str], workers: int, cap: int | None
) -> dict[Queued, int]:
    queues = {user: deque(queue) for user, queue in waiting.items() if queue}
    running = Counter(started)
    ending = deque(started)
    ended = 0
    found: dict[Queued, int] = {}
    while queues:
        user = next_user(queues, running, cap) if len(ending) < workers else None
        if user is None:
            running[ending.popleft()] -= 1
            ended += 1
            continue
        found[queues[user].popleft()] = ended
        if not queues[user]:
            del queues[user]
        running[user] += 1
        ending.append(user)
    return found


def random_queue(rng: random.Random) -> tuple[dict[str, list[Queued]], list[str], int, int | None]:
    users = [f"U{n}" for n in range(rng.randint(1, 8))]
    workers = rng.randint(1, 6)
    cap = rng.choice([None, 1, 2, 3])
    started = [rng.choice(users) for _ in range(rng.randint(0, workers))]
    if cap is not None:
        # The runner never starts a job beyond a user's cap.
        started = [u for i, u in enumerate(started) if started[: i + 1].count(u) <= cap]
    waiting: dict[str, list[Queued]] = {}
    for arrival in range(rng.randint(0, 30)):
        user = rng.choice(users)
        job = Job(text="x", slack=SlackContext(channel_id="C0CHAN", user_id=user))
        turn = (rng.randint(0, 5), arrival)
        waiting.setdefault(user, []).append(Queued(job, user, turn))
    for queue in waiting.values():
        queue.sort(key=lambda queued: queued.turn)
    return waiting, started, workers, cap


@pytest.mark.parametrize("seed", range(300))
def test_places_follow_the_workers_rule(seed: int) -> None:
    waiting, started, workers, cap = random_queue(random.Random(seed))

    assert places(waiting, started, workers, cap) == oracle(waiting, started, workers, cap)


def test_a_burst_of_single_jobs_waits_in_arrival_order() -> None:
    jobs = [
        Queued(Job(text="x", slack=SlackContext(channel_id="C", user_id=f"U{n}")), f"U{n}", (0, n))
        for n in range(50)
    ]
    found = places({q.user: [q] for q in jobs}, [], 8, 3)

    assert [found[q] for q in jobs] == [0] * 8 + list(range(1, 43))
