"""The six scenarios of the benchmark, each returning its tables, figures and target checks."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.harness import (
    Batch,
    BotConfig,
    JobResult,
    Latencies,
    Rig,
    Session,
    Table,
    clock_offset,
    mean,
    median,
    percentile,
    rnd,
    running_bot,
    summarize_profile,
    wait_records,
    wall,
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


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None or math.isnan(seconds) else seconds * 1000


# ---- 1. ack latency under load ---------------------------------------------------------------------


def ack(ctx: Context) -> Result:
    """N slash commands at once; time to each HTTP response."""
    n = ctx.jobs(50)
    config = BotConfig()
    result = Result("ack", f"1. Ack latency: {n} slash commands at once (product defaults)", config.as_dict())
    with ctx.bot("ack", config) as session:
        warm = session.run_one(0, ctx.timeout())
        batch = session.run_burst(range(1, n + 1), ctx.timeout(math.ceil(n / config.worker_threads)))
    result.bots.append(_bot_entry("ack", session, config))
    acks = [j.sent.ack_seconds * 1000 for j in batch.jobs]
    statuses = Counter(j.sent.status for j in batch.jobs)
    ended = sum(1 for j in batch.jobs if j.done)
    p50, p90, p99, worst = (percentile(acks, q) for q in (50, 90, 99, 100))
    over = sum(1 for a in acks if a > 3000)
    result.metrics = {
        "commands": n,
        "http_200": statuses.get(200, 0),
        "statuses": {str(k): v for k, v in statuses.items()},
        "ack_ms": {"p50": rnd(p50, 2), "p90": rnd(p90, 2), "p99": rnd(p99, 2), "max": rnd(worst, 2)},
        "ack_ms_mean": rnd(mean(acks), 2),
        "over_3s": over,
        "warmup_ack_ms": rnd(warm.sent.ack_seconds * 1000, 2),
        "jobs_ended": ended,
        "aws_requests": batch.counts,
        "all_jobs_wall_s": rnd(batch.wall_seconds),
        "bot_cpu_s": result.bots[0].get("cpu_seconds"),
    }
    result.tables.append(
        Table(
            result.title,
            ["commands", "HTTP 200", "p50 ms", "p90 ms", "p99 ms", "max ms", "> 3 s", "jobs ended"],
            [[n, statuses.get(200, 0), _r(p50), _r(p90), _r(p99), _r(worst), over, ended]],
            note=f"(one warm-up command first: {warm.sent.ack_seconds * 1000:.1f} ms; "
            f"all {n} jobs then ended {batch.wall_seconds:.1f} s after the burst)",
        )
    )
    result.jobs["burst"] = [j.summary() for j in batch.jobs]
    result.checks += [
        Check("1 ack p99", "< 100 ms", f"{p99:.1f} ms", p99 < 100, p99),
        Check("1 ack max", "none > 3 s", f"max {worst:.1f} ms, {over} over 3 s", over == 0, worst),
    ]
    return result


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


# ---- 2. overhead ratio -----------------------------------------------------------------------------

_MODEL_STAGES = {
    "translation": "translation",
    "generation": "image",
    "verification": "verification",
    "image_moderation": "rekognition",
}


def _sequential(ctx: Context, session: Session, n: int) -> tuple[JobResult, list[JobResult]]:
    """A warm-up job, then n jobs one after the other."""
    warm = session.run_one(0, ctx.timeout())
    return warm, [session.run_one(i, ctx.timeout()) for i in range(1, n + 1)]


def overhead(ctx: Context) -> Result:
    """One job at a time: end-to-end time over the model latencies on its critical path."""
    n = ctx.jobs(5)
    lat, scale = ctx.lat, ctx.options.scale
    config = BotConfig()
    result = Result(
        "overhead", f"2. Overhead ratio: {n} single jobs, one at a time (p = 1)", config.as_dict()
    )
    offset = clock_offset()
    slack_variants = [ctx.options.slack_latency]
    if ctx.options.slack_latency == 0:
        slack_variants.append(0.1)
    rows = []
    stage_rows: list[list[Any]] = []
    phase_rows: list[list[Any]] = []
    for slack_latency in slack_variants:
        ctx.rig.set_slack_latency(slack_latency)
        name = f"overhead-slack{int(slack_latency * 1000)}ms"
        try:
            with ctx.bot(name, config) as session:
                warm, jobs = _sequential(ctx, session, n)
                calls = Counter(c.method for c in ctx.rig.slack.calls())
        finally:
            ctx.rig.set_slack_latency(ctx.options.slack_latency)
        result.bots.append(_bot_entry(name, session, config))
        e2e = [j.e2e for j in jobs if j.e2e is not None]
        crit = median([j.critical_model_seconds(lat) for j in jobs])
        over_s = median([j.e2e - j.critical_model_seconds(lat) for j in jobs if j.e2e is not None])
        ratio = median(e2e) / crit
        crit_1 = crit / scale
        projected = (crit_1 + over_s) / crit_1
        per_job = {m: round(c / (n + 1), 1) for m, c in sorted(calls.items())}
        label = f"Slack API +{slack_latency * 1000:.0f} ms/call"
        rows.append(
            [
                label,
                n,
                _r(median(e2e), 3),
                _r(crit, 3),
                _r(over_s * 1000),
                _r(ratio, 3),
                _r(projected, 3),
                per_job.get("chat.update", 0.0),
                _r(warm.e2e, 3) if warm.e2e else None,
            ]
        )
        variant = {
            "slack_latency_s": slack_latency,
            "e2e_s_median": rnd(median(e2e)),
            "critical_model_s": rnd(crit),
            "overhead_ms_median": rnd(over_s * 1000, 1),
            "ratio_at_scale": rnd(ratio, 4),
            "ratio_projected_scale_1": rnd(projected, 4),
            "slack_calls_per_job": per_job,
            "warmup_e2e_s": rnd(warm.e2e),
        }
        result.metrics.setdefault("variants", []).append(variant)
        result.jobs[name] = [j.summary() for j in jobs]
        if slack_latency == ctx.options.slack_latency:
            result.metrics.update(variant)
            stage_rows = _stage_rows(jobs, lat)
            phase_rows = _phase_rows(jobs, lat, offset)
            result.checks.append(
                Check(
                    "2 e2e / (translation + image + verification)",
                    "≤ 1.05 (at scale 1)",
                    f"{projected:.3f} at scale 1 ({ratio:.3f} at scale {scale:g}; +{over_s * 1000:.0f} ms)",
                    projected <= 1.05,
                    projected,
                )
            )
    result.tables.append(
        Table(
            result.title,
            [
                "Slack latency",
                "jobs",
                "e2e s",
                "model s",
                "overhead ms",
                f"ratio @{scale:g}",
                "ratio @1",
                "chat.update/job",
                "1st job e2e s",
            ],
            rows,
            note="model s = the model calls that cannot overlap: translation + image + verification "
            "(moderation runs at its default latencies but is not part of this ideal); "
            "ratio @1 = (model s at scale 1 + overhead) / model s at scale 1",
        )
    )
    result.tables.append(
        Table(
            "   where a job's time goes (medians)",
            ["phase", "seconds", "model s", "extra ms"],
            phase_rows,
        )
    )
    result.tables.append(
        Table(
            "   pipeline stages (medians of the record's stage_seconds)",
            ["stage", "seconds", "model s", "extra ms"],
            stage_rows,
        )
    )
    return result


def _stage_rows(jobs: list[JobResult], lat: Latencies) -> list[list[Any]]:
    stages: dict[str, list[float]] = {}
    for job in jobs:
        for stage, seconds in ((job.record or {}).get("stage_seconds") or {}).items():
            stages.setdefault(stage, []).append(seconds)
    nominal = {
        "translation": lat.translation,
        "generation": lat.image,
        "verification": lat.verification,
        "image_moderation": lat.rekognition,  # alongside the verification
        "moderation": 0.0,  # the banned terms; Comprehend runs alongside the image call
        "archive": 0.0,
    }
    rows = []
    for stage, values in stages.items():
        model = nominal.get(stage, 0.0)
        rows.append([stage, _r(median(values), 4), _r(model, 3), _r((median(values) - model) * 1000)])
    return rows


def _phase_rows(jobs: list[JobResult], lat: Latencies, offset: float) -> list[list[Any]]:
    phases: dict[str, list[float]] = {}
    for job in jobs:
        for name, value in job.phases(offset).items():
            if value is not None:
                phases.setdefault(name, []).append(value)
    crit = median([j.critical_model_seconds(lat) for j in jobs])
    labels = {
        "intake": "command sent → job queued (HTTP + Bolt)",
        "queue": "queued → pipeline start (incl. status post)",
        "pipeline": "pipeline (moderate, translate, generate, check)",
        "delivery": "pipeline end → upload complete",
    }
    rows = []
    for name, label in labels.items():
        value = median(phases.get(name, []))
        model = crit if name == "pipeline" else 0.0
        rows.append([label, _r(value, 4), _r(model, 3), _r((value - model) * 1000)])
    return rows


# ---- 3. time to an accepted image ----------------------------------------------------------------


# A strategy of scenario 3: a fixed k, or ADAPTIVE (CANDIDATES_ADAPTIVE, starting at CANDIDATES=3).
ADAPTIVE = 0
# Images per job at p = 0.8 must not exceed what the fixed CANDIDATES=3 default cost before.
IMAGE_CEILING = 3.0


def _strategy(k: int) -> str:
    return "adaptive" if k == ADAPTIVE else "sequential" if k == 1 else f"k = {k}"


def choice(ctx: Context) -> Result:
    """Parallel candidates against the sequential loop, same attempt budget, per pass probability."""
    n = min(ctx.jobs(20), 128)
    attempts, rewrites = ctx.options.max_attempts, ctx.options.max_rewrites
    # A round holds min(k, MAX_ATTEMPTS) candidates, so a larger k behaves exactly like MAX_ATTEMPTS.
    wanted = sorted({1, *ctx.options.candidates})
    ks = sorted({min(k, attempts) for k in wanted})
    skipped = [k for k in wanted if k > attempts]
    strategies = [*ks, ADAPTIVE]
    ps = ctx.options.pass_probabilities
    lat = ctx.lat
    # Commands go out CHOICE_INTERVAL apart, whatever the scale: in lockstep, identical latencies
    # make every job handle its images at the same instant, and the bot (one process, one GIL,
    # 50-100 ms of CPU per 1.6 MB candidate) would measure its CPU queue, not the strategy.
    spread = CHOICE_INTERVAL * n
    result = Result(
        "choice",
        f"3. Time to an accepted image: {n} jobs per (p, strategy), "
        f"MAX_ATTEMPTS={attempts}, MAX_REWRITES={rewrites}",
        {
            "jobs_per_batch": n,
            "candidates": ks,
            "strategies": [_strategy(k) for k in strategies],
            "pass_probabilities": ps,
            "max_attempts": attempts,
            "max_rewrites": rewrites,
            "spread_s": round(spread, 3),
        },
    )
    table = Table(
        result.title,
        [
            "p",
            "strategy",
            "median s",
            "p90 s",
            "median vs seq",
            "p90 vs seq",
            "model-only median s",
            "accepted",
            "images/job",
            "Bedrock calls/job",
            "AWS req./job",
            "est. $/job",
            "bot CPU ms/job",
            "bench CPU ms/job",
        ],
        note="k = CANDIDATES (k images from one InvokeModel call, checked in parallel); sequential = "
        "k = 1, the seeds' loop; adaptive = CANDIDATES_ADAPTIVE (the default): each round's k (1-5) "
        "from the outcomes the bot has seen so far, starting at 3, so the first jobs of a batch "
        "run blind. Time = command sent → image posted; a job with no accepted image "
        f"after its attempts posts its best one and counts with its full time. "
        "model-only = the same jobs' model latencies alone (no overhead, no CPU). "
        f"The {n} commands of a batch are sent evenly over {spread:.2f} s."
        + (
            f" k = {', '.join(map(str, skipped))} not run: with MAX_ATTEMPTS={attempts} a round holds "
            f"at most {attempts} candidates, so it is k = {attempts}."
            if skipped
            else ""
        ),
    )
    stats: dict[tuple[float, int], dict[str, Any]] = {}
    for p in ps:
        for k in strategies:
            config = BotConfig(
                worker_threads=n,
                candidates=k or 3,
                adaptive=k == ADAPTIVE,
                model_concurrency=min(256, n * (k or 5)),
                max_attempts=attempts,
                max_rewrites=rewrites,
            )
            name = f"choice-p{p:g}-" + ("adaptive" if k == ADAPTIVE else f"k{k}")
            with ctx.bot(name, config, p=p) as session:
                batch = session.run_burst(range(1, n + 1), ctx.timeout(), spread=spread)
            entry = _bot_entry(name, session, config)
            result.bots.append(entry)
            result.jobs[name] = [j.summary() for j in batch.jobs]
            stats[(p, k)] = _choice_stats(batch, n, lat)
            stats[(p, k)]["bot_cpu_per_job_s"] = (entry.get("cpu_seconds") or math.nan) / n
            stats[(p, k)]["bench_cpu_per_job_s"] = batch.bench_cpu_seconds / n
    for p in ps:
        seq = stats[(p, 1)]
        for k in strategies:
            s = stats[(p, k)]
            s["vs_seq_median"] = s["median_s"] / seq["median_s"]
            s["vs_seq_p90"] = s["p90_s"] / seq["p90_s"]
            s["model_only_vs_seq_median"] = s["model_only_median_s"] / seq["model_only_median_s"]
            table.rows.append(
                [
                    p,
                    _strategy(k),
                    _r(s["median_s"], 2),
                    _r(s["p90_s"], 2),
                    _r(s["vs_seq_median"], 2),
                    _r(s["vs_seq_p90"], 2),
                    _r(s["model_only_median_s"], 2),
                    f"{s['accepted']}/{s['jobs']}",
                    _r(s["images"], 2),
                    _r(s["bedrock_calls"], 2),
                    _r(s["emulator_requests"], 2),
                    _r(s["cost_usd"], 4),
                    _r(s["bot_cpu_per_job_s"] * 1000, 0),
                    _r(s["bench_cpu_per_job_s"] * 1000, 0),
                ]
            )
    result.tables.append(table)
    low, high = min(ps), max(ps)
    best, fallback = _pick_k(stats, ks, low, high, ps)
    result.metrics = {
        "by_p": {
            f"{p:g}": {
                ("adaptive" if k == ADAPTIVE else f"k{k}"): {
                    key: _json(v) for key, v in stats[(p, k)].items()
                }
                for k in strategies
            }
            for p in ps
        },
        "best_k": best,
        "best_k_is_fallback": fallback,
        "not_run": skipped,
    }
    if best is not None:
        result.notes.append(
            f"best fixed k = {best}: "
            + (
                f"no k was within {NOISE:.0%} of the sequential loop at p = {high:g}; the least worse"
                if fallback
                else f"fastest at p = {low:g} among the k no worse than the sequential loop at p = {high:g}"
            )
        )
    for k in [*ks[1:], ADAPTIVE]:
        s_low, s_high = stats[(low, k)], stats[(high, k)]
        label = _strategy(k) + (" (the default)" if k == ADAPTIVE else "")
        result.checks += [
            Check(
                f"3 median @p={low:g}, {label}",
                "≤ 0.5 × sequential",
                f"{s_low['vs_seq_median']:.2f} × (model latencies alone: "
                f"{s_low['model_only_vs_seq_median']:.2f} ×)",
                s_low["vs_seq_median"] <= 0.5,
                s_low["vs_seq_median"],
            ),
            Check(
                f"3 images/job @p={high:g}, {label}",
                f"≤ {IMAGE_CEILING:g} (cost)",
                f"{s_high['images']:.2f}",
                s_high["images"] <= IMAGE_CEILING,
                s_high["images"],
            ),
            Check(
                f"3 median @p={high:g}, {label}",
                f"no worse (≤ {1 + NOISE:.2f} ×: noise)",
                f"{s_high['vs_seq_median']:.2f} ×",
                s_high["vs_seq_median"] <= 1.0 + NOISE,
                s_high["vs_seq_median"],
            ),
        ]
    missing = sum(stats[(p, k)]["records_missing_cost"] for p in ps for k in strategies)
    if missing:
        result.notes.append(
            f"{missing} job records store an estimated_cost_usd below the cost of the calls they list "
            "(calls of candidates that finished after the job are not in the estimate)"
        )
    result.metrics["records_missing_cost"] = missing
    return result


def _json(value: Any) -> Any:
    return rnd(value, 4) if isinstance(value, float) else value


def _choice_stats(batch: Batch, n: int, lat: Latencies) -> dict[str, Any]:
    jobs = batch.jobs
    e2e = batch.e2e()
    requests = sum(v for key, v in batch.counts.items())
    return {
        "jobs": n,
        "ended": len(e2e),
        "median_s": median(e2e),
        "p90_s": percentile(e2e, 90),
        "mean_s": mean(e2e),
        "accepted": sum(1 for j in jobs if j.accepted),
        "accepted_median_s": median([j.e2e for j in jobs if j.accepted and j.e2e is not None]),
        "model_only_median_s": median([j.critical_model_seconds(lat) for j in jobs]),
        "model_only_p90_s": percentile([j.critical_model_seconds(lat) for j in jobs], 90),
        "images": mean([j.images for j in jobs]),
        "bedrock_calls": mean([j.bedrock_calls for j in jobs]),
        "cost_usd": mean([j.cost for j in jobs if j.cost is not None]),
        "recorded_cost_usd": mean([j.recorded_cost for j in jobs if j.recorded_cost is not None]),
        "records_missing_cost": sum(
            1
            for j in jobs
            if j.cost is not None and j.recorded_cost is not None and j.recorded_cost < j.cost - 1e-9
        ),
        "verifications": mean([j.verifications for j in jobs]),
        "rewrites": mean([j.rewrites for j in jobs]),
        "emulator_requests": requests / n,
        "emulator_counts": batch.counts,
    }


def _pick_k(
    stats: dict[tuple[float, int], dict[str, Any]], ks: list[int], low: float, high: float, ps: list[float]
) -> tuple[int | None, bool]:
    """The k to recommend, and whether it is only the least bad at high p."""
    parallel = [k for k in ks if k > 1]
    if not parallel:
        return None, False
    candidates = [k for k in parallel if stats[(high, k)]["vs_seq_median"] <= 1.0 + NOISE]
    if not candidates:
        return min(parallel, key=lambda k: stats[(high, k)]["vs_seq_median"]), True
    fastest = min(stats[(low, k)]["median_s"] for k in candidates)
    near = [k for k in candidates if stats[(low, k)]["median_s"] <= fastest * (1 + NOISE)]
    return min(near, key=lambda k: (sum(stats[(p, k)]["images"] for p in ps), k)), False


# ---- 4. throughput ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    label: str
    config: BotConfig
    p: float


def throughput(ctx: Context) -> Result:
    """N jobs at once under a cap; total time against ceil(N / cap) × one job's time."""
    n = ctx.jobs(50)
    c = ctx.options.concurrency
    k = ctx.best_k()
    lat = ctx.lat
    rows = [
        _Row(f"W={c} C={c} k=1 p=1", BotConfig(worker_threads=min(c, 128), model_concurrency=c), 1.0),
        _Row(f"W={n} C={c} k=1 p=1", BotConfig(worker_threads=min(n, 128), model_concurrency=c), 1.0),
        _Row("W=8 C=16 k=1 p=1 (defaults)", BotConfig(), 1.0),
        _Row("W=8 C=16 k=1 p=0.5 (defaults)", BotConfig(), 0.5),
        _Row(f"W=8 C={8 * k} k={k} p=0.5", BotConfig(model_concurrency=8 * k, candidates=k), 0.5),
    ]
    result = Result(
        "throughput",
        f"4. Throughput: {n} jobs at once; W = WORKER_THREADS, C = MODEL_CONCURRENCY, k = CANDIDATES",
        {"jobs": n, "concurrency": c, "k": k},
    )
    table = Table(
        result.title,
        [
            "config",
            "total s",
            "1 job s",
            "ideal s",
            "total/ideal",
            "slot bound s",
            "queue s/job",
            "model s/job",
            "waiting in pipeline s/job",
            "delivery+other s/job",
            "Bedrock calls/job",
        ],
        note="ideal = ceil(N / min(W, C)) × one job's time (k = 1, p = 1 rows); slot bound = N × Bedrock "
        "seconds per job / C. Per job: queue = created → started; model = model latencies on its "
        "critical path; waiting in pipeline = pipeline time − model (mostly waiting for a model slot).",
    )
    offset = clock_offset()
    for row in rows:
        name = "throughput-" + row.label.split(" (")[0].replace(" ", "-").replace("=", "")
        with ctx.bot(name, row.config, p=row.p) as session:
            session.run_one(0, ctx.timeout())
            single = session.run_one(n + 1, ctx.timeout())
            waves = math.ceil(n / min(row.config.worker_threads, row.config.model_concurrency))
            batch = session.run_burst(range(1, n + 1), ctx.timeout(waves * 2))
        result.bots.append(_bot_entry(name, session, row.config))
        result.jobs[name] = [j.summary() for j in batch.jobs]
        cap = min(row.config.worker_threads, row.config.model_concurrency)
        ideal = None
        if row.p == 1.0 and row.config.candidates == 1 and single.e2e:
            ideal = math.ceil(n / cap) * single.e2e
        slot_seconds = mean(
            [
                (lat.translation if j.translated else 0.0)
                + j.image_calls * lat.image
                + j.verifications * lat.verification
                + j.rewrites * lat.translation
                for j in batch.jobs
            ]
        )
        bound = n * slot_seconds / row.config.model_concurrency
        phases = [j.phases(offset) for j in batch.jobs]
        queue = mean([ph["queue"] for ph in phases if ph["queue"] is not None])
        model = mean([j.critical_model_seconds(lat) for j in batch.jobs])
        pipeline = mean([ph["pipeline"] for ph in phases if ph["pipeline"] is not None])
        e2e_mean = mean(batch.e2e())
        other = e2e_mean - queue - pipeline
        total = batch.wall_seconds
        table.rows.append(
            [
                row.label,
                _r(total, 2),
                _r(single.e2e, 3) if single.e2e else None,
                _r(ideal, 2),
                _r(total / ideal, 3) if ideal else None,
                _r(bound, 2),
                _r(queue, 3),
                _r(model, 3),
                _r(pipeline - model, 3),
                _r(other, 3),
                _r(mean([j.bedrock_calls for j in batch.jobs]), 2),
            ]
        )
        result.metrics[row.label] = {
            "total_s": rnd(total),
            "single_job_s": rnd(single.e2e),
            "ideal_s": rnd(ideal),
            "total_over_ideal": rnd(total / ideal, 4) if ideal else None,
            "slot_bound_s": rnd(bound),
            "mean_queue_s": rnd(queue),
            "mean_model_s": rnd(model),
            "mean_waiting_in_pipeline_s": rnd(pipeline - model),
            "mean_delivery_other_s": rnd(other),
            "mean_e2e_s": rnd(e2e_mean),
            "ended": len(batch.e2e()),
            "accepted": sum(1 for j in batch.jobs if j.accepted),
            "bedrock_calls_per_job": rnd(mean([j.bedrock_calls for j in batch.jobs])),
            "emulator_counts": batch.counts,
        }
    result.tables.append(table)
    first = result.metrics[rows[0].label]
    result.checks.append(
        Check(
            f"4 throughput W=C={c}",
            "total ≈ ideal (report)",
            f"{first['total_s']:.2f} s vs ideal {first['ideal_s']:.2f} s ({first['total_over_ideal']:.3f} ×)",
            None,
            first["total_over_ideal"],
        )
    )
    return result


