"""The demo console against the running service: several residents, staff sending locations
and photos as themselves, and the demo clock running the day's jobs when it moves."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.devkit.console import Console
from bot.devkit.timewarp import run_until
from handlers import texts
from storage.models import Resident
from tests.fakes import FakeClock
from tests.stack import POINTS, RESIDENT, running_stack

STAFF = {"liminghua": "李明华", "zhouhaitao": "周海涛"}
REPORT = "小区门口垃圾堆了好几天没人清理，臭得很"


def console_of(stack, shown: list[str]) -> Console:
    return Console(stack.mp, stack.work, RESIDENT, STAFF, POINTS, show=shown.append)


async def openids(stack) -> set[str]:
    async with stack.services.sessionmaker() as session:
        return set(await session.scalars(select(Resident.openid)))


async def test_a_second_resident_with_the_same_problem_nearby_is_linked_to_the_first(stack):
    shown: list[str] = []
    console = console_of(stack, shown)
    for line in (REPORT, "/位置 东关一网格", "/居民 2", "/位置 东关一网格", "门口的垃圾没人收"):
        await console.handle(line)

    [ticket] = await stack.tickets()
    assert "这个问题已有邻居反映过" in shown[-1] and ticket.code in shown[-1]
    assert await openids(stack) == {RESIDENT, f"{RESIDENT}-2"}
    assert console.label(f"{RESIDENT}-2") == "居民 2" and console.label(RESIDENT) == "居民"

    await console.handle("/居民")
    assert shown[-3:] == ["现在你是：居民 2（公众号）", "  1  居民", "  2  居民 2  ← 当前"]
    await console.handle("/居民 1")
    await console.handle("查询")
    assert ticket.code in shown[-1]


async def test_a_resident_number_out_of_range_is_answered_with_the_usage(stack):
    shown: list[str] = []
    console = console_of(stack, shown)

    await console.handle("/居民 十")
    await console.handle("/居民 0")

    assert all(line.startswith("用法：/居民 N") for line in shown) and console.resident == 1


async def test_staff_send_a_location_and_a_photo_as_themselves(stack):
    shown: list[str] = []
    console = console_of(stack, shown)
    for line in ("/切换 liminghua", "开始巡查", "/位置 东关一网格"):
        await console.handle(line)

    assert console.identity == "liminghua"
    assert "已记录巡查轨迹点" in shown[-1]
    assert await openids(stack) == set()  # nobody spoke as a resident

    for line in (REPORT, "/位置 东关一网格"):
        await console.handle(line)  # still the worker: a staff message, not a report
    assert await stack.tickets() == []
    await console.handle("/居民")
    for line in (REPORT, "/位置 东关一网格", "/切换 liminghua", "接单 #", "办结 # 已清运"):
        await console.handle(line)
    await console.handle("/图片")
    [ticket] = await stack.tickets()
    assert shown[-1].endswith(texts.STAFF_PHOTO_ATTACHED.format(code=ticket.code))


class MovableClock(FakeClock):
    def move_to(self, moment: datetime) -> None:
        self.current = moment


async def test_moving_the_clock_sends_the_reminder_the_escalation_and_the_digest_with_its_chart(
    seeded_url,
):
    clock = MovableClock(datetime(2026, 11, 26, 0, 0, tzinfo=UTC))  # 08:00 in Shanghai, Thursday
    sections = {"quiet": {"from": "00:00", "until": "00:00"}, "digest": {"charts": True}}
    async with running_stack(seeded_url, clock, sections=sections) as stack:
        await stack.say(REPORT)
        await stack.locate("东关一网格")
        [ticket] = await stack.tickets()
        await stack.drain()

        morning = datetime(2026, 11, 26, 0, 35, tzinfo=UTC)
        await run_until(stack.services, clock, morning, stack.drain)

        assert texts.PATROL_REMINDER.format(name="李明华") in stack.fake.to("liminghua")
        escalated = [t for t in stack.fake.to("zhouhaitao") if t.startswith("【超时上报】")]
        assert len(escalated) == 1 and ticket.code in escalated[0]
        assert not any("【工作简报】" in t for t in stack.fake.to("zhouhaitao"))

        six_pm = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
        await run_until(stack.services, clock, six_pm, stack.drain)

        evening = stack.fake.to("zhouhaitao")
        assert any(t.startswith("【工作简报】青禾县/清泉街道/东关社区") for t in evening)
        assert evening[-1].startswith("[image ") and stack.fake.media
        assert clock.now() == six_pm
