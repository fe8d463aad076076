"""Structured logs: one JSON object a line, with the request id and tenant of the request.

What a line may hold is decided here, not by each caller: the fields below, the message,
and for an error its type and stack. An exception's message is left out because library
errors quote the values they choke on (a name, a phone number); the request's id finds the
rest. Nobody logs headers, bodies or query strings.
"""

from __future__ import annotations

import json
import logging
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
TENANT: ContextVar[str | None] = ContextVar("tenant", default=None)
# extra={...} keys a record may carry into the line; anything else passed as extra is dropped
FIELDS = ("method", "path", "status", "duration_ms", "view", "worker")
QUIET = ("httpx", "httpcore")  # libraries whose INFO lines quote URLs


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
            "tenant": getattr(record, "tenant", None) or TENANT.get(),
        }
        line.update({k: getattr(record, k) for k in FIELDS if hasattr(record, k)})
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line["error"] = f"{type(error).__module__}.{type(error).__qualname__}"
            line["stack"] = [
                f"{f.filename}:{f.lineno} in {f.name}"
                for f in traceback.extract_tb(error.__traceback__)
            ]
        return json.dumps(line, default=str, ensure_ascii=False)


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the service and uvicorn alike (uvicorn's
    ``log_config``), so every line the process writes is JSON."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # uvicorn's own handlers would print plain text: send them through ours
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            # webhook deliveries: httpx logs each URL at INFO, query string and all
            **{name: {"level": "WARNING"} for name in QUIET},
        },
    }
