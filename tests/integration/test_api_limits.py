"""Every text sent fits the platform's limit in bytes; what is stored stays whole: the relay
sending to the fake WeChat API, on real databases."""

from __future__ import annotations

import aiohttp
import pytest

from bot.devkit.demo import serving
from bot.devkit.fake_wechat import FakeWeChat
from bot.relay import Relay
from bot.wechat_api import MpApi, WorkApi
from storage.outbox import Message, Outbox
from tests.stack import RESIDENT

LIMIT = 2048  # bytes of UTF-8 in a WeCom text, a customer-service text and a passive reply


MP_APPID, MP_SECRET = "wx0000000000test", "mp-secret-0123456789abcdef"


CORPID, WORK_SECRET, AGENTID = "ww0000000000test", "work-secret-0123456789abcdef", 1000002


LONG_NOTE = ("已联系环卫清运完毕，并与物业约定每日巡查两次，异味问题已解决。" * 400)[:10_000]


def fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= LIMIT


@pytest.fixture
async def relay_and_fake(sessionmaker, clock):
    fake = FakeWeChat(MP_APPID, MP_SECRET, CORPID, WORK_SECRET)
    async with serving(fake.app()) as base, aiohttp.ClientSession() as http:
        senders = {
            "mp": MpApi(http, base, clock, MP_APPID, MP_SECRET),
            "work": WorkApi(http, base, clock, CORPID, WORK_SECRET, AGENTID),
        }
        yield Relay(sessionmaker, senders, clock), fake


async def test_ten_thousand_character_messages_are_sent_clipped_and_kept_whole(
    relay_and_fake, sessionmaker, clock
):
    relay, fake = relay_and_fake
    async with sessionmaker() as session:
        for channel, recipient in (("mp", RESIDENT), ("work", "liminghua")):
            await Outbox(session).put(
                [
                    Message(
                        channel=channel,
                        recipient=recipient,
                        text=LONG_NOTE,
                        dedup_key=f"test:{channel}",
                    )
                ],
                clock.now(),
            )
        await session.commit()

    assert await relay.drain() == 2

    assert sorted(sent.channel for sent in fake.sent) == ["mp", "work"]
    for sent in fake.sent:
        assert fits(sent.text) and sent.text == LONG_NOTE[:681] + "…"
