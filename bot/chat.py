"""`gridbot chat`: the demo console against a running `gridbot serve`, signed with its tokens."""

from __future__ import annotations

import aiohttp
from sqlalchemy import select

from bot.console import Console, stdin_lines
from bot.simulator import WeChatSimulator
from bot.wire import Channel
from config.settings import Settings
from storage.db import make_engine, make_sessionmaker
from storage.models import OrgUnit, Staff

CHAT_OPENID = "o_console_resident"


async def run_chat(settings: Settings, url: str) -> None:
    staff, points = await _directory(settings.database_url)
    async with aiohttp.ClientSession() as http:
        mp = WeChatSimulator(http, f"{url}/wechat/mp", Channel(
            "mp", settings.mp_token, settings.mp_aes_key, settings.mp_appid))
        work = WeChatSimulator(http, f"{url}/wechat/work", Channel(
            "work", settings.work_token, settings.work_aes_key, settings.work_corpid),
            account=settings.work_corpid, agentid=settings.work_agentid)
        await Console(mp, work, CHAT_OPENID, staff, points).run(stdin_lines())


async def _directory(database_url: str) -> tuple[dict[str, str], dict]:
    from shapely.geometry import shape

    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            staff = {s.userid: s.name for s in await session.scalars(select(Staff))}
            grids = await session.scalars(select(OrgUnit).where(OrgUnit.level == "grid"))
            points = {}
            for grid in grids:
                point = shape(grid.boundary).representative_point()
                points[grid.name] = points[grid.code] = (point.x, point.y)
        return staff, points
    finally:
        await engine.dispose()
