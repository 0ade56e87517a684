"""Every webhook call has a request id, in its response and in every log line it causes."""

from __future__ import annotations

import aiohttp


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
