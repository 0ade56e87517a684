"""End to end over HTTP: a supervisor's notice to the residents of a unit (政策宣传).

The demo county (config/demo): supervisor zhouhaitao leads 东关社区 (东关一网格 QH-QQ-DG-01,
东关二网格 QH-QQ-DG-02), wuxiulan 西苑社区 (西苑一网格); liminghua is 东关一网格's worker.
Residents are placed in a grid by sending their location; what they sent last decides whether
WeChat's 48-hour customer-service window is still open.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from sqlalchemy import select

from bot.devkit.demo import DEMO_DATA_KEY
from storage.models import AuditEntry, Notice
from tests.cli import run_gridbot
from tests.conftest import embedded_classifier
from tests.stack import running_stack

WATER = "明天上午9点至11点停水，请提前储水"
EAST_1, EAST_2, WEST = "o_notice_east_1", "o_notice_east_2", "o_notice_west"
QUIET_SINCE = "o_notice_quiet_since"  # in 东关二网格, last wrote three days ago
TEMPLATES = {"templates": {"notice": "TPL-notice"}}


async def place_residents(stack, clock) -> None:
    await stack.locate("东关二网格", QUIET_SINCE)
    clock.advance(days=3)
    await stack.locate("东关一网格", EAST_1)
    await stack.locate("东关二网格", EAST_2)
    await stack.locate("西苑一网格", WEST)


def notices_to(stack, openid: str) -> list[tuple[str, str]]:
    return [(s.channel, s.text) for s in stack.fake.sent if s.to == openid]


async def audit_of_notices(stack) -> list[tuple[str, str, str, str]]:
    async with stack.services.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "notice").order_by(AuditEntry.id)
        )
        return [(a.actor, a.target, a.purpose, a.outcome) for a in rows]


async def notices(stack) -> list[Notice]:
    async with stack.services.sessionmaker() as session:
        return list(await session.scalars(select(Notice).order_by(Notice.id)))


def with_sections(seeded_url, clock, sections):
    return running_stack(seeded_url, clock, sections, classifier=embedded_classifier())


# Reaching residents


async def test_a_notice_reaches_the_recent_writers_of_the_unit_and_names_who_it_could_not(
    stack, clock
):
    await place_residents(stack, clock)
    reply = await stack.staff_says("zhouhaitao", f"通知 {WATER}")

    assert "青禾县/清泉街道/东关社区" in reply and "2 位居民将收到" in reply
    assert "客服消息 2 位" in reply and "另有 1 位居民" in reply and "无法送达" in reply
    await stack.drain()
    assert notices_to(stack, EAST_1) == [("mp", f"【东关社区通知】\n{WATER}")]
    assert notices_to(stack, EAST_2) == [("mp", f"【东关社区通知】\n{WATER}")]
    assert notices_to(stack, QUIET_SINCE) == [] and notices_to(stack, WEST) == []
    assert await audit_of_notices(stack) == [
        ("staff:zhouhaitao", "青禾县/清泉街道/东关社区", WATER, "allowed")
    ]


async def test_with_a_notice_template_the_others_get_a_template_message(seeded_url, clock):
    async with with_sections(seeded_url, clock, TEMPLATES) as stack:
        await place_residents(stack, clock)
        reply = await stack.staff_says("zhouhaitao", f"通知 {WATER}")
        assert "3 位居民将收到" in reply and "模板消息 1 位" in reply and "无法送达" not in reply
        await stack.drain()

        [(channel, text)] = notices_to(stack, QUIET_SINCE)
        assert channel == "mp-template" and "东关社区发布了一条通知" in text and WATER in text
        assert notices_to(stack, EAST_1) == [("mp", f"【东关社区通知】\n{WATER}")]


async def test_the_template_stands_in_when_the_window_closed_after_all(seeded_url, clock):
    async with with_sections(seeded_url, clock, TEMPLATES) as stack:
        await place_residents(stack, clock)
        stack.fake.window_closed.add(EAST_1)  # unsubscribed and back, say
        await stack.staff_says("zhouhaitao", f"通知 {WATER}")
        await stack.drain()
        [(channel, text)] = notices_to(stack, EAST_1)
        assert channel == "mp-template" and WATER in text


async def test_a_notice_to_a_grid_below_reaches_only_that_grid(stack, clock):
    await place_residents(stack, clock)
    reply = await stack.staff_says("zhouhaitao", f"通知 东关一网格：{WATER}")
    assert "青禾县/清泉街道/东关社区/东关一网格" in reply and "1 位居民将收到" in reply
    reply = await stack.staff_says("zhouhaitao", "通知 qh-qq-dg-02:今晚八点社区广场放电影")
    assert "东关二网格" in reply and "1 位居民将收到" in reply
    await stack.drain()
    assert notices_to(stack, EAST_1) == [("mp", f"【东关社区通知】\n{WATER}")]
    assert notices_to(stack, EAST_2) == [("mp", "【东关社区通知】\n今晚八点社区广场放电影")]


async def test_a_township_supervisor_reaches_every_community_below(stack, clock):
    await place_residents(stack, clock)
    assert "3 位居民将收到" in await stack.staff_says("chenzhiqiang", f"通知 {WATER}")
    await stack.drain()
    assert notices_to(stack, WEST) == [("mp", f"【清泉街道通知】\n{WATER}")]


async def test_residents_who_unfollowed_the_account_are_not_counted(stack, clock):
    await place_residents(stack, clock)
    await stack.mp.send(stack.mp.event(EAST_2, "unsubscribe"))
    reply = await stack.staff_says("zhouhaitao", f"通知 {WATER}")
    assert "1 位居民将收到" in reply and "另有 1 位居民" in reply
    await stack.drain()
    assert notices_to(stack, EAST_2) == []


async def test_a_unit_without_placed_residents_is_told_nobody_was_reached(stack, clock):
    await place_residents(stack, clock)
    reply = await stack.staff_says("wangdeshun", f"通知 {WATER}")
    assert "青禾县/柳河镇/王庄村 还没有可以接收通知的居民" in reply
    assert [n.unit_id is not None for n in await notices(stack)] == [True]  # still recorded


async def test_the_staff_help_lists_notices_for_supervisors(stack):
    assert "通知 内容" in await stack.staff_says("zhouhaitao", "帮助")
    assert "通知 内容" not in await stack.staff_says("liminghua", "帮助")


# Refusals: nothing is sent


async def test_a_unit_outside_the_supervisors_own_is_refused(stack, clock):
    await place_residents(stack, clock)
    reply = await stack.staff_says("zhouhaitao", f"通知 西苑社区：{WATER}")
    assert "西苑社区 不在您的辖区" in reply
    reply = await stack.staff_says("zhouhaitao", f"通知 青禾县/柳河镇：{WATER}")
    assert "不在您的辖区" in reply
    await stack.drain()
    assert notices_to(stack, WEST) == [] and await notices(stack) == []


async def test_a_grid_worker_is_told_politely_who_sends_notices(stack, clock):
    await place_residents(stack, clock)
    reply = await stack.staff_says("liminghua", f"通知 {WATER}")
    assert "需要由综治中心负责人发送" in reply
    await stack.drain()
    assert notices_to(stack, EAST_1) == [] and await notices(stack) == []


async def test_an_unknown_unit_an_empty_or_overlong_notice_is_explained(stack, clock):
    await place_residents(stack, clock)
    assert "没有找到单位“东关三网格”" in await stack.staff_says(
        "zhouhaitao", f"通知 东关三网格：{WATER}"
    )
    assert "请写上通知内容" in await stack.staff_says("zhouhaitao", "通知")
    assert "请写上通知内容" in await stack.staff_says("zhouhaitao", "通知 东关一网格：")
    assert "500 字以内" in await stack.staff_says("zhouhaitao", "通知 " + "停水" * 251)
    await stack.drain()
    assert notices_to(stack, EAST_1) == [] and await notices(stack) == []


async def test_words_before_a_colon_that_name_no_unit_are_part_of_the_notice(stack, clock):
    await place_residents(stack, clock)
    await stack.staff_says("zhouhaitao", f"通知 各位居民：{WATER}")
    await stack.drain()
    assert notices_to(stack, EAST_1) == [("mp", f"【东关社区通知】\n各位居民：{WATER}")]


async def test_notices_over_the_daily_limit_are_refused_with_the_limit_named(seeded_url, clock):
    async with with_sections(seeded_url, clock, {"notice": {"per_day": 2}}) as stack:
        await place_residents(stack, clock)
        assert "还可以再发 1 条" in await stack.staff_says("zhouhaitao", "通知 第一条")
        assert "还可以再发 0 条" in await stack.staff_says("zhouhaitao", "通知 第二条")
        reply = await stack.staff_says("zhouhaitao", "通知 第三条")
        assert "已经发了 2 条" in reply and "每天最多发 2 条" in reply and "没有发送" in reply
        # another unit has its own count
        assert "将收到" in await stack.staff_says("zhouhaitao", "通知 东关一网格：第三条")
        await stack.drain()
        assert [text for _, text in notices_to(stack, EAST_2)] == [
            "【东关社区通知】\n第一条",
            "【东关社区通知】\n第二条",
        ]
        assert (await audit_of_notices(stack))[2][2:] == ("第三条", "refused")

        clock.advance(days=1)  # a new day in Shanghai
        assert "将收到" in await stack.staff_says("zhouhaitao", "通知 第四条")


async def test_two_notices_to_a_unit_at_once_are_counted_against_one_limit(seeded_url, clock):
    async with with_sections(seeded_url, clock, {"notice": {"per_day": 1}}) as stack:
        await place_residents(stack, clock)
        replies = await asyncio.gather(
            stack.staff_says("zhouhaitao", "通知 第一条"),
            stack.staff_says("chenzhiqiang", "通知 东关社区：第二条"),
        )
        assert sorted("将收到" in reply for reply in replies) == [False, True]
        assert any("每天最多发 1 条" in reply for reply in replies)
        assert len(await notices(stack)) == 1


# Pace and quiet hours


async def test_a_notice_in_quiet_hours_goes_out_in_the_morning(stack, clock):
    clock.current = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
    await place_residents(stack, clock)
    reply = await stack.staff_says("zhouhaitao", f"通知 {WATER}")
    assert "现在是休息时间" in reply and "07:00 起陆续发出" in reply
    await stack.drain()
    assert notices_to(stack, EAST_1) == []

    clock.current = datetime(2026, 11, 29, 23, 1, tzinfo=UTC)  # 07:01 the next morning
    await stack.drain()
    assert notices_to(stack, EAST_1) == [("mp", f"【东关社区通知】\n{WATER}")]


async def test_a_night_notice_counts_the_window_at_the_morning_it_goes_out(stack, clock):
    clock.current = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # 06:00 in Shanghai
    await stack.locate("东关二网格", EAST_2)  # 40 hours before the notice, 49 before 07:00
    clock.current = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 22:00
    await stack.locate("东关一网格", EAST_1)
    reply = await stack.staff_says("zhouhaitao", f"通知 {WATER}")
    assert "1 位居民将收到" in reply and "另有 1 位居民" in reply


async def test_a_notice_goes_out_at_most_per_minute_at_a_time(seeded_url, clock):
    async with with_sections(seeded_url, clock, {"notice": {"per_minute": 1}}) as stack:
        await place_residents(stack, clock)
        reply = await stack.staff_says("zhouhaitao", f"通知 {WATER}")
        assert "每分钟发送 1 位，约 2 分钟发完" in reply
        await stack.drain()
        first = [o for o in (EAST_1, EAST_2) if notices_to(stack, o)]
        assert len(first) == 1
        clock.advance(minutes=1)
        await stack.drain()
        assert all(notices_to(stack, o) for o in (EAST_1, EAST_2))


# What went out, for the operator


async def test_notice_list_shows_what_went_out(stack, clock, seeded_url):
    await place_residents(stack, clock)
    await stack.staff_says("zhouhaitao", f"通知 {WATER}")
    clock.advance(minutes=5)
    await stack.staff_says("zhouhaitao", "通知 东关一网格：今晚八点社区广场放电影，欢迎居民参加")
    await stack.drain()

    env = {"GRIDBOT_DATABASE_URL": seeded_url, "GRIDBOT_DATA_KEY": DEMO_DATA_KEY}
    done = run_gridbot("notice", "list", "--json", env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    latest, first = json.loads(done.stdout)
    assert latest["unit"] == "青禾县/清泉街道/东关社区/东关一网格" and latest["messages"] == 1
    assert first["text"] == WATER and first["sender"] == "zhouhaitao"
    assert (first["messages"], first["templates"], first["unreached"]) == (2, 0, 1)
    assert first["sent"] == 2

    table = run_gridbot("notice", "list", env=env, timeout=60).stdout.splitlines()
    assert table[0].split() == [
        "time",
        "unit",
        "sender",
        "messages",
        "templates",
        "unreached",
        "sent",
        "text",
    ]
    assert "今晚八点社区广场放电影，欢迎居民参加" in table[1]
    assert "zhouhaitao" in table[2] and "停水" in table[2]
    assert len(table) == 3
    clipped = run_gridbot("notice", "list", "--limit", "1", env=env, timeout=60).stdout
    assert len(clipped.splitlines()) == 2


def test_notice_list_is_empty_before_any_notice(sqlite_url):
    env = {"GRIDBOT_DATABASE_URL": sqlite_url, "GRIDBOT_DATA_KEY": DEMO_DATA_KEY}
    done = run_gridbot("notice", "list", env=env, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "(no notices)"
