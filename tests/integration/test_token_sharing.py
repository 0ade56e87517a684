"""Replicas share one access token per app through the database: a burst of sends from two
processes makes one token fetch, and an expired token is refreshed once, not in a loop."""

from __future__ import annotations

import asyncio

import aiohttp

from bot.devkit.demo import serving
from bot.devkit.fake_wechat import FakeWeChat
from bot.wechat_api import MpApi, WorkApi
from storage.outbox import Message, Outbox
from storage.tokens import TokenStore

APPID, SECRET, CORPID = "wx-test-app", "mp-secret", "ww-test-corp"


async def replicas(sessionmaker, clock, base, http) -> list[MpApi]:
    return [
        MpApi(http, base, clock, APPID, SECRET, TokenStore(sessionmaker, "mp")) for _ in range(2)
    ]


async def test_burst_from_two_replicas_fetches_one_token(sessionmaker, clock):
    fake = FakeWeChat(APPID, SECRET, CORPID, "work-secret")
    async with serving(fake.app()) as base, aiohttp.ClientSession() as http:
        apis = await replicas(sessionmaker, clock, base, http)
        body = {"msgtype": "text", "text": "您反映的问题已受理"}
        await asyncio.gather(*(apis[n % 2].send(f"o_{n}", body) for n in range(20)))
        assert fake.token_fetches["mp"] == 1
        assert len(fake.sent) == 20


async def test_expired_token_is_refreshed_once_for_every_replica(sessionmaker, clock):
    fake = FakeWeChat(APPID, SECRET, CORPID, "work-secret")
    async with serving(fake.app()) as base, aiohttp.ClientSession() as http:
        apis = await replicas(sessionmaker, clock, base, http)
        body = {"msgtype": "text", "text": "进展"}
        await asyncio.gather(apis[0].send("o_a", body), apis[1].send("o_b", body))
        fake.expire_tokens()  # WeChat now answers 40001 to the token both replicas hold
        await asyncio.gather(*(apis[n % 2].send(f"o_{n}", body) for n in range(10)))
        assert fake.token_fetches["mp"] == 2  # the first, and one refresh for everyone
        assert len(fake.sent) == 12


async def test_wecom_token_lives_in_the_database_too(sessionmaker, clock):
    fake = FakeWeChat(APPID, SECRET, CORPID, "work-secret")
    async with serving(fake.app()) as base, aiohttp.ClientSession() as http:
        first = WorkApi(
            http, base, clock, CORPID, "work-secret", 1000002, TokenStore(sessionmaker, "work")
        )
        await first.send("liminghua", {"msgtype": "text", "text": "新工单"})
        later = WorkApi(
            http, base, clock, CORPID, "work-secret", 1000002, TokenStore(sessionmaker, "work")
        )  # a process started afterwards
        await later.send("liminghua", {"msgtype": "text", "text": "又一件"})
        assert fake.token_fetches["work"] == 1 and len(fake.to("liminghua")) == 2


async def test_a_slow_token_fetch_does_not_hold_up_the_database(sessionmaker, clock):
    started, release, fetches = asyncio.Event(), asyncio.Event(), []

    async def slow_fetch(force: bool) -> tuple[str, int]:  # WeChat taking its time to answer
        fetches.append(force)
        started.set()
        await release.wait()
        return "token-after-a-wait", 7200

    store = TokenStore(sessionmaker, "mp")
    refreshing = asyncio.create_task(store.token(clock.now(), "", slow_fetch))
    await started.wait()

    async with asyncio.timeout(5):  # meanwhile a resident's report is stored at once
        async with sessionmaker() as session:
            await Outbox(session).put(
                [
                    Message(
                        channel="work",
                        recipient="liminghua",
                        text="您有一条新工单",
                        dedup_key="test:during-refresh",
                    )
                ],
                clock.now(),
            )
            await session.commit()
        # and a second replica needing the token waits for this fetch, not a second one
        waiting = asyncio.create_task(
            TokenStore(sessionmaker, "mp").token(clock.now(), "", slow_fetch)
        )
        release.set()
        assert (await refreshing)[0] == (await waiting)[0] == "token-after-a-wait"
    assert fetches == [False]
