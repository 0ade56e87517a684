"""Faults on PostgreSQL: WeChat answering 5xx or hanging past the client's timeout, the server
killed with SIGKILL between storing a ticket and sending its notice, and the clock jumping.

Errcode failures, a database outage, two replicas and two schedulers are tested elsewhere
(test_delivery, test_resilience, test_replicas, test_patrols_visits).
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.devkit.demo import demo_settings, serve_environment
from bot.devkit.fake_wechat import FakeWeChat
from bot.devkit.simulator import simulators
from bot.relay import BASE_DELAY, Relay
from bot.wechat_api import TIMEOUT, MpApi, WorkApi
from storage.db import make_engine, make_sessionmaker
from storage.models import OutboxMessage, Ticket
from storage.tokens import TokenStore
from tests.conftest import data_key
from tests.fakes import Trouble
from tests.serve import ended, gridbot_serve, poll
from tests.stack import POINTS, RESIDENT, Stack

# Every test here runs on PostgreSQL only: skipped without a server, failing under CI=true.
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

ROOT = Path(__file__).resolve().parents[2]
WORKER = "liminghua"  # grid worker of 东关一网格
VILLAGE, TOWNSHIP = "zhouhaitao", "chenzhiqiang"  # supervisors above 东关一网格
GARBAGE = "小区门口的垃圾堆了好几天没人清理"
CODE = re.compile(r"GB-[0-9A-Z]+")


@dataclass
class Gateway:
    trouble: Trouble
    relay: Callable[..., Relay]  # relay(timeout=...) over the stack's database


@pytest.fixture
async def gateway(stack: Stack) -> AsyncIterator[Gateway]:
    """A relay as the service wires it (tokens shared through the database, quiet hours),
    sending to the stack's fake WeChat API through `Trouble`, with the client timeout the test
    chooses: the stack's own relay talks to the fake directly, with the 10 s default."""
    services, settings = stack.services, stack.services.settings
    trouble = Trouble()

    def relay(timeout: aiohttp.ClientTimeout = TIMEOUT) -> Relay:
        senders = {
            "mp": MpApi(
                http,
                base,
                services.clock,
                settings.mp_appid,
                settings.mp_secret,
                TokenStore(services.sessionmaker, "mp"),
                timeout=timeout,
            ),
            "work": WorkApi(
                http,
                base,
                services.clock,
                settings.work_corpid,
                settings.work_secret,
                settings.work_agentid,
                TokenStore(services.sessionmaker, "work"),
                timeout=timeout,
            ),
        }
        return Relay(
            services.sessionmaker, senders, services.clock, quiet_end=services.rhythm.quiet_end
        )

    async with trouble.serve(stack.fake) as base, aiohttp.ClientSession() as http:
        yield Gateway(trouble, relay)
        trouble.release()


async def report(stack: Stack, grid: str, text: str, resident: str = RESIDENT) -> str:
    """A resident shares a location in `grid`, then reports `text`; the ticket's code."""
    await stack.locate(grid, sender=resident)
    reply = await stack.say(text, sender=resident)
    return CODE.search(reply).group(0)


async def notice_to(stack: Stack, recipient: str) -> OutboxMessage:
    [row] = [row for row in await stack.outbox() if row.recipient == recipient]
    return row


def mentioning(texts: list[str], code: str) -> list[str]:
    return [text for text in texts if code in text]


# 1. WeChat answers HTTP 5xx --------------------------------------------------------------------


async def test_wechat_answering_5xx_keeps_the_notice_and_delivers_it_once_after_backoff(
    stack, gateway, clock
):
    code = await report(stack, "东关一网格", GARBAGE)
    gateway.trouble.statuses = [502, 503]  # a gateway in front of WeChat in trouble
    relay = gateway.relay()

    assert await relay.drain() == 1
    notice = await notice_to(stack, WORKER)
    assert (notice.state, notice.attempts, notice.sent_at) == ("pending", 1, None)
    assert "HTTP 502" in notice.last_error
    assert clock.now() < notice.next_attempt_at <= clock.now() + BASE_DELAY * 1.5
    assert await relay.drain() == 0  # backing off, not hammering WeChat
    assert stack.fake.to(WORKER) == []

    clock.advance(seconds=8)  # past the first backoff (5 s ± 50 %)
    assert await relay.drain() == 1
    notice = await notice_to(stack, WORKER)
    assert (notice.state, notice.attempts) == ("pending", 2)
    assert "HTTP 503" in notice.last_error
    assert clock.now() + BASE_DELAY * 2 * 0.5 <= notice.next_attempt_at  # the backoff grew
    assert notice.next_attempt_at <= clock.now() + BASE_DELAY * 2 * 1.5
    assert stack.fake.to(WORKER) == []

    clock.advance(seconds=16)  # WeChat works again, and the second backoff has passed
    assert await relay.drain() == 1
    clock.advance(hours=1)
    assert await relay.drain() == 0

    assert gateway.trouble.refused == 2
    [delivered] = stack.fake.to(WORKER)
    assert code in delivered and "新工单" in delivered
    notice = await notice_to(stack, WORKER)
    assert (notice.state, notice.attempts, notice.last_error) == ("sent", 3, None)


