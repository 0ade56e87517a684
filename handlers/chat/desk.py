"""What a staff member does with a ticket from WeCom: accept, arrive, resolve, pass it on."""

from __future__ import annotations

from handlers import texts
from handlers.chat.verbs import Command
from handlers.errors import TransitionRefused
from handlers.ports import Ports
from handlers.scope import require_text, successor, ticket_for, ticket_to
from handlers.tickets.escalation import at_top, escalate
from handlers.tickets.lifecycle import transition
from handlers.tickets.notify import tell_reporters, tell_staff
from handlers.tickets.routing import clip, route, staff_notice
from nlu.categories import category_name
from storage.models import Staff, Ticket
from storage.uow import UnitOfWork


def actor(staff: Staff) -> str:
    return f"staff:{staff.userid}"


def title(staff: Staff) -> str:
    return f"{texts.roles_named(staff.roles)}{staff.name}"


async def accept(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    ticket = await ticket_for(uow, staff, command, "接单", assignee_only=True)
    now = ports.clock.now()
    event = transition(ticket, "accept", actor=actor(staff), now=now, policy=ports.policy)
    await tell_reporters(
        uow,
        ticket,
        event,
        texts.RESIDENT_ACCEPTED.format(code=ticket.code, handler=title(staff)),
        now,
    )
    done = texts.STAFF_ACCEPTED_ATTEND if ticket.must_attend else texts.STAFF_ACCEPTED
    return done.format(code=ticket.code)


async def arrive(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    ticket = await ticket_for(uow, staff, command, "到场", assignee_only=True)
    now = ports.clock.now()
    event = transition(ticket, "arrive", actor=actor(staff), now=now, policy=ports.policy)
    await tell_reporters(uow, ticket, event, texts.RESIDENT_ON_SITE.format(code=ticket.code), now)
    return texts.STAFF_ARRIVED.format(code=ticket.code)


async def resolve(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    ticket = await ticket_for(uow, staff, command, "办结", assignee_only=True)
    note = require_text(command, texts.NEED_NOTE, "办结")
    now = ports.clock.now()
    event = transition(
        ticket, "resolve", actor=actor(staff), now=now, policy=ports.policy, note=note
    )
    ticket.resolution = note
    text = texts.RESIDENT_RESOLVED.format(code=ticket.code, note=note)
    await tell_reporters(uow, ticket, event, f"{text}\n\n{texts.RESIDENT_ASK_RATING}", now)
    return texts.STAFF_RESOLVED.format(code=ticket.code)


async def transfer(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    ticket = await ticket_to(uow, staff, command, "transfer", "转派")
    who = require_text(command, texts.NEED_WHO, "转派")
    target = await successor(uow, ticket, who, ticket.code)
    await hand_over(uow, ticket, target, "transfer", staff, ports)
    return texts.STAFF_TRANSFERRED.format(code=ticket.code, name=target.name)


async def hand_over(
    uow: UnitOfWork, ticket: Ticket, target: Staff, action: str, by: Staff, ports: Ports
) -> None:
    """Give the ticket to `target`, who is told on WeCom, as is the one it is taken from
    (unless they passed it on themselves); the residents hear of it."""
    now = ports.clock.now()
    previous = ticket.assignee
    event = transition(
        ticket, action, actor=actor(by), now=now, policy=ports.policy, note=target.userid
    )
    ticket.assignee_id, ticket.accepted_at = target.id, None
    await _place_at(uow, ticket, target)
    grid = await uow.org.unit(ticket.grid_id or ticket.unit_id)
    await tell_staff(uow, event, [target], staff_notice(ticket, grid), now, ticket.grid_id)
    if previous is not None and previous.id not in (by.id, target.id):
        await tell_staff(
            uow,
            event,
            [previous],
            texts.TAKEN_FROM_YOU.format(by=by.name, code=ticket.code, name=target.name),
            now,
            ticket.grid_id,
        )
    await tell_reporters(
        uow,
        ticket,
        event,
        texts.RESIDENT_TRANSFERRED.format(code=ticket.code, handler=title(target)),
        now,
    )


async def _place_at(uow: UnitOfWork, ticket: Ticket, target: Staff) -> None:
    """A ticket not placed yet, given to a grid's staff (the duty desk learnt the place),
    is in that grid from now on."""
    unit = await uow.org.unit(target.unit_id)
    if ticket.grid_id is None and unit.level == "grid":
        ticket.grid_id, ticket.unit_id, ticket.level = unit.id, unit.id, 0


async def escalate_up(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    ticket = await ticket_to(uow, staff, command, "escalate", "上报")
    reason = require_text(command, texts.NEED_REASON, "上报")
    if at_top(ticket):
        raise TransitionRefused(texts.AT_TOP_LEVEL.format(code=ticket.code))
    level = await escalate(
        uow,
        ticket,
        now=ports.clock.now(),
        policy=ports.policy,
        actor=actor(staff),
        template=texts.ESCALATION_BY_STAFF,
        note=reason,
        reason=reason,
        name=staff.name,
    )
    return texts.STAFF_ESCALATED.format(code=ticket.code, level=level)


async def give_back(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    """退回: not this person's duty; the ticket is routed again, never to a dead end."""
    ticket = await ticket_for(uow, staff, command, "退回", assignee_only=True)
    reason = require_text(command, texts.NEED_REASON, "退回")
    now = ports.clock.now()
    event = transition(
        ticket, "return", actor=actor(staff), now=now, policy=ports.policy, note=reason
    )
    uow.add(event)
    ticket.assignee_id, ticket.accepted_at = None, None
    target = await route(uow, ticket, now, ports.policy, exclude=staff)
    if target is None:
        level = await escalate(
            uow,
            ticket,
            now=now,
            policy=ports.policy,
            actor=actor(staff),
            template=texts.ESCALATION_BY_STAFF,
            note=reason,
            reason=reason,
            name=staff.name,
        )
        return texts.STAFF_ESCALATED.format(code=ticket.code, level=level)
    told = texts.RESIDENT_REROUTED.format(code=ticket.code, handler=title(target))
    await tell_reporters(uow, ticket, event, told, now)
    return texts.STAFF_RETURNED.format(code=ticket.code, name=target.name)


async def my_tickets(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    tickets = await uow.tickets.of_staff(staff.id)
    if not tickets:
        return texts.STAFF_NO_TICKETS
    lines = [texts.STAFF_TICKETS_HEADER.format(count=len(tickets))]
    lines += [
        texts.STAFF_TICKET_LINE.format(
            code=t.code,
            category=category_name(t.category),
            state=texts.STATE_NAMES[t.state],
            text=clip(t.text, 40),
        )
        for t in tickets
    ]
    return "\n".join(lines)


async def show(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    """工单 CODE: numbers masked unless the viewer handles it; every look is audited."""
    from handlers.errors import NotYourTicket, TicketNotFound
    from handlers.masking import sees_as_written
    from handlers.registry.lookup import audit
    from handlers.tickets.views import ticket_detail

    now, purpose = ports.clock.now(), f"chat: 工单 {command.code}".strip()
    try:
        ticket = await ticket_for(uow, staff, command, "工单")
    except (TicketNotFound, NotYourTicket):
        audit(uow, staff, "view_ticket", command.code, purpose, now, "refused")
        raise
    as_written = await sees_as_written(uow, staff, ticket)
    audit(
        uow,
        staff,
        "view_ticket_unmasked" if as_written else "view_ticket",
        ticket.code,
        purpose,
        now,
    )
    return await ticket_detail(uow, ticket, masked=not as_written)
