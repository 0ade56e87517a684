"""Drains the outbox: each row claimed under a lease, so replicas never send it twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.wechat_api import WINDOW_CLOSED, ApiError
from handlers import texts
from handlers.ports import Clock
from storage import repos
from storage.models import OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(hours=1)
IDLE_POLL_SECONDS = 2.0
LOST = object()  # another relay claimed the row first
LEASE = timedelta(seconds=60)  # a claimed row is tried again after this if its sender died


class Sender(Protocol):
    async def send(self, recipient: str, body: dict) -> None: ...


class Relay:
    def __init__(self, sessionmaker: async_sessionmaker, senders: Mapping[str, Sender],
                 clock: Clock, template_id: str = "",
                 quiet_end: Callable[[datetime], datetime | None] = lambda now: None,
                 on_failure: Callable[[str], None] = lambda channel: None):
        self._sessionmaker = sessionmaker
        self._senders = senders
        self._clock = clock
        self._quiet_end = quiet_end  # quiet hours hold back all but urgent messages
        self._on_failure = on_failure
        self._template_id = template_id  # stands in when the 48-hour window has closed
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                await self.drain()
            except Exception:  # a dead database must not end the relay
                log.exception("outbox relay failed; will retry")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_POLL_SECONDS)
            self._wake.clear()

    async def drain(self) -> int:
        """Send everything due now; the number of rows handled."""
        handled = 0
        while (step := await self.send_one()) is not None:
            handled += step
        return handled

    async def send_one(self) -> int | None:
        """Claim one due row, send it, record the outcome: 1 when handled, 0 when another
        relay won the row, None when nothing is due."""
        claimed = await self._claim()
        if claimed is None:
            return None
        if claimed is LOST:
            return 0
        outcome = await self._attempt(claimed)
        async with self._sessionmaker() as session, session.begin():
            row = await session.get(OutboxMessage, claimed.id)
            outcome(row)
            if row.state == "dead":
                await tell_supervisors_of_dead(session, row, self._clock.now())
        return 1

    async def _claim(self) -> OutboxMessage | object | None:
        """Take a due row under a lease: an atomic update that only one process can win."""
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
                return None
            held_until = None if row.body.get("urgent") else self._quiet_end(now)
            if held_until is not None:
                row.next_attempt_at = held_until.astimezone(now.tzinfo)
                return LOST
            won = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.state == "pending",
                       OutboxMessage.attempts == row.attempts)
                .values(attempts=row.attempts + 1, next_attempt_at=now + LEASE)
                .execution_options(synchronize_session=False)
            )
            if won.rowcount != 1:
                return LOST
            row.attempts += 1
            return row

    async def _attempt(self, row: OutboxMessage) -> Callable[[OutboxMessage], None]:
        """Send once; the function that records the outcome on a fresh copy of the row."""
        try:
            await self._send(row)
        except ApiError as error:
            problem, retryable = str(error), error.retryable
        except (aiohttp.ClientError, TimeoutError) as error:
            problem, retryable = f"{type(error).__name__}: {error}", True
        except Exception as error:  # a bug must not wedge the queue behind this row
            log.exception("outbox %s: unexpected failure", row.id)
            problem, retryable = f"{type(error).__name__}: {error}", True
        else:
            log.info("outbox %s sent on %s", row.id, row.channel)
            return self._sent
        return lambda fresh: self._failed(fresh, problem, retryable)

    async def _send(self, row: OutboxMessage) -> None:
        sender = self._senders[row.channel]
        try:
            await sender.send(row.recipient, row.body)
        except ApiError as error:
            if not (error.errcode == WINDOW_CLOSED and self._template_id and row.channel == "mp"
                    and "ticket" in row.body):
                raise
            await sender.send_template(row.recipient, self._template_id,
                                       template_data(row.body, self._clock.now()))

    def _sent(self, row: OutboxMessage) -> None:
        row.state, row.sent_at, row.last_error = "sent", self._clock.now(), None

    def _failed(self, row: OutboxMessage, error: str, retryable: bool) -> None:
        self._on_failure(row.channel)
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


def template_data(body: dict, now) -> dict[str, str]:
    """The classic ticket-update template: first, keyword1 (ticket), keyword2 (time), remark."""
    from handlers.views import local

    first, _, rest = body["text"].partition("\n")
    return {"first": first[:100], "keyword1": body["ticket"], "keyword2": local(now),
            "remark": (rest or "回复本公众号可查看详情。")[:150]}


async def tell_supervisors_of_dead(session, row: OutboxMessage, now: datetime) -> None:
    """A message given up on is not silent: the nearest supervisors of its unit hear of it."""
    if row.unit_id is None or row.dedup_key.startswith("dead:"):
        return
    for unit in await repos.unit_chain(session, row.unit_id):
        supervisors = await repos.supervisors(session, [unit.id])
        if supervisors:
            break
    else:
        return
    text = texts.DEAD_LETTER.format(id=row.id, channel=texts.CHANNEL_NAMES[row.channel],
                                    recipient=row.recipient)
    await repos.enqueue_once(session, [repos.outbox_row(
        channel="work", recipient=person.userid, text=text, now=now, unit_id=unit.id,
        dedup_key=f"dead:{row.id}:{person.userid}") for person in supervisors])
