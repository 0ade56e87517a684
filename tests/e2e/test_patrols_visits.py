"""一日双巡 and 五必访 as grid workers notice them: one reminder per patrol however often the job
runs, across restarts and with two schedulers; patrols, findings and tracks in chat; the Monday
visit plan, visits and what follows them. The clock is moved and jobs are run; nothing sleeps.

The demo county: grid workers liminghua (东关一网格: H0001 张建明 空巢老人, H0002 低保户,
H0003 社区矫正人员), zhaoxiaoyan (东关二网格: H0004 出租房屋, H0005), sunjianguo, wanglifang,
lijunwei; 东关社区 routes public security to the police assistant hanlei.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.cli.registry import import_households
from bot.devkit.demo import DEMO_DATA_KEY
from bot.scheduler import Job, Scheduler, catch_up, jobs, run_job
from handlers.calendar import SHANGHAI
from storage.crypto import DataKey
from storage.db import make_engine, make_sessionmaker
from storage.models import Household, Patrol, Staff, Visit
from tests.conftest import data_key, embedded_classifier
from tests.stack import running_stack

WORKERS = ("lijunwei", "liminghua", "sunjianguo", "wanglifang", "zhaoxiaoyan")
WORKER = "liminghua"
PATROL = {"patrol": {"times": ["10:01", "14:30"], "due": ["12:00", "18:00"]}}
REMINDER = "到巡查时间了"
MISSED = "已记为未巡查"
FIRE_HAZARD = "楼道里堆满了纸箱，有火灾隐患"
KEY_TAGS = ("社区矫正人员", "刑满释放人员", "严重精神障碍患者", "吸毒人员")
HEAD_NAMES = ("张建明", "刘秀英", "王志刚", "陈小红", "赵国庆", "孙丽华", "周强", "王德福")
IMPORTED = datetime(2026, 11, 1, tzinfo=UTC)  # when the registry was imported
WECOM_TEXT_BYTES = 2048
ONLY_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def shanghai(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


MONDAY_PLAN = shanghai(11, 30, 8)  # the Monday after the FakeClock's Thursday, 08:00


def job_named(stack, name: str) -> Job:
    return next(job for job in jobs(stack.services.rhythm) if job.name == name)


def rhythm_stack(url: str, clock, sections: dict | None = None):
    return running_stack(
        url, clock, PATROL if sections is None else sections, classifier=embedded_classifier()
    )


def reminders(*fakes, who: str) -> int:
    return sum(REMINDER in text for fake in fakes for text in fake.to(who))


def code_in(text: str) -> str:
    return re.search(r"GB-[0-9A-Z]+", text).group(0)


async def patrols_of(stack, userid: str) -> list[Patrol]:
    async with stack.services.sessionmaker() as session:
        query = select(Patrol).join(Staff, Staff.id == Patrol.staff_id)
        return list(
            await session.scalars(
                query.where(Staff.userid == userid).order_by(Patrol.day, Patrol.slot)
            )
        )


async def send_location(stack, userid: str, lon: float, lat: float) -> str | None:
    return (await stack.work.send(stack.work.location(userid, lon, lat))).text


# Patrol reminders: once per worker and slot


async def test_patrol_reminder_reaches_every_grid_worker_once_though_the_job_runs_twice(
    seeded_url, clock
):
    async with rhythm_stack(seeded_url, clock) as stack:
        clock.current = shanghai(11, 26, 10, 1)
        remind = job_named(stack, "patrol-remind-0")
        await run_job(stack.services, remind)
        await run_job(stack.services, remind)
        await stack.drain()

        assert {w: reminders(stack.fake, who=w) for w in WORKERS} == dict.fromkeys(WORKERS, 1)
        assert "李明华您好" in stack.fake.to(WORKER)[0]
        assert reminders(stack.fake, who="zhouhaitao") == 0  # supervisors do not patrol


async def test_patrol_reminder_is_not_sent_again_after_a_restart(seeded_url, clock):
    clock.current = shanghai(11, 26, 10, 1)
    async with rhythm_stack(seeded_url, clock) as first:
        await run_job(first.services, job_named(first, "patrol-remind-0"))
        await first.drain()
    clock.advance(minutes=20)
    async with rhythm_stack(seeded_url, clock) as second:
        await catch_up(second.services, second.services.rhythm)
        await run_job(
            second.services, job_named(second, "patrol-remind-0"), shanghai(11, 26, 10, 1)
        )
        await second.drain()

        for worker in WORKERS:
            assert reminders(first.fake, second.fake, who=worker) == 1, worker


async def test_reminder_due_while_the_service_was_down_is_sent_once_on_return(seeded_url, clock):
    async with rhythm_stack(seeded_url, clock):
        pass  # up at 10:00, down before the 10:01 reminder
    clock.current = shanghai(11, 26, 10, 40)
    async with rhythm_stack(seeded_url, clock) as stack:
        await catch_up(stack.services, stack.services.rhythm)
        await catch_up(stack.services, stack.services.rhythm)
        await stack.drain()

        assert {w: reminders(stack.fake, who=w) for w in WORKERS} == dict.fromkeys(WORKERS, 1)


async def test_reminder_is_not_sent_when_the_service_returns_after_the_patrol_was_due(
    seeded_url, clock
):
    async with rhythm_stack(seeded_url, clock):
        pass
    clock.current = shanghai(11, 26, 12, 5)  # the morning patrol was due at 12:00
    async with rhythm_stack(seeded_url, clock) as stack:
        await catch_up(stack.services, stack.services.rhythm)
        await stack.drain()

        assert all(reminders(stack.fake, who=w) == 0 for w in WORKERS)


# Two schedulers on one PostgreSQL database


@ONLY_POSTGRESQL
async def test_of_two_schedulers_only_one_leads_and_the_other_takes_over_when_it_is_gone(
    seeded_url, clock
):
    async with rhythm_stack(seeded_url, clock) as other:
        follower = Scheduler(other.services)
        try:
            async with rhythm_stack(seeded_url, clock) as one:
                leader = Scheduler(one.services)
                try:
                    assert await leader._become_leader()
                    assert not await follower._become_leader()
                finally:
                    await leader.stop()
            assert await follower._become_leader()  # the leading process has ended
        finally:
            await follower.stop()


@ONLY_POSTGRESQL
async def test_two_schedulers_starting_at_once_remind_each_worker_once(seeded_url, clock):
    clock.current = shanghai(11, 26, 10, 5)  # both start after the 10:01 reminder time
    async with rhythm_stack(seeded_url, clock) as one, rhythm_stack(seeded_url, clock) as two:
        schedulers = [Scheduler(one.services), Scheduler(two.services)]
        for scheduler in schedulers:
            scheduler.start()
        try:
            done, _ = await asyncio.wait(
                [s._task for s in schedulers], timeout=30, return_when=asyncio.FIRST_COMPLETED
            )
            assert len(done) == 1  # the leader caught up; the other still waits for the lock
            [leader] = done
            assert leader.exception() is None
            await asyncio.gather(one.drain(), two.drain())
        finally:
            for scheduler in schedulers:
                await scheduler.stop()

        for worker in WORKERS:
            assert reminders(one.fake, two.fake, who=worker) == 1, worker


@ONLY_POSTGRESQL
async def test_same_job_run_by_two_schedulers_at_once_reminds_each_worker_once(seeded_url, clock):
    clock.current = shanghai(11, 26, 10, 1)
    async with rhythm_stack(seeded_url, clock) as one, rhythm_stack(seeded_url, clock) as two:
        await asyncio.gather(
            *(run_job(s.services, job_named(s, "patrol-remind-0")) for s in (one, two))
        )
        await asyncio.gather(one.drain(), two.drain())

        for worker in WORKERS:
            assert reminders(one.fake, two.fake, who=worker) == 1, worker


# Patrols in chat


async def test_patrol_with_nothing_found_is_recorded_as_done(stack):
    assert "已开始巡查" in await stack.staff_says(WORKER, "开始巡查")
    reply = await stack.staff_says(WORKER, "巡查结束 无异常")

    assert "无异常" in reply
    [patrol] = await patrols_of(stack, WORKER)
    assert (patrol.day, patrol.slot, patrol.state) == ("2026-11-26", 0, "done")
    assert await stack.tickets() == []


async def test_patrol_finding_becomes_a_routed_ticket_named_in_the_reply(stack):
    await stack.staff_says(WORKER, "开始巡查")
    reply = await stack.staff_says(WORKER, f"巡查结束 {FIRE_HAZARD}")

    code = code_in(reply)
    [ticket] = await stack.tickets()
    assert (ticket.code, ticket.source, ticket.state) == (code, "patrol", "assigned")
    async with stack.services.sessionmaker() as session:
        handler = await session.get(Staff, ticket.assignee_id)
    await stack.drain()
    assert any(code in text and "纸箱" in text for text in stack.fake.to(handler.userid))
    [patrol] = await patrols_of(stack, WORKER)
    assert patrol.state == "done" and patrol.ticket_id == ticket.id


async def test_patrol_finding_keeps_the_workers_words_as_typed(stack):
    await stack.staff_says(WORKER, "开始巡查")
    await stack.staff_says(WORKER, f"巡查结束 {FIRE_HAZARD}")

    [ticket] = await stack.tickets()
    await stack.drain()
    assert ticket.text == FIRE_HAZARD  # the full-width comma too, as in every other note
    assert any(FIRE_HAZARD in sent.text for sent in stack.fake.sent)


async def test_locations_sent_during_a_patrol_are_kept_as_its_track(stack):
    await stack.staff_says(WORKER, "开始巡查")
    points = [(116.358, 36.533), (116.360, 36.535), (116.362, 36.536)]
    replies = [await send_location(stack, WORKER, lon, lat) for lon, lat in points]
    await stack.staff_says(WORKER, f"巡查结束 {FIRE_HAZARD}")

    assert "共 3 个" in replies[-1]
    [patrol] = await patrols_of(stack, WORKER)
    assert [(round(lon, 3), round(lat, 3)) for lat, lon, _ in patrol.track] == points
    [ticket] = await stack.tickets()
    assert (round(ticket.lon, 3), round(ticket.lat, 3)) == points[-1]  # where it was found


async def test_patrol_not_finished_by_its_due_time_is_missed_and_the_worker_reminded_once(
    stack, clock
):
    await stack.staff_says(WORKER, "开始巡查")
    await stack.staff_says("zhaoxiaoyan", "开始巡查")
    await stack.staff_says("zhaoxiaoyan", "巡查结束 无异常")
    clock.current = shanghai(11, 26, 12)
    due = job_named(stack, "patrol-due-0")
    await run_job(stack.services, due)
    await run_job(stack.services, due)
    await stack.drain()

    assert sum(MISSED in text for text in stack.fake.to(WORKER)) == 1
    assert not any(MISSED in text for text in stack.fake.to("zhaoxiaoyan"))  # finished in time
    [patrol] = await patrols_of(stack, WORKER)
    assert patrol.state == "missed"
    assert "仍记为未巡查" in await stack.staff_says(WORKER, "巡查结束 无异常")
    assert "11-26：未巡查" in await stack.staff_says(WORKER, "巡查记录")


async def test_patrol_record_shows_the_last_seven_days(stack, clock):
    for day in (19, 20, 25):
        clock.current = shanghai(11, day, 9)
        await stack.staff_says(WORKER, "开始巡查")
        await stack.staff_says(WORKER, "巡查结束 无异常")
    clock.current = shanghai(11, 26, 15)

    lines = (await stack.staff_says(WORKER, "巡查记录")).splitlines()

    assert len(lines) == 8  # a heading and seven days, today first
    assert [line[2:7] for line in lines[1:]] == [f"11-{d}" for d in range(26, 19, -1)]
    assert "· 11-20：已完成 / —" in lines and "· 11-25：已完成 / —" in lines
    assert "· 11-26：— / —" in lines
    assert not any("11-19" in line for line in lines)  # eight days ago


# Visits: the Monday plan, 走访, and what follows a visit


@pytest.fixture
async def registry_stack(seeded_url, clock):
    """The demo county with its registry imported on 2026-11-01, before the FakeClock's day."""
    engine = make_engine(seeded_url, data_key=data_key())
    try:
        async with make_sessionmaker(engine)() as session:
            await session.execute(update(Household).values(created_at=IMPORTED))
            await session.commit()
    finally:
        await engine.dispose()
    async with running_stack(seeded_url, clock, classifier=embedded_classifier()) as stack:
        yield stack


