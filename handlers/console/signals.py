"""苗头 (emerging problems): a place where one kind of problem keeps coming back — at least
three reports of one category within 300 m of one of them in the last 14 days.

Bounded over millions of tickets, in two statements: SQL counts the recent reports of each
category in cells about 100 m wide (one row per cell, not per report); the cells whose
neighbourhood could hold three reports within 300 m are the candidates, and one more
statement reads the reports around the fullest few, where shapely finds who is within 300 m
of whom."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import numpy as np
import shapely
from shapely.strtree import STRtree

from handlers.tickets.linking import METRES_PER_DEGREE
from nlu.categories import category_name
from storage.repos.console import Scope
from storage.repos.dashboard import Cells
from storage.uow import UnitOfWork

RADIUS_M = 300.0
DAYS = 14
LEAST = 3  # reports
SHOWN = 20  # signals at most, the largest first
CELL_M = 100.0
HIGHEST_LATITUDE = 60.0  # a cell is at most 2 × CELL_M wide up to here (Mohe is at 53.5°)
CELLS = Cells(
    lat=CELL_M / METRES_PER_DEGREE,
    lon=CELL_M / (METRES_PER_DEGREE * math.cos(math.radians(HIGHEST_LATITUDE))),
)
HALF_DIAGONAL_M = math.hypot(CELL_M, 2 * CELL_M) / 2  # a report is this near its cell's centre
MOST_CELLS = 20_000  # read of one scope's last 14 days, the fullest first
PLACES_READ = 24  # candidate places whose reports are read, the fullest first
AROUND_M = 2 * RADIUS_M + 2 * HALF_DIAGONAL_M  # the reports read around a candidate
MOST_REPORTS = 2_000  # read around the candidates, the newest first
PER_PLACE = 300  # of them, looked at around one candidate
MAX_CODES = 100  # in a signal's link to the ticket list


@dataclass(frozen=True)
class Signal:
    category: str
    place: str  # the unit path of the report at its centre
    count: int
    more: bool  # not every report around could be read: at least `count`
    first: datetime
    last: datetime
    codes: list[str]

    @property
    def query(self) -> str:
        """The ticket list's filter for these tickets."""
        return urlencode({"codes": ",".join(self.codes[:MAX_CODES])})


async def find(
    uow: UnitOfWork, scope: Scope, now: datetime, places: dict[int, str]
) -> list[Signal]:
    since = now - timedelta(days=DAYS)
    cells = await uow.dashboard.cells_with_reports(scope, since, CELLS, MOST_CELLS)
    picked = candidates(cells)
    if not picked:
        return []
    boxes = [(category, _box(lat, lon, AROUND_M)) for category, lat, lon in picked]
    reports = await uow.dashboard.reports_in(scope, since, boxes, MOST_REPORTS)
    kinds = np.array([r[1] for r in reports])
    lats, lons = np.array([r[2] for r in reports]), np.array([r[3] for r in reports])
    found, seen = [], set()
    for (category, lat, lon), (_, box) in zip(picked, boxes, strict=True):
        south, north, west, east = box
        inside = (kinds == category) & (lats >= south) & (lats <= north)
        inside &= (lons >= west) & (lons <= east)
        near = [reports[i] for i in np.nonzero(inside)[0] if reports[i][0] not in seen]
        more = len(reports) == MOST_REPORTS or len(near) > PER_PLACE
        for centre, members in clusters(near[:PER_PLACE]):
            if _metres(centre[2], centre[3], lat, lon) <= RADIUS_M + HALF_DIAGONAL_M:
                seen.update(r[0] for r in members)  # else another candidate's, read whole
                found.append(_signal(category, centre, members, places, more))
    return sorted(found, key=lambda s: (-s.count, s.place))[:SHOWN]


def candidates(cells: list[tuple[str, int, int, int]]) -> list[tuple[str, float, float]]:
    """(category, lat, lon) of the centres of the cells whose neighbourhood might hold LEAST
    reports within RADIUS_M of one of them, the fullest first; none within RADIUS_M of one
    taken before (its reports are read with that one's)."""
    by_category: dict[str, list[tuple[float, float, int]]] = {}
    for category, row, column, count in cells:
        by_category.setdefault(category, []).append((*CELLS.centre(row, column), count))
    ranked = []
    for category, centres_ in by_category.items():
        counts = np.array([c[2] for c in centres_])
        pairs = _pairs([(c[0], c[1]) for c in centres_], RADIUS_M + 2 * HALF_DIAGONAL_M)
        crowd = np.bincount(pairs[0], weights=counts[pairs[1]], minlength=len(centres_))
        ranked += [(crowd[i], category, *centres_[i][:2]) for i in np.nonzero(crowd >= LEAST)[0]]
    picked: list[tuple[str, float, float]] = []
    for _, category, lat, lon in sorted(ranked, reverse=True):
        if len(picked) == PLACES_READ:
            break
        if all(c != category or _metres(lat, lon, a, b) > RADIUS_M for c, a, b in picked):
            picked.append((category, lat, lon))
    return picked


def clusters(reports: list[tuple]) -> list[tuple[tuple, list[tuple]]]:
    """(centre, members): a report with at least LEAST - 1 others within RADIUS_M, and
    those reports (itself included); the one with the most neighbours first, then again
    among the reports left."""
    if len(reports) < LEAST:
        return []
    pairs = _pairs([(r[2], r[3]) for r in reports], RADIUS_M)
    alive = np.ones(len(reports), dtype=bool)
    found = []
    while True:
        live = alive[pairs[0]] & alive[pairs[1]]
        near = np.bincount(pairs[0][live], minlength=len(reports))
        centre = int(np.argmax(near))
        if near[centre] < LEAST:
            return found
        members = pairs[1][live & (pairs[0] == centre)]
        alive[members] = False
        found.append((reports[centre], [reports[i] for i in sorted(members.tolist())]))


def _pairs(points: list[tuple[float, float]], metres: float) -> np.ndarray:
    """The (i, j) index pairs of the points (lat, lon) within `metres` of each other, itself
    included, on a local plane (exact enough at a few hundred metres)."""
    lats = np.array([p[0] for p in points])
    lons = np.array([p[1] for p in points])
    squeeze = math.cos(math.radians(float(lats.mean())))
    plane = shapely.points(lons * METRES_PER_DEGREE * squeeze, lats * METRES_PER_DEGREE)
    return STRtree(plane).query(plane, predicate="dwithin", distance=metres)


def _box(lat: float, lon: float, metres: float) -> tuple[float, float, float, float]:
    """South, north, west, east of the square `metres` around the point."""
    dlat = metres / METRES_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    squeeze = math.cos(math.radians((lat1 + lat2) / 2))
    return METRES_PER_DEGREE * math.hypot(lat1 - lat2, (lon1 - lon2) * squeeze)


def _signal(
    category: str, centre: tuple, members: list[tuple], places: dict[int, str], more: bool
) -> Signal:
    times = [r[5] for r in members]
    return Signal(
        category=category_name(category),
        place=places.get(centre[4], ""),
        count=len(members),
        more=more,
        first=min(times),
        last=max(times),
        codes=[r[0] for r in members],  # the newest first, as read
    )
