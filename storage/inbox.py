"""The inbox journal, its one writer: a message is stored in a commit before WeChat hears 200,
handled once from there, and its reply waits on the row until it is handed over."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from storage.db import committing
from storage.models import InboundMessage

LEASE = timedelta(seconds=10)  # a pending row nobody finished by then is anyone's to handle
REPLY_GRACE = timedelta(seconds=30)  # a passive reply is kept this long for WeChat's retries
KEY_CHARS = 200
GROUP = 100  # messages stored in one statement and commit at most


@dataclass(frozen=True)
class Entry:
    """A message's row in the journal, as the webhook needs it."""

    id: int
    status: str
    reply: str | None = None
    reply_state: str | None = None
    fresh: bool = False  # stored by this call (not a retry of a message already there)


class Replayed(Exception):
    """The signed query's timestamp and nonce came before with another message."""


def _insert_ignoring(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # the rows inserted, told apart by their key: a batch's rows come back in no set order
    inserted = (InboundMessage.id, InboundMessage.channel, InboundMessage.msg_key)
    return insert(InboundMessage).on_conflict_do_nothing().returning(*inserted)


ROW = select(
    InboundMessage.id, InboundMessage.status, InboundMessage.reply, InboundMessage.reply_state
).where(
    InboundMessage.channel == bindparam("channel"), InboundMessage.msg_key == bindparam("msg_key")
)
# Core statements on the table, built once: run on every message, they need no ORM.
_journal = InboundMessage.__table__
FINISH = (
    update(_journal)
    .where(_journal.c.id == bindparam("row_id"), _journal.c.status == "pending")
    .values(
        status=bindparam("status"),
        processed_at=bindparam("now"),
        reply=bindparam("reply"),
        reply_state=bindparam("reply_state"),
    )
)
QUEUE_PASSIVE = (
    update(_journal)
    .where(_journal.c.id == bindparam("row_id"), _journal.c.reply_state == "passive")
    .values(reply_state="queued", reply=None)
)
ANSWER_AGAIN = (
    update(_journal)
    .where(_journal.c.id == bindparam("row_id"), _journal.c.reply_state == "passive")
    .values(reply_state="passive")
)


class Inbox:
    """Messages are stored by group commit: those that arrive while a commit is under way
    wait for it to end and are then stored together, in one statement and one commit; each
    caller hears back only once its own row is committed. A lone message is stored at once."""

    def __init__(self, sessionmaker: async_sessionmaker):
        self._sessionmaker = sessionmaker
        self._insert = None
        self._waiting: list[tuple[dict, asyncio.Future]] = []
        self._writer: asyncio.Task | None = None

    def _autocommit(self):
        return committing(self._sessionmaker)

    async def journal(
        self,
        *,
        channel: str,
        key: str,
        sender: str,
        kind: str,
        content: str,
        nonce: str,
        now: datetime,
    ) -> Entry:
        """Store the message (its commit shared with those arriving meanwhile), or find it
        when WeChat retries it."""
        params = {
            "channel": channel,
            "msg_key": key[:KEY_CHARS],
            "sender": sender,
            "kind": kind,
            "content": content,
            "nonce": nonce[:80] or None,
            "status": "pending",
            "attempts": 0,
            "received_at": now,
            "lease_until": now + LEASE,
        }
        stored = asyncio.get_running_loop().create_future()
        self._waiting.append((params, stored))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await stored

    async def _write(self) -> None:
        """Store what waits, group after group, until nothing does. A group that fails
        (a dead database) fails each of its callers; the next group is tried afresh."""
        while self._waiting:
            group, self._waiting = self._waiting[:GROUP], self._waiting[GROUP:]
            try:
                outcomes = await self._store([params for params, _ in group])
            except BaseException as error:  # each caller hears it; cancelled, so are they
                for _, stored in group:
                    if not stored.done():
                        stored.set_exception(error)
                if not isinstance(error, Exception):
                    for _, stored in self._waiting:
                        stored.cancel()
                    self._waiting = []
                    raise
                continue
            for (_, stored), outcome in zip(group, outcomes, strict=True):
                if stored.done():
                    continue
                if isinstance(outcome, Entry):
                    stored.set_result(outcome)
                else:
                    stored.set_exception(outcome)

    async def _store(self, group: list[dict]) -> list[Entry | Exception]:
        """One statement inserts the group's rows (a retried message's row is there already:
        it is found by its key; a replayed query's nonce is taken: it is refused)."""
        async with self._autocommit() as connection:
            inserted = await connection.execute(self._insert_for(connection), group)
            new = {(row.channel, row.msg_key): row.id for row in inserted}
            outcomes: list[Entry | Exception] = []
            for params in group:
                new_id = new.pop((params["channel"], params["msg_key"]), None)
                if new_id is not None:
                    outcomes.append(Entry(new_id, "pending", fresh=True))
                    continue
                row = (await connection.execute(ROW, params)).first()
                outcomes.append(
                    Replayed()
                    if row is None
                    else Entry(row.id, row.status, row.reply, row.reply_state)
                )
        return outcomes

    def _insert_for(self, connection: AsyncConnection):
        if self._insert is None:
            self._insert = _insert_ignoring(connection.dialect.name)
        return self._insert

    async def answer_again(self, row_id: int) -> bool:
        """Whether WeChat's retry of a handled message may be answered with the reply kept on
        its row; False when it was queued for the API meanwhile (one or the other, never
        both: the row decides)."""
        async with self._autocommit() as connection:
            return (await connection.execute(ANSWER_AGAIN, {"row_id": row_id})).rowcount == 1

    async def claim_due(self, now: datetime, limit: int = 20) -> list:
        """Pending rows whose lease ran out (their process died, or it gave up): taken under a
        new lease, oldest first; each with its id, channel, content and attempts."""
        due = (
            select(InboundMessage.id)
            .where(InboundMessage.status == "pending", InboundMessage.lease_until < now)
            .order_by(InboundMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due")
            .prefix_with("MATERIALIZED")
        )
        claim = (
            update(InboundMessage)
            .where(InboundMessage.id == due.c.id, InboundMessage.status == "pending")
            .values(lease_until=now + LEASE, attempts=InboundMessage.attempts + 1)
            .returning(
                InboundMessage.id,
                InboundMessage.channel,
                InboundMessage.content,
                InboundMessage.attempts,
            )
        )
        async with self._autocommit() as connection:
            return sorted((await connection.execute(claim)).all(), key=lambda row: row.id)

    async def give_up(self, row_id: int, now: datetime) -> None:
        """A message that cannot be handled at all (unreadable, or it failed every time)."""
        async with self._autocommit() as connection:
            await connection.execute(
                FINISH,
                {
                    "row_id": row_id,
                    "status": "failed",
                    "now": now,
                    "reply": None,
                    "reply_state": None,
                },
            )

    async def forget_answered_replies(self, now: datetime) -> None:
        """A passive reply is kept a little while, so that WeChat's retry of the message gets
        it again; then it is cleared (and its row leaves the set this looks at)."""
        async with self._autocommit() as connection:
            await connection.execute(
                update(InboundMessage)
                .where(
                    InboundMessage.reply_state == "passive",
                    InboundMessage.processed_at < now - REPLY_GRACE,
                )
                .values(reply=None, reply_state="answered")
            )


async def queue_passive_reply(session: AsyncSession, row_id: int) -> bool:
    """Take a passive reply for the outbox, in the caller's transaction; False when WeChat's
    retry was answered with it first."""
    return (await session.execute(QUEUE_PASSIVE, {"row_id": row_id})).rowcount == 1


async def finish(
    session: AsyncSession,
    row_id: int,
    status: str,
    now: datetime,
    reply: str | None,
    reply_state: str | None,
) -> bool:
    """Mark the row handled, in the handling transaction; False when someone else did."""
    done = await session.execute(
        FINISH,
        {
            "row_id": row_id,
            "status": status,
            "now": now,
            "reply": reply,
            "reply_state": reply_state,
        },
    )
    return done.rowcount == 1
