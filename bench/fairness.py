"""Scenario 7: one user's burst of twelve requests, and another user's single request half a second later.

The second user should wait for at most about one job, not for the burst: their time to an image
is compared with a lone job's on the same bot (target ≤ 1.5 ×, at the bot's defaults). A second
bot with only two workers shows the round-robin itself: every worker is busy with the burst when
the other request arrives, so it waits for one job to end, not for the twelve.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from bench.harness import BotConfig, JobResult, Sent, Session, Table, median, rnd

if TYPE_CHECKING:
    from bench.context import Context, Result

BURST = 12
# Seconds between the burst and the other user's request (not scaled: it is the arrival pattern).
LATER = 0.5
TARGET = 1.5
LONE_JOBS = 3
BURSTING_USER = "UBURST00"
OTHER_USER = "UOTHER00"


def _burst_then_one(session: Session, burst: list[int], other: int) -> tuple[list[Sent], Sent]:
    """The burst all at once, and ``other`` LATER seconds after it began."""
    sent: list[Sent] = []
    thread = threading.Thread(target=lambda: sent.extend(session.client.burst(burst)), name="burst")
    began = time.monotonic()
    thread.start()
    time.sleep(max(0.0, began + LATER - time.monotonic()))
    single = session.client.send(other)
    thread.join()
    return sent, single


def fairness(ctx: Context) -> Result:
    """Another user's request during one user's burst, against a lone job, at W=8 and W=2."""
    # Here, not at the top: bench.scenarios imports this module to list it among the scenarios.
    from bench.context import Check, Result  # noqa: PLC0415

    rows = [
        ("W=8 (defaults)", BotConfig(), True),
        ("W=2", BotConfig(worker_threads=2), False),
    ]
    result = Result(
        "fairness",
        f"7. Fair queueing: one user sends {BURST} requests at once, another sends 1 "
        f"{LATER:g} s later (MAX_JOBS_PER_USER=3, the default)",
        {"burst": BURST, "later_s": LATER, "lone_jobs": LONE_JOBS},
    )
    table = Table(
        result.title,
        [
            "config",
            "lone job s",
            "other user s",
            "other / lone",
            "sent after burst s",
            "burst first s",
            "burst median s",
            "burst last s",
            "ended",
        ],
        note="Times are command sent → image posted. lone job = median of "
        f"{LONE_JOBS} jobs sent one at a time to the same bot. With W=8 the burst runs 3 at a time "
        "(its user's cap) and the other request finds a free worker; with W=2 both workers are busy "
        "with the burst, and the other request is next once one of them ends.",
    )
    for label, config, checked in rows:
        name = "fairness-" + label.split(" ")[0].replace("=", "")
        with ctx.bot(name, config) as session:
            session.run_one(0, ctx.timeout())
            lone = median([_e2e(session.run_one(n, ctx.timeout())) for n in range(1, LONE_JOBS + 1)])
            burst = list(range(10, 10 + BURST))
            other = 10 + BURST + 10
            session.client.users.update({**dict.fromkeys(burst, BURSTING_USER), other: OTHER_USER})
            before = ctx.rig.counts()
            sent, single = _burst_then_one(session, burst, other)
            batch = session.collect([*sent, single], ctx.timeout(BURST), counts_before=before)
        result.bots.append(_entry(session, config, name))
        result.jobs[name] = [j.summary() for j in batch.jobs]
        jobs = {j.sent.number: j for j in batch.jobs}
        mine = _e2e(jobs[other])
        burst_e2e = sorted(_e2e(jobs[n]) for n in burst)
        offset = single.sent_at - min(s.sent_at for s in sent)
        ratio = mine / lone
        ended = sum(1 for j in batch.jobs if j.done)
        table.rows.append(
            [
                label,
                rnd(lone, 3),
                rnd(mine, 3),
                rnd(ratio, 3),
                rnd(offset, 3),
                rnd(burst_e2e[0], 3),
                rnd(median(burst_e2e), 3),
                rnd(burst_e2e[-1], 3),
                f"{ended}/{len(batch.jobs)}",
            ]
        )
        result.metrics[label] = {
            "lone_job_s": rnd(lone),
            "other_user_s": rnd(mine),
            "other_over_lone": rnd(ratio, 4),
            "other_sent_after_burst_s": rnd(offset),
            "burst_e2e_s": [rnd(v) for v in burst_e2e],
            "ended": ended,
            "emulator_counts": batch.counts,
        }
        target = f"≤ {TARGET:g} × a lone job" if checked else "≤ 2 × a lone job (waits for one job)"
        measured = f"{ratio:.2f} × ({mine:.2f} s vs {lone:.2f} s alone)"
        passed: bool | None = ratio <= TARGET if checked else None
        result.checks.append(Check(f"7 other user's time, {label}", target, measured, passed, ratio))
    result.tables.append(table)
    return result


def _e2e(job: JobResult) -> float:
    """The job's time to its image; infinite when it never ended (the check then fails)."""
    return job.e2e if job.e2e is not None else float("inf")


def _entry(session: Session, config: BotConfig, name: str) -> dict[str, Any]:
    stats = session.stats.as_dict() if session.stats else {}
    return {"name": name, "config": config.as_dict(), **stats}
