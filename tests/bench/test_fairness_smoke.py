"""Scenario 7 (bench/fairness.py) runs end to end at tiny latencies and reports what it promises.

Its target is for the benchmark, not for tests: here only that every request of the burst and
the other user's request ended with an image, and that the report has its rows and checks.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.__main__ import main
from bench.fairness import BURST


def test_the_fairness_scenario_ends_every_job_and_reports_the_other_users_time(tmp_path: Path) -> None:
    path = tmp_path / "results.json"

    assert main(["--scenario", "fairness", "--scale", "0.01", "--json", str(path)]) == 0

    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["errors"] == {}
    fairness = report["scenarios"]["fairness"]
    assert set(fairness["metrics"]) == {"W=8 (defaults)", "W=2"}
    for name, jobs in fairness["jobs"].items():
        assert len(jobs) == BURST + 1, name
        assert all(job["status"] == 200 and job["ended_with"] == "image" for job in jobs), name
    for metrics in fairness["metrics"].values():
        assert metrics["ended"] == BURST + 1
        assert metrics["other_user_s"] > 0 and metrics["lone_job_s"] > 0
    checks = {c["scenario"]: c for c in report["summary"]}
    assert checks["7 other user's time, W=8 (defaults)"]["passed"] in (True, False)
    assert checks["7 other user's time, W=2"]["passed"] is None  # reported, no target
    assert all(bot["returncode"] == 0 and bot["errors_logged"] == 0 for bot in fairness["bots"])
