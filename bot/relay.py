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
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.wechat_api import WINDOW_CLOSED, ApiError
from handlers.ports import Clock
from handlers.tickets.notify import tell_of_dead_letter
from storage.db import committing
from storage.models import OutboxMessage
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(hours=1)
IDLE_POLL_SECONDS = 2.0
GATHER_SECONDS = 0.05  # after a wake-up, let a busy service's messages gather into one batch
BATCH = 10  # rows claimed at once
LEASE = timedelta(minutes=3)  # a claimed row is tried again after this if its sender died
SENT_REPLY_BODY = {"msgtype": "text", "text": ""}
SEND_WITHIN = timedelta(minutes=1)  # rows of a batch not begun by then are given back: one
# send (token refresh, template fallback, each bounded by the API timeout) and the recording
# of its outcome fit well inside what is left of the lease


class Sender(Protocol):
    async def send(self, recipient: str, body: dict) -> None: ...


class Relay:
    def __init__(
        self,
        sessionmaker: async_sessionmaker,
        senders: Mapping[str, Sender],
        clock: Clock,
        template_id: str = "",
        quiet_end: Callable[[datetime], datetime | None] = lambda now: None,
        on_failure: Callable[[str], None] = lambda channel: None,
    ):
        self._sessionmaker = sessionmaker
        self._senders = senders
        self._clock = clock
        self._quiet_end = quiet_end  # quiet hours hold back all but urgent messages
        self._on_failure = on_failure
        self._template_id = template_id  # stands in when the 48-hour window has closed
        self._wake = asyncio.Event()

    @property
    def senders(self) -> Mapping[str, Sender]:
        return self._senders

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
                await asyncio.sleep(GATHER_SECONDS)
            self._wake.clear()

    async def drain(self) -> int:
        """Send everything due now; the number of rows tried. A batch that was not full ends
        the round without one more (empty) claim: a row queued meanwhile wakes the relay."""
        handled, more = 0, True
        while more:
            tried, more = await self.send_batch()
            handled += tried
        return handled

    async def send_batch(self) -> tuple[int, bool]:
        """Claim up to BATCH due rows and send them: each recipient's rows one by one in order,
        different recipients' at the same time, each outcome recorded as soon as it is known.
        The number tried, and whether more may be due at once."""
        claimed, more = await self._claim()
        started = self._clock.now()
        queues: dict[tuple[str, str], list] = {}
        for row in claimed:
            queues.setdefault((row.channel, row.recipient), []).append(row)
        halt = asyncio.Event()  # set by a recipient's queue that failed (a dead database)
        rounds = await asyncio.gather(
            *(self._send_in_order(rows, started, halt) for rows in queues.values()),
            return_exceptions=True,
        )
        for failure in rounds:  # raised once every queue has stopped: none runs on unwatched
            if isinstance(failure, BaseException):
                raise failure
        return sum(tried for tried, _ in rounds), more or any(due for _, due in rounds)

    async def _send_in_order(
        self, rows: list, started: datetime, halt: asyncio.Event
    ) -> tuple[int, bool]:
        """One recipient's rows in order: the number tried, and whether more is due at once
        (rows given back, or supervisors told of a dead one). A row to be tried again later
        holds back the recipient's later rows with it. Once another queue has failed no new
        send begins; rows not begun wait for their lease to end."""
        more = False
        try:
            for n, row in enumerate(rows):
                if halt.is_set():
                    return n, True
                if self._clock.now() - started >= SEND_WITHIN:  # the rest would outlive the lease
                    await self._release(rows[n:])
                    return n, True
                outcome = await self._attempt(row)
                async with self._autocommit() as connection:
                    recorded = await connection.execute(*_recording(row, outcome))
                if recorded.rowcount == 1 and outcome.get("state") == "dead":
                    async with UnitOfWork.opened(self._sessionmaker) as uow:
                        dead = await uow.outbox.get(row.id)
                        await tell_of_dead_letter(uow, dead, self._clock.now())
                        await uow.commit()
                    more = True  # the supervisors' notices are due now
                if "next_attempt_at" in outcome:
                    await self._release(rows[n + 1 :], until=outcome["next_attempt_at"])
                    return n + 1, more
        except Exception:
            halt.set()
            raise
        return len(rows), more

    def _autocommit(self):
        """A connection whose statements commit at once (storage.db.committing)."""
        return committing(self._sessionmaker)

    async def _claim(self) -> tuple[list, bool]:
        """Take due rows under a lease in one atomic statement: the rows to send now (quiet
        hours hold back all but urgent ones), and whether the batch was full. On PostgreSQL
        rows another relay holds are skipped (FOR UPDATE SKIP LOCKED); a claimed row is due
        again only when its lease runs out, so no other process takes it meanwhile. The batch
        is a MATERIALIZED CTE: as a plain IN (subquery) PostgreSQL may run the LIMIT once per
        row and claim every due row at once."""
        now = self._clock.now()
        async with self._autocommit() as connection:
            rows = sorted(
                (await connection.execute(CLAIM, {"now": now, "lease_until": now + LEASE})).all(),
                key=lambda row: row.id,
            )
            if not rows:
                return [], False
            held_until = self._quiet_end(now)
            quiet = [row for row in rows if not row.body.get("urgent")] if held_until else []
            if quiet:  # quiet hours: all but urgent messages wait for the morning
                await connection.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_([row.id for row in quiet]))
                    .values(
                        attempts=OutboxMessage.attempts - 1,
                        next_attempt_at=held_until.astimezone(now.tzinfo),
                    )
                )
        return [row for row in rows if row not in quiet], len(rows) == BATCH

    async def _release(self, rows: list, until: datetime | None = None) -> None:
        """Give back claimed rows not tried: due again at `until` (at once if not given), the
        attempt not counted."""
        async with self._autocommit() as connection:
            for row in rows:
                await connection.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == row.id,
                        OutboxMessage.attempts == row.attempts,
                        OutboxMessage.state == "pending",
                    )
                    .values(attempts=row.attempts - 1, next_attempt_at=until or self._clock.now())
                )

    async def _attempt(self, row) -> dict:
        """Send once; the columns that record the outcome."""
        try:
            await self._send(row)
        except ApiError as error:
            problem, retryable = str(error), error.retryable
        except TimeoutError:
            problem, retryable = "TimeoutError: no answer from the API in time", True
        except aiohttp.ClientError as error:
            problem, retryable = f"{type(error).__name__}: {error}", True
        except Exception as error:  # a bug must not wedge the queue behind this row
            log.exception("outbox %s: unexpected failure", row.id)
            problem, retryable = f"{type(error).__name__}: {error}", True
        else:
            log.debug("outbox %s sent on %s", row.id, row.channel)  # per message: not at INFO
            sent = {"state": "sent", "sent_at": self._clock.now(), "last_error": None}
            if row.dedup_key.startswith("reply:"):  # an answer, maybe from the registry:
                sent["body"] = SENT_REPLY_BODY  # nothing else needs it once delivered
            return sent
        return self._failed(row, problem, retryable)

    async def _send(self, row: OutboxMessage) -> None:
        sender = self._senders[row.channel]
        try:
            await sender.send(row.recipient, row.body)
        except ApiError as error:
            if error.errcode != WINDOW_CLOSED or row.channel != "mp":
                raise
            if "template" in row.body:  # its own template (a notice) stands in
                template = row.body["template"]
                await sender.send_template(row.recipient, template["id"], template["data"])
            elif self._template_id and "ticket" in row.body:
                await sender.send_template(
                    row.recipient, self._template_id, template_data(row.body, self._clock.now())
                )
            else:
                raise

    def _failed(self, row, error: str, retryable: bool) -> dict:
        self._on_failure(row.channel)
        outcome = {"last_error": error[:500]}
        if not retryable:
            outcome["state"] = "held"
        elif row.attempts >= MAX_ATTEMPTS:
            outcome["state"] = "dead"
        else:
            delay = min(BASE_DELAY * 2 ** (row.attempts - 1), MAX_DELAY)
            outcome["next_attempt_at"] = self._clock.now() + delay * random.uniform(0.5, 1.5)
        log.warning(
            "outbox %s attempt %s failed (%s): %s",
            row.id,
            row.attempts,
            outcome.get("state", "pending"),
            outcome["last_error"],
        )
        return outcome


