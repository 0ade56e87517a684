"""The roster's use cases, shared by the CLI (`gridbot staff`), the staff import and the web
console: taking someone off duty — their open tickets go to someone else, the tickets'
supervisors hear where, their queued WeCom messages and console sessions end — and bringing
them back. Every change is audited under the actor who made it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers import texts
from handlers.chat import desk
from handlers.policy import Policy
from handlers.scope import overseers
from handlers.tickets.escalation import escalate
from handlers.tickets.lifecycle import transition
from handlers.tickets.notify import tell_reporters, tell_staff
from handlers.tickets.routing import route
from nlu.categories import category_name
from storage.models import Staff, Ticket, TicketEvent
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Change:
    """Who changes the roster and why, as the audit log records it: `actor` like
    `staff:zhouhaitao`, `operator` (the CLI) or `import`; `how` the edge (`console: 停用`)."""

    actor: str
    how: str
    now: datetime


async def go_off_duty(
    uow: UnitOfWork, person: Staff, by: str, change: Change, policy: Policy
) -> list[Ticket]:
    """`person` goes off duty (`by` Staff.BY_OPERATOR or BY_IMPORT); their open tickets,
    returned, go to someone else."""
    person.active, person.off_duty_by = False, by
    await uow.flush()
    await uow.outbox.withdraw("work", person.userid)  # they see nothing more
    await uow.console.end_sessions(person.id, change.now)  # nor the web console
    moved = await pass_on_tickets(uow, person, change.now, policy)
    audit(uow, change, "off_duty", person, f"{len(moved)} open ticket(s) passed on")
    return moved


def come_on_duty(uow: UnitOfWork, person: Staff, change: Change) -> None:
    person.active, person.off_duty_by = True, None
    audit(uow, change, "on_duty", person)


def audit(uow: UnitOfWork, change: Change, action: str, person: Staff, detail: str = "") -> None:
    """One audit line: the person by userid only (no name or phone in the log)."""
    purpose = f"{change.how} {detail}".strip()
    uow.registry.audit(change.actor, action, person.userid, purpose, change.now)


async def pass_on_tickets(
    uow: UnitOfWork, person: Staff, now: datetime, policy: Policy
) -> list[Ticket]:
    """Each open ticket of someone now off duty is routed again without them, or escalated
    when nobody can take it; the ticket's supervisors hear where it went."""
    tickets = await uow.tickets.of_staff(person.id)
    for ticket in tickets:
        event = transition(
            ticket,
            "transfer",
            actor="system",
            now=now,
            policy=policy,
            note=texts.OFF_DUTY_NOTE.format(userid=person.userid),
        )
        uow.add(event)  # on the trail before what routing or escalation adds
        ticket.assignee_id, ticket.accepted_at = None, None
        await _route_again(uow, ticket, person, event, now, policy)
    return tickets


async def _route_again(
    uow: UnitOfWork,
    ticket: Ticket,
    person: Staff,
    event: TicketEvent,
    now: datetime,
    policy: Policy,
) -> None:
    unit_id = ticket.unit_id
    target = await route(uow, ticket, now, policy, exclude=person)
    ticket.unit_id = unit_id  # it keeps the level it had reached
    if target is None:
        await escalate(
            uow,
            ticket,
            now=now,
            policy=policy,
            actor="system",
            template=texts.ESCALATION_OFF_DUTY,
            note=event.note,
            name=person.name,
        )
        return
    moved = texts.OFF_DUTY_MOVED.format(
        old=person.name, code=ticket.code, new=target.name, category=category_name(ticket.category)
    )
    await tell_staff(uow, event, await overseers(uow, ticket), moved, now, ticket.grid_id)
    told = texts.RESIDENT_REROUTED.format(code=ticket.code, handler=desk.title(target))
    await tell_reporters(uow, ticket, event, told, now)
