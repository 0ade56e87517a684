"""Personal data is kept no longer than needed: old closed tickets are anonymised, and a
resident can be forgotten while the anonymous ticket statistics stay."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.uow import UnitOfWork

ANONYMISED = "（已按规定匿名化）"


async def anonymise(uow: UnitOfWork, ticket_ids: list[int]) -> None:
    """Keep what a ticket was (category, place in the tree, times, states); drop who and what,
    including the messages sent about it."""
    if not ticket_ids:
        return
    events = await uow.tickets.event_ids(ticket_ids)
    await uow.outbox.rewrite_about(events, ANONYMISED)
    await uow.tickets.anonymise(ticket_ids, ANONYMISED)


async def anonymise_old_tickets(uow: UnitOfWork, now: datetime, days: int) -> int:
    cutoff = now - timedelta(days=days)
    ids = await uow.tickets.closed_before(cutoff)
    await anonymise(uow, ids)
    await uow.registry.clear_inbound_before(cutoff)
    return len(ids)


async def forget_resident(uow: UnitOfWork, openid: str) -> int | None:
    """Remove a resident's personal data; the number of their tickets kept anonymously."""
    resident = await uow.people.resident(openid)
    if resident is None:
        return None
    ids = await uow.tickets.ids_of_resident(resident.id)
    await anonymise(uow, ids)
    await uow.tickets.unlink_resident(resident.id)
    await uow.registry.forget_messages_of(openid)
    await uow.outbox.drop_for("mp", openid)
    await uow.people.remove(resident)
    return len(ids)
