"""Routing is data: (org unit, category) → role → staff, inherited down the tree."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import texts
from handlers.policy import Policy
from handlers.registry.collection import propose_change
from handlers.tickets.lifecycle import record, transition
from handlers.tickets.notify import tell_staff
from nlu.categories import category_name
from storage import repos
from storage.models import OrgUnit, Staff, Ticket

log = logging.getLogger(__name__)
CODE_PREFIX = "GB-"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 5
FALLBACK_ROLES = ("grid_worker", "supervisor")
NOTICE_TEXT_CHARS = 400  # a WeCom text message holds at most 2048 bytes
CODE_TAKEN = select(Ticket.id).where(Ticket.code == bindparam("code"))


async def new_code(session: AsyncSession) -> str:
    while True:
        code = CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not await session.scalar(CODE_TAKEN, {"code": code}):
            return code


async def open_ticket(
    session: AsyncSession, now: datetime, actor: str, note: str | None = None, **fields
) -> Ticket:
    """A new ticket with its code and the first line of its trail."""
    ticket = Ticket(
        code=await new_code(session), state="new", created_at=now, updated_at=now, **fields
    )
    session.add(ticket)
    await session.flush()
    session.add(record(ticket, "create", actor=actor, now=now, note=note))
    return ticket


async def find_handler(
    session: AsyncSession, chain: list[OrgUnit], category: str, exclude: Staff | None = None
) -> Staff | None:
    """The routed role nearest the grid, else the grid worker, else a supervisor above;
    never `exclude` (who just gave the ticket back). `chain` is the grid and its ancestors."""
    role = await repos.route_role(session, chain, category)
    roles = ((role,) if role else ()) + FALLBACK_ROLES
    found = await repos.least_busy(session, [unit.id for unit in chain], roles, exclude)
    return next(
        (
            found[unit.id, wanted]
            for wanted in roles
            for unit in chain
            if (unit.id, wanted) in found
        ),
        None,
    )


async def route(
    session: AsyncSession,
    ticket: Ticket,
    now: datetime,
    policy: Policy,
    exclude: Staff | None = None,
    alert: bool = True,
) -> Staff | None:
    """Assign the ticket and tell the assignee on WeCom; None when nobody can take it. An
    urgent ticket also alerts the centres, unless `alert` is false (its reporter's emergency
    alerted them a moment ago)."""
    chain = await repos.unit_chain(session, ticket.grid_id)
    grid = chain[0] if chain else None
    ticket.unit_id = ticket.grid_id
    await propose_change(session, ticket)
    staff = await find_handler(session, chain, ticket.category, exclude)
    if staff is None:
        log.warning("no staff to route ticket %s in unit %s", ticket.code, ticket.grid_id)
    else:
        ticket.assignee_id = staff.id
        event = transition(
            ticket, "assign", actor="system", now=now, note=staff.userid, policy=policy
        )
        await tell_staff(
            session,
            event,
            [staff],
            staff_notice(ticket, grid),
            now,
            ticket.grid_id,
            urgent=ticket.urgent,
        )
    if ticket.urgent and chain and alert:
        await alert_centres(session, ticket, chain, staff, now)
    return staff


async def alert_centres(
    session: AsyncSession,
    ticket: Ticket,
    chain: list[OrgUnit],
    handler: Staff | None,
    now: datetime,
) -> None:
    """An emergency goes at once to the village and township centres' supervisors."""
    grid = chain[0]
    units = [u.id for u in chain if u.level in ("village", "township")]
    supervisors = await repos.supervisors(session, units)
    text = texts.STAFF_URGENT_ALERT.format(
        code=ticket.code,
        category=category_name(ticket.category),
        place=grid.path,
        text=clip(ticket.text),
        handler=handler.name if handler else texts.NOBODY_YET,
    )
    event = record(
        ticket, "alert", actor="system", now=now, note=",".join(s.userid for s in supervisors)
    )
    await tell_staff(session, event, supervisors, text, now, grid.id, urgent=True)


def staff_notice(ticket: Ticket, grid: OrgUnit | None) -> str:
    place = " ".join(part for part in (grid.path if grid else "", ticket.place or "") if part)
    return texts.STAFF_NEW_TICKET.format(
        code=ticket.code,
        urgent=texts.STAFF_URGENT_MARK if ticket.urgent else "",
        category=category_name(ticket.category),
        place=place or "未知",
        text=clip(ticket.text),
        attend=(texts.STAFF_MUST_ATTEND.format(code=ticket.code) if ticket.must_attend else "")
        + (
            texts.STAFF_COLLECT_HINT.format(code=ticket.code)
            if ticket.category == "info_collection"
            else ""
        ),
    )


def clip(text: str, limit: int = NOTICE_TEXT_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
