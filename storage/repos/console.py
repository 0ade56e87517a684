"""The web console's login links and sessions (only hashes of their secrets kept)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from storage.models import ConsoleSession, OrgUnit, Staff, Ticket
from storage.repos.base import Repository
from storage.repos.org import under
from storage.repos.tickets import OPEN_STATES, ticket_query


@dataclass(frozen=True)
class Scope:
    """The tickets a staff member sees, as in chat: those placed in their unit or below it,
    those they hold, and (for the duty desk) those not placed anywhere yet."""

    unit_path: str
    staff_id: int
    unplaced: bool


@dataclass(frozen=True)
class Wanted:
    """The list's filters; None or False: any."""

    state: str | None = None
    category: str | None = None
    overdue: bool = False
    urgent: bool = False
    unit: str | None = None  # a unit's path: tickets placed in it or below it
    must_attend: bool = False
    since: datetime | None = None  # reported at or after
    until: datetime | None = None  # reported before
    words: str | None = None  # in the code or the grid's path (the rest is sealed)


def _in_scope(scope: Scope):
    clause = _placed_under(scope.unit_path) | (Ticket.assignee_id == scope.staff_id)
    unplaced = func.coalesce(Ticket.grid_id, Ticket.unit_id).is_(None)
    return clause | unplaced if scope.unplaced else clause


def _late(now: datetime):
    """What handlers.tickets.lifecycle.late_since says, as SQL."""
    due = (
        Ticket.deadline_at.is_not(None)
        & (Ticket.deadline_kind != "rate")
        & (Ticket.deadline_at <= now)
    )
    return Ticket.state.in_(OPEN_STATES) & (Ticket.overdue_since.is_not(None) | due)


def _placed_under(path: str):
    placed = func.coalesce(Ticket.grid_id, Ticket.unit_id)
    return placed.in_(select(OrgUnit.id).where(under(path)))


def _matching(words: str):
    """The code or the grid's path holds `words`, taken literally (LIKE's % and _ too)."""
    grids = select(OrgUnit.id).where(OrgUnit.path.contains(words, autoescape=True))
    return Ticket.code.contains(words.upper(), autoescape=True) | Ticket.grid_id.in_(grids)


def _conditions(scope: Scope, wanted: Wanted, now: datetime) -> list:
    found = [_in_scope(scope)]
    if wanted.state:
        found.append(Ticket.state == wanted.state)
    if wanted.category:
        found.append(Ticket.category == wanted.category)
    if wanted.overdue:
        found.append(_late(now))
    if wanted.urgent:
        found.append(Ticket.urgent.is_(True))
    return found + _more_conditions(wanted)


def _more_conditions(wanted: Wanted) -> list:
    found = []
    if wanted.unit:
        found.append(_placed_under(wanted.unit))
    if wanted.must_attend:
        found.append(Ticket.must_attend.is_(True))
    if wanted.since:
        found.append(Ticket.created_at >= wanted.since)
    if wanted.until:
        found.append(Ticket.created_at < wanted.until)
    if wanted.words:
        found.append(_matching(wanted.words))
    return found


