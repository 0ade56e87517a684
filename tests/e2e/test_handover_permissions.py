"""转派, 指派 and 上报 over HTTP: who may pass a ticket on, who hears of it, and whose name the
notices carry.

The demo county (config/demo): 东关一网格 liminghua 李明华, 东关二网格 zhaoxiaoyan 赵小燕;
supervisors zhouhaitao 周海涛 (东关社区) and chenzhiqiang 陈志强 (清泉街道); disputes in
清泉街道 go to the mediator gaoshufen 高淑芬, public security in 东关社区 to hanlei 韩磊.
"""

from __future__ import annotations

from tests.desk import (
    DISPUTE,
    GARBAGE,
    STRANGERS,
    assignee_of,
    new_messages,
    report,
    ticket_of,
    trail,
)
from tests.stack import RESIDENT

EVERYONE = (
    "liminghua",
    "zhaoxiaoyan",
    "gaoshufen",
    "hanlei",
    "zhouhaitao",
    "chenzhiqiang",
    RESIDENT,
)


async def heard(stack) -> dict[str, int]:
    """How many messages each person has been sent so far."""
    await stack.drain()
    return {who: len(stack.fake.to(who)) for who in EVERYONE}


async def test_grid_worker_cannot_transfer_a_mediators_ticket_and_nothing_changes(stack):
    code = await report(stack, "东关二网格", DISPUTE)
    assert await assignee_of(stack, code) == "gaoshufen"
    before, steps = await heard(stack), await trail(stack, code)

    for attempt in (f"转派 {code} zhaoxiaoyan", f"转派 {code} 赵小燕", f"转派 {code} liminghua"):
        refusal = await stack.staff_says("zhaoxiaoyan", attempt)
        assert "只有工单的当前处理人或综治中心负责人可以转派" in refusal

    assert await assignee_of(stack, code) == "gaoshufen"
    assert await trail(stack, code) == steps
    assert await heard(stack) == before


async def test_grid_worker_cannot_escalate_a_ticket_that_is_not_theirs(stack):
    code = await report(stack, "东关二网格", STRANGERS)
    assert await assignee_of(stack, code) == "hanlei"
    before = await heard(stack)

    refusal = await stack.staff_says("zhaoxiaoyan", f"上报 {code} 需要社区协调")

    assert "只有工单的当前处理人或综治中心负责人可以上报" in refusal
    assert (await ticket_of(stack, code)).level == 0
    assert await heard(stack) == before


async def test_supervisor_assigning_a_ticket_away_tells_the_previous_assignee_who_did_it(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    before = await heard(stack)

    await stack.staff_says("zhouhaitao", f"指派 {code} hanlei")

    [told] = await new_messages(stack, "liminghua", before["liminghua"])
    assert code in told and "周海涛" in told and "韩磊" in told and "不用再办理" in told
    assert "不是派给您的" in await stack.staff_says("liminghua", f"接单 {code}")


async def test_supervisor_transferring_a_ticket_tells_the_previous_assignee(stack):
    code = await report(stack, "东关二网格", DISPUTE)
    before = await heard(stack)

    reply = await stack.staff_says("chenzhiqiang", f"转派 {code} zhaoxiaoyan")

    assert code in reply and "赵小燕" in reply
    assert await assignee_of(stack, code) == "zhaoxiaoyan"
    [told] = await new_messages(stack, "gaoshufen", before["gaoshufen"])
    assert code in told and "陈志强" in told and "赵小燕" in told


async def test_assignee_passing_their_own_ticket_on_is_not_told_about_it(stack):
    code = await report(stack, "东关二网格", STRANGERS)
    before = await heard(stack)

    await stack.staff_says("hanlei", f"转派 {code} zhaoxiaoyan")

    assert await new_messages(stack, "hanlei", before["hanlei"]) == []
    [notice] = await new_messages(stack, "zhaoxiaoyan", before["zhaoxiaoyan"])
    assert f"接单 {code}" in notice


async def test_escalation_notice_names_the_staff_member_who_sent_it(stack):
    code = await report(stack, "东关一网格", GARBAGE)  # assigned to 李明华
    before = await heard(stack)

    reply = await stack.staff_says("chenzhiqiang", f"上报 {code} 涉及多个部门，需社区牵头")

    assert code in reply and "村（社区）" in reply
    [notice] = await new_messages(stack, "zhouhaitao", before["zhouhaitao"])
    assert "由 陈志强 上报" in notice and "李明华" not in notice
    assert "涉及多个部门，需社区牵头" in notice


async def test_after_a_give_back_the_old_handler_cannot_escalate_and_the_notice_names_who_did(
    stack,
):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says("liminghua", f"退回 {code} 这是物业的责任区")
    assert await assignee_of(stack, code) == "zhouhaitao"  # nobody else in the grid's chain
    before = await heard(stack)

    refusal = await stack.staff_says("liminghua", f"上报 {code} 物业不管")
    assert "只有工单的当前处理人或综治中心负责人可以上报" in refusal
    assert await new_messages(stack, "zhouhaitao", before["zhouhaitao"]) == []

    await stack.staff_says("chenzhiqiang", f"上报 {code} 物业不管，街道协调")
    [notice] = await new_messages(stack, "zhouhaitao", before["zhouhaitao"])
    assert "由 陈志强 上报" in notice and "周海涛" not in notice
