"""Queries the handlers share, as plain functions over a session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, bindparam, cast, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.db import insert_ignoring
from storage.models import (
    DataVersion,
    OrgUnit,
    OutboxMessage,
    Resident,
    Route,
    Staff,
    Ticket,
    TicketReporter,
)

OPEN_STATES = ("new", "assigned", "accepted", "on_site")


# The statements every message runs are built once, with bound parameters: building and
# keying a statement anew costs more CPU than PostgreSQL spends running it.


def _unit_chain():
    chain = (
        select(OrgUnit.id, OrgUnit.parent_id, literal(0).label("depth"))
        .where(OrgUnit.id == bindparam("unit_id"))
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select(OrgUnit.id, OrgUnit.parent_id, chain.c.depth + 1).where(
            OrgUnit.id == chain.c.parent_id
        )
    )
    return select(OrgUnit).join(chain, OrgUnit.id == chain.c.id).order_by(chain.c.depth)


UNIT_CHAIN = _unit_chain()
ROUTES = select(Route.unit_id, Route.role).where(
    Route.unit_id.in_(bindparam("unit_ids", expanding=True)),
    Route.category == bindparam("category"),
)
LEAST_BUSY_FIRST = (
    select(Staff)
    .where(
        Staff.unit_id.in_(bindparam("unit_ids", expanding=True)),
        Staff.role.in_(bindparam("roles", expanding=True)),
        Staff.active.is_(True),
        Staff.id != bindparam("exclude"),
    )
    .order_by(
        select(func.count(Ticket.id))
        .where(Ticket.assignee_id == Staff.id, Ticket.state.in_(OPEN_STATES))
        .scalar_subquery()
        .desc(),
        Staff.userid.desc(),
    )
)
# The resident's row is locked for the message's transaction (PostgreSQL; SQLite has one
# writer): one resident's messages at once are handled one after another, so their rate
# limit and emergency alerts count every one.
RESIDENT_BY_OPENID = (
    select(Resident).where(Resident.openid == bindparam("openid")).with_for_update()
)


async def unit_chain(session: AsyncSession, unit_id: int) -> list[OrgUnit]:
    """The unit and its ancestors, nearest first (one recursive query)."""
    return list(await session.scalars(UNIT_CHAIN, {"unit_id": unit_id}))


async def route_role(session: AsyncSession, chain: list[OrgUnit], category: str) -> str | None:
    ids = [unit.id for unit in chain]
    rows = await session.execute(ROUTES, {"unit_ids": ids, "category": category})
    roles = dict(rows.all())
    return next((roles[i] for i in ids if i in roles), None)


async def least_busy(
    session: AsyncSession,
    unit_ids: list[int],
    roles: tuple[str, ...],
    exclude: Staff | None = None,
) -> dict[tuple[int, str], Staff]:
    """For each (unit, role), the active member with the fewest open tickets (then by
    userid), in one query."""
    found = await session.scalars(
        LEAST_BUSY_FIRST,
        {"unit_ids": unit_ids, "roles": list(roles), "exclude": exclude.id if exclude else -1},
    )
    return {(staff.unit_id, staff.role): staff for staff in found}


async def least_busy_staff(
    session: AsyncSession, unit_id: int, role: str, exclude: Staff | None = None
) -> Staff | None:
    return (await least_busy(session, [unit_id], (role,), exclude)).get((unit_id, role))


ON_DUTY_BY_USERID = select(Staff).where(
    Staff.userid == bindparam("userid"), Staff.active.is_(True)
)
ANY_BY_USERID = select(Staff).where(Staff.userid == bindparam("userid"))


async def staff_by_userid(
    session: AsyncSession, userid: str, *, off_duty_too: bool = False
) -> Staff | None:
    """The staff member on duty with this WeCom userid (or off duty too, for operators)."""
    query = ANY_BY_USERID if off_duty_too else ON_DUTY_BY_USERID
    return await session.scalar(query, {"userid": userid})


async def roster(session: AsyncSession) -> list[Staff]:
    """Everyone on the roster, on duty or not, with their units."""
    query = select(Staff).options(selectinload(Staff.unit)).order_by(Staff.userid)
    return list(await session.scalars(query))


async def resident_by_openid(session: AsyncSession, openid: str) -> Resident | None:
    """Asked once per unit of work: the limiter and the handler share what it found."""
    known = session.info.setdefault("residents", {})
    if openid not in known:
        known[openid] = await session.scalar(RESIDENT_BY_OPENID, {"openid": openid})
    return known[openid]


async def get_or_add_resident(session: AsyncSession, openid: str, now: datetime) -> Resident:
    """The resident, added if new; two first messages at once add one."""
    resident = await resident_by_openid(session, openid)
    if resident is None:
        await session.execute(
            insert_ignoring(session, Resident, "openid"),
            {"openid": openid, "created_at": now, "subscribed": True},
        )
        del session.info["residents"][openid]
        resident = await resident_by_openid(session, openid)
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
    query = ticket_query().where(Ticket.resident_id == resident_id, Ticket.state.in_(OPEN_STATES))
    return list(await session.scalars(query.order_by(Ticket.created_at)))


async def unrouted_tickets(session: AsyncSession, resident_id: int) -> list[Ticket]:
    query = ticket_query().where(
        Ticket.resident_id == resident_id,
        Ticket.state == "new",
        Ticket.grid_id.is_(None),
        Ticket.category_options.is_(None),
    )
    return list(await session.scalars(query.order_by(Ticket.created_at)))


async def supervisors(session: AsyncSession, unit_ids: list[int]) -> list[Staff]:
    query = select(Staff).where(
        Staff.unit_id.in_(unit_ids), Staff.role == "supervisor", Staff.active.is_(True)
    )
    return list(await session.scalars(query.order_by(Staff.userid)))


async def grid_worker(session: AsyncSession, grid_id: int) -> Staff | None:
    return await least_busy_staff(session, grid_id, "grid_worker")


async def grid_boundaries(session: AsyncSession) -> list[tuple[int, str | None]]:
    """Every grid's id and boundary as GeoJSON text, left for the caller to decode."""
    rows = await session.execute(
        select(OrgUnit.id, cast(OrgUnit.boundary, Text)).where(OrgUnit.level == "grid")
    )
    return [(grid_id, text) for grid_id, text in rows]