# ---- 5. memory -------------------------------------------------------------------------------------


def memory(ctx: Context) -> Result:
    """Peak RSS of the bot with N jobs of 1024×1024 images in flight at once.

    At full latencies whatever --scale says: an image stays in memory as long as the model calls
    that carry it take, so shorter latencies would understate the peak. Plain ``python -m bot``
    with glibc's default malloc settings: no MALLOC_ variable (the bot tunes malloc itself).
    """
    n = min(ctx.jobs(50), 128)
    lat = ctx.options.base.scaled(max(1.0, ctx.options.scale))
    result = Result(
        "memory",
        f"5. Memory: {n} jobs of 1024×1024 images in flight at once "
        f"(W = {n}, no model cap, p = 1, model latencies at scale {max(1.0, ctx.options.scale):g})",
        {"jobs": n, "images": ctx.options.images, "png_bytes": None, "latencies": lat.as_dict()},
    )
    table = Table(
        result.title,
        [
            "settings",
            "RSS at start MB",
            "peak RSS (VmHWM) MB",
            "max sampled RSS MB",
            "images in flight",
            "MB per image in flight",
            "images",
            "bot CPU s",
        ],
    )
    rows = [
        ("k = 1", BotConfig(worker_threads=n, candidates=1, model_concurrency=min(256, n))),
        ("k = 3", BotConfig(worker_threads=n, candidates=3, model_concurrency=min(256, n * 3))),
        (
            "defaults (adaptive, starts at k = 3)",
            BotConfig(worker_threads=n, candidates=3, adaptive=True, model_concurrency=min(256, n * 5)),
        ),
    ]
    peak_default = None
    for label, config in rows:
        name = "memory-" + label.split(" (")[0].replace(" = ", "")
        with ctx.bot(name, config, latencies=lat) as session:
            batch = session.run_burst(range(1, n + 1), ctx.timeout() / min(1.0, ctx.options.scale))
        entry = _bot_entry(name, session, config)
        result.bots.append(entry)
        images = sum(j.images for j in batch.jobs)
        # Every job's first round is generated at once, before any verdict could change k.
        in_flight = n * config.candidates
        peak, start = entry.get("peak_rss_mb"), entry.get("start_rss_mb")
        per_image = (peak - start) / in_flight if peak is not None and start is not None else None
        table.rows.append(
            [
                label,
                start,
                peak,
                entry.get("max_sampled_rss_mb"),
                in_flight,
                _r(per_image, 2),
                images,
                entry.get("cpu_seconds"),
            ]
        )
        result.metrics[name] = {
            **entry,
            "images": images,
            "in_flight": in_flight,
            "mb_per_image_in_flight": rnd(per_image, 3),
            "ended": len(batch.e2e()),
        }
        if config.adaptive:
            peak_default = peak
    png = ctx.rig.pool.png_bytes
    result.config["png_bytes"] = png
    shown = f"photo-like PNGs of {png / 1e6:.2f} MB" if png else "the emulator's flat PNGs"
    table.note = (
        f"image model output: {shown}. MB per image in flight = (peak − start RSS) / images of the "
        "first rounds, which are all generated at once."
    )
    result.tables.append(table)
    if peak_default is not None:
        result.checks.append(
            Check(
                "5 peak RSS",
                "≤ 400 MB (defaults)",
                f"{peak_default:.0f} MB (defaults, {n * 3} images in flight)",
                peak_default <= 400,
                peak_default,
            )
        )
    return result