async def plans_on(stack, clock, moment: datetime = MONDAY_PLAN) -> None:
    clock.current = moment
    await run_job(stack.services, job_named(stack, "visit-plans"))
    await stack.drain()


def plan_line(plan: str, code: str) -> str | None:
    return next((line for line in plan.splitlines() if f" {code} " in line), None)


async def test_monday_plan_lists_each_workers_households_masked_and_once(registry_stack, clock):
    stack = registry_stack
    await plans_on(stack, clock)
    await plans_on(stack, clock, MONDAY_PLAN.replace(minute=30))  # the job ran again

    plans = {w: stack.fake.to(w) for w in WORKERS}
    assert all(len(messages) == 1 for messages in plans.values()), plans
    [plan] = plans[WORKER]
    assert "3 户" in plan
    assert all(plan_line(plan, code) for code in ("H0001", "H0002", "H0003"))
    assert "张*明" in plan_line(plan, "H0001") and "空巢老人" in plan_line(plan, "H0001")
    assert plan_line(plan, "H0004") is None  # another worker's grid
    everything = "\n".join(text for messages in plans.values() for text in messages)
    assert not any(name in everything for name in HEAD_NAMES)
    assert not any(tag in everything for tag in KEY_TAGS)


async def test_visited_household_is_no_longer_overdue_in_the_next_plan(registry_stack, clock):
    stack = registry_stack
    reply = await stack.staff_says(WORKER, "走访 H0001 老人身体尚好")
    await stack.staff_says(WORKER, "走访 H0002 低保金已到账")

    assert "H0001" in reply and "12-03" in reply  # 空巢老人: every seven days
    await plans_on(stack, clock)
    [plan] = stack.fake.to(WORKER)
    assert "已逾期" not in plan_line(plan, "H0001") and "12-03 前" in plan_line(plan, "H0001")
    assert plan_line(plan, "H0002") is None  # 低保户: not before 12-26
    assert "已逾期" in plan_line(plan, "H0003")  # never visited
    async with stack.services.sessionmaker() as session:
        notes = list(await session.scalars(select(Visit.note)))
    assert len(notes) == 2 and not any("老人身体尚好" in note for note in notes)  # encrypted


