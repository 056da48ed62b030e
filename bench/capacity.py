"""Scenarios 4 and 5: throughput of many jobs under the model cap, and peak memory with them in flight."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.context import (
    Check,
    Context,
    Result,
    _bot_entry,
    _r,
)
from bench.harness import (
    BotConfig,
    Table,
    clock_offset,
    mean,
    rnd,
)

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
