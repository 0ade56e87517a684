"""Point-in-polygon over grid boundaries through a shapely STRtree."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import shapely
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from storage import repos


class GridIndex:
    def __init__(self, boundaries: Iterable[tuple[int, dict]]):
        items = [(grid_id, shape(geometry)) for grid_id, geometry in boundaries]
        self._ids = [grid_id for grid_id, _ in items]
        self._shapes = [geometry for _, geometry in items]
        for geometry in self._shapes:
            shapely.prepare(geometry)
        self._tree = STRtree(self._shapes) if self._shapes else None

    def __len__(self) -> int:
        return len(self._ids)

    def locate(self, lon: float, lat: float) -> int | None:
        """The id of the grid containing the point (on a shared edge: the first found)."""
        if self._tree is None:
            return None
        point = Point(lon, lat)
        hits = self._tree.query(point, predicate="intersects")
        return self._ids[int(min(hits))] if len(hits) else None


class LiveGrids:
    """The grid index as the database has it now: each lookup first reads the boundaries'
    version, one small query, and rebuilds the index when an import has changed them, in
    this process or any other."""

    def __init__(self) -> None:
        self._index = GridIndex([])
        self._version: int | None = None

    def __len__(self) -> int:
        return len(self._index)

    async def load(self, session) -> None:
        version = await repos.data_version(session, "grids")
        boundaries = [(grid.id, grid.boundary) for grid in await repos.grids(session)
                      if grid.boundary]
        # 10,000 grids take about 0.2 s to index: on a thread, not in the way of other messages
        self._index = await asyncio.to_thread(GridIndex, boundaries)
        self._version = version

    async def locate(self, session, lon: float, lat: float) -> int | None:
        """The id of the grid containing the point, by the boundaries imported last."""
        if await repos.data_version(session, "grids") != self._version:
            await self.load(session)
        return self._index.locate(lon, lat)
