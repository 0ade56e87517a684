"""`gridbot demo`: a fictional county, the server, a fake WeChat, and a console to chat in."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import secrets
import socket
import tempfile
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from pathlib import Path

import aiohttp
from aiohttp import web
from shapely.geometry import shape
from sqlalchemy import func, select

from bot.app import SERVICES, create_app
from bot.cli.registry import import_households
from bot.devkit.console import Console, stdin_lines
from bot.devkit.fake_wechat import FakeWeChat, Sent
from bot.devkit.simulator import simulators
from config.settings import Settings, env_name
from nlu.categories import CATEGORY_IDS
from storage.crypto import DataKey, new_key
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.importer import apply, plan_import
from storage.models import OutboxMessage, Staff

DEMO_DATA = Path(__file__).resolve().parents[2] / "config" / "demo"
RESIDENT_OPENID = "o_demo_resident_0001"
DEMO_DATA_KEY = new_key()  # the demo county's registry is encrypted like a real one
SETTLE_SECONDS = 5.0


def demo_settings(database_url: str, fake_base: str) -> Settings:
    return Settings(
        database_url=database_url,
        host="127.0.0.1",
        port=0,
        mp_appid="wxd0e000000000demo",
        mp_secret=secrets.token_hex(16),
        mp_token=secrets.token_hex(8),
        mp_aes_key=_aes_key(),
        work_corpid="wwd0e00000000demo",
        work_agentid=1000002,
        work_secret=secrets.token_hex(16),
        work_token=secrets.token_hex(8),
        work_aes_key=_aes_key(),
        mp_api_base=fake_base,
        work_api_base=fake_base,
        data_key=DEMO_DATA_KEY,
        sections={"quiet": {"from": "00:00", "until": "00:00"}},  # a demo at night still talks
    )


def _aes_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")


async def seed(database_url: str, data: Path = DEMO_DATA) -> None:
    """The fictional county: grids, staff, routes and its registry of households."""
    engine = make_engine(database_url)
    try:
        await upgrade(engine)
        plan = plan_import(
            data / "grids.geojson",
            data / "staff.csv",
            data / "routes.csv",
            categories=CATEGORY_IDS,
            places=data / "places.csv",
        )
        async with make_sessionmaker(engine)() as session:
            await apply(session, plan)
            await session.commit()
        async with make_sessionmaker(engine)() as session:
            await import_households(
                session, data / "households.csv", DataKey.from_text(DEMO_DATA_KEY), quiet=True
            )
    finally:
        await engine.dispose()


def grid_points(data: Path = DEMO_DATA) -> dict[str, tuple[float, float]]:
    collection = json.loads((data / "grids.geojson").read_text(encoding="utf-8"))
    return inside_points(
        (f["properties"]["name"], f["properties"]["code"], f["geometry"])
        for f in collection["features"]
    )


def inside_points(grids: Iterable[tuple[str, str, dict]]) -> dict[str, tuple[float, float]]:
    """A point inside each grid, under its name and its code: where the console stands."""
    points = {}
    for name, code, geometry in grids:
        point = shape(geometry).representative_point()
        points[name] = points[code] = (point.x, point.y)
    return points


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_environment(settings: Settings) -> dict[str, str]:
    """The environment that makes a `gridbot serve` subprocess use these settings."""
    names = (
        "database_url",
        "mp_appid",
        "mp_secret",
        "mp_token",
        "mp_aes_key",
        "work_corpid",
        "work_agentid",
        "work_secret",
        "work_token",
        "work_aes_key",
        "mp_api_base",
        "work_api_base",
        "data_key",
    )
    env = {env_name(n): str(getattr(settings, n)) for n in names}
    return {**os.environ, **env, "GRIDBOT_CONFIG": "", "GRIDBOT_LOG_FORMAT": "text"}


async def run_demo(workdir: Path | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="gridbot-demo-") as tmp:
        folder = workdir or Path(tmp)
        database_url = f"sqlite+aiosqlite:///{folder / 'demo.db'}"
        await seed(database_url)
        settings = demo_settings(database_url, "http://127.0.0.1:1")
        fake = FakeWeChat(
            settings.mp_appid, settings.mp_secret, settings.work_corpid, settings.work_secret
        )
        async with serving(fake.app()) as fake_base:
            settings = replace(settings, mp_api_base=fake_base, work_api_base=fake_base)
            app = create_app(settings, run_scheduler=False)  # no reminders mid-conversation
            async with serving(app) as base, aiohttp.ClientSession() as http:
                console = await _console(app, base, http, settings)
                fake.listeners.append(lambda sent: console.say(_shown(sent, console.staff)))
                await console.run(stdin_lines())
                await console.settle()
    print("演示结束，再见！")


async def _console(
    app: web.Application, base: str, http: aiohttp.ClientSession, settings: Settings
) -> Console:
    services = app[SERVICES]
    async with services.sessionmaker() as session:
        staff = {s.userid: s.name for s in await session.scalars(select(Staff))}
    mp, work = simulators(http, base, settings)

    async def settle() -> None:
        for _ in range(int(SETTLE_SECONDS / 0.05)):
            async with services.sessionmaker() as session:
                pending = await session.scalar(
                    select(func.count(OutboxMessage.id)).where(
                        OutboxMessage.state == "pending",
                        OutboxMessage.next_attempt_at <= services.clock.now(),
                    )
                )
            if not pending:
                return
            await asyncio.sleep(0.05)

    return Console(mp, work, RESIDENT_OPENID, staff, grid_points(), settle=settle)


def _shown(sent: Sent, staff: dict[str, str]) -> str:
    if sent.channel.startswith("mp"):
        head = "【微信 → 居民】"
    else:
        head = f"【企业微信 → {staff.get(sent.to, sent.to)}（{sent.to}）】"
    return head + "\n    " + sent.text.replace("\n", "\n    ")
