"""The console dashboard's aggregates: counts grouped in SQL within a staff member's scope,
never a row per ticket (a county holds millions); and, for 苗头, only the few reports in the
cells where reports crowd together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from storage.models import Household, OrgUnit, Patrol, Staff, Ticket, Visit
from storage.repos.base import Repository
from storage.repos.console import Scope, in_scope, late
from storage.repos.org import under
from storage.repos.rates import buckets

PLACE = func.coalesce(Ticket.grid_id, Ticket.unit_id)


class whole_part(FunctionElement):
    """The integer part of a positive number (PostgreSQL's CAST rounds; SQLite's truncates,
    and its floor() is not always built in)."""

    type = Integer()
    inherit_cache = True


@compiles(whole_part, "sqlite")
def _whole_sqlite(element, compiler, **kw):
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


@compiles(whole_part, "postgresql")
def _whole_postgresql(element, compiler, **kw):
    return f"CAST(floor({compiler.process(element.clauses, **kw)}) AS INTEGER)"


@dataclass(frozen=True)
class Cells:
    """A lattice of small cells over latitude and longitude (sizes in degrees)."""

    lat: float
    lon: float

    def key(self) -> tuple:
        """The cell of a ticket's point, as SQL (offsets keep the numbers positive)."""
        row = whole_part((Ticket.lat + 90) / self.lat)
        column = whole_part((Ticket.lon + 180) / self.lon)
        return row, column

    def centre(self, row: int, column: int) -> tuple[float, float]:
        """The cell's centre: latitude, longitude."""
        return (row + 0.5) * self.lat - 90, (column + 0.5) * self.lon - 180


class Dashboard(Repository):
    async def unit_paths(self, path: str) -> dict[int, str]:
        """The paths of the unit and of every unit below it, by id."""
        query = select(OrgUnit.id, OrgUnit.path).where(under(path))
        return dict((await self.session.execute(query)).all())

    async def new_by_period(
        self, scope: Scope, starts: list[datetime], end: datetime
    ) -> dict[tuple[int, str], int]:
        """Tickets in scope created from `starts[0]` to `end`, by (period index, category)."""
        period = buckets(Ticket.created_at, starts)
        query = (
            select(period, Ticket.category, func.count())
            .where(in_scope(scope), Ticket.created_at >= starts[0], Ticket.created_at < end)
            .group_by(period, Ticket.category)
        )
        return {(row[0], row[1]): row[2] for row in await self.session.execute(query)}

    async def overdue_by_place(self, scope: Scope, now: datetime) -> dict[int | None, int]:
        query = select(PLACE, func.count()).where(in_scope(scope), late(now)).group_by(PLACE)
        return dict((await self.session.execute(query)).all())

    async def grid_workers(self, path: str) -> dict[int, int]:
        """Grid workers on duty under the unit, by their grid."""
        query = (
            select(Staff.unit_id, func.count(Staff.id))
            .join(OrgUnit, OrgUnit.id == Staff.unit_id)
            .where(under(path), Staff.has_role("grid_worker"), Staff.active.is_(True))
            .group_by(Staff.unit_id)
        )
        return dict((await self.session.execute(query)).all())

    async def patrols_done(self, path: str, first_day: str, end_day: str) -> dict[int, int]:
        """Patrols grid workers under the unit finished from `first_day` up to, not including,
        `end_day`, by their grid."""
        query = (
            select(Staff.unit_id, func.count(Patrol.id))
            .join(Staff, Staff.id == Patrol.staff_id)
            .join(OrgUnit, OrgUnit.id == Staff.unit_id)
            .where(
                under(path),
                Staff.has_role("grid_worker"),
                Patrol.state == "done",
                Patrol.day >= first_day,
                Patrol.day < end_day,
            )
            .group_by(Staff.unit_id)
        )
        return dict((await self.session.execute(query)).all())

    async def visits_done(self, path: str, start: datetime, end: datetime) -> dict[int, int]:
        """Visits by grid workers under the unit between `start` and `end`, by their grid."""
        query = (
            select(Staff.unit_id, func.count(Visit.id))
            .join(Staff, Staff.id == Visit.staff_id)
            .join(OrgUnit, OrgUnit.id == Staff.unit_id)
            .where(under(path), Staff.has_role("grid_worker"), Visit.at >= start, Visit.at < end)
            .group_by(Staff.unit_id)
        )
        return dict((await self.session.execute(query)).all())

    async def households_to_visit(self, path: str) -> dict[int, int]:
        """Households with a care or key-population tag under the unit, by grid."""
        query = (
            select(Household.grid_id, func.count(Household.id))
            .join(OrgUnit, OrgUnit.id == Household.grid_id)
            .where(under(path), (Household.tags != "") | Household.sensitive_tags.is_not(None))
            .group_by(Household.grid_id)
        )
        return dict((await self.session.execute(query)).all())

    # 苗头 -----------------------------------------------------------------------------------

    async def cells_with_reports(
        self, scope: Scope, since: datetime, cells: Cells, limit: int
    ) -> list[tuple[str, int, int, int]]:
        """(category, row, column, count) of every cell holding reports since `since`, the
        fullest first: one row per cell, however many reports."""
        row, column = cells.key()
        query = (
            select(Ticket.category, row, column, func.count())
            .where(in_scope(scope), Ticket.created_at >= since, Ticket.lat.is_not(None))
            .where(Ticket.lon.is_not(None), Ticket.state != "withdrawn")
            .group_by(Ticket.category, row, column)
            .order_by(func.count().desc())
            .limit(limit)
        )
        return [tuple(r) for r in await self.session.execute(query)]

    async def reports_in(
        self, scope: Scope, since: datetime, boxes: list[tuple[str, tuple]], limit: int
    ) -> list[tuple[str, str, float, float, int | None, datetime]]:
        """(code, category, lat, lon, place, created) of the reports since `since` of each
        (category, (south, north, west, east)) box, the newest first: one statement."""
        inside = [
            (Ticket.category == category)
            & Ticket.lat.between(south, north)
            & Ticket.lon.between(west, east)
            for category, (south, north, west, east) in boxes
        ]
        query = (
            select(Ticket.code, Ticket.category, Ticket.lat, Ticket.lon, PLACE, Ticket.created_at)
            .where(in_scope(scope), Ticket.created_at >= since, Ticket.state != "withdrawn")
            .where(or_(*inside))
            .order_by(Ticket.created_at.desc())
            .limit(limit)
        )
        return [tuple(row) for row in await self.session.execute(query)]
