"""Staff commands as staff notice them: read by their exact form, a refusal says what to do
next, `走访记录` lists visits, and a visit due today is not yet overdue."""

from __future__ import annotations

from handlers.calendar import SHANGHAI
from tests.desk import DISPUTE, GARBAGE, report
from tests.e2e.test_patrols_visits import plan_line, plans_on, registry_stack  # noqa: F401

WORKER, MEDIATOR = "liminghua", "gaoshufen"


async def test_a_question_starting_with_household_is_not_a_household_lookup(stack):
    reply = await stack.staff_says(WORKER, "户口本丢了怎么补办")

    assert "口本" not in reply and "户号" in reply  # the help, not "no household 口本丢了…"
    assert "张*明" in await stack.staff_says(WORKER, "户 H0001")


async def test_resolving_before_accepting_says_to_accept_first(stack):
    code = await report(stack, "东关一网格", GARBAGE)

    reply = await stack.staff_says(WORKER, f"办结 {code} 已清运")

    assert f"请先回复“接单 {code}”" in reply


async def test_accepting_twice_says_how_to_finish(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says(WORKER, f"接单 {code}")

    assert f"办结 {code}" in await stack.staff_says(WORKER, f"接单 {code}")


async def test_a_must_attend_case_accepted_says_to_arrive_first(stack):
    code = await report(stack, "东关二网格", DISPUTE)
    await stack.staff_says(MEDIATOR, f"接单 {code}")

    assert f"到场 {code}" in await stack.staff_says(MEDIATOR, f"接单 {code}")


async def test_visit_history_lists_the_workers_and_the_households_visits(stack):
    await stack.staff_says(WORKER, "走访 H0001 老人身体尚好")
    await stack.staff_says(WORKER, "走访 H0002 低保金已到账")

    mine = await stack.staff_says(WORKER, "走访记录")
    assert "2 次" in mine and "H0001" in mine and "低保金已到账" in mine
    one = await stack.staff_says(WORKER, "走访记录 H0001")
    assert "老人身体尚好" in one and "H0002" not in one
    assert "H0004" in await stack.staff_says(WORKER, "走访记录 H0004")  # not in their grid
    assert "还没有走访记录" in await stack.staff_says("zhaoxiaoyan", "走访记录")


async def test_a_visit_due_today_is_not_listed_as_overdue(registry_stack, clock):  # noqa: F811
    stack = registry_stack
    await stack.staff_says(WORKER, "走访 H0001 老人身体尚好")  # 空巢老人: due again in 7 days

    await plans_on(stack, clock, clock.now().replace(day=3, month=12))  # exactly due now

    [plan] = stack.fake.to(WORKER)
    assert "今天到期" in plan_line(plan, "H0001")
    assert "已逾期" in plan_line(plan, "H0003")  # never visited
    assert clock.now().astimezone(SHANGHAI).day == 3
