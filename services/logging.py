"""Structured logs: one JSON object per line, carrying doc_id (and other `extra=` fields) when given."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

# Attributes every LogRecord has; anything else on a record came from `extra=` and is kept.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record as a JSON object: time, level, logger, message, role, and its extra fields."""

    def __init__(self, role: str | None = None) -> None:
        super().__init__()
        self.role = role

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.role:
            entry["role"] = self.role
        entry["pid"] = record.process
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                entry[name] = value
        if record.name.startswith("celery.") and isinstance(entry.get("data"), dict):
            # Celery's task-trace records carry the task's arguments (whole documents, base64):
            # the message already names the task and its outcome.
            del entry["data"]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: an extra that is not JSON (a Path, a datetime) is logged, not a crash.
        return json.dumps(entry, ensure_ascii=False, default=str)


class _TextFormatter(logging.Formatter):
    """Plain text, with the doc_id appended when the record has one."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        doc_id = getattr(record, "doc_id", None)
        return f"{line} [doc_id={doc_id}]" if doc_id else line


def configure_logging(
    fmt: Literal["json", "text"] = "json", level: str | int = "INFO", *, role: str | None = None
) -> None:
    """Send every log record to stderr, as JSON lines or text, replacing existing root handlers."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(role))
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)


def log_celery_worker(fmt: Literal["json", "text"]) -> None:
    """Make a Celery worker log through `configure_logging` instead of its own setup."""
    from celery.signals import setup_logging

    def configure(loglevel: str | int | None = None, **_: object) -> None:
        configure_logging(fmt, loglevel or "INFO", role="worker")

    # Celery skips its own logging setup when setup_logging has a receiver; weak=False keeps
    # this local function alive.
    setup_logging.connect(configure, weak=False)
