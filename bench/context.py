"""What the scenarios share: the options, a target check, a scenario's result, the running context."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import (
    BotConfig,
    JobResult,
    Latencies,
    Rig,
    Session,
    Table,
    rnd,
    running_bot,
)

DEFAULT_PASS_PROBABILITIES = (0.2, 0.5, 0.8)
DEFAULT_CANDIDATES = (2, 3, 4)
# "No worse" at high p: medians within this fraction count as equal (run-to-run noise).
NOISE = 0.05
# Seconds between two commands of a scenario-3 batch (not scaled).
CHOICE_INTERVAL = 0.5


@dataclass
class Options:
    """Everything the command line decides."""

    scenarios: list[str]
    scale: float
    base: Latencies
    pass_probabilities: list[float]
    jobs: int | None
    candidates: list[int]
    concurrency: int
    seed: int
    json_path: Path
    profile: bool
    images: str
    image_extra: float
    slack_latency: float
    bot_env: tuple[tuple[str, str], ...] = ()
    max_attempts: int = 3
    max_rewrites: int = 2

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "scenarios": self.scenarios,
            "scale": self.scale,
            "latencies_at_scale_1": self.base.as_dict(),
            "latencies_used": self.base.scaled(self.scale).as_dict(),
            "pass_probabilities": self.pass_probabilities,
            "jobs": self.jobs,
            "candidates": self.candidates,
            "concurrency": self.concurrency,
            "seed": self.seed,
            "json": str(self.json_path),
            "profile": self.profile,
            "images": self.images,
            "image_extra_per_image": self.image_extra,
            "slack_latency_s": self.slack_latency,
            "bot_env": dict(self.bot_env),
            "max_attempts": self.max_attempts,
            "max_rewrites": self.max_rewrites,
        }


@dataclass
class Check:
    """One target and what was measured against it."""

    scenario: str
    target: str
    measured: str
    passed: bool | None  # None: reported, no target
    value: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "scenario": self.scenario,
            "target": self.target,
            "measured": self.measured,
            "passed": self.passed,
            "value": rnd(self.value, 4),
        }


@dataclass
class Result:
    """What a scenario found."""

    name: str
    title: str
    config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bots: list[dict[str, Any]] = field(default_factory=list)
    jobs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "title": self.title,
            "config": self.config,
            "metrics": self.metrics,
            "tables": [t.as_dict() for t in self.tables],
            "checks": [c.as_dict() for c in self.checks],
            "notes": self.notes,
            "bots": self.bots,
            "jobs": self.jobs,
            "seconds": round(self.seconds, 1),
        }


class Context:
    """What scenarios share: options, the rig, scaled latencies, a work folder, earlier results."""

    def __init__(self, options: Options, rig: Rig, workdir: Path) -> None:
        self.options = options
        self.rig = rig
        self.lat = options.base.scaled(options.scale)
        self.workdir = workdir
        self.results: dict[str, Result] = {}
        self._bots = itertools.count(1)
        self.profiles: list[tuple[str, Path]] = []

    def jobs(self, default: int) -> int:
        """--jobs, or the scenario's default."""
        return self.options.jobs or default

    def timeout(self, waves: float = 1.0) -> float:
        """Generous seconds for ``waves`` jobs in a row, each using the whole attempt budget."""
        worst = self.lat.critical_path(rounds=9, rewrites=2) + 2.0
        return waves * worst * 3 + 60

    @contextmanager
    def bot(
        self, name: str, config: BotConfig, *, p: float = 1.0, latencies: Latencies | None = None
    ) -> Iterator[Session]:
        """A fresh bot for one batch (profiled with --profile); ``session.stats`` is set on exit."""
        number = next(self._bots)
        profile_to = None
        if self.options.profile:
            profile_to = self.options.json_path.parent / f"profile-{number:02d}-{name}.txt"
            self.profiles.append((name, profile_to))
        folder = self.workdir / f"{number:02d}-{name}"
        with running_bot(self.rig, config, folder, p=p, latencies=latencies, profile_to=profile_to) as s:
            yield s

    def best_k(self) -> int:
        """Candidates per round chosen by the choice scenario of this run, else the smallest --candidates."""
        chosen = self.results.get("choice")
        if chosen is not None and chosen.metrics.get("best_k"):
            return int(chosen.metrics["best_k"])
        return min(self.options.candidates) if self.options.candidates else 2


def _bot_entry(name: str, session: Session, config: BotConfig) -> dict[str, Any]:
    stats = session.stats.as_dict() if session.stats else {}
    return {"name": name, "config": config.as_dict(), **stats}


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def _sequential(ctx: Context, session: Session, n: int) -> tuple[JobResult, list[JobResult]]:
    """A warm-up job, then n jobs one after the other."""
    warm = session.run_one(0, ctx.timeout())
    return warm, [session.run_one(i, ctx.timeout()) for i in range(1, n + 1)]
