"""End to end over HTTP: a resident's repeats and follow-ups join their open ticket.

The same text twice is one ticket; a complaint after 不满意 joins the reopened ticket; when it
is not sure, the resident is asked `这是关于工单 X 的补充吗？回复 1 是，2 是新问题`. The assignee
hears of an update once, not of every repeat.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.cli.registry import forget
from storage.models import Resident
from tests.desk import GARBAGE, GARBAGE_AGAIN, TRAFFIC_LIGHT, new_messages, report, trail
from tests.stack import RESIDENT

GARBAGE_STILL = "小区门口垃圾堆了好几天了，还是没人清理"  # the same matter, in other words
STILL_THERE = "根本没处理，垃圾还在那里！"


async def updates(stack, code: str) -> list[str]:
    return [note for _, action, note in await trail(stack, code) if action == "update"]


async def test_the_same_text_twice_is_one_ticket_and_the_update_is_acknowledged(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.drain()
    told_before = len(stack.fake.to("liminghua"))

    reply = await stack.say(GARBAGE)

    assert f"已补充到工单 {code}" in reply and "工单号" not in reply
    assert [t.code for t in await stack.tickets()] == [code]
    assert await updates(stack, code) == [GARBAGE]
    [notice] = await new_messages(stack, "liminghua", told_before)
    assert code in notice and "补充" in notice


async def test_a_repeat_in_other_words_joins_and_the_assignee_is_told_once_an_hour(stack, clock):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.drain()
    told_before = len(stack.fake.to("liminghua"))

    for minutes in (1, 10, 20):
        clock.advance(minutes=minutes)
        assert code in await stack.say(GARBAGE_STILL)

    assert len(await stack.tickets()) == 1 and len(await updates(stack, code)) == 3
    assert len(await new_messages(stack, "liminghua", told_before)) == 1  # not three
    clock.advance(hours=1)
    await stack.say(GARBAGE)
    assert len(await new_messages(stack, "liminghua", told_before)) == 2


async def test_a_complaint_after_dissatisfied_joins_the_reopened_ticket(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已清运")
    assert "重新打开" in await stack.say("3")  # 不满意

    reply = await stack.say(STILL_THERE)

    assert f"已补充到工单 {code}" in reply
    [ticket] = await stack.tickets()
    assert ticket.state == "assigned" and await updates(stack, code) == [STILL_THERE]


async def test_unsure_asks_and_1_adds_it_to_the_ticket(stack):
    code = await report(stack, "东关一网格", GARBAGE)

    question = await stack.say(GARBAGE_AGAIN)  # the same kind, partly the same words

    assert f"这是关于工单 {code} 的补充吗？回复 1 是，2 是新问题" in question
    assert len(await stack.tickets()) == 1
    assert f"已补充到工单 {code}" in await stack.say("1")
    assert len(await stack.tickets()) == 1
    assert await updates(stack, code) == [GARBAGE_AGAIN]
    assert "没有对应的待回答问题" in await stack.say("1")  # answered once


async def test_unsure_asks_and_2_files_a_new_report(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.say(GARBAGE_AGAIN)

    reply = await stack.say("2")

    assert "工单号" in reply and code not in reply
    first, second = await stack.tickets()
    assert first.code == code and second.text == GARBAGE_AGAIN
    assert second.category == "environment" and second.state == "assigned"
    assert await updates(stack, code) == []


async def test_a_question_not_answered_keeps_the_message_on_the_ticket(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.say(GARBAGE_AGAIN)

    reply = await stack.say(TRAFFIC_LIGHT)  # something else altogether

    assert "工单号" in reply  # the new matter is a report of its own
    assert await updates(stack, code) == [GARBAGE_AGAIN]  # and nothing said was lost
    assert len(await stack.tickets()) == 2


async def test_a_different_matter_is_a_new_ticket(stack):
    first = await report(stack, "东关一网格", GARBAGE)

    reply = await stack.say(TRAFFIC_LIGHT)

    assert "工单号" in reply and first not in reply
    assert len(await stack.tickets()) == 2


async def test_a_repeat_after_seven_quiet_days_is_a_new_ticket(stack, clock):
    first = await report(stack, "东关一网格", GARBAGE)
    clock.advance(days=8)

    reply = await stack.say(GARBAGE)

    assert "工单号" in reply and first not in reply
    assert len(await stack.tickets()) == 2


async def test_alike_words_about_other_numbered_places_are_two_tickets(stack):
    first = await report(stack, "东关一网格", "3号楼门口垃圾堆了好几天没人清理，臭得很")

    reply = await stack.say("5号楼门口垃圾堆了好几天没人清理，臭得很")

    assert "工单号" in reply and first not in reply
    assert len(await stack.tickets()) == 2


async def test_forgetting_a_resident_asked_about_a_follow_up_keeps_none_of_its_text(stack):
    await report(stack, "东关一网格", GARBAGE)
    assert "回复 1 是，2 是新问题" in await stack.say(GARBAGE_AGAIN)  # held on the row

    async with stack.services.sessionmaker() as session:
        assert "tickets kept anonymously" in await forget(session, RESIDENT)
    async with stack.services.sessionmaker() as session:
        rows = list(await session.scalars(select(Resident.prompt_arg)))
    assert GARBAGE_AGAIN not in rows and all(row is None for row in rows)
