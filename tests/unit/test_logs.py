"""Every log line a webhook call causes carries its request id (the formatter alone); the id in
the response: tests/e2e/test_logs.py."""

from __future__ import annotations

import json
import logging

from bot.logs import REQUEST_ID, JsonFormatter, RequestIdFilter


def test_json_log_lines_carry_the_request_id():
    record = logging.LogRecord(
        "bot.webhooks",
        logging.WARNING,
        __file__,
        1,
        "refused webhook request: %s",
        ("bad signature",),
        None,
    )
    token = REQUEST_ID.set("req42")
    try:
        RequestIdFilter().filter(record)
    finally:
        REQUEST_ID.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req42" and line["message"].endswith("bad signature")
    assert line["level"] == "WARNING" and line["logger"] == "bot.webhooks"
