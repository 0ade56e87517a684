"""End to end over HTTP: residents act on their own reports in chat.

`撤回 CODE [原因]` withdraws their own open ticket (the assignee told; another household's
ticket is refused as an unknown code would be), `补充 CODE 内容` adds to it, `删除我的信息`
forgets them after a confirmation as `gridbot resident forget` does, `隐私` says what is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from handlers.registry.retention import ANONYMISED
from handlers.rhythm.assessment import assess
from storage.models import AuditEntry, InboundMessage, OutboxMessage, Resident
from storage.uow import UnitOfWork
from tests.desk import (
    GARBAGE,
    GARBAGE_AGAIN,
    NEIGHBOUR,
    TRAFFIC_LIGHT,
    new_messages,
    report,
    ticket_of,
    trail,
)
from tests.stack import RESIDENT


async def test_withdrawing_an_own_ticket_tells_the_assignee(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.drain()
    told_before = len(stack.fake.to("liminghua"))

    reply = await stack.say(f"撤回 {code} 已经自行解决了")

    assert f"工单 {code} 已撤回" in reply
    ticket = await ticket_of(stack, code)
    assert ticket.state == "withdrawn" and ticket.deadline_at is None
    assert ("resident", "withdraw", "已经自行解决了") in await trail(stack, code)
    [notice] = await new_messages(stack, "liminghua", told_before)
    assert code in notice and "撤回" in notice and "已经自行解决了" in notice
    assert code not in await stack.staff_says("liminghua", "我的工单")
    assert "已撤回" in await stack.staff_says("liminghua", f"工单 {code}")


async def test_a_bare_lower_case_code_withdraws_and_a_second_time_is_refused(stack):
    code = await report(stack, "东关一网格", GARBAGE)

    assert "已撤回" in await stack.say(f"撤回{code.removeprefix('GB-').lower()}")
    again = await stack.say(f"撤回 {code}")

    assert "已撤回" in again and "不能撤回" in again
    assert (await ticket_of(stack, code)).state == "withdrawn"


async def test_withdrawing_another_households_ticket_is_refused_like_an_unknown_code(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.locate("东关一网格", NEIGHBOUR)
    await stack.drain()
    told_before = len(stack.fake.to("liminghua"))

    theirs = await stack.say(f"撤回 {code}", NEIGHBOUR)
    unknown = await stack.say("撤回 GB-ZZZZZ", NEIGHBOUR)

    assert theirs == unknown.replace("GB-ZZZZZ", code)  # nothing about the ticket told
    assert "没有找到" in theirs and "环境" not in theirs and "待接单" not in theirs
    assert (await ticket_of(stack, code)).state == "assigned"
    assert await new_messages(stack, "liminghua", told_before) == []
    assert "withdraw" not in [action for _, action, _ in await trail(stack, code)]


async def test_withdraw_without_a_code_lists_the_open_tickets_and_how(stack):
    garbage = await report(stack, "东关一网格", GARBAGE)
    light = await report(stack, "东关一网格", TRAFFIC_LIGHT)

    reply = await stack.say("撤回")

    assert garbage in reply and light in reply and "撤回 工单号 原因" in reply
    assert {t.state for t in await stack.tickets()} == {"assigned"}
    assert "没有正在办理的工单" in await stack.say("撤回", NEIGHBOUR)


async def test_supplement_adds_to_the_own_ticket_and_tells_the_assignee(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.drain()
    told_before = len(stack.fake.to("liminghua"))

    reply = await stack.say(f"补充 {code} 门口又多了两袋，已经有味道了")

    assert f"已补充到工单 {code}" in reply
    assert ("resident", "update", "门口又多了两袋，已经有味道了") in await trail(stack, code)
    [notice] = await new_messages(stack, "liminghua", told_before)
    assert code in notice and "门口又多了两袋" in notice
    assert len(await stack.tickets()) == 1
    assert "没有找到" in await stack.say(f"补充 {code} 我也看到了", NEIGHBOUR)
    assert "写上要补充的内容" in await stack.say(f"补充 {code}")


async def test_deleting_my_information_asks_first_and_2_keeps_everything(stack):
    code = await report(stack, "东关一网格", GARBAGE)

    question = await stack.say("请删除我的个人信息")

    assert "回复 1 确认删除，2 取消" in question
    assert "已取消" in await stack.say("2")
    assert (await ticket_of(stack, code)).state == "assigned"
    assert len(await stack.tickets()) == 1  # the request itself was no report


async def test_deleting_my_information_withdraws_then_forgets_as_the_cli_does(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.drain()
    told_before = len(stack.fake.to("liminghua"))
    await stack.say("删除我的信息")

    reply = await stack.say("1")

    assert "已按您的要求删除了您的个人信息" in reply and "撤回了 1 件" in reply
    ticket = await ticket_of(stack, code)
    assert ticket.state == "withdrawn" and ticket.anonymised and ticket.text == ANONYMISED
    assert ticket.resident_id is None
    async with stack.services.sessionmaker() as session:
        assert await session.scalar(select(Resident).where(Resident.openid == RESIDENT)) is None
        senders = set(await session.scalars(select(InboundMessage.sender)))
        assert RESIDENT not in senders
        actions = list(await session.scalars(select(AuditEntry.action)))
        assert actions.count("forget_resident") == 1
        mp = select(OutboxMessage).where(OutboxMessage.recipient == RESIDENT)
        assert [row.body["text"] for row in await session.scalars(mp)] in ([], [reply])
    [notice] = await new_messages(stack, "liminghua", told_before)
    assert code in notice and "撤回" in notice
    [supervisor] = await new_messages(stack, "zhouhaitao", 0)
    assert "删除了个人信息" in supervisor and code in supervisor
    assert RESIDENT not in supervisor and "垃圾" not in supervisor


async def test_a_forgotten_resident_who_writes_again_starts_afresh(stack):
    await report(stack, "东关一网格", GARBAGE)
    await stack.say("注销")
    await stack.say("确认")

    reply = await stack.say("我的工单怎么样了")

    assert "没有正在办理的工单" in reply


async def test_privacy_says_what_is_kept_for_how_long_and_who_sees_it(stack):
    reply = await stack.say("隐私")

    assert "保存什么" in reply and "谁能看到" in reply and "1095 天" in reply
    assert "删除我的信息" in reply
    assert await stack.tickets() == []


async def test_the_help_text_lists_the_self_service_commands(stack):
    reply = await stack.say("帮助")

    for command in ("撤回", "补充", "删除我的信息", "隐私"):
        assert command in reply


async def test_the_assessment_counts_withdrawn_tickets_apart(stack, clock):
    clock.current = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
    kept = await report(stack, "东关一网格", GARBAGE)
    taken_back = await report(stack, "东关一网格", TRAFFIC_LIGHT)
    await stack.staff_says("liminghua", f"接单 {kept}")
    await stack.staff_says("liminghua", f"办结 {kept} 已清运")
    await stack.say(f"撤回 {taken_back}")
    clock.advance(days=30)  # the withdrawn one would be long overdue

    services = stack.services
    async with services.sessionmaker() as session:
        scores = await assess(
            UnitOfWork(session), "2026Q4", clock.now(), services.policy, services.rhythm
        )
    worker = next(s for s in scores if s.userid == "liminghua")

    assert (worker.tickets, worker.withdrawn) == (1, 1)
    assert (worker.accept_rate, worker.resolve_rate) == (1.0, 1.0)


async def test_a_ticket_other_households_joined_is_not_withdrawn_from_under_them(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.locate("东关一网格", NEIGHBOUR)
    assert code in await stack.say(GARBAGE_AGAIN, NEIGHBOUR)  # linked as the same problem

    reply = await stack.say(f"撤回 {code}")

    assert "其他居民一起反映" in reply and f"补充 {code}" in reply
    assert (await ticket_of(stack, code)).state == "assigned"
