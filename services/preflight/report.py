"""One result per check, the line an operator reads, and the exit code of a run."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Status(Enum):
    """How a check ended; the value is the mark printed in front of its line."""

    OK = "✅"
    WARN = "⚠️"
    FAIL = "❌"


_LOG_LEVELS = {Status.OK: logging.INFO, Status.WARN: logging.WARNING, Status.FAIL: logging.ERROR}


@dataclass(frozen=True)
class Check:
    """One check's outcome: what was checked, what was found and, unless it passed, the fix.

    ``fatal`` marks a failure that would make every request fail whatever is retried (a token Slack
    rejects, an image model the account cannot use): the bot refuses to start on those.
    """

    subject: str
    status: Status
    message: str
    fix: str = ""
    fatal: bool = False

    def line(self) -> str:
        """The printed line: mark, subject, finding and fix."""
        fix = f" Fix: {self.fix}" if self.fix and self.status is not Status.OK else ""
        return f"{self.status.value} {self.subject}: {self.message}{fix}"


def ok(subject: str, message: str) -> Check:
    """A passed check."""
    return Check(subject, Status.OK, message)


def warn(subject: str, message: str, fix: str = "") -> Check:
    """A check that passed with a risk the operator should know about."""
    return Check(subject, Status.WARN, message, fix)


def fail(subject: str, message: str, fix: str, *, fatal: bool = False) -> Check:
    """A failed check and how to fix it."""
    return Check(subject, Status.FAIL, message, fix, fatal)


def exit_code(checks: Iterable[Check]) -> int:
    """0 when nothing failed, else 1 (warnings do not fail a run)."""
    return 1 if any(check.status is Status.FAIL for check in checks) else 0


def summary(checks: Iterable[Check]) -> str:
    """'5 passed, 1 warning, 0 failed'."""
    counts = dict.fromkeys(Status, 0)
    for check in checks:
        counts[check.status] += 1
    warnings = "warning" if counts[Status.WARN] == 1 else "warnings"
    return f"{counts[Status.OK]} passed, {counts[Status.WARN]} {warnings}, {counts[Status.FAIL]} failed"


def log_checks(logger: logging.Logger, checks: Iterable[Check]) -> None:
    """One log line per check, at INFO, WARNING or ERROR by its status."""
    for check in checks:
        logger.log(_LOG_LEVELS[check.status], "preflight %s", check.line())