async def test_household_whose_members_changed_is_in_the_plan_within_three_days(
    registry_stack, clock
):
    stack = registry_stack
    visited = await stack.staff_says("zhaoxiaoyan", "走访 H0004 租户情况正常")
    assert "下次走访：12-26" in visited  # 出租房屋: every thirty days
    clock.current = shanghai(11, 28, 10)
    await stack.locate("东关二网格")
    code = code_in(await stack.say("我家楼下新来了一户租客，三口人"))
    confirmed = await stack.staff_says("zhaoxiaoyan", f"采集 {code} 确认 H0004")
    assert "H0004" in confirmed

    await plans_on(stack, clock)
    [plan] = [text for text in stack.fake.to("zhaoxiaoyan") if "走访计划" in text]

    assert "12-01 前" in plan_line(plan, "H0004")  # three days after the change


async def test_photo_and_location_sent_right_after_a_visit_join_it(registry_stack, clock):
    stack = registry_stack
    await stack.staff_says(WORKER, "走访 H0001 老人身体尚好")
    clock.advance(minutes=3)
    photo = (await stack.work.send(stack.work.image(WORKER, "visit-photo"))).text
    place = await send_location(stack, WORKER, 116.361, 36.534)

    assert "H0001" in photo and "H0001" in place
    async with stack.services.sessionmaker() as session:
        [visit] = list(await session.scalars(select(Visit)))
    assert visit.media_id == "visit-photo"
    assert (round(visit.lat, 3), round(visit.lon, 3)) == (36.534, 116.361)


