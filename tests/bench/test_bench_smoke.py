"""The benchmark runs end to end at tiny latencies and writes the JSON it promises (no timing targets)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.__main__ import main

JOBS = 3


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("bench") / "results.json"
    argv = ["--scenario", "ack", "--scenario", "overhead", "--scale", "0.01", "--jobs", str(JOBS)]
    assert main([*argv, "--seed", "7", "--json", str(path)]) == 0
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_the_report_names_the_machine_and_the_config(report: dict[str, Any]) -> None:
    assert report["errors"] == {}
    assert report["machine"]["cores"] >= 1
    assert report["machine"]["python"].startswith("3.")
    assert report["machine"]["cpu"]
    config = report["config"]
    assert config["scale"] == 0.01
    assert config["seed"] == 7
    assert config["scenarios"] == ["ack", "overhead"]
    assert config["latencies_at_scale_1"] == {
        "translation": 1.5,
        "image": 6.0,
        "verification": 2.0,
        "comprehend": 0.2,
        "rekognition": 0.5,
    }
    assert config["latencies_used"]["image"] == pytest.approx(0.06)
    assert report["command"].startswith("python -m bench --scenario ack")
    assert set(report["scenarios"]) == {"ack", "overhead"}


def test_ack_counts_every_command_and_every_job(report: dict[str, Any]) -> None:
    ack = report["scenarios"]["ack"]
    metrics = ack["metrics"]
    assert metrics["commands"] == JOBS
    assert metrics["http_200"] == JOBS
    assert metrics["jobs_ended"] == JOBS
    assert metrics["over_3s"] == 0
    times = metrics["ack_ms"]
    assert 0 < times["p50"] <= times["p99"] <= times["max"]
    # p = 1: every job is one translation, one toxicity check, one image, one image check, one verification.
    assert metrics["aws_requests"] == {
        "Converse:submit_image_prompt": JOBS,
        "DetectToxicContent": JOBS,
        "InvokeModel": JOBS,
        "DetectModerationLabels": JOBS,
        "Converse:report_image_check": JOBS,
    }
    jobs = ack["jobs"]["burst"]
    assert len(jobs) == JOBS
    assert all(job["status"] == 200 and job["ended_with"] == "image" for job in jobs)
    assert all(job["job_status"] == "accepted" and job["images"] == 1 for job in jobs)
    [bot] = ack["bots"]
    assert bot["returncode"] == 0
    assert bot["errors_logged"] == 0
    assert bot["peak_rss_mb"] > 0 and bot["cpu_seconds"] > 0


def test_overhead_measures_one_accepted_job_at_a_time(report: dict[str, Any]) -> None:
    overhead = report["scenarios"]["overhead"]
    metrics = overhead["metrics"]
    used = report["config"]["latencies_used"]
    # The ideal is the model calls that cannot overlap; moderation runs beside them and is not in it.
    ideal = used["translation"] + used["image"] + used["verification"]
    assert metrics["critical_model_s"] == pytest.approx(ideal, rel=1e-3)
    assert metrics["e2e_s_median"] > metrics["critical_model_s"]
    assert metrics["overhead_ms_median"] > 0
    assert metrics["ratio_at_scale"] > 1
    assert metrics["ratio_projected_scale_1"] >= 1
    assert metrics["slack_calls_per_job"]["files.completeUploadExternal"] == 1
    for name, jobs in overhead["jobs"].items():
        assert len(jobs) == JOBS, name
        for job in jobs:
            assert job["e2e_s"] > 0
            assert job["ended_with"] == "image"
            # translation + one image call + one verification
            assert (job["images"], job["rounds"], job["bedrock_calls"], job["verifications"]) == (1, 1, 3, 1)
            assert job["calls"] == {
                "translate": 1,
                "toxicity": 1,
                "image": 1,
                "image_moderation": 1,
                "verify": 1,
            }
            assert job["cost_usd"] > 0
            assert job["stage_seconds"]["generation"] > 0


def test_the_summary_lists_each_target(report: dict[str, Any]) -> None:
    checks = {c["scenario"]: c for c in report["summary"]}
    assert set(checks) == {"1 ack p99", "1 ack max", "2 e2e / (translation + image + verification)"}
    assert all(c["passed"] in (True, False) and c["value"] is not None for c in checks.values())
