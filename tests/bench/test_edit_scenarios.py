"""Scenario 7 (edits) runs end to end at tiny latencies and reports what it promises (no timing targets)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.__main__ import main
from bench.edit_scenarios import FAST_UPSCALE

# Scenario 7's memory part runs at full latencies (scale ≥ 1), so they are made small here.
LATENCIES = {"translation": 0.2, "image": 0.5, "verification": 0.2, "comprehend": 0.05, "rekognition": 0.05}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("bench") / "results.json"
    # Flat images: the photo-like 4096² PNG takes seconds to render, and no timing is checked here.
    argv = ["--scenario", "edits", "--scale", "0.05", "--jobs", "1", "--images", "flat"]
    for name, seconds in LATENCIES.items():
        argv += ["--latency", f"{name}={seconds}"]
    assert main([*argv, "--json", str(path)]) == 0
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_each_edit_is_timed_against_the_calls_it_made(report: dict[str, Any]) -> None:
    assert report["errors"] == {}
    used = report["config"]["latencies_used"]
    edits = report["scenarios"]["edits"]
    jobs = edits["jobs"]["edits"]
    assert [(j["operation"], j["number"]) for j in jobs] == [
        ("edit", 0),
        ("upscale", 0),
        ("edit", 1),
        ("upscale", 1),
    ]
    for job in jobs:
        assert job["status"] == 200 and job["edit_status"] == "accepted"
        assert job["e2e_s"] > job["model_s"] > 0
    by_words = [j for j in jobs if j["operation"] == "edit"]
    upscales = [j for j in jobs if j["operation"] == "upscale"]
    assert {j["edit_operation"] for j in by_words} == {"inpaint"}
    assert sorted(by_words[0]["calls"]) == ["image", "image_moderation", "toxicity", "translate", "verify"]
    assert by_words[0]["model_s"] == pytest.approx(sum(used.values()), abs=1e-3)
    assert {(j["edit_operation"], j["model_id"]) for j in upscales} == {("upscale", FAST_UPSCALE)}
    assert sorted(upscales[0]["calls"]) == ["image", "image_moderation", "verify"]
    assert upscales[0]["model_s"] == pytest.approx(
        used["image"] + used["rekognition"] + used["verification"], abs=1e-3
    )
    for operation in ("edit", "upscale"):
        metrics = edits["metrics"][operation]
        assert metrics["edits"] == metrics["uploaded"] == 1
        assert metrics["overhead_ms_median"] > 0
        assert metrics["ratio_at_scale_median"] > metrics["ratio_scale_1_median"] >= 1
        assert metrics["warmup_e2e_s"] > 0


def test_upscales_in_flight_are_measured_from_their_own_start(report: dict[str, Any]) -> None:
    edits = report["scenarios"]["edits"]
    for name in ("edits-memory", "edits-memory-mmap128k"):
        memory = edits["metrics"][name]
        assert memory["in_flight"] == memory["uploaded"] == 2
        assert memory["peak_rss_since_reset_mb"] >= memory["rss_before_mb"] > 0
        assert [j["operation"] for j in edits["jobs"][name]] == ["upscale", "upscale"]
    for bot in edits["bots"]:
        assert bot["returncode"] == 0 and bot["errors_logged"] == 0, bot["name"]


def test_the_summary_lists_each_target(report: dict[str, Any]) -> None:
    checks = {c["scenario"]: c for c in report["summary"]}
    assert set(checks) == {"7 edit by words ratio", "7 upscale ratio", "7 peak RSS, 2 upscales"}
    assert all(c["passed"] in (True, False) and c["value"] is not None for c in checks.values())
