"""Open311 benchmark on PostgreSQL, against a real `gridbot serve` process:

1. reads: `GET requests.json` for a 90-day window over 1,000,000 tickets spread over a year,
   its first (newest) 1,000, unkeyed (public data) and with a key (full precision);
2. writes: `POST requests.json` form-encoded with a key at an offered 100/s, then a check in
   the database that every 200 became exactly one ticket (the exit status is 1 if not).

    .venv/bin/python bench/open311.py                   # 1,000,000 tickets, 50 reads, 100/s x 30 s
    .venv/bin/python bench/open311.py --tickets 50000 --seconds 10   # a quick run
    .venv/bin/python bench/open311.py --profile         # where serve's time goes (pyinstrument)
    .venv/bin/python bench/open311.py --explain         # the listing's plan, EXPLAIN ANALYZE

It makes a database of its own next to `--server` (dropped at the end unless `--keep`), migrated
and seeded as the product does; the tickets are written inside PostgreSQL (INSERT … SELECT FROM
generate_series), their texts sealed with the data key like the product's. The WeCom API the
filed tickets notify is the local fake.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import asyncpg
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import (  # noqa: E402
    cpu_seconds,
    machine_seconds,
    outbox_drained,
    postgres_pids,
    replicas,
    report,
)
from bench.open311_data import explain_published, fill, grid_areas, inside  # noqa: E402
from bot.cli import open311 as keys  # noqa: E402
from bot.devkit.demo import demo_settings, seed, serving  # noqa: E402
from bot.devkit.fake_wechat import FakeWeChat  # noqa: E402
from nlu.categories import CATEGORY_IDS  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402

ZONE = timezone(timedelta(hours=8))
TARGET_MS = 300
TARGETED = ("90-day window, unkeyed (public)", "90-day window, keyed (full precision)")
CONFIG = (
    '[quiet]\nfrom = "00:00"\nuntil = "00:00"\n'
    "[limits]\nper_minute = 100000\nburst = 100000\n"
    "[open311]\nper_minute = 1000000\n"  # nothing held by the rate limits
)
DESCRIPTIONS = (
    "小区门口垃圾好几天没人清理",
    "路口红绿灯坏了，车辆乱成一团",
    "人行道上的井盖松动了",
    "公园里的路灯晚上不亮",
)


@asynccontextmanager
async def database(server: str, keep: bool):
    """A database of the bench's own next to `server`; its SQLAlchemy URL."""
    name = f"gridbot_open311_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    host = server.split("://", 1)[1].rsplit("/", 1)[0]
    try:
        yield f"postgresql+asyncpg://{host}/{name}"
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def prepared(url: str, settings, tickets: int) -> tuple[str, datetime]:
    """Migrate and seed, fill the tickets, make a key; the key and the time the tickets end."""
    started = time.perf_counter()
    await seed(url)
    print(f"migrated and seeded with the demo county in {time.perf_counter() - started:.1f} s")
    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        await fill(engine, settings.data_key, tickets, now)
        async with make_sessionmaker(engine)() as session:
            key = await keys.add(session, "bench", None)
    finally:
        await engine.dispose()
    print(f"ready in {time.perf_counter() - started:.1f} s")
    return key, now


def window(now: datetime, days: int = 90) -> dict[str, str]:
    """start_date and end_date of the last `days` days, as the spec writes them (+08:00)."""
    end = now.astimezone(ZONE).replace(microsecond=0)
    return {"start_date": (end - timedelta(days=days)).isoformat(), "end_date": end.isoformat()}


