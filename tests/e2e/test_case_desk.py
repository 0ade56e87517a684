"""End to end over HTTP: the case desk as residents, staff and supervisors notice it.

The demo county (config/demo): 东关一网格 liminghua 李明华, 东关二网格 zhaoxiaoyan 赵小燕,
西苑一网格 sunjianguo; supervisors zhouhaitao (东关社区), wuxiulan (西苑社区), chenzhiqiang
(清泉街道), huangwenjie (青禾县); 东关社区 routes public security to hanlei, 清泉街道 routes
disputes to the mediator gaoshufen; wanglifang is a grid worker of 柳河镇.
"""

from __future__ import annotations

import pytest

from tests.desk import (
    DISPUTE,
    GARBAGE,
    GARBAGE_AGAIN,
    NEIGHBOUR,
    STRANGERS,
    TRAFFIC_LIGHT,
    assignee_of,
    full_width,
    new_messages,
    report,
    ticket_of,
    trail,
)
from tests.stack import RESIDENT

# Commands as people type them


async def test_commands_accept_full_width_characters_extra_spaces_and_bare_lower_case_codes(
    stack,
):
    code = await report(stack, "东关一网格", GARBAGE)
    bare = code.removeprefix("GB-")

    assert code in await stack.staff_says("liminghua", f"接单\u3000{code.lower()}")
    assert "已记录到场" in await stack.staff_says("liminghua", f"  到场   {bare.lower()}  ")
    reply = await stack.staff_says("liminghua", f"办结\u3000\u3000{full_width(code)}　已清运完毕")

    assert code in reply and "已办结" in reply
    ticket = await ticket_of(stack, code)
    assert ticket.state == "resolved" and ticket.resolution == "已清运完毕"
    assert [action for _, action, _ in await trail(stack, code)][-3:] == [
        "accept",
        "arrive",
        "resolve",
    ]


