"""The running service for end-to-end tests: real HTTP on loopback, fake WeChat APIs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import aiohttp
from sqlalchemy import select

from bot import wire
from bot.app import SERVICES, Services, act_on_due, create_app, take_up_journal
from bot.devkit.demo import demo_settings, grid_points, serving
from bot.devkit.fake_wechat import FakeWeChat
from bot.devkit.simulator import WeChatSimulator, simulators, to_xml
from bot.dispatcher import reply_key
from bot.scheduler import hand_unassigned_to_desk
from storage.models import OutboxMessage, Ticket

RESIDENT = "o_test_resident_01"
# The clock stands still in these tests, so no sender's bucket refills: tests of other things
# get room; the rate-limit tests set [limits] themselves.
UNLIMITED = {"per_minute": 10_000, "burst": 10_000}
POINTS = grid_points()
WECHAT_TRIES = 3  # WeChat sends a message up to three times


@dataclass
class Stack:
    services: Services
    fake: FakeWeChat
    mp: WeChatSimulator
    work: WeChatSimulator
    base: str

    async def drain(self) -> int:
        return await self.services.relay.drain()

    async def take_up_journal(self) -> int:
        """What the service's inbox watch does every few seconds, at the fake clock's time."""
        return await take_up_journal(self.services)

    async def check_deadlines(self) -> int:
        """What the service's deadline watch does every few seconds, at the fake clock's time."""
        services = self.services
        return await act_on_due(services.sessionmaker, services.clock.now(), services.policy)

    async def check_unassigned(self) -> int:
        """What the scheduler's check does every half minute, at the fake clock's time."""
        services = self.services
        return await hand_unassigned_to_desk(
            services.sessionmaker, services.clock.now(), services.policy
        )

    async def say(self, text: str, sender: str = RESIDENT) -> str | None:
        return await self.answer(self.mp, self.mp.text(sender, text))

    async def locate(self, grid: str, sender: str = RESIDENT) -> str | None:
        lon, lat = POINTS[grid]
        return await self.answer(self.mp, self.mp.location(sender, lon, lat))

    async def staff_says(self, userid: str, text: str) -> str | None:
        return await self.answer(self.work, self.work.text(userid, text))

    async def answer(self, sim: WeChatSimulator, fields: dict[str, object]) -> str | None:
        """The reply the sender sees to this message, once it is handled. It is the passive
        reply, or, when handling outlasted WeChat's 5 seconds (a loaded machine), the same
        reply, which the service then sends through the API: either way the next message of
        the test starts after this one is done, as it does for a person in a chat. A message
        that could not be stored in time is sent again, as WeChat does."""
        query, body = sim.sign(fields)
        for _ in range(WECHAT_TRIES):  # WeChat tries again when a message cannot be stored
            reply = await sim.post(query, body.encode("utf-8"))  # in time (503)
            if reply.status != 503:
                break
        assert reply.status == 200, reply.body
        if reply.text is not None:
            return reply.text
        channel = sim.channel.name
        await asyncio.gather(*self.services.webhooks[channel].tasks, return_exceptions=True)
        key = reply_key(channel, wire.inbound(channel, to_xml(fields)).key)
        async with self.services.sessionmaker() as session:
            late = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.dedup_key == key)
            )
        return late.body["text"] if late else None

    async def tickets(self) -> list[Ticket]:
        async with self.services.sessionmaker() as session:
            return list(await session.scalars(select(Ticket).order_by(Ticket.id)))

    async def outbox(self) -> list[OutboxMessage]:
        async with self.services.sessionmaker() as session:
            return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@contextlib.asynccontextmanager
async def running_stack(
    database_url: str, clock, sections: dict | None = None, public_url: str = "", **app_options
) -> AsyncIterator[Stack]:
    """`public_url`: GRIDBOT_PUBLIC_URL; empty, the stack's own address on loopback."""
    settings = replace(
        demo_settings(database_url, "http://127.0.0.1:1"),
        sections={"limits": UNLIMITED, **(sections or {})},
    )
    fake = FakeWeChat(
        settings.mp_appid, settings.mp_secret, settings.work_corpid, settings.work_secret
    )
    async with serving(fake.app()) as fake_base:
        settings = replace(
            settings,
            mp_api_base=fake_base,
            work_api_base=fake_base,
            public_url=public_url,
            sections={**settings.sections, "console": _wecom_login_at(fake_base, settings)},
        )
        app = create_app(settings, clock=clock, run_relay=False, **app_options)
        async with serving(app) as base, aiohttp.ClientSession() as http:
            if not public_url:  # the links and WeCom's login come back to this very server
                ports = app[SERVICES].dispatcher_ports
                ports.console = replace(ports.console, base_url=base)
            mp, work = simulators(http, base, settings, now=lambda: clock.now().timestamp())
            yield Stack(app[SERVICES], fake, mp, work, base)


def _wecom_login_at(fake_base: str, settings) -> dict:
    """WeCom's OAuth and QR login answered by the fake too, unless a test sets them."""
    given = dict(settings.section("console"))
    return {"oauth_base": fake_base, "qr_login_base": fake_base, **given}
