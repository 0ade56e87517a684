"""Load benchmark: simulated WeChat clients POST signed, AES-encrypted messages to
`gridbot serve` at a set rate, next to a bare aiohttp handler in the same run.

    .venv/bin/python bench/load.py                 # SQLite, one replica, 100 messages/s
    .venv/bin/python bench/load.py --postgres      # PostgreSQL, one then two replicas, flat out

Everything listens on 127.0.0.1; the WeChat and WeCom APIs are the local fake.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import aiohttp
import asyncpg
import numpy as np
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.demo import (  # noqa: E402
    demo_settings,
    free_port,
    grid_points,
    seed,
    serve_environment,
    serving,
)
from bot.fake_wechat import FakeWeChat  # noqa: E402
from bot.simulator import simulators  # noqa: E402

TEXTS = ("小区门口垃圾好几天没人清理", "路口红绿灯坏了", "楼道里有人飞线充电", "你好",
         "隔壁邻居装修噪音太大", "我上次反映的事怎么样了")


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids) -> float:
    """User + system CPU time of these processes so far."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK
    return total


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


@asynccontextmanager
async def replicas(settings, count: int):
    """`count` gridbot serve processes; yields their base URLs once /healthz answers."""
    ports = [free_port() for _ in range(count)]
    processes = [subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env={**serve_environment(settings), "GRIDBOT_PORT": str(port),
                                        "GRIDBOT_HOST": "127.0.0.1"}) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with aiohttp.ClientSession() as http:
            for base in bases:
                for _ in range(300):
                    try:
                        async with http.get(f"{base}/healthz") as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.1)
        yield bases, [process.pid for process in processes]
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


RESIDENTS = 500


async def drive(bases: list[str], settings, rate: float | None, seconds: float,
                concurrency: int, located: bool = False) -> dict:
    """POST messages (at `rate` per second, or as fast as `concurrency` allows). The messages
    are signed and encrypted beforehand, as WeChat's own servers would do that work; with
    `located`, every resident first shares a location (untimed), so reports are routed and
    their grid workers notified on WeCom."""
    latencies, statuses = [], []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:
        sims = [simulators(http, base, settings)[0] for base in bases]
        gate = asyncio.Semaphore(concurrency)
        if located:
            points = list(grid_points().values())

            async def place(n: int) -> None:
                async with gate:
                    lon, lat = points[n % len(points)]
                    await sims[n % len(sims)].send(sims[0].location(f"o_load_{n}", lon, lat))

            await asyncio.gather(*(place(n) for n in range(RESIDENTS)))
        count = int(seconds * (rate or 800))
        signed = [sims[0].sign(sims[0].text(f"o_load_{n % RESIDENTS}", TEXTS[n % len(TEXTS)]))
                  for n in range(count)]

        async def one(n: int) -> None:
            sim = sims[n % len(sims)]
            query, body = signed[n]
            try:
                start = time.perf_counter()
                reply = await sim.post(query, body.encode())
                latencies.append(time.perf_counter() - start)
                statuses.append(reply.status)
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
    return {"sent": len(ms), "per_second": len(ms) / elapsed, "p50_ms": np.percentile(ms, 50),
            "p99_ms": np.percentile(ms, 99), "errors": sum(s != 200 for s in statuses)}


async def bare_handler(settings, rate, seconds, concurrency) -> dict:
    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="success")

    app = web.Application()
    app.router.add_post("/wechat/mp", ok)
    async with serving(app) as base:
        return await drive([base], settings, rate, seconds, concurrency)


def show(label: str, figures: dict) -> None:
    print(f"{label:<34} {figures['sent']:>6} msgs  {figures['per_second']:7.1f}/s  "
          f"p50 {figures['p50_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms  "
          f"errors {figures['errors']}")


async def main(args) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url, drop = await database(args.postgres, folder)
        try:
            await seed(url)
            settings = demo_settings(url, "http://127.0.0.1:1")
            fake = FakeWeChat(settings.mp_appid, settings.mp_secret, settings.work_corpid,
                              settings.work_secret)
            async with serving(fake.app()) as fake_base:
                settings = replace(settings, mp_api_base=fake_base, work_api_base=fake_base)
                rate = None if args.postgres else args.rate
                show("bare aiohttp handler", await bare_handler(settings, rate, args.seconds,
                                                                args.concurrency))
                for count in ((1, 2) if args.postgres else (1,)):
                    async with replicas(settings, count) as (bases, pids):
                        kind = "PostgreSQL" if args.postgres else "SQLite"
                        parties = {"bench": lambda: [os.getpid()], "gridbot": lambda: pids,
                                   "postgres": postgres_pids if args.postgres else list}
                        before = {pid: cpu_seconds([pid]) for find in parties.values()
                                  for pid in find()}
                        figures = await drive(bases, settings, rate, args.seconds,
                                              args.concurrency, located=True)
                        show(f"gridbot, {count} replica(s), {kind}", figures)
                        used = {name: sum(cpu_seconds([pid]) - before.get(pid, 0.0)
                                          for pid in find()) for name, find in parties.items()}
                        print("    CPU ms per message: " + ", ".join(
                            f"{name} {seconds * 1000 / figures['sent']:.2f}"
                            for name, seconds in used.items() if seconds))
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
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=50)
    asyncio.run(main(parser.parse_args()))
