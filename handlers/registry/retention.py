"""Personal data is kept no longer than needed: old closed tickets are anonymised, and a
resident can be forgotten while the anonymous ticket statistics stay."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Attachment,
    InboundMessage,
    OutboxMessage,
    Resident,
    Ticket,
    TicketEvent,
    TicketReporter,
)

ANONYMISED = "（已按规定匿名化）"


async def anonymise(session: AsyncSession, ticket_ids: list[int]) -> None:
    """Keep what a ticket was (category, place in the tree, times, states); drop who and what,
    including the messages sent about it."""
    if not ticket_ids:
        return
    events = list(
        await session.scalars(select(TicketEvent.id).where(TicketEvent.ticket_id.in_(ticket_ids)))
    )
    for event_id in events:  # outbox rows about the ticket are keyed event:<id>:<recipient>
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedup_key.startswith(f"event:{event_id}:"))
            .values(body={"msgtype": "text", "text": ANONYMISED})
            .execution_options(synchronize_session=False)
        )
    await session.execute(
        update(Ticket)
        .where(Ticket.id.in_(ticket_ids))
        .values(
            text=ANONYMISED,
            place=None,
            lat=None,
            lon=None,
            resolution=None,
            resident_id=None,
            category_options=None,
            anonymised=True,
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(TicketEvent)
        .where(TicketEvent.ticket_id.in_(ticket_ids))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    for table in (Attachment, TicketReporter):
        await session.execute(delete(table).where(table.ticket_id.in_(ticket_ids)))


async def anonymise_old_tickets(session: AsyncSession, now: datetime, days: int) -> int:
    cutoff = now - timedelta(days=days)
    ids = list(
        await session.scalars(
            select(Ticket.id).where(
                Ticket.state == "closed", Ticket.closed_at < cutoff, Ticket.anonymised.is_(False)
            )
        )
    )
    await anonymise(session, ids)
    await session.execute(
        update(InboundMessage)
        .where(InboundMessage.received_at < cutoff, InboundMessage.content.is_not(None))
        .values(content=None, reply=None)
    )
    return len(ids)


async def forget_resident(session: AsyncSession, openid: str) -> int | None:
    """Remove a resident's personal data; the number of their tickets kept anonymously."""
    resident = await session.scalar(select(Resident).where(Resident.openid == openid))
    if resident is None:
        return None
    ids = list(await session.scalars(select(Ticket.id).where(Ticket.resident_id == resident.id)))
    await anonymise(session, ids)
    await session.execute(delete(TicketReporter).where(TicketReporter.resident_id == resident.id))
    await session.execute(
        update(InboundMessage)
        .where(InboundMessage.sender == openid)
        .values(sender="forgotten", content=None, reply=None)
    )
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.recipient == openid, OutboxMessage.channel == "mp"
        )
    )
    await session.delete(resident)
    return len(ids)
