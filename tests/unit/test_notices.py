"""Notices to residents as supervisors type them (`通知 内容`, `通知 单位：内容`), paced and
kept out of quiet hours; the settings that bound them. Over HTTP: tests/e2e/test_notices.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config.settings import Settings, SettingsError
from handlers.calendar import Rhythm
from handlers.chat.notices import looks_like_unit, schedule, split_target
from handlers.chat.verbs import Command, parse
from handlers.policy import Notices, Policy
from storage.outbox import Message

WATER = "明天上午9点至11点停水，请提前储水"


def notice(typed: str) -> tuple[str | None, str]:
    command = parse(typed)
    assert command.verb == "notice"
    return split_target(command.rest)


@pytest.mark.parametrize(
    "typed",
    [
        f"通知 东关一网格：{WATER}",
        f"通知 东关一网格:{WATER}",
        f"通知东关一网格：{WATER}",
        f"\u3000通知\u3000东关一网格 ： {WATER}",
        f"通知 东关一网格 :{WATER}  ",
    ],
)
def test_a_unit_before_a_full_or_half_width_colon_is_the_target(typed):
    assert notice(typed) == ("东关一网格", WATER)


def test_a_path_or_a_grid_code_may_name_the_target():
    assert notice(f"通知 青禾县/清泉街道/东关社区：{WATER}") == ("青禾县/清泉街道/东关社区", WATER)
    assert notice(f"通知 ＱＨ－ＱＱ－ＤＧ－０１：{WATER}") == ("QH-QQ-DG-01", WATER)
    assert notice(f"通知 qh-qq-dg-01:{WATER}")[0] == "qh-qq-dg-01"


def test_without_a_colon_the_whole_text_is_the_notice_to_the_own_unit():
    assert notice(f"通知 {WATER}") == (None, WATER)
    assert notice(f"通知　{WATER}") == (None, WATER)


def test_the_notice_keeps_its_line_breaks_and_later_colons():
    assert notice("通知 东关社区：停水安排\n时间：明天上午\n地点：全社区") == (
        "东关社区",
        "停水安排\n时间：明天上午\n地点：全社区",
    )
    assert parse("通知 停水安排\n时间 明天").rest == "停水安排\n时间 明天"


def test_words_before_a_colon_that_are_no_unit_start_the_notice():
    word, body = notice("通知 各位居民：明天停水")
    assert (word, body) == ("各位居民", "明天停水")
    assert not looks_like_unit(word)  # so the handler sends the whole text to the own unit
    assert notice("通知 明天 停水：请储水") == (None, "明天 停水：请储水")  # no unit has spaces


@pytest.mark.parametrize(
    "word",
    ["东关三网格", "东风社区", "王家村", "柳河镇", "清泉街道", "青禾县/清泉街道", "QH-XX-01"],
)
def test_words_shaped_like_a_unit_are_taken_as_one(word):
    """A unit that is not found is then refused by name instead of sent to everyone."""
    assert looks_like_unit(word)


def test_notice_without_text_is_read_as_an_empty_notice():
    assert parse("通知") == Command("notice")
    assert notice("通知 东关一网格：") == ("东关一网格", "")


def test_messages_are_paced_per_minute():
    now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    times = schedule(5, now, 2, Rhythm().quiet_end)
    minute = timedelta(minutes=1)
    assert times == [now, now, now + minute, now + minute, now + 2 * minute]


def test_messages_due_in_quiet_hours_wait_for_the_morning():
    rhythm = Rhythm()  # quiet from 21:30 until 07:00
    late = datetime(2026, 11, 26, 13, 29, tzinfo=UTC)  # 21:29 in Shanghai
    morning = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)  # 07:00 the next day
    times = schedule(3, late, 2, rhythm.quiet_end)
    assert times[:2] == [late, late]
    assert times[2] == morning  # the third would have gone at 21:30


def test_notice_settings_default_and_are_checked():
    assert Policy().notices == Notices(per_day=3, per_minute=60, template="")
    sections = {"notice": {"per_day": 5}, "templates": {"notice": " TPL-1 "}}
    assert Notices.from_settings(Settings(sections=sections)) == Notices(5, 60, "TPL-1")
    for bad in (0, -1, "3", 2.5, True):
        with pytest.raises(SettingsError, match=r"\[notice\] per_day"):
            Policy.from_settings(Settings(sections={"notice": {"per_day": bad}}))


def test_a_template_message_row_carries_its_template():
    template = {"id": "TPL-1", "data": {"first": "东关社区发布了一条通知"}}
    by_text = Message("mp", "o1", "【东关社区通知】停水", "notice:1:o1", template=template)
    body = by_text.row(datetime(2026, 11, 26, tzinfo=UTC))["body"]
    assert body["msgtype"] == "text" and body["template"] == template
    by_template = Message("mp", "o1", "x", "notice:1:o1", template=template, by_template=True)
    assert by_template.row(datetime(2026, 11, 26, tzinfo=UTC))["body"]["msgtype"] == "template"
