"""Load benchmark: simulated WeChat clients POST signed, AES-encrypted messages to
`gridbot serve` at a set rate, next to a bare aiohttp handler in the same run.

    .venv/bin/python bench/load.py                 # SQLite, one replica, 100 messages/s
    .venv/bin/python bench/load.py --postgres      # PostgreSQL, one then two replicas, flat out,
                                                   # first unlimited, then each replica held to
                                                   # half a core as a container's CPU limit (root)
    .venv/bin/python bench/load.py --profile       # also where gridbot's time goes (pyinstrument,
                                                   # `pip install -e ".[bench]"`): a report per run
    .venv/bin/python bench/load.py --busy          # another process keeps one core busy meanwhile
    .venv/bin/python bench/load.py --rate 0        # SQLite closed loop (--concurrency in flight)

Each run ends by checking the guarantees: every acknowledged message has its row, and every
ticket the run routed got exactly one WeCom notice at the fake WeCom API.

The workload: distinct residents spread over the grids, at least 250 m apart (nothing is linked
to a neighbour's report), each sending one report of a distinct text, so every report opens
its own routed ticket; the rate limit is raised so that nothing is held.

Everything listens on 127.0.0.1; the WeChat and WeCom APIs are the local fake.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from pathlib import Path

import aiohttp
import asyncpg
import numpy as np
from aiohttp import web
from shapely.geometry import Point, shape
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.devkit.demo import (  # noqa: E402
    DEMO_DATA,
    demo_settings,
    free_port,
    seed,
    serve_environment,
    serving,
)
from bot.devkit.fake_wechat import FakeWeChat  # noqa: E402
from bot.devkit.simulator import simulators  # noqa: E402
from bot.wire import Channel, Refused, inbound, reply_to  # noqa: E402
from config.settings import load_settings  # noqa: E402
from handlers.tickets.routing import CODE_ALPHABET, CODE_LENGTH, CODE_PREFIX  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import InboundMessage, OutboxMessage, Staff, Ticket  # noqa: E402

# Reports of different kinds; each resident's gets a detail of its own, so no two texts match.
REPORTS = (
    "小区门口垃圾好几天没人清理",
    "路口红绿灯坏了",
    "楼道里有人飞线充电",
    "隔壁邻居装修噪音太大",
)
SPACING_M = 250  # farther apart than the 200 m within which a report is linked to another
CODE = re.compile(f"{CODE_PREFIX}[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")  # a ticket's code


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process so far (0 once it has ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_seconds() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine so far, all cores."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / TICK, idle / TICK


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


PERIOD_US = 100_000


def cpu_group(name: str, cpus: float) -> Path:
    """A Linux control group whose processes share at most `cpus` cores, as a container's CPU
    limit does (cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us`); needs root."""
    quota = str(int(cpus * PERIOD_US))
    unified = Path("/sys/fs/cgroup")
    if (unified / "cgroup.controllers").exists():
        group = unified / name
        group.mkdir()
        (group / "cpu.max").write_text(f"{quota} {PERIOD_US}")
    else:
        group = unified / "cpu" / name
        group.mkdir()
        (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (group / "cpu.cfs_quota_us").write_text(quota)
    return group


def cpu_limit_refused() -> str | None:
    """Why this process may not hold others to a CPU budget, or None if it may."""
    try:
        cpu_group(f"gridbot-load-probe-{os.getpid()}", 1).rmdir()
    except OSError as error:
        return f"{type(error).__name__}: {error}"
    return None


def join(group: Path | None):
    """For Popen's preexec_fn: the new process enters `group` before it runs anything."""

    def enter() -> None:
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    return enter


async def healthy(bases: list[str], path: str = "/healthz", method: str = "get") -> None:
    """Wait until each server answers at `path` (at most 30 seconds)."""
    async with aiohttp.ClientSession() as http:
        for base in bases:
            for _ in range(300):
                try:
                    async with http.request(method, f"{base}{path}") as response:
                        if response.status < 500:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)


@contextmanager
def busy(cores: int):
    """`cores` other processes spinning for as long as the block runs: the machine is busy
    with other work, as it normally is."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(cores)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def serve_command(profile: Path | None) -> list[str]:
    if profile is None:
        return [sys.executable, "-m", "bot.cli", "serve"]
    return [sys.executable, "-m", "pyinstrument", "-r", "pyisession", "-o", str(profile)] + [
        "-m",
        "bot.cli",
        "serve",
    ]


@asynccontextmanager
async def replicas(
    settings, count: int, config: Path, cpus: float | None = None, profile: Path | None = None
):
    """`count` gridbot serve processes, each held to `cpus` cores if given (and the first
    profiled into `profile` if given); yields their base URLs once /healthz answers."""
    ports = [free_port() for _ in range(count)]
    groups = [cpu_group(f"gridbot-load-{port}", cpus) if cpus else None for port in ports]
    processes = [
        subprocess.Popen(
            serve_command(profile if n == 0 else None),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=join(group),
            env={
                **serve_environment(settings),
                "GRIDBOT_PORT": str(port),
                "GRIDBOT_HOST": "127.0.0.1",
                "GRIDBOT_CONFIG": str(config),
            },
        )
        for n, (port, group) in enumerate(zip(ports, groups, strict=True))
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        await healthy(bases)
        yield bases, [process.pid for process in processes]
    finally:
        for process in processes:
            # pyinstrument writes its report when the program ends on Ctrl-C
            process.send_signal(signal.SIGINT if profile else signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for group in groups:
            if group is not None:
                group.rmdir()


def spread_points(count: int) -> list[tuple[float, float]]:
    """Where `count` residents stand: inside the demo's grids, on a lattice SPACING_M apart
    taken from each grid in turn, one resident a kind of report at each point (a report is
    linked only to one of its own kind)."""
    collection = json.loads((DEMO_DATA / "grids.geojson").read_text(encoding="utf-8"))
    per_grid = []
    for feature in collection["features"]:
        area = shape(feature["geometry"])
        west, south, east, north = area.bounds
        dlat = SPACING_M / 111_320
        dlon = dlat / math.cos(math.radians((south + north) / 2))
        lattice = [
            (west + (i + 0.5) * dlon, south + (j + 0.5) * dlat)
            for j in range(int((north - south) / dlat))
            for i in range(int((east - west) / dlon))
        ]
        per_grid.append([p for p in lattice if area.contains(Point(p))])
    longest = max(map(len, per_grid))
    points = [grid[k] for k in range(longest) for grid in per_grid if k < len(grid)]
    room = len(points) * len(REPORTS)
    if count > room:
        raise SystemExit(f"the grids hold {room} residents {SPACING_M} m apart, not {count}")
    return [points[n // len(REPORTS)] for n in range(count)]


async def place_residents(
    bases: list[str],
    settings,
    count: int,
    concurrency: int,
    points: list[tuple[float, float]] | None = None,
) -> None:
    """Every resident shares a location first (resident n at `points[n]`, by default spread
    over the demo's grids), so their reports are routed and their grid workers notified on
    WeCom."""
    points = points or spread_points(count)
    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as http:
        sims = [simulators(http, base, settings)[0] for base in bases]

        async def place(n: int) -> None:
            async with gate:
                lon, lat = points[n]
                await sims[n % len(sims)].send(sims[0].location(f"o_load_{n}", lon, lat))

        await asyncio.gather(*(place(n) for n in range(count)))


def report_text(n: int) -> str:
    return f"{REPORTS[n % len(REPORTS)]}，在{n // len(REPORTS) + 1}号楼那边"


def signed_messages(settings, count: int) -> list[tuple[dict, str]]:
    """One report from each of `count` residents, as WeChat POSTs them, signed and encrypted
    beforehand: that work is done on WeChat's servers, not on ours."""
    sim = simulators(None, "http://unused", settings)[0]
    return [sim.sign(sim.text(f"o_load_{n}", report_text(n))) for n in range(count)]


async def drive(
    bases: list[str],
    settings,
    signed: list[tuple[dict, str]],
    rate: float | None,
    seconds: float,
    concurrency: int,
) -> dict:
    """POST the messages (at `rate` per second, or as fast as `concurrency` allows)."""
    latencies, statuses, acknowledged = [], [], []
    count = len(signed)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:
        sims = [simulators(http, base, settings)[0] for base in bases]
        gate = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            sim = sims[n % len(sims)]
            query, body = signed[n]
            try:
                start = time.perf_counter()
                reply = await sim.post(query, body.encode())
                latencies.append(time.perf_counter() - start)
                statuses.append(reply.status)
                if reply.status == 200:
                    acknowledged.append(n)
            finally:
                gate.release()

        started, tasks, n = time.perf_counter(), [], 0
        while time.perf_counter() - started < seconds and n < count:
            await gate.acquire()  # at most `concurrency` messages in flight
            tasks.append(asyncio.create_task(one(n)))
            n += 1
            if rate:
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    ms = np.array(latencies) * 1000
    return {
        "sent": len(ms),
        "per_second": len(ms) / elapsed,
        "p50_ms": np.percentile(ms, 50),
        "p99_ms": np.percentile(ms, 99),
        "errors": sum(s != 200 for s in statuses),
        "acknowledged": acknowledged,
    }


def bare_app(settings) -> web.Application:
    """The webhook's floor: check the signature, decrypt, parse, and encrypt a reply, with
    nothing stored."""
    channel = Channel("mp", settings.mp_token, settings.mp_aes_key, settings.mp_appid)

    async def answer(request: web.Request) -> web.Response:
        try:
            xml = channel.open(request.query, await request.read())
        except Refused as refused:
            return web.Response(status=refused.status)
        reply = reply_to(inbound("mp", xml), "收到", time.time())
        nonce, timestamp = request.query.get("nonce", ""), request.query.get("timestamp", "")
        return web.Response(text=channel.seal(reply, nonce, timestamp), content_type="text/xml")

    app = web.Application()
    app.router.add_post("/wechat/mp", answer)
    return app


async def bare_handler(settings, rate, seconds, concurrency) -> dict:
    """The bare handler in a process of its own, measured as gridbot is."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--bare-serve", str(port)],
        cwd=ROOT,
        env={**os.environ, **serve_environment(settings)},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await healthy([base], "/wechat/mp", method="post")
        signed = signed_messages(settings, int(seconds * (rate or 800)))
        before, bench = cpu_seconds(process.pid), cpu_seconds(os.getpid())
        figures = await drive([base], settings, signed, rate, seconds, concurrency)
        figures["cpu_ms"] = {
            "bare handler": (cpu_seconds(process.pid) - before) * 1000 / figures["sent"],
            "bench": (cpu_seconds(os.getpid()) - bench) * 1000 / figures["sent"],
        }
        return figures
    finally:
        process.terminate()
        process.wait()


async def outbox_drained(url: str, seconds: float = 300) -> int:
    """Wait until every notice the run queued has been sent; how many were sent."""
    engine = make_engine(url)
    try:
        deadline = time.perf_counter() + seconds
        while True:
            async with engine.connect() as connection:
                pending = await connection.scalar(
                    select(func.count()).where(OutboxMessage.state == "pending")
                )
                if not pending or time.perf_counter() > deadline:
                    return await connection.scalar(
                        select(func.count()).where(OutboxMessage.state == "sent")
                    )
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()


async def inbox_drained(url: str, seconds: float = 300) -> None:
    """Wait until every message received has been handled: a reply given late (past WeChat's
    wait, sent as a customer-service message) leaves its work after the POST's answer."""
    engine = make_engine(url)
    try:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            async with engine.connect() as connection:
                pending = await connection.scalar(
                    select(func.count()).where(InboundMessage.status == "pending")
                )
            if not pending:
                return
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()


async def failed_messages(url: str) -> int:
    """Messages the service kept as failed (it said sorry): not lost, but not handled."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(
                select(func.count()).where(InboundMessage.status == "failed")
            )
    finally:
        await engine.dispose()


def show(label: str, figures: dict) -> None:
    print(
        f"{label:<50} {figures['sent']:>6} msgs  {figures['per_second']:7.1f}/s  "
        f"p50 {figures['p50_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms  "
        f"errors {figures['errors']}"
    )
    if "notices" in figures:
        print(
            f"    carried {figures['carried_per_second']:.1f}/s: replies given and every one of "
            f"the {figures['notices']} WeCom notices sent; tickets opened {figures['tickets']}"
        )
        print(f"    failed (kept, sorry said) {figures['failed']}")
    if "guarantees" in figures:
        kept = figures["guarantees"]
        verdict = "kept" if not kept["unstored"] and not kept["not_notified_once"] else "BROKEN"
        print(
            f"    guarantees {verdict}: acknowledged without a stored row {kept['unstored']}; "
            f"routed tickets {kept['routed']}, without exactly one WeCom notice "
            f"{kept['not_notified_once']}"
        )
    if "cpu_ms" in figures:
        print(
            "    CPU ms per message: "
            + ", ".join(f"{name} {ms:.2f}" for name, ms in figures["cpu_ms"].items())
            + (f";  machine idle {figures['idle']:.0%}" if "idle" in figures else "")
        )


async def last_ticket_id(url: str) -> int:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(select(func.coalesce(func.max(Ticket.id), 0)))
    finally:
        await engine.dispose()


async def guarantees(url: str, fake: FakeWeChat, acknowledged: list[int], after: int) -> dict:
    """What the run broke: acknowledged reports without their stored row, and tickets of the
    run whose worker did not get exactly one WeCom notice naming them (counted at the fake
    WeCom API, so a notice sent twice shows)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            stored = set(
                await connection.scalars(
                    select(InboundMessage.sender).where(
                        InboundMessage.channel == "mp", InboundMessage.kind == "text"
                    )
                )
            )
            tickets = (
                await connection.execute(
                    select(Ticket.code, Staff.userid)
                    .join(Staff, Staff.id == Ticket.assignee_id)
                    .where(Ticket.id > after)
                )
            ).all()
    finally:
        await engine.dispose()
    notices: dict[tuple[str, str], int] = {}
    for sent in fake.sent:
        if sent.channel == "work":
            for code in set(CODE.findall(sent.text)):  # a notice names its ticket thrice
                notices[code, sent.to] = notices.get((code, sent.to), 0) + 1
    return {
        "unstored": sum(f"o_load_{n}" not in stored for n in acknowledged),
        "routed": len(tickets),
        "not_notified_once": sum(notices.get((code, userid), 0) != 1 for code, userid in tickets),
    }


async def tickets_opened(url: str) -> int:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(select(func.count()).select_from(Ticket))
    finally:
        await engine.dispose()


async def measure(
    url: str, bases: list[str], pids: list[int], settings, fake, rate: float | None, args
) -> dict:
    """Throughput and latency of the running replicas, and the CPU time each party spent
    per message (this machine's two cores are shared by all of them). The residents are in
    place already."""
    signed = signed_messages(settings, messages(rate, args))
    failed_before = await failed_messages(url)
    tickets_before = await tickets_opened(url)
    last_ticket = await last_ticket_id(url)
    parties = {
        "bench": lambda: [os.getpid()],
        "gridbot": lambda: pids,
        "postgres": postgres_pids if args.postgres else list,
    }
    before = {pid: cpu_seconds(pid) for find in parties.values() for pid in find()}
    busy, idle = machine_seconds()
    started = time.perf_counter()
    figures = await drive(bases, settings, signed, rate, args.seconds, args.concurrency)
    await inbox_drained(url)
    figures["notices"] = await outbox_drained(url)
    figures["carried_per_second"] = figures["sent"] / (time.perf_counter() - started)
    busy, idle = (now - then for now, then in zip(machine_seconds(), (busy, idle), strict=True))
    used = {
        name: sum(cpu_seconds(pid) - before.get(pid, 0.0) for pid in find())
        for name, find in parties.items()
    }
    figures["failed"] = await failed_messages(url) - failed_before
    figures["tickets"] = await tickets_opened(url) - tickets_before
    figures["guarantees"] = await guarantees(url, fake, figures.pop("acknowledged"), last_ticket)
    figures["cpu_ms"] = {
        name: seconds * 1000 / figures["sent"] for name, seconds in used.items() if seconds
    }
    figures["cpu_ms"]["everything else"] = (busy - sum(used.values())) * 1000 / figures["sent"]
    figures["idle"] = idle / (busy + idle)
    return figures


async def main(args) -> None:
    rate = None if args.postgres or not args.rate else args.rate  # None: closed loop
    kind = "PostgreSQL" if args.postgres else "SQLite"
    async with fresh_service(args.postgres) as (url, settings, _, _):
        bare = await bare_handler(settings, rate, args.seconds, args.concurrency)
        show("bare aiohttp handler", bare)
    budgets = args.replica_cpus or ([0.0, 0.5] if args.postgres else [0.0])
    for cpus in budgets:
        label = f"{cpus:g} core each" if cpus else "no CPU limit"
        refused = cpu_limit_refused() if cpus else None
        if refused:
            print(
                f"replicas held to {label}: skipped, it needs root and the cgroup cpu "
                f"controller ({refused})"
            )
            continue
        carried = []
        for count in (1, 2) if args.postgres else (1,):
            # every run starts from the same freshly seeded database
            async with fresh_service(args.postgres) as (url, settings, config, fake):
                # placed by a replica of their own, so the measured ones see only the reports
                async with replicas(settings, 1, config) as (bases, _):
                    if not args.unplaced:  # (`count` stays the number of replicas)
                        residents = messages(rate, args)
                        await place_residents(bases, settings, residents, args.concurrency)
                    # its notices sent before it stops: a row it had claimed would wait out
                    # the claim's lease, inside the measured run
                    await outbox_drained(url)
                async with replicas(settings, count, config, cpus, profile(args, count, cpus)) as (
                    bases,
                    pids,
                ):
                    with busy(args.busy):
                        figures = await measure(url, bases, pids, settings, fake, rate, args)
            show(f"gridbot, {count} replica(s), {label}, {kind}", figures)
            per_message = figures["cpu_ms"]["gridbot"] / bare["cpu_ms"]["bare handler"]
            print(
                f"    next to the bare handler: {figures['per_second'] / bare['per_second']:.1%}"
                f" of its throughput, p99 {figures['p99_ms'] / bare['p99_ms']:.1f}× its p99, "
                f"{per_message:.1f}× its CPU per message"
            )
            if args.profile:
                report(profile(args, count, cpus))
            carried.append(figures["carried_per_second"])
        if len(carried) == 2:
            print(
                f"==> {label}: two replicas carry {carried[1] / carried[0]:.2f}× what one "
                f"carries (target: at least 1.8× held to half a core each)"
            )


def messages(rate: float | None, args) -> int:
    """How many reports (and residents) a run may send: enough for its seconds."""
    return int(args.seconds * (rate or 400))


def profile(args, count: int, cpus: float) -> Path | None:
    """Where the first replica's profile of this run goes (with --profile)."""
    if not args.profile:
        return None
    kind = "postgres" if args.postgres else "sqlite"
    return args.profile_dir / f"load-{kind}-{count}-replica-{cpus:g}-cores.pyisession"


def report(session_file: Path) -> None:
    """The profile as an HTML page and as text (only the event loop's thread: the database
    driver's thread on SQLite is not sampled)."""
    from pyinstrument.renderers import ConsoleRenderer, HTMLRenderer
    from pyinstrument.session import Session

    session = Session.load(str(session_file))
    html, text = session_file.with_suffix(".html"), session_file.with_suffix(".txt")
    html.write_text(HTMLRenderer().render(session), encoding="utf-8")
    text.write_text(
        ConsoleRenderer(unicode=True, color=False, short_mode=False).render(session),
        encoding="utf-8",
    )
    print(f"    profile of the first replica: {html} and {text}")


@asynccontextmanager
async def fresh_service(postgres: bool, seeding=seed):
    """A database seeded by `seeding(url)` (the demo county by default) and the fake WeChat
    API; yields the URL, the settings, a configuration file without quiet hours (the run may
    fall at night) and the fake."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "gridbot.toml"
        config.write_text(
            '[quiet]\nfrom = "00:00"\nuntil = "00:00"\n'
            "[limits]\nper_minute = 100000\nburst = 100000\n"
        )  # nothing held
        url, drop = await database(postgres, folder)
        try:
            await seeding(url)
            settings = demo_settings(url, "http://127.0.0.1:1")
            fake = FakeWeChat(
                settings.mp_appid, settings.mp_secret, settings.work_corpid, settings.work_secret
            )
            async with serving(fake.app()) as fake_base:
                yield (
                    url,
                    replace(settings, mp_api_base=fake_base, work_api_base=fake_base),
                    config,
                    fake,
                )
        finally:
            await drop()


async def database(postgres: bool, folder: str):
    if not postgres:

        async def nothing() -> None:
            return None

        return f"sqlite+aiosqlite:///{folder}/load.db", nothing
    server = "postgresql://postgres@127.0.0.1:5432/test"
    name = f"gridbot_load_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')

    async def drop() -> None:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", drop


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--rate",
        type=float,
        default=100.0,
        help="messages offered per second on SQLite; 0: closed loop, as fast as --concurrency "
        "allows (PostgreSQL runs are always closed loop)",
    )
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--busy",
        type=int,
        nargs="?",
        const=1,
        default=0,
        metavar="CORES",
        help="while gridbot is measured, other processes keep this many cores busy (default 1)",
    )
    parser.add_argument(
        "--replica-cpus",
        type=float,
        nargs="+",
        metavar="CORES",
        help="hold each replica to this many cores (a CPU limit, as a "
        "container's; needs root), 0 for none; one run per value "
        "(default: 0 0.5 on PostgreSQL, 0 on SQLite)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the first replica with pyinstrument; writes an HTML and a text report",
    )
    parser.add_argument("--profile-dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument(
        "--unplaced",
        action="store_true",
        help="residents who never shared a location: each report goes to the duty desk, "
        "its text looked up in the gazetteer first",
    )
    parser.add_argument("--bare-serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_serve:
        web.run_app(bare_app(load_settings()), host="127.0.0.1", port=args.bare_serve, print=None)
    else:
        asyncio.run(main(args))
