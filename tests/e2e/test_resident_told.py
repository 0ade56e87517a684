"""The resident is told of every change that concerns them (re-routed, handed over, closed by
itself with how to reopen) and may reopen a closed ticket within `[sla] reopen_within`."""

from __future__ import annotations

from datetime import timedelta

from bot.cli import staff
from handlers.policy import Policy
from tests.desk import (
    GARBAGE,
    GARBAGE_AGAIN,
    NEIGHBOUR,
    assignee_of,
    new_messages,
    report,
    ticket_of,
)
from tests.stack import RESIDENT

WORKER, VILLAGE = "liminghua", "zhouhaitao"
RATING_WAIT = timedelta(days=3, minutes=1)


async def closed_by_itself(stack, clock) -> str:
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says(WORKER, f"接单 {code}")
    await stack.staff_says(WORKER, f"办结 {code} 已清运")
    clock.advance(seconds=RATING_WAIT.total_seconds())
    assert await stack.check_deadlines() == 1
    assert (await ticket_of(stack, code)).state == "closed"
    return code


async def test_resident_hears_when_the_ticket_is_given_back_and_rerouted(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    before = len(await new_messages(stack, RESIDENT, 0))

    await stack.staff_says(WORKER, f"退回 {code} 这是物业的责任区")

    [told] = await new_messages(stack, RESIDENT, before)
    assert code in told and "改由" in told
    assert WORKER not in told and (await assignee_of(stack, code)) != WORKER


async def test_resident_hears_when_a_supervisor_assigns_it_to_someone_else(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    before = len(await new_messages(stack, RESIDENT, 0))

    await stack.staff_says(VILLAGE, f"指派 {code} zhaoxiaoyan")

    [told] = await new_messages(stack, RESIDENT, before)
    assert code in told and "转交" in told and "赵小燕" in told


async def test_resident_hears_when_the_assignee_goes_off_duty_and_it_moves_on(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    before = len(await new_messages(stack, RESIDENT, 0))
    async with stack.services.sessionmaker() as session:
        await staff.off_duty(session, WORKER, Policy())

    [told] = await new_messages(stack, RESIDENT, before)
    assert code in told and "改由" in told and "周海涛" in told


async def test_automatic_close_tells_the_resident_how_to_reopen(stack, clock):
    code = await closed_by_itself(stack, clock)

    told = (await new_messages(stack, RESIDENT, 0))[-1]
    assert code in told and "满意" in told and f"重新打开 {code}" in told and "7 天" in told


async def test_resident_reopens_a_closed_ticket_one_level_up(stack, clock):
    code = await closed_by_itself(stack, clock)
    clock.advance(days=2)
    before = len(await new_messages(stack, VILLAGE, 0))

    reply = await stack.say(f"重新打开 {code} 门口又堆满了", RESIDENT)

    assert code in reply and "重新打开" in reply and "村（社区）" in reply
    ticket = await ticket_of(stack, code)
    assert (ticket.state, ticket.level, ticket.rating) == ("assigned", 1, None)
    [notice] = await new_messages(stack, VILLAGE, before)
    assert code in notice and "门口又堆满了" in notice
    assert any(code in text and "重新处理" in text for text in stack.fake.to(WORKER))


async def test_a_complaint_about_a_closed_ticket_reopens_it(stack, clock):
    code = await closed_by_itself(stack, clock)

    reply = await stack.say(f"{code} 不满意", RESIDENT)

    assert "重新打开" in reply
    assert (await ticket_of(stack, code)).state == "assigned"


async def test_after_the_window_reopening_is_refused_politely_with_what_to_do(stack, clock):
    code = await closed_by_itself(stack, clock)
    clock.advance(days=8)

    reply = await stack.say(f"重新打开 {code} 又堆满了", RESIDENT)

    assert code in reply and "请直接把现在的情况发给我们" in reply
    assert (await ticket_of(stack, code)).state == "closed"


async def test_only_the_first_reporter_reopens_a_ticket(stack, clock):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.locate("东关一网格", NEIGHBOUR)
    assert code in await stack.say(GARBAGE_AGAIN, NEIGHBOUR)  # linked as the same problem
    await stack.staff_says(WORKER, f"接单 {code}")
    await stack.staff_says(WORKER, f"办结 {code} 已清运")
    clock.advance(seconds=RATING_WAIT.total_seconds())
    assert await stack.check_deadlines() == 1

    reply = await stack.say(f"重新打开 {code} 又堆满了", NEIGHBOUR)

    assert "最先反映" in reply and "请直接把现在的情况发给我们" in reply
    assert (await ticket_of(stack, code)).state == "closed"
    assert "没有找到" in await stack.say("重新打开 GB-ZZZZZ 又堆满了", NEIGHBOUR)


async def test_reopen_without_a_code_asks_for_the_reason_of_the_latest_closed(stack, clock):
    code = await closed_by_itself(stack, clock)

    assert f"重新打开 {code}" in await stack.say("重新打开", RESIDENT)
    assert "重新打开" in await stack.say("重新打开 问题又出现了", RESIDENT)
    assert (await ticket_of(stack, code)).state == "assigned"
