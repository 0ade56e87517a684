"""Everything handlers send goes into the outbox, keyed by the event that caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import texts
from handlers.masking import mask_text, sees_as_written
from storage import repos
from storage.models import Staff, Ticket, TicketEvent

MAX_BYTES = 2048  # a WeCom text message


async def tell_staff(
    session: AsyncSession,
    event: TicketEvent,
    people: list[Staff],
    text: str,
    now: datetime,
    unit_id: int | None,
    urgent: bool = False,
) -> None:
    """Each person hears `text`; whoever does not handle the ticket, with numbers masked."""
    session.add(event)
    await session.flush()
    ticket = await session.get(Ticket, event.ticket_id)
    for person in people:
        shown = text if await sees_as_written(session, person, ticket) else mask_text(text)
        repos.add_outbox(
            session,
            channel="work",
            recipient=person.userid,
            text=shown,
            dedup_key=f"event:{event.id}:{person.userid}",
            now=now,
            unit_id=unit_id,
            urgent=urgent,
        )


async def tell_reporters(
    session: AsyncSession, ticket: Ticket, event: TicketEvent, text: str, now: datetime
) -> None:
    """The resident who reported it hears `text`, numbers masked; every household linked to
    it since hears only the ticket's code and progress, in words of its own."""
    session.add(event)
    await session.flush()
    for resident in await repos.reporters(session, ticket):
        own = resident.id == ticket.resident_id
        said = mask_text(text) if own else linked_update(ticket, event)
        repos.add_outbox(
            session,
            channel="mp",
            recipient=resident.openid,
            text=said,
            dedup_key=f"event:{event.id}:{resident.openid}",
            now=now,
            unit_id=ticket.grid_id,
            ticket_code=ticket.code,
            urgent=ticket.urgent,
        )


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
