"""``python -m bot imagine`` (one image, or a batch of titles) and ``python -m bot dataset``."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from bot.builders import build_catalogue, build_checks, build_pipeline
from bot.clients import aws_clients
from bot.settings import Settings
from bot.wiring import build_archive
from services.core.errors import BotError
from services.core.job import GenerationOptions, Job, JobRecord
from services.generation.catalogue import ModelCatalogue
from services.generation.pipeline import Pipeline
from services.generation.presets import (
    PRESETS,
    STYLES,
    Preset,
    get_preset,
    get_style,
    merge_negative,
)
from services.generation.sizes import generation_size
from services.jobs.batch import BatchMaker, ProgressBar, produce, read_titles, render_table, run_batch
from services.results import dataset
from services.slack.notifier import failure_message

DEFAULT_OUT = Path("image.png")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the imagine command."""
    parser.add_argument("text", nargs="?", help="what to draw, in Japanese or English")
    parser.add_argument("--out", type=Path, default=None, help=f"where to write the image ({DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=None, help="seed (0 or absent: random)")
    parser.add_argument("--cfg", type=float, default=None, help="cfg scale")
    parser.add_argument("--width", type=int, default=None)
    parser.add_argument("--height", type=int, default=None)
    looks = parser.add_argument_group("presets and styles")
    looks.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="exact output size: " + ", ".join(f"{p.name} {p.width}x{p.height}" for p in PRESETS.values()),
    )
    looks.add_argument(
        "--style",
        help=f"style template: one of {', '.join(STYLES)}, or a template containing {{prompt}}",
    )
    batch = parser.add_argument_group("batch (one image per line of a file)")
    batch.add_argument("--titles", type=Path, help="text file: one title per line, # comments")
    batch.add_argument("--out-dir", type=Path, default=Path("images"), help="folder for the images")
    batch.add_argument("--jobs", type=int, default=None, help="titles at once (WORKER_THREADS)")
    batch.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )


def _argument_problem(args: argparse.Namespace) -> str | None:
    if (args.text is None) == (args.titles is None):
        return "give either TEXT or --titles FILE"
    if args.preset and (args.width is not None or args.height is not None):
        return "--preset sets the size; leave out --width/--height"
    if args.titles is not None and args.out is not None:
        return "--out is for one image; a batch writes into --out-dir"
    if args.jobs is not None and args.jobs < 1:
        return "--jobs must be at least 1"
    return None


def _styled(settings: Settings, preset: Preset | None, style_arg: str | None) -> Settings:
    """Settings whose style template (and negative prompt) follow --style or the preset."""
    if style_arg:
        style = get_style(style_arg)
        return settings.model_copy(
            update={
                "style_template": style.template,
                "negative_prompts": merge_negative(settings.negative_prompts, style.negative),
            }
        )
    if preset is not None and preset.style_template:
        return settings.model_copy(update={"style_template": preset.style_template})
    return settings


