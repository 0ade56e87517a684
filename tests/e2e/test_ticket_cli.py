"""`gridbot ticket show|list`: what an operator reads at the console."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime

from wcwidth import wcswidth

from bot.devkit.demo import DEMO_DATA_KEY
from tests.cli import run_gridbot


def gridbot(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return run_gridbot(
        "ticket",
        *args,
        env={"GRIDBOT_DATABASE_URL": database_url, "GRIDBOT_DATA_KEY": DEMO_DATA_KEY},
        timeout=60,
    )


async def make_tickets(stack) -> tuple[str, str]:
    await stack.locate("东关一网格")
    first = re.search(r"GB-\w+", await stack.say("小区门口垃圾好几天没人清")).group(0)
    await stack.staff_says("liminghua", f"接单 {first}")
    await stack.locate("王庄村网格", sender="o_other")
    second = re.search(r"GB-\w+", await stack.say("村口路灯坏了一个月", sender="o_other")).group(0)
    return first, second


async def test_show_prints_details_and_trail(stack, seeded_url):
    first, _ = await make_tickets(stack)
    done = gridbot(seeded_url, "show", first.removeprefix("GB-").lower())
    assert done.returncode == 0, done.stderr
    assert first in done.stdout and "接单" in done.stdout and "垃圾" in done.stdout

    as_json = json.loads(gridbot(seeded_url, "show", first, "--json").stdout)
    assert as_json["state"] == "accepted" and as_json["assignee"] == "liminghua"
    assert [e["action"] for e in as_json["trail"]] == ["create", "assign", "accept"]


async def test_list_filters_by_unit_and_state(stack, seeded_url):
    first, second = await make_tickets(stack)
    everything = json.loads(gridbot(seeded_url, "list", "--json").stdout)
    assert {row["code"] for row in everything} == {first, second}

    town = json.loads(gridbot(seeded_url, "list", "--unit", "青禾县/清泉街道", "--json").stdout)
    assert [row["code"] for row in town] == [first]
    waiting = json.loads(gridbot(seeded_url, "list", "--state", "assigned", "--json").stdout)
    assert [row["code"] for row in waiting] == [second]

    table = gridbot(seeded_url, "list").stdout
    assert table.splitlines()[0].split()[:3] == ["code", "state", "category"]
    assert first in table and second in table


async def test_list_table_names_states_categories_and_levels_in_chinese(stack, seeded_url):
    first, second = await make_tickets(stack)

    heading, *lines = gridbot(seeded_url, "list").stdout.splitlines()

    rows = {line.split()[0]: line.split() for line in lines}
    assert rows[first][1:4] == ["办理中", "环境问题巡查", "网格"]
    assert rows[second][1] == "待接单"
    assert not {"accepted", "assigned", "environment", "0"} & {*rows[first], *rows[second]}
    grid = [wcswidth(line[: line.index("青禾县")]) for line in lines]
    assert len(set(grid)) == 1 and wcswidth(heading[: heading.index("grid")]) == grid[0]


async def test_overdue_lists_only_late_tickets(stack, seeded_url, clock):
    clock.current = datetime(2020, 1, 1, tzinfo=UTC)  # long before the command's real "now"
    late, _ = await make_tickets(stack)
    clock.current = datetime(2100, 1, 1, tzinfo=UTC)  # long after it
    await stack.locate("西苑一网格", sender="o_third")
    await stack.say("楼下路口红绿灯不亮了", sender="o_third")
    overdue = json.loads(gridbot(seeded_url, "list", "--overdue", "--json").stdout)
    assert len(overdue) == 2 and late in {row["code"] for row in overdue}
    assert all(row["created"].startswith("2020") for row in overdue)


def test_unknown_ticket_or_unit_is_one_line_and_exit_1(sqlite_url):
    done = gridbot(sqlite_url, "show", "GB-NOPE2")
    assert done.returncode == 1 and done.stderr.strip() == "gridbot ticket: no ticket GB-NOPE2"
    done = gridbot(sqlite_url, "list", "--unit", "不存在县")
    assert done.returncode == 1 and "no unit" in done.stderr