async def test_full_width_my_tickets_and_help_commands_are_understood(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    assert code in await stack.staff_says("liminghua", "\u3000我的工单\u3000")
    assert "接单 工单号" in await stack.staff_says("liminghua", "ＨＥＬＰ")
    assert code in await stack.staff_says("liminghua", f"工单 {full_width(code.lower())}")


# The resident hears every step, and rates the result


async def test_resident_hears_accepted_on_site_and_resolution_with_a_rating_question(stack):
    code = await report(stack, "东关一网格", GARBAGE)

    await stack.staff_says("liminghua", f"接单 {code}")
    [accepted] = await new_messages(stack, RESIDENT, 0)
    assert code in accepted and "受理" in accepted and "李明华" in accepted

    await stack.staff_says("liminghua", f"到场 {code}")
    [on_site] = await new_messages(stack, RESIDENT, 1)
    assert code in on_site and "已到现场" in on_site

    await stack.staff_says("liminghua", f"办结 {code} 已联系环卫清运完毕")
    [resolved] = await new_messages(stack, RESIDENT, 2)
    assert code in resolved and "已办结" in resolved and "已联系环卫清运完毕" in resolved
    assert "1 满意" in resolved and "2 基本满意" in resolved and "3 不满意" in resolved


async def test_rating_1_closes_the_ticket_as_satisfied(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已清运")

    reply = await stack.say("1")

    assert "感谢您的评价" in reply and code in reply
    ticket = await ticket_of(stack, code)
    assert ticket.state == "closed" and ticket.rating == "satisfied"
    assert [t.code for t in await stack.tickets()] == [code]  # the "1" opened nothing new


@pytest.mark.parametrize("answer", ["１", "1 满意", "满意"])
async def test_rating_typed_full_width_or_in_words_closes_the_ticket(stack, answer):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已清运")

    reply = await stack.say(answer)

    assert "感谢您的评价" in reply
    assert [(t.code, t.state, t.rating) for t in await stack.tickets()] == [
        (code, "closed", "satisfied")
    ]


@pytest.mark.parametrize("answer", ["{code} 1", "评价 {code} 满意", "{bare} 1", "{lower}：满意"])
async def test_rating_that_names_its_ticket_closes_it_and_opens_nothing(stack, answer):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已清运")
    bare = code.removeprefix("GB-")

    reply = await stack.say(answer.format(code=code, bare=bare, lower=bare.lower()))

    assert "感谢您的评价" in reply and code in reply
    assert [(t.code, t.state, t.rating) for t in await stack.tickets()] == [
        (code, "closed", "satisfied")
    ]


async def test_rating_a_ticket_still_in_hand_or_someone_elses_files_nothing(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says("liminghua", f"接单 {code}")

    early = await stack.say(f"{code} 3")
    await stack.locate("东关二网格", NEIGHBOUR)
    stranger = await stack.say(f"{code} 不满意", NEIGHBOUR)

    assert "办结后再请您评价" in early and "办理中" in early
    assert "没有找到您反映的工单" in stranger and code in stranger
    assert [(t.code, t.state, t.rating) for t in await stack.tickets()] == [
        (code, "accepted", None)
    ]


async def test_new_report_starting_with_a_digit_after_resolution_is_not_taken_as_a_rating(
    stack,
):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已清运")

    reply = await stack.say("3号楼门口的下水道堵了，污水漫出来了")

    assert "工单号" in reply  # a new report, answered as one
    first, second = await stack.tickets()
    assert (first.code, first.state, first.level) == (code, "resolved", 0)
    assert second.category == "environment" and second.state == "assigned"


async def test_dissatisfied_rating_reopens_the_ticket_one_level_up_and_tells_both_sides(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已清运")
    await stack.drain()
    worker_before = len(stack.fake.to("liminghua"))

    reply = await stack.say("3")

    assert "不满意" in reply and code in reply and "重新打开" in reply and "村（社区）" in reply
    ticket = await ticket_of(stack, code)
    assert (ticket.state, ticket.level, ticket.rating) == ("assigned", 1, "dissatisfied")
    assert await assignee_of(stack, code) == "liminghua"
    [reopened] = await new_messages(stack, "liminghua", worker_before)
    assert code in reopened and "重新" in reopened
    [community] = stack.fake.to("zhouhaitao")
    assert code in community and "不满意" in community
    assert "reopen" in [action for _, action, _ in await trail(stack, code)]
    assert "已接单" in await stack.staff_says("liminghua", f"接单 {code}")  # to work on again


# Must-attend cases and refused steps


async def test_must_attend_dispute_cannot_be_resolved_before_arrival(stack):
    code = await report(stack, "东关二网格", DISPUTE)
    assert await assignee_of(stack, code) == "gaoshufen"
    await stack.staff_says("gaoshufen", f"接单 {code}")
    await stack.drain()
    heard = len(stack.fake.to(RESIDENT))
    steps = await trail(stack, code)

    refusal = await stack.staff_says("gaoshufen", f"办结 {code} 已电话调解")

    assert code in refusal and "六必到" in refusal and f"到场 {code}" in refusal
    ticket = await ticket_of(stack, code)
    assert (ticket.state, ticket.resolution) == ("accepted", None)
    assert await trail(stack, code) == steps
    assert await new_messages(stack, RESIDENT, heard) == []

    await stack.staff_says("gaoshufen", f"到场 {code}")
    assert "已办结" in await stack.staff_says("gaoshufen", f"办结 {code} 已当面调解")
    assert (await ticket_of(stack, code)).state == "resolved"


async def test_resolving_before_accepting_is_refused_naming_the_current_state(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    steps = await trail(stack, code)

    refusal = await stack.staff_says("liminghua", f"办结 {code} 已清运")

    assert code in refusal and "待接单" in refusal and "不能办结" in refusal
    ticket = await ticket_of(stack, code)
    assert (ticket.state, ticket.resolution) == ("assigned", None)
    assert await trail(stack, code) == steps
    assert await new_messages(stack, RESIDENT, 0) == []


async def test_accepting_twice_is_refused_and_the_resident_hears_once(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says("liminghua", f"接单 {code}")
    steps = await trail(stack, code)

    refusal = await stack.staff_says("liminghua", f"接单 {code}")

    assert code in refusal and "办理中" in refusal and "不能接单" in refusal
    assert await trail(stack, code) == steps
    assert len(await new_messages(stack, RESIDENT, 0)) == 1


async def test_arriving_at_a_resolved_ticket_is_refused_naming_the_current_state(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已清运")

    refusal = await stack.staff_says("liminghua", f"到场 {code}")

    assert "已办结" in refusal and "不能到场" in refusal
    assert (await ticket_of(stack, code)).on_site_at is None


# Passing a ticket on


@pytest.mark.parametrize("who", ["zhaoxiaoyan", "赵小燕"])
async def test_transferred_ticket_reaches_new_assignee_and_resident_is_told(stack, who):
    code = await report(stack, "东关二网格", STRANGERS)
    assert await assignee_of(stack, code) == "hanlei"

    reply = await stack.staff_says("hanlei", f"转派 {code} {who}")

    assert code in reply and "赵小燕" in reply
    assert await assignee_of(stack, code) == "zhaoxiaoyan"
    assert (await ticket_of(stack, code)).state == "assigned"
    [notice] = await new_messages(stack, "zhaoxiaoyan", 0)
    assert code in notice and "陌生人" in notice and f"接单 {code}" in notice
    [told] = stack.fake.to(RESIDENT)
    assert code in told and "转交" in told and "赵小燕" in told
    assert "已接单" in await stack.staff_says("zhaoxiaoyan", f"接单 {code}")


async def test_transfer_to_staff_outside_the_tickets_area_is_refused_politely(stack):
    code = await report(stack, "东关二网格", STRANGERS)

    refusal = await stack.staff_says("hanlei", f"转派 {code} wanglifang")

    assert "王丽芳" in refusal and "不在工单所在辖区" in refusal and code in refusal
    assert await assignee_of(stack, code) == "hanlei"
    assert await new_messages(stack, "wanglifang", 0) == []


async def test_transfer_to_unknown_staff_says_who_was_not_found(stack):
    code = await report(stack, "东关二网格", STRANGERS)
    assert "张三丰" in await stack.staff_says("hanlei", f"转派 {code} 张三丰")
    assert "账号或姓名" in await stack.staff_says("hanlei", f"转派 {code}")
    assert await assignee_of(stack, code) == "hanlei"


async def test_transferring_a_resolved_ticket_is_refused_and_keeps_its_handler(stack):
    code = await report(stack, "东关二网格", STRANGERS)
    await stack.staff_says("hanlei", f"接单 {code}")
    await stack.staff_says("hanlei", f"办结 {code} 已劝离推销人员")
    before = await ticket_of(stack, code)

    refusal = await stack.staff_says("hanlei", f"转派 {code} zhaoxiaoyan")

    assert "已办结" in refusal and "不能转派" in refusal
    after = await ticket_of(stack, code)
    assert await assignee_of(stack, code) == "hanlei"
    assert (after.state, after.accepted_at) == ("resolved", before.accepted_at)
    assert await new_messages(stack, "zhaoxiaoyan", 0) == []


async def test_escalation_with_a_reason_reaches_the_community_supervisor_and_the_resident(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.drain()
    heard = len(stack.fake.to(RESIDENT))

    reply = await stack.staff_says("liminghua", f"上报 {code} 垃圾站归街道管，需要协调")

    assert code in reply and "村（社区）" in reply
    assert (await ticket_of(stack, code)).level == 1
    [notice] = await new_messages(stack, "zhouhaitao", 0)
    assert code in notice and "垃圾站归街道管，需要协调" in notice and "李明华" in notice
    [told] = await new_messages(stack, RESIDENT, heard)
    assert code in told and "上报" in told
    assert stack.fake.to("chenzhiqiang") == []  # one level at a time


async def test_escalation_without_a_reason_asks_for_one(stack):
    code = await report(stack, "东关一网格", GARBAGE)

    reply = await stack.staff_says("liminghua", f"上报 {code}")

    assert "请写上原因" in reply and f"上报 {code}" in reply
    assert (await ticket_of(stack, code)).level == 0
    assert await new_messages(stack, "zhouhaitao", 0) == []


async def test_escalations_climb_to_the_county_and_stop_there(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    for supervisor in ("zhouhaitao", "chenzhiqiang", "huangwenjie"):
        await stack.staff_says("liminghua", f"上报 {code} 需要上级协调")
        [notice] = await new_messages(stack, supervisor, 0)
        assert code in notice

    refusal = await stack.staff_says("liminghua", f"上报 {code} 还要上报")

    assert "县级" in refusal and "不能再上报" in refusal
    assert (await ticket_of(stack, code)).level == 3


async def test_escalating_a_resolved_ticket_is_refused_and_changes_nothing(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已清运")

    refusal = await stack.staff_says("liminghua", f"上报 {code} 居民还有意见")

    assert "已办结" in refusal and "不能上报" in refusal
    ticket = await ticket_of(stack, code)
    assert (ticket.state, ticket.level) == ("resolved", 0)
    assert ticket.unit_id == ticket.grid_id
    assert await new_messages(stack, "zhouhaitao", 0) == []


async def test_returned_ticket_is_rerouted_to_someone_else_who_is_notified(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.drain()

    reply = await stack.staff_says("liminghua", f"退回 {code} 这是物业的责任区")

    new_owner = await assignee_of(stack, code)
    assert new_owner not in (None, "liminghua")
    assert code in reply and "已退回" in reply
    [notice] = await new_messages(stack, new_owner, 0)
    assert code in notice and "垃圾" in notice
    assert (await ticket_of(stack, code)).state == "assigned"
    assert ("staff:liminghua", "return", "这是物业的责任区") in await trail(stack, code)
    assert "不是派给您的" in await stack.staff_says("liminghua", f"接单 {code}")


async def test_returned_dispute_goes_to_another_person_not_back_to_the_mediator(stack):
    code = await report(stack, "东关二网格", DISPUTE)
    await stack.drain()

    await stack.staff_says("gaoshufen", f"退回 {code} 需要先由网格员了解情况")

    new_owner = await assignee_of(stack, code)
    assert new_owner not in (None, "gaoshufen")
    [notice] = await new_messages(stack, new_owner, 0)
    assert code in notice


async def test_return_without_a_reason_asks_for_one(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    assert "请写上原因" in await stack.staff_says("liminghua", f"退回 {code}")
    assert await assignee_of(stack, code) == "liminghua"


# What staff see


async def test_my_tickets_lists_open_tickets_and_not_resolved_ones(stack):
    garbage = await report(stack, "东关一网格", GARBAGE)
    light = await report(stack, "东关一网格", TRAFFIC_LIGHT)
    done = await report(stack, "东关一网格", "楼下有人在烧垃圾，烟很大")
    await stack.staff_says("liminghua", f"接单 {done}")
    await stack.staff_says("liminghua", f"办结 {done} 已劝阻并熄灭")
    await stack.staff_says("liminghua", f"接单 {light}")

    listing = await stack.staff_says("liminghua", "我的工单")

    assert "2 件" in listing and garbage in listing and light in listing and done not in listing
    assert "待接单" in listing and "办理中" in listing
    assert "没有待办" in await stack.staff_says("zhaoxiaoyan", "我的工单")


async def test_ticket_detail_shows_state_handler_and_trail(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says("liminghua", f"接单 {code}")

    detail = await stack.staff_says("liminghua", f"工单 {code}")

    assert code in detail and "环境问题巡查" in detail and "办理中" in detail
    assert "李明华" in detail and "东关一网格" in detail and "垃圾" in detail
    assert "反映" in detail and "分派" in detail and "接单" in detail
    assert "liminghua 接单" in detail


async def test_unknown_ticket_code_is_answered_plainly(stack):
    reply = await stack.staff_says("liminghua", "接单 GB-ZZZZZ")
    assert "没有找到工单 GB-ZZZZZ" in reply
    assert "工单号" in await stack.staff_says("liminghua", "接单")


# Supervisors


async def test_summary_counts_tickets_by_state_in_the_supervisors_own_units(stack):
    first = await report(stack, "东关一网格", GARBAGE)
    await report(stack, "东关二网格", TRAFFIC_LIGHT, sender=NEIGHBOUR)
    await report(stack, "西苑一网格", "小区里的路灯坏了一排，晚上黑漆漆的", sender="o_xiyuan")
    await stack.staff_says("liminghua", f"接单 {first}")

    dongguan = await stack.staff_says("zhouhaitao", "汇总")
    xiyuan = await stack.staff_says("wuxiulan", "汇总")
    township = await stack.staff_says("chenzhiqiang", "汇总")

    assert "东关社区" in dongguan
    assert "待接单：1 件" in dongguan and "办理中：1 件" in dongguan
    assert "超时未办：0 件" in dongguan
    assert "西苑社区" in xiyuan and "待接单：1 件" in xiyuan and "办理中" not in xiyuan
    assert "待接单：2 件" in township and "办理中：1 件" in township


async def test_overdue_lists_tickets_once_the_clock_passes_their_deadline(stack, clock):
    code = await report(stack, "东关一网格", GARBAGE)
    assert "暂无超时" in await stack.staff_says("zhouhaitao", "超时")

    clock.advance(minutes=31)  # 30 minutes to accept an ordinary ticket
    listing = await stack.staff_says("zhouhaitao", "超时")

    assert "1 件" in listing and code in listing and "签收" in listing and "李明华" in listing
    assert "超时未办：1 件" in await stack.staff_says("zhouhaitao", "汇总")
    assert "暂无超时" in await stack.staff_says("wuxiulan", "超时")


async def test_urging_reaches_the_assignee_and_is_on_the_trail(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.drain()
    before = len(stack.fake.to("liminghua"))

    reply = await stack.staff_says("zhouhaitao", f"督办 {code} 今天下班前务必清运")

    assert code in reply and "李明华" in reply
    [urged] = await new_messages(stack, "liminghua", before)
    assert code in urged and "周海涛" in urged and "今天下班前务必清运" in urged
    assert ("staff:zhouhaitao", "urge", "今天下班前务必清运") in await trail(stack, code)


async def test_township_supervisor_may_urge_a_ticket_in_one_of_its_grids(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.drain()
    before = len(stack.fake.to("liminghua"))

    assert "已督办" in await stack.staff_says("chenzhiqiang", f"督办 {code} 请抓紧")

    [urged] = await new_messages(stack, "liminghua", before)
    assert "陈志强" in urged


async def test_supervisor_assigns_a_ticket_to_named_staff(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.drain()

    reply = await stack.staff_says("zhouhaitao", f"指派 {code} hanlei")

    assert code in reply and "韩磊" in reply
    assert await assignee_of(stack, code) == "hanlei"
    [notice] = await new_messages(stack, "hanlei", 0)
    assert code in notice and "垃圾" in notice
    assert "已接单" in await stack.staff_says("hanlei", f"接单 {code}")
    assert "不是派给您的" in await stack.staff_says("liminghua", f"接单 {code}")


async def test_grid_worker_is_told_only_supervisors_can_urge_or_assign(stack):
    code = await report(stack, "东关一网格", GARBAGE)

    for command in (f"督办 {code} 快点", f"指派 {code} zhaoxiaoyan", "汇总", "超时"):
        assert "只有综治中心负责人" in await stack.staff_says("liminghua", command)

    assert await assignee_of(stack, code) == "liminghua"
    assert [a for _, a, _ in await trail(stack, code)] == ["create", "assign"]


async def test_supervisor_of_another_community_cannot_act_on_the_ticket(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.drain()
    before = len(stack.fake.to("liminghua"))

    for command in (f"督办 {code} 快点", f"指派 {code} sunjianguo", f"工单 {code}"):
        refusal = await stack.staff_says("wuxiulan", command)
        assert "不在您的辖区" in refusal and code in refusal

    assert await assignee_of(stack, code) == "liminghua"
    assert await new_messages(stack, "liminghua", before) == []
    assert await new_messages(stack, "sunjianguo", 0) == []


async def test_staff_of_another_grid_cannot_accept_someone_elses_ticket(stack):
    code = await report(stack, "东关一网格", GARBAGE)

    refusal = await stack.staff_says("zhaoxiaoyan", f"接单 {code}")

    assert "不是派给您的" in refusal and code in refusal
    assert (await ticket_of(stack, code)).state == "assigned"
    assert await new_messages(stack, RESIDENT, 0) == []


# The same problem from another household


async def test_neighbour_reporting_the_same_problem_is_told_it_is_already_being_handled(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.drain()
    before = len(stack.fake.to("liminghua"))

    await stack.locate("东关一网格", sender=NEIGHBOUR)
    reply = await stack.say(GARBAGE_AGAIN, sender=NEIGHBOUR)

    assert code in reply and "已有邻居反映过" in reply and "工单号" not in reply
    assert [t.code for t in await stack.tickets()] == [code]
    [notice] = await new_messages(stack, "liminghua", before)
    assert code in notice and "又有一户" in notice and "垃圾箱" in notice


async def test_both_households_hear_when_the_shared_problem_is_resolved(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.locate("东关一网格", sender=NEIGHBOUR)
    await stack.say(GARBAGE_AGAIN, sender=NEIGHBOUR)

    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已联系环卫清运完毕")
    await stack.drain()

    resolved = stack.fake.to(RESIDENT)[-1]
    assert code in resolved and "已联系环卫清运完毕" in resolved and "满意" in resolved
    told = stack.fake.to(NEIGHBOUR)[-1]  # the state and the code; the note and the rating
    assert code in told and "已办结" in told  # are the first household's
    assert "已联系环卫清运完毕" not in told and "满意" not in told
    assert any("受理" in text for text in stack.fake.to(NEIGHBOUR))


async def test_same_problem_reported_after_48_hours_opens_a_new_ticket(stack, clock):
    first = await report(stack, "东关一网格", GARBAGE)
    clock.advance(hours=49)

    second = await report(stack, "东关一网格", GARBAGE_AGAIN, sender=NEIGHBOUR)

    assert second != first
    assert [t.code for t in await stack.tickets()] == [first, second]


async def test_other_kind_of_problem_at_the_same_place_opens_a_new_ticket(stack):
    first = await report(stack, "东关一网格", GARBAGE)

    second = await report(stack, "东关一网格", TRAFFIC_LIGHT, sender=NEIGHBOUR)

    assert second != first
    assert [(t.code, t.category) for t in await stack.tickets()] == [
        (first, "environment"),
        (second, "traffic"),
    ]


# Updates WeChat would not deliver


async def test_update_the_resident_could_not_receive_is_shown_when_they_next_write(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    stack.fake.window_closed.add(RESIDENT)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.drain()
    assert stack.fake.to(RESIDENT) == []

    reply = await stack.say("你好")

    lines = reply.split("\n\n")
    assert lines[0] == "这段时间您的工单有新进展："
    assert code in lines[1] and "受理" in lines[1]
    assert "您好" in lines[-1]
    assert "新进展" not in await stack.say("你好")  # shown once


# Help


async def test_help_for_a_supervisor_includes_the_supervisor_commands(stack):
    reply = await stack.staff_says("zhouhaitao", "帮助")
    assert "接单 工单号" in reply
    assert "汇总" in reply and "超时" in reply and "督办" in reply and "指派" in reply


async def test_help_for_a_grid_worker_leaves_out_the_supervisor_commands(stack):
    reply = await stack.staff_says("liminghua", "帮助")
    assert "接单 工单号" in reply and "办结 工单号" in reply
    assert "汇总" not in reply and "督办" not in reply and "指派" not in reply


async def test_unknown_command_is_answered_with_the_help(stack):
    reply = await stack.staff_says("liminghua", "今天天气不错")
    assert "没看懂" in reply and "接单 工单号" in reply
