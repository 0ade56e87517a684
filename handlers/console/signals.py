"""苗头 (emerging problems): a place where one kind of problem keeps coming back — at least
three reports of one category within 300 m of one of them in the last 14 days.

Bounded over millions of tickets: SQL counts the recent reports of each category in the cells
of four shifted lattices of cells 4 × 300 m wide, so that any three reports within 300 m of
one of them share a cell of at least one lattice; only the crowded cells' reports (at most a
few hundred each) are read, and shapely finds who is within 300 m of whom."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import numpy as np
import shapely
from shapely.strtree import STRtree

from handlers.tickets.linking import METRES_PER_DEGREE, distance_m
from nlu.categories import category_name
from storage.repos.console import Scope
from storage.repos.dashboard import Cells
from storage.uow import UnitOfWork

RADIUS_M = 300.0
DAYS = 14
LEAST = 3  # reports
SHOWN = 20  # signals at most, the largest first
CELLS_READ = 40  # crowded cells whose reports are read, the fullest first
SAMPLE = 200  # reports read of one cell, the newest first
HIGHEST_LATITUDE = 60.0  # cells stay wide enough up to here (Mohe is at 53.5°)
CELL_M = 4 * RADIUS_M * 1.05  # two shifted lattices half a cell apart: 2 × 300 m fits one
CELLS = Cells(
    lat=CELL_M / METRES_PER_DEGREE,
    lon=CELL_M / (METRES_PER_DEGREE * math.cos(math.radians(HIGHEST_LATITUDE))),
)
MAX_CODES = 100  # in a signal's link to the ticket list


@dataclass(frozen=True)
class Signal:
    category: str
    place: str  # the unit path of the report at its centre
    count: int
    more: bool  # the cell held more reports than were read: at least `count`
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
    cells = await uow.dashboard.crowded_cells(scope, since, CELLS, LEAST, CELLS_READ)
    found: list[Signal] = []
    seen: set[str] = set()
    for shift, category, row, column, _count in cells:
        box = CELLS.box(shift, row, column)
        reports = await uow.dashboard.reports_in(scope, category, since, box, SAMPLE)
        for centre in centres([r for r in reports if r[0] not in seen]):
            around = await uow.dashboard.reports_in(
                scope, category, since, _around(centre), SAMPLE
            )
            members = [r for r in around if r[0] not in seen and _metres(centre, r) <= RADIUS_M]
            if len(members) >= LEAST:
                seen.update(r[0] for r in members)
                found.append(_signal(category, centre, members, places, len(around) == SAMPLE))
        if len(found) >= SHOWN:
            break
    return sorted(found, key=lambda s: (-s.count, s.place))[:SHOWN]


def centres(reports: list[tuple]) -> list[tuple]:
    """Reports with at least LEAST - 1 others within RADIUS_M: the one with the most
    neighbours first, then again among those not near it."""
    found = []
    left = list(reports)
    while len(left) >= LEAST:
        near = _neighbours(left)
        centre = int(np.argmax([len(n) for n in near]))
        if len(near[centre]) < LEAST:
            break
        found.append(left[centre])
        members = set(near[centre].tolist())
        left = [r for i, r in enumerate(left) if i not in members]
    return found


def _neighbours(reports: list[tuple]) -> list[np.ndarray]:
    """For each report (code, lat, lon, …), the indexes of those within RADIUS_M (itself
    included), on a local plane in metres (exact enough at 300 m)."""
    lats = np.array([r[1] for r in reports])
    lons = np.array([r[2] for r in reports])
    squeeze = math.cos(math.radians(float(lats.mean())))
    points = shapely.points(lons * METRES_PER_DEGREE * squeeze, lats * METRES_PER_DEGREE)
    pairs = STRtree(points).query(points, predicate="dwithin", distance=RADIUS_M)
    return [pairs[1][pairs[0] == i] for i in range(len(reports))]


def _around(centre: tuple) -> tuple[float, float, float, float]:
    """The box RADIUS_M (and a little) around the report: south, north, west, east."""
    dlat = RADIUS_M * 1.01 / METRES_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(centre[1])), 0.01)
    return centre[1] - dlat, centre[1] + dlat, centre[2] - dlon, centre[2] + dlon


def _metres(a: tuple, b: tuple) -> float:
    return distance_m(a[1], a[2], b[1], b[2])


def _signal(
    category: str, centre: tuple, members: list[tuple], places: dict[int, str], more: bool
) -> Signal:
    times = [r[3] for r in members]
    return Signal(
        category=category_name(category),
        place=places.get(centre[4], ""),
        count=len(members),
        more=more,
        first=min(times),
        last=max(times),
        codes=[r[0] for r in sorted(members, key=lambda r: r[3], reverse=True)],
    )
