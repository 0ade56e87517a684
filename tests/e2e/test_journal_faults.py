"""A stalled database and a killed process, against a real `gridbot serve`: SQLite held by an
exclusive lock, PostgreSQL black-holed by a TCP proxy. What WeChat was told 200 is stored;
what it was told 503 it sends again; every report ends as one ticket, one notice to the grid
worker and one reply with the code to its resident."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.devkit.demo import demo_settings, serve_environment, serving
from bot.devkit.fake_wechat import FakeWeChat
from bot.devkit.simulator import simulators
from storage.db import make_engine, make_sessionmaker
from storage.models import Ticket
from tests.conftest import data_key
from tests.serve import BlackHole, ended, gridbot_serve, poll
from tests.stack import POINTS

CODE = re.compile(r"GB-[0-9A-Z]{5}")
REPORTS = (
    "小区门口的垃圾堆了好几天没人清理",
    "路口红绿灯坏了，车都乱开",  # kinds apart:
    "楼下有人偷电动车",
)  # none is linked to another
RESIDENTS = tuple(f"o_stalled_resident_{n}" for n in range(len(REPORTS)))
SETTLE_SECONDS = 60  # the inbox watch takes up a message 10 s after it arrived, every 2 s


@dataclass
class Stall:
    """Holds the database still: an exclusive lock on the SQLite file, or every byte to and
    from PostgreSQL held back."""

    url: str  # what the served process connects to
    hold: object
    release: object


@contextlib.asynccontextmanager
async def stallable(database_url: str) -> AsyncIterator[Stall]:
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite":
        lock: list[sqlite3.Connection] = []

        def hold() -> None:
            lock.append(sqlite3.connect(parsed.database))
            lock[0].execute("BEGIN EXCLUSIVE")

        def release() -> None:
            lock.pop().rollback()

        yield Stall(database_url, hold, release)
        return
    proxy = BlackHole((parsed.host or "127.0.0.1", parsed.port or 5432))
    await proxy.start()
    try:
        yield Stall(
            parsed.set(port=proxy.port).render_as_string(hide_password=False),
            proxy.hole,
            proxy.restore,
        )
    finally:
        await proxy.close()


@pytest.mark.parametrize("killed", [True, False], ids=["killed", "not-killed"])
async def test_database_stalled_past_the_deadline_loses_nothing_and_replies_once(
    seeded_url, tmp_path, killed
):
    settings = demo_settings(seeded_url, "http://127.0.0.1:1")
    fake = FakeWeChat(
        settings.mp_appid, settings.mp_secret, settings.work_corpid, settings.work_secret
    )
    config = tmp_path / "gridbot.toml"
    config.write_text('[quiet]\nfrom = "00:00"\nuntil = "00:00"\n')
    log = tmp_path / "serve.log"
    async with (
        stallable(seeded_url) as stall,
        serving(fake.app()) as fake_base,
        aiohttp.ClientSession() as http,
    ):
        settings = replace(
            settings, database_url=stall.url, mp_api_base=fake_base, work_api_base=fake_base
        )
        env = {
            **serve_environment(settings),
            "GRIDBOT_CONFIG": str(config),
            "GRIDBOT_NLU_BACKEND": "keywords",
        }
        async with gridbot_serve(env, log) as first:
            mp, _ = simulators(http, first.base, settings)
            lon, lat = POINTS["东关一网格"]
            for resident in RESIDENTS:
                assert (await mp.send(mp.location(resident, lon, lat))).status == 200
            signed = [
                mp.sign(mp.text(r, text)) for r, text in zip(RESIDENTS, REPORTS, strict=True)
            ]
            stall.hold()
            try:
                started = time.monotonic()
                answers = await asyncio.gather(*(mp.post(q, b.encode()) for q, b in signed))
                assert [a.status for a in answers] == [503] * len(REPORTS)  # none stored
                assert time.monotonic() - started < 5  # before WeChat gives up
                if stall.url != seeded_url:  # PostgreSQL: health says so, and in time
                    started = time.monotonic()
                    async with http.get(f"{first.base}/healthz") as health:
                        assert health.status == 503
                    assert time.monotonic() - started < 3
                if killed:
                    os.kill(first.process.pid, signal.SIGKILL)
                    assert await ended(first.process, 10) == -signal.SIGKILL
            finally:
                stall.release()
            if not killed:  # WeChat's retries of the 503s, to the same process
                retried = await asyncio.gather(*(mp.post(q, b.encode()) for q, b in signed))
                assert {r.status for r in retried} == {200}
                await _every_report_answered(fake, retried)
        if killed:
            async with gridbot_serve(env, log) as second:
                mp, _ = simulators(http, second.base, settings)
                retried = await asyncio.gather(*(mp.post(q, b.encode()) for q, b in signed))
                assert {r.status for r in retried} == {200}
                await _every_report_answered(fake, retried)
    await _exactly_once(seeded_url, fake, retried)


async def _every_report_answered(fake: FakeWeChat, passive) -> None:
    async def answered() -> bool:
        return all(_replies(fake, resident, passive) for resident in RESIDENTS) and len(
            _new_ticket_notices(fake)
        ) >= len(REPORTS)

    await poll(answered, SETTLE_SECONDS, "a reply to every report and a notice for each")


def _replies(fake: FakeWeChat, resident: str, passive) -> list[str]:
    by_api = [text for text in fake.to(resident) if CODE.search(text)]
    index = RESIDENTS.index(resident)
    given = passive[index].text
    return by_api + ([given] if given and CODE.search(given) else [])


async def _exactly_once(database_url: str, fake: FakeWeChat, passive) -> None:
    engine = make_engine(database_url, data_key=data_key())
    try:
        async with make_sessionmaker(engine)() as session:
            tickets = list(await session.scalars(select(Ticket).order_by(Ticket.id)))
            count = await session.scalar(select(func.count(Ticket.id)))
    finally:
        await engine.dispose()
    assert count == len(REPORTS)
    assert sorted(t.text for t in tickets) == sorted(REPORTS)
    for resident in RESIDENTS:
        [reply] = _replies(fake, resident, passive)  # one reply with the code, no more
    codes = [CODE.search(text).group(0) for text in _new_ticket_notices(fake)]
    assert sorted(codes) == sorted(t.code for t in tickets)  # one notice each


def _new_ticket_notices(fake: FakeWeChat) -> list[str]:
    return [
        sent.text
        for sent in fake.sent
        if sent.channel == "work" and sent.text.startswith("【新工单】")
    ]
