"""``python -m bot imagine``: one image from the command line, without Slack."""

from __future__ import annotations

import json
import re
from pathlib import Path

from PIL import Image

from tests.bot.conftest import RunBot
from tests.servers.aws_emulator import AwsEmulator, png_info

AURORA = "夜の海にオーロラ"
AURORA_EN = "aurora over a night sea"
VERIFIED = "夜の海とオーロラが描かれています。"
JOB_ID = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{8}$")


def stdout_fields(stdout: str) -> dict[str, str]:
    """The 'name:   value' lines the command prints."""
    fields = {}
    for line in stdout.splitlines():
        name, sep, value = line.partition(":")
        if sep and re.fullmatch(r"[a-z]+", name):
            fields[name] = value.strip()
    return fields


def job_folders(archive_dir: Path) -> list[Path]:
    return sorted(path.parent for path in archive_dir.glob("jobs/*/*/*/*/record.json"))


def test_imagine_writes_a_verified_png_and_archives_the_job(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator, archive_dir: Path, tmp_path: Path
) -> None:
    aws.push_tool_input("submit_image_prompt", {"english_prompt": AURORA_EN})
    aws.push_tool_input("report_image_check", {"matches": True, "reason": VERIFIED, "score": 92})
    out = tmp_path / "x.png"

    result = run_bot("imagine", AURORA, "--out", str(out), env=aws_env)

    assert result.returncode == 0, result.stderr
    fields = stdout_fields(result.stdout)
    assert fields["status"] == "accepted"
    assert fields["prompt"] == AURORA_EN
    assert fields["model"] == "amazon.nova-canvas-v1:0"
    assert fields["verdict"] == VERIFIED
    assert fields["image"] == str(out)
    seed = int(fields["seed"])
    assert seed > 0

    with Image.open(out) as image:
        assert image.format == "PNG"
        assert image.size == (1024, 1024)
    [invoke] = aws.requests("InvokeModel")
    assert invoke.body["imageGenerationConfig"]["seed"] == seed
    assert png_info(out.read_bytes())["emulator-seed"] == str(seed)

    job_id = fields["job"]
    assert JOB_ID.match(job_id)
    [folder] = job_folders(archive_dir)
    assert folder.name == job_id
    year, month, day = folder.parts[-4:-1]
    assert job_id.startswith(f"{year}{month}{day}T")
    [png] = list(folder.glob("*.png"))
    assert png.read_bytes() == out.read_bytes()
    record = json.loads((folder / "record.json").read_text(encoding="utf-8"))
    assert record["job_id"] == job_id
    assert record["trigger"] == "cli"
    assert record["status"] == "accepted"
    assert record["original_text"] == AURORA
    assert record["final_prompt"] == AURORA_EN
    assert record["seed"] == seed
    # The cost printed is the record's estimate, from the calls it lists.
    assert fields["cost"] == f"${record['estimated_cost_usd']:.4f} (estimate)"
    assert fields["calls"].startswith(f"{len(record['calls'])} (")
    assert "image 1" in fields["calls"] and "translate 1" in fields["calls"]


def test_imagine_with_a_seed_uses_it(run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator) -> None:
    result = run_bot("imagine", "a lighthouse in a storm", "--seed", "1234", "--out", "o.png", env=aws_env)

    assert result.returncode == 0, result.stderr
    assert stdout_fields(result.stdout)["seed"] == "1234"
    [invoke] = aws.requests("InvokeModel")
    assert invoke.body["imageGenerationConfig"]["seed"] == 1234


def test_banned_text_exits_1_with_the_japanese_message_and_never_reaches_bedrock(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator, archive_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "x.png"

    result = run_bot("imagine", "ポルノ画像", "--out", str(out), env=aws_env)

    assert result.returncode == 1, result.stderr
    assert "入力内容のチェック（禁止語句）に該当したため" in result.stdout
    assert "表現を変えて、もう一度お試しください" in result.stdout
    assert stdout_fields(result.stdout)["status"] == "rejected"
    assert aws.requests("InvokeModel") == []
    assert aws.requests() == []  # not even translated: the text never left the machine
    assert not out.exists()
    # The refusal is still on record for the operator.
    [folder] = job_folders(archive_dir)
    record = json.loads((folder / "record.json").read_text(encoding="utf-8"))
    assert record["status"] == "rejected"
    assert record["error"]["kind"] == "moderation_rejected"
    assert list(folder.glob("*.png")) == []


def test_imagine_needs_only_a_region_no_slack_settings(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator
) -> None:
    assert not any(name.startswith("SLACK_") for name in aws_env)

    result = run_bot("imagine", "a red bicycle", "--out", "bike.png", env=aws_env)

    assert result.returncode == 0, result.stderr
    assert "Configuration problems" not in result.stderr


def test_imagine_with_a_size_out_of_range_exits_2_naming_the_argument(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator
) -> None:
    result = run_bot("imagine", "a red bicycle", "--width", "100", env=aws_env)

    assert result.returncode == 2
    assert "invalid arguments" in result.stderr
    assert "width" in result.stderr
    assert "Traceback" not in result.stderr
    assert aws.requests() == []


def test_imagine_with_a_size_the_model_cannot_make_exits_1_with_the_japanese_message(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator
) -> None:
    result = run_bot("imagine", "a red bicycle", "--width", "1000", "--height", "1000", env=aws_env)

    assert result.returncode == 1
    assert "この画像モデルでは指定のサイズを作成できません" in result.stdout
    assert aws.requests("InvokeModel") == []


def test_imagine_without_aws_credentials_says_so_not_that_the_model_is_busy(
    run_bot: RunBot, aws_env: dict[str, str], aws: AwsEmulator, tmp_path: Path
) -> None:
    # A new user's first try: no keys, no profile, nowhere to fetch credentials from.
    env = {
        k: v
        for k, v in aws_env.items()
        if not k.startswith("AWS_ACCESS_KEY") and k != "AWS_SECRET_ACCESS_KEY"
    }
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "no-credentials")
    env["AWS_CONFIG_FILE"] = str(tmp_path / "no-config")

    result = run_bot("imagine", "桜と富士山", "--out", str(tmp_path / "x.png"), env=env)

    assert result.returncode == 1, result.stderr
    assert "AWS の認証情報が設定されていない" in result.stdout
    assert "管理者にお知らせください" in result.stdout
    assert "混み合" not in result.stdout
    # The operator's log line names the cause and the fix.
    assert "no_credentials" in result.stderr
    assert "AWS_PROFILE" in result.stderr
    assert aws.requests() == []  # nothing was sent unsigned
