"""The console's 三率 dashboard: within the staff member's scope (the ticket list's), the
assessment's rates by unit and month (handlers.rhythm.rates: one definition for both), new
tickets by category and week, patrols and visits, overdue tickets by unit, and 苗头."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers import texts
from handlers.calendar import Rhythm, local
from handlers.console import signals
from handlers.console.listing import scope_of
from handlers.policy import Policy
from handlers.rhythm import rates
from handlers.rhythm.rates import Tally
from nlu.categories import CATEGORIES
from storage.models import Staff
from storage.uow import UnitOfWork

MONTHS = 3  # the rates of this month and the two before it (a quarter's worth)
WEEKS = 8
ROUND_DAYS = 30  # patrols and visits: the last 30 whole days


@dataclass(frozen=True)
class UnitRates:
    unit: str  # a unit directly below the visitor's (or the visitor's own, or 其他)
    months: list[Tally]  # one per month, oldest first
    total: Tally


@dataclass(frozen=True)
class CategoryWeeks:
    category: str
    weeks: list[int]
    total: int


@dataclass(frozen=True)
class Rounds:
    """Patrols done of those due (一日双巡), visits made and households to visit (五必访)."""

    unit: str
    workers: int
    patrols: int
    patrols_due: int
    visits: int
    households: int

    @property
    def patrol_rate(self) -> float | None:
        return min(self.patrols / self.patrols_due, 1.0) if self.patrols_due else None

    @property
    def visit_rate(self) -> float | None:
        return min(self.visits / self.households, 1.0) if self.households else None


@dataclass(frozen=True)
class Board:
    unit: str
    months: list[str]  # "2026-11"
    rates: list[UnitRates]
    month_totals: list[Tally]
    weeks: list[str]  # the Monday of each week, "11-23"
    categories: list[CategoryWeeks]
    rounds: list[Rounds]
    overdue: list[tuple[str, int]]
    signals: list[signals.Signal]


class Units:
    """Which unit directly below the visitor's a place falls in."""

    def __init__(self, top: str, paths: dict[int, str]):
        self.top, self.paths = top, paths

    def of(self, place: int | None) -> str:
        if place is None:
            return texts.CONSOLE_DASHBOARD["unplaced"]  # the duty desk's, not located yet
        path = self.paths.get(place)
        if path is None:
            return texts.CONSOLE_DASHBOARD["elsewhere"]
        if path == self.top:
            return path.rsplit("/", 1)[-1]
        return path[len(self.top) + 1 :].split("/", 1)[0]


async def board(
    uow: UnitOfWork, staff: Staff, now: datetime, policy: Policy, rhythm: Rhythm
) -> Board:
    scope = await scope_of(uow, staff)
    units = Units(scope.unit_path, await uow.dashboard.unit_paths(scope.unit_path))
    months = month_starts(now, MONTHS)
    weeks = week_starts(now, WEEKS)
    return Board(
        unit=scope.unit_path,
        months=[m.strftime("%Y-%m") for m in months],
        weeks=[w.strftime("%m-%d") for w in weeks],
        categories=await _categories(uow, scope, weeks, now),
        rounds=await _rounds(uow, scope.unit_path, units, now, rhythm),
        overdue=await _overdue(uow, scope, units, now),
        signals=await signals.find(uow, scope, now, units.paths),
        **await _rates(uow, policy, scope, units, months, now),
    )


def month_starts(now: datetime, count: int) -> list[datetime]:
    """Midnight (Beijing) of the first day of this month and the `count - 1` before it."""
    first = local(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [first]
    for _ in range(count - 1):
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return starts[::-1]


def week_starts(now: datetime, count: int) -> list[datetime]:
    """Midnight (Beijing) of this week's Monday and of the `count - 1` Mondays before it."""
    today = local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in reversed(range(count))]


async def _rates(uow, policy, scope, units: Units, months, now) -> dict:
    found = await rates.by_place_and_period(uow, policy, scope, months, now)
    table: dict[str, list[Tally]] = {}
    for (place, month), tally in found.items():
        row = table.setdefault(units.of(place), [Tally() for _ in months])
        row[month] += tally
    rows = [UnitRates(unit, row, sum(row, Tally())) for unit, row in sorted(table.items())]
    totals = [sum((r.months[n] for r in rows), Tally()) for n in range(len(months))]
    return {"rates": rows, "month_totals": totals}


async def _categories(uow, scope, weeks, now) -> list[CategoryWeeks]:
    found = await uow.dashboard.new_by_period(scope, weeks, now)
    rows = []
    for category in CATEGORIES:
        counts = [found.get((n, category.id), 0) for n in range(len(weeks))]
        rows.append(CategoryWeeks(category.name, counts, sum(counts)))
    return rows


async def _rounds(uow, path: str, units: Units, now: datetime, rhythm: Rhythm) -> list[Rounds]:
    """The last ROUND_DAYS whole days (Beijing), today not yet counted."""
    end = local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=ROUND_DAYS)
    first_day, end_day = start.date().isoformat(), end.date().isoformat()
    columns = (
        await uow.dashboard.grid_workers(path),
        await uow.dashboard.patrols_done(path, first_day, end_day),
        await uow.dashboard.visits_done(path, start, end),
        await uow.dashboard.households_to_visit(path),
    )
    summed: dict[str, list[int]] = {}
    for n, counts in enumerate(columns):
        for grid, count in counts.items():
            summed.setdefault(units.of(grid), [0, 0, 0, 0])[n] += count
    due = ROUND_DAYS * len(rhythm.patrol_times)
    return [
        Rounds(unit, workers, patrols, workers * due, visits, households)
        for unit, (workers, patrols, visits, households) in sorted(summed.items())
    ]


async def _overdue(uow, scope, units: Units, now: datetime) -> list[tuple[str, int]]:
    summed: dict[str, int] = {}
    for place, count in (await uow.dashboard.overdue_by_place(scope, now)).items():
        summed[units.of(place)] = summed.get(units.of(place), 0) + count
    return sorted(summed.items(), key=lambda item: (-item[1], item[0]))


async def rate_series(
    uow: UnitOfWork, staff: Staff, now: datetime, policy: Policy
) -> tuple[list[str], dict[str, list[float | None]]]:
    """The scope's three rates by month, for the chart."""
    scope = await scope_of(uow, staff)
    units = Units(scope.unit_path, await uow.dashboard.unit_paths(scope.unit_path))
    months = month_starts(now, MONTHS)
    totals = (await _rates(uow, policy, scope, units, months, now))["month_totals"]
    names = texts.CONSOLE_DASHBOARD
    series = {
        names[rate]: [getattr(tally, rate) for tally in totals]
        for rate in ("accept_rate", "resolve_rate", "satisfaction")
    }
    return [m.strftime("%Y-%m") for m in months], series


async def week_series(
    uow: UnitOfWork, staff: Staff, now: datetime
) -> tuple[list[str], dict[str, list[int]]]:
    """New tickets by category and week, for the chart."""
    scope = await scope_of(uow, staff)
    weeks = week_starts(now, WEEKS)
    rows = await _categories(uow, scope, weeks, now)
    return [w.strftime("%m-%d") for w in weeks], {row.category: row.weeks for row in rows}
