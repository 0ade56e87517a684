"""Senders and message keys the database cannot hold are refused at the door, not stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import InboundMessage

CHANNELS = ["mp", "work"]
SENDER_CHARS = 64  # the sender and recipient columns hold 64 characters
KEY_CHARS = 200  # the message key column holds 200


def text_from(sim, sender: str) -> dict[str, object]:
    """A resident's report on the Official Account, a staff command on WeCom."""
    return sim.text(
        sender, "小区门口垃圾堆了好几天没人清理" if sim.channel.name == "mp" else "我的工单"
    )


async def inbound_rows(stack) -> list[InboundMessage]:
    async with stack.services.sessionmaker() as session:
        return list(await session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_sender_id_too_long_to_store_is_refused_as_bad_request(stack, channel):
    sim = getattr(stack, channel)

    reply = await sim.send(text_from(sim, "o" * 300))

    assert reply.status == 400 and "FromUserName" in reply.body
    assert await inbound_rows(stack) == [] and await stack.tickets() == []
    await stack.drain()
    assert stack.fake.sent == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_sender_id_of_exactly_64_characters_is_served(stack, channel):
    sim = getattr(stack, channel)
    sender = "o" * SENDER_CHARS

    reply = await sim.send(text_from(sim, sender))

    assert reply.status == 200 and reply.text
    assert [row.sender for row in await inbound_rows(stack)] == [sender]


@pytest.mark.parametrize("sender", ["", "   ", "\u3000"])
async def test_message_without_a_sender_is_refused_as_bad_request(stack, sender):
    reply = await stack.mp.send(stack.mp.text(sender, "路口红绿灯坏了"))
    assert reply.status == 400 and await inbound_rows(stack) == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_message_id_beyond_64_bits_is_refused_as_bad_request(stack, channel):
    sim = getattr(stack, channel)
    fields = text_from(sim, "o_resident_0001") | {"MsgId": "9" * 300}

    reply = await sim.send(fields)

    assert reply.status == 400 and await inbound_rows(stack) == []


async def test_two_menu_events_differing_only_far_into_their_keys_are_both_kept(stack):
    prefix = "menu/" + "很长的菜单键" * 40
    first = stack.mp.event("o_resident_0001", "CLICK", EventKey=prefix + "A")
    second = first | {"EventKey": prefix + "B"}  # same second, same sender, same event

    replies = [await stack.mp.send(first), await stack.mp.send(second)]

    assert [reply.status for reply in replies] == [200, 200]
    keys = [row.msg_key for row in await inbound_rows(stack)]
    assert len(set(keys)) == 2 and all(len(key) <= KEY_CHARS for key in keys)
    assert (await stack.mp.send(first)).status == 200  # WeChat retrying the first
    assert len(await inbound_rows(stack)) == 2
