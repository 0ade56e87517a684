"""The Open311 bench's data: a year of tickets written inside PostgreSQL (INSERT … SELECT FROM
generate_series), each column the listing reads filled as the product fills it, and the plan
of the listing's statements (EXPLAIN ANALYZE)."""

from __future__ import annotations

import json
import time
from datetime import datetime

import asyncpg
import numpy as np
from shapely.geometry import Point, shape
from sqlalchemy import event, select, text

from bot.devkit.demo import DEMO_DATA, grid_points
from handlers import open311
from nlu.categories import CATEGORY_IDS
from storage.crypto import DataKey
from storage.db import make_engine, make_sessionmaker
from storage.models import OrgUnit, Staff
from storage.uow import UnitOfWork

RESIDENTS = 20_000
SEALED_VARIANTS = 1_000  # distinct sealed texts and places, cycled over the tickets
TEXTS = (
    "小区门口垃圾好几天没人清理",
    "路口红绿灯坏了，车辆乱成一团",
    "楼道里有人飞线充电，很危险",
    "隔壁邻居装修噪音太大，晚上十点还在施工",
    "独居老人好几天没出门了，麻烦去看看",
    "想咨询一下低保怎么申请",
    "两户人家因为停车吵起来了",
    "人行道上的井盖松动了，联系电话 13900000001",
)
PLACES = ("东关路{n}号", "清泉街道幸福里{n}号楼", "青禾大道{n}号附近", "东关社区{n}栋")

FILL_RESIDENTS = """
INSERT INTO residents (openid, grid_id, subscribed, created_at)
SELECT 'o_bench_' || n, p.grids[1 + n % cardinality(p.grids)], true, p.now - interval '2 years'
FROM (SELECT CAST(:grids AS bigint[]) AS grids, CAST(:now AS timestamp) AS now) AS p,
     generate_series(1, CAST(:count AS integer)) AS n
"""
# Ticket n was filed n × (a year / count) ago, written oldest first (ids grow with time). One
# in 50 has no grid (outside every grid: the duty desk's, no point); one in 40 is urgent, one
# in 30 must-attend. Tickets of the last week are mostly open, older ones resolved or closed;
# no deadline has passed yet (the server's watcher would escalate them during the run).
FILL_TICKETS = """
WITH p AS (
    SELECT CAST(:categories AS text[]) AS categories, CAST(:texts AS text[]) AS texts,
           CAST(:places AS text[]) AS places, CAST(:now AS timestamp) AS now,
           CAST(:count AS integer) AS count, CAST(:first_resident AS bigint) AS first_resident,
           CAST(:residents AS integer) AS residents, CAST(:county AS bigint) AS county,
           CAST(:grid_count AS integer) AS grid_count
), g AS (
    SELECT * FROM unnest(CAST(:grid_ids AS bigint[]), CAST(:staff AS bigint[]),
                         CAST(:lats AS float8[]), CAST(:lons AS float8[]))
           WITH ORDINALITY AS g(id, staff, lat, lon, k)
), filed AS (
    SELECT n, p.now - n * (interval '365 days' / p.count) AS at,
           CASE WHEN n < p.count / 52
                THEN (ARRAY['assigned','accepted','on_site','resolved','resolved'])[1 + n % 5]
                ELSE (ARRAY['resolved','closed','closed','closed','withdrawn'])[1 + n % 5]
           END AS state,
           n % 50 <> 0 AS placed
    FROM p, generate_series(p.count, 1, -1) AS n  -- the oldest first, as they came in
), t AS (
    SELECT *, state IN ('assigned', 'accepted', 'on_site') AS open FROM filed
)
INSERT INTO tickets (code, source, resident_id, category, text, state, urgent, must_attend,
                     grid_id, unit_id, assignee_id, lat, lon, place, created_at, updated_at,
                     accepted_at, resolved_at, closed_at, level, deadline_at, deadline_kind,
                     anonymised, version)
SELECT 'BENCH-' || t.n, 'resident', p.first_resident + t.n % p.residents,
       p.categories[1 + t.n % cardinality(p.categories)], p.texts[1 + t.n % cardinality(p.texts)],
       t.state, t.n % 40 = 0, t.n % 30 = 0, g.id, coalesce(g.id, p.county), g.staff,
       g.lat + (t.n % 101 - 50) * 0.00002, g.lon + (t.n % 103 - 51) * 0.00002,
       p.places[1 + t.n % cardinality(p.places)], t.at, t.at + interval '2 hours',
       CASE WHEN t.state NOT IN ('assigned', 'withdrawn') THEN t.at + interval '1 hour' END,
       CASE WHEN t.state IN ('resolved', 'closed') THEN t.at + interval '1 day' END,
       CASE WHEN t.state = 'closed' THEN t.at + interval '4 days' END,
       0, CASE WHEN t.open THEN p.now + (1 + t.n % 72) * interval '1 hour' END,
       CASE WHEN t.state = 'assigned' THEN 'accept' WHEN t.open THEN 'resolve' END,
       false, 1
FROM p CROSS JOIN t LEFT JOIN g ON t.placed AND g.k = 1 + t.n % p.grid_count
"""
FILL_ATTACHMENTS = """
INSERT INTO attachments (ticket_id, kind, url, created_at)
SELECT id, 'link', 'https://example.org/photos/' || id || '.jpg', created_at
FROM tickets WHERE code LIKE 'BENCH-%' AND id % 10 = 0
"""