def _claim_statement():
    """Up to BATCH due rows taken under a lease, in one statement built once (building and
    keying it cost more CPU than running it)."""
    now = bindparam("now", type_=OutboxMessage.next_attempt_at.type)
    due = (
        select(OutboxMessage.id)
        .where(_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    return (
        update(OutboxMessage)
        .where(OutboxMessage.id == due.c.id, _due(now))
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=bindparam("lease_until"))
        .returning(*OutboxMessage.__table__.c)
    )


# The outcome of a send, recorded on its row unless another relay took the row since: the
# usual outcomes (sent; sent, the reply's text cleared) as statements built once.
_OUTCOME_OF_THIS_TRY = (OutboxMessage.id == bindparam("row_id")) & (
    OutboxMessage.attempts == bindparam("row_attempts")
)
_SENT = {
    columns: update(OutboxMessage)
    .where(_OUTCOME_OF_THIS_TRY)
    .values({column: bindparam(column) for column in columns})
    for columns in (("state", "sent_at", "last_error"), ("state", "sent_at", "last_error", "body"))
}


def _recording(row, outcome: dict) -> tuple:
    """The statement recording `outcome` on `row`, and its parameters."""
    params = {"row_id": row.id, "row_attempts": row.attempts, **outcome}
    built = _SENT.get(tuple(outcome))
    if built is None:
        built = update(OutboxMessage).where(_OUTCOME_OF_THIS_TRY).values(**outcome)
        params = {"row_id": row.id, "row_attempts": row.attempts}
    return built, params


def _due(now):
    """Pending rows whose time has come (`now`: the bound parameter of a time). A row meant to
    go at once and never tried is due even when it was created "after" now: the clock was set
    back, and a notice must not wait for the clock to catch up. Rows held for later (quiet
    hours, not_before) keep their time."""
    fresh = (
        (OutboxMessage.attempts == 0)
        & (OutboxMessage.created_at > now)
        & (OutboxMessage.next_attempt_at == OutboxMessage.created_at)
    )
    return (OutboxMessage.state == "pending") & ((OutboxMessage.next_attempt_at <= now) | fresh)


def template_data(body: dict, now) -> dict[str, str]:
    """The classic ticket-update template: first, keyword1 (ticket), keyword2 (time), remark."""
    from handlers.tickets.views import local

    first, _, rest = body["text"].partition("\n")
    return {
        "first": first[:100],
        "keyword1": body["ticket"],
        "keyword2": local(now),
        "remark": (rest or "回复本公众号可查看详情。")[:150],
    }


CLAIM = _claim_statement()
