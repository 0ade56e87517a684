"""Every text sent fits the platform's limit in bytes; what is stored stays whole."""

from __future__ import annotations

import re

import aiohttp
import defusedxml.ElementTree as SafeTree
import pytest

from bot.devkit.demo import serving
from bot.devkit.fake_wechat import FakeWeChat
from bot.devkit.simulator import to_xml
from bot.relay import Relay
from bot.wechat_api import MpApi, WorkApi
from bot.wire import clip_to_bytes, reply_xml
from storage.outbox import Message, Outbox
from tests.stack import RESIDENT

LIMIT = 2048  # bytes of UTF-8 in a WeCom text, a customer-service text and a passive reply
MP_APPID, MP_SECRET = "wx0000000000test", "mp-secret-0123456789abcdef"
CORPID, WORK_SECRET, AGENTID = "ww0000000000test", "work-secret-0123456789abcdef", 1000002
LONG_NOTE = ("已联系环卫清运完毕，并与物业约定每日巡查两次，异味问题已解决。" * 400)[:10_000]
GARBAGE = "小区门口垃圾堆了好几天没人清理，臭得很"
GRID_SUPERVISOR = "zhouhaitao"  # 东关社区's supervisor in the demo county


def fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= LIMIT


# Clipping


@pytest.mark.parametrize("text", ["", "办结", "a" * LIMIT, "网" * 682 + "ab", "🔥" * 512])
def test_text_that_fits_is_left_as_it_is(text):
    assert clip_to_bytes(text, LIMIT) == text


CUT = {  # text, and what is sent: whole characters, then "…", in at most 2048 bytes
    "ascii-one-byte-over": ("a" * 2049, "a" * 2045 + "…"),
    "cjk-one-character-over": ("网" * 683, "网" * 681 + "…"),
    "cut-inside-a-cjk-character": ("网" * 682 + "abc", "网" * 681 + "…"),
    "astral-fits-to-the-byte": ("a" + "🔥" * 512, "a" + "🔥" * 511 + "…"),
    "cut-inside-an-astral-character": ("ab" + "🔥" * 512, "ab" + "🔥" * 510 + "…"),
    "ten-thousand-characters": (LONG_NOTE, LONG_NOTE[:681] + "…"),
}


@pytest.mark.parametrize("case", list(CUT))
def test_text_too_long_is_cut_at_a_character_and_ends_with_an_ellipsis(case):
    text, sent = CUT[case]
    clipped = clip_to_bytes(text, LIMIT)
    assert clipped == sent and fits(clipped)


@pytest.mark.parametrize("limit", range(3, 40))
def test_clipped_text_never_exceeds_the_limit_nor_breaks_a_character(limit):
    text = "a网🔥𠮷é" * 10
    clipped = clip_to_bytes(text, limit)
    assert len(clipped.encode("utf-8")) <= limit
    assert clipped.endswith("…") and text.startswith(clipped[:-1])
    next_char = text[len(clipped) - 1]
    assert len((clipped + next_char).encode("utf-8")) > limit  # nothing more would have fitted


@pytest.mark.parametrize("channel", ["mp", "work"])
def test_passive_reply_content_is_clipped_to_the_limit(channel):
    inbound = to_xml(
        {
            "ToUserName": "gh_gridbot",
            "FromUserName": RESIDENT,
            "CreateTime": 1764122400,
            "MsgType": "text",
            "Content": "查询",
            "MsgId": 1,
        }
    )
    reply = SafeTree.fromstring(reply_xml(LONG_NOTE, inbound, channel))
    assert reply.findtext("Content") == LONG_NOTE[:681] + "…"


# Through the relay and the fake WeChat API


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


# End to end


async def test_long_resolution_and_urging_notes_reach_people_clipped_and_stay_whole_on_the_ticket(
    stack,
):
    await stack.locate("东关一网格")
    code = re.search(r"GB-\w+", await stack.say(GARBAGE)).group(0)
    await stack.drain()
    [(worker, _)] = [(sent.to, sent.text) for sent in stack.fake.sent if sent.channel == "work"]
    await stack.staff_says(GRID_SUPERVISOR, f"督办 {code} {LONG_NOTE}")
    await stack.staff_says(worker, f"接单 {code}")
    await stack.staff_says(worker, f"办结 {code} {LONG_NOTE}")
    await stack.drain()

    urged = stack.fake.to(worker)[-1]
    resolved = stack.fake.to(RESIDENT)[-1]
    assert urged.startswith("【督办】") and fits(urged) and urged.endswith("…")
    assert "已办结" in resolved and fits(resolved) and resolved.endswith("…")
    [ticket] = await stack.tickets()
    assert ticket.resolution == LONG_NOTE and len(ticket.resolution) == 10_000
    detail = await stack.staff_says(worker, f"工单 {code}")  # the trail shows both notes
    assert detail.startswith(f"工单 {code}") and fits(detail) and detail.endswith("…")
