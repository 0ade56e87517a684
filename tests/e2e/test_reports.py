"""End to end: emergencies, unsure categories and chit-chat, as a resident and staff see them."""

from __future__ import annotations

import pytest

from tests.fakes import UnsureClassifier
from tests.stack import running_stack


async def test_emergency_reply_starts_with_the_numbers_to_call_and_centres_are_alerted(stack):
    await stack.locate("东关一网格")
    reply = await stack.say("楼下饭馆后厨着火了，浓烟往楼上窜")
    assert "立即拨打 119" in reply.splitlines()[0]  # a fire: the fire line, first
    [ticket] = await stack.tickets()
    assert ticket.urgent and ticket.must_attend
    await stack.drain()
    # 东关社区's supervisor (village level) and 清泉街道's (township level), once each
    for supervisor in ("zhouhaitao", "chenzhiqiang"):
        alerts = stack.fake.to(supervisor)
        assert len(alerts) == 1 and ticket.code in alerts[0] and "紧急" in alerts[0]
    assert stack.fake.to("huangwenjie") == []  # the county is not woken for it


async def test_ordinary_report_alerts_no_supervisor(stack):
    await stack.locate("东关一网格")
    await stack.say("小区门口的垃圾桶满了好几天没人收")
    await stack.drain()
    assert stack.fake.to("zhouhaitao") == [] and stack.fake.to("chenzhiqiang") == []


CHIT_CHAT = ["你好", "谢谢你们", "在吗", "网格员电话多少", "我上次反映的事怎么样了"]


@pytest.mark.parametrize("text", CHIT_CHAT)
async def test_chit_chat_opens_no_ticket(stack, text):
    await stack.locate("东关一网格")
    reply = await stack.say(text)
    assert reply and "工单号" not in reply
    assert await stack.tickets() == []


@pytest.fixture
async def unsure_stack(seeded_url, clock):
    async with running_stack(seeded_url, clock, classifier=UnsureClassifier()) as running:
        yield running


async def test_unsure_report_asks_by_number_and_the_answer_completes_it(unsure_stack):
    stack = unsure_stack
    await stack.locate("东关二网格")
    question = await stack.say("门口这事到底归谁管啊")
    assert "1. 环境问题巡查" in question and "2. 协助交通管理" in question
    assert [t.state for t in await stack.tickets()] == ["new"]

    reply = await stack.say("２")  # full-width digit
    assert "协助交通管理" in reply and "工单号" in reply
    [ticket] = await stack.tickets()
    assert ticket.category == "traffic" and ticket.state == "assigned"
    await stack.drain()
    assert len(stack.fake.to("zhaoxiaoyan")) == 1


async def test_unanswered_question_files_the_report_as_its_likeliest_kind(unsure_stack):
    stack = unsure_stack
    await stack.locate("东关二网格")
    await stack.say("门口这事到底归谁管啊")
    reply = await stack.say("还有，楼下的路灯也坏了")
    assert "上一条" in reply and "环境问题巡查" in reply
    first, second = await stack.tickets()
    assert first.category == "environment" and first.state == "assigned"
    assert second.state == "new"  # the new message is asked about in turn


async def test_a_number_beyond_the_choices_asks_again_and_opens_nothing(unsure_stack):
    stack = unsure_stack
    await stack.locate("东关二网格")
    await stack.say("门口这事到底归谁管啊")

    reply = await stack.say("7")

    assert "请回复 1 到 3 之间的数字" in reply
    assert [t.state for t in await stack.tickets()] == ["new"]
    assert "协助交通管理" in await stack.say("2")


async def test_a_choice_answered_after_the_prompt_window_files_the_likeliest_kind(
    unsure_stack, clock
):
    stack = unsure_stack
    await stack.locate("东关二网格")
    await stack.say("门口这事到底归谁管啊")
    clock.advance(minutes=11)

    reply = await stack.say("2")

    assert "上一条" in reply and "环境问题巡查" in reply  # the likeliest, not the 2nd
    assert "没有对应的待回答问题" in reply
    [ticket] = await stack.tickets()
    assert ticket.category == "environment" and ticket.state == "assigned"
