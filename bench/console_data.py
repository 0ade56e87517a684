"""The console bench's data: a year of tickets over the demo county, made in Python as rows
and written in bulk (sqlite3's executemany, PostgreSQL's COPY), texts sealed with the data key
as the product seals them. Ids grow with time, as they do when tickets come in."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import select

from bench.open311_data import PLACES, TEXTS, sealed
from handlers.tickets.routing import CODE_ALPHABET, CODE_LENGTH, CODE_PREFIX
from nlu.categories import CATEGORY_IDS
from storage.crypto import DataKey
from storage.db import make_engine, make_sessionmaker
from storage.models import OrgUnit, Staff

COLUMNS = [
    *("code", "source", "category", "text", "state", "urgent", "must_attend"),
    *("grid_id", "unit_id", "assignee_id", "place", "created_at", "updated_at"),
    *("accepted_at", "resolved_at", "closed_at", "level", "deadline_at", "deadline_kind"),
    *("overdue_since", "overdue_kind", "anonymised", "version"),
]
OPEN = ("new", "assigned", "accepted", "on_site", "on_site")
DONE = ("resolved", "closed", "closed", "closed", "withdrawn")
SPREAD = len(CODE_ALPHABET) ** CODE_LENGTH


def code(n: int) -> str:
    """A distinct code for each n (n × a prime, modulo the number of codes, is one to one)."""
    value, digits = (n * 7919 + 104729) % SPREAD, []
    for _ in range(CODE_LENGTH):
        value, digit = divmod(value, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[digit])
    return CODE_PREFIX + "".join(reversed(digits))


def rows(count: int, now: datetime, grids: list[tuple[int, int]], key: DataKey):
    """Ticket n filed n × (a year / count) ago, oldest first. The last week's are mostly open,
    a seventh of those late (marked late by the watcher already, its next deadline ahead, so
    a running server has nothing to escalate); older ones resolved, closed or withdrawn. One
    in 50 is not placed (the duty desk's), one in 40 urgent, one in 30 must-attend."""
    texts, places = sealed(key, TEXTS, "tickets.text"), sealed(key, PLACES, "tickets.place")
    step = timedelta(days=365) / count
    for n in range(count, 0, -1):
        at, recent = now - n * step, n < count // 52
        state = (OPEN if recent else DONE)[n % 5]
        grid, worker = grids[n % len(grids)] if n % 50 else (None, None)
        yield ticket(n, at, state, grid, worker, now, texts, places)


def ticket(
    n: int,
    at: datetime,
    state: str,
    grid: int | None,
    worker: int | None,
    now: datetime,
    texts: list[str],
    places: list[str],
) -> tuple:
    """Ticket n's values of COLUMNS, filed at `at` in `grid`, in `state` (its assignee
    `worker` unless new), with the times a ticket in that state has; open, a seventh of them
    late (see rows). One in 40 is urgent, one in 30 must-attend."""
    is_open = state in OPEN
    late = is_open and n % 7 == 0
    return (
        code(n),
        "resident",
        CATEGORY_IDS[n % len(CATEGORY_IDS)],
        texts[n % len(texts)],
        state,
        n % 40 == 0,
        n % 30 == 0,
        grid,
        grid,
        worker if state != "new" else None,
        places[n % len(places)],
        at,
        at + timedelta(hours=2),
        at + timedelta(hours=1) if state not in ("new", "assigned", "withdrawn") else None,
        at + timedelta(days=1) if state in ("resolved", "closed") else None,
        at + timedelta(days=4) if state == "closed" else None,
        1 if late else 0,
        now + timedelta(hours=1 + n % 72) if is_open else None,
        ("accept" if state in ("new", "assigned") else "resolve") if is_open else None,
        at + timedelta(hours=3) if late else None,
        "resolve" if late else None,
        False,
        1,
    )


async def grids_and_workers(url: str) -> list[tuple[int, int]]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            grids = list(await session.scalars(select(OrgUnit).where(OrgUnit.level == "grid")))
            staff = list(await session.scalars(select(Staff).order_by(Staff.id)))
    finally:
        await engine.dispose()
    workers = {}
    for member in staff:
        workers.setdefault(member.unit_id, member.id)
    return [(grid.id, workers.get(grid.id)) for grid in grids]


async def fill(url: str, data_key: str, count: int, now: datetime) -> None:
    """`count` tickets over the year before `now`, then the planner's statistics."""
    grids = await grids_and_workers(url)
    made = rows(count, now.replace(tzinfo=None), grids, DataKey.from_text(data_key))
    start = time.perf_counter()
    await write(url, made)
    print(f"    {count:,} tickets written and analysed in {time.perf_counter() - start:.1f} s")


async def write(url: str, made, columns: list[str] = COLUMNS) -> None:
    """Ticket rows (values of `columns`, in that order) written in bulk, then analysed."""
    if url.startswith("sqlite"):
        _fill_sqlite(Path(url.split("///", 1)[1]), made, columns)
    else:
        await _fill_postgresql(url.replace("+asyncpg", ""), made, columns)


def _fill_sqlite(path: Path, made, columns: list[str]) -> None:
    """As SQLAlchemy stores them in SQLite: times as text with microseconds, flags 0 or 1."""

    def stored(row: tuple) -> tuple:
        return tuple(
            value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value
            for value in row
        )

    connection = sqlite3.connect(path)
    connection.execute("PRAGMA cache_size = -1000000")  # 1 GB: the indexes stay in memory
    try:
        marks = ", ".join("?" * len(columns))
        statement = f"INSERT INTO tickets ({', '.join(columns)}) VALUES ({marks})"
        with connection:
            connection.executemany(statement, (stored(row) for row in made))
        connection.execute("ANALYZE")
    finally:
        connection.close()


async def _fill_postgresql(dsn: str, made, columns: list[str]) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.copy_records_to_table("tickets", records=made, columns=columns)
        await connection.execute("VACUUM ANALYZE tickets")
    finally:
        await connection.close()
