"""What the database holds of a run's unfinished work: what a kill left behind, whether
everything has settled, and the rows that tell what happened to a resident's messages."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from storage.db import make_sessionmaker
from storage.models import InboundMessage, OutboxMessage

LEASED = timedelta(minutes=1)  # an outbox row due later than this was claimed by the relay, its
# outcome not recorded (a failed send is due again within seconds)
OWN_MESSAGES = OutboxMessage.dedup_key.like("event:%") | OutboxMessage.dedup_key.like("reply:%")


@dataclass(frozen=True)
class Kill:
    """What one kill left unfinished, counted while nothing ran."""

    posting: int  # POSTs awaiting their answer
    pending: int  # journal rows not yet handled
    waiting: int  # replies kept on the row for a webhook that had not taken them
    sending: int  # outbox rows claimed by the relay, their outcome not recorded
    unsent: int  # outbox rows not yet tried


async def end_relay_leases(engine) -> None:
    """What 3 minutes do to the rows a killed relay held: make them due again."""
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        await connection.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.state == "pending",
                OutboxMessage.next_attempt_at > now + LEASED,
                OWN_MESSAGES,
            )
            .values(next_attempt_at=now)
        )


async def left_behind(engine, posting: int) -> Kill:
    """What the killed process left unfinished, read while nothing runs."""
    now = datetime.now(UTC)
    async with engine.connect() as connection:

        async def count(table, *where) -> int:
            return await connection.scalar(select(func.count()).select_from(table).where(*where))

        return Kill(
            posting=posting,
            pending=await count(InboundMessage, InboundMessage.status == "pending"),
            waiting=await count(InboundMessage, InboundMessage.reply_state == "waiting"),
            sending=await count(
                OutboxMessage,
                OutboxMessage.state == "pending",
                OutboxMessage.next_attempt_at > now + LEASED,
            ),
            unsent=await count(
                OutboxMessage, OutboxMessage.state == "pending", OutboxMessage.attempts == 0
            ),
        )


async def settle(engine, seconds: float) -> float | None:
    """Seconds until no message is left to handle, no reply to give and no notice or reply to
    send; None if that did not come within `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if not await outstanding(engine):
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    return None


async def outstanding(engine) -> int:
    async with engine.connect() as connection:
        journal = await connection.scalar(
            select(func.count())
            .select_from(InboundMessage)
            .where(
                (InboundMessage.status == "pending") | (InboundMessage.reply_state == "waiting")
            )
        )
        outbox = await connection.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.state == "pending", OWN_MESSAGES)
        )
    return journal + outbox


async def explain(engine, findings, per_failure: int = 3) -> list[str]:
    """For a few residents of each failed invariant: what WeChat saw, their journal rows, and
    the outbox rows of their replies and of their tickets' notices."""
    reports = {r.resident: r for r in findings.reports}
    lines = []
    async with make_sessionmaker(engine)() as session:
        notices = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.dedup_key.like("event:%"))
                .order_by(OutboxMessage.id)
            )
        )
        for what, residents in findings.failing().items():
            for resident in residents[:per_failure]:
                codes = findings.tickets.get(resident, [])
                seen = reports[resident].delivery.outcomes
                lines.append(
                    f"{what} — {resident}: WeChat saw {seen}, tickets {codes}, replies "
                    f"with a code {findings.replies.get(resident, 0)}, notices "
                    f"{[findings.notices[c] for c in codes]}"
                )
                lines += ["    " + line for line in await _rows_of(session, resident)]
                lines += [
                    "    " + _outbox_line(o)
                    for o in notices
                    if any(c in o.body.get("text", "") for c in codes)
                ]
    return lines


async def _rows_of(session, resident: str) -> list[str]:
    journal = await session.scalars(
        select(InboundMessage).where(InboundMessage.sender == resident).order_by(InboundMessage.id)
    )
    lines = [
        f"journal {m.id} {m.kind}: status {m.status}, reply_state {m.reply_state}, "
        f"attempts {m.attempts}, received {m.received_at:%H:%M:%S.%f}, processed "
        f"{m.processed_at and f'{m.processed_at:%H:%M:%S.%f}'}"
        for m in journal
    ]
    replies = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == resident).order_by(OutboxMessage.id)
    )
    return lines + [_outbox_line(o) for o in replies]


def _outbox_line(row: OutboxMessage) -> str:
    sent = row.sent_at and f"{row.sent_at:%H:%M:%S.%f}"
    return (
        f"outbox {row.id} to {row.recipient} ({row.dedup_key}): {row.state}, attempts "
        f"{row.attempts}, created {row.created_at:%H:%M:%S.%f}, sent {sent}, "
        f"error {row.last_error}"
    )
