"""Structured logging: one JSON object a line, carrying the CloudEvents id as correlation id."""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",  # uvicorn adds color_message for terminals
}


# URLs whose path holds a secret: a person's link (``/v1/me/<token>``, ``/pages/me/<token>``) and a
# private calendar feed (``/v1/calendars/<token>.ics``). Whoever reads the logs must not be able
# to open them, so the token is cut from every line: uvicorn's access log, errors, our own.
SECRET_IN_PATH = re.compile(r"(/me/|/calendars/)[^/?#\s\"']+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with the secret part of every personal or feed link replaced."""
    return SECRET_IN_PATH.sub(lambda m: f"{m.group(1)}{REDACTED}", text)


def _redacted(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if cid := correlation_id.get():
            entry["correlation_id"] = cid
        # anything passed with extra={...} is kept as a field of its own
        entry.update({k: _redacted(v) for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every logger (ours, FastStream's, uvicorn's) through the JSON formatter to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "faststream", "aiokafka"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # aiokafka is chatty below WARNING (every fetch session and rebalance step)
    logging.getLogger("aiokafka").setLevel(max(logging.getLevelName(level), logging.WARNING))
