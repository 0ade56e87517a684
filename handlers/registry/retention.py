"""Personal data is kept no longer than needed: old closed tickets are anonymised, and a
resident can be forgotten while the anonymous ticket statistics stay."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from storage.models import (
    Attachment,
    InboundMessage,
    OutboxMessage,
    Resident,
    Ticket,
    TicketEvent,
    TicketReporter,
)
from storage.uow import UnitOfWork

ANONYMISED = "（已按规定匿名化）"


async def anonymise(uow: UnitOfWork, ticket_ids: list[int]) -> None:
    """Keep what a ticket was (category, place in the tree, times, states); drop who and what,
    including the messages sent about it."""
    if not ticket_ids:
        return
    events = list(
        await uow.scalars(select(TicketEvent.id).where(TicketEvent.ticket_id.in_(ticket_ids)))
    )
    for event_id in events:  # outbox rows about the ticket are keyed event:<id>:<recipient>
        await uow.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedup_key.startswith(f"event:{event_id}:"))
            .values(body={"msgtype": "text", "text": ANONYMISED})
            .execution_options(synchronize_session=False)
        )
    await uow.execute(
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
    await uow.execute(
        update(TicketEvent)
        .where(TicketEvent.ticket_id.in_(ticket_ids))
        .values(note=None)
        .execution_options(synchronize_session=False)
    )
    for table in (Attachment, TicketReporter):
        await uow.execute(delete(table).where(table.ticket_id.in_(ticket_ids)))


async def anonymise_old_tickets(uow: UnitOfWork, now: datetime, days: int) -> int:
    cutoff = now - timedelta(days=days)
    ids = list(
        await uow.scalars(
            select(Ticket.id).where(
                Ticket.state == "closed", Ticket.closed_at < cutoff, Ticket.anonymised.is_(False)
            )
        )
    )
    await anonymise(uow, ids)
    await uow.execute(
        update(InboundMessage)
        .where(InboundMessage.received_at < cutoff, InboundMessage.content.is_not(None))
        .values(content=None, reply=None)
    )
    return len(ids)


async def forget_resident(uow: UnitOfWork, openid: str) -> int | None:
    """Remove a resident's personal data; the number of their tickets kept anonymously."""
    resident = await uow.scalar(select(Resident).where(Resident.openid == openid))
    if resident is None:
        return None
    ids = list(await uow.scalars(select(Ticket.id).where(Ticket.resident_id == resident.id)))
    await anonymise(uow, ids)
    await uow.execute(delete(TicketReporter).where(TicketReporter.resident_id == resident.id))
    await uow.execute(
        update(InboundMessage)
        .where(InboundMessage.sender == openid)
        .values(sender="forgotten", content=None, reply=None)
    )
    await uow.execute(
        delete(OutboxMessage).where(
            OutboxMessage.recipient == openid, OutboxMessage.channel == "mp"
        )
    )
    await uow.delete(resident)
    return len(ids)
