"""``python -m bot imagine``: the same pipeline without Slack."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.settings import Settings
from bot.wiring import aws_clients, build_archive, build_pipeline
from services.errors import BotError
from services.models import GenerationOptions, Job
from services.slack_output import failure_message


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the imagine command."""
    parser.add_argument("text", help="what to draw, in Japanese or English")
    parser.add_argument("--out", type=Path, default=Path("image.png"), help="where to write the image")
    parser.add_argument("--seed", type=int, default=None, help="seed (0 or absent: random)")
    parser.add_argument("--cfg", type=float, default=None, help="cfg scale")
    parser.add_argument("--width", type=int, default=None)
    parser.add_argument("--height", type=int, default=None)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Generate one image and print what was decided; 0 when an image was written."""
    clients = aws_clients(settings)
    pipeline = build_pipeline(settings, clients, build_archive(settings, clients))
    try:
        options = GenerationOptions(
            seed=args.seed or None, cfg_scale=args.cfg, width=args.width, height=args.height
        )
        job = Job(text=" ".join(args.text.split()), options=options, trigger="cli")
    except ValueError as exc:
        sys.stderr.write(f"invalid arguments: {exc}\n")
        return 2
    outcome = pipeline.run(job)
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
    ]
    if outcome.image is None:
        lines.append(failure_message(outcome.error or BotError("no image"), record.job_id, settings.language))
        sys.stdout.write("\n".join(lines) + "\n")
        return 1
    args.out.write_bytes(outcome.image)
    lines.append(f"image:   {args.out}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
