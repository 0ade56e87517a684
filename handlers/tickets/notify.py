"""What a ticket's events tell people: written to the outbox (storage/outbox.py, its one
writer), keyed by the event that caused it."""

from __future__ import annotations

from datetime import datetime

from handlers import texts
from handlers.masking import mask_text, sees_as_written
from storage.models import OutboxMessage, Staff, Ticket, TicketEvent
from storage.outbox import Message
from storage.uow import UnitOfWork

MAX_BYTES = 2048  # a WeCom text message


async def tell_staff(
    uow: UnitOfWork,
    event: TicketEvent,
    people: list[Staff],
    text: str,
    now: datetime,
    unit_id: int | None,
    urgent: bool = False,
) -> None:
    """Each person hears `text`; whoever does not handle the ticket, with numbers masked."""
    uow.add(event)
    await uow.flush()  # the event's id keys the messages (with the ticket, if it is new)
    ticket = event.ticket
    messages = [
        Message(
            channel="work",
            recipient=person.userid,
            text=text if await sees_as_written(uow, person, ticket) else mask_text(text),
            dedup_key=f"event:{event.id}:{person.userid}",
            unit_id=unit_id,
            urgent=urgent,
        )
        for person in people
    ]
    await uow.outbox.put(messages, now)


async def tell_reporters(
    uow: UnitOfWork, ticket: Ticket, event: TicketEvent, text: str, now: datetime
) -> None:
    """The resident who reported it hears `text`, numbers masked; every household linked to
    it since hears only the ticket's code and progress, in words of its own."""
    uow.add(event)
    await uow.flush()
    messages = [
        Message(
            channel="mp",
            recipient=resident.openid,
            text=mask_text(text)
            if resident.id == ticket.resident_id
            else linked_update(ticket, event),
            dedup_key=f"event:{event.id}:{resident.openid}",
            unit_id=ticket.grid_id,
            ticket_code=ticket.code,
            urgent=ticket.urgent,
        )
        for resident in await uow.tickets.reporters(ticket)
    ]
    await uow.outbox.put(messages, now)


async def tell_of_dead_letter(uow: UnitOfWork, row: OutboxMessage, now: datetime) -> None:
    """A message given up on is not silent: the nearest supervisors of its unit hear of it."""
    if row.unit_id is None or row.dedup_key.startswith("dead:"):
        return
    for unit in await uow.org.chain(row.unit_id):
        supervisors = await uow.people.supervisors([unit.id])
        if supervisors:
            break
    else:
        return
    text = texts.DEAD_LETTER.format(
        id=row.id, channel=texts.CHANNEL_NAMES[row.channel], recipient=row.recipient
    )
    messages = [
        Message(
            channel="work",
            recipient=person.userid,
            text=text,
            unit_id=unit.id,
            dedup_key=f"dead:{row.id}:{person.userid}",
        )
        for person in supervisors
    ]
    await uow.outbox.put(messages, now)


def linked_update(ticket: Ticket, event: TicketEvent) -> str:
    state = texts.STATE_NAMES.get(ticket.state, ticket.state)
    progress = texts.LINKED_PROGRESS.get(event.action) or texts.LINKED_STATE.format(state=state)
    return texts.LINKED_UPDATE.format(code=ticket.code, progress=progress)


def chunks(lines: list[str], limit: int = MAX_BYTES) -> list[str]:
    """Lines packed into messages of at most `limit` UTF-8 bytes each."""
    out, current = [], ""
    for line in lines:
        line = line.encode()[: limit - 8].decode(errors="ignore")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) > limit:
            out.append(current)
            candidate = line
        current = candidate
    return [*out, current] if current else out
