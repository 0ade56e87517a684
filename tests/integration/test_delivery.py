"""Outbox delivery against the fake WeChat and WeCom APIs over loopback HTTP, on real databases."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.devkit.demo import serving
from bot.devkit.fake_wechat import FakeWeChat, Sent
from bot.relay import BASE_DELAY, BATCH, MAX_ATTEMPTS, Relay
from bot.wechat_api import MpApi, WorkApi
from handlers.ports import Clock
from storage.models import OutboxMessage
from storage.outbox import Message, Outbox
from tests.fakes import Rendezvous, SlowWeCom

MP_APPID, MP_SECRET = "wx0000000000test", "mp-secret-0123456789abcdef"
CORPID, WORK_SECRET, AGENTID = "ww0000000000test", "work-secret-0123456789abcdef", 1000002
RESIDENT = "o_resident_0001"
WORKER = "liminghua"
RECIPIENTS = {"mp": RESIDENT, "work": WORKER}
SYSTEM_ERROR = {"errcode": -1, "errmsg": "system error"}


@dataclass
class Seen:
    method: str
    path: str
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Delivery:
    """The fake WeChat on loopback, what it was asked, and a relay over the test database."""

    fake: FakeWeChat
    base: str
    http: aiohttp.ClientSession
    sessionmaker: async_sessionmaker
    clock: Clock
    seen: list[Seen] = field(default_factory=list)
    keys: itertools.count = field(default_factory=itertools.count)

    def relay(
        self, mp_secret: str = MP_SECRET, work_secret: str = WORK_SECRET, **options
    ) -> Relay:
        senders = {
            "mp": MpApi(self.http, self.base, self.clock, MP_APPID, mp_secret),
            "work": WorkApi(self.http, self.base, self.clock, CORPID, work_secret, AGENTID),
        }
        return Relay(self.sessionmaker, senders, self.clock, **options)

    async def queue(self, channel: str, recipient: str, *texts: str) -> None:
        async with self.sessionmaker() as session:
            for text in texts:
                await Outbox(session).put(
                    [
                        Message(
                            channel=channel,
                            recipient=recipient,
                            text=text,
                            dedup_key=f"test:{next(self.keys)}",
                        )
                    ],
                    self.clock.now(),
                )
            await session.commit()

    async def rows(self) -> list[OutboxMessage]:
        async with self.sessionmaker() as session:
            return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    async def row(self) -> OutboxMessage:
        [row] = await self.rows()
        return row

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == f"/cgi-bin/{path}"]


@pytest.fixture
async def delivery(sessionmaker, clock) -> AsyncIterator[Delivery]:
    fake = FakeWeChat(MP_APPID, MP_SECRET, CORPID, WORK_SECRET)
    seen: list[Seen] = []

    @web.middleware
    async def record(request: web.Request, handler):
        seen.append(Seen(request.method, request.path, await request.read()))
        return await handler(request)

    app = fake.app()
    app.middlewares.append(record)
    async with serving(app) as base, aiohttp.ClientSession() as http:
        yield Delivery(fake, base, http, sessionmaker, clock, seen)


async def test_resident_and_worker_get_messages_via_documented_token_endpoints(delivery):
    await delivery.queue("mp", RESIDENT, "您的反映已收到")
    await delivery.queue("work", WORKER, "您有一条新工单")

    assert await delivery.relay().drain() == 2

    assert delivery.fake.to(RESIDENT) == ["您的反映已收到"]
    assert delivery.fake.to(WORKER) == ["您有一条新工单"]
    assert [s.method for s in delivery.requests_to("stable_token")] == ["POST"]
    assert [s.method for s in delivery.requests_to("gettoken")] == ["GET"]
    assert delivery.requests_to("token") == []  # not the legacy MP endpoint
    assert {row.state for row in await delivery.rows()} == {"sent"}


@pytest.mark.parametrize("channel", ["mp", "work"])
async def test_wrong_app_secret_keeps_message_waiting_until_secret_is_fixed(
    delivery, clock, channel
):
    await delivery.queue(channel, RECIPIENTS[channel], "请于今天下午到社区服务站")
    broken = delivery.relay(mp_secret="wrong", work_secret="wrong")

    assert await broken.drain() == 1
    row = await delivery.row()
    assert (row.state, row.attempts, row.sent_at) == ("pending", 1, None)
    assert "errcode" in row.last_error
    assert row.next_attempt_at > clock.now()
    assert await broken.drain() == 0  # backing off, not hammering the token endpoint
    assert delivery.fake.sent == []

    clock.advance(minutes=5)
    assert await delivery.relay().drain() == 1

    assert delivery.fake.to(RECIPIENTS[channel]) == ["请于今天下午到社区服务站"]
    row = await delivery.row()
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)


async def test_token_endpoint_failing_costs_a_batch_one_try_not_one_per_message(delivery, clock):
    residents = [f"o_resident_{n:04}" for n in range(BATCH // 2)]
    for resident in residents:
        await delivery.queue("mp", resident, "您反映的问题已受理", "网格员已到现场")
    broken = delivery.relay(mp_secret="wrong")

    assert await broken.drain() == BATCH // 2  # each person's first; their second waits with it

    assert len(delivery.requests_to("stable_token")) == 1  # the others shared its failure
    rows = await delivery.rows()
    first, second = rows[::2], rows[1::2]
    assert all((row.state, row.attempts) == ("pending", 1) for row in first)
    assert all("errcode" in row.last_error for row in first)
    assert all((row.state, row.attempts) == ("pending", 0) for row in second)  # not counted
    assert [row.next_attempt_at for row in second] == [row.next_attempt_at for row in first]
    clock.advance(minutes=5)
    assert await delivery.relay().drain() == BATCH
    assert all(
        delivery.fake.to(resident) == ["您反映的问题已受理", "网格员已到现场"]
        for resident in residents
    )


async def test_a_message_to_be_retried_is_not_overtaken_by_the_next_to_the_same_person(
    delivery, clock
):
    await delivery.queue("work", WORKER, "【新工单】GB-0001", "【催办】GB-0001")
    delivery.fake.fail_next.append(SYSTEM_ERROR)
    relay = delivery.relay()

    assert await relay.drain() == 1
    assert delivery.fake.to(WORKER) == []
    clock.advance(minutes=1)
    assert await relay.drain() == 2

    assert delivery.fake.to(WORKER) == ["【新工单】GB-0001", "【催办】GB-0001"]


async def test_burst_of_twenty_messages_fetches_one_token_per_app(delivery):
    texts = [f"第{n}条通知" for n in range(20)]
    await delivery.queue("mp", RESIDENT, *texts)
    await delivery.queue("work", WORKER, *texts)

    assert await delivery.relay().drain() == 40

    assert delivery.fake.token_fetches == {"mp": 1, "work": 1}
    assert delivery.fake.to(RESIDENT) == texts
    assert delivery.fake.to(WORKER) == texts


@pytest.mark.parametrize("channel", ["mp", "work"])
async def test_token_expiring_mid_burst_is_refreshed_once_and_nothing_is_lost_or_doubled(
    delivery, channel
):
    texts = ["第一条", "第二条", "第三条"]
    await delivery.queue(channel, RECIPIENTS[channel], *texts)
    expired: list[Sent] = []

    def expire_after_first(sent: Sent) -> None:
        if not expired:
            expired.append(sent)
            delivery.fake.expire_tokens()

    delivery.fake.listeners.append(expire_after_first)

    assert await delivery.relay().drain() == 3

    assert delivery.fake.token_fetches[channel] == 2
    assert delivery.fake.to(RECIPIENTS[channel]) == texts
    assert [(row.state, row.attempts) for row in await delivery.rows()] == [("sent", 1)] * 3


async def test_resident_outside_48h_window_message_is_held_with_its_text_not_retried(
    delivery, clock
):
    delivery.fake.window_closed.add(RESIDENT)
    await delivery.queue("mp", RESIDENT, "您的工单已办结，感谢您的反映 🙏")
    relay = delivery.relay()

    assert await relay.drain() == 1
    clock.advance(days=1)
    assert await relay.drain() == 0

    row = await delivery.row()
    assert (row.state, row.attempts, row.recipient) == ("held", 1, RESIDENT)
    assert "45015" in row.last_error
    assert row.body["text"] == "您的工单已办结，感谢您的反映 🙏"
    assert len(delivery.requests_to("message/custom/send")) == 1
    assert delivery.fake.sent == []


async def test_transient_wechat_error_is_retried_after_backoff_and_sent_once(delivery, clock):
    delivery.fake.fail_next = [SYSTEM_ERROR]
    await delivery.queue("mp", RESIDENT, "网格员正在赶来")
    relay = delivery.relay()

    assert await relay.drain() == 1
    row = await delivery.row()
    assert (row.state, row.attempts) == ("pending", 1)
    assert "system error" in row.last_error
    assert clock.now() < row.next_attempt_at <= clock.now() + BASE_DELAY * 1.5
    assert await relay.drain() == 0
    assert delivery.fake.sent == []

    clock.advance(minutes=1)
    assert await relay.drain() == 1
    assert await relay.drain() == 0

    assert delivery.fake.to(RESIDENT) == ["网格员正在赶来"]
    row = await delivery.row()
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)


async def test_message_failing_every_attempt_is_marked_dead_and_no_longer_tried(delivery, clock):
    delivery.fake.fail_next = [SYSTEM_ERROR] * (MAX_ATTEMPTS + 1)
    await delivery.queue("work", WORKER, "紧急：东关一网格有新工单")
    relay = delivery.relay()

    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert (await delivery.row()).state == "pending"
        assert await relay.drain() == 1
        assert (await delivery.row()).attempts == attempt
        clock.advance(hours=2)

    assert await relay.drain() == 0
    row = await delivery.row()
    assert (row.state, row.attempts) == ("dead", MAX_ATTEMPTS)
    assert row.body["text"] == "紧急：东关一网格有新工单"
    assert len(delivery.fake.fail_next) == 1  # no request after the last attempt
    assert delivery.fake.sent == []


async def test_notice_to_unknown_wecom_user_is_held_and_known_user_still_gets_theirs(
    delivery, clock
):
    delivery.fake.work_users = {"someoneelse"}
    await delivery.queue("work", "nobody", "您有一条新工单")
    await delivery.queue("work", "someoneelse", "您有一条新工单")
    relay = delivery.relay()

    assert await relay.drain() == 2
    clock.advance(days=1)
    assert await relay.drain() == 0

    held, sent = await delivery.rows()
    assert (held.state, held.attempts, held.recipient) == ("held", 1, "nobody")
    assert "81013" in held.last_error
    assert sent.state == "sent"
    assert delivery.fake.sent == [Sent("work", "someoneelse", "您有一条新工单")]


async def test_two_relays_draining_at_once_send_each_message_once(delivery):
    mp_texts = [f"居民通知{n}" for n in range(10)]
    work_texts = [f"工单通知{n}" for n in range(10)]
    await delivery.queue("mp", RESIDENT, *mp_texts)
    await delivery.queue("work", WORKER, *work_texts)
    relay = delivery.relay()

    handled = await asyncio.gather(relay.drain(), relay.drain())

    assert sum(handled) == 20
    assert sorted(delivery.fake.to(RESIDENT)) == sorted(mp_texts)
    assert sorted(delivery.fake.to(WORKER)) == sorted(work_texts)
    assert delivery.fake.token_fetches == {"mp": 1, "work": 1}
    assert [(row.state, row.attempts) for row in await delivery.rows()] == [("sent", 1)] * 20


TEXT = "您好！您反映的「小区门口垃圾」已转给网格员李明华 👷‍♂️🗑️\n编号 GB-7K2Q，请耐心等待😊"


async def test_resident_and_worker_receive_exact_text_and_wecom_carries_agentid(delivery):
    await delivery.queue("mp", RESIDENT, TEXT)
    await delivery.queue("work", WORKER, TEXT)

    assert await delivery.relay().drain() == 2

    sent = sorted(delivery.fake.sent, key=lambda sent: sent.channel)  # sent side by side
    assert sent == [Sent("mp", RESIDENT, TEXT), Sent("work", WORKER, TEXT)]
    [mp_request] = delivery.requests_to("message/custom/send")
    [work_request] = delivery.requests_to("message/send")
    expected_text = {"msgtype": "text", "text": {"content": TEXT}}
    assert mp_request.json() == {"touser": RESIDENT, **expected_text}
    assert work_request.json() == {
        "touser": WORKER,
        "agentid": AGENTID,
        **expected_text,
        "enable_duplicate_check": 1,  # WeCom drops a re-send
        "duplicate_check_interval": 14400,
    }


async def test_chinese_and_emoji_reach_wechat_as_utf8_not_unicode_escapes(delivery):
    # WeChat shows \uXXXX escapes to the user as they are; wechatpy sends ensure_ascii=False.
    await delivery.queue("mp", RESIDENT, TEXT)
    await delivery.queue("work", WORKER, TEXT)

    await delivery.relay().drain()

    for path in ("message/custom/send", "message/send"):
        [request] = delivery.requests_to(path)
        body = request.body.decode("utf-8")
        assert "\\u" not in body, f"{path} escaped the text: {body[:80]}"
        assert json.dumps(TEXT, ensure_ascii=False) in body


async def test_clock_set_back_does_not_hold_back_a_queued_notice_nor_resend_it(delivery, clock):
    await delivery.queue("work", WORKER, "您有一条新工单，请尽快接单")
    clock.advance(hours=-2)  # an operator or NTP steps the clock back before the relay runs
    relay = delivery.relay()

    assert await relay.drain() == 1
    assert await relay.drain() == 0
    clock.advance(hours=3)
    assert await relay.drain() == 0

    assert delivery.fake.to(WORKER) == ["您有一条新工单，请尽快接单"]
    assert [(row.state, row.attempts) for row in await delivery.rows()] == [("sent", 1)]


async def test_a_relay_takes_one_batch_at_a_time_however_many_rows_are_due(delivery):
    # A fresh table has no planner statistics: the claim must still stop at one batch, or one
    # relay would hold every row under its lease while the others stood idle.
    await delivery.queue("work", WORKER, *(f"巡查提醒{n}" for n in range(3 * BATCH)))
    relay = delivery.relay()

    assert await relay.send_batch() == (BATCH, True)  # a full batch: more may be due

    rows = await delivery.rows()
    assert [row.state for row in rows].count("sent") == BATCH
    assert all((row.state, row.attempts) == ("pending", 0) for row in rows[BATCH:])
    assert await relay.drain() == 2 * BATCH
    assert len(delivery.fake.to(WORKER)) == 3 * BATCH


async def test_a_slow_batch_gives_back_what_it_could_not_begin_in_time(delivery, clock):
    await delivery.queue("work", WORKER, *(f"工单通知{n}" for n in range(5)))
    slow = SlowWeCom(clock)
    relay = Relay(delivery.sessionmaker, {"work": slow}, clock)

    tried, more = await relay.send_batch()  # 40 s, 80 s: past SEND_WITHIN before the third

    assert (tried, more) == (2, True) and slow.received == ["工单通知0", "工单通知1"]
    rows = await delivery.rows()
    assert [(row.state, row.attempts) for row in rows] == [("sent", 1)] * 2 + [("pending", 0)] * 3
    assert all(row.next_attempt_at <= clock.now() for row in rows[2:])  # due again at once
    await relay.drain()
    assert slow.received == [f"工单通知{n}" for n in range(5)]  # each once, in order


async def test_messages_to_different_people_go_side_by_side_each_persons_in_order(delivery):
    await delivery.queue("work", WORKER, "工单通知1", "工单通知2")
    await delivery.queue("work", "wangfang", "巡查提醒1", "巡查提醒2")
    wecom = Rendezvous(first=WORKER, second="wangfang")
    relay = Relay(delivery.sessionmaker, {"work": wecom}, delivery.clock)

    # one message after another, the first would wait for ever on the second person's
    assert await asyncio.wait_for(relay.drain(), timeout=30) == 4

    assert wecom.to(WORKER) == ["工单通知1", "工单通知2"]
    assert wecom.to("wangfang") == ["巡查提醒1", "巡查提醒2"]
    assert [row.state for row in await delivery.rows()] == ["sent"] * 4


class Blip(Relay):
    """A relay whose database refuses the next statement once `blip` is set."""

    blip = False

    def _autocommit(self):
        if self.blip:
            self.blip = False
            raise ConnectionResetError("the database went away")
        return super()._autocommit()


async def test_database_failing_mid_batch_stops_every_queue_before_the_failure_is_told(
    delivery, clock
):
    await delivery.queue("work", "wangfang", "巡查提醒1", "巡查提醒2")
    await delivery.queue("work", WORKER, "工单通知1")
    got, gate = [], asyncio.Event()

    class WeCom:
        async def send(self, recipient: str, body: dict) -> None:
            if recipient == WORKER and not got:  # the first outcome cannot be recorded
                relay.blip = True
                asyncio.get_running_loop().call_soon(gate.set)
            else:
                await gate.wait()
            got.append(body["text"])

    relay = Blip(delivery.sessionmaker, {"work": WeCom()}, clock)
    with pytest.raises(ConnectionResetError):
        await relay.send_batch()

    # told only once wangfang's send under way was done and recorded; no new one began
    assert got == ["工单通知1", "巡查提醒1"]
    states = {row.body["text"]: (row.state, row.attempts) for row in await delivery.rows()}
    assert states == {
        "巡查提醒1": ("sent", 1),
        "巡查提醒2": ("pending", 1),
        "工单通知1": ("pending", 1),
    }
    clock.advance(minutes=4)  # their lease is over
    assert await relay.drain() == 2
    # 工单通知1 goes again: its first sending was never recorded
    assert sorted(got[2:]) == sorted(["巡查提醒2", "工单通知1"])


async def test_urgent_message_behind_a_night_of_held_messages_goes_out_in_one_pass(
    delivery, clock
):
    night = clock.now().replace(hour=15)  # 23:00 in Shanghai
    clock.advance(seconds=(night - clock.now()).total_seconds())
    await delivery.queue("work", WORKER, *(f"明日走访计划{n}" for n in range(3 * BATCH)))
    async with delivery.sessionmaker() as session:
        await Outbox(session).put(
            [
                Message(
                    channel="work",
                    recipient=WORKER,
                    text="紧急：东关一网格燃气泄漏",
                    dedup_key="test:urgent",
                    urgent=True,
                )
            ],
            clock.now(),
        )
        await session.commit()
    relay = delivery.relay(quiet_end=lambda now: now.replace(hour=23, minute=0))  # 07:00 there

    await relay.drain()

    assert delivery.fake.to(WORKER) == ["紧急：东关一网格燃气泄漏"]
    held = [row for row in await delivery.rows() if row.state == "pending"]
    assert len(held) == 3 * BATCH and all(row.attempts == 0 for row in held)
    assert await relay.drain() == 0
