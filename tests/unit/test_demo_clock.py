"""The demo clock alone: what `/快进` understands, and which jobs a stretch of time passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.devkit.console import FORWARD_USAGE, Console
from bot.devkit.timewarp import parse_forward, planned_between
from bot.scheduler import jobs
from handlers.calendar import SHANGHAI, Rhythm

THURSDAY_0835 = datetime(2026, 11, 26, 8, 35, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("argument", "later"),
    [
        ("2小时", timedelta(hours=2)),
        ("30分钟", timedelta(minutes=30)),
        ("90分", timedelta(minutes=90)),
        ("1天", timedelta(days=1)),
        ("1天3小时", timedelta(days=1, hours=3)),
        ("1小时 30分钟", timedelta(hours=1, minutes=30)),
        ("2h", timedelta(hours=2)),
        ("45m", timedelta(minutes=45)),
    ],
)
def test_forward_by_a_span(argument, later):
    assert parse_forward(argument, THURSDAY_0835) == THURSDAY_0835 + later


def test_forward_to_a_time_is_today_while_it_is_ahead_else_tomorrow():
    evening = datetime(2026, 11, 26, 18, 0, tzinfo=SHANGHAI)
    assert parse_forward("到 18:00", THURSDAY_0835) == evening
    assert parse_forward("到18：00", THURSDAY_0835) == evening
    assert parse_forward("到 8:35", THURSDAY_0835) == THURSDAY_0835 + timedelta(days=1)
    assert parse_forward("到 08:00", THURSDAY_0835).astimezone(SHANGHAI).day == 27
    assert parse_forward("到 18:00", THURSDAY_0835).tzinfo == UTC


@pytest.mark.parametrize(
    "argument", ["", "一会儿", "2年", "0小时", "到 25:00", "到 18:61", "2小时后", "40天", "-2小时"]
)
def test_forward_refuses_what_it_cannot_read(argument):
    with pytest.raises(ValueError):
        parse_forward(argument, THURSDAY_0835)


def test_a_working_day_passes_both_patrols_and_the_evening_digest_in_order():
    start = datetime(2026, 11, 26, 8, 0, tzinfo=SHANGHAI)
    end = start.replace(hour=18)

    runs = planned_between(jobs(Rhythm()), start, end)

    assert [(at.astimezone(SHANGHAI).strftime("%H:%M"), job.name) for at, job in runs] == [
        ("08:30", "patrol-remind-0"),
        ("12:00", "patrol-due-0"),
        ("14:30", "patrol-remind-1"),
        ("18:00", "patrol-due-1"),
        ("18:00", "digest-village"),
    ]


def test_monday_morning_brings_visit_plans_and_the_township_and_county_digests():
    sunday_evening = datetime(2026, 11, 29, 19, 0, tzinfo=SHANGHAI)
    runs = planned_between(jobs(Rhythm()), sunday_evening, sunday_evening + timedelta(hours=13))

    assert {job.name for at, job in runs if at.astimezone(SHANGHAI).hour == 8} == {
        "visit-plans",
        "digest-township",
        "digest-county",
    }


async def test_the_console_answers_a_forward_it_cannot_read_with_how_to_write_it():
    shown: list[str] = []
    asked: list[str] = []

    async def forward(argument: str) -> None:
        asked.append(argument)
        parse_forward(argument, THURSDAY_0835)

    console = Console(None, None, "o_console", {}, {}, show=shown.append, forward=forward)
    await console.handle("/快进 一会儿")
    await console.handle("/快进 到 18:00")

    assert asked == ["一会儿", "到 18:00"] and shown == [FORWARD_USAGE]


async def test_chat_against_a_running_server_says_it_has_no_clock_to_move():
    shown: list[str] = []
    console = Console(None, None, "o_console", {}, {}, show=shown.append)

    await console.handle("/快进 2小时")

    assert "只在 gridbot demo 里可用" in shown[-1]
