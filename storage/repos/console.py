"""The web console's login links and sessions (only hashes of their secrets kept)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import false, func, literal, select, true, union_all, update

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
    codes: tuple[str, ...] = ()  # these tickets only (a 苗头's, from the dashboard)
    words: str | None = None  # in the grid's path, or the code's start (the rest is sealed)
    code_start: str | None = None  # when `words` can begin a code: that start, GB- added
    grid_ids: tuple[int, ...] = ()  # otherwise the grids whose path holds them (_looked_up)
    unit_ids: tuple[int, ...] | None = None  # `unit` and the units below it (_looked_up)


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


in_scope, late = _in_scope, _late  # for the dashboard's aggregates (storage/repos/dashboard.py)


def _placed_under(path: str):
    placed = func.coalesce(Ticket.grid_id, Ticket.unit_id)
    return placed.in_(select(OrgUnit.id).where(under(path)))


def _matching(wanted: Wanted):
    """With `code_start` (words that can begin a code), the codes that start so: a range of
    the unique index on codes, where a code anywhere inside would be every code read in turn;
    otherwise the tickets of the grids whose path holds the words (`grid_ids`, looked up
    first: none, and no ticket is read). One or the other, so that each reads one index."""
    if wanted.code_start:
        return _code_starts(wanted.code_start)
    return Ticket.grid_id.in_(wanted.grid_ids) if wanted.grid_ids else false()


def _code_starts(start: str):
    following = start[:-1] + chr(ord(start[-1]) + 1)
    return (
        (Ticket.code >= start)
        & (Ticket.code < following)
        & Ticket.code.startswith(start, autoescape=True)
    )


def _conditions(scope: Scope, wanted: Wanted, now: datetime) -> list:
    found = [_in_scope(scope)]
    if wanted.state:
        found.append(Ticket.state == wanted.state)
    if wanted.category:
        found.append(Ticket.category == wanted.category)
    if wanted.overdue:
        found.append(_late(now))
    if wanted.urgent:
        found.append(Ticket.urgent == true())  # `IS true` would not use the index
    return found + _more_conditions(wanted)


def _more_conditions(wanted: Wanted) -> list:
    found = []
    if wanted.unit and wanted.unit_ids is not None:  # a list, which the index on placement
        # serves, where a subquery is read as a condition on every ticket
        placed = func.coalesce(Ticket.grid_id, Ticket.unit_id)
        found.append(placed.in_(wanted.unit_ids) if wanted.unit_ids else false())
    elif wanted.unit:
        found.append(_placed_under(wanted.unit))
    if wanted.must_attend:
        found.append(Ticket.must_attend == true())
    if wanted.since:
        found.append(Ticket.created_at >= wanted.since)
    if wanted.until:
        found.append(Ticket.created_at < wanted.until)
    if wanted.words:
        found.append(_matching(wanted))
    if wanted.codes:
        found.append(Ticket.code.in_(wanted.codes))
    return found


# The list's orders; the id last, so that pages never overlap. Newest and oldest read the
# created_at indexes either way; the deadline's order reads its index (no deadline: last).
ORDERS = {
    "newest": (Ticket.created_at.desc(), Ticket.id.desc()),
    "oldest": (Ticket.created_at.asc(), Ticket.id.asc()),
    "deadline": (Ticket.deadline_at.is_(None), Ticket.deadline_at.asc(), Ticket.id.asc()),
    "level": (Ticket.level.desc(), Ticket.created_at.desc(), Ticket.id.desc()),
}


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

    def add_session(self, staff_id: int, session_hash: str, csrf: str, now: datetime) -> None:
        """A session opened without a link (WeCom's login): the row's link is spent at once,
        and its hash is of a secret nobody was given."""
        self.session.add(
            ConsoleSession(
                staff_id=staff_id,
                link_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                session_hash=session_hash,
                csrf=csrf,
                created_at=now,
                expires_at=now,
                opened_at=now,
                last_seen_at=now,
            )
        )

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
        self,
        scope: Scope,
        wanted: Wanted,
        now: datetime,
        offset: int,
        limit: int,
        order: str = "newest",
    ) -> list[Ticket]:
        """In one of ORDERS (newest first unless asked)."""
        wanted = await self._looked_up(wanted)
        query = (
            ticket_query()
            .where(*_conditions(scope, wanted, now))
            .order_by(*ORDERS.get(order, ORDERS["newest"]))
            .offset(offset)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    async def _looked_up(self, wanted: Wanted) -> Wanted:
        """The units the unit filter and words not beginning a code stand for, looked up
        first (org_units is small)."""
        if wanted.unit:
            units = await self.session.scalars(select(OrgUnit.id).where(under(wanted.unit)))
            wanted = replace(wanted, unit_ids=tuple(units))
        if not wanted.words or wanted.code_start:
            return wanted
        found = select(OrgUnit.id).where(OrgUnit.path.contains(wanted.words, autoescape=True))
        return replace(wanted, grid_ids=tuple(await self.session.scalars(found)))

    async def by_state_upto(
        self, scope: Scope, states: list[str], now: datetime, most: int
    ) -> dict[str, int]:
        """The tickets in scope of each state, each counted no further than `most`, in one
        statement (each state a range of the index on state, which holds what scope asks)."""
        counted = [
            select(literal(state), func.count()).select_from(
                select(Ticket.id)
                .where(*_conditions(scope, Wanted(state=state), now))
                .limit(most)
                .subquery()
            )
            for state in states
        ]
        return {state: count for state, count in await self.session.execute(union_all(*counted))}

    async def count_upto(self, scope: Scope, wanted: Wanted, now: datetime, most: int) -> int:
        """How many match, counted no further than `most`: stays fast over a million tickets,
        where an exact count reads every matching row."""
        wanted = await self._looked_up(wanted)
        found = select(Ticket.id).where(*_conditions(scope, wanted, now)).limit(most).subquery()
        return await self.session.scalar(select(func.count()).select_from(found)) or 0

    async def batches(
        self, scope: Scope, wanted: Wanted, now: datetime, size: int
    ) -> AsyncIterator[list[Ticket]]:
        """The whole list newest first, `size` tickets at a time: each batch one short query
        that starts after the last ticket of the one before (created_at, id), so no cursor
        stays open; the session holds loaded tickets weakly, so a batch is freed once the
        caller is done with it."""
        conditions = _conditions(scope, await self._looked_up(wanted), now)
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
