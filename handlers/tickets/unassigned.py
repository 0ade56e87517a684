"""No report without an owner and a clock: a ticket still new and unassigned `locate_within`
after it came in (its resident sent no location, or nobody could take it) goes to the county's
duty desk, with the normal deadlines.

The scheduler (bot/scheduler.py) calls `waiting` and then `hand_to_desk` for each ticket, one
transaction each (and tests do, with a moved clock). The ticket is locked and read again in
its transaction, so two processes hand it over once."""

from __future__ import annotations

import logging
from datetime import datetime

from handlers import texts
from handlers.policy import Policy
from handlers.tickets import intake
from handlers.tickets.duty import to_desk
from handlers.tickets.lifecycle import record
from handlers.tickets.notify import tell_reporters
from storage.models import Ticket
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
BATCH = 50


async def waiting(uow: UnitOfWork, now: datetime, policy: Policy) -> list[int]:
    """Tickets still new and without an assignee `locate_within` after they came in."""
    return await uow.tickets.unassigned_ids(now - policy.locate_within, BATCH)


async def hand_to_desk(uow: UnitOfWork, ticket_id: int, now: datetime, policy: Policy) -> int:
    """One waiting ticket goes out (1), or nothing when another process has it, it went
    meanwhile or there is no desk (0)."""
    ticket = await uow.tickets.lock_unassigned(ticket_id, now - policy.locate_within)
    if ticket is None:
        return 0
    if ticket.category_options and await _settled_and_routed(uow, ticket, now, policy):
        return 1
    staff = await to_desk(uow, ticket, now, policy)
    if staff is None:
        log.warning("no duty desk to take ticket %s", ticket.code)
        return 0
    event = record(ticket, "desk", actor="system", now=now, note=staff.userid)
    told = texts.RESIDENT_AT_DESK if ticket.grid_id is None else texts.RESIDENT_AT_DESK_NO_STAFF
    told = told.format(code=ticket.code, handler=staff.name)
    await tell_reporters(uow, ticket, event, told, now)
    return 1


async def _settled_and_routed(
    uow: UnitOfWork, ticket: Ticket, now: datetime, policy: Policy
) -> bool:
    """A report still waiting for its resident to pick its kind is settled as its likeliest
    kind (as `intake.settle_choice` does), and routed to its grid if the resident is placed
    by now; whether it was."""
    ticket.category_options = None
    event = record(ticket, "categorize", actor="system", now=now, note=ticket.category)
    uow.add(event)
    resident = ticket.resident
    if resident is None or resident.grid_id is None:
        return False
    line = await intake.open_waiting(uow, ticket, resident, now, policy)
    await tell_reporters(uow, ticket, event, texts.CHOICE_SETTLED.format(line=line), now)
    return ticket.assignee_id is not None
