"""The printed line, the summary and the exit code of a run."""

from __future__ import annotations

import logging

import pytest

from services.preflight import exit_code, log_checks, summary
from services.preflight.report import fail, ok, warn


def test_lines_carry_the_mark_the_subject_the_finding_and_the_fix() -> None:
    assert ok("S3", "fine").line() == "✅ S3: fine"
    assert warn("S3", "odd", "look").line() == "⚠️ S3: odd Fix: look"
    assert fail("S3", "broken", "mend it.").line() == "❌ S3: broken Fix: mend it."


def test_exit_code_and_summary() -> None:
    passed, warned, failed = ok("a", "x"), warn("b", "y"), fail("c", "z", "f")

    assert exit_code([passed, warned]) == 0
    assert exit_code([passed, failed]) == 1
    assert summary([passed, warned, failed, passed]) == "2 passed, 1 warning, 1 failed"


def test_each_check_is_logged_at_its_level(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.preflight")
    with caplog.at_level(logging.INFO, logger="tests.preflight"):
        log_checks(logger, [ok("a", "x"), warn("b", "y"), fail("c", "z", "f")])

    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "preflight ✅ a: x"),
        ("WARNING", "preflight ⚠️ b: y"),
        ("ERROR", "preflight ❌ c: z Fix: f"),
    ]
