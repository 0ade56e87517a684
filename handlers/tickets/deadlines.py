"""Deadlines: a ticket that misses one climbs a level; a resolution nobody rates closes.

The service's deadline watch (bot/app.py) calls `due` and then `act_on` for each ticket, one
transaction each (and tests do, with a moved clock). Each ticket
moves its deadline forward in the same transaction that acts on it, and the ticket's version
column makes a second process that read the same ticket fail instead of acting twice; so a
deadline that passed while the service was down is acted on once when it comes back.
"""

from __future__ import annotations

from datetime import datetime

from handlers import texts
from handlers.policy import Policy
from handlers.tickets.escalation import at_top, escalate
from handlers.tickets.lifecycle import mark_late, transition
from handlers.tickets.notify import tell_reporters, tell_staff
from handlers.tickets.views import lateness
from storage.models import Ticket
from storage.uow import UnitOfWork

BATCH = 50


async def due(uow: UnitOfWork, now: datetime) -> list[int]:
    """The tickets whose deadline has passed, earliest first, a batch at a time."""
    return await uow.tickets.due_ids(now, BATCH)


async def act_on(uow: UnitOfWork, ticket_id: int, now: datetime, policy: Policy) -> int:
    """Act on one passed deadline (1), or on nothing when another process has it or acted
    already (0). A ticket that changed meanwhile raises StaleDataError at the commit."""
    ticket = await uow.tickets.lock_if_due(ticket_id, now)
    if ticket is None:
        return 0
    if ticket.deadline_kind == "rate":
        await _close_unrated(uow, ticket, now, policy)
    else:
        await _climb(uow, ticket, now, policy)
    return 1


async def _climb(uow: UnitOfWork, ticket: Ticket, now: datetime, policy: Policy) -> None:
    kind = ticket.deadline_kind
    period = getattr(policy.sla_for(ticket.category, ticket.urgent), kind)
    what = texts.DEADLINE_NAMES[kind]
    mark_late(ticket)
    if at_top(ticket):
        ticket.deadline_at = now + period
        return
    level = await escalate(
        uow,
        ticket,
        now=now,
        policy=policy,
        actor="system",
        template=texts.ESCALATION_NOTICE,
        note=f"{what}超时",
        what=what,
    )
    ticket.deadline_kind, ticket.deadline_at = kind, now + period  # the next period
    if ticket.assignee:
        reminder = transition(
            ticket, "urge", actor="system", now=now, policy=policy, note=f"{what}超时提醒"
        )
        await tell_staff(
            uow,
            reminder,
            [ticket.assignee],
            texts.ASSIGNEE_REMINDER.format(code=ticket.code, what=what, level=level),
            now,
            ticket.grid_id,
        )


async def _close_unrated(uow: UnitOfWork, ticket: Ticket, now: datetime, policy: Policy) -> None:
    """Nobody rated it in time: closed as satisfied, and the residents are told how to reopen."""
    ticket.rating = "satisfied_by_default"
    event = transition(
        ticket, "close", actor="system", now=now, policy=policy, note="满意（默认）"
    )
    within = lateness(policy.reopen_within)
    text = texts.RESIDENT_AUTO_CLOSED.format(code=ticket.code, within=within)
    await tell_reporters(uow, ticket, event, text, now)
