"""``python -m bench``: run the scenarios, print one table each and a summary, write JSON."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.edit_scenarios import edits
from bench.harness import Latencies, Rig, RigOptions, Table, machine, machine_line
from bench.scenarios import (
    DEFAULT_CANDIDATES,
    DEFAULT_PASS_PROBABILITIES,
    SCENARIOS,
    Context,
    Options,
    Result,
    profile_tables,
)

# Every model latency × 0.25 keeps the whole run near 8 minutes on 2 cores. Overhead and
# moderation share are projected to scale 1 (checked against a --scale 1 run), the others are
# ratios of like to like; scenario 5 (memory) always runs at full latencies.
DEFAULT_SCALE = 0.25
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"
# Scenario 7 has its own module, which builds on bench.scenarios' types.
ALL_SCENARIOS = {**SCENARIOS, "edits": edits}


def _latency(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("expected NAME=SECONDS, e.g. image=6")
    try:
        return name.strip(), float(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {value}") from exc


def _assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected NAME=VALUE")
    return name, value


def _probability(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("a probability is between 0 and 1")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be above 0")
    return value


def parse(argv: list[str] | None) -> Options:
    """The command line as Options."""
    defaults = Latencies()
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark the bot (python -m bot, HTTP mode) against the local Slack and AWS servers.",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(ALL_SCENARIOS),
        help="run only this scenario (repeatable; default: all, in order)",
    )
    parser.add_argument(
        "--scale",
        type=_positive,
        default=DEFAULT_SCALE,
        help=f"multiply every model latency by this (default {DEFAULT_SCALE}: about 8 minutes on 2 cores; "
        "scenario 5 always uses full latencies)",
    )
    parser.add_argument(
        "--latency",
        type=_latency,
        action="append",
        default=[],
        metavar="NAME=SECONDS",
        help="model latency at scale 1 (repeatable); names and defaults: "
        + ", ".join(f"{k}={v:g}" for k, v in defaults.as_dict().items()),
    )
    parser.add_argument(
        "--pass-probability",
        type=_probability,
        action="append",
        help="probability that a candidate passes verification, for scenario 3 (repeatable; "
        f"default {' '.join(map(str, DEFAULT_PASS_PROBABILITIES))})",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        help="jobs per scenario batch (default: 50; 20 for choice; 5 for overhead/moderation; "
        "edits: 5 of each edit, twice as many upscales at once)",
    )
    parser.add_argument(
        "--candidates",
        type=int,
        action="append",
        help="CANDIDATES values compared with the sequential loop "
        f"(repeatable; default {' '.join(map(str, DEFAULT_CANDIDATES))})",
    )
    parser.add_argument(
        "--max-attempts", type=int, default=3, help="MAX_ATTEMPTS of scenario 3, both strategies (default 3)"
    )
    parser.add_argument(
        "--max-rewrites", type=int, default=2, help="MAX_REWRITES of scenario 3, both strategies (default 2)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=10, help="MODEL_CONCURRENCY cap C of scenario 4 (default 10)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the verification outcomes (default 1)")
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help=f"where to write the results (default {DEFAULT_JSON})"
    )
    parser.add_argument(
        "--images",
        choices=("photo", "flat"),
        default="photo",
        help="image model output: photo-like 1.6 MB PNGs (default) or the emulator's flat ones",
    )
    parser.add_argument(
        "--image-extra",
        type=float,
        default=0.0,
        help="extra image latency per additional image in one call, as a fraction of it (default 0)",
    )
    parser.add_argument(
        "--slack-latency",
        type=float,
        default=0.0,
        help="seconds added to every Slack Web API call (default 0; not scaled)",
    )
    parser.add_argument(
        "--bot-env",
        type=_assignment,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment variable for every bot process (repeatable), e.g. MALLOC_ARENA_MAX=2",
    )
    parser.add_argument("--profile", action="store_true", help="attach py-spy to every bot process")
    args = parser.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        parser.error("--jobs must be at least 1")
    candidates = sorted(set(args.candidates or DEFAULT_CANDIDATES))
    if any(not 1 <= k <= 5 for k in candidates):
        parser.error("--candidates must be between 1 and 5 (the bot's CANDIDATES range)")
    if not 1 <= args.max_attempts <= 10 or not 0 <= args.max_rewrites <= 5:
        parser.error("--max-attempts is 1 to 10 and --max-rewrites 0 to 5 (the bot's ranges)")
    if not 1 <= args.concurrency <= 256:
        parser.error("--concurrency must be between 1 and 256")
    try:
        base = defaults.with_values(dict(args.latency))
    except ValueError as exc:
        parser.error(str(exc))
    return Options(
        scenarios=args.scenario or list(ALL_SCENARIOS),
        scale=args.scale,
        base=base,
        pass_probabilities=sorted(set(args.pass_probability or DEFAULT_PASS_PROBABILITIES)),
        jobs=args.jobs,
        candidates=[k for k in candidates if k > 1] or [2],
        concurrency=args.concurrency,
        seed=args.seed,
        json_path=args.json,
        profile=args.profile,
        images=args.images,
        image_extra=args.image_extra,
        slack_latency=args.slack_latency,
        bot_env=tuple(args.bot_env),
        max_attempts=args.max_attempts,
        max_rewrites=args.max_rewrites,
    )


def summary_table(results: list[Result]) -> Table:
    """Target, measured, pass/fail of every check."""
    rows: list[list[Any]] = []
    for result in results:
        for check in result.checks:
            verdict = "info" if check.passed is None else "PASS" if check.passed else "FAIL"
            rows.append([check.scenario, check.target, check.measured, verdict])
    return Table("Summary", ["check", "target", "measured", "result"], rows)


def run(options: Options, argv: list[str] | None = None) -> dict[str, Any]:
    """Run the chosen scenarios; print as they finish; return everything written to JSON."""
    started = time.monotonic()
    info = machine()
    lat = options.base.scaled(options.scale)
    print(machine_line(info))
    print(
        f"scale: {options.scale:g} (model latencies × {options.scale:g}: "
        + ", ".join(f"{k} {v:g} s" for k, v in lat.as_dict().items())
        + f"); seed {options.seed}; images: {options.images}",
        flush=True,
    )
    options.json_path.parent.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    errors: dict[str, str] = {}
    rig_options = RigOptions(
        latencies=lat,
        seed=options.seed,
        images=options.images,
        image_extra=options.image_extra,
        slack_latency=options.slack_latency,
        bot_env=options.bot_env,
    )
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, Rig(rig_options) as rig:
        ctx = Context(options, rig, Path(tmp))
        for name in options.scenarios:
            begun = time.monotonic()
            try:
                result = ALL_SCENARIOS[name](ctx)
            except Exception:
                errors[name] = traceback.format_exc()
                print(f"\nscenario {name} failed:\n{errors[name]}", file=sys.stderr, flush=True)
                continue
            result.seconds = time.monotonic() - begun
            ctx.results[name] = result
            results.append(result)
            print()
            for table in result.tables:
                print(table.render())
            for note in result.notes:
                print(note)
            print(f"({name}: {result.seconds:.0f} s)", flush=True)
        profiles = profile_tables(ctx)
    for table in profiles:
        print()
        print(table.render())
    summary = summary_table(results)
    print()
    print(summary.render())
    duration = time.monotonic() - started
    report = {
        "command": " ".join(["python -m bench", *(sys.argv[1:] if argv is None else argv)]),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": round(duration, 1),
        "machine": info,
        "config": options.as_dict(),
        "scenarios": {r.name: r.as_dict() for r in results},
        "summary": [c.as_dict() for r in results for c in r.checks],
        "profiles": [t.as_dict() for t in profiles],
        "errors": errors,
    }
    options.json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nwrote {options.json_path} in {duration:.0f} s", flush=True)
    return report


def main(argv: list[str] | None = None) -> int:
    """Entry point; 1 when a scenario could not run (a missed target is not an error)."""
    report = run(parse(argv), argv)
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