class Console(Repository):
    def add_link(self, staff_id: int, link_hash: str, now: datetime, expires: datetime) -> None:
        self.session.add(
            ConsoleSession(
                staff_id=staff_id, link_hash=link_hash, created_at=now, expires_at=expires
            )
        )

    async def link(self, link_hash: str) -> ConsoleSession | None:
        query = select(ConsoleSession).where(ConsoleSession.link_hash == link_hash)
        return await self.session.scalar(query)

    async def spend_link(self, link_id: int, session_hash: str, csrf: str, now: datetime) -> bool:
        """Open the session of a link not used yet; False when another request used it first
        (one conditional UPDATE, so a link opens one session across every replica)."""
        done = await self.session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.id == link_id, ConsoleSession.opened_at.is_(None))
            .values(session_hash=session_hash, csrf=csrf, opened_at=now, last_seen_at=now)
        )
        return done.rowcount == 1

    async def session_of(self, session_hash: str) -> tuple[ConsoleSession, Staff] | None:
        """The open session with this hash and its staff member (on duty or not)."""
        query = (
            select(ConsoleSession, Staff)
            .join(Staff, Staff.id == ConsoleSession.staff_id)
            .where(ConsoleSession.session_hash == session_hash, ConsoleSession.ended_at.is_(None))
        )
        row = (await self.session.execute(query)).first()
        return (row[0], row[1]) if row else None

    async def end_sessions(self, staff_id: int, now: datetime) -> None:
        await self.session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.staff_id == staff_id, ConsoleSession.ended_at.is_(None))
            .values(ended_at=now)
        )

    async def end_session(self, session_hash: str, now: datetime) -> None:
        await self.session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.session_hash == session_hash, ConsoleSession.ended_at.is_(None))
            .values(ended_at=now)
        )

    async def units_under(self, unit_path: str, limit: int = 500) -> list[str]:
        """The paths of this unit and those below it, grids last (for the unit filter)."""
        query = (
            select(OrgUnit.path)
            .where(under(unit_path))
            .order_by(OrgUnit.level == "grid", OrgUnit.path)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    async def staff_under(self, unit_path: str, limit: int = 300) -> list[Staff]:
        """Staff on duty in this unit or below it, by name."""
        query = (
            select(Staff)
            .join(OrgUnit, OrgUnit.id == Staff.unit_id)
            .where(under(unit_path), Staff.active.is_(True))
            .order_by(Staff.name, Staff.userid)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    # The ticket list ------------------------------------------------------------------------

    async def tickets(
        self, scope: Scope, wanted: Wanted, now: datetime, offset: int, limit: int
    ) -> list[Ticket]:
        """Newest first."""
        query = (
            ticket_query()
            .where(*_conditions(scope, wanted, now))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    async def count(self, scope: Scope, wanted: Wanted, now: datetime) -> int:
        query = select(func.count(Ticket.id)).where(*_conditions(scope, wanted, now))
        return await self.session.scalar(query) or 0

    async def by_state(self, scope: Scope) -> dict[str, int]:
        query = (
            select(Ticket.state, func.count(Ticket.id))
            .where(_in_scope(scope))
            .group_by(Ticket.state)
        )
        return {state: count for state, count in await self.session.execute(query)}

    async def count_upto(self, scope: Scope, wanted: Wanted, now: datetime, most: int) -> int:
        """How many match, counted no further than `most`: stays fast over a million tickets,
        where an exact count reads every matching row."""
        found = select(Ticket.id).where(*_conditions(scope, wanted, now)).limit(most).subquery()
        return await self.session.scalar(select(func.count()).select_from(found)) or 0

    async def batches(
        self, scope: Scope, wanted: Wanted, now: datetime, size: int
    ) -> AsyncIterator[list[Ticket]]:
        """The whole list newest first, `size` tickets at a time: each batch one short query
        that starts after the last ticket of the one before (created_at, id), so no cursor
        stays open; the session holds loaded tickets weakly, so a batch is freed once the
        caller is done with it."""
        conditions = _conditions(scope, wanted, now)
        query = ticket_query().order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(size)
        after: tuple[datetime, int] | None = None
        while True:
            more = [] if after is None else [_before(*after)]
            found = list(await self.session.scalars(query.where(*conditions, *more)))
            if found:
                yield found
            if len(found) < size:
                return
            after = found[-1].created_at, found[-1].id


def _before(created_at: datetime, ticket_id: int):
    """Older than (created_at, id) in the list's order; written so that the index on
    created_at serves it on both databases."""
    return (Ticket.created_at <= created_at) & (
        (Ticket.created_at < created_at) | (Ticket.id < ticket_id)
    )
