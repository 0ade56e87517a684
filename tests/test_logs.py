"""Every webhook call has a request id, in its response and in every log line it causes."""

from __future__ import annotations

import json
import logging

import aiohttp

from bot.logs import REQUEST_ID, JsonFormatter, RequestIdFilter


async def test_response_carries_a_request_id_and_keeps_a_given_one(stack):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{stack.base}/healthz") as response:
            generated = response.headers["X-Request-Id"]
        async with http.get(
            f"{stack.base}/healthz", headers={"X-Request-Id": "abc123"}
        ) as response:
            assert response.headers["X-Request-Id"] == "abc123"
        async with http.get(
            f"{stack.base}/healthz", headers={"X-Request-Id": "<script>"}
        ) as response:
            assert response.headers["X-Request-Id"] != "<script>"
    assert len(generated) == 12


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