def grid_areas() -> list:
    collection = json.loads((DEMO_DATA / "grids.geojson").read_text(encoding="utf-8"))
    return [shape(feature["geometry"]) for feature in collection["features"]]


def inside(area, rng: np.random.Generator) -> tuple[float, float]:
    """A random point (lon, lat) inside the area."""
    west, south, east, north = area.bounds
    while True:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if area.contains(Point(lon, lat)):
            return lon, lat


def sealed(key: DataKey, templates: tuple[str, ...], context: str) -> list[str]:
    return [
        key.seal(templates[n % len(templates)].format(n=n + 1), context)
        for n in range(SEALED_VARIANTS)
    ]


async def grids(engine) -> tuple[list[OrgUnit], dict[int, int], int]:
    """The demo's grids, a grid worker of each, and the county's id."""
    async with make_sessionmaker(engine)() as session:
        units = list(await session.scalars(select(OrgUnit).order_by(OrgUnit.id)))
        staff = list(await session.scalars(select(Staff).order_by(Staff.id)))
    workers = {}
    for member in staff:
        workers.setdefault(member.unit_id, member.id)
    county = next(unit.id for unit in units if unit.level == "county")
    return [unit for unit in units if unit.level == "grid"], workers, county


async def fill(engine, data_key: str, count: int, now: datetime) -> None:
    """`count` tickets over the year before `now`, a tenth with a linked photo, and the
    residents who filed them; each step timed."""
    found, workers, county = await grids(engine)
    ids = [unit.id for unit in found]
    stamp = now.replace(tzinfo=None)  # stored UTC, without a zone
    async with engine.begin() as connection:
        await timed(
            f"{RESIDENTS:,} residents",
            connection.execute(
                text(FILL_RESIDENTS), {"grids": ids, "now": stamp, "count": RESIDENTS}
            ),
        )
        first = await connection.scalar(text("SELECT min(id) FROM residents"))
        values = ticket_values(DataKey.from_text(data_key), found, workers, county)
        values.update(first_resident=first, now=stamp, count=count)
        await timed(f"{count:,} tickets", connection.execute(text(FILL_TICKETS), values))
        await timed("their photos", connection.execute(text(FILL_ATTACHMENTS)))
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await timed("VACUUM ANALYZE", connection.execute(text("VACUUM ANALYZE")))


def ticket_values(key: DataKey, found: list[OrgUnit], workers: dict, county: int) -> dict:
    points = grid_points()  # (lon, lat) inside each grid, by its code
    return {
        "residents": RESIDENTS,
        "categories": list(CATEGORY_IDS),
        "texts": sealed(key, TEXTS, "tickets.text"),
        "places": sealed(key, PLACES, "tickets.place"),
        "county": county,
        "grid_ids": [unit.id for unit in found],
        "staff": [workers.get(unit.id) for unit in found],
        "lats": [points[unit.code][1] for unit in found],
        "lons": [points[unit.code][0] for unit in found],
        "grid_count": len(found),
    }


async def timed(label: str, work) -> None:
    start = time.perf_counter()
    await work
    print(f"    {label}: {time.perf_counter() - start:.1f} s")


async def explain_published(url: str, data_key: str, params: dict, now: datetime) -> list[str]:
    """Run the listing as `GET requests.json` does, then EXPLAIN ANALYZE each statement it
    sent with its parameters; the plans' lines."""
    engine = make_engine(url, data_key=DataKey.from_text(data_key))
    sent: list[tuple[str, tuple]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        sent.append((statement, tuple(parameters or ())))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with make_sessionmaker(engine)() as session:
            query = open311.Query.parse(params, now)
            await open311.find_requests(UnitOfWork(session), query, None)
    finally:
        await engine.dispose()
    lines = []
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        for statement, parameters in sent:
            lines.append("-- " + " ".join(statement.split())[:300])
            plan = await connection.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *parameters)
            lines += [row[0] for row in plan]
    finally:
        await connection.close()
    return lines
