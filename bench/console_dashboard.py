"""The console's 三率 dashboard over 1,000,000 tickets, on SQLite and on PostgreSQL: the time
of the whole page's data (handlers.console.dashboard.board — the rates by unit and month, the
categories by week, patrols and visits, overdue, 苗头) for the county's duty desk (every ticket
in scope), a township's and a village's supervisor. Target: under 1 s.

    .venv/bin/python bench/console_dashboard.py                    # both, 1,000,000 tickets
    .venv/bin/python bench/console_dashboard.py --tickets 100000 --only sqlite   # a quick run

Each database is the bench's own (a temporary SQLite file; a PostgreSQL database next to
`--server`, dropped at the end), migrated and seeded with the demo county as the product does.
The tickets are bench/open311_data.py's year of tickets: written inside PostgreSQL by
INSERT … SELECT FROM generate_series, and for SQLite the same rows built here and inserted in
one transaction. Every ticket carries the deadline watch's `late_kinds` fact as the product
writes it (`[]`: never late); with `--legacy` none does, as tickets from before migration 0016,
and every rate is timed from the stamps: the dearer path.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.open311 import database  # noqa: E402
from bench.open311_data import fill, grids, ticket_values  # noqa: E402
from bot.devkit.demo import demo_settings, seed  # noqa: E402
from handlers.calendar import Rhythm  # noqa: E402
from handlers.console.dashboard import board  # noqa: E402
from handlers.policy import Policy  # noqa: E402
from storage.crypto import DataKey  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.models import Staff  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

TARGET_S = 1.0
VISITORS = {
    "songlixin": "county duty desk (every ticket)",
    "chenzhiqiang": "township supervisor (清泉街道)",
    "zhouhaitao": "village supervisor (东关社区)",
}
OPEN = ("assigned", "accepted", "on_site")


def sqlite_rows(values: dict, count: int, now: datetime, late_kinds: str | None):
    """FILL_TICKETS' rows (bench/open311_data.py), built in Python for SQLite."""
    stamp = now.replace(tzinfo=None)
    grid_count = values["grid_count"]
    for n in range(count, 0, -1):
        at = stamp - n * (timedelta(days=365) / count)
        recent = n < count // 52
        states = ("assigned", "accepted", "on_site", "resolved", "resolved")
        state = (states if recent else ("resolved", "closed", "closed", "closed", "withdrawn"))[
            n % 5
        ]
        placed = n % 50 != 0
        k = n % grid_count
        grid = values["grid_ids"][k] if placed else None
        is_open = state in OPEN
        yield (
            f"BENCH-{n}",
            "resident",
            values["categories"][n % len(values["categories"])],
            values["texts"][n % len(values["texts"])],
            state,
            n % 40 == 0,
            n % 30 == 0,
            grid,
            grid if placed else values["county"],
            values["staff"][k] if placed else None,
            values["lats"][k] + (n % 101 - 50) * 0.00002 if placed else None,
            values["lons"][k] + (n % 103 - 51) * 0.00002 if placed else None,
            values["places"][n % len(values["places"])],
            _text(at),
            _text(at + timedelta(hours=2)),
            _text(at + timedelta(hours=1)) if state not in ("assigned", "withdrawn") else None,
            _text(at + timedelta(days=1)) if state in ("resolved", "closed") else None,
            _text(at + timedelta(days=4)) if state == "closed" else None,
            _text(stamp + (1 + n % 72) * timedelta(hours=1)) if is_open else None,
            "accept" if state == "assigned" else ("resolve" if is_open else None),
            late_kinds,
        )


def _text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


INSERT = """
INSERT INTO tickets (code, source, category, text, state, urgent, must_attend, grid_id,
                     unit_id, assignee_id, lat, lon, place, created_at, updated_at,
                     accepted_at, resolved_at, closed_at, deadline_at, deadline_kind,
                     late_kinds, level, anonymised, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 1)
"""


async def fill_sqlite(
    url: str, path: Path, data_key: str, count: int, now: datetime, legacy: bool = False
) -> None:
    engine = make_engine(url)
    try:
        found, workers, county = await grids(engine)
    finally:
        await engine.dispose()
    values = ticket_values(DataKey.from_text(data_key), found, workers, county)
    started = time.perf_counter()
    with sqlite3.connect(path) as connection:
        late_kinds = None if legacy else "[]"
        connection.executemany(INSERT, sqlite_rows(values, count, now, late_kinds))
    with sqlite3.connect(path) as connection:
        connection.execute("ANALYZE")
    print(f"    {count:,} tickets: {time.perf_counter() - started:.1f} s")


async def timed_boards(url: str, data_key: str, now: datetime, repeat: int) -> bool:
    engine = make_engine(url, data_key=DataKey.from_text(data_key))
    policy, rhythm = Policy(), Rhythm()
    met = True
    try:
        sessions = make_sessionmaker(engine)
        for userid, label in VISITORS.items():
            times = []
            for n in range(repeat + 1):  # the first one warms the caches up
                async with sessions() as session:
                    uow = UnitOfWork(session)
                    staff = await session.scalar(select(Staff).where(Staff.userid == userid))
                    start = time.perf_counter()
                    shown = await board(uow, staff, now, policy, rhythm)
                    if n:
                        times.append(time.perf_counter() - start)
            ok = max(times) < TARGET_S
            met &= ok
            tickets = sum(r.total.tickets + r.total.withdrawn for r in shown.rates)
            print(
                f"  {label:<34} median {statistics.median(times) * 1000:6.0f} ms  "
                f"max {max(times) * 1000:6.0f} ms  ({tickets:,} tickets in the months shown, "
                f"{len(shown.signals)} 苗头)  under {TARGET_S:.0f} s: {'met' if ok else 'NOT MET'}"
            )
    finally:
        await engine.dispose()
    return met


async def on_sqlite(args, now: datetime) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        settings = demo_settings(url, "http://127.0.0.1:1")
        await seed(url)
        await fill_sqlite(url, path, settings.data_key, args.tickets, now, args.legacy)
        print(f"SQLite {sqlite3.sqlite_version}, {args.tickets:,} tickets:")
        return await timed_boards(url, settings.data_key, now, args.repeat)


async def with_late_kinds(engine) -> None:
    """`late_kinds` as the product writes it (never late), then VACUUM ANALYZE again."""
    started = time.perf_counter()
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE tickets SET late_kinds = CAST('[]' AS json)"))
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE tickets"))
    print(f"    late_kinds and VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")


async def on_postgresql(args, now: datetime) -> bool:
    async with database(args.server, keep=False) as url:
        settings = demo_settings(url, "http://127.0.0.1:1")
        await seed(url)
        engine = make_engine(url)
        try:
            await fill(engine, settings.data_key, args.tickets, now)
            if not args.legacy:
                await with_late_kinds(engine)
        finally:
            await engine.dispose()
        print(f"PostgreSQL, {args.tickets:,} tickets:")
        return await timed_boards(url, settings.data_key, now, args.repeat)


async def main(args) -> bool:
    now = datetime.now(UTC)
    met = True
    if args.only in (None, "sqlite"):
        met &= await on_sqlite(args, now)
    if args.only in (None, "postgresql"):
        met &= await on_postgresql(args, now)
    return met


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="boards timed per visitor")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--legacy", action="store_true", help="no late_kinds: rates timed")
    sys.exit(0 if asyncio.run(main(parser.parse_args())) else 1)