# 2. WeChat hangs past the client's timeout ----------------------------------------------------


async def test_wechat_hanging_past_the_timeout_is_retried_later_and_delivered_once(
    stack, gateway, clock
):
    code = await report(stack, "东关一网格", GARBAGE)
    gateway.trouble.stalls = 1
    relay = gateway.relay(timeout=aiohttp.ClientTimeout(total=0.2))

    started = time.monotonic()
    assert await relay.drain() == 1
    assert time.monotonic() - started < 5  # gave up after its timeout, did not wait on WeChat
    notice = await notice_to(stack, WORKER)
    assert (notice.state, notice.attempts, notice.sent_at) == ("pending", 1, None)
    assert "Timeout" in notice.last_error
    assert clock.now() < notice.next_attempt_at <= clock.now() + BASE_DELAY * 1.5
    gateway.trouble.release()  # the hung request ends with a 504, having delivered nothing
    assert await relay.drain() == 0
    assert stack.fake.to(WORKER) == []

    clock.advance(seconds=8)
    assert await relay.drain() == 1
    clock.advance(hours=1)
    assert await relay.drain() == 0

    [delivered] = stack.fake.to(WORKER)
    assert code in delivered
    notice = await notice_to(stack, WORKER)
    assert (notice.state, notice.attempts, notice.last_error) == ("sent", 2, None)


# 3. SIGKILL between storing the ticket and sending its notice ----------------------------------

OUTBOX_SEEN = (
    OutboxMessage.id,
    OutboxMessage.recipient,
    OutboxMessage.dedup_key,
    OutboxMessage.state,
    OutboxMessage.attempts,
    OutboxMessage.next_attempt_at,
    OutboxMessage.last_error,
)
DELIVERY_SECONDS = 30  # the first retry is due at most 7.5 s after the failure, polled every 2 s


async def test_sigkill_between_ticket_and_notice_delivers_the_notice_once_after_restart(
    seeded_url, tmp_path
):
    settings = demo_settings(seeded_url, "http://127.0.0.1:1")
    fake = FakeWeChat(
        settings.mp_appid, settings.mp_secret, settings.work_corpid, settings.work_secret
    )
    trouble = Trouble(outage=503)  # every send fails: the notice stays in the outbox
    config = tmp_path / "gridbot.toml"
    config.write_text('[quiet]\nfrom = "00:00"\nuntil = "00:00"\n')  # whatever the hour
    engine = make_engine(seeded_url, data_key=data_key())
    sessionmaker = make_sessionmaker(engine)

    async def notices() -> list[OutboxMessage]:
        async with sessionmaker() as session:
            return list(
                await session.scalars(
                    select(OutboxMessage).where(
                        OutboxMessage.recipient == WORKER, OutboxMessage.dedup_key.like("event:%")
                    )
                )
            )

    async def tickets() -> int:
        async with sessionmaker() as session:
            return await session.scalar(select(func.count(Ticket.id)))

    try:
        async with trouble.serve(fake) as fake_base, aiohttp.ClientSession() as http:
            settings = replace(settings, mp_api_base=fake_base, work_api_base=fake_base)
            env = {
                **serve_environment(settings),
                "GRIDBOT_CONFIG": str(config),
                "GRIDBOT_NLU_BACKEND": "keywords",
            }
            log = tmp_path / "serve.log"

            async with gridbot_serve(env, log) as first:
                mp, _ = simulators(http, first.base, settings)
                lon, lat = POINTS["东关一网格"]
                assert (await mp.send(mp.location(RESIDENT, lon, lat))).status == 200
                reply = await mp.send(mp.text(RESIDENT, GARBAGE))
                assert reply.status == 200 and "工单号" in reply.text
                code = CODE.search(reply.text).group(0)

                async def failure_recorded() -> bool:
                    return any(row.last_error for row in await notices())

                try:
                    await poll(failure_recorded, DELIVERY_SECONDS, "the relay's failed attempt")
                except AssertionError as missing:  # once seen in CI: say what the outbox held
                    async with sessionmaker() as session:
                        rows = (await session.execute(select(*OUTBOX_SEEN))).all()
                    raise AssertionError(f"{missing}; outbox: {rows}") from None
                os.kill(first.process.pid, signal.SIGKILL)
                assert await ended(first.process, 10) == -signal.SIGKILL

            [notice] = await notices()
            assert notice.state == "pending" and "HTTP 503" in notice.last_error
            assert code in notice.body["text"]
            assert fake.to(WORKER) == []
            assert await tickets() == 1

            trouble.outage = None  # WeChat works again
            async with gridbot_serve(env, log):

                async def delivered() -> bool:  # and recorded as sent: no relay sends it again
                    return bool(mentioning(fake.to(WORKER), code)) and all(
                        row.state == "sent" for row in await notices()
                    )

                await poll(delivered, DELIVERY_SECONDS, "the notice after the restart")

        [notice] = await notices()
        assert notice.state == "sent" and notice.attempts == 2
        assert len(mentioning(fake.to(WORKER), code)) == 1
        assert await tickets() == 1
    finally:
        await engine.dispose()


