"""``python -m bot imagine --preset/--style/--titles``: exact sizes, styles and batches, as a real process."""

from __future__ import annotations

import json
import re
from pathlib import Path

from PIL import Image

from tests.bot.conftest import RunBot
from tests.bot.test_cli import job_folders, stdout_fields
from tests.servers.aws_emulator import AwsEmulator

ARN = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/a1b2c3d4e5f6"
BANNED = "ポルノ画像"
NAME = re.compile(r"^(\d{3})-(\d{8}T\d{6}-[0-9a-f]{8})\.png$")


def size_of(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def archived_record(archive_dir: Path) -> dict[str, object]:
    [folder] = job_folders(archive_dir)
    record: dict[str, object] = json.loads((folder / "record.json").read_text(encoding="utf-8"))
    return record


# --- one image ---------------------------------------------------------------------------------------


def test_ogp_preset_writes_exactly_1200x630_and_archives_the_generated_size(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator, archive_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ogp.png"

    result = run_bot("imagine", "夜の海にオーロラ", "--preset", "ogp", "--out", str(out), env=aws_env)

    assert result.returncode == 0, result.stderr
    assert size_of(out) == (1200, 630)
    assert stdout_fields(result.stdout)["size"] == "1200x630 (ogp; generated 1200x640)"
    # Nova Canvas is asked for the nearest size it makes (multiples of 16), not 1200x630.
    [invoke] = aws.requests("InvokeModel")
    config = invoke.body["imageGenerationConfig"]
    assert (config["width"], config["height"]) == (1200, 640)
    record = archived_record(archive_dir)
    assert (record["width"], record["height"]) == (1200, 640)
    [png] = list(job_folders(archive_dir)[0].glob("*.png"))
    assert size_of(png) == (1200, 640)  # the archive keeps the image as generated


def test_eyecatch_with_the_landscape_style_on_titan(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator, tmp_path: Path
) -> None:
    out = tmp_path / "eyecatch.png"
    env = {**aws_env, "IMAGE_MODEL_ID": "amazon.titan-image-generator-v2:0"}

    result = run_bot(
        "imagine",
        "Route 53 history",
        "--preset",
        "eyecatch",
        "--style",
        "landscape",
        "--out",
        str(out),
        env=env,
    )

    assert result.returncode == 0, result.stderr
    assert size_of(out) == (1280, 720)
    [invoke] = aws.requests("InvokeModel")
    config = invoke.body["imageGenerationConfig"]
    assert (config["width"], config["height"]) == (1408, 768)  # a Titan size, no upscaling
    params = invoke.body["textToImageParams"]
    assert 'inspired by "Route 53 history"' in params["text"]
    assert "people" in params["negativeText"]
    assert "blurry" in params["negativeText"]  # the configured negatives stay


def test_a_literal_style_template_is_applied(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator, tmp_path: Path
) -> None:
    result = run_bot(
        "imagine",
        "a lighthouse",
        "--style",
        "{prompt}, linocut print",
        "--out",
        str(tmp_path / "x.png"),
        env=aws_env,
    )

    assert result.returncode == 0, result.stderr
    [invoke] = aws.requests("InvokeModel")
    assert invoke.body["textToImageParams"]["text"] == "a lighthouse, linocut print"


def test_a_provisioned_throughput_arn_with_its_family_uses_that_adapter(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator, archive_dir: Path, tmp_path: Path
) -> None:
    titan = {**aws_env, "IMAGE_MODEL_ID": ARN, "IMAGE_MODEL_FAMILY": "titan-image"}
    sdxl = {**aws_env, "IMAGE_MODEL_ID": ARN, "IMAGE_MODEL_FAMILY": "sdxl"}

    first = run_bot(
        "imagine", "a red bicycle", "--preset", "ogp", "--out", str(tmp_path / "t.png"), env=titan
    )
    second = run_bot(
        "imagine", "a red bicycle", "--preset", "ogp", "--out", str(tmp_path / "s.png"), env=sdxl
    )

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    titan_call, sdxl_call = aws.requests("InvokeModel")
    assert titan_call.model_id == sdxl_call.model_id == ARN
    assert titan_call.body["taskType"] == "TEXT_IMAGE"
    config = titan_call.body["imageGenerationConfig"]
    assert (config["width"], config["height"]) == (1408, 768)
    assert "text_prompts" in sdxl_call.body
    assert (sdxl_call.body["width"], sdxl_call.body["height"]) == (1344, 768)
    assert size_of(tmp_path / "t.png") == size_of(tmp_path / "s.png") == (1200, 630)
    assert stdout_fields(first.stdout)["model"] == ARN


def test_an_arn_without_its_family_exits_2_naming_image_model_family(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator
) -> None:
    result = run_bot("imagine", "a red bicycle", "--preset", "ogp", env={**aws_env, "IMAGE_MODEL_ID": ARN})

    assert result.returncode == 2
    assert "set IMAGE_MODEL_FAMILY" in result.stderr
    assert "invalid arguments" not in result.stderr and "Traceback" not in result.stderr
    assert aws.requests() == []


def test_preset_with_width_unknown_style_and_missing_text_exit_2(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator
) -> None:
    both = run_bot("imagine", "a cat", "--preset", "ogp", "--width", "1024", env=aws_env)
    style = run_bot("imagine", "a cat", "--style", "baroque", env=aws_env)
    neither = run_bot("imagine", env=aws_env)
    preset = run_bot("imagine", "a cat", "--preset", "banner", env=aws_env)

    assert (both.returncode, style.returncode, neither.returncode, preset.returncode) == (2, 2, 2, 2)
    assert "--preset sets the size" in both.stderr
    assert "unknown style 'baroque'" in style.stderr and "landscape" in style.stderr
    assert "give either TEXT or --titles FILE" in neither.stderr
    assert "invalid choice: 'banner'" in preset.stderr
    assert "Traceback" not in both.stderr + style.stderr + neither.stderr + preset.stderr
    assert aws.requests() == []


# --- batches -----------------------------------------------------------------------------------------


def test_a_batch_continues_past_a_failed_title_and_lists_it_with_its_reason(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator, tmp_path: Path
) -> None:
    titles = tmp_path / "titles.txt"
    titles.write_text(
        "# blog titles\nAurora over the sea\n\n" + BANNED + "\nRoute 53 / history and timeline\n",
        encoding="utf-8",
    )
    out_dir = tmp_path / "ogp"

    result = run_bot(
        "imagine",
        "--titles",
        str(titles),
        "--out-dir",
        str(out_dir),
        "--preset",
        "ogp",
        "--progress",
        env=aws_env,
    )

    assert result.returncode == 1, result.stderr
    files = sorted(out_dir.iterdir())
    assert [(m.group(1) if (m := NAME.match(path.name)) else path.name) for path in files] == ["001", "003"]
    assert all(size_of(path) == (1200, 630) for path in files)
    lines = result.stdout.splitlines()
    assert lines[0] == "preset: ogp 1200x630 (generated at 1200x640 by amazon.nova-canvas-v1:0)"
    assert lines[1].split() == ["#", "title", "English", "prompt", "seed", "verdict", "file"]
    rows = {line.split()[0]: line for line in lines[3:6]}
    assert "Aurora over the sea" in rows["1"] and str(files[0]) in rows["1"]
    assert BANNED in rows["2"] and "FAILED: moderation_rejected" in rows["2"]
    assert "Route 53 / history and timeline" in rows["3"] and str(files[1]) in rows["3"]
    assert f"  2  {BANNED}: moderation_rejected (rules: sexual)" in lines
    assert lines[-1] == "2 written, 1 failed"
    # Each successful row shows its prompt and seed as sent to the model.
    seeds = sorted(call.body["imageGenerationConfig"]["seed"] for call in aws.requests("InvokeModel"))
    assert len(seeds) == 2
    assert all(f"  {seed}  " in rows["1"] + rows["3"] for seed in seeds)
    assert "[3/3]" in result.stderr and "100%" in result.stderr
    # The banned title never left the machine.
    assert all(BANNED not in json.dumps(call.body, ensure_ascii=False) for call in aws.requests())


def test_a_batch_runs_titles_concurrently_and_exits_0_when_all_succeed(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator, tmp_path: Path
) -> None:
    titles = tmp_path / "titles.txt"
    titles.write_text("a red bicycle\na blue kite\na green lantern\n", encoding="utf-8")
    aws.set_latency("InvokeModel", 0.4)

    result = run_bot(
        "imagine", "--titles", str(titles), "--out-dir", str(tmp_path / "out"), "--jobs", "3", env=aws_env
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "3 written, 0 failed"
    assert "[3/3]" not in result.stderr  # no bar: stderr is not a terminal
    starts = sorted(call.received for call in aws.requests("InvokeModel"))
    assert starts[-1] - starts[0] < 0.3  # all three were in flight together
    assert len(list((tmp_path / "out").glob("*.png"))) == 3


def test_model_concurrency_caps_a_batch(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator, tmp_path: Path
) -> None:
    titles = tmp_path / "titles.txt"
    titles.write_text("a red bicycle\na blue kite\n", encoding="utf-8")
    aws.set_latency("InvokeModel", 0.3)
    env = {**aws_env, "MODEL_CONCURRENCY": "1"}

    result = run_bot(
        "imagine", "--titles", str(titles), "--out-dir", str(tmp_path / "out"), "--jobs", "2", env=env
    )

    assert result.returncode == 0, result.stderr
    first, second = sorted(call.received for call in aws.requests("InvokeModel"))
    assert second - first >= 0.25  # one model call at a time, though two titles ran


def test_a_batch_without_titles_exits_2(run_bot: RunBot, aws_env: dict[str, str], tmp_path: Path) -> None:
    titles = tmp_path / "titles.txt"
    titles.write_text("# nothing yet\n\n", encoding="utf-8")

    empty = run_bot("imagine", "--titles", str(titles), env=aws_env)
    missing = run_bot("imagine", "--titles", str(tmp_path / "nope.txt"), env=aws_env)

    assert empty.returncode == missing.returncode == 2
    assert "no titles in" in empty.stderr
    assert "nope.txt" in missing.stderr and "Traceback" not in missing.stderr