# ---- 6. moderation cost ----------------------------------------------------------------------------


def _toxic() -> dict[str, Any]:
    """A DetectToxicContent answer that flags the prompt."""
    labels = [{"Name": "HARASSMENT_OR_ABUSE", "Score": 0.93}, {"Name": "INSULT", "Score": 0.02}]
    return {"ResultList": [{"Labels": labels, "Toxicity": 0.93}]}


def moderation(ctx: Context) -> Result:
    """What the moderation layers add to a job's critical path, and what a refusal costs."""
    n = ctx.jobs(5)
    lat, scale = ctx.lat, ctx.options.scale
    result = Result("moderation", f"6. Moderation cost: {n} single jobs, one at a time (p = 1)")
    runs: dict[str, list[JobResult]] = {}
    refused: dict[str, Any] | None = None
    # The same jobs with Comprehend and Rekognition answering at once: the difference is what
    # their latency costs a job.
    variants = (("on", lat), ("instant", replace(lat, comprehend=0.0, rekognition=0.0)))
    for label, latencies in variants:
        config = BotConfig()
        name = f"moderation-{label}"
        with ctx.bot(name, config, latencies=latencies) as session:
            _, runs[label] = _sequential(ctx, session, n)
            if label == "on":
                refused = _refused(ctx, session, n + 1)
        result.bots.append(_bot_entry(name, session, config))
        result.jobs[name] = [j.summary() for j in runs[label]]

    def stage(name: str) -> float:
        return median([((j.record or {}).get("stage_seconds") or {}).get(name, 0.0) for j in runs["on"]])

    on = runs["on"]
    e2e_on = median([j.e2e for j in on if j.e2e is not None])
    e2e_instant = median([j.e2e for j in runs["instant"] if j.e2e is not None])
    rules = stage("moderation")  # the banned terms, in front: local
    waited = median([j.moderation_waited() for j in on])
    comprehend = median([o["seconds"] for j in on for o in _overlaps(j, "toxicity")])
    rekognition = median([o["seconds"] for j in on for o in _overlaps(j, "image_moderation")])
    crit = median([j.critical_model_seconds(lat) for j in on])
    # At scale 1 the model latencies grow by 1/scale, local work stays: so does what moderation
    # adds beyond its own waiting (thread hand-offs), while the waiting grows with the latencies.
    difference = e2e_on - e2e_instant
    e2e_1 = crit / scale + (e2e_on - crit)
    on_path_1 = difference + waited * (1 / scale - 1)
    share, share_1 = difference / e2e_on, on_path_1 / e2e_1
    layers = [
        ["banned-term rules (request, translation)", "in front (local)", 0.0, _r(rules * 1000, 2)],
        ["translation's safety classification", "same call as translation", 0.0, 0.0],
        [
            "Comprehend DetectToxicContent",
            "alongside the first image call",
            lat.comprehend,
            _r(_waited(on, "toxicity") * 1000, 1),
        ],
        [
            "Rekognition DetectModerationLabels",
            "alongside each verification",
            lat.rekognition,
            _r(_waited(on, "image_moderation") * 1000, 1),
        ],
        ["Bedrock Guardrails", "not configured (GUARDRAIL_ID unset)", 0.0, 0.0],
    ]
    result.tables.append(
        Table(
            result.title,
            ["layer", "where", "model s", "job waited for it ms"],
            layers,
            note=f"Comprehend took {comprehend * 1000:.0f} ms and Rekognition {rekognition * 1000:.0f} ms "
            f"(medians, scale {scale:g}); 'waited' is what outlasted the model call alongside (the "
            "record's overlaps). The same jobs with both answering at once: median e2e "
            f"{e2e_on:.3f} s → {e2e_instant:.3f} s ({difference * 1000:+.0f} ms = {share:.1%}); at scale 1 "
            f"{on_path_1 * 1000:.0f} ms of {e2e_1:.2f} s = {share_1:.1%}.",
        )
    )
    cost = (refused or {}).get("refusal_cost")
    refusal_e2e = (refused or {}).get("refused_after_s")
    if cost is not None and refusal_e2e is not None:
        result.tables.append(
            Table(
                "   the trade: a prompt Comprehend refuses",
                [
                    "refused at s",
                    "before (refused after translation + Comprehend) s",
                    "images wasted",
                    "$ wasted",
                ],
                [[_r(refusal_e2e, 3), _r(lat.translation + lat.comprehend, 3), cost["images"], cost["usd"]]],
                note="its images were archived as blocked and never checked or shown; the user got the "
                "same refusal, one image call later",
            )
        )
    result.metrics = {
        "rules_ms": rnd(rules * 1000, 2),
        "comprehend_ms": rnd(comprehend * 1000, 1),
        "rekognition_ms": rnd(rekognition * 1000, 1),
        "waited_ms": rnd(waited * 1000, 1),
        "job_e2e_s": rnd(e2e_on),
        "job_e2e_instant_moderation_s": rnd(e2e_instant),
        "difference_ms": rnd(difference * 1000, 1),
        "share_at_scale": rnd(share, 4),
        "on_path_ms_at_scale_1": rnd(on_path_1 * 1000, 1),
        "job_e2e_s_at_scale_1": rnd(e2e_1),
        "share_at_scale_1": rnd(share_1, 4),
        "refusal": {"e2e_s": rnd(refusal_e2e), "cost": cost},
    }
    result.checks.append(
        Check(
            "6 moderation share",
            "< 2 % of the job",
            f"{share_1:.1%} at scale 1 ({on_path_1 * 1000:.0f} ms; {share:.1%} at scale {scale:g})",
            share_1 < 0.02,
            share_1,
        )
    )
    return result


