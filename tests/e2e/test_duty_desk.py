"""End to end over signed, encrypted XML: no report without an owner and a clock. A resident
who sent no location is never left waiting: an emergency reaches the county's duty desk and
every supervisor of the county at once, any other report the duty desk after
`[intake] locate_within` (10 minutes), with the normal deadlines; the clock is moved, nothing
sleeps.

The demo county (config/demo): the duty desk songlixin 宋立新 at 青禾县; its supervisors
zhouhaitao, wuxiulan, wangdeshun, lichunmei (villages), chenzhiqiang, liuyuping (townships),
huangwenjie (county); 东关一网格's worker liminghua.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.scheduler import Scheduler, hand_unassigned_to_desk
from handlers.texts import EMERGENCY_LINES
from nlu.classifier import Prediction
from storage.db import make_engine, make_sessionmaker
from tests.conftest import data_key, embedded_classifier
from tests.desk import GARBAGE, assignee_of, code_in, new_messages, ticket_of, trail
from tests.fakes import UnsureClassifier
from tests.stack import RESIDENT, running_stack

DESK = "songlixin"
SUPERVISORS = (
    "zhouhaitao",
    "wuxiulan",
    "wangdeshun",
    "lichunmei",
    "chenzhiqiang",
    "liuyuping",
    "huangwenjie",
)
FIRE = "着火了，三楼冒黑烟"
CRISIS = "活着太累了，我只想解脱"
LOCATE_WITHIN = timedelta(minutes=10)


async def test_an_unplaced_fire_is_answered_with_the_fire_line_and_a_request_for_the_place(
    stack,
):
    reply = await stack.say(FIRE)

    first, second, *_ = reply.splitlines()
    assert first == EMERGENCY_LINES["fire"]
    assert "发送位置" in second and "详细地址" in second  # asked in its first lines
    code = code_in(reply)
    assert "宋立新" in reply
    ticket = await ticket_of(stack, code)
    assert ticket.urgent and ticket.grid_id is None
    assert await assignee_of(stack, code) == DESK
    assert ticket.state == "assigned" and ticket.deadline_kind == "accept"
    assert ticket.deadline_at == ticket.created_at + timedelta(minutes=10)  # [sla.urgent]


async def test_an_unplaced_fire_alerts_the_duty_desk_and_every_county_supervisor_at_once(stack):
    code = code_in(await stack.say(FIRE))
    await stack.drain()  # no clock moved: at once

    [notice] = stack.fake.to(DESK)
    assert code in notice and "紧急" in notice and "位置" in notice
    for userid in SUPERVISORS:
        [alert] = stack.fake.to(userid)
        assert (
            alert.startswith("【紧急警情·位置不明】") and code in alert and "三楼冒黑烟" in alert
        )
    assert [action for _, action, _ in await trail(stack, code)][:3] == [
        "create",
        "assign",
        "alert",
    ]


async def test_an_unplaced_report_reaches_the_duty_desk_after_ten_minutes_with_a_deadline(
    stack, clock
):
    reply = await stack.say(GARBAGE)
    assert "位置" in reply
    [ticket] = await stack.tickets()
    assert ticket.state == "new" and ticket.assignee_id is None

    clock.advance(minutes=9, seconds=59)
    assert await stack.check_unassigned() == 0
    clock.advance(seconds=1)
    assert await stack.check_unassigned() == 1
    assert await stack.check_unassigned() == 0  # once

    [ticket] = await stack.tickets()
    assert await assignee_of(stack, ticket.code) == DESK
    assert ticket.state == "assigned" and ticket.deadline_kind == "accept"
    assert ticket.deadline_at == clock.now() + timedelta(minutes=30)  # the normal [sla]
    [notice] = await new_messages(stack, DESK, 0)
    assert ticket.code in notice and "指派" in notice  # to assign once the place is known
    [told] = stack.fake.to(RESIDENT)
    assert ticket.code in told and "县综治中心值班人员" in told and "发送位置" in told


async def test_the_duty_desk_assigns_an_unplaced_ticket_to_the_grid_it_learnt(stack, clock):
    await stack.say(GARBAGE)
    clock.advance(minutes=10)
    await stack.check_unassigned()
    [ticket] = await stack.tickets()

    assert ticket.code in await stack.staff_says(DESK, f"工单 {ticket.code}")
    assert "不在您的辖区" in await stack.staff_says("zhouhaitao", f"工单 {ticket.code}")
    assert "待接单" in await stack.staff_says(DESK, "汇总")

    reply = await stack.staff_says(DESK, f"指派 {ticket.code} liminghua")
    assert "已指派给 李明华" in reply
    [ticket] = await stack.tickets()
    assert await assignee_of(stack, ticket.code) == "liminghua"
    assert (ticket.level, ticket.state) == (0, "assigned")
    await stack.drain()
    assert any(ticket.code in text and "东关一网格" in text for text in stack.fake.to("liminghua"))
    assert ticket.code in await stack.staff_says("zhouhaitao", f"工单 {ticket.code}")


async def test_a_location_sent_later_takes_the_report_from_the_desk_to_the_grid(stack, clock):
    await stack.say(GARBAGE)
    clock.advance(minutes=10)
    await stack.check_unassigned()

    reply = await stack.locate("东关一网格")
    assert "李明华" in reply
    [ticket] = await stack.tickets()
    assert await assignee_of(stack, ticket.code) == "liminghua" and ticket.level == 0
    await stack.drain()
    assert "您不用再办理了" in stack.fake.to(DESK)[-1]


async def test_a_person_in_crisis_with_no_location_alerts_the_desk_every_time(stack):
    first = await stack.say(CRISIS)
    second = await stack.say("我真的撑不下去了，不想活了")  # within the minute

    assert "12356" in first and "位置" in first
    assert "12356" in second
    await stack.drain()
    county = [text for text in stack.fake.to("huangwenjie") if "位置不明" in text]
    assert len(county) == 2  # the one-alert-a-minute rule never holds back a crisis
    assert [await assignee_of(stack, t.code) for t in await stack.tickets()] == [DESK, DESK]


async def test_a_placed_person_in_crisis_alerts_the_centres_every_time(stack):
    await stack.locate("东关一网格")
    await stack.say(CRISIS)
    await stack.say("我真的撑不下去了，不想活了")
    await stack.drain()
    alerts = [t for t in stack.fake.to("zhouhaitao") if t.startswith("【紧急警情】")]
    assert len(alerts) == 2
    assert not any("119" in alert for alert in alerts)  # they were given 12356, not 119


class SometimesUnsure:
    """Sure of every report except those that start 说不清, which it asks about."""

    def predict(self, text: str) -> Prediction:
        if text.startswith("说不清"):
            return UnsureClassifier().predict(text)
        return Prediction(intent="report", category="environment", confidence=1.0)


@pytest.fixture
async def mixed_stack(seeded_url, clock):
    async with running_stack(seeded_url, clock, classifier=SometimesUnsure()) as stack:
        yield stack


async def test_a_report_left_waiting_for_its_kind_is_settled_then_sent_on(mixed_stack, clock):
    stack = mixed_stack
    await stack.locate("东关一网格", "o_placed")
    assert "回复数字" in await stack.say("说不清是什么，门口有一堆东西", "o_placed")
    assert "回复数字" in await stack.say("说不清是什么，楼下好吵", "o_unplaced")

    clock.advance(minutes=10)
    assert await stack.check_unassigned() == 2
    placed, unplaced = await stack.tickets()
    assert await assignee_of(stack, placed.code) == "liminghua"  # its grid, as likeliest kind
    assert await assignee_of(stack, unplaced.code) == DESK
    assert placed.category_options is None and unplaced.category_options is None
    await stack.drain()
    assert placed.code in stack.fake.to("o_placed")[-1]
    assert unplaced.code in stack.fake.to("o_unplaced")[-1]


async def test_no_ticket_is_ever_without_an_owner_and_a_deadline_longer_than_locate_within(
    mixed_stack, clock
):
    """Reports of every kind come in over an hour; the check runs every 30 seconds."""
    stack = mixed_stack
    await stack.locate("东关二网格", "o_placed")
    reports = {  # at which half-minute step, who writes what
        0: ("o_unplaced_1", GARBAGE),
        3: ("o_placed", "说不清是什么，门口有一堆东西"),
        7: ("o_unplaced_2", "说不清是什么，楼下好吵"),
        11: ("o_placed", "路边的垃圾桶满了"),
        19: ("o_unplaced_3", FIRE),
        41: ("o_unplaced_1", "河边有人倒建筑垃圾"),
    }
    for step in range(120):
        if step in reports:
            await stack.say(reports[step][1], reports[step][0])
        await stack.check_unassigned()
        now = clock.now()
        for ticket in await stack.tickets():
            if ticket.state != "new" or now - ticket.created_at >= LOCATE_WITHIN:
                assert ticket.assignee_id is not None, (step, ticket.code)
                assert ticket.deadline_at is not None, (step, ticket.code)
        clock.advance(seconds=30)
    assert len(await stack.tickets()) == len(reports)


@pytest.fixture
async def slow_desk_stack(seeded_url, clock):
    sections = {"intake": {"locate_within": "30m"}}
    async with running_stack(seeded_url, clock, sections, classifier=embedded_classifier()) as s:
        yield s


async def test_locate_within_is_read_from_the_intake_section(slow_desk_stack, clock):
    await slow_desk_stack.say(GARBAGE)
    clock.advance(minutes=29)
    assert await slow_desk_stack.check_unassigned() == 0
    clock.advance(minutes=1)
    assert await slow_desk_stack.check_unassigned() == 1


async def test_the_scheduler_hands_waiting_reports_to_the_desk_and_keeps_checking(stack, clock):
    await stack.say(GARBAGE)
    clock.advance(minutes=10)  # the service was down when the ten minutes passed
    scheduler = Scheduler(stack.services)
    scheduler.start()
    try:
        await asyncio.wait_for(scheduler._task, 30)
        assert scheduler.aps.get_job("unassigned-to-desk") is not None  # every 30 seconds
    finally:
        await scheduler.stop()
    [ticket] = await stack.tickets()
    assert await assignee_of(stack, ticket.code) == DESK


async def test_two_processes_checking_at_once_hand_a_report_over_once(stack, clock, seeded_url):
    await stack.say(GARBAGE)
    clock.advance(minutes=10)
    engines = [make_engine(seeded_url, data_key=data_key()) for _ in range(2)]
    policy = stack.services.policy
    try:
        handed = await asyncio.gather(
            *(hand_unassigned_to_desk(make_sessionmaker(e), clock.now(), policy) for e in engines)
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert sum(handed) == 1
    await stack.drain()
    assert len(stack.fake.to(DESK)) == 1 and len(stack.fake.to(RESIDENT)) == 1


async def test_asking_for_a_person_is_told_who_to_reach_and_given_the_crisis_line(stack):
    """`我想跟真人说话` may be how a crisis begins, but tells of no danger: the resident hears
    how to reach their grid worker with the crisis line first, and no ticket is opened."""
    await stack.locate("东关一网格")

    reply = await stack.say("我想跟真人说话")

    assert reply.startswith(EMERGENCY_LINES["self_harm"]) and "李明华" in reply
    assert await stack.tickets() == []
