"""Digests up the hierarchy: new, accepted, resolved, overdue and escalated tickets by category
and grid, patrols done and missed, visits done and overdue, and the worst items by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers import texts
from handlers.calendar import Rhythm, local
from handlers.rhythm.charts import bar_chart
from handlers.rhythm.visits import due_visits, start_of_day
from handlers.tickets.lifecycle import late_since, late_step
from handlers.tickets.notify import MAX_BYTES, chunks
from handlers.tickets.views import lateness
from nlu.categories import category_name
from storage.crypto import DataKey
from storage.models import OrgUnit
from storage.outbox import Message
from storage.uow import UnitOfWork

WORST = 3  # overdue tickets named in a digest
__all__ = ["MAX_BYTES", "Period", "build", "chunks", "send"]


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: str


def local_midnight(moment: datetime) -> datetime:
    return local(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def day_period(moment: datetime, days_back: int = 0) -> Period:
    start = local_midnight(moment) - timedelta(days=days_back)
    return Period(start, start + timedelta(days=1), start.date().isoformat())


def week_period(moment: datetime) -> Period:
    """The seven days before the Monday of `moment`'s week."""
    monday = local_midnight(moment) - timedelta(days=local(moment).weekday())
    start = monday - timedelta(days=7)
    return Period(start, monday, start.strftime("%G-W%V"))


async def build(
    uow: UnitOfWork,
    unit: OrgUnit,
    period: Period,
    now: datetime,
    rhythm: Rhythm,
    key: DataKey | None,
) -> list[str]:
    grids = await uow.rhythm.grids_under(unit.path)
    names = await uow.rhythm.unit_names(grids)
    counts = await uow.rhythm.ticket_counts(grids, period.start, period.end, now)
    lines = [
        texts.DIGEST_HEADER.format(
            unit=unit.path,
            start=local(period.start).strftime("%m-%d"),
            end=local(period.end - timedelta(seconds=1)).strftime("%m-%d"),
        )
    ]
    lines.append(texts.DIGEST_TICKETS.format(**{k: sum(v.values()) for k, v in counts.items()}))
    lines += [
        texts.DIGEST_CATEGORY.format(category=category_name(c), count=n)
        for c, n in counts["new"].most_common()
    ]
    by_grid = await uow.rhythm.new_by_grid(grids, period.start, period.end)
    lines += [texts.DIGEST_GRID.format(grid=names[g], count=n) for g, n in by_grid.most_common()]
    lines.append(await _patrol_line(uow, grids, period))
    lines.append(await _visit_line(uow, grids, period, now, rhythm, key))
    lines += await _worst(uow, grids, now)
    if rhythm.charts and not +counts["new"]:
        lines.append(texts.DIGEST_NO_CHART)
    return chunks(lines)


async def _patrol_line(uow: UnitOfWork, grids: list[int], period: Period) -> str:
    days = []
    day = local(period.start)
    while day < period.end:
        days.append(day.date().isoformat())
        day += timedelta(days=1)
    states = await uow.rhythm.patrol_states(grids, days)
    return texts.DIGEST_PATROLS.format(done=states["done"], missed=states["missed"])


async def _visit_line(
    uow: UnitOfWork,
    grids: list[int],
    period: Period,
    now: datetime,
    rhythm: Rhythm,
    key: DataKey | None,
) -> str:
    done = await uow.rhythm.visits_done(grids, period.start, period.end)
    late = start_of_day(now)  # due today is not overdue yet
    overdue = len(await due_visits(uow, grids, rhythm, key, late)) if key else 0
    return texts.DIGEST_VISITS.format(done=done, overdue=overdue)


async def _worst(uow: UnitOfWork, grids: list[int], now: datetime) -> list[str]:
    late = await uow.rhythm.worst_overdue(grids, now, WORST)
    if not late:
        return []
    return [texts.DIGEST_WORST] + [
        texts.OVERDUE_LINE.format(
            code=t.code,
            category=category_name(t.category),
            what=texts.DEADLINE_NAMES[late_step(t)],
            late=lateness(now - late_since(t, now)),
            where="",
            name=t.assignee.name if t.assignee else texts.NOBODY_YET,
        )
        for t in late
    ]


async def send(
    uow: UnitOfWork,
    level: str,
    period: Period,
    now: datetime,
    rhythm: Rhythm,
    key: DataKey | None,
) -> int:
    """Each supervisor at `level` gets the digest of their unit, once per period."""
    units = {u.id: u for u in await uow.rhythm.units_at_level(level)}
    supervisors = await uow.rhythm.supervisors_of(list(units))
    rows = []
    for person in supervisors:
        unit = units[person.unit_id]
        parts = await build(uow, unit, period, now, rhythm, key)
        rows += [
            Message(
                channel="work",
                recipient=person.userid,
                text=part,
                unit_id=person.unit_id,
                dedup_key=f"digest:{level}:{person.userid}:{period.label}:{n}",
            )
            for n, part in enumerate(parts)
        ]
        chart = await _chart(uow, unit, period, now) if rhythm.charts else None
        if chart:
            rows.append(
                Message(
                    channel="work",
                    recipient=person.userid,
                    text="",
                    image_png=chart,
                    unit_id=person.unit_id,
                    dedup_key=f"digest:{level}:{person.userid}:{period.label}:png",
                )
            )
    await uow.outbox.put(rows, now)
    return len(supervisors)


async def _chart(uow: UnitOfWork, unit: OrgUnit, period: Period, now: datetime) -> bytes | None:
    grids = await uow.rhythm.grids_under(unit.path)
    counts = await uow.rhythm.ticket_counts(grids, period.start, period.end, now)
    return bar_chart(counts["new"], texts.CHART_TITLE.format(unit=unit.name))
