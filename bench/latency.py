"""Scenarios 1 and 2: the ack under a burst, and a single job's overhead over its model calls."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from bench.context import (
    Check,
    Context,
    Result,
    _bot_entry,
    _r,
    _sequential,
)
from bench.harness import (
    BotConfig,
    JobResult,
    Latencies,
    Table,
    clock_offset,
    mean,
    median,
    percentile,
    rnd,
)

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


# ---- 2. overhead ratio -----------------------------------------------------------------------------


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
