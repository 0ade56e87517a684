"""`gridbot chat`: the demo console against a running `gridbot serve`, signed with its tokens."""

from __future__ import annotations

import aiohttp
from sqlalchemy import select

from bot.devkit.console import Console, stdin_lines
from bot.devkit.demo import inside_points
from bot.devkit.simulator import simulators
from config.settings import Settings
from storage.db import make_engine, make_sessionmaker
from storage.models import OrgUnit, Staff

CHAT_OPENID = "o_console_resident"


async def run_chat(settings: Settings, url: str) -> None:
    staff, points = await _directory(settings.database_url)
    async with aiohttp.ClientSession() as http:
        mp, work = simulators(http, url, settings)
        await Console(mp, work, CHAT_OPENID, staff, points).run(stdin_lines())


async def _directory(database_url: str) -> tuple[dict[str, str], dict]:
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            staff = {s.userid: s.name for s in await session.scalars(select(Staff))}
            grids = await session.scalars(select(OrgUnit).where(OrgUnit.level == "grid"))
            points = inside_points((g.name, g.code, g.boundary) for g in grids)
        return staff, points
    finally:
        await engine.dispose()
