"""`/metrics` speaks Prometheus: requests by path and status, latency, tickets, outbox."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families


async def scrape(stack) -> dict[str, list]:
    async with aiohttp.ClientSession() as http, http.get(f"{stack.base}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


async def test_metrics_count_requests_tickets_and_outbox(stack):
    await stack.locate("东关一网格")
    await stack.say("小区门口垃圾堆了好几天没人清理")
    forged = await stack.mp.post({"signature": "x", "timestamp": "1", "nonce": "n"}, b"<xml/>")
    assert forged.status == 403
    families = await scrape(stack)

    requests = {
        (s.labels["path"], s.labels["status"]): s.value
        for s in families["gridbot_requests"]
        if s.name.endswith("_total")
    }
    assert requests[("/wechat/mp", "200")] == 2 and requests[("/wechat/mp", "403")] == 1
    latency = [s for s in families["gridbot_reply_seconds"] if s.name.endswith("_count")]
    assert sum(s.value for s in latency) == 3
    tickets = {
        (s.labels["category"], s.labels["state"]): s.value for s in families["gridbot_tickets"]
    }
    assert tickets == {("environment", "assigned"): 1}
    outbox = {s.labels["state"]: s.value for s in families["gridbot_outbox_messages"]}
    assert outbox == {"pending": 1}

    await stack.drain()
    outbox = {s.labels["state"]: s.value for s in (await scrape(stack))["gridbot_outbox_messages"]}
    assert outbox == {"sent": 1}
