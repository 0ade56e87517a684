"""Benchmark of the scheduler's heavy jobs, on PostgreSQL:
patrol reminders for 20,000 grid workers, and a digest over 1,000,000 tickets.

    .venv/bin/python bench/schedules.py [postgresql://postgres@127.0.0.1:5432/test]

It creates a database of its own next to the one named, and drops it at the end.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.devkit.demo import seed  # noqa: E402
from handlers.calendar import Rhythm  # noqa: E402
from handlers.rhythm import (
    digests,  # noqa: E402
    patrols,  # noqa: E402
)
from storage.crypto import DataKey, new_key  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.models import OrgUnit, OutboxMessage  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

WORKERS = 20_000
TICKETS = 1_000_000
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

FILL_STAFF = """
INSERT INTO staff (userid, name, phone, role, unit_id, active)
SELECT 'bench' || n, '网格员' || n, '13800000000', 'grid_worker',
       (SELECT id FROM org_units WHERE level = 'grid' ORDER BY id LIMIT 1 OFFSET n % 5), true
FROM generate_series(1, :count) AS n
"""
FILL_TICKETS = """
INSERT INTO tickets (code, source, category, text, state, urgent, must_attend, grid_id, unit_id,
                     created_at, updated_at, accepted_at, resolved_at, level, deadline_at,
                     deadline_kind, version)
SELECT 'B-' || n, 'resident',
       (ARRAY['environment','traffic','public_security','dispute_mediation','info_collection',
              'special_population','legal_service','public_service'])[1 + n % 8],
       :text, (ARRAY['assigned','accepted','resolved','closed'])[1 + n % 4],
       false, false, g.id, g.id,
       TIMESTAMP '2026-11-26 10:00' - (n % 720) * INTERVAL '1 hour',
       TIMESTAMP '2026-11-26 10:00' - (n % 720) * INTERVAL '1 hour',
       CASE WHEN n % 4 > 0 THEN TIMESTAMP '2026-11-26 09:00' - (n % 700) * INTERVAL '1 hour' END,
       CASE WHEN n % 4 > 1 THEN TIMESTAMP '2026-11-26 08:00' - (n % 600) * INTERVAL '1 hour' END,
       0, TIMESTAMP '2026-11-26 10:00' - (n % 48) * INTERVAL '1 hour', 'resolve', 1
FROM generate_series(1, :count) AS n
JOIN LATERAL (SELECT id FROM org_units WHERE level = 'grid' ORDER BY id
              LIMIT 1 OFFSET n % 5) AS g ON true
"""


async def timed(label: str, work) -> float:
    start = time.perf_counter()
    await work()
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.2f} s")
    return seconds


async def run(server: str) -> None:
    name = f"gridbot_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = "postgresql+asyncpg://" + server.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name
    key = DataKey.from_text(new_key())
    engine = make_engine(url, data_key=key)
    try:
        await seed(url)
        sealed = key.seal("虚构的反映内容", "tickets.text")  # one sealed text for every row
        async with engine.begin() as connection:
            await connection.execute(text(FILL_STAFF), {"count": WORKERS})
            await connection.execute(text(FILL_TICKETS), {"count": TICKETS, "text": sealed})
            await connection.execute(text("ANALYZE"))
        sessions = make_sessionmaker(engine)

        async def remind():
            async with sessions() as session:
                await patrols.remind(UnitOfWork(session), NOW, 0)
                await session.commit()

        await timed(f"patrol reminders for {WORKERS} workers enqueued", remind)
        async with sessions() as session:
            queued = await session.scalar(select(func.count(OutboxMessage.id)))
        print(f"  outbox rows: {queued}")

        async def digest():
            async with sessions() as session:
                county = await session.scalar(select(OrgUnit).where(OrgUnit.level == "county"))
                parts = await digests.build(
                    UnitOfWork(session), county, digests.week_period(NOW), NOW, Rhythm(), None
                )
                print("  " + parts[0].splitlines()[1])

        await timed(f"county digest over {TICKETS} tickets", digest)
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(
        run(sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/test")
    )
