"""The console's 一张图 map as GeoJSON: the grids of the staff member's scope (simplified
boundaries, worker, open and overdue counts) and the open tickets that have a point, in the
same scope as the ticket list. Reading and simplifying 10,000 detailed boundaries takes some
seconds, so each process keeps the simplified shapes, as GeoJSON text, until an import
changes the boundaries; a request then only adds the counts."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import numpy as np
import shapely

from handlers.console.listing import scope_of
from handlers.masking import mask_text
from nlu.categories import category_name
from storage.models import DataVersion, Staff
from storage.uow import UnitOfWork

TOLERANCE = 0.00005  # degrees, about 5 m: finer than a grid's edge shows on a screen
DIGITS = 5  # about 1 m; fewer digits, fewer bytes
MARKER_DIGITS = 3  # about 100 m, as Open311's public points: the console shows no exact point
MARKERS = 20_000  # the newest open tickets with a point, at most
WORKERS_JOIN = "、"


def simplified(boundaries: Iterable[tuple[int, str | None]]) -> dict[int, str]:
    """Grid id → its boundary simplified (topology kept) and rounded, as GeoJSON text; a
    grid without a boundary, or one that does not read as a shape, is left out."""
    ids, shapes = [], []
    for grid_id, text in boundaries:
        found = _shape(text)
        if found is not None and not found.is_empty:
            ids.append(grid_id)
            shapes.append(found)
    if not shapes:
        return {}
    simple = shapely.simplify(np.array(shapes, dtype=object), TOLERANCE, preserve_topology=True)
    rounded = shapely.transform(simple, lambda xy: np.round(xy, DIGITS))
    return dict(zip(ids, (str(text) for text in shapely.to_geojson(rounded)), strict=True))


def _shape(text: str | None) -> shapely.Geometry | None:
    try:
        return shapely.from_geojson(text) if text else None
    except shapely.errors.GEOSException:
        return None


class Shapes:
    """The simplified boundaries of a running server, rebuilt when the `grids` data version
    has moved (an import in this process or any other)."""

    def __init__(self) -> None:
        self._version: int | None = None
        self._shapes: dict[int, str] = {}
        self._lock = asyncio.Lock()  # one rebuild at a time

    async def current(self, uow: UnitOfWork) -> dict[int, str]:
        async with self._lock:
            version = await uow.org.data_version(DataVersion.GRIDS)
            if version != self._version:
                rows = await uow.org.grid_boundaries()
                self._shapes = await asyncio.to_thread(simplified, rows)
                self._version = version
        return self._shapes


async def grid_layer(uow: UnitOfWork, staff: Staff, shapes: Shapes, now: datetime) -> bytes:
    """The grids in scope as a FeatureCollection (encoded); properties: name, path, worker
    (their names, masked as the console masks text), open, overdue."""
    path = (await scope_of(uow, staff)).unit_path
    drawn = await shapes.current(uow)
    counts = await uow.map.counts_under(path, now)
    workers = defaultdict(list)
    for grid_id, name in await uow.map.workers_under(path):
        workers[grid_id].append(mask_text(name))
    return collection(
        grid_feature(drawn[grid_id], name, grid_path, workers[grid_id], counts.get(grid_id))
        for grid_id, name, grid_path in await uow.map.grids_under(path)
        if grid_id in drawn
    )


def grid_feature(
    geometry: str, name: str, path: str, workers: list[str], counts: tuple[int, int] | None
) -> str:
    """One grid's Feature, its geometry the cached GeoJSON text as it is."""
    opened, late = counts or (0, 0)
    properties = {
        "name": name,
        "path": path,
        "worker": WORKERS_JOIN.join(workers),
        "open": opened,
        "overdue": late,
    }
    return f'{{"type":"Feature","geometry":{geometry},"properties":{_json(properties)}}}'


async def ticket_markers(uow: UnitOfWork, staff: Staff, now: datetime) -> bytes:
    """The open tickets in scope that have a point, as a FeatureCollection of points rounded
    to MARKER_DIGITS; properties: code, category (its name), overdue."""
    scope = await scope_of(uow, staff)
    rows = await uow.map.open_located(scope, now, MARKERS)
    return collection(_json(_marker(*row)) for row in rows)


def _marker(code: str, kind: str, lat: float, lon: float, late) -> dict:
    point = [round(lon, MARKER_DIGITS), round(lat, MARKER_DIGITS)]
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": point},
        "properties": {"code": code, "category": category_name(kind), "overdue": bool(late)},
    }


def collection(features: Iterable[str]) -> bytes:
    """A FeatureCollection of encoded Features, as UTF-8 (gzipped on the way)."""
    return f'{{"type":"FeatureCollection","features":[{",".join(features)}]}}'.encode()


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
