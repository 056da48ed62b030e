"""Scenario 6: what moderation adds to a job's critical path, and what a refusal costs."""

from __future__ import annotations

from dataclasses import replace
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
    Session,
    Table,
    clock_offset,
    median,
    rnd,
    wait_records,
    wall,
)

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
