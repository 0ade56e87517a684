"""Hostile and edge inputs against the webhook guarantees of issue 12, written black-box from
the requirements: storage before 200, retries, /healthz (1); well-formed passive replies (2);
plain-mode replay (10); malformed, huge and slow input (11). See tests/hostile.py for the
harness. People and numbers are fictional; the demo county is described in test_case_desk.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import secrets
import sqlite3
import time
import zlib
from urllib.parse import urlencode

import asyncpg
import pytest
from aiohttp import web

from bot.devkit.demo import serving
from bot.devkit.simulator import to_xml
from bot.wire import signature
from tests.hostile import (
    code_in,
    get,
    hostile_stacks,
    inbound_rows,
    one_text_message,
    raw_reply,
    settle,
    statuses_seen,
)
from tests.serve import BlackHole
from tests.stack import POINTS, RESIDENT

ONLY_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
GARBAGE = "小区门口垃圾堆了好几天没人清理，臭得很"
TRAFFIC = "路口红绿灯坏了，车都乱开"
WECHAT_WINDOW = 5.0  # WeChat waits five seconds for a passive reply, then retries
HEALTH_BUDGET = 2.0


def pg_dsn(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


@contextlib.asynccontextmanager
async def database_locked(url: str):
    """Nothing can be written to the journal of inbound messages while this is held."""
    if url.startswith("sqlite"):
        blocker = sqlite3.connect(url.split(":///", 1)[1])
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            blocker.rollback()
            blocker.close()
    else:
        blocker = await asyncpg.connect(pg_dsn(url))
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE inbound_messages IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            await transaction.rollback()
            await blocker.close()


# 1. A 200 means stored; 503 when it cannot be; retries answered alike; /healthz in 2 s


async def test_wechat_retrying_a_handled_message_three_times_gets_the_same_reply_and_one_ticket(
    seeded_url, clock
):
    async with hostile_stacks(seeded_url, clock) as [stack]:
        await stack.locate("东关一网格")
        query, body = stack.mp.sign(stack.mp.text(RESIDENT, GARBAGE))

        first = await stack.mp.post(query, body.encode())
        retries = [await stack.mp.post(query, body.encode()) for _ in range(3)]

        code = code_in(first.text)
        for retry in retries:
            assert retry.status == 200
            assert retry.text == first.text or retry.body == "success"
        await settle(stack)
        assert [t.code for t in await stack.tickets()] == [code]
        await stack.drain()
        assert len(stack.fake.to("liminghua")) == 1  # the worker is told once
        assert stack.fake.to(RESIDENT) == []  # the reply went passively, not again by API


@pytest.mark.parametrize("how", ["another-replica", "after-a-restart"])
async def test_retry_reaching_another_process_gets_the_same_reply_not_a_second_ticket(
    seeded_url, clock, how
):
    if how == "another-replica":
        async with hostile_stacks(seeded_url, clock, replicas=2) as [one, two]:
            await one.locate("东关一网格")
            query, body = one.mp.sign(one.mp.text(RESIDENT, GARBAGE))
            first = await one.mp.post(query, body.encode())
            retry = await two.mp.post(query, body.encode())
            await settle(one, two)
            tickets = await one.tickets()
    else:
        async with hostile_stacks(seeded_url, clock) as [one]:
            await one.locate("东关一网格")
            query, body = one.mp.sign(one.mp.text(RESIDENT, GARBAGE))
            first = await one.mp.post(query, body.encode())
            await settle(one)
        async with hostile_stacks(seeded_url, clock, settings=one.services.settings) as [two]:
            retry = await two.mp.post(query, body.encode())
            await settle(two)
            tickets = await two.tickets()

    assert first.status == 200 and retry.status == 200
    assert retry.text == first.text or retry.body == "success"
    assert [t.code for t in tickets] == [code_in(first.text)]


async def test_identical_retries_arriving_at_once_make_one_ticket_and_one_answer(
    seeded_url, clock
):
    replicas = 2 if seeded_url.startswith("postgresql") else 1
    async with hostile_stacks(seeded_url, clock, replicas=replicas) as stacks:
        stack = stacks[0]
        await stack.locate("东关一网格")
        query, body = stack.mp.sign(stack.mp.text(RESIDENT, GARBAGE))

        replies = await asyncio.gather(
            *(stacks[n % replicas].mp.post(query, body.encode()) for n in range(4))
        )

        assert [r.status for r in replies] == [200] * 4
        passive = [r.text for r in replies if r.body != "success"]
        assert len(set(passive)) <= 1
        await settle(*stacks)
        [ticket] = await stack.tickets()
        await stack.drain()
        by_api = [text for text in stack.fake.to(RESIDENT) if ticket.code in text]
        assert len(by_api) + min(len(passive), 1) == 1  # the resident hears it exactly once
        assert len(stack.fake.to("liminghua")) == 1


async def test_message_that_cannot_be_stored_in_time_gets_503_within_wechats_window(
    seeded_url, clock
):
    async with hostile_stacks(seeded_url, clock) as [stack]:
        await stack.locate("东关一网格")
        query, body = stack.mp.sign(stack.mp.text(RESIDENT, GARBAGE))

        async with database_locked(seeded_url):
            started = time.monotonic()
            refused = await stack.mp.post(query, body.encode())
            took = time.monotonic() - started

        assert refused.status == 503 and took < WECHAT_WINDOW
        assert "Traceback" not in refused.body
        retried = await stack.mp.post(query, body.encode())  # WeChat's retry
        assert retried.status == 200
        await settle(stack)
        await stack.take_up_journal()
        [ticket] = await stack.tickets()  # one ticket, whichever attempt made it
        await stack.drain()
        told = [
            text
            for text in [retried.text, *stack.fake.to(RESIDENT)]
            if text and ticket.code in text
        ]
        assert len(told) == 1  # and the resident hears of it once


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite",
        "postgresql",
    ],
    indirect=True,
)
async def test_healthz_answers_within_two_seconds_while_a_message_waits_on_a_locked_database(
    seeded_url, clock
):
    async with hostile_stacks(seeded_url, clock) as [stack]:
        await stack.locate("东关一网格")
        query, body = stack.mp.sign(stack.mp.text(RESIDENT, GARBAGE))
        async with database_locked(seeded_url):
            waiting = asyncio.create_task(stack.mp.post(query, body.encode()))
            await asyncio.sleep(0.5)
            status, _, took = await get(stack.base, "/healthz")
            await waiting
        assert status in (200, 503)
        assert took < HEALTH_BUDGET, f"/healthz took {took:.2f} s"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_healthz_answers_within_two_seconds_when_postgresql_stops_answering(
    seeded_url, clock
):
    user_and_host, name = seeded_url.split("://", 1)[1].rsplit("/", 1)
    user, host = user_and_host.rsplit("@", 1)
    server, _, port = host.partition(":")
    hole = BlackHole((server, int(port or 5432)))
    await hole.start()
    through_hole = f"postgresql+asyncpg://{user}@127.0.0.1:{hole.port}/{name}"
    try:
        async with hostile_stacks(through_hole, clock) as [stack]:
            await stack.locate("东关一网格")
            assert (await get(stack.base, "/healthz"))[0] == 200
            hole.hole()
            checks = [await get(stack.base, "/healthz") for _ in range(2)]
            posted = await stack.mp.send(stack.mp.text(RESIDENT, TRAFFIC))
            hole.restore()
    finally:
        await hole.close()

    assert posted.status == 503
    for status, _, took in checks:
        assert status == 503 and took < HEALTH_BUDGET, f"/healthz took {took:.2f} s"


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite",
        "postgresql",
    ],
    indirect=True,
)
async def test_hung_rasa_server_delays_no_webhook_past_wechats_window_and_healthz_stays_ok(
    seeded_url, clock
):
    """The README: with the rasa backend, a timeout or an error falls back to the embedded
    model. A Rasa server that stops answering must not take the webhooks down with it."""
    release = asyncio.Event()

    async def hung_parse(request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({})

    rasa = web.Application()
    rasa.router.add_post("/model/parse", hung_parse)
    async with (
        serving(rasa) as rasa_base,
        hostile_stacks(
            seeded_url,
            clock,
            classifier=None,
            settings_changes={"nlu_backend": "rasa", "rasa_url": rasa_base},
        ) as [stack],
    ):
        residents = [f"o_rasa_resident_{n:04d}" for n in range(8)]
        for resident in residents:
            await stack.locate("东关一网格", resident)
        started = time.monotonic()

        async def report(resident: str) -> tuple[int, float]:
            reply = await stack.mp.send(stack.mp.text(resident, TRAFFIC))
            return reply.status, time.monotonic() - started

        posts = [asyncio.create_task(report(resident)) for resident in residents]
        await asyncio.sleep(1.5)
        health = await get(stack.base, "/healthz")
        answered = await asyncio.gather(*posts)
        release.set()
        await settle(stack)

    slowest = max(took for _, took in answered)
    assert slowest < WECHAT_WINDOW, f"a webhook answered after {slowest:.1f} s: {answered}"
    assert all(status in (200, 503) for status, _ in answered)
    assert health[0] == 200 and health[2] < HEALTH_BUDGET, health


# 2. Every passive reply is one well-formed text message, whatever the user wrote

INJECTION = (
    "]]></Content><MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount>"
    "<Articles><item><Title><![CDATA[领取补贴]]></Title><Url><![CDATA[http://evil.example]]>"
    "</Url></item></Articles><Content><![CDATA["
)
ENTITY_TRICKS = "&lt;/Content&gt;<MsgType>news</MsgType>&#x5d;&#x5d;&gt;<![CDATA[x]]>"


@ONLY_SQLITE
@pytest.mark.parametrize(
    "command",
    [
        "转派 {code} {evil}",
        "指派 {code} {evil}",
        "户 {evil}",
        "户 {evil} 全部",
        "查户 {evil}",
        "工单 {evil}",
        "接单 {evil}",
        "办结 {code} {evil}",
        "上报 {code} {evil}",
        "退回 {code} {evil}",
        "走访 {evil} 情况",
        "{evil}",
    ],
)
@pytest.mark.parametrize("evil", [INJECTION, ENTITY_TRICKS])
async def test_staff_command_echoing_hostile_words_gets_one_text_reply(stack, command, evil):
    await stack.locate("东关一网格")
    code = code_in(await stack.say(GARBAGE))
    query, body = stack.work.sign(
        stack.work.text("liminghua", command.format(code=code, evil=evil))
    )

    status, _, reply = await raw_reply(stack.work, query, body.encode())

    assert status == 200 and reply is not None
    one_text_message(reply)


@ONLY_SQLITE
@pytest.mark.parametrize("sender", ["o_]]><MsgType>news</MsgType>", "o_&lt;x&gt;&amp;", "o_<x/>"])
async def test_plain_mode_reply_to_a_hostile_sender_id_is_one_text_message_back_to_them(
    seeded_url, clock, sender
):
    async with hostile_stacks(seeded_url, clock, plain_mp=True) as [stack]:
        await stack.locate("东关一网格", sender)
        query, body = stack.mp.sign(stack.mp.text(sender, INJECTION + GARBAGE))

        status, raw, reply = await raw_reply(stack.mp, query, body.encode())

        assert status == 200 and "<Encrypt>" not in raw  # plain mode: the reply is in clear
        assert reply.findtext("ToUserName") == sender
        code_in(one_text_message(reply))
        query, body = stack.mp.sign(stack.mp.text(sender, "查询"))
        status, _, listed = await raw_reply(stack.mp, query, body.encode())
        assert status == 200 and INJECTION[:20] in one_text_message(listed)


@ONLY_SQLITE
@pytest.mark.parametrize(
    "control",
    ["\x08", "\x0b", "\x0c", "\x1b"],
    ids=["backspace", "vertical-tab", "form-feed", "escape"],
)
async def test_report_with_a_control_character_gets_a_well_formed_text_reply(stack, control):
    await stack.locate("东关一网格")
    report = f"小区门口{control}垃圾堆了好几天没人清理"
    query, body = stack.mp.sign(stack.mp.text(RESIDENT, report))

    status, raw, reply = await raw_reply(stack.mp, query, body.encode())

    assert status == 200, raw
    content = one_text_message(reply)
    assert control not in content and code_in(content)
    assert [t.text for t in await stack.tickets()] == ["小区门口垃圾堆了好几天没人清理"]


# 10. A captured plain-mode query replayed with a forged body is refused everywhere


def forged_bodies(sim, genuine: dict) -> dict[str, str]:
    """Bodies an attacker holding a captured (timestamp, nonce, signature) would post."""
    return {
        "victim-urgent": to_xml(sim.text("o_victim_resident_01", "煤气泄漏了，快来人")),
        "same-sender": to_xml(sim.text(RESIDENT, "楼道的灯坏了，黑乎乎的")),
        "same-msgid": to_xml(genuine | {"Content": "有人晕倒了，快来人"}),
        "event": to_xml(sim.event("o_victim_resident_02", "subscribe")),
        "location": to_xml(sim.location("o_victim_resident_03", *POINTS["东关二网格"])),
    }


async def assert_nothing_came_of_it(stack, tickets_before, inbound_before) -> None:
    await settle(stack)
    assert [t.code for t in await stack.tickets()] == tickets_before
    assert [row.id for row in await inbound_rows(stack)] == inbound_before
    await stack.drain()
    for victim in ("o_victim_resident_01", "o_victim_resident_02", "o_victim_resident_03"):
        assert stack.fake.to(victim) == []
    assert stack.fake.to("zhouhaitao") == [] and stack.fake.to("chenzhiqiang") == []


@pytest.mark.parametrize(
    "forgery", ["victim-urgent", "same-sender", "same-msgid", "event", "location"]
)
async def test_captured_plain_query_with_a_forged_body_is_refused_by_every_replica(
    seeded_url, clock, forgery
):
    async with hostile_stacks(seeded_url, clock, replicas=2, plain_mp=True) as [one, two]:
        await one.locate("东关一网格")
        genuine = one.mp.text(RESIDENT, GARBAGE)
        query, body = one.mp.sign(genuine)
        answered = (await one.mp.post(query, body.encode())).text
        code_in(answered)
        await settle(one)
        tickets = [t.code for t in await one.tickets()]
        inbound = [row.id for row in await inbound_rows(one)]
        forged_body = forged_bodies(one.mp, genuine)[forgery].encode()

        for replica in (one, two, two):
            forged = await replica.mp.post(query, forged_body)
            assert forged.status in (200, 403, 409)
            # nothing is answered for the forgery; at most the genuine message's own reply,
            # which whoever captured the plain-mode query saw already
            assert forged.text in (None, answered)

        await assert_nothing_came_of_it(one, tickets, inbound)


async def test_captured_query_is_refused_by_a_replica_started_after_it_was_used(seeded_url, clock):
    async with hostile_stacks(seeded_url, clock, plain_mp=True) as [first]:
        await first.locate("东关一网格")
        genuine = first.mp.text(RESIDENT, GARBAGE)
        query, body = first.mp.sign(genuine)
        assert (await first.mp.post(query, body.encode())).status == 200
        await settle(first)

    async with hostile_stacks(
        seeded_url, clock, plain_mp=True, settings=first.services.settings
    ) as [later]:
        tickets = [t.code for t in await later.tickets()]
        inbound = [row.id for row in await inbound_rows(later)]
        forged_body = forged_bodies(later.mp, genuine)["victim-urgent"].encode()
        forged = await later.mp.post(query, forged_body)
        assert forged.text is None
        await assert_nothing_came_of_it(later, tickets, inbound)


async def test_one_query_posted_with_two_bodies_to_two_replicas_at_once_serves_only_one(
    seeded_url, clock
):
    async with hostile_stacks(seeded_url, clock, replicas=2, plain_mp=True) as [one, two]:
        await one.locate("东关一网格")
        await one.locate("东关二网格", "o_victim_resident_01")
        query, genuine = one.mp.sign(one.mp.text(RESIDENT, GARBAGE))
        forged = to_xml(one.mp.text("o_victim_resident_01", TRAFFIC))

        replies = await asyncio.gather(
            one.mp.post(query, genuine.encode()), two.mp.post(query, forged.encode())
        )

        assert all(r.status < 500 for r in replies)
        await settle(one, two)
        assert len([r for r in replies if r.text]) == 1
        assert len(await one.tickets()) == 1


# 11. Malformed, huge or hostile input gets a 4xx, never a 500 or a stack trace


def assert_refused(status: int, body: str) -> None:
    assert 400 <= status < 500, (status, body)
    assert "Traceback" not in body and 'File "' not in body


@ONLY_SQLITE
@pytest.mark.parametrize(
    "fields",
    [
        "text",
        "event",
        "location",
        "image",
        "cjk-text",
        "plain-text",
    ],
)
async def test_300_character_sender_is_refused_with_400_whatever_the_message(
    seeded_url, clock, fields
):
    long = "网" * 300 if fields == "cjk-text" else "o" * 300
    async with hostile_stacks(seeded_url, clock, plain_mp=fields == "plain-text") as [stack]:
        mp = stack.mp
        message = {
            "text": mp.text(long, TRAFFIC),
            "cjk-text": mp.text(long, TRAFFIC),
            "plain-text": mp.text(long, TRAFFIC),
            "event": mp.event(long, "subscribe"),
            "location": mp.location(long, *POINTS["东关一网格"]),
            "image": mp.image(long),
        }[fields]
        reply = await mp.send(message)
        assert reply.status == 400
        assert_refused(reply.status, reply.body)
        assert await inbound_rows(stack) == [] and await stack.tickets() == []


@ONLY_SQLITE
@pytest.mark.parametrize(
    "change",
    [
        {"MsgId": "abc"},
        {"MsgId": "-5"},
        {"MsgId": "1e3"},
        {"MsgId": "9" * 300},
        {"CreateTime": "abc"},
        {"CreateTime": "9" * 40},
        {"MsgType": "t" * 300},
        {"ToUserName": "g" * 300},
        {"Content": "路" * 15000},
        {"FromUserName": "o_\x01abc"},
    ],
)
async def test_hostile_message_fields_get_an_answer_below_500(stack, change):
    reply = await stack.mp.send(stack.mp.text(RESIDENT, TRAFFIC) | change)
    assert reply.status < 500 and "Traceback" not in reply.body


@ONLY_SQLITE
async def test_hostile_query_strings_are_refused_with_4xx(stack):
    query, body = stack.mp.sign(stack.mp.text(RESIDENT, TRAFFIC))
    attempts = [
        {k: v for k, v in query.items() if k != "timestamp"},
        query | {"timestamp": "abc"},
        query | {"timestamp": "9" * 400},
        query | {"timestamp": "-5"},
        query | {"timestamp": "NaN"},
        query | {"timestamp": "١٧٩٦١٦٨٥٨٠"},
        query | {"nonce": "n" * 5000},
        query | {"msg_signature": "zz" * 20},
        query | {"msg_signature": ""},
    ]
    for attempt in attempts:
        reply = await stack.mp.post(attempt, body.encode())
        assert_refused(reply.status, reply.body)
    assert await inbound_rows(stack) == []


@ONLY_SQLITE
async def test_lone_surrogate_bytes_inside_the_encrypted_message_are_refused_with_400(stack):
    sim = stack.mp
    plain = to_xml(sim.text(RESIDENT, "路灯坏了\ud800好几天")).encode("utf-8", "surrogatepass")
    sealed = sim._prp().encrypt(plain, sim.channel.app_id).decode()
    timestamp, nonce = sim.timestamp(), secrets.token_hex(5)
    query = {
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": RESIDENT,
        "encrypt_type": "aes",
        "signature": signature(sim.channel.token, timestamp, nonce),
        "msg_signature": signature(sim.channel.token, timestamp, nonce, sealed),
    }

    reply = await sim.post(query, to_xml({"ToUserName": "gh_gridbot", "Encrypt": sealed}).encode())

    assert reply.status == 400
    assert_refused(reply.status, reply.body)
    assert await inbound_rows(stack) == []


@ONLY_SQLITE
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_body_with_a_content_encoding_it_does_not_have_is_refused_with_4xx(stack, encoding):
    query, body = stack.mp.sign(stack.mp.text(RESIDENT, TRAFFIC))
    async with stack.mp.http.post(
        stack.mp.url, params=query, data=body.encode(), headers={"Content-Encoding": encoding}
    ) as response:
        status, text = response.status, await response.text()
    assert_refused(status, text)
    assert "500" not in await statuses_seen(stack.base, "/wechat/mp")


@ONLY_SQLITE
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_compressed_bomb_under_64_kib_is_refused_without_inflating_it(stack, encoding):
    huge = b"<xml>" + b" " * (50 * 1024 * 1024)  # 50 MiB of spaces, 50 KB compressed
    bomb = gzip.compress(huge, 9) if encoding == "gzip" else zlib.compress(huge, 9)
    assert len(bomb) < 64 * 1024
    query, _ = stack.mp.sign(stack.mp.text(RESIDENT, TRAFFIC))
    started = time.monotonic()
    async with stack.mp.http.post(
        stack.mp.url, params=query, data=bomb, headers={"Content-Encoding": encoding}
    ) as response:
        status, text = response.status, await response.text()
    assert_refused(status, text)
    assert time.monotonic() - started < 2.0


async def trickle(
    base: str, head: bytes, rest: bytes, every: float, give_up: float
) -> tuple[float, bytes]:
    """Send `head`, then `rest` one byte every `every` seconds; the seconds until the server
    ended the exchange (or `give_up`), and what it answered."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    started = time.monotonic()
    answer = b""

    async def feed() -> None:
        writer.write(head)
        await writer.drain()
        for byte in rest:
            await asyncio.sleep(every)
            writer.write(bytes([byte]))
            await writer.drain()

    feeding = asyncio.create_task(feed())
    try:
        answer = await asyncio.wait_for(reader.read(), give_up)
    except (TimeoutError, ConnectionError):
        pass
    finally:
        feeding.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError, OSError):
            await feeding
        writer.close()
    return time.monotonic() - started, answer