def percentiles(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms  (max {ms.max():.1f})"


async def timed_reads(http, url: str, params: dict, repeat: int) -> tuple[list[float], int]:
    """`repeat` GETs one after the other (after two to warm up); their times and the count
    of requests the last one listed."""
    times, listed = [], 0
    for n in range(repeat + 2):
        start = time.perf_counter()
        async with http.get(url, params=params) as answer:
            body = await answer.read()
            assert answer.status == 200, body[:300]
        if n >= 2:
            times.append(time.perf_counter() - start)
        listed = body.count(b'"service_request_id"') or body.count(b"<service_request_id>")
    return times, listed


def read_runs(key: str, now: datetime) -> dict[str, tuple[str, dict]]:
    """What each kind of GET asks: its format and its parameters."""
    last_90 = window(now)
    return {
        TARGETED[0]: ("json", last_90),
        TARGETED[1]: ("json", {**last_90, "api_key": key}),
        "default window (last 90 days), unkeyed": ("json", {}),
        "90-day window, open only, unkeyed": ("json", {**last_90, "status": "open"}),
        "90-day window, page 50 of 1,000, unkeyed": ("json", {**last_90, "page": "50"}),
        "90-day window, unkeyed": ("xml", last_90),
    }


async def reads(base: str, pid: int, key: str, now: datetime, repeat: int) -> None:
    async with aiohttp.ClientSession() as http:
        for label, (kind, params) in read_runs(key, now).items():
            url = f"{base}/open311/v2/requests.{kind}"
            cpu = cpu_seconds(pid)
            times, listed = await timed_reads(http, url, params, repeat)
            cpu = (cpu_seconds(pid) - cpu) * 1000 / (repeat + 2)
            verdict = ""
            if label in TARGETED:
                met = max(times) * 1000 < TARGET_MS
                verdict = f"; every one under {TARGET_MS} ms: {'met' if met else 'NOT MET'}"
            print(f"GET requests.{kind}, {label:<42} {listed:>5} listed  {percentiles(times)}")
            print(f"    serve CPU {cpu:.1f} ms a GET{verdict}")


def forms(key: str, count: int) -> list[dict[str, str]]:
    """`count` filings with distinct descriptions, at points spread over the grids (every
    tenth with `service_code=auto`, classified as a WeChat report is)."""
    rng = np.random.default_rng(7)
    areas = grid_areas()
    filed = []
    for n in range(count):
        lon, lat = inside(areas[n % len(areas)], rng)
        code = "auto" if n % 10 == 0 else CATEGORY_IDS[n % len(CATEGORY_IDS)]
        filed.append(
            {
                "api_key": key,
                "service_code": code,
                "lat": f"{lat:.6f}",
                "long": f"{lon:.6f}",
                "description": f"{DESCRIPTIONS[n % len(DESCRIPTIONS)]}（测试第{n + 1}号）",
            }
        )
    return filed


async def post_all(base: str, filings: list[dict], rate: float, seconds: float, in_flight: int):
    """POST at `rate` per second for `seconds` (at most `in_flight` at once); per request its
    status, latency and the code it was answered with."""
    url = f"{base}/open311/v2/requests.json"
    answers: list[tuple[int, float, str | None]] = []
    gate = asyncio.Semaphore(in_flight)
    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(form: dict) -> None:
            try:
                start = time.perf_counter()
                async with http.post(url, data=form) as answer:
                    body = await answer.json(content_type=None)
                code = body[0].get("service_request_id") if answer.status == 200 else None
                answers.append((answer.status, time.perf_counter() - start, code))
            except aiohttp.ClientError:
                answers.append((0, time.perf_counter() - start, None))
            finally:
                gate.release()

        started, tasks = time.perf_counter(), []
        for n, form in enumerate(filings):
            if time.perf_counter() - started >= seconds:
                break
            await gate.acquire()
            tasks.append(asyncio.create_task(one(form)))
            await asyncio.sleep(max(0.0, started + (n + 1) / rate - time.perf_counter()))
        await asyncio.gather(*tasks)
    return answers, time.perf_counter() - started


async def writes(url: str, base: str, pid: int, key: str, args) -> bool:
    """POST at the offered rate, then check the database; whether nothing was lost."""
    filings = forms(key, int(args.rate * args.seconds))
    before = await filed_codes(url)
    parties = {"serve": lambda: [pid], "postgres": postgres_pids, "bench": lambda: [os.getpid()]}
    cpu = {one: cpu_seconds(one) for find in parties.values() for one in find()}
    machine = machine_seconds()
    answers, elapsed = await post_all(base, filings, args.rate, args.seconds, args.in_flight)
    sent = await outbox_drained(url)
    ok = [a for a in answers if a[0] == 200]
    print(
        f"POST requests.json, offered {args.rate:g}/s for {args.seconds:g} s: "
        f"{len(answers)} sent, {len(ok) / elapsed:.1f}/s answered 200, "
        f"{percentiles([a[1] for a in answers])}, errors {len(answers) - len(ok)}"
    )
    print("    " + cpu_spent(parties, cpu, machine, len(answers)))
    if len(ok) < len(answers):
        print(f"    error statuses: {sorted({a[0] for a in answers if a[0] != 200})}")
    print(f"    WeCom notices sent through the outbox: {sent}")
    return await check_nothing_lost(url, [a[2] for a in ok], before, len(answers))


def cpu_spent(parties: dict, before: dict, machine: tuple[float, float], count: int) -> str:
    """The CPU each party spent a request since `before`, and how idle the machine was."""
    busy, idle = (now - then for now, then in zip(machine_seconds(), machine, strict=True))
    used = {
        name: sum(cpu_seconds(pid) - before.get(pid, 0.0) for pid in find()) * 1000 / count
        for name, find in parties.items()
    }
    spent = ", ".join(f"{name} {ms:.1f}" for name, ms in used.items())
    idle_share = idle / (busy + idle)
    return f"CPU ms a POST (its notices sent included): {spent}; machine idle {idle_share:.0%}"


async def filed_codes(url: str) -> list[str]:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch("SELECT code FROM tickets WHERE source = 'open311'")
        return [row["code"] for row in rows]
    finally:
        await connection.close()


async def check_nothing_lost(url: str, answered: list[str], before: list[str], sent: int) -> bool:
    """Every 200 is kept: its code names a ticket, and that ticket holds a contact row for
    each POST answered with it (a POST of a problem already open nearby is joined to that
    ticket, WeChat's or another POST's, and answered with its code); and no ticket was filed
    that no POST was answered with."""
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch(
            "SELECT t.code, t.source, count(c.id) AS contacts FROM tickets t"
            " LEFT JOIN open311_contacts c ON c.ticket_id = t.id"
            " WHERE t.source = 'open311' OR t.code = ANY($1::text[]) GROUP BY t.code, t.source",
            sorted(set(answered)),
        )
    finally:
        await connection.close()
    found = {row["code"]: row for row in rows}
    times = Counter(answered)
    lost = [code for code in times if code not in found]
    short = [code for code, n in times.items() if code in found and found[code]["contacts"] < n]
    filed = [code for code, row in found.items() if row["source"] == "open311"]
    unanswered = set(filed) - set(before) - set(times)
    joined = len(answered) - len([code for code in filed if code in times])
    kept = not (lost or short or unanswered)
    print(
        f"    {len(answered)} answered 200 (of {sent} sent) → {len(set(filed) - set(before))} "
        f"tickets filed, {joined} joined to a ticket already open nearby; lost {len(lost)}, "
        f"contact rows missing {len(short)}, filed but not answered {len(unanswered)}: "
        f"{'nothing lost, nothing doubled' if kept else 'FAILED'}"
    )
    return kept


async def explain(url: str, settings, now: datetime) -> None:
    """The plans of the listing's statements, with real timings."""
    for line in await explain_published(url, settings.data_key, window(now), now):
        print("    " + line)


@asynccontextmanager
async def fake_wecom(settings):
    fake = FakeWeChat(
        settings.mp_appid, settings.mp_secret, settings.work_corpid, settings.work_secret
    )
    async with serving(fake.app()) as fake_base:
        yield replace(settings, mp_api_base=fake_base, work_api_base=fake_base)


async def main(args) -> bool:
    """Whether every POST answered 200 was kept, exactly once."""
    kept = True
    async with database(args.server, args.keep) as url:
        settings = demo_settings(url, "http://127.0.0.1:1")
        key, now = await prepared(url, settings, args.tickets)
        if args.keep:  # the demo's data key is made anew in each process
            print(f"GRIDBOT_DATABASE_URL={url} GRIDBOT_DATA_KEY={settings.data_key} (key: {key})")
        if args.explain:
            await explain(url, settings, now)
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "gridbot.toml"
            config.write_text(CONFIG)
            profile = args.profile_dir / "open311.pyisession" if args.profile else None
            async with (
                fake_wecom(settings) as settings,
                replicas(settings, 1, config, profile=profile) as (bases, pids),
            ):
                if args.reads:
                    await reads(bases[0], pids[0], key, now, args.reads)
                if args.seconds:
                    kept = await writes(url, bases[0], pids[0], key, args)
            if profile:
                report(profile)
    return kept


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--reads", type=int, default=50, help="GETs of each kind (0: none)")
    parser.add_argument("--rate", type=float, default=100.0, help="POSTs offered a second")
    parser.add_argument("--seconds", type=float, default=30.0, help="of POSTs (0: none)")
    parser.add_argument("--in-flight", type=int, default=50, help="POSTs open at once at most")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the list query")
    parser.add_argument("--profile", action="store_true", help="profile serve (pyinstrument)")
    parser.add_argument("--profile-dir", type=Path, default=Path(tempfile.gettempdir()))
    sys.exit(0 if asyncio.run(main(parser.parse_args())) else 1)
