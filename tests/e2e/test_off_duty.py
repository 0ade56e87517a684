"""Staff off duty: left out of a staff import, or taken off with `gridbot staff off-duty`. They
see nothing of tickets or the registry, are never chosen, and their open tickets move on.

The demo county (config/demo): 东关一网格 liminghua 李明华 (its grid worker, who sees household
H0003 in full: 王志刚, a 社区矫正人员); above it the supervisors zhouhaitao 周海涛 (东关社区),
chenzhiqiang (清泉街道) and huangwenjie (青禾县); no other grid worker in that chain.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.cli import staff
from bot.devkit.demo import DEMO_DATA_KEY
from handlers.policy import Policy
from handlers.rhythm import patrols
from nlu.categories import CATEGORY_IDS
from storage.importer import ImportFailed, run_import
from storage.uow import UnitOfWork
from tests.cli import run_gridbot
from tests.conftest import data_key
from tests.desk import GARBAGE, assignee_of, new_messages, report, ticket_of, trail

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo"
STAFF, GRIDS = DEMO / "staff.csv", DEMO / "grids.geojson"
ONLY_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
OFF_DUTY = "不在网格通的在岗人员名单中"
SECRETS = ("王志刚", "37150119880205003X", "社区矫正", "13900000003", "垃圾")


def gridbot(url: str, *args: str) -> subprocess.CompletedProcess:
    return run_gridbot(
        *args, env={"GRIDBOT_DATABASE_URL": url, "GRIDBOT_DATA_KEY": DEMO_DATA_KEY}, timeout=60
    )


def roster_without(tmp_path: Path, *userids: str) -> Path:
    lines = [
        line for line in STAFF.read_text("utf-8").splitlines() if line.split(",")[0] not in userids
    ]
    path = tmp_path / "staff.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def duty_of(url: str, userid: str) -> dict:
    listed = gridbot(url, "staff", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return next(row for row in json.loads(listed.stdout) if row["userid"] == userid)


async def heard(stack, who: str) -> int:
    await stack.drain()
    return len(stack.fake.to(who))


async def test_worker_left_out_of_a_staff_reimport_sees_nothing_and_their_ticket_moves_on(
    stack, seeded_url, tmp_path
):
    code = await report(stack, "东关一网格", GARBAGE)
    assert "王志刚" in await stack.staff_says("liminghua", "户 H0003 全部")  # on duty: allowed
    supervisor_heard = await heard(stack, "zhouhaitao")
    worker_heard = await heard(stack, "liminghua")

    done = gridbot(seeded_url, "import", "--staff", str(roster_without(tmp_path, "liminghua")))

    assert done.returncode == 0, done.stderr
    assert "1 taken off duty" in done.stdout and "1 open ticket(s) re-routed" in done.stdout
    for asked in ("户 H0003 全部", "查户 东关路", "我的工单", f"工单 {code}", f"接单 {code}"):
        reply = await stack.staff_says("liminghua", asked)
        assert OFF_DUTY in reply and code not in reply
        assert not any(secret in reply for secret in SECRETS), reply
    assert await assignee_of(stack, code) == "zhouhaitao"
    notices = await new_messages(stack, "zhouhaitao", supervisor_heard)
    assert any(f"接单 {code}" in text for text in notices)  # the new assignee's ticket
    assert any(
        code in text and "李明华" in text and "周海涛" in text and "不在岗" in text
        for text in notices
    )  # the supervisor hears it moved, from whom to whom
    assert await new_messages(stack, "liminghua", worker_heard) == []  # off duty: nothing


@ONLY_SQLITE
async def test_off_duty_from_the_cli_survives_a_reimport_that_lists_them_until_on_duty(
    stack, seeded_url
):
    code = await report(stack, "东关一网格", GARBAGE)

    off = gridbot(seeded_url, "staff", "off-duty", "liminghua")

    assert off.returncode == 0, off.stderr
    [line] = off.stdout.strip().splitlines()
    assert "liminghua" in line and "off duty" in line and "1 open ticket(s) re-routed" in line
    assert await assignee_of(stack, code) == "zhouhaitao"

    again = gridbot(seeded_url, "import", "--staff", str(STAFF))  # lists liminghua

    assert again.returncode == 0, again.stderr
    assert "0 taken off duty" in again.stdout
    assert OFF_DUTY in await stack.staff_says("liminghua", "户 H0003 全部")
    assert duty_of(seeded_url, "liminghua")["on_duty"] is False

    on = gridbot(seeded_url, "staff", "on-duty", "liminghua")

    assert on.returncode == 0, on.stderr
    assert on.stdout.strip() == "liminghua (李明华) is back on duty"
    assert "王志刚" in await stack.staff_says("liminghua", "户 H0003 全部")
    assert duty_of(seeded_url, "liminghua")["on_duty"] is True
    assert await assignee_of(stack, code) == "zhouhaitao"  # the ticket stays where it went


@ONLY_SQLITE
async def test_worker_left_out_by_one_import_and_listed_by_the_next_is_back_on_duty(
    stack, seeded_url, tmp_path
):
    await run_import(
        seeded_url, None, roster_without(tmp_path, "liminghua"), None, categories=CATEGORY_IDS
    )
    assert OFF_DUTY in await stack.staff_says("liminghua", "我的工单")

    summary = await run_import(seeded_url, None, STAFF, None, categories=CATEGORY_IDS)

    assert summary.off_duty == 0
    assert "没有待办" in await stack.staff_says("liminghua", "我的工单")
    assert duty_of(seeded_url, "liminghua")["on_duty"] is True


@ONLY_SQLITE
async def test_off_duty_staff_cannot_be_named_for_assign_or_transfer(stack):
    code = await report(stack, "东关二网格", "最近小区里总有陌生人挨家挨户敲门推销，感觉不对劲")
    async with stack.services.sessionmaker() as session:
        await staff.off_duty(session, "zhaoxiaoyan", Policy())

    for who in ("zhaoxiaoyan", "赵小燕"):
        assert "没有找到工作人员" in await stack.staff_says("zhouhaitao", f"指派 {code} {who}")
        assert "没有找到工作人员" in await stack.staff_says("hanlei", f"转派 {code} {who}")
    assert await assignee_of(stack, code) == "hanlei"


@ONLY_SQLITE
async def test_off_duty_worker_gets_no_patrol_reminder(stack, clock):
    async with stack.services.sessionmaker() as session:
        await staff.off_duty(session, "liminghua", Policy())
    async with stack.services.sessionmaker() as session:
        reminded = await patrols.remind(UnitOfWork(session), clock.now(), 0)
        await session.commit()

    assert reminded == 4  # the demo county's five grid workers but one
    recipients = {row.recipient for row in await stack.outbox()}
    assert "liminghua" not in recipients and "zhaoxiaoyan" in recipients


@ONLY_SQLITE
async def test_ticket_nobody_on_duty_can_take_is_escalated(stack, seeded_url, tmp_path):
    code = await report(stack, "东关一网格", GARBAGE)
    leaving = ("liminghua", "zhouhaitao", "chenzhiqiang", "huangwenjie")
    worker_heard = await heard(stack, "liminghua")

    summary = await run_import(
        seeded_url,
        None,
        roster_without(tmp_path, *leaving),
        None,
        staff.passing_on(Policy()),
        data_key(),
        categories=CATEGORY_IDS,
    )

    assert (summary.off_duty, summary.rerouted) == (4, 1)
    ticket = await ticket_of(stack, code)
    assert (ticket.level, ticket.assignee_id, ticket.state) == (1, None, "assigned")
    assert [action for _, action, _ in await trail(stack, code)][-2:] == ["transfer", "escalate"]
    assert await new_messages(stack, "liminghua", worker_heard) == []


async def test_import_without_a_staff_file_takes_nobody_off_duty(seeded_sqlite):
    summary = await run_import(seeded_sqlite, GRIDS, None, None, categories=CATEGORY_IDS)

    assert summary.off_duty == 0
    assert duty_of(seeded_sqlite, "liminghua")["on_duty"] is True


async def test_staff_file_listing_nobody_is_refused_rather_than_emptying_the_roster(
    seeded_sqlite, tmp_path
):
    with pytest.raises(ImportFailed) as raised:
        await run_import(
            seeded_sqlite,
            None,
            roster_without(tmp_path, *all_userids()),
            None,
            categories=CATEGORY_IDS,
        )

    [problem] = raised.value.problems
    assert "lists nobody" in problem
    assert duty_of(seeded_sqlite, "liminghua")["on_duty"] is True


def all_userids() -> list[str]:
    return [line.split(",")[0] for line in STAFF.read_text("utf-8").splitlines()[1:]]


def test_staff_list_shows_unit_and_duty_and_unknown_userids_fail_in_one_line(seeded_sqlite):
    gridbot(seeded_sqlite, "staff", "off-duty", "liminghua")

    table = gridbot(seeded_sqlite, "staff", "list").stdout.splitlines()

    assert table[0].split() == ["userid", "name", "role", "unit", "duty"]
    row = next(line for line in table if line.startswith("liminghua"))
    assert row.split()[:4] == [
        "liminghua",
        "李明华",
        "网格员",
        "青禾县/清泉街道/东关社区/东关一网格",
    ]
    assert row.endswith("离岗（操作员停用）")
    assert next(line for line in table if line.startswith("zhouhaitao")).endswith("在岗")
    for verb in ("off-duty", "on-duty"):
        failed = gridbot(seeded_sqlite, "staff", verb, "nobody")
        assert failed.returncode == 1
        assert failed.stderr.strip() == "gridbot staff: no staff member with userid nobody"
