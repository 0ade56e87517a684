"""Logging: every line carries the request id of the webhook call it belongs to; `json` format
gives one JSON object per line for log collectors. Personal data is never logged."""

from __future__ import annotations

import contextvars
import json
import logging
import uuid

from aiohttp import web

REQUEST_ID = contextvars.ContextVar("request_id", default="-")
HEADER = "X-Request-Id"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: int, fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


@web.middleware
async def request_ids(request: web.Request, handler):
    given = request.headers.get(HEADER, "")
    request_id = given if given.isalnum() and len(given) <= 64 else uuid.uuid4().hex[:12]
    token = REQUEST_ID.set(request_id)
    try:
        response = await handler(request)
        response.headers[HEADER] = request_id
        return response
    finally:
        REQUEST_ID.reset(token)
