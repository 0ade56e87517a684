"""What staff do on WeCom: accept and resolve tickets, list their work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import texts
from handlers.commands import Command, parse
from handlers.errors import BadCommand, DomainError, NotYourTicket, TicketNotFound
from handlers.inbound import Inbound
from handlers.lifecycle import transition
from handlers.ports import Ports
from handlers.routing import clip
from nlu.categories import category_name
from storage import repos
from storage.models import Staff, Ticket


async def on_staff_text(session: AsyncSession, msg: Inbound, ports: Ports) -> str:
    staff = await repos.staff_by_userid(session, msg.sender)
    if staff is None:
        return texts.STAFF_NOT_REGISTERED
    command = parse(msg.text)
    if command is None:
        return texts.STAFF_UNKNOWN_COMMAND
    try:
        return await COMMANDS[command.verb](session, staff, command, ports)
    except DomainError as refusal:
        return str(refusal)


async def accept(session: AsyncSession, staff: Staff, command: Command, ports: Ports) -> str:
    ticket = await _own_ticket(session, staff, command, "接单")
    now = ports.clock.now()
    event = transition(ticket, "accept", actor=f"staff:{staff.userid}", now=now)
    ticket.accepted_at = now
    await _tell_resident(session, ticket, event, now,
                         texts.RESIDENT_ACCEPTED.format(code=ticket.code, handler=_title(staff)))
    return texts.STAFF_ACCEPTED.format(code=ticket.code)


async def resolve(session: AsyncSession, staff: Staff, command: Command, ports: Ports) -> str:
    ticket = await _own_ticket(session, staff, command, "办结")
    if not command.rest:
        raise BadCommand(texts.NEED_NOTE.format(code=ticket.code))
    now = ports.clock.now()
    event = transition(ticket, "resolve", actor=f"staff:{staff.userid}", now=now,
                       note=command.rest)
    ticket.resolved_at, ticket.resolution = now, command.rest
    await _tell_resident(session, ticket, event, now,
                         texts.RESIDENT_RESOLVED.format(code=ticket.code, note=command.rest))
    return texts.STAFF_RESOLVED.format(code=ticket.code)


async def my_tickets(session: AsyncSession, staff: Staff, command: Command, ports: Ports) -> str:
    tickets = await repos.tickets_of_staff(session, staff.id)
    if not tickets:
        return texts.STAFF_NO_TICKETS
    lines = [texts.STAFF_TICKETS_HEADER.format(count=len(tickets))]
    lines += [
        texts.STAFF_TICKET_LINE.format(code=t.code, category=category_name(t.category),
                                       state=texts.STATE_NAMES[t.state], text=clip(t.text, 40))
        for t in tickets
    ]
    return "\n".join(lines)


async def show_help(session: AsyncSession, staff: Staff, command: Command, ports: Ports) -> str:
    return texts.STAFF_HELP


COMMANDS = {"accept": accept, "resolve": resolve, "my_tickets": my_tickets, "help": show_help}


async def _own_ticket(session: AsyncSession, staff: Staff, command: Command, verb: str) -> Ticket:
    if not command.code:
        raise BadCommand(texts.NEED_CODE.format(verb=verb))
    ticket = await repos.ticket_by_code(session, command.code)
    if ticket is None:
        raise TicketNotFound(texts.TICKET_NOT_FOUND.format(code=command.code))
    if ticket.assignee_id != staff.id:
        raise NotYourTicket(texts.NOT_YOUR_TICKET.format(code=ticket.code))
    return ticket


async def _tell_resident(session, ticket: Ticket, event, now, text: str) -> None:
    session.add(event)
    await session.flush()
    if ticket.resident is None:
        return
    repos.add_outbox(session, channel="mp", recipient=ticket.resident.openid, text=text,
                     dedup_key=f"event:{event.id}:{ticket.resident.openid}", now=now,
                     unit_id=ticket.grid_id)


def _title(staff: Staff) -> str:
    return f"{texts.ROLE_NAMES[staff.role]}{staff.name}"
