"""Drains the outbox: one row per transaction, locked so replicas never send it twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Mapping
from datetime import timedelta
from typing import Protocol

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.wechat_api import ApiError
from handlers.ports import Clock
from storage.models import OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(hours=1)
IDLE_POLL_SECONDS = 2.0


class Sender(Protocol):
    async def send(self, recipient: str, body: dict) -> None: ...


class Relay:
    def __init__(self, sessionmaker: async_sessionmaker, senders: Mapping[str, Sender],
                 clock: Clock):
        self._sessionmaker = sessionmaker
        self._senders = senders
        self._clock = clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                while await self.send_one():
                    pass
            except Exception:  # a dead database must not end the relay
                log.exception("outbox relay failed; will retry")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_POLL_SECONDS)
            self._wake.clear()

    async def drain(self) -> int:
        """Send everything due now; the number of rows handled."""
        handled = 0
        while await self.send_one():
            handled += 1
        return handled

    async def send_one(self) -> bool:
        async with self._sessionmaker() as session, session.begin():
            now = self._clock.now()
            row = await session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if row is None:
                return False
            await self._deliver(row)
            return True

    async def _deliver(self, row: OutboxMessage) -> None:
        row.attempts += 1
        try:
            await self._senders[row.channel].send(row.recipient, row.body)
        except ApiError as error:
            self._failed(row, str(error), error.retryable)
        except (aiohttp.ClientError, TimeoutError) as error:
            self._failed(row, f"{type(error).__name__}: {error}", True)
        else:
            row.state, row.sent_at, row.last_error = "sent", self._clock.now(), None
            log.info("outbox %s sent on %s", row.id, row.channel)

    def _failed(self, row: OutboxMessage, error: str, retryable: bool) -> None:
        row.last_error = error[:500]
        if not retryable:
            row.state = "held"
        elif row.attempts >= MAX_ATTEMPTS:
            row.state = "dead"
        else:
            delay = min(BASE_DELAY * 2 ** (row.attempts - 1), MAX_DELAY)
            row.next_attempt_at = self._clock.now() + delay * random.uniform(0.5, 1.5)
        log.warning("outbox %s attempt %s failed (%s): %s", row.id, row.attempts, row.state,
                    row.last_error)