def _refused(ctx: Context, session: Session, number: int) -> dict[str, Any] | None:
    """One job whose prompt Comprehend flags: its record, and seconds from command to refusal."""
    ctx.rig.aws.push("DetectToxicContent", _toxic())
    offset = clock_offset()
    sent = session.client.send(number)
    # A refusal is a message with a button (report a false positive), which Completions does not
    # take for a job's end: the record says when the job ended.
    record = wait_records(session.bot.archive, [sent.channel], ctx.timeout()).get(sent.channel)
    finished = wall((record or {}).get("finished_at"))
    if record is None or finished is None:
        return None
    return {**record, "refused_after_s": finished - offset - sent.sent_at}


def _overlaps(job: JobResult, layer: str) -> list[dict[str, Any]]:
    return [o for o in (job.record or {}).get("overlaps") or [] if o.get("layer") == layer]


def _waited(jobs: list[JobResult], layer: str) -> float:
    """Median over jobs of what they waited for ``layer`` beyond the model call alongside."""
    return median([sum(o["waited"] for o in _overlaps(j, layer)) for j in jobs])


SCENARIOS: dict[str, Callable[[Context], Result]] = {
    "ack": ack,
    "overhead": overhead,
    "choice": choice,
    "throughput": throughput,
    "memory": memory,
    "moderation": moderation,
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
