"""The counts behind 及时签收率, 按时办结率 and 满意率, aggregated in SQL (a county holds
millions of tickets): one statement, grouped by what the caller asks (the assignee for the
assessment, the ticket's place and month for the console's dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, String, and_, case, cast, func, or_, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from storage import models
from storage.models import Ticket
from storage.repos.base import Repository
from storage.repos.console import Scope, in_scope

SATISFIED = ("satisfied", "basically_satisfied", "satisfied_by_default")
LATE_STEPS = {"accept": ("accept",), "resolve": ("on_site", "resolve")}
FLOAT_SLACK = 0.001  # seconds: SQLite's julianday() is exact to about 0.1 ms


@dataclass(frozen=True)
class Limits:
    """The time limits, in seconds, that judge tickets from before the deadline watch kept
    the fact on the ticket (`late_kinds` NULL): (accept, resolve) by category, for urgent
    tickets, and otherwise."""

    by_category: dict[str, tuple[float, float]]
    urgent: tuple[float, float]
    default: tuple[float, float]


class seconds_between(FunctionElement):
    """`later - earlier` in seconds, as each database counts it."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


def _limit(limits: Limits, index: int):
    """The ticket's limit for the step (0 accept, 1 resolve), as SQL."""
    by_category = {category: pair[index] for category, pair in limits.by_category.items()}
    usual = (
        case(by_category, value=Ticket.category, else_=limits.default[index])
        if by_category
        else limits.default[index]
    )
    return case((Ticket.urgent.is_(True), limits.urgent[index]), else_=usual)


def _late(kind: str, limits: Limits):
    """Ever late for the step: the fact on the ticket, else timed from its stamps."""
    kept = cast(Ticket.late_kinds, String)
    recorded = [kept.like(f'%"{step}"%') for step in LATE_STEPS[kind]]
    if kind == "accept":
        taken = seconds_between(Ticket.accepted_at, Ticket.created_at)
    else:
        taken = seconds_between(Ticket.resolved_at, Ticket.accepted_at)
    timed = taken > _limit(limits, 0 if kind == "accept" else 1) + FLOAT_SLACK
    return case((kept.is_not(None), or_(*recorded)), else_=timed)


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# Tickets that may have been late: without the deadline watch's fact (from before it kept
# one: timed from the stamps), or with a step in it. Most tickets are never late (`[]`), so the
# counts of the late are read through a partial index of these alone (migration 0020), and
# the other counts never read `late_kinds`: the dashboard's index holds all they need.
MAYBE_LATE = text(f"({models.MAYBE_LATE})")  # the partial index's words: SQLite then uses it


def _statuses():
    kept = Ticket.state != "withdrawn"
    accepted = and_(kept, Ticket.accepted_at.is_not(None))
    resolved = and_(accepted, Ticket.resolved_at.is_not(None))
    return kept, accepted, resolved


def plain_columns() -> list:
    """tickets, withdrawn, accepted, resolved, rated, satisfied."""
    kept, accepted, resolved = _statuses()
    rated = and_(kept, Ticket.rating.is_not(None), Ticket.rating != "")
    return [
        _count(kept),
        _count(Ticket.state == "withdrawn"),
        _count(accepted),
        _count(resolved),
        _count(rated),
        _count(and_(rated, Ticket.rating.in_(SATISFIED))),
    ]


def late_columns(limits: Limits) -> list:
    """accepted late, resolved late (of the tickets that may have been: MAYBE_LATE)."""
    _, accepted, resolved = _statuses()
    return [
        _count(and_(accepted, _late("accept", limits))),
        _count(and_(resolved, _late("resolve", limits))),
    ]


def tally(plain: tuple, late: tuple) -> tuple[int, ...]:
    """What handlers.rhythm.rates.Tally holds: tickets, withdrawn, accepted, accepted on
    time, resolved, resolved on time, rated, satisfied."""
    tickets, withdrawn, accepted, resolved, rated, satisfied = map(int, plain)
    accepted_late, resolved_late = map(int, late)
    return (
        tickets,
        withdrawn,
        accepted,
        accepted - accepted_late,
        resolved,
        resolved - resolved_late,
        rated,
        satisfied,
    )


def buckets(column, starts: list[datetime]):
    """The index of the period `column` falls in, periods beginning at `starts` (ascending,
    the last one's end excluded by the caller), as one CASE over bound values."""
    return case(
        *((column >= start, index) for index, start in reversed(list(enumerate(starts)))),
        else_=-1,
    )


def periods(starts: list[datetime], end: datetime) -> list[tuple[datetime, datetime]]:
    """(start, end) of each period beginning at `starts` (ascending), the last ending at
    `end`."""
    return list(zip(starts, [*starts[1:], end], strict=True))


class Rates(Repository):
    async def by_assignee(
        self, start: datetime, end: datetime, limits: Limits
    ) -> dict[tuple, tuple[int, ...]]:
        """The counts of the tickets created between `start` and `end`, by assignee."""
        where = [Ticket.assignee_id.is_not(None), *_created(start, end)]
        return await self._tallies([Ticket.assignee_id], where, limits)

    async def by_place_and_period(
        self, scope: Scope, starts: list[datetime], end: datetime, limits: Limits
    ) -> dict[tuple, tuple[int, ...]]:
        """The counts of the tickets in scope created from `starts[0]` to `end`, by their
        place (grid, else unit) and the index of the period they were created in. A
        statement per period: grouped by a CASE of periods too, PostgreSQL estimated as many
        groups as rows and sorted every row. Grouped by an expression, not a column, so that
        SQLite reads the dashboard's index (a column's index would give the groups' order,
        and SQLite would take it, and read every row)."""
        found: dict[tuple, tuple[int, ...]] = {}
        place = func.coalesce(Ticket.grid_id, Ticket.unit_id)
        for n, (start, stop) in enumerate(periods(starts, end)):
            where = [in_scope(scope), *_created(start, stop)]
            for (at,), counts in (await self._tallies([place], where, limits)).items():
                found[(at, n)] = counts
        return found

    async def _tallies(self, keys: list, where: list, limits: Limits) -> dict:
        """Two statements: the plain counts, and the late ones among MAYBE_LATE."""
        plain = select(*keys, *plain_columns()).where(*where).group_by(*keys)
        late = select(*keys, *late_columns(limits)).where(*where, MAYBE_LATE).group_by(*keys)
        n = len(keys)
        lates = {tuple(row[:n]): tuple(row[n:]) for row in await self.session.execute(late)}
        return {
            tuple(row[:n]): tally(tuple(row[n:]), lates.get(tuple(row[:n]), (0, 0)))
            for row in await self.session.execute(plain)
        }


def _created(start: datetime, end: datetime) -> list:
    return [Ticket.created_at >= start, Ticket.created_at < end]
