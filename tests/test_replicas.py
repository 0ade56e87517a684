"""Several replicas on one PostgreSQL database: the same message hitting two at once makes one
ticket and one notification; two relays never send a row twice."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import SERVICES, create_app
from bot.demo import demo_settings, seed, serving
from bot.fake_wechat import FakeWeChat
from bot.simulator import simulators
from storage.models import Ticket
from tests.conftest import _create_pg_database, _drop_pg_database, embedded_classifier
from tests.stack import POINTS

RESIDENT = "o_replica_resident"


@pytest.fixture
async def shared_pg(pg_server):
    name = await _create_pg_database(pg_server)
    url = "postgresql+asyncpg://" + pg_server.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name
    await seed(url)
    yield url
    await _drop_pg_database(pg_server, name)


async def test_same_message_at_two_replicas_at_once_makes_one_ticket_and_one_notice(
    shared_pg, clock
):
    settings = demo_settings(shared_pg, "http://127.0.0.1:1")
    fake = FakeWeChat(settings.mp_appid, settings.mp_secret, settings.work_corpid,
                      settings.work_secret)
    async with serving(fake.app()) as fake_base:
        settings = replace(settings, mp_api_base=fake_base, work_api_base=fake_base)
        apps = [create_app(settings, clock=clock, run_relay=False,
                           classifier=embedded_classifier()) for _ in range(2)]
        async with serving(apps[0]) as one, serving(apps[1]) as two, \
                aiohttp.ClientSession() as http:
            (mp_one, _), (mp_two, _) = simulators(http, one, settings), \
                simulators(http, two, settings)
            lon, lat = POINTS["东关一网格"]
            await mp_one.send(mp_one.location(RESIDENT, lon, lat))
            query, body = mp_one.sign(mp_one.text(RESIDENT, "小区门口垃圾好几天没人清理"))
            replies = await asyncio.gather(mp_one.post(query, body.encode()),
                                           mp_two.post(query, body.encode()))
            assert sorted(r.status for r in replies) == [200, 200]

            relays = [app[SERVICES].relay for app in apps]
            await asyncio.gather(*(relay.drain() for relay in relays))
            async with apps[0][SERVICES].sessionmaker() as session:
                from sqlalchemy import func, select

                from storage.models import Ticket

                assert await session.scalar(select(func.count(Ticket.id))) == 1
            assert len(fake.to("liminghua")) == 1


async def test_captured_plain_query_replayed_to_another_replica_with_a_forged_body_is_refused(
    shared_pg, clock
):
    """In plain mode the signature covers only timestamp and nonce, not the body: whoever
    captured one request could post any message with it. Every replica remembers the pairs it
    has seen through the database."""
    settings = replace(demo_settings(shared_pg, "http://127.0.0.1:1"), mp_aes_key="")
    apps = [create_app(settings, clock=clock, run_relay=False,
                       classifier=embedded_classifier()) for _ in range(2)]
    async with serving(apps[0]) as one, serving(apps[1]) as two, \
            aiohttp.ClientSession() as http:
        (mp_one, _), (mp_two, _) = simulators(http, one, settings), \
            simulators(http, two, settings)
        lon, lat = POINTS["东关一网格"]
        await mp_one.send(mp_one.location(RESIDENT, lon, lat))
        query, body = mp_one.sign(mp_one.text(RESIDENT, "小区门口垃圾好几天没人清理"))
        assert "工单号" in (await mp_one.post(query, body.encode())).text

        _, forged = mp_two.sign(mp_two.text(RESIDENT, "着火了！快来人，三楼有人被困"))
        replayed = await mp_two.post(query, forged.encode())  # the captured query, reused
        assert replayed.status == 200 and replayed.body == "success"
        async with apps[0][SERVICES].sessionmaker() as session:
            texts = list(await session.scalars(select(Ticket.text)))
        assert texts == ["小区门口垃圾好几天没人清理"]
