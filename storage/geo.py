"""Point-in-polygon over grid boundaries through a shapely STRtree."""

from __future__ import annotations

from collections.abc import Iterable

import shapely
from shapely.geometry import Point, shape
from shapely.strtree import STRtree


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
