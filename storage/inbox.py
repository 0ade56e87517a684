"""The inbox journal, its one writer: a message is stored in its own commit before WeChat
hears 200, handled once from there, and its reply waits on the row until it is handed over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from storage.db import committing
from storage.models import InboundMessage

LEASE = timedelta(seconds=10)  # a pending row nobody finished by then is anyone's to handle
REPLY_GRACE = timedelta(seconds=30)  # a passive reply is kept this long for WeChat's retries
KEY_CHARS = 200


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
    return insert(InboundMessage).on_conflict_do_nothing().returning(InboundMessage.id)


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
    def __init__(self, sessionmaker: async_sessionmaker):
        self._sessionmaker = sessionmaker
        self._insert = None

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
        """Store the message in one commit of its own, or find it when WeChat retries it."""
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
        async with self._autocommit() as connection:
            new_id = await connection.scalar(self._insert_for(connection), params)
            if new_id is not None:
                return Entry(new_id, "pending", fresh=True)
            row = (await connection.execute(ROW, params)).first()
        if row is None:
            raise Replayed()
        return Entry(row.id, row.status, row.reply, row.reply_state)

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