# 4. The clock jumps ---------------------------------------------------------------------------

RESIDENT_A, RESIDENT_B, RESIDENT_C = (f"o_fault_resident_{x}" for x in "abc")


def told(stack: Stack, recipient: str, marker: str) -> list[str]:
    """What `recipient` received that carries `marker`: "上报" (escalated), "超时" (overdue)."""
    return [text for text in stack.fake.to(recipient) if marker in text]


async def states(stack: Stack) -> dict[str, tuple[str, int]]:
    return {ticket.code: (ticket.state, ticket.level) for ticket in await stack.tickets()}


async def test_clock_jumping_days_ahead_and_back_escalates_each_ticket_once_per_period(
    stack, clock
):
    # A: nobody accepted it.  B: accepted, never resolved.  C: resolved, never rated.
    a = await report(stack, "东关一网格", GARBAGE, resident=RESIDENT_A)
    b = await report(stack, "西苑一网格", "路口红绿灯坏了，车辆乱成一团", resident=RESIDENT_B)
    c = await report(
        stack, "王庄村网格", "麻烦帮家里老人代办一下高龄补贴的申请", resident=RESIDENT_C
    )
    await stack.staff_says("sunjianguo", f"接单 {b}")
    await stack.staff_says("wanglifang", f"接单 {c}")
    await stack.staff_says("wanglifang", f"办结 {c} 已上门告知申请材料和办理地点")
    await stack.drain()
    assert await states(stack) == {a: ("assigned", 0), b: ("accepted", 0), c: ("resolved", 0)}
    before = len(stack.fake.sent)

    # Past every acceptance and resolution limit and the rating window: each ticket is acted
    # on once, not once per missed period, and a second look at the same time does nothing.
    clock.advance(days=3, hours=1)
    assert await stack.check_deadlines() == 3
    assert await stack.check_deadlines() == 0
    await stack.drain()
    after_jump = stack.fake.sent[before:]

    assert await states(stack) == {a: ("assigned", 1), b: ("accepted", 1), c: ("closed", 0)}
    [to_dongguan] = stack.fake.to(VILLAGE)  # 东关社区's supervisor hears of A once
    [to_xiyuan] = stack.fake.to("wuxiulan")  # 西苑社区's supervisor hears of B once
    assert a in to_dongguan and b in to_xiyuan
    assert stack.fake.to(TOWNSHIP) == []
    assert len(told(stack, RESIDENT_A, "上报")) == len(told(stack, RESIDENT_B, "上报")) == 1
    assert len(told(stack, WORKER, "超时")) == len(told(stack, "sunjianguo", "超时")) == 1
    # closing C unrated tells its resident once, with how to reopen it; nobody else is told
    about_c = [sent for sent in after_jump if c in sent.text or sent.to == RESIDENT_C]
    assert [sent.to for sent in about_c] == [RESIDENT_C]
    assert "重新打开" in about_c[0].text

    clock.advance(hours=-2)  # the clock is set back
    assert await stack.check_deadlines() == 0
    assert await stack.drain() == 0
    assert stack.fake.sent[before:] == after_jump  # nothing sent again
    assert await states(stack) == {a: ("assigned", 1), b: ("accepted", 1), c: ("closed", 0)}
    [ticket_c] = [ticket for ticket in await stack.tickets() if ticket.code == c]
    assert ticket_c.rating == "satisfied_by_default"  # not undone

    clock.advance(hours=2, minutes=31)  # A's next acceptance period after the jump has passed
    assert await stack.check_deadlines() == 1
    assert await stack.check_deadlines() == 0
    await stack.drain()

    assert await states(stack) == {a: ("assigned", 2), b: ("accepted", 1), c: ("closed", 0)}
    [to_township] = stack.fake.to(TOWNSHIP)
    assert a in to_township
    assert len(stack.fake.to(VILLAGE)) == len(stack.fake.to("wuxiulan")) == 1
    assert len(told(stack, RESIDENT_A, "上报")) == 2 and len(told(stack, RESIDENT_B, "上报")) == 1
    assert len(told(stack, WORKER, "超时")) == 2
