"""The scenarios of the benchmark, each returning its tables, figures and target checks.

Fair queueing lives in ``bench/fairness.py``, edits and upscales in ``bench/edit_scenarios.py``.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.capacity import memory, throughput
from bench.choice import choice
from bench.context import DEFAULT_CANDIDATES, DEFAULT_PASS_PROBABILITIES, Context, Options, Result, _r
from bench.fairness import fairness
from bench.harness import Table, summarize_profile
from bench.latency import ack, overhead
from bench.moderation import moderation

__all__ = ["DEFAULT_CANDIDATES", "DEFAULT_PASS_PROBABILITIES", "SCENARIOS", "Context", "Options", "Result"]

SCENARIOS: dict[str, Callable[[Context], Result]] = {
    "ack": ack,
    "overhead": overhead,
    "choice": choice,
    "throughput": throughput,
    "memory": memory,
    "moderation": moderation,
    "fairness": fairness,
}


def profile_tables(ctx: Context, top: int = 12) -> list[Table]:
    """One table per py-spy profile written in this run: functions with the most samples."""
    tables = []
    for name, path in ctx.profiles:
        if not path.exists():
            continue
        summary = summarize_profile(path, top)
        total = summary["samples"] or 1
        rows = [[frame[:100], count, _r(100 * count / total, 1)] for frame, count in summary["own"]]
        tables.append(
            Table(
                f"profile {name} ({summary['samples']} samples, own time): {path}",
                ["function", "samples", "%"],
                rows,
            )
        )
    return tables
