"""Point-in-polygon over grid boundaries through a shapely STRtree."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable

import shapely
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from storage.repos import Org


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
    """The grid index of a running server, rebuilt when an import has changed the boundaries,
    in this process or any other. Lookups use the index as it is; `refresh` (at start, then
    every few seconds in the background) reads one version number and rebuilds on a change."""

    def __init__(self) -> None:
        self._index = GridIndex([])
        self._version: int | None = None
        self._lock = asyncio.Lock()  # one rebuild at a time

    def __len__(self) -> int:
        return len(self._index)

    def locate(self, lon: float, lat: float) -> int | None:
        return self._index.locate(lon, lat)

    async def refresh(self, sessionmaker) -> bool:
        """Rebuild the index if the boundaries changed since it was built; whether it was."""
        async with self._lock:
            async with sessionmaker() as session:
                version = await Org(session).data_version("grids")
                if version == self._version:
                    return False
                rows = await Org(session).grid_boundaries()
            # decoding and indexing 10,000 grids takes about half a second: off the event loop
            self._index = await asyncio.to_thread(
                GridIndex, ((grid_id, json.loads(text)) for grid_id, text in rows if text)
            )
            self._version = version
            return True
