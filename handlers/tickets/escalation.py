"""Escalation: one level up, grid → village/community → township → county."""

from __future__ import annotations

from datetime import datetime

from handlers import texts
from handlers.policy import Policy
from handlers.tickets.lifecycle import transition
from handlers.tickets.notify import tell_reporters, tell_staff
from handlers.tickets.routing import clip
from nlu.categories import category_name
from storage.models import Ticket
from storage.uow import UnitOfWork

TOP_LEVEL = 3


async def escalate(
    uow: UnitOfWork,
    ticket: Ticket,
    *,
    now: datetime,
    policy: Policy,
    actor: str,
    template: str,
    note: str,
    **extra: str,
) -> str:
    """Move the ticket one level up (the county is the top), tell that level's supervisors
    with `template` (filled with `extra` too: a `name` there, who escalated it, replaces the
    assignee's) and the residents; the name of the new level is returned."""
    event = transition(ticket, "escalate", actor=actor, now=now, policy=policy, note=note)
    chain = await uow.org.chain(ticket.grid_id) if ticket.grid_id is not None else []
    if chain:
        ticket.level = min(ticket.level + 1, TOP_LEVEL, len(chain) - 1)
        unit = chain[ticket.level]
    else:  # not placed in a grid: the county's duty desk has it, the top already
        ticket.level = TOP_LEVEL
        unit = await uow.org.county(policy.duty_unit)
        chain = [unit] if unit else []
    if unit is None:
        uow.add(event)
        return texts.LEVEL_NAMES[ticket.level]
    ticket.unit_id = unit.id
    assignee = await uow.people.staff_by_id(ticket.assignee_id)
    level = texts.LEVEL_NAMES[ticket.level]
    named = {"name": assignee.name if assignee else "无", **extra}  # or who escalated it
    text = template.format(
        code=ticket.code,
        category=category_name(ticket.category),
        level=level,
        place=" ".join(filter(None, (chain[0].path, ticket.place))),
        text=clip(ticket.text),
        **named,
    )
    await tell_staff(uow, event, await uow.people.supervisors([unit.id]), text, now, unit.id)
    await tell_reporters(
        uow, ticket, event, texts.RESIDENT_ESCALATED.format(code=ticket.code, level=level), now
    )
    return level


def at_top(ticket: Ticket) -> bool:
    return ticket.level >= TOP_LEVEL
