"""Logs: one JSON object per line in production, each with the id of the request it belongs to.

`logging_config()` builds the LOGGING setting; `RequestIdFilter` adds `request_id` to every record
(from `current_request_id`, set by `pmm.core.request_id.RequestIdMiddleware`, "-" outside a
request); `JsonFormatter` writes time, level, logger, message, request_id (and the traceback, if any).
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")


ACCESS_LOG_REQUEST_ID = "{x-request-id}o"  # gunicorn's access-log atom of the response header


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            atoms = record.args if isinstance(record.args, dict) else {}
            record.request_id = atoms.get(ACCESS_LOG_REQUEST_ID) or current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", current_request_id.get()),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(*, json_lines: bool, level: str) -> dict[str, Any]:
    """The LOGGING setting: everything to stderr, JSON lines or plain text, with the request id."""
    formatter = {"()": JsonFormatter} if json_lines else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }
