"""A message WeChat keeps refusing is dead-lettered, its unit's supervisors are told, and an
operator can list it and send it again."""

from __future__ import annotations

import json
import subprocess

from bot.devkit.demo import DEMO_DATA_KEY
from bot.relay import MAX_ATTEMPTS
from tests.cli import run_gridbot

WORKER, VILLAGE = "liminghua", "zhouhaitao"


def gridbot(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return run_gridbot(
        "outbox",
        *args,
        env={"GRIDBOT_DATABASE_URL": database_url, "GRIDBOT_DATA_KEY": DEMO_DATA_KEY},
        timeout=60,
    )


async def fail_until_dead(stack, clock) -> int:
    await stack.locate("东关一网格")
    await stack.say("小区门口垃圾好几天没人清")
    for _ in range(MAX_ATTEMPTS):
        stack.fake.fail_next.append({"errcode": -1, "errmsg": "system error"})
        await stack.drain()
        clock.advance(minutes=20)  # past any backoff, short of the quiet hours
    [dead] = [row for row in await stack.outbox() if row.state == "dead"]
    return dead.id


async def test_dead_message_tells_the_units_supervisors(stack, clock):
    dead_id = await fail_until_dead(stack, clock)
    await stack.drain()
    [notice] = stack.fake.to(VILLAGE)
    assert f"第 {dead_id} 号" in notice and "gridbot outbox retry" in notice
    assert stack.fake.to(WORKER) == []


async def test_operator_lists_and_retries_a_dead_message(stack, clock, seeded_url):
    dead_id = await fail_until_dead(stack, clock)
    listed = json.loads(gridbot(seeded_url, "list", "--dead", "--json").stdout)
    assert [row["id"] for row in listed] == [dead_id] and listed[0]["recipient"] == WORKER

    done = gridbot(seeded_url, "retry", str(dead_id))
    assert done.returncode == 0 and "1 message" in done.stdout
    clock.current = clock.current.replace(year=2100)  # the retry is due at real "now"
    await stack.drain()
    assert len(stack.fake.to(WORKER)) == 1
    assert json.loads(gridbot(seeded_url, "list", "--dead", "--json").stdout) == []


def test_retry_needs_an_id_or_all_dead(sqlite_url):
    assert gridbot(sqlite_url, "retry").returncode == 2
    missing = gridbot(sqlite_url, "retry", "999")
    assert missing.returncode == 1 and "no dead or held message 999" in missing.stderr
