"""Bad and hostile input on both webhooks: refused plainly, never a crash, nothing stored.

What `bot.wire` alone decides (signatures, XML, decryption, fields) is tested for every case in
tests/unit/test_wire.py; here each kind of refusal is posted over HTTP for one or two cases, to
show the status WeChat gets and that nothing is stored."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from bot import wire
from bot.devkit.simulator import WeChatSimulator, to_xml
from bot.wire import signature
from handlers import texts
from storage.models import InboundMessage
from tests.stack import RESIDENT, running_stack
from tests.wechat_input import (
    GRID_WORKER,
    UNSUPPORTED,
    envelope,
    forge,
    hostile,
    inside,
    sample,
    sealed,
    signed_query,
)

CHANNELS = ["mp", "work"]
MAX_BODY_BYTES = 64 * 1024


def _sim(stack, channel: str) -> WeChatSimulator:
    return getattr(stack, channel)


async def _inbound_rows(stack) -> list[InboundMessage]:
    async with stack.services.sessionmaker() as session:
        return list(await session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


async def _assert_nothing_stored(stack) -> None:
    assert await stack.tickets() == []
    assert await _inbound_rows(stack) == []
    await stack.drain()
    assert stack.fake.sent == []


async def _get(sim: WeChatSimulator, query: dict[str, str]) -> tuple[int, str]:
    async with sim.http.get(sim.url, params=query) as response:
        return response.status, await response.text()


# URL verification (GET)


async def test_official_account_url_check_echoes_back_with_correct_signature(stack):
    token, timestamp, nonce = stack.mp.channel.token, stack.mp.timestamp(), "n0nce"
    query = {
        "signature": signature(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": "5837397749645421234",
    }
    assert await _get(stack.mp, query) == (200, "5837397749645421234")


async def test_wecom_url_check_answers_decrypted_echo_with_correct_signature(stack):
    echo = stack.work._prp().encrypt("echo-3815-网格", stack.work.channel.app_id).decode()
    query = signed_query(stack.work, echo) | {"echostr": echo}
    assert await _get(stack.work, query) == (200, "echo-3815-网格")


@pytest.mark.parametrize("channel", ["work"])  # both channels: tests/unit/test_wire.py
async def test_url_check_with_wrong_signature_is_refused(stack, channel):
    sim = _sim(stack, channel)
    echo = sim._prp().encrypt("echo-1", sim.channel.app_id).decode()
    timestamp, nonce = sim.timestamp(), "n0nce"
    forged = signature("not-the-token", timestamp, nonce, echo)
    query = {
        "signature": forged,
        "msg_signature": forged,
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": echo,
    }
    status, body = await _get(sim, query)
    assert status == 403 and "echo-1" not in body and echo not in body


async def test_wecom_url_check_encrypted_for_another_corp_is_refused(stack):
    echo = stack.work._prp().encrypt("echo-2", "ww_someone_else").decode()
    status, body = await _get(stack.work, signed_query(stack.work, echo) | {"echostr": echo})
    assert status == 403 and "echo-2" not in body


# Who sent it (POST)


@pytest.mark.parametrize(  # every forgery on both channels: tests/unit/test_wire.py
    "channel, how", [("mp", "missing-signature"), ("work", "wrong-token")]
)
async def test_forged_signature_is_refused_and_nothing_is_stored(stack, channel, how):
    sim = _sim(stack, channel)
    reply = await sim.post(*forge(sim, how))
    assert reply.status == 403
    await _assert_nothing_stored(stack)


@pytest.mark.parametrize("channel", ["work"])  # both channels: tests/unit/test_wire.py
async def test_message_encrypted_for_another_account_is_refused(stack, channel):
    sim = _sim(stack, channel)
    other = "wx_someone_else00" if channel == "mp" else "ww_someone_else0"
    reply = await sim.post(*sealed(sim, to_xml(sample(sim)), app_id=other))
    assert reply.status == 403
    await _assert_nothing_stored(stack)


@pytest.mark.parametrize("channel", ["mp"])  # both channels: tests/unit/test_wire.py
async def test_plaintext_message_is_refused_while_safe_mode_is_on(stack, channel):
    sim = _sim(stack, channel)
    timestamp, nonce = sim.timestamp(), "n0nce"
    token = sim.channel.token
    query = {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": signature(token, timestamp, nonce),
        "msg_signature": signature(token, timestamp, nonce),
    }
    reply = await sim.post(query, to_xml(sample(sim)).encode())
    assert reply.status == 403
    await _assert_nothing_stored(stack)


# Hostile bodies


@pytest.mark.parametrize("case", ["xxe", "billion-laughs"])  # every case: tests/unit/test_wire.py
async def test_hostile_xml_is_refused_quickly_as_bad_request(stack, case):
    """Both the envelope WeChat posts and the message inside it, on both channels. How quickly
    is measured by bench/hostile_xml.py."""
    for sim in (stack.mp, stack.work):
        query, body = sim.sign(sample(sim))
        attempts = [
            (query, hostile(case, inside(body))),
            sealed(sim, hostile(case, inside(to_xml(sample(sim))))),
        ]
        for attempt_query, attempt_body in attempts:
            reply = await sim.post(attempt_query, attempt_body)
            assert reply.status == 400, (sim.channel.name, reply.body)
            assert "root:" not in reply.body  # nothing of /etc/passwd comes back
    await _assert_nothing_stored(stack)


@pytest.mark.parametrize("garbage", ["%%% not base64 %%%"])  # all: tests/unit/test_wire.py
@pytest.mark.parametrize("channel", ["mp"])
async def test_garbage_in_encrypt_field_is_refused_as_bad_request(stack, channel, garbage):
    sim = _sim(stack, channel)
    reply = await sim.post(signed_query(sim, garbage), envelope(sim, garbage))
    assert reply.status == 400, reply.body
    await _assert_nothing_stored(stack)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_body_over_64_kib_is_refused_as_too_large(stack, channel):
    sim = _sim(stack, channel)
    body = b"<xml><Encrypt>" + b"A" * MAX_BODY_BYTES + b"</Encrypt></xml>"
    reply = await sim.post(signed_query(sim, "A" * MAX_BODY_BYTES), body)
    assert reply.status == 413
    await _assert_nothing_stored(stack)


async def test_body_sent_slowly_is_timed_out_within_the_reply_deadline(seeded_url, clock):
    """A sender that starts a request and then trickles (or holds back) its body gets 408 in
    time; it does not hold a connection and a handler for ever."""
    async with running_stack(seeded_url, clock, reply_deadline=0.5) as slow:
        host, port = slow.base.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /wechat/mp?timestamp=1&nonce=n&signature=s HTTP/1.1\r\n"
            b"Host: gridbot\r\nContent-Length: 4000\r\n\r\n<xml><ToUserName>"
        )
        await writer.drain()
        started = time.monotonic()
        status = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
        assert status.startswith(b"HTTP/1.1 408") and time.monotonic() - started < 2
        await _assert_nothing_stored(slow)


@pytest.mark.parametrize("field", ["Event"])  # both fields, both channels: tests/unit/test_wire.py
@pytest.mark.parametrize("channel", ["work"])
async def test_message_with_empty_type_or_event_is_refused_not_crashed(stack, channel, field):
    sim = _sim(stack, channel)
    fields = sim.event(RESIDENT, "subscribe") | {field: ""}
    reply = await sim.post(*sealed(sim, to_xml(fields)))
    assert reply.status == 400, reply.body
    await _assert_nothing_stored(stack)


# What residents and staff hear back


@pytest.mark.parametrize(  # both kinds are "unknown" to the wire: tests/unit/test_wire.py
    "msg_type, extra", [("miniprogrampage", UNSUPPORTED["miniprogrampage"])]
)
async def test_unsupported_message_gets_polite_reply_and_is_kept(stack, msg_type, extra):
    reply = await stack.mp.send(stack.mp.message(RESIDENT, msg_type, **extra))
    assert reply.status == 200 and reply.text == texts.UNSUPPORTED
    [row] = await _inbound_rows(stack)
    assert row.sender == RESIDENT and row.kind == "unknown"
    assert next(iter(extra.values())) in row.content  # what they sent is kept whole
    assert await stack.tickets() == []


async def test_report_with_markup_sql_emoji_and_zero_width_characters_is_kept_exactly(stack):
    report = (
        "小区门口垃圾堆了好几天没人清理 <script>alert('x')</script> "
        "'; DROP TABLE tickets; -- a &amp; b ]]> 🔥🧯𠮷👨‍👩‍👧 零\u200b宽\u200c字\u200d符\ufeff"
    )
    assert await stack.say(report) == texts.REPORT_WAITING_FOR_LOCATION
    assert [t.text for t in await stack.tickets()] == [report]
    kept = [wire.inbound("mp", row.content).text for row in await _inbound_rows(stack)]
    assert kept == [report]  # the journal keeps the message as WeChat sent it


async def test_nul_character_is_dropped_from_a_report_that_is_otherwise_kept(stack):
    reply = await stack.mp.send(stack.mp.text(RESIDENT, "小区门口垃圾堆了\x00好几天没人清理"))
    assert reply.status == 200, reply.body
    assert [t.text for t in await stack.tickets()] == ["小区门口垃圾堆了好几天没人清理"]


async def test_ten_thousand_character_report_is_kept_whole(stack):
    report = ("小区门口垃圾堆了好几天没人清理，臭得很，" * 500)[:10_000]
    await stack.locate("东关一网格")
    assert "GB-" in await stack.say(report)
    assert [t.text for t in await stack.tickets()] == [report]
    await stack.drain()
    notices = stack.fake.to(GRID_WORKER)
    assert len(notices) == 1 and len(notices[0].encode()) <= 2048  # WeCom's text limit


async def test_unregistered_wecom_user_is_told_they_are_not_registered(stack):
    reply = await stack.staff_says("stranger_007", "接单 GB-7K3PQ")
    assert reply == texts.STAFF_NOT_REGISTERED


async def test_staff_gibberish_gets_the_command_help(stack):
    reply = await stack.staff_says(GRID_WORKER, "asdf 今天天气不错 ¯\\_(ツ)_/¯")
    assert reply.startswith(texts.NOT_UNDERSTOOD) and texts.STAFF_HELP in reply


@pytest.mark.parametrize("x, y", [("nan", "nan")])  # all three: tests/unit/test_wire.py
async def test_location_with_impossible_coordinates_is_answered_as_outside_every_grid(stack, x, y):
    fields = stack.mp.message(RESIDENT, "location", Location_X=x, Location_Y=y, Scale=15)
    reply = await stack.mp.send(fields)
    assert reply.status == 200, reply.body
    assert reply.text == texts.OUTSIDE_GRIDS


async def test_the_five_minute_window_follows_the_service_clock(stack, clock):
    clock.advance(hours=2)  # the service's clock, days from the wall clock
    await stack.locate("东关一网格")
    accepted = await stack.mp.send(stack.mp.text(RESIDENT, "路口红绿灯坏了"))
    fields = stack.mp.text(RESIDENT, "路口红绿灯又坏了")
    query, body = stack.mp.sign(fields, timestamp=str(int(time.time())))  # the wall clock
    refused = await stack.mp.post(query, body.encode())

    assert accepted.status == 200 and "GB-" in accepted.text
    assert refused.status == 403


@pytest.mark.parametrize("age", [-400, 400])
async def test_signed_request_outside_the_five_minute_window_is_refused(stack, age):
    fields = stack.mp.text(RESIDENT, "路口红绿灯坏了")
    query, body = stack.mp.sign(fields, timestamp=str(int(stack.mp.now()) - age))
    reply = await stack.mp.post(query, body.encode())
    assert reply.status == 403
    await _assert_nothing_stored(stack)


async def test_same_timestamp_and_nonce_again_is_a_duplicate(stack):
    await stack.locate("东关一网格")
    first = stack.mp.text(RESIDENT, "路口红绿灯坏了")
    query, body = stack.mp.sign(first, nonce="fixed-nonce")
    assert (await stack.mp.post(query, body.encode())).status == 200
    second = stack.mp.text(RESIDENT, "小区门口垃圾没人清")  # another MsgId, same nonce
    query2, body2 = stack.mp.sign(second, timestamp=query["timestamp"], nonce="fixed-nonce")
    replay = await stack.mp.post(query2, body2.encode())
    assert replay.status == 200 and replay.body == "success"
    assert len(await stack.tickets()) == 1
