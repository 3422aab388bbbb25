"""Structured logs: plain text or JSON lines, for the error log and the access log alike."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

ACCESS = logging.getLogger("returns_gateway.access")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and any structured fields given in `extra`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure(log_format: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class AccessLogger(AbstractAccessLogger):
    """Remote address, method, path, status, size and duration; never the body, so no personal data reaches the
    log."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status,
            "bytes": response.body_length,
            "ms": round(time * 1000, 2),
            "remote": request.remote,
        }
        self.logger.info(
            "%s %s %s %s %.1fms",
            request.remote or "-",
            request.method,
            request.path,
            response.status,
            time * 1000,
            extra={"fields": fields},
        )