VERSION = select(DataVersion.version).where(DataVersion.name == bindparam("name"))


async def data_version(session: AsyncSession, name: str) -> int:
    """How many times this kind of reference data has changed (0: never)."""
    return await session.scalar(VERSION, {"name": name}) or 0


async def raise_data_version(session: AsyncSession, name: str) -> None:
    """Record, in the caller's transaction, that this kind of reference data changed."""
    await session.execute(
        insert_ignoring(session, DataVersion, "name"), {"name": name, "version": 0}
    )
    await session.execute(
        update(DataVersion).where(DataVersion.name == name).values(version=DataVersion.version + 1)
    )


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


async def tickets_in_units(
    session: AsyncSession, unit_ids: list[int], states: tuple[str, ...] = OPEN_STATES
) -> list[Ticket]:
    query = ticket_query().where(Ticket.grid_id.in_(unit_ids), Ticket.state.in_(states))
    return list(await session.scalars(query.order_by(Ticket.created_at)))


async def reporters(session: AsyncSession, ticket: Ticket) -> list[Resident]:
    """The resident who reported the ticket and every household linked to it since."""
    linked = select(TicketReporter.resident_id).where(TicketReporter.ticket_id == ticket.id)
    query = (
        select(Resident)
        .where((Resident.id == ticket.resident_id) | Resident.id.in_(linked))
        .order_by(Resident.id)
    )
    return list(await session.scalars(query))


async def is_reporter(session: AsyncSession, ticket: Ticket, resident_id: int) -> bool:
    """Whether the resident reported the ticket or was linked to it as the same problem."""
    if ticket.resident_id == resident_id:
        return True
    linked = select(TicketReporter.id).where(
        TicketReporter.ticket_id == ticket.id, TicketReporter.resident_id == resident_id
    )
    return await session.scalar(linked) is not None


def _awaiting_answer():
    """Only the ticket's own resident picks its kind or rates it: a household linked to it
    later neither reopens nor closes another household's ticket."""
    own = Ticket.resident_id == bindparam("resident_id")
    choosing = (Ticket.state == "new") & Ticket.category_options.is_not(None)
    return select(Ticket.id, Ticket.state, Ticket.created_at, Ticket.resolved_at).where(
        own & (choosing | (Ticket.state == "resolved"))
    )


AWAITING_ANSWER = _awaiting_answer()


async def awaiting_answer(
    session: AsyncSession, resident_id: int
) -> tuple[Ticket | None, Ticket | None]:
    """What the resident's next message may answer: the latest report waiting for them to
    pick its kind, and the latest resolved ticket they reported (waiting for a rating).
    One light query; the tickets are loaded only when there are some."""
    rows = (await session.execute(AWAITING_ANSWER, {"resident_id": resident_id})).all()
    choosing = [row for row in rows if row.state == "new"]
    resolved = [row for row in rows if row.state == "resolved"]
    picked = [
        max(choosing, key=lambda row: (row.created_at, row.id)) if choosing else None,
        max(resolved, key=lambda row: (row.resolved_at, row.id)) if resolved else None,
    ]
    wanted = [row.id for row in picked if row]
    if not wanted:
        return None, None
    tickets = {t.id: t for t in await session.scalars(ticket_query().where(Ticket.id.in_(wanted)))}
    return tuple(tickets[row.id] if row else None for row in picked)


async def enqueue_once(session: AsyncSession, rows: list[dict]) -> None:
    """Add outbox rows in bulk, skipping any whose dedup key (job, recipient, period) is
    already there: a restart or a second scheduler never sends a reminder twice."""
    if not rows:
        return
    statement = insert_ignoring(session, OutboxMessage, "dedup_key")
    for start in range(0, len(rows), 5000):
        await session.execute(statement, rows[start : start + 5000])


def outbox_row(
    *,
    channel: str,
    recipient: str,
    text: str,
    dedup_key: str,
    now: datetime,
    unit_id: int | None = None,
    not_before: datetime | None = None,
) -> dict:
    return {
        "channel": channel,
        "recipient": recipient,
        "body": {"msgtype": "text", "text": text},
        "dedup_key": dedup_key,
        "unit_id": unit_id,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "created_at": now,
    }


async def grid_workers(session: AsyncSession) -> list[Staff]:
    query = select(Staff).where(Staff.role == "grid_worker", Staff.active.is_(True))
    return list(await session.scalars(query.order_by(Staff.userid)))


async def withdraw_messages(session: AsyncSession, channel: str, recipient: str) -> None:
    """Messages not yet sent to `recipient` are not sent (someone gone off duty): kept as
    `withdrawn`, their text cleared."""
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.recipient == recipient,
            OutboxMessage.state.in_(("pending", "held")),
        )
        .values(state="withdrawn", body={"msgtype": "text", "text": ""})
        .execution_options(synchronize_session=False)
    )
