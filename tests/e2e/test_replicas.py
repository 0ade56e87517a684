"""Several replicas on one PostgreSQL database: the same message hitting two at once makes one
ticket and one notification; two relays never send a row twice; a replayed query is refused
by every replica."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.app import SERVICES, create_app
from bot.devkit.demo import demo_settings, seed, serving
from bot.devkit.fake_wechat import FakeWeChat
from bot.devkit.simulator import WeChatSimulator, simulators
from config.settings import Settings
from storage.models import Ticket
from tests.conftest import _create_pg_database, _drop_pg_database, embedded_classifier
from tests.stack import POINTS

RESIDENT = "o_replica_resident"
GARBAGE = "小区门口垃圾好几天没人清理"


@pytest.fixture
async def shared_pg(pg_server):
    name = await _create_pg_database(pg_server)
    url = "postgresql+asyncpg://" + pg_server.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name
    await seed(url)
    yield url
    await _drop_pg_database(pg_server, name)


@dataclass
class Replicas:
    apps: list[web.Application]
    mp: list[WeChatSimulator]  # WeChat's side of each replica's Official Account webhook
    fake: FakeWeChat

    async def tickets(self) -> list[str]:
        async with self.apps[0][SERVICES].sessionmaker() as session:
            return list(await session.scalars(select(Ticket.text)))


@contextlib.asynccontextmanager
async def two_replicas(settings: Settings, clock) -> AsyncIterator[Replicas]:
    """Two services on one database and one fake WeChat, a resident placed in 东关一网格."""
    fake = FakeWeChat(
        settings.mp_appid, settings.mp_secret, settings.work_corpid, settings.work_secret
    )
    async with serving(fake.app()) as fake_base:
        settings = replace(settings, mp_api_base=fake_base, work_api_base=fake_base)
        apps = [
            create_app(settings, clock=clock, run_relay=False, classifier=embedded_classifier())
            for _ in range(2)
        ]
        async with (
            serving(apps[0]) as one,
            serving(apps[1]) as two,
            aiohttp.ClientSession() as http,
        ):
            now = lambda: clock.now().timestamp()  # noqa: E731  (the replicas' clock)
            mp = [simulators(http, base, settings, now=now)[0] for base in (one, two)]
            lon, lat = POINTS["东关一网格"]
            await mp[0].send(mp[0].location(RESIDENT, lon, lat))
            yield Replicas(apps, mp, fake)


async def test_same_message_at_two_replicas_at_once_makes_one_ticket_and_one_notice(
    shared_pg, clock
):
    async with two_replicas(demo_settings(shared_pg, "http://127.0.0.1:1"), clock) as both:
        query, body = both.mp[0].sign(both.mp[0].text(RESIDENT, GARBAGE))
        replies = await asyncio.gather(*(mp.post(query, body.encode()) for mp in both.mp))
        assert sorted(r.status for r in replies) == [200, 200]

        await asyncio.gather(*(app[SERVICES].relay.drain() for app in both.apps))
        assert len(await both.tickets()) == 1
        assert len(both.fake.to("liminghua")) == 1


async def test_captured_plain_query_replayed_to_another_replica_with_a_forged_body_is_refused(
    shared_pg, clock
):
    """In plain mode the signature covers only timestamp and nonce, not the body: whoever
    captured one request could post any message with it. Every replica remembers the pairs it
    has seen through the database."""
    plain = replace(demo_settings(shared_pg, "http://127.0.0.1:1"), mp_aes_key="")
    async with two_replicas(plain, clock) as both:
        query, body = both.mp[0].sign(both.mp[0].text(RESIDENT, GARBAGE))
        assert "工单号" in (await both.mp[0].post(query, body.encode())).text

        _, forged = both.mp[1].sign(both.mp[1].text(RESIDENT, "着火了！快来人，三楼有人被困"))
        replayed = await both.mp[1].post(query, forged.encode())  # the captured query, reused
        assert replayed.status == 200 and replayed.body == "success"
        assert await both.tickets() == [GARBAGE]
