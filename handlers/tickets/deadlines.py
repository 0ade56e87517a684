"""Deadlines: a ticket that misses one climbs a level; a resolution nobody rates closes.

`act_on_due` is called by a loop in the service (and by tests with a moved clock). Each ticket
moves its deadline forward in the same transaction that acts on it, and the ticket's version
column makes a second process that read the same ticket fail instead of acting twice; so a
deadline that passed while the service was down is acted on once when it comes back.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from handlers import texts
from handlers.policy import Policy
from handlers.tickets.escalation import at_top, escalate
from handlers.tickets.lifecycle import OPEN, transition
from handlers.tickets.notify import tell_staff
from storage.models import Ticket

log = logging.getLogger(__name__)
BATCH = 50


async def act_on_due(sessionmaker, now: datetime, policy: Policy) -> int:
    """Act on every passed deadline, one ticket per transaction; how many were acted on."""
    acted = 0
    async with sessionmaker() as session:
        due = list(
            await session.scalars(
                select(Ticket.id)
                .where(Ticket.deadline_at <= now, Ticket.state.in_((*OPEN, "resolved")))
                .order_by(Ticket.deadline_at)
                .limit(BATCH)
            )
        )
    for ticket_id in due:
        try:
            acted += await _act_on(sessionmaker, ticket_id, now, policy)
        except StaleDataError:
            log.info(
                "ticket %s changed meanwhile; its deadline is left for the next round", ticket_id
            )
    return acted


async def _act_on(sessionmaker, ticket_id: int, now: datetime, policy: Policy) -> int:
    async with sessionmaker() as session, session.begin():
        ticket = await session.scalar(
            select(Ticket)
            .options(selectinload(Ticket.assignee))
            .where(Ticket.id == ticket_id, Ticket.deadline_at <= now)
            .with_for_update(skip_locked=True)
        )
        if ticket is None:
            return 0
        if ticket.deadline_kind == "rate":
            await _close_unrated(session, ticket, now, policy)
        else:
            await _climb(session, ticket, now, policy)
        return 1


async def _climb(session: AsyncSession, ticket: Ticket, now: datetime, policy: Policy) -> None:
    kind = ticket.deadline_kind
    period = getattr(policy.sla_for(ticket.category, ticket.urgent), kind)
    what = texts.DEADLINE_NAMES[kind]
    if at_top(ticket):
        ticket.deadline_at = now + period
        return
    level = await escalate(
        session,
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
            session,
            reminder,
            [ticket.assignee],
            texts.ASSIGNEE_REMINDER.format(code=ticket.code, what=what, level=level),
            now,
            ticket.grid_id,
        )


async def _close_unrated(
    session: AsyncSession, ticket: Ticket, now: datetime, policy: Policy
) -> None:
    ticket.rating = "satisfied_by_default"
    session.add(
        transition(ticket, "close", actor="system", now=now, policy=policy, note="满意（默认）")
    )
