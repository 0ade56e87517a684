"""The web console's ticket list over 1,000,000 tickets, on SQLite and on PostgreSQL: the
list's use case (what `/console/tickets` runs: the counts on top, the page, the unit choices)
for the county's duty desk (who sees every ticket) with no filter and with each filter alone,
p50 and p95 of each; then the same pages over HTTP from a real `gridbot serve`; and with
`--export`, the 100,000-row CSV and XLSX exports (time, the server's memory, rows read back).
The target: p95 under 200 ms for every filter.

    .venv/bin/python bench/console_list.py                     # both databases, 1,000,000 tickets
    .venv/bin/python bench/console_list.py --tickets 100000 --only sqlite    # a quick run
    .venv/bin/python bench/console_list.py --export            # and the 100,000-row exports

Each database is the bench's own (a temporary SQLite file; a PostgreSQL database next to
`--server`, dropped at the end), migrated and seeded with the demo county as the product does.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import numpy as np
from openpyxl import load_workbook
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.console_data import code, fill  # noqa: E402
from bench.load import replicas  # noqa: E402
from bench.open311 import database, fake_wecom  # noqa: E402
from bot import console  # noqa: E402
from bot.devkit.demo import demo_settings, seed  # noqa: E402
from handlers.calendar import SHANGHAI  # noqa: E402
from handlers.console import listing, sessions  # noqa: E402
from storage.crypto import DataKey  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.models import OrgUnit, Staff  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

TARGET_MS = 200
DESK = "songlixin"  # the demo county's duty desk: every ticket is in scope
CONFIG = "[console]\nsecure_cookies = false\n"  # the bench speaks plain HTTP on loopback


async def filters(url: str, now: datetime, count: int) -> dict[str, dict[str, str]]:
    """Each filter alone, as the list's query string carries it."""
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        found = await session.execute(select(OrgUnit.level, OrgUnit.path).order_by(OrgUnit.id))
        paths = {level: path for level, path in found}  # the last unit of each level
    await engine.dispose()
    month_ago = (now - timedelta(days=30)).astimezone(SHANGHAI).date()
    return {
        "no filter": {},
        "state=on_site (few)": {"state": "on_site"},
        "state=closed (many)": {"state": "closed"},
        "category=traffic": {"category": "traffic"},
        "unit=a village": {"unit": paths["village"]},
        "unit=a grid": {"unit": paths["grid"]},
        "overdue": {"overdue": "1"},
        "urgent": {"urgent": "1"},
        "must-attend": {"must_attend": "1"},
        "a week's dates": {
            "since": month_ago.isoformat(),
            "until": (month_ago + timedelta(days=6)).isoformat(),
        },
        "q=a whole code": {"q": code(count // 2)},
        "q=a code's start": {"q": code(count // 3)[3:6].lower()},
        "q=a grid's name": {"q": paths["grid"].rsplit("/", 1)[1][:3]},
        "q=nothing found": {"q": "' OR 1=1 --"},
        "page=10**12": {"page": str(10**12)},
    }


def percentiles(seconds: list[float]) -> tuple[float, float]:
    p50, p95 = np.percentile(np.array(seconds) * 1000, [50, 95])
    return float(p50), float(p95)


async def use_case_times(sessionmaker, staff: Staff, query: dict, now: datetime, repeat: int):
    """`repeat` runs of the list's use case, each in its own unit of work as a request is
    (after one to warm up); their times and the listing's total."""
    times, total = [], 0
    for n in range(repeat + 1):
        start = time.perf_counter()
        async with UnitOfWork.opened(sessionmaker) as uow:
            found = await listing.list_tickets(uow, staff, listing.Asked.from_query(query), now)
        if n:
            times.append(time.perf_counter() - start)
        total = found.total
    return times, total


async def use_cases(url: str, data_key: str, queries: dict, now: datetime, repeat: int):
    engine = make_engine(url, data_key=DataKey.from_text(data_key))
    sessionmaker = make_sessionmaker(engine)
    try:
        async with sessionmaker() as session:
            staff = await session.scalar(select(Staff).where(Staff.userid == DESK))
        return {
            label: await use_case_times(sessionmaker, staff, query, now, repeat)
            for label, query in queries.items()
        }
    finally:
        await engine.dispose()


async def signed_in_session(url: str, settings, base: str) -> aiohttp.ClientSession:
    """A browser session of the duty desk on the server at `base` (its one-time link made
    here, as `控制台` makes it, and spent by pressing the login page's button)."""
    engine = make_engine(url)
    async with UnitOfWork.opened(make_sessionmaker(engine)) as uow:
        staff = await uow.people.staff(DESK)
        link = sessions.issue_link(uow, staff, console.links(settings), datetime.now(UTC))
        await uow.commit()
    await engine.dispose()
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    token = link.split("token=", 1)[1]
    async with http.post(f"{base}/console/login", data={"token": token}) as answer:
        assert answer.status == 200 and answer.url.path == "/console/tickets", answer.status
    return http


async def http_times(http, base: str, query: dict, repeat: int) -> list[float]:
    times = []
    for n in range(repeat + 1):
        start = time.perf_counter()
        async with http.get(f"{base}/console/tickets", params=query) as answer:
            await answer.read()
            assert answer.status == 200, answer.status
        if n:
            times.append(time.perf_counter() - start)
    return times


async def exports(http, base: str, query: dict) -> list[str]:
    """The two files of up to 100,000 rows: time, rows read back, the server's RSS growth."""
    lines = []
    for kind in ("csv", "xlsx"):
        with tempfile.TemporaryFile() as body:
            start = time.perf_counter()
            async with http.get(f"{base}/console/tickets.{kind}", params=query) as answer:
                assert answer.status == 200, (answer.status, await answer.text())
                async for chunk in answer.content.iter_chunked(256 * 1024):
                    body.write(chunk)
            took = time.perf_counter() - start
            size = body.tell()
            body.seek(0)
            if kind == "csv":
                count = sum(1 for _ in csv.reader(io.TextIOWrapper(body, "utf-8-sig"))) - 1
            else:
                book = load_workbook(body, read_only=True)
                count = sum(1 for _ in book.active.iter_rows(values_only=True)) - 1
        lines.append(f"{kind}: {count:,} rows, {size / 2**20:.1f} MB in {took:.1f} s")
    return lines


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):  # the peak resident set
            return int(line.split()[1]) / 1024
    return 0.0


@asynccontextmanager
async def prepared(kind: str, server: str, count: int, keep: Path | None):
    """A migrated, seeded, filled database of this kind; its URL, settings and `now`."""
    if kind == "sqlite" and keep:
        yield await _kept(keep, count)
    elif kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            yield await _filled(url, count)
    else:
        async with database(server, keep=False) as url:
            yield await _filled(url, count)


async def _kept(path: Path, count: int):
    """The SQLite file at `path`, filled once and then reused (its data key and `now` kept
    beside it), since writing a million tickets into SQLite takes minutes."""
    kept = path.with_suffix(".json")
    url = f"sqlite+aiosqlite:///{path.resolve()}"
    if not kept.exists():
        _url, settings, now = await _filled(url, count)
        kept.write_text(json.dumps({"key": settings.data_key, "now": now.isoformat()}))
    saved = json.loads(kept.read_text())
    settings = replace(demo_settings(url, "http://127.0.0.1:1"), data_key=saved["key"])
    return url, settings, datetime.fromisoformat(saved["now"])


async def _filled(url: str, count: int):
    started = time.perf_counter()
    await seed(url)
    settings = demo_settings(url, "http://127.0.0.1:1")
    now = datetime.now(UTC)
    await fill(url, settings.data_key, count, now)
    print(f"    ready in {time.perf_counter() - started:.1f} s")
    return url, settings, now


def table(kind: str, measured: dict, over_http: dict) -> bool:
    print(f"\n{kind}: the duty desk's list (every ticket in scope)")
    print(f"{'filter':<24}{'total':>10}{'p50 ms':>9}{'p95 ms':>9}  {'HTTP p50':>9}{'p95':>7}")
    met = True
    for label, (times, total) in measured.items():
        p50, p95 = percentiles(times)
        met &= p95 < TARGET_MS
        web = over_http.get(label)
        shown = "{:9.1f}{:7.1f}".format(*percentiles(web)) if web else ""
        mark = "" if p95 < TARGET_MS else "  over target"
        print(f"{label:<24}{total:>10,}{p50:>9.1f}{p95:>9.1f}  {shown}{mark}")
    return met


async def run(kind: str, args) -> bool:
    print(f"{kind}: {args.tickets:,} tickets")
    async with prepared(kind, args.server, args.tickets, args.keep_sqlite) as (url, settings, now):
        queries = await filters(url, now, args.tickets)
        measured = await use_cases(url, settings.data_key, queries, now, args.repeat)
        over_http = {}
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "gridbot.toml"
            config.write_text(CONFIG)
            async with fake_wecom(settings) as served, replicas(served, 1, config) as found:
                (base,), (pid,) = found
                http = await signed_in_session(url, settings, base)
                async with http:
                    for label in ("no filter", "category=traffic", "q=a whole code"):
                        over_http[label] = await http_times(http, base, queries[label], 20)
                    met = table(kind, measured, over_http)
                    if args.export:
                        before = rss_mb(pid)
                        since = _days_ago(now, args.tickets, 99_000)
                        for line in await exports(http, base, {"since": since}):
                            print(f"    export {line}")
                        after = rss_mb(pid)
                        print(f"    serve's peak RSS {before:.0f} MB before, {after:.0f} MB after")
    return met


def _days_ago(now: datetime, count: int, wanted: int) -> str:
    """A `since` that leaves somewhat fewer than `wanted` of `count` tickets over a year."""
    days = min(365, 365 * wanted // count) - 1
    return (now - timedelta(days=days)).astimezone(SHANGHAI).date().isoformat()


async def main(args) -> bool:
    met = True
    for kind in args.only or ("sqlite", "postgresql"):
        met &= await run(kind, args)
    print(f"\np95 under {TARGET_MS} ms for every filter: {'met' if met else 'NOT MET'}")
    return met


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20, help="runs of each filter")
    parser.add_argument("--only", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--export", action="store_true", help="the 100,000-row exports too")
    parser.add_argument("--keep-sqlite", type=Path, help="SQLite file to fill once and reuse")
    sys.exit(0 if asyncio.run(main(parser.parse_args())) else 1)
