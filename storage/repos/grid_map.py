"""The console's 一张图 map: the grids of a scope with their boundaries, workers and ticket
counts, and the open tickets that have a point, each a few grouped queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from storage.models import OrgUnit, Staff, Ticket
from storage.repos.base import Repository
from storage.repos.console import Scope, _in_scope, _late
from storage.repos.org import under
from storage.repos.tickets import OPEN_STATES

WORKER = "grid_worker"


class GridMap(Repository):
    async def grids_under(self, path: str) -> list[tuple[int, str, str]]:
        """(id, name, path) of the grids in this unit or below it, by path."""
        query = (
            select(OrgUnit.id, OrgUnit.name, OrgUnit.path)
            .where(under(path), OrgUnit.level == "grid")
            .order_by(OrgUnit.path)
        )
        return [tuple(row) for row in await self.session.execute(query)]

    async def workers_under(self, path: str) -> list[tuple[int, str]]:
        """(grid id, name) of the grid workers on duty in the grids below this unit."""
        query = (
            select(Staff.unit_id, Staff.name)
            .join(OrgUnit, OrgUnit.id == Staff.unit_id)
            .where(under(path), OrgUnit.level == "grid")
            .where(Staff.has_role(WORKER), Staff.active.is_(True))
            .order_by(Staff.name, Staff.userid)
        )
        return [tuple(row) for row in await self.session.execute(query)]

    async def counts_under(self, path: str, now: datetime) -> dict[int, tuple[int, int]]:
        """Grid id → (open tickets, overdue tickets) for the grids below this unit that have
        any open ticket."""
        overdue = func.count(Ticket.id).filter(_late(now))
        grids = select(OrgUnit.id).where(under(path), OrgUnit.level == "grid")
        query = (
            select(Ticket.grid_id, func.count(Ticket.id), overdue)
            .where(Ticket.grid_id.in_(grids), Ticket.state.in_(OPEN_STATES))
            .group_by(Ticket.grid_id)
        )
        return {grid: (count, late) for grid, count, late in await self.session.execute(query)}

    async def open_located(
        self, scope: Scope, now: datetime, limit: int
    ) -> list[tuple[str, str, float, float, bool]]:
        """(code, category, lat, lon, overdue) of the open tickets in scope that have a
        point, newest first."""
        query = (
            select(Ticket.code, Ticket.category, Ticket.lat, Ticket.lon, _late(now))
            .where(_in_scope(scope), Ticket.state.in_(OPEN_STATES))
            .where(Ticket.lat.is_not(None), Ticket.lon.is_not(None))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(limit)
        )
        return [tuple(row) for row in await self.session.execute(query)]
