"""Overdue is a fact on the ticket: kept through escalation until the step is done, counted
late now by `汇总`, `超时` and the digests, and ever late by the assessment."""

from __future__ import annotations

import pytest

from bot.scheduler import jobs, run_job
from handlers.rhythm.assessment import assess
from storage.uow import UnitOfWork
from tests.conftest import embedded_classifier
from tests.desk import GARBAGE, new_messages, report, ticket_of
from tests.stack import RESIDENT, running_stack

FAST = {"sla": {"accept": "1m", "resolve": "1h", "on_site": "2h"}}
WORKER, VILLAGE, COUNTY = "liminghua", "zhouhaitao", "huangwenjie"


@pytest.fixture
async def fast_stack(seeded_url, clock):
    async with running_stack(seeded_url, clock, FAST, classifier=embedded_classifier()) as stack:
        yield stack


async def escalated_three_times(stack, clock) -> str:
    code = await report(stack, "东关一网格", GARBAGE)
    for _ in range(3):
        clock.advance(seconds=61)
        assert await stack.check_deadlines() == 1
    assert (await ticket_of(stack, code)).level == 3
    return code


async def test_ticket_escalated_three_times_stays_late_in_summary_and_overdue(fast_stack, clock):
    code = await escalated_three_times(fast_stack, clock)

    summary = await fast_stack.staff_says(COUNTY, "汇总")
    assert "超时未办：1 件" in summary
    late = await fast_stack.staff_says(COUNTY, "超时")
    assert code in late and "签收" in late and "已超 2 分钟" in late

    await fast_stack.staff_says(WORKER, f"接单 {code}")  # the late step is done

    assert "超时未办：0 件" in await fast_stack.staff_says(COUNTY, "汇总")
    assert "暂无超时工单" in await fast_stack.staff_says(COUNTY, "超时")
    ticket = await ticket_of(fast_stack, code)
    assert ticket.overdue_since is None and ticket.late_kinds == ["accept"]


async def test_late_fact_says_since_when_at_which_step_and_level(fast_stack, clock):
    started = clock.now()
    code = await escalated_three_times(fast_stack, clock)

    ticket = await ticket_of(fast_stack, code)
    assert (ticket.overdue_kind, ticket.overdue_level) == ("accept", 0)
    assert ticket.overdue_since.timestamp() == pytest.approx(started.timestamp() + 60, abs=2)


async def test_digest_counts_a_ticket_escalated_three_times_as_late(fast_stack, clock):
    code = await escalated_three_times(fast_stack, clock)
    before = len(fast_stack.fake.to(VILLAGE))
    digest = next(job for job in jobs(fast_stack.services.rhythm) if job.name == "digest-village")

    await run_job(fast_stack.services, digest)

    text = "\n".join(await new_messages(fast_stack, VILLAGE, before))
    assert "超时 1" in text and code in text


async def test_assessment_counts_a_step_that_was_late_even_when_done_quickly_after(
    fast_stack, clock
):
    code = await report(fast_stack, "东关一网格", GARBAGE)
    await fast_stack.staff_says(WORKER, f"接单 {code}")
    clock.advance(minutes=61)  # the hour to resolve passed: late, escalated
    assert await fast_stack.check_deadlines() == 1
    await fast_stack.staff_says(WORKER, f"办结 {code} 已清运")
    await fast_stack.say("3", RESIDENT)  # not satisfied: reopened, done again at once
    await fast_stack.staff_says(WORKER, f"接单 {code}")
    await fast_stack.staff_says(WORKER, f"办结 {code} 又清运了一次")
    assert (await ticket_of(fast_stack, code)).state == "resolved"

    services = fast_stack.services
    async with services.sessionmaker() as session:
        scores = await assess(
            UnitOfWork(session), "2026Q4", clock.now(), services.policy, services.rhythm
        )

    worker = next(score for score in scores if score.userid == WORKER)
    assert (worker.accept_rate, worker.resolve_rate) == (1.0, 0.0)


async def test_overdue_and_the_ticket_say_at_which_level_the_step_went_late(fast_stack, clock):
    code = await escalated_three_times(fast_stack, clock)

    late = await fast_stack.staff_says(COUNTY, "超时")
    assert "（在网格时超时）" in late  # it has climbed to the county since

    detail = await fast_stack.staff_says(COUNTY, f"工单 {code}")
    assert "超时：签收自" in detail and "起超时（在网格时）" in detail

    await fast_stack.staff_says(WORKER, f"接单 {code}")
    assert "超时：" not in await fast_stack.staff_says(COUNTY, f"工单 {code}")
