"""What a centre's supervisor does from WeCom: look over their units, urge, assign."""

from __future__ import annotations

from collections import Counter

from handlers import texts
from handlers.chat.desk import actor, hand_over
from handlers.chat.verbs import Command
from handlers.ports import Ports
from handlers.scope import DESK, require_supervisor, require_text, successor, ticket_for, ticket_to
from handlers.tickets.lifecycle import is_overdue, late_since, late_step, transition
from handlers.tickets.notify import tell_staff
from handlers.tickets.views import lateness
from nlu.categories import category_name
from storage.models import Staff, Ticket
from storage.uow import UnitOfWork


async def summary(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    require_supervisor(staff)
    unit = await uow.org.unit(staff.unit_id)
    units = await uow.org.subtree_ids(staff.unit_id)
    tickets = await uow.tickets.in_units(
        units, tuple(texts.STATE_NAMES), unplaced=staff.has_role(DESK)
    )
    counts = Counter(t.state for t in tickets)
    lines = [texts.SUMMARY_HEADER.format(unit=unit.path)]
    lines += [
        texts.SUMMARY_LINE.format(state=name, count=counts[state])
        for state, name in texts.STATE_NAMES.items()
        if counts[state]
    ]
    lines.append(texts.SUMMARY_OVERDUE.format(count=len(_overdue(tickets, ports))))
    return "\n".join(lines)


async def overdue(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    require_supervisor(staff)
    units = await uow.org.subtree_ids(staff.unit_id)
    late = _overdue(await uow.tickets.in_units(units, unplaced=staff.has_role(DESK)), ports)
    if not late:
        return texts.NO_OVERDUE
    now = ports.clock.now()
    lines = [texts.OVERDUE_HEADER.format(count=len(late))]
    lines += [
        texts.OVERDUE_LINE.format(
            code=t.code,
            category=category_name(t.category),
            what=texts.DEADLINE_NAMES[late_step(t)],
            late=lateness(now - late_since(t, now)),
            where=_late_where(t),
            name=t.assignee.name if t.assignee else texts.NOBODY_YET,
        )
        for t in late[:20]
    ]
    return "\n".join(lines)


def _late_where(ticket: Ticket) -> str:
    """At which level the step went late, when it has climbed since."""
    if ticket.overdue_level is None or ticket.overdue_level == ticket.level:
        return ""
    return texts.OVERDUE_WHERE.format(level=texts.LEVEL_NAMES[ticket.overdue_level])


def _overdue(tickets: list[Ticket], ports: Ports) -> list[Ticket]:
    now = ports.clock.now()
    return [t for t in tickets if is_overdue(t, now)]


async def urge(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    require_supervisor(staff)
    ticket = await ticket_for(uow, staff, command, "督办")
    note = require_text(command, texts.NEED_REASON, "督办")
    now = ports.clock.now()
    event = transition(ticket, "urge", actor=actor(staff), now=now, policy=ports.policy, note=note)
    assignee = ticket.assignee
    text = texts.URGE_NOTICE.format(name=staff.name, code=ticket.code, note=note)
    await tell_staff(uow, event, [assignee] if assignee else [], text, now, ticket.grid_id)
    return texts.STAFF_URGED.format(
        code=ticket.code, name=assignee.name if assignee else texts.NOBODY_YET
    )


async def assign(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    ticket = await ticket_to(uow, staff, command, "assign", "指派")
    who = require_text(command, texts.NEED_WHO, "指派")
    target = await successor(uow, ticket, who, ticket.code)
    await hand_over(uow, ticket, target, "assign", staff, ports)
    return texts.STAFF_ASSIGNED_BY.format(code=ticket.code, name=target.name)
