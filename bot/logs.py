"""Logging as JSON lines, one object per record; secrets never formatted in."""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime

from services.core import log_context


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON (time, level, logger, message, exception)."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "thread": record.threadName,
        }
        # The job a line belongs to (job id, hashed user), and a stage's name and duration.
        entry.update(log_context.current())
        for name in log_context.FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO") -> None:
    """Send every log record to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # botocore logs request bodies at DEBUG, which would include prompts and images.
    for noisy in ("botocore", "boto3", "urllib3", "waitress.queue"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, logging.getLevelName(level)))
    # Bolt logs the whole request body at INFO when a signature is wrong; keep bodies out.
    logging.getLogger("slack_bolt").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # An exception escaping a background thread is logged as a JSON line too, not printed raw.
    threading.excepthook = _log_thread_exception


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    error = args.exc_value if args.exc_value is not None else args.exc_type()
    logging.getLogger("bot").error("thread %s failed", name, exc_info=error)
