"""Queries the handlers share, as plain functions over a session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.db import insert_ignoring
from storage.models import (
    OrgUnit,
    OutboxMessage,
    Resident,
    Route,
    Staff,
    Ticket,
    TicketReporter,
)

OPEN_STATES = ("new", "assigned", "accepted", "on_site")


async def unit_chain(session: AsyncSession, unit_id: int) -> list[OrgUnit]:
    """The unit and its ancestors, nearest first (one recursive query)."""
    chain = (select(OrgUnit.id, OrgUnit.parent_id, literal(0).label("depth"))
             .where(OrgUnit.id == unit_id).cte("chain", recursive=True))
    chain = chain.union_all(select(OrgUnit.id, OrgUnit.parent_id, chain.c.depth + 1)
                            .where(OrgUnit.id == chain.c.parent_id))
    query = select(OrgUnit).join(chain, OrgUnit.id == chain.c.id).order_by(chain.c.depth)
    return list(await session.scalars(query))


async def route_role(session: AsyncSession, chain: list[OrgUnit], category: str) -> str | None:
    ids = [unit.id for unit in chain]
    rows = await session.execute(
        select(Route.unit_id, Route.role).where(Route.unit_id.in_(ids), Route.category == category)
    )
    roles = dict(rows.all())
    return next((roles[i] for i in ids if i in roles), None)


async def least_busy(session: AsyncSession, unit_ids: list[int], roles: tuple[str, ...],
                     exclude: Staff | None = None) -> dict[tuple[int, str], Staff]:
    """For each (unit, role), the active member with the fewest open tickets (then by
    userid), in one query."""
    open_count = (
        select(func.count(Ticket.id))
        .where(Ticket.assignee_id == Staff.id, Ticket.state.in_(OPEN_STATES))
        .scalar_subquery()
    )
    query = (
        select(Staff)
        .where(Staff.unit_id.in_(unit_ids), Staff.role.in_(roles), Staff.active.is_(True),
               Staff.id != (exclude.id if exclude else -1))
        .order_by(open_count.desc(), Staff.userid.desc())
    )
    return {(staff.unit_id, staff.role): staff for staff in await session.scalars(query)}


async def least_busy_staff(session: AsyncSession, unit_id: int, role: str,
                           exclude: Staff | None = None) -> Staff | None:
    return (await least_busy(session, [unit_id], (role,), exclude)).get((unit_id, role))


async def staff_by_userid(session: AsyncSession, userid: str) -> Staff | None:
    return await session.scalar(select(Staff).where(Staff.userid == userid))


async def resident_by_openid(session: AsyncSession, openid: str) -> Resident | None:
    return await session.scalar(select(Resident).where(Resident.openid == openid))


async def get_or_add_resident(session: AsyncSession, openid: str, now: datetime) -> Resident:
    resident = await resident_by_openid(session, openid)
    if resident is None:
        resident = Resident(openid=openid, created_at=now, subscribed=True)
        session.add(resident)
        await session.flush()
    return resident


def ticket_query():
    return select(Ticket).options(
        selectinload(Ticket.grid), selectinload(Ticket.assignee), selectinload(Ticket.resident)
    )


async def ticket_by_code(session: AsyncSession, code: str) -> Ticket | None:
    return await session.scalar(ticket_query().where(Ticket.code == code))


async def tickets_of_staff(session: AsyncSession, staff_id: int) -> list[Ticket]:
    query = ticket_query().where(Ticket.assignee_id == staff_id, Ticket.state.in_(OPEN_STATES))
    return list(await session.scalars(query.order_by(Ticket.created_at)))


async def open_tickets_of_resident(session: AsyncSession, resident_id: int) -> list[Ticket]:
    query = ticket_query().where(
        Ticket.resident_id == resident_id, Ticket.state.in_(OPEN_STATES)
    )
    return list(await session.scalars(query.order_by(Ticket.created_at)))


async def unrouted_tickets(session: AsyncSession, resident_id: int) -> list[Ticket]:
    query = ticket_query().where(
        Ticket.resident_id == resident_id, Ticket.state == "new", Ticket.grid_id.is_(None),
        Ticket.category_options.is_(None),
    )
    return list(await session.scalars(query.order_by(Ticket.created_at)))


async def supervisors(session: AsyncSession, unit_ids: list[int]) -> list[Staff]:
    query = select(Staff).where(Staff.unit_id.in_(unit_ids), Staff.role == "supervisor",
                                Staff.active.is_(True))
    return list(await session.scalars(query.order_by(Staff.userid)))


async def grid_worker(session: AsyncSession, grid_id: int) -> Staff | None:
    return await least_busy_staff(session, grid_id, "grid_worker")


async def grids(session: AsyncSession) -> list[OrgUnit]:
    return list(await session.scalars(select(OrgUnit).where(OrgUnit.level == "grid")))


def add_outbox(
    session: AsyncSession,
    *,
    channel: str,
    recipient: str,
    text: str,
    dedup_key: str,
    now: datetime,
    unit_id: int | None = None,
    ticket_code: str | None = None,
    urgent: bool = False,
) -> None:
    body = {"msgtype": "text", "text": text}
    if urgent:  # goes out even in quiet hours
        body["urgent"] = True
    if ticket_code:  # lets a template message stand in when the chat window has closed
        body["ticket"] = ticket_code
    session.add(
        OutboxMessage(
            channel=channel,
            recipient=recipient,
            body=body,
            dedup_key=dedup_key,
            unit_id=unit_id,
            state="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


def under(path: str):
    """The condition on OrgUnit: this unit (by path) and every unit below it."""
    return (OrgUnit.path == path) | OrgUnit.path.startswith(path + "/", autoescape=True)


async def subtree_ids(session: AsyncSession, unit_id: int) -> list[int]:
    """The unit and every unit below it."""
    unit = await session.get(OrgUnit, unit_id)
    return list(await session.scalars(select(OrgUnit.id).where(under(unit.path))))


async def find_staff(session: AsyncSession, who: str) -> list[Staff]:
    """Staff by WeCom userid, else by name (possibly several)."""
    by_id = await staff_by_userid(session, who)
    if by_id:
        return [by_id]
    query = select(Staff).where(Staff.name == who, Staff.active.is_(True)).order_by(Staff.userid)
    return list(await session.scalars(query))


async def tickets_in_units(session: AsyncSession, unit_ids: list[int],
                           states: tuple[str, ...] = OPEN_STATES) -> list[Ticket]:
    query = ticket_query().where(Ticket.grid_id.in_(unit_ids), Ticket.state.in_(states))
    return list(await session.scalars(query.order_by(Ticket.created_at)))


async def reporters(session: AsyncSession, ticket: Ticket) -> list[Resident]:
    """The resident who reported the ticket and every household linked to it since."""
    linked = select(TicketReporter.resident_id).where(TicketReporter.ticket_id == ticket.id)
    query = select(Resident).where(
        (Resident.id == ticket.resident_id) | Resident.id.in_(linked)
    ).order_by(Resident.id)
    return list(await session.scalars(query))


async def awaiting_answer(session: AsyncSession, resident_id: int
                          ) -> tuple[Ticket | None, Ticket | None]:
    """What the resident's next message may answer, in one query: the latest report waiting
    for them to pick its kind, and the latest resolved ticket they reported or were linked
    to (waiting for a rating)."""
    linked = select(TicketReporter.ticket_id).where(TicketReporter.resident_id == resident_id)
    choosing = ((Ticket.resident_id == resident_id) & (Ticket.state == "new")
                & Ticket.category_options.is_not(None))
    resolved = ((Ticket.resident_id == resident_id) | Ticket.id.in_(linked)) & (
        Ticket.state == "resolved")
    query = ticket_query().where(choosing | resolved).order_by(Ticket.id)
    choice = rated = None
    for ticket in await session.scalars(query):
        if ticket.state == "new":
            choice = ticket if choice is None or ticket.created_at >= choice.created_at else choice
        elif rated is None or ticket.resolved_at >= rated.resolved_at:
            rated = ticket
    return choice, rated


async def enqueue_once(session: AsyncSession, rows: list[dict]) -> None:
    """Add outbox rows in bulk, skipping any whose dedup key (job, recipient, period) is
    already there: a restart or a second scheduler never sends a reminder twice."""
    if not rows:
        return
    statement = insert_ignoring(session, OutboxMessage, "dedup_key")
    for start in range(0, len(rows), 5000):
        await session.execute(statement, rows[start:start + 5000])


def outbox_row(*, channel: str, recipient: str, text: str, dedup_key: str, now: datetime,
               unit_id: int | None = None, not_before: datetime | None = None) -> dict:
    return {"channel": channel, "recipient": recipient, "body": {"msgtype": "text", "text": text},
            "dedup_key": dedup_key, "unit_id": unit_id, "state": "pending", "attempts": 0,
            "next_attempt_at": not_before or now, "created_at": now}


async def grid_workers(session: AsyncSession) -> list[Staff]:
    query = select(Staff).where(Staff.role == "grid_worker", Staff.active.is_(True))
    return list(await session.scalars(query.order_by(Staff.userid)))