SLOW_LIMIT = 30.0  # seconds a trickling client may hold a connection


@ONLY_SQLITE
async def test_body_sent_one_byte_at_a_time_is_timed_out_while_others_are_served(stack):
    query, body = stack.mp.sign(stack.mp.text(RESIDENT, TRAFFIC))
    head = (
        f"POST /wechat/mp?{urlencode(query)} HTTP/1.1\r\nHost: gridbot\r\n"
        f"Content-Length: {len(body.encode())}\r\n\r\n"
    ).encode()

    slow = asyncio.create_task(trickle(stack.base, head, body.encode(), 0.5, SLOW_LIMIT + 5))
    await asyncio.sleep(1)
    assert (await get(stack.base, "/healthz"))[0] == 200
    assert (await stack.mp.send(stack.mp.text("o_other_resident_01", "你好"))).status == 200
    took, answer = await slow

    assert took < SLOW_LIMIT, f"a trickled body held the connection for {took:.0f} s"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 4")
    assert not [row for row in await inbound_rows(stack) if row.sender == RESIDENT]


@ONLY_SQLITE
@pytest.mark.xfail(
    strict=True,
    reason=(
        "request headers trickled one byte a second are never timed out: the connection is "
        "still open after 35 s (a probe kept one open for 110 s), so slow-header clients can "
        "hold connections indefinitely; only a trickled body is cut (after about 15 s)"
    ),
)
async def test_headers_sent_one_byte_at_a_time_are_timed_out(stack):
    head = b"POST /wechat/mp HTTP/1.1\r\n"
    took, _ = await trickle(stack.base, head, b"X-Slow: " + b"a" * 60, 1.0, SLOW_LIMIT + 5)
    assert took < SLOW_LIMIT, f"trickled headers held the connection for {took:.0f} s"