def _options(args: argparse.Namespace, catalogue: ModelCatalogue, preset: Preset | None) -> GenerationOptions:
    width, height = args.width, args.height
    if preset is not None:
        model = catalogue.default
        width, height = generation_size(model.capabilities, preset.width, preset.height, model.validate_size)
    # A named style is recorded for `dataset stats`; the template itself is already in the settings.
    style = args.style.strip().lower() if args.style and args.style.strip().lower() in STYLES else None
    return GenerationOptions(
        seed=args.seed or None, cfg_scale=args.cfg, width=width, height=height, style=style
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Generate one image (or one per title) and print what was decided; 0 when all were written."""
    problem = _argument_problem(args)
    try:
        if problem is not None:
            raise ValueError(problem)
        preset = get_preset(args.preset) if args.preset else None
        settings = _styled(settings, preset, args.style)
    except ValueError as exc:
        sys.stderr.write(f"invalid arguments: {exc}\n")
        return 2
    # An unsupported IMAGE_MODEL_ID raises UnsupportedModel here, reported by __main__.
    clients = aws_clients(settings)
    catalogue = build_catalogue(settings, clients)
    checks = build_checks(settings, clients, catalogue)
    pipeline = build_pipeline(settings, checks, build_archive(settings, clients), catalogue)
    try:
        options = _options(args, catalogue, preset)
        if args.titles is None:
            job = Job(text=" ".join(args.text.split()), options=options, trigger="cli")
    except ValueError as exc:
        sys.stderr.write(f"invalid arguments: {exc}\n")
        return 2
    if args.titles is not None:
        return _run_batch(settings, args, pipeline, options, preset)
    return _run_one(settings, args, pipeline, job, preset)


def _run_one(
    settings: Settings, args: argparse.Namespace, pipeline: Pipeline, job: Job, preset: Preset | None
) -> int:
    produced = produce(pipeline, job, preset)
    outcome = produced.outcome
    record = outcome.record
    chosen = record.chosen()
    lines = [
        f"job:     {record.job_id}",
        f"status:  {record.status}",
        f"prompt:  {record.final_prompt or '-'}",
        f"model:   {record.model_id}",
        f"seed:    {record.seed}",
        f"cfg:     {record.cfg_scale}",
        f"verdict: {chosen.verdict.reason if chosen and chosen.verdict else '-'}",
        f"calls:   {len(record.calls)} ({_call_summary(record)})",
        f"cost:    ${record.estimated_cost_usd or 0:.4f} (estimate)",
    ]
    if preset is not None:
        generated = f"{record.width}x{record.height}"
        lines.append(f"size:    {preset.width}x{preset.height} ({preset.name}; generated {generated})")
    if produced.image is None:
        lines.append(failure_message(outcome.error or BotError("no image"), record.job_id, settings.language))
        sys.stdout.write("\n".join(lines) + "\n")
        return 1
    out = args.out or DEFAULT_OUT
    out.write_bytes(produced.image)
    lines.append(f"image:   {out}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _run_batch(
    settings: Settings,
    args: argparse.Namespace,
    pipeline: Pipeline,
    options: GenerationOptions,
    preset: Preset | None,
) -> int:
    try:
        titles = read_titles(args.titles)
        args.out_dir.mkdir(parents=True, exist_ok=True)
    except (OSError, UnicodeDecodeError) as exc:
        sys.stderr.write(f"invalid arguments: {exc}\n")
        return 2
    if not titles:
        sys.stderr.write(f"invalid arguments: no titles in {args.titles}\n")
        return 2
    if preset is not None:
        sys.stdout.write(
            f"preset: {preset.name} {preset.width}x{preset.height} "
            f"(generated at {options.width}x{options.height} by {pipeline.catalogue.default.model_id})\n"
        )
    maker = BatchMaker(pipeline, args.out_dir, total=len(titles), options=options, preset=preset)
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    bar = ProgressBar(sys.stderr, len(titles), enabled=show)
    try:
        results = run_batch(maker, titles, jobs=args.jobs or settings.worker_threads, on_progress=bar.update)
    finally:
        bar.close()
    sys.stdout.write(render_table(results))
    return 0 if all(result.ok for result in results) else 1


# --- python -m bot dataset ------------------------------------------------------------------------


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-01-01, not {value!r}") from exc


def add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    """``dataset export`` and ``dataset stats``."""
    commands = parser.add_subparsers(dest="dataset_command", required=True, metavar="{export,stats}")
    export = commands.add_parser("export", help="write a Bedrock fine-tuning JSONL of approved images")
    export.add_argument("--since", type=_iso_date, help="jobs created on or after this UTC date")
    export.add_argument(
        "--approved-only",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="only images approved with 👍 採用 (default); --no-approved-only adds checker-accepted ones",
    )
    export.add_argument("--out", required=True, help="s3://bucket/prefix/ or a folder; writes train.jsonl")
    stats = commands.add_parser("stats", help="count archived jobs per model, status, user and trigger")
    stats.add_argument("--since", type=_iso_date, help="jobs created on or after this UTC date")


def run_dataset(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``dataset export`` or ``dataset stats``."""
    clients = aws_clients(settings)
    archive = build_archive(settings, clients)
    try:
        if args.dataset_command == "stats":
            stats = dataset.compute_stats(archive.iter_records(args.since))
            sys.stdout.write(dataset.render_stats(stats))
            return 0
        try:
            destination = dataset.Destination.parse(args.out)
        except ValueError as exc:
            sys.stderr.write(f"invalid arguments: {exc}\n")
            return 2
        selection = dataset.select(
            archive.iter_records(args.since), archive.describe, approved_only=args.approved_only
        )
        for skipped in selection.skipped:
            sys.stderr.write(f"skipped {skipped.job_id}: {skipped.reason}\n")
        problems = selection.problems(require_s3=destination.is_s3)
        if problems:
            sys.stderr.write("Dataset problems:\n" + "".join(f"  {line}\n" for line in problems))
            return 2
        if selection.local_refs:
            sys.stderr.write(
                "warning: image-refs are local paths (ARCHIVE_DIR); Bedrock reads training images "
                "from S3 only, so this file is for inspection\n"
            )
        s3 = clients.s3
        if destination.is_s3 and s3 is None:
            s3 = boto3.Session(region_name=settings.aws_region).client("s3")
        location = dataset.write(
            dataset.to_jsonl(selection.examples), destination, s3=s3, kms_key_id=settings.archive_kms_key_id
        )
    except (ClientError, BotoCoreError, OSError) as exc:
        sys.stderr.write(f"dataset {args.dataset_command} failed: {exc}\n")
        return 1
    count = len(selection.examples)
    lines = [f"wrote {count:,} examples to {location}"]
    if selection.trimmed:
        lines.append(f"captions trimmed to {dataset.MAX_CAPTION_CHARS} characters: {selection.trimmed}")
    lines.append(dataset.step_advice(count))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _call_summary(record: JobRecord) -> str:
    counts = Counter(call.kind for call in record.calls)
    return ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items())) or "none"
