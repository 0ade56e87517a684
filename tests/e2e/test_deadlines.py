"""Time limits: a late ticket climbs grid → village → township, once per period, and a
resolution nobody rates closes by itself. The clock is moved, nothing sleeps."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.app import act_on_due
from storage.db import make_engine, make_sessionmaker
from tests.conftest import data_key, embedded_classifier
from tests.stack import RESIDENT, running_stack

FAST = {"sla": {"accept": "1m", "resolve": "1h", "on_site": "2h"}}
VILLAGE, TOWNSHIP, COUNTY = "zhouhaitao", "chenzhiqiang", "huangwenjie"  # over 东关一网格
WORKER = "liminghua"


@pytest.fixture
async def fast_stack(seeded_url, clock):
    async with running_stack(seeded_url, clock, FAST, classifier=embedded_classifier()) as stack:
        yield stack


async def report(stack) -> str:
    await stack.locate("东关一网格")
    reply = await stack.say("小区门口的垃圾堆了好几天没人清理")
    return re.search(r"GB-[0-9A-Z]+", reply).group(0)


async def test_unaccepted_ticket_reaches_village_then_township_once_each(fast_stack, clock):
    stack = fast_stack
    code = await report(stack)
    clock.advance(seconds=30)
    assert await stack.check_deadlines() == 0

    clock.advance(seconds=31)  # one minute passed: the village centre hears of it
    assert await stack.check_deadlines() == 1
    assert await stack.check_deadlines() == 0  # and only once
    await stack.drain()
    assert len(stack.fake.to(VILLAGE)) == 1 and code in stack.fake.to(VILLAGE)[0]
    assert stack.fake.to(TOWNSHIP) == []
    assert any("超时" in text for text in stack.fake.to(WORKER))  # the assignee is reminded
    assert any("上报" in text for text in stack.fake.to(RESIDENT))  # the resident is told

    clock.advance(seconds=61)  # a period later: the township
    assert await stack.check_deadlines() == 1
    await stack.drain()
    assert len(stack.fake.to(VILLAGE)) == 1 and len(stack.fake.to(TOWNSHIP)) == 1
    [ticket] = await stack.tickets()
    assert ticket.level == 2 and ticket.state == "assigned"


async def test_accepted_ticket_does_not_climb_for_acceptance(fast_stack, clock):
    stack = fast_stack
    code = await report(stack)
    await stack.staff_says(WORKER, f"接单 {code}")
    clock.advance(minutes=5)
    assert await stack.check_deadlines() == 0
    clock.advance(minutes=56)  # the hour to resolve has passed
    assert await stack.check_deadlines() == 1
    await stack.drain()
    assert "办结" in stack.fake.to(VILLAGE)[0]


async def test_deadline_missed_while_down_is_acted_on_once_after_restart(seeded_url, clock):
    async with running_stack(seeded_url, clock, FAST, classifier=embedded_classifier()) as stack:
        await report(stack)
    clock.advance(minutes=10)  # the service was down when the minute passed
    async with running_stack(seeded_url, clock, FAST, classifier=embedded_classifier()) as stack:
        assert await stack.check_deadlines() == 1
        assert await stack.check_deadlines() == 0
        await stack.drain()
        assert len(stack.fake.to(VILLAGE)) == 1


async def test_two_processes_checking_at_once_escalate_once(fast_stack, clock, seeded_url):
    await report(fast_stack)
    clock.advance(minutes=2)
    engines = [make_engine(seeded_url, data_key=data_key()) for _ in range(2)]
    policy = fast_stack.services.policy
    try:
        acted = await asyncio.gather(
            *(act_on_due(make_sessionmaker(e), clock.now(), policy) for e in engines)
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert sum(acted) == 1
    await fast_stack.drain()
    assert len(fast_stack.fake.to(VILLAGE)) == 1


async def test_resolution_nobody_rates_closes_as_satisfied_by_default(fast_stack, clock):
    stack = fast_stack
    code = await report(stack)
    await stack.staff_says(WORKER, f"接单 {code}")
    await stack.staff_says(WORKER, f"办结 {code} 已清运")
    clock.advance(days=3, minutes=1)
    assert await stack.check_deadlines() == 1
    [ticket] = await stack.tickets()
    assert ticket.state == "closed" and ticket.rating == "satisfied_by_default"


async def test_deadlines_show_in_shanghai_time(fast_stack, clock):
    code = await report(fast_stack)  # the clock stands at 02:00 UTC = 10:00 in Shanghai
    detail = await fast_stack.staff_says(WORKER, f"工单 {code}")
    assert "签收 11-26 10:01 前" in detail
