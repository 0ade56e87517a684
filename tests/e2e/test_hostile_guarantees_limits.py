"""Hostile tests of the limits of issue 12: the per-sender token bucket and urgent alerts (7),
the 2048-byte clip of every outbound text (8), redirects from the WeChat APIs (9).

The demo county: 东关一网格 and 东关二网格 lie in 东关社区 (supervisor zhouhaitao) under 清泉街道
(chenzhiqiang); liminghua is 东关一网格's grid worker. People and numbers are fictional.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from aiohttp import web

from bot.devkit.demo import serving
from tests.hostile import code_in, hostile_stacks, inbound_rows, metric, settle
from tests.stack import RESIDENT

ONLY_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PRODUCT_DEFAULTS: dict = {}  # an empty [limits]: per_minute = 10, burst = 5 by default
BURST = 5
SUPERVISORS = ("zhouhaitao", "chenzhiqiang")
EMERGENCY_LINE = re.compile(r"拨打 ?(119|110|120)")  # what to do now, fitted to the kind
URGENT = [
    "着火了！三号楼楼道里全是烟",
    "煤气泄漏了，整栋楼都是味道",
    "有人晕倒了，倒在小区门口不动了",
    "有人掉进河里了，快来人",
    "有人拿刀砍人了，流了很多血",
]
LIMIT = 2048  # bytes, WeChat's and WeCom's text limit


def traffic(n: int) -> str:
    return f"路口红绿灯坏了，第{n}个路口，车都乱开"


async def alerts(stack) -> dict[str, int]:
    await stack.drain()
    return {who: sum("紧急" in text for text in stack.fake.to(who)) for who in SUPERVISORS}


# 7. The per-sender token bucket


async def test_sender_over_the_bucket_gets_one_polite_reply_no_ticket_and_is_counted(
    seeded_url, clock
):
    async with hostile_stacks(seeded_url, clock, sections={"limits": PRODUCT_DEFAULTS}) as [stack]:
        await stack.locate("东关一网格")  # a message too: one token of the five
        answers = [await stack.mp.send(stack.mp.text(RESIDENT, traffic(n))) for n in range(10)]

        assert all(a.status == 200 for a in answers)
        served, over = answers[: BURST - 1], answers[BURST - 1 :]
        assert all(code_in(a.text) for a in served)
        polite = [a.text for a in over if a.text]
        assert len(polite) == 1 and "GB-" not in polite[0]  # one polite reply, the rest quiet
        assert len(await stack.tickets()) == BURST - 1
        assert await metric(stack.base, "gridbot_rate_limited_total") == len(over)
        await settle(stack)
        await stack.drain()
        assert stack.fake.to(RESIDENT) == []  # nothing of the dropped ones comes later


@ONLY_SQLITE
async def test_bucket_refills_at_ten_a_minute_and_never_holds_more_than_the_burst(
    seeded_url, clock
):
    async with hostile_stacks(seeded_url, clock, sections={"limits": PRODUCT_DEFAULTS}) as [stack]:
        await stack.locate("东关一网格")
        for n in range(6):
            await stack.say(traffic(n))
        assert len(await stack.tickets()) == BURST - 1

        clock.advance(seconds=6)  # one token back
        assert code_in(await stack.say(traffic(100)))
        again = await stack.mp.send(stack.mp.text(RESIDENT, traffic(101)))
        assert not (again.text and "GB-" in again.text)  # and only one
        assert len(await stack.tickets()) == BURST
        clock.advance(hours=3)  # a long quiet: the bucket is full again, but only to five
        made = [await stack.mp.send(stack.mp.text(RESIDENT, traffic(200 + n))) for n in range(8)]
        assert [bool(a.text and "GB-" in a.text) for a in made] == [True] * BURST + [False] * 3


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite",
        "postgresql",
    ],
    indirect=True,
)
async def test_flood_of_one_sender_posted_all_at_once_is_held_to_the_burst(seeded_url, clock):
    async with hostile_stacks(seeded_url, clock, sections={"limits": PRODUCT_DEFAULTS}) as [stack]:
        await stack.locate("东关一网格")
        answers = await asyncio.gather(
            *(stack.mp.send(stack.mp.text(RESIDENT, traffic(n))) for n in range(20))
        )
        await settle(stack)

        assert all(a.status == 200 for a in answers)
        assert len(await stack.tickets()) <= BURST - 1
        assert await metric(stack.base, "gridbot_rate_limited_total") >= 20 - (BURST - 1)


async def test_flood_spread_over_two_replicas_shares_one_bucket(seeded_url, clock):
    async with hostile_stacks(
        seeded_url, clock, replicas=2, sections={"limits": PRODUCT_DEFAULTS}
    ) as replicas:
        await replicas[0].locate("东关一网格")
        for n in range(12):
            sim = replicas[n % 2].mp
            await sim.send(sim.text(RESIDENT, traffic(n)))
        assert len(await replicas[0].tickets()) == BURST - 1


@ONLY_SQLITE
async def test_wechat_retry_of_a_served_message_is_answered_alike_even_over_the_limit(
    seeded_url, clock
):
    async with hostile_stacks(seeded_url, clock, sections={"limits": PRODUCT_DEFAULTS}) as [stack]:
        await stack.locate("东关一网格")
        signed = [stack.mp.sign(stack.mp.text(RESIDENT, traffic(n))) for n in range(4)]
        first = [await stack.mp.post(q, b.encode()) for q, b in signed]
        assert (await stack.mp.send(stack.mp.text(RESIDENT, traffic(9)))).text  # the polite one
        limited = await metric(stack.base, "gridbot_rate_limited_total")

        retried = [await stack.mp.post(q, b.encode()) for q, b in signed]

        for before, again in zip(first, retried, strict=True):
            assert again.text == before.text or again.body == "success"
        assert await metric(stack.base, "gridbot_rate_limited_total") == limited
        assert len(await stack.tickets()) == 4


async def test_urgent_messages_over_the_limit_are_all_kept_with_one_alert_a_minute(
    seeded_url, clock
):
    async with hostile_stacks(seeded_url, clock, sections={"limits": PRODUCT_DEFAULTS}) as [stack]:
        await stack.locate("东关一网格")
        for n in range(6):
            await stack.mp.send(stack.mp.text(RESIDENT, traffic(n)))  # the bucket is empty
        before = len(await stack.tickets())

        replies = [await stack.mp.send(stack.mp.text(RESIDENT, text)) for text in URGENT * 2]

        for reply in replies:  # none dropped: each is answered as an emergency
            assert reply.status == 200 and EMERGENCY_LINE.search(reply.text or ""), reply.body
        kept = [row for row in await inbound_rows(stack) if row.kind == "text"]
        assert len(kept) >= 6 + len(replies)
        assert len(await stack.tickets()) - before >= 1
        assert await alerts(stack) == {who: 1 for who in SUPERVISORS}

        clock.advance(seconds=61)
        assert "119" in await stack.say("又着火了！五号楼冒黑烟")
        assert await alerts(stack) == {who: 2 for who in SUPERVISORS}


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite",
        "postgresql",
    ],
    indirect=True,
)
async def test_urgent_messages_posted_all_at_once_send_one_alert(seeded_url, clock):
    async with hostile_stacks(seeded_url, clock, sections={"limits": PRODUCT_DEFAULTS}) as [stack]:
        await stack.locate("东关一网格")
        replies = await asyncio.gather(
            *(stack.mp.send(stack.mp.text(RESIDENT, text)) for text in URGENT * 2)
        )
        await settle(stack)

        assert all(EMERGENCY_LINE.search(r.text or "") or r.body == "success" for r in replies)
        assert all(count <= 1 for count in (await alerts(stack)).values())


@ONLY_SQLITE
async def test_alert_cap_is_per_sender_another_household_still_raises_its_own(seeded_url, clock):
    async with hostile_stacks(seeded_url, clock, sections={"limits": PRODUCT_DEFAULTS}) as [stack]:
        other = "o_other_household_01"
        await stack.locate("东关一网格")
        await stack.locate("东关二网格", other)
        await stack.say(URGENT[0])
        await stack.say(URGENT[1])
        assert await alerts(stack) == {who: 1 for who in SUPERVISORS}

        await stack.say("有人晕倒了，在幸福里小区门口", other)

        assert await alerts(stack) == {who: 2 for who in SUPERVISORS}


# 8. Every outbound text is clipped to 2048 bytes at a character boundary, ending with …

# 3- and 4-byte characters and joined emoji, so that a cut by bytes would land mid-character
LONG_REPORT = "小区门口垃圾堆了好几天没人清理，臭得很" + "垃圾𠮷🔥a👨‍👩‍👧" * 400
LONG_NOTE = "已联系环卫清运完毕" + "清运👍🏽𠀀" * 500


def within_limit(text: str) -> None:
    size = len(text.encode("utf-8"))
    assert size <= LIMIT, f"{size} bytes"
    assert "\ufffd" not in text  # no half character turned into a replacement mark


def clipped_from(text: str, full: str) -> None:
    """`text` shows a clipped start of `full`, marked with …"""
    assert "…" in text
    shown = max((part for part in text.split("…")), key=len)
    assert any(piece and piece in full for piece in shown.split("："))


async def long_ticket(stack) -> str:
    await stack.locate("东关一网格")
    return code_in(await stack.say(LONG_REPORT))


@ONLY_SQLITE
async def test_long_report_reaches_the_worker_clipped_and_stays_whole_on_the_ticket(stack):
    code = await long_ticket(stack)
    await stack.drain()

    [notice] = stack.fake.to("liminghua")
    within_limit(notice)
    clipped_from(notice, LONG_REPORT)
    [ticket] = await stack.tickets()
    assert ticket.text == LONG_REPORT
    listed = await stack.staff_says("liminghua", "我的工单")
    within_limit(listed)
    assert "…" in listed
    within_limit(await stack.staff_says("liminghua", f"工单 {code}"))


@ONLY_SQLITE
async def test_ticket_detail_marks_a_clipped_report_with_an_ellipsis(stack):
    code = await long_ticket(stack)

    detail = await stack.staff_says("liminghua", f"工单 {code}")

    [shown] = [
        line.removeprefix("内容：") for line in detail.splitlines() if line.startswith("内容：")
    ]
    assert shown == LONG_REPORT or shown.endswith("…")


@ONLY_SQLITE
async def test_long_resolution_reaches_the_resident_clipped_with_an_ellipsis(stack):
    code = await long_ticket(stack)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} {LONG_NOTE}")
    await stack.drain()

    resolved = stack.fake.to(RESIDENT)[-1]
    within_limit(resolved)
    assert resolved.endswith("…") or "…" in resolved
    assert "已联系环卫清运完毕" in resolved
    assert (await stack.tickets())[0].resolution == LONG_NOTE


@ONLY_SQLITE
async def test_long_reason_and_urgent_text_reach_supervisors_within_the_limit(stack):
    code = await long_ticket(stack)
    await stack.staff_says("liminghua", f"上报 {code} 需要街道协调" + "原因🔥𠮷" * 600)
    await stack.locate("东关二网格", "o_urgent_resident_01")
    assert "119" in await stack.say("着火了！" + "楼道里全是烟🔥" * 400, "o_urgent_resident_01")
    await stack.drain()

    sent = [s for s in stack.fake.sent if s.to in SUPERVISORS]
    assert sent
    for message in sent:
        within_limit(message.text)


@ONLY_SQLITE
async def test_lists_of_many_tickets_and_many_neighbours_stay_within_the_limit(stack):
    code = await long_ticket(stack)
    for n in range(12):
        neighbour = f"o_neighbour_{n:04d}"
        await stack.locate("东关一网格", neighbour)
        await stack.say("单元门口的垃圾箱满了，好几天没人来收" + "臭🔥" * 300, neighbour)
    for n in range(30):
        await stack.say(traffic(n) + "，很危险" * 20)

    replies = [
        await stack.staff_says("liminghua", f"工单 {code}"),
        await stack.staff_says("liminghua", "我的工单"),
        await stack.staff_says("zhouhaitao", "超时"),
        await stack.say("查询"),
    ]
    await stack.drain()

    for text in [*replies, *(s.text for s in stack.fake.sent)]:
        within_limit(text)


# 9. Redirects from the WeChat APIs are never followed


@ONLY_SQLITE
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_api_redirecting_to_another_host_is_a_failure_retried_and_nothing_leaks(
    seeded_url, clock, status
):
    """Every API call, the token fetches included, is sent elsewhere with an absolute
    Location; the page there would answer as if all went well."""
    visits = []

    async def elsewhere(request: web.Request) -> web.Response:
        visits.append(str(request.url))
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "access_token": "stolen", "expires_in": 7200}
        )

    attacker = web.Application()
    attacker.router.add_route("*", "/{tail:.*}", elsewhere)
    redirecting = {"on": True}
    async with serving(attacker) as attacker_base:

        @web.middleware
        async def redirect(request: web.Request, handler):
            if redirecting["on"] and request.path.startswith("/cgi-bin/"):
                return web.Response(
                    status=status, headers={"Location": attacker_base + request.path_qs}
                )
            return await handler(request)

        async with hostile_stacks(seeded_url, clock, fake_middlewares=[redirect]) as [stack]:
            code = await long_ticket(stack)
            await stack.staff_says("liminghua", f"接单 {code}")  # a notice to the resident
            for _ in range(3):
                await stack.drain()
                clock.advance(minutes=30)

            assert visits == []  # not followed: no token, no message went to that host
            rows = await stack.outbox()
            assert rows and all(row.state != "sent" and row.attempts >= 1 for row in rows)
            assert stack.fake.sent == []

            redirecting["on"] = False
            clock.advance(hours=2)
            await stack.drain()
            assert [row.state for row in await stack.outbox()] == ["sent"] * len(rows)
            assert len(stack.fake.to("liminghua")) == 1 and len(stack.fake.to(RESIDENT)) == 1
