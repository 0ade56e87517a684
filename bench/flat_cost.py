"""Cost as the data grows: gridbot's CPU ms per routed report and its reply latency, against
one `gridbot serve` replica, (a) with 0, 10,000 and 100,000 open tickets already in the grid
where the residents stand, and (b) with 1, 100 and 10,000 grids in the org.

    .venv/bin/python bench/flat_cost.py                 # SQLite, 1,000 reports at 50/s a point
    .venv/bin/python bench/flat_cost.py --postgres      # PostgreSQL (127.0.0.1:5432)
    .venv/bin/python bench/flat_cost.py --tickets 0 100000 --grids   # only some points

The org is a county made for the run (bench/console_map.py's tiling), as wide at every point
(about 27 km × 33 km) and cut into 1, 100 or 10,000 grids, each with a grid worker, imported
as the product imports grids and staff. The residents stand on a lattice over the whole
county, about 2 km apart, four of them (one of each kind of report) at each point; each
sends one report of a distinct text. In (a) the county is one grid, and the open tickets are
written in bulk before the server starts (bench/console_data.py's writer), spread at random
over it, of every category, filed over the last week (a third of them inside the 48 hours in
which a report is linked to one), assigned to its grid worker: each report is checked against
them (the 200 m link check), and joins one of its kind within 200 m if there is one, else
opens its own ticket. The CPU is measured as bench/load.py does: the serve process's, the
SQLite driver's thread included, divided by the reports; the run ends when every WeCom notice
has been sent.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import math
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.console_data import COLUMNS, grids_and_workers, ticket, write  # noqa: E402
from bench.console_map import ORIGIN, county  # noqa: E402
from bench.load import (  # noqa: E402
    REPORTS,
    fresh_service,
    measure,
    outbox_drained,
    place_residents,
    replicas,
)
from bench.open311_data import PLACES, TEXTS, sealed  # noqa: E402
from bot.devkit.demo import DEMO_DATA_KEY, seed  # noqa: E402
from storage.crypto import DataKey  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import Resident, TicketEvent  # noqa: E402

SPAN = 0.3  # degrees: the county's width and height, about 27 km × 33 km
MARGIN = 0.01  # degrees (about 1 km): residents and tickets stay this far inside its border
OPEN = ("assigned", "accepted", "on_site")  # not "new": the sweeper would route those anew
FILED_OVER = timedelta(days=7)
RESIDENTS = 20_000  # who filed the open tickets, five each at 100,000
TICKETS = (0, 10_000, 100_000)
GRIDS = (1, 100, 10_000)


def org_files(folder: Path, side: int) -> None:
    """A county of side × side grids, a grid worker in each, a supervisor and a duty desk for
    the county, as the importer reads them (no routes, places or households)."""
    features = [
        {
            "type": "Feature",
            "properties": {
                "code": f"FC-{grid:05d}",
                "name": f"第{grid + 1}网格",
                "county": "青禾县",
                "township": f"第{grid // 1000 + 1}镇",
                "village": f"第{grid // 25 + 1}村",
            },
            "geometry": polygon,
        }
        for grid, polygon in county(side, SPAN / side)
    ]
    (folder / "grids.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    with (folder / "staff.csv").open("w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(["userid", "name", "phone", "role", "unit"])
        rows.writerow(["fc_supervisor", "县督办员", "13700000001", "supervisor", "青禾县"])
        rows.writerow(["fc_duty", "县值班员", "13700000002", "duty", "青禾县"])
        for grid in range(side * side):
            rows.writerow(
                [
                    f"fc_gw{grid}",
                    f"网格员{grid}",
                    f"136{grid:08d}",
                    "grid_worker",
                    f"FC-{grid:05d}",
                ]
            )
    (folder / "routes.csv").write_text("unit,category,role\n", encoding="utf-8")
    (folder / "places.csv").write_text("name,grid\n", encoding="utf-8")
    (folder / "households.csv").write_text(
        "code,grid,address,head_name,phone,id_number,members,tags,note\n", encoding="utf-8"
    )


def standing_points(count: int) -> list[tuple[float, float]]:
    """Where resident n stands (lon, lat): on a lattice over the county, a point for each
    kind of report (resident n sends REPORTS[n % 4], as bench/load.py's report_text has it)."""
    kinds = len(REPORTS)
    across = math.ceil(math.sqrt(math.ceil(count / kinds)))
    step = (SPAN - 2 * MARGIN) / across
    lattice = [
        (ORIGIN[0] + MARGIN + (i + 0.5) * step, ORIGIN[1] + MARGIN + (j + 0.5) * step)
        for j in range(across)
        for i in range(across)
    ]
    return [lattice[n // kinds] for n in range(count)]


async def reporters(url: str, grid: int, now: datetime) -> int:
    """RESIDENTS residents of the grid who filed the open tickets; the first one's id."""
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(Resident),
                [
                    {"openid": f"o_seed_{n}", "grid_id": grid, "created_at": now}
                    for n in range(RESIDENTS)
                ],
            )
            return await connection.scalar(select(func.min(Resident.id)))
    finally:
        await engine.dispose()


def open_tickets(
    count: int, now: datetime, grid: int, worker: int, first_resident: int, key: DataKey
):
    """`count` open tickets of the grid, oldest first, at random places over the county,
    filed over the week before `now` by RESIDENTS residents in turn, each as console_data's
    `ticket` makes one (every category in turn, a seventh late, deadlines ahead)."""
    texts, places = sealed(key, TEXTS, "tickets.text"), sealed(key, PLACES, "tickets.place")
    rng = random.Random(17)
    for n in range(count, 0, -1):
        at = now - FILED_OVER * n / count
        values = ticket(n, at, OPEN[n % len(OPEN)], grid, worker, now, texts, places)
        yield (
            *values,
            ORIGIN[1] + rng.uniform(MARGIN, SPAN - MARGIN),
            ORIGIN[0] + rng.uniform(MARGIN, SPAN - MARGIN),
            first_resident + n % RESIDENTS,
        )


def seeding(side: int, tickets: int):
    """What fresh_service seeds: the county, then the open tickets of its first grid."""

    async def seeded(url: str) -> None:
        with tempfile.TemporaryDirectory() as folder:
            org_files(Path(folder), side)
            await seed(url, Path(folder))
        if tickets:
            grid, worker = (await grids_and_workers(url))[0]
            now = datetime.now(UTC)
            first = await reporters(url, grid, now)
            key = DataKey.from_text(DEMO_DATA_KEY)
            made = open_tickets(tickets, now.replace(tzinfo=None), grid, worker, first, key)
            await write(url, made, [*COLUMNS, "lat", "lon", "resident_id"])

    return seeded


async def events(url: str, action: str) -> int:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(
                select(func.count()).where(TicketEvent.action == action)
            )
    finally:
        await engine.dispose()


async def point(args, side: int, tickets: int) -> dict:
    """One setting's figures: the residents placed by a replica of their own, then their
    reports sent to a fresh one, measured."""
    seeded = fresh_service(args.postgres, seeding(side, tickets))
    async with seeded as (url, settings, config, fake):
        async with replicas(settings, 1, config) as (bases, _):
            points = standing_points(args.reports)
            await place_residents(bases, settings, args.reports, args.concurrency, points)
            await outbox_drained(url)
        linked_before = await events(url, "duplicate")
        run = SimpleNamespace(
            postgres=args.postgres, seconds=args.reports / args.rate, concurrency=args.concurrency
        )
        async with replicas(settings, 1, config) as (bases, pids):
            figures = await measure(url, bases, pids, settings, fake, args.rate, run)
        figures["linked"] = await events(url, "duplicate") - linked_before
    return figures


def row(label: str, figures: dict) -> str:
    cpu = figures["cpu_ms"]
    return (
        f"{label:<24} {cpu.get('gridbot', 0.0):>9.2f} {figures['p50_ms']:>8.1f} "
        f"{figures['p99_ms']:>8.1f} {figures['per_second']:>10.1f} "
        f"{cpu.get('postgres', 0.0):>9.2f}   {figures['sent']:>5} {figures['tickets']:>5} "
        f"{figures['linked']:>5} "
        f"{figures['failed'] + figures['errors']:>5}"
        + ("" if kept(figures) else "   guarantees BROKEN: " + str(figures["guarantees"]))
    )


def kept(figures: dict) -> bool:
    """Every acknowledged report stored, every ticket of the run one WeCom notice."""
    found = figures["guarantees"]
    return not found["unstored"] and not found["not_notified_once"]


HEADER = (
    f"{'setting':<24} {'CPU ms':>9} {'p50 ms':>8} {'p99 ms':>8} {'reports/s':>10} "
    f"{'db CPU ms':>9}   {'sent':>5} {'own':>5} {'link':>5} {'fail':>5}"
)


def chart(path: Path, kind: str, by_tickets: dict, by_grids: dict, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(10, 7), sharey="row")
    series = (("open tickets in the grid", by_tickets, "symlog"), ("grids", by_grids, "log"))
    for column, (name, found, scale) in enumerate(series):
        xs = sorted(found)
        if not xs:
            continue
        top, bottom = axes[0][column], axes[1][column]
        top.plot(xs, [found[x]["cpu_ms"]["gridbot"] for x in xs], "o-", label="gridbot serve")
        if args.postgres:
            top.plot(
                xs, [found[x]["cpu_ms"].get("postgres", 0) for x in xs], "s--", label="PostgreSQL"
            )
        bottom.plot(xs, [found[x]["p50_ms"] for x in xs], "o-", label="p50")
        bottom.plot(xs, [found[x]["p99_ms"] for x in xs], "s-", label="p99")
        for axis in (top, bottom):
            if scale == "symlog":
                axis.set_xscale("symlog", linthresh=1000)
            else:
                axis.set_xscale("log")
            axis.set_xticks(xs, [f"{x:,}" for x in xs])
            axis.grid(True, alpha=0.3)
            axis.legend()
        bottom.set_xlabel(name)
    for axis in axes.flat:  # once every curve is drawn: the rows share their scale
        axis.set_ylim(bottom=0)
    axes[0][0].set_ylabel("CPU ms per report")
    axes[1][0].set_ylabel("reply latency, ms")
    figure.suptitle(
        f"gridbot, one replica, {kind}: {args.reports:,} reports at {args.rate:g}/s a point"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    print(f"chart: {path}")


async def explain(args) -> None:
    """The report path's statements that read the open tickets (the 200 m link check, the
    least busy assignee) over `--explain` open tickets: each one's plan, and its time."""
    from sqlalchemy import event

    from bench.load import database
    from handlers.tickets.routing import FALLBACK_ROLES
    from storage.db import make_sessionmaker
    from storage.uow import UnitOfWork

    kind = "PostgreSQL" if args.postgres else "SQLite"
    with tempfile.TemporaryDirectory() as folder:
        url, drop = await database(args.postgres, folder)
        try:
            await seeding(1, args.explain)(url)
            grid, _ = (await grids_and_workers(url))[0]
            engine = make_engine(url, data_key=DataKey.from_text(DEMO_DATA_KEY))
            sent: list[tuple[str, object]] = []

            def capture(_conn, _cursor, statement, parameters, _context, _many):
                sent.append((statement, parameters))

            lon, lat = standing_points(4)[0]
            dlat = 200 / 111_320
            dlon = dlat / math.cos(math.radians(lat))
            box = (lat - dlat, lat + dlat, lon - dlon, lon + dlon)
            since = datetime.now(UTC) - timedelta(hours=48)
            calls = {
                "open_nearby": lambda uow: uow.tickets.open_nearby(
                    "environment", other_than=None, since=since, box=box
                ),
                "least_busy": lambda uow: uow.people.least_busy([grid], FALLBACK_ROLES),
            }
            print(f"{kind}, {args.explain:,} open tickets in the grid")
            async with make_sessionmaker(engine)() as session:
                uow = UnitOfWork(session)
                for name, call in calls.items():
                    await call(uow)  # warm
                    start = time.perf_counter()
                    for _ in range(20):
                        found = await call(uow)
                    took = (time.perf_counter() - start) / 20 * 1000
                    event.listen(engine.sync_engine, "before_cursor_execute", capture)
                    await call(uow)
                    event.remove(engine.sync_engine, "before_cursor_execute", capture)
                    statement, parameters = sent.pop()
                    print(f"-- {name}: {took:.2f} ms a call, {len(found)} found")
                    print("   " + " ".join(statement.split())[:400])
                    prefix = "EXPLAIN ANALYZE " if args.postgres else "EXPLAIN QUERY PLAN "
                    connection = await session.connection()
                    plan = await connection.exec_driver_sql(prefix + statement, parameters)
                    for line in plan:
                        print("   ", line[-1])
            await engine.dispose()
        finally:
            await drop()


async def main(args) -> None:
    if args.explain is not None:
        await explain(args)
        return
    kind = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{kind}, one replica, {args.reports:,} reports at {args.rate:g}/s a point")
    found: dict[tuple[int, int], dict] = {}
    wanted = [(1, t) for t in args.tickets] + [(g, 0) for g in args.grids]
    lines = []
    for grids, tickets in dict.fromkeys(wanted):
        label = f"{grids:,} grid(s), {tickets:,} open"
        print(f"  {label} ...", flush=True)
        found[grids, tickets] = await point(args, round(math.sqrt(grids)), tickets)
        lines.append(row(label, found[grids, tickets]))
    print(HEADER)
    print("\n".join(lines))
    by_tickets = {t: found[1, t] for t in args.tickets}
    by_grids = {g: found[g, 0] for g in args.grids}
    chart(args.chart, kind, by_tickets, by_grids, args)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--reports", type=int, default=1000, help="reports a point (residents)")
    parser.add_argument("--rate", type=float, default=50.0, help="offered reports a second")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--tickets", type=int, nargs="*", default=list(TICKETS))
    parser.add_argument(
        "--grids", type=int, nargs="*", default=list(GRIDS), help="square numbers (a side²)"
    )
    parser.add_argument("--chart", type=Path, default=Path("/tmp/flat_cost.png"))
    parser.add_argument(
        "--explain",
        type=int,
        metavar="TICKETS",
        help="no run: the plans and times of the statements reading the open tickets",
    )
    asyncio.run(main(parser.parse_args()))
