"""`gridbot demo`: a fictional county, the server, a fake WeChat, and a console to chat in."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import secrets
import socket
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, time
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
from bot.devkit.timewarp import DemoClock, parse_forward, run_until
from bot.relay import LEASE
from config.settings import Settings, env_name
from handlers import texts
from handlers.calendar import local
from handlers.console.sessions import issue_link
from nlu.categories import CATEGORY_IDS
from storage.crypto import DataKey, new_key
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.importer import apply, plan_import
from storage.models import OutboxMessage, Staff
from storage.uow import UnitOfWork

DEMO_DATA = Path(__file__).resolve().parents[2] / "config" / "demo"
RESIDENT_OPENID = "o_demo_resident_0001"
DEMO_SUPERVISOR = "zhouhaitao"  # 周海涛, 东关社区: the console's link is printed for him
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
        sections={
            "quiet": {"from": "00:00", "until": "00:00"},  # a demo at night still talks
            "console": {"secure_cookies": False},  # the demo's console is plain http
        },
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


DAY_STARTS = time(8, 0)  # the demo clock starts the working day here, Asia/Shanghai
IMAGE = re.compile(r"^\[image (\S+)\]$")


class FolderTaken(Exception):
    """`--keep DIR` names a folder that already holds a demo database."""


async def run_demo(keep: Path | None = None) -> None:
    """The demo in a temporary folder, removed at the end; or in `keep`, kept for the CLI."""
    keep = keep.resolve() if keep else None
    if keep is not None and (keep / "demo.db").exists():
        raise FolderTaken(keep / "demo.db")
    lines = stdin_lines()  # from here Ctrl-C ends the demo as the end of its input does
    with tempfile.TemporaryDirectory(prefix="gridbot-demo-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        charts = folder if keep else Path(tempfile.gettempdir())
        try:
            await _run_in(folder, charts, lines)
        finally:
            lines.close()
            if keep is not None:
                print(kept_note(folder / "demo.db"))
    print("演示结束，再见！")


async def _run_in(folder: Path, charts: Path, lines: AsyncIterable[str]) -> None:
    database_url = f"sqlite+aiosqlite:///{folder / 'demo.db'}"
    await seed(database_url)
    settings = demo_settings(database_url, "http://127.0.0.1:1")
    settings = replace(settings, sections={**settings.sections, "digest": {"charts": True}})
    fake = FakeWeChat(
        settings.mp_appid, settings.mp_secret, settings.work_corpid, settings.work_secret
    )
    clock = DemoClock.starting_at(DAY_STARTS)
    async with serving(fake.app()) as fake_base:
        settings = replace(settings, mp_api_base=fake_base, work_api_base=fake_base)
        app = create_app(settings, clock=clock, run_scheduler=False)  # the demo clock runs it
        async with serving(app) as base, aiohttp.ClientSession() as http:
            console = await _console(app, base, http, settings, clock)
            saver = ChartSaver(fake, charts)
            fake.listeners.append(lambda sent: console.say(_shown(saver.shown(sent), console)))
            console.show(await console_link(app, base, DEMO_SUPERVISOR))
            console.show(f"演示时钟：{_when(clock.now())}（北京时间）。/快进 让时间前进。")
            await console.run(lines)
            await console.settle()


async def console_link(app: web.Application, base: str, userid: str) -> str:
    """A one-time link to the web console for `userid`, on the demo server's address (which
    the links staff ask for with 控制台 use from now on too)."""
    services = app[SERVICES]
    ports = services.dispatcher_ports
    links = ports.console = replace(ports.console, base_url=base)
    async with UnitOfWork.opened(services.sessionmaker) as uow:
        person = await uow.people.staff(userid)
        url = issue_link(uow, person, links, services.clock.now())
        await uow.commit()
    return texts.CONSOLE_DEMO_LINK.format(name=person.name, url=url)


def kept_note(database: Path) -> str:
    """How to point the `gridbot` command at the kept demo database."""
    return (
        f"演示数据库已保留 / the demo database is kept: {database}\n"
        f"  export GRIDBOT_DATABASE_URL=sqlite+aiosqlite:///{database}\n"
        f"  export GRIDBOT_DATA_KEY={DEMO_DATA_KEY}\n"
        "  gridbot ticket list"
    )


@dataclass
class ChartSaver:
    """Each image the fake WeCom API is sent, saved as a PNG under `folder`."""

    fake: FakeWeChat
    folder: Path
    saved: list[Path] = field(default_factory=list)

    def shown(self, sent: Sent) -> Sent:
        found = IMAGE.match(sent.text)
        if not found or found.group(1) not in self.fake.media:
            return sent
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"gridbot-demo-chart-{os.getpid()}-{len(self.saved) + 1}.png"
        path.write_bytes(self.fake.media[found.group(1)])
        self.saved.append(path)
        return replace(sent, text=f"（图片：简报图表，已保存为 {path}）")


async def _console(
    app: web.Application,
    base: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    clock: DemoClock,
) -> Console:
    services = app[SERVICES]
    async with services.sessionmaker() as session:
        staff = {s.userid: s.name for s in await session.scalars(select(Staff))}
    mp, work = simulators(http, base, settings, now=lambda: clock.now().timestamp())

    async def settle() -> None:
        """Until every message due now is sent (a row the relay holds counts, for its lease)."""
        for _ in range(int(SETTLE_SECONDS / 0.05)):
            async with services.sessionmaker() as session:
                pending = await session.scalar(
                    select(func.count(OutboxMessage.id)).where(
                        OutboxMessage.state == "pending",
                        OutboxMessage.next_attempt_at <= clock.now() + LEASE,
                    )
                )
            if not pending:
                return
            await asyncio.sleep(0.05)

    async def forward(argument: str) -> None:
        target = parse_forward(argument, clock.now())
        console.show(f"（演示时钟前进到 {_when(target)}）")
        await run_until(services, clock, target, settle)

    console = Console(mp, work, RESIDENT_OPENID, staff, grid_points(), settle=settle)
    console.forward = forward
    return console


def _when(moment: datetime) -> str:
    return local(moment).strftime("%Y-%m-%d %H:%M")


def _shown(sent: Sent, console: Console) -> str:
    if sent.channel.startswith("mp"):
        head = f"【微信 → {console.label(sent.to)}】"
    else:
        head = f"【企业微信 → {console.staff.get(sent.to, sent.to)}（{sent.to}）】"
    return head + "\n    " + sent.text.replace("\n", "\n    ")