async def test_photo_long_after_a_visit_does_not_join_it(registry_stack, clock):
    stack = registry_stack
    await stack.staff_says(WORKER, "走访 H0001 老人身体尚好")
    clock.advance(minutes=30)
    reply = (await stack.work.send(stack.work.image(WORKER, "much-later"))).text

    assert "H0001" not in reply
    async with stack.services.sessionmaker() as session:
        [visit] = list(await session.scalars(select(Visit)))
    assert visit.media_id is None


def busy_grid(tmp_path: Path, count: int) -> Path:
    """A grid with many must-visit households, as a real urban grid has."""
    lines = ["code,grid,address,head_name,phone,id_number,members,tags,note"]
    lines += [
        f"H1{n:03d},QH-QQ-DG-01,清泉街道东关路幸福家园小区{n}号楼{n % 6 + 1}单元{n}室,"
        f"欧阳建国,,,2,低保户;空巢老人;残疾人家庭,"
        for n in range(60)
    ]
    path = tmp_path / "busy.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def plan_for_busy_grid(stack, clock, tmp_path: Path) -> list[str]:
    async with stack.services.sessionmaker() as session:
        await import_households(
            session, busy_grid(tmp_path, 60), DataKey.from_text(DEMO_DATA_KEY), quiet=True
        )
    await plans_on(stack, clock)
    return stack.fake.to(WORKER)


async def test_plan_for_a_busy_grid_arrives_in_messages_wecom_accepts(
    registry_stack, clock, tmp_path
):
    plan = await plan_for_busy_grid(registry_stack, clock, tmp_path)

    sizes = [len(text.encode()) for text in plan]
    assert plan and all(size <= WECOM_TEXT_BYTES for size in sizes), sizes


async def test_plan_for_a_busy_grid_lists_every_household_it_counts(
    registry_stack, clock, tmp_path
):
    plan = "\n".join(await plan_for_busy_grid(registry_stack, clock, tmp_path))

    assert "63 户" in plan
    listed = set(re.findall(r"· (H\d{4}) ", plan))
    assert len(listed) == 63, f"{len(listed)} of 63 households listed"
