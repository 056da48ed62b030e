"""JSON log lines, as a log collector and an operator read them."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from bot import logs
from bot.logs import JsonFormatter
from services.core.log_context import job_logging
from services.jobs.processor import hash_user
from tests.conftest import BotHarness


def record(
    message: str,
    *args: Any,
    level: int = logging.INFO,
    name: str = "services.generation.pipeline",
    exc_info: Any = None,
) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, args, exc_info)


def formatted(rec: logging.LogRecord) -> dict[str, Any]:
    line = JsonFormatter().format(rec)
    assert "\n" not in line
    entry = json.loads(line)
    assert isinstance(entry, dict)
    return entry


def test_one_json_object_with_level_logger_and_message() -> None:
    entry = formatted(record("job %s: queued (%s)", "J1", "command", level=logging.WARNING))

    assert entry["level"] == "WARNING"
    assert entry["logger"] == "services.generation.pipeline"
    assert entry["message"] == "job J1: queued (command)"
    assert "exception" not in entry


def test_time_is_iso_8601_in_utc_with_milliseconds() -> None:
    entry = formatted(record("hello"))

    stamp = datetime.fromisoformat(entry["time"])
    assert stamp.utcoffset() == timedelta(0)
    assert len(entry["time"].split(".")[1]) == len("000+00:00")


def test_thread_name_is_included() -> None:
    entry = formatted(record("hello"))

    assert entry["thread"] == "MainThread"


def test_a_multi_line_message_stays_on_one_line() -> None:
    line = JsonFormatter().format(record("first line\nsecond line"))

    assert len(line.splitlines()) == 1
    assert json.loads(line)["message"] == "first line\nsecond line"


def test_exception_text_is_included_when_exc_info_is_set() -> None:
    try:
        raise RuntimeError("the model answered nonsense")
    except RuntimeError:
        rec = record("job %s: unexpected failure", "J2", level=logging.ERROR, exc_info=sys.exc_info())

    entry = formatted(rec)

    assert entry["message"] == "job J2: unexpected failure"
    assert "RuntimeError: the model answered nonsense" in entry["exception"]
    assert entry["exception"].startswith("Traceback (most recent call last)")


def test_japanese_stays_readable() -> None:
    line = JsonFormatter().format(record("受け付けました：「%s」", "夜の海にオーロラ"))

    assert "受け付けました：「夜の海にオーロラ」" in line
    assert "\\u" not in line


# --- configure -----------------------------------------------------------------------------------


@contextmanager
def configured(level: str) -> Iterator[io.StringIO]:
    """Run logs.configure with stderr captured, then put the root logger back as pytest had it."""
    root = logging.getLogger()
    handlers, root_level = root.handlers[:], root.level
    names = ("botocore", "boto3", "urllib3", "waitress.queue")
    levels = {name: logging.getLogger(name).level for name in names}
    stream, stderr = io.StringIO(), sys.stderr
    sys.stderr = stream
    try:
        logs.configure(level)
        yield stream
    finally:
        sys.stderr = stderr
        root.handlers[:] = handlers
        root.setLevel(root_level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


def test_configure_sends_json_lines_to_stderr() -> None:
    with configured("INFO") as stream:
        logging.getLogger("bot").info("listening on %s", "127.0.0.1:3000")
        logging.getLogger("bot").debug("not shown at INFO")

    lines = stream.getvalue().splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["listening on 127.0.0.1:3000"]


def test_debug_level_never_turns_on_botocore_request_body_logging() -> None:
    with configured("DEBUG"):
        assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)
        for name in ("botocore", "boto3", "urllib3"):
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name


def test_a_stage_line_carries_its_job_stage_and_duration_as_fields() -> None:
    rec = record("job %s: %s took %d ms", "J1", "translation", 812)
    rec.__dict__.update(job_id="J1", stage="translation", duration_ms=812)

    entry = formatted(rec)

    assert (entry["job_id"], entry["stage"], entry["duration_ms"]) == ("J1", "translation", 812)


def test_lines_logged_while_a_job_runs_name_the_job_and_the_hashed_user() -> None:
    with job_logging("20261121T093015-0123abcd", hash_user("U0SECRET")):
        inside = formatted(record("posting"))
    outside = formatted(record("idle"))

    assert inside["job_id"] == "20261121T093015-0123abcd"
    assert inside["user"] == hash_user("U0SECRET") != "U0SECRET"
    assert "job_id" not in outside and "user" not in outside


def test_a_jobs_log_lines_name_it_and_time_its_stages_without_naming_the_user(bot: BotHarness) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        bot.command("夜の海にオーロラ")
        bot.wait_idle()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    job_id = bot.record()["job_id"]

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    mine = [entry for entry in lines if entry.get("job_id") == job_id]
    [summary] = [entry for entry in mine if entry["message"].startswith(f"job {job_id}: accepted in")]
    stages = summary["stages"]
    assert {"moderation", "translation", "generation", "image_moderation", "verification"} <= set(stages)
    assert all(isinstance(ms, int) and ms >= 0 for ms in stages.values())
    assert summary["duration_ms"] >= stages["translation"] + stages["generation"]
    assert {entry["user"] for entry in mine if "user" in entry} == {hash_user("U0USER")}
    assert "U0USER" not in stream.getvalue()
