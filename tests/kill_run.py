"""A real `gridbot serve` killed with SIGKILL at random moments of a stream of reports and
started again on the same port, as a supervisor restarts it; WeChat's retries go on meanwhile.
Afterwards everything is left to settle and what the database and the fake WeChat API hold is
read back (tests/kill_findings.py)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp

from bot.devkit.demo import demo_settings, free_port, serve_environment, serving
from bot.devkit.fake_wechat import FakeWeChat
from bot.devkit.simulator import simulators
from bot.relay import LEASE as RELAY_LEASE
from storage.crypto import DataKey
from storage.db import make_engine
from tests.kill_findings import Findings, read_findings
from tests.kill_state import Kill, end_relay_leases, left_behind, settle
from tests.kill_stream import IN_FLIGHT, Stream, make_reports, place
from tests.serve import ended, gridbot_serve
from tests.wechat_retries import RETRY_SECONDS

CONFIG = """[quiet]
from = "00:00"
until = "00:00"

[limits]
per_minute = 100000
burst = 100000
"""
JITTER_SECONDS = 0.25  # a kill strikes this long at most after its count of answers
SETTLE_SECONDS = RELAY_LEASE.total_seconds() + 120  # rows a killed relay held wait out its lease


@dataclass(frozen=True)
class Plan:
    reports: int = 400
    kills: int = 20
    seed: int = 1
    spacing: float = RETRY_SECONDS  # between WeChat's retries
    in_flight: int = IN_FLIGHT
    # End at once the lease of the outbox rows a killed relay held, as if its 3 minutes had
    # passed: they are sent again just the same (and twice, if the first send reached WeChat),
    # only sooner. For short runs; the bench waits the lease out.
    end_leases: bool = False


@dataclass(frozen=True)
class Service:
    """How to start `gridbot serve`: always on the same port, with the same environment."""

    env: dict[str, str]
    log: Path
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self):
        return gridbot_serve(self.env, self.log, self.port)


async def run(database_url: str, plan: Plan, folder: Path) -> Findings:
    """The plan's reports and kills against the seeded database at `database_url`."""
    reports = make_reports(plan.reports, random.Random(plan.seed))
    settings = demo_settings(database_url, "http://127.0.0.1:1")
    fake = FakeWeChat(
        settings.mp_appid, settings.mp_secret, settings.work_corpid, settings.work_secret
    )
    engine = make_engine(database_url, data_key=DataKey.from_text(settings.data_key))
    try:
        async with serving(fake.app()) as fake_base, aiohttp.ClientSession() as http:
            settings = replace(settings, mp_api_base=fake_base, work_api_base=fake_base)
            service = _service(settings, folder)
            stream = Stream(
                simulators(http, service.base, settings)[0], reports, plan.spacing, plan.in_flight
            )
            kills, settled = await _kill_and_settle(service, stream, plan, engine)
        return await read_findings(engine, fake, reports, kills, settled)
    finally:
        await engine.dispose()


def kill_schedule(plan: Plan, rng: random.Random) -> list[tuple[int, float]]:
    """When each kill strikes: once the process has given how many answers (at least one), and
    how long after that. The counts add up to a point drawn uniformly over the stream."""
    points = [0, *sorted(rng.randrange(plan.reports) for _ in range(plan.kills))]
    return [
        (max(after - before, 1), rng.uniform(0, JITTER_SECONDS))
        for before, after in zip(points, points[1:], strict=False)
    ]


def _service(settings, folder: Path) -> Service:
    config = folder / "gridbot.toml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {
        **serve_environment(settings),
        "GRIDBOT_CONFIG": str(config),
        "GRIDBOT_NLU_BACKEND": "keywords",
    }
    return Service(env, folder / "serve.log", free_port())


async def _kill_and_settle(
    service: Service, stream: Stream, plan: Plan, engine
) -> tuple[list[Kill], float | None]:
    schedule = kill_schedule(plan, random.Random(plan.seed))
    async with service.serve():
        await place(stream.sim, stream.reports, stream.spacing)
    stream.start()
    kills = []
    for answers, delay in schedule:
        kills.append(await _serve_until_killed(service, stream, answers, delay, engine))
        if plan.end_leases:
            await end_relay_leases(engine)
    async with service.serve():
        await stream.finished()
        return kills, await settle(engine, SETTLE_SECONDS)


async def _serve_until_killed(
    service: Service, stream: Stream, answers: int, delay: float, engine
) -> Kill:
    """Serve until the process has given `answers` more answers, and `delay` after that kill it;
    what it left unfinished."""
    async with service.serve() as served:
        await stream.answered(stream.answers + answers)
        await asyncio.sleep(delay)
        os.kill(served.process.pid, signal.SIGKILL)
        posting = stream.posting
        assert await ended(served.process, 10) == -signal.SIGKILL
        return await left_behind(engine, posting)
