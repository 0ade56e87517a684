"""`/metrics` in Prometheus text format: requests, reply latency, tickets, outbox, jobs."""

from __future__ import annotations

import time

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select

from storage.models import OutboxMessage, Ticket

KNOWN_PATHS = ("/wechat/mp", "/wechat/work", "/healthz", "/metrics")


class Metrics:
    """One registry per app, so that several apps in one process never collide."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "gridbot_requests",
            "HTTP requests by path and status",
            ["path", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "gridbot_reply_seconds",
            "Time to answer a webhook call",
            ["path"],
            registry=self.registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 4.5, 10),
        )
        self.tickets = Gauge(
            "gridbot_tickets",
            "Tickets by category and state",
            ["category", "state"],
            registry=self.registry,
        )
        self.outbox = Gauge(
            "gridbot_outbox_messages", "Outbox rows by state", ["state"], registry=self.registry
        )
        self.send_failures = Counter(
            "gridbot_outbox_send_failures",
            "Failed attempts to send an outbox message",
            ["channel"],
            registry=self.registry,
        )
        self.job_runs = Counter(
            "gridbot_scheduler_runs", "Scheduled job runs", ["job"], registry=self.registry
        )
        self.rate_limited = Counter(
            "gridbot_rate_limited",
            "Messages over their sender's limit (no ticket opened)",
            registry=self.registry,
        )
        self.spam = Counter(
            "gridbot_spam",
            "Adverts and spam answered without a ticket",
            registry=self.registry,
        )
        self.events = {"rate_limited": self.rate_limited, "spam": self.spam}

    def count(self, event: str) -> None:
        """What a use case reports through its `count` port."""
        self.events[event].inc()

    def middleware(self):
        @web.middleware
        async def measure(request: web.Request, handler):
            path = request.path if request.path in KNOWN_PATHS else "other"
            start = time.perf_counter()
            status = 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except web.HTTPException as error:
                status = error.status
                raise
            finally:
                self.requests.labels(path, str(status)).inc()
                if path.startswith("/wechat/"):
                    self.latency.labels(path).observe(time.perf_counter() - start)

        return measure

    async def render(self, sessionmaker) -> web.Response:
        async with sessionmaker() as session:
            tickets = await session.execute(
                select(Ticket.category, Ticket.state, func.count(Ticket.id)).group_by(
                    Ticket.category, Ticket.state
                )
            )
            outbox = await session.execute(
                select(OutboxMessage.state, func.count(OutboxMessage.id)).group_by(
                    OutboxMessage.state
                )
            )
        self.tickets.clear()
        for category, state, count in tickets.all():
            self.tickets.labels(category, state).set(count)
        self.outbox.clear()
        for state, count in outbox.all():
            self.outbox.labels(state).set(count)
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
