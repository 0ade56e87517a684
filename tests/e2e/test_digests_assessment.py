"""Digests up the hierarchy, quiet hours and the quarterly assessment, as supervisors and
operators notice them. The clock is moved and jobs are run; nothing sleeps.

The demo county: 东关社区 (zhouhaitao: 东关一网格 liminghua, 东关二网格 zhaoxiaoyan) and 西苑社区
(wuxiulan) under 清泉街道 (chenzhiqiang); 王庄村 (wangdeshun) and 李家洼村 (lichunmei) under
柳河镇 (liuyuping); the county supervisor is huangwenjie.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from bot.devkit.demo import DEMO_DATA_KEY
from bot.scheduler import Job, catch_up, jobs, run_job
from handlers.calendar import SHANGHAI
from handlers.rhythm import digests
from handlers.rhythm.assessment import GRADES, assess
from storage.uow import UnitOfWork
from tests.cli import run_gridbot
from tests.conftest import embedded_classifier
from tests.stack import running_stack

VILLAGE = {
    "zhouhaitao": "东关社区",
    "wuxiulan": "西苑社区",
    "wangdeshun": "王庄村",
    "lichunmei": "李家洼村",
}
TOWNSHIP = {"chenzhiqiang": "清泉街道", "liuyuping": "柳河镇"}
COUNTY = "huangwenjie"
WORKERS = ("lijunwei", "liminghua", "sunjianguo", "wanglifang", "zhaoxiaoyan")
GARBAGE = "小区门口的垃圾堆了好几天没人清理"  # environment
STRANGERS = "小区里总有陌生人挨家挨户敲门推销，感觉不对劲"  # public security
TRAFFIC_LIGHT = "路口红绿灯坏了，车都乱开"  # traffic
DISPUTE = "楼上楼下因为漏水吵起来了，都要动手了"  # dispute
FIRE = "隔壁楼着火了"  # an emergency
WECOM_TEXT_BYTES = digests.MAX_BYTES
QUIET = {"quiet": {"from": "21:30", "until": "07:00"}}


def shanghai(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def job_named(stack, name: str) -> Job:
    return next(job for job in jobs(stack.services.rhythm) if job.name == name)


def code_in(text: str) -> str:
    return re.search(r"GB-[0-9A-Z]+", text).group(0)


async def report(stack, grid: str, text: str, resident: str) -> str:
    await stack.locate(grid, resident)
    return code_in(await stack.say(text, resident))


async def reports_of_the_day(stack) -> None:
    """Thursday 10:00: three new tickets in 东关社区 (two grids), one in 王庄村."""
    await report(stack, "东关一网格", GARBAGE, "o_resident_a")
    await report(stack, "东关一网格", STRANGERS, "o_resident_b")
    await report(stack, "东关二网格", TRAFFIC_LIGHT, "o_resident_c")
    await report(stack, "王庄村网格", GARBAGE, "o_resident_d")
    await stack.drain()


async def run_and_collect(stack, name: str, people, times: int = 1) -> dict[str, list[str]]:
    """What each of `people` received from running the job `times` times."""
    before = {p: len(stack.fake.to(p)) for p in people}
    for _ in range(times):
        await run_job(stack.services, job_named(stack, name))
    await stack.drain()
    return {p: stack.fake.to(p)[before[p] :] for p in people}


# Digests


async def test_village_supervisors_get_the_days_counts_by_category_and_grid_at_18(stack, clock):
    await reports_of_the_day(stack)
    clock.current = shanghai(11, 26, 18)

    received = await run_and_collect(stack, "digest-village", VILLAGE)

    assert all(messages for messages in received.values()), received
    assert all(
        len(text.encode()) <= WECOM_TEXT_BYTES
        for messages in received.values()
        for text in messages
    )
    donguan = "\n".join(received["zhouhaitao"])
    assert "东关社区" in donguan and "11-26 至 11-26" in donguan
    assert "工单：新增 3，" in donguan
    for line in (
        "环境问题巡查：新增 1",
        "治安巡逻防范：新增 1",
        "协助交通管理：新增 1",
        "东关一网格：新增 2",
        "东关二网格：新增 1",
    ):
        assert line in donguan
    wangzhuang = "\n".join(received["wangdeshun"])
    assert "工单：新增 1，" in wangzhuang and "王庄村网格：新增 1" in wangzhuang
    assert "工单：新增 0，" in "\n".join(received["wuxiulan"])
    assert "东关" not in "\n".join(received["wuxiulan"])  # only its own community


async def test_village_digest_run_twice_is_sent_once(stack, clock):
    await reports_of_the_day(stack)
    clock.current = shanghai(11, 26, 18)

    received = await run_and_collect(stack, "digest-village", VILLAGE, times=2)

    assert all(len(messages) == 1 for messages in received.values()), received


async def test_township_digest_at_8_next_morning_covers_the_previous_day_once(stack, clock):
    await reports_of_the_day(stack)
    clock.current = shanghai(11, 27, 7, 30)
    await report(stack, "东关一网格", DISPUTE, "o_resident_e")  # the next day: not counted
    clock.current = shanghai(11, 27, 8)

    received = await run_and_collect(stack, "digest-township", TOWNSHIP, times=2)

    assert all(len(messages) == 1 for messages in received.values()), received
    [qingquan], [liuhe] = received["chenzhiqiang"], received["liuyuping"]
    assert "清泉街道" in qingquan and "11-26 至 11-26" in qingquan
    assert "工单：新增 3，" in qingquan and "东关一网格：新增 2" in qingquan
    assert "工单：新增 1，" in liuhe and "王庄村网格：新增 1" in liuhe
    assert all(len(text.encode()) <= WECOM_TEXT_BYTES for text in (qingquan, liuhe))


# Quiet hours


async def test_at_night_a_routine_notice_waits_and_an_emergency_goes_at_once(seeded_url, clock):
    clock.current = shanghai(11, 26, 22)
    async with running_stack(seeded_url, clock, QUIET, classifier=embedded_classifier()) as stack:
        routine = await report(stack, "东关一网格", GARBAGE, "o_resident_a")
        fire = await report(stack, "东关二网格", FIRE, "o_resident_b")
        await stack.drain()

        assert stack.fake.to("liminghua") == []  # the garbage can wait for the morning
        assert any(fire in text and "紧急" in text for text in stack.fake.to("zhouhaitao"))
        assert any(fire in text for text in stack.fake.to("chenzhiqiang"))

        clock.current = shanghai(11, 27, 6, 59)
        await stack.drain()
        assert stack.fake.to("liminghua") == []

        clock.current = shanghai(11, 27, 7)
        await stack.drain()
        [notice] = stack.fake.to("liminghua")
        assert routine in notice


async def test_equal_quiet_hours_from_and_until_switch_quiet_hours_off(seeded_url, clock):
    clock.current = shanghai(11, 26, 23)
    sections = {"quiet": {"from": "21:30", "until": "21:30"}}
    async with running_stack(
        seeded_url, clock, sections, classifier=embedded_classifier()
    ) as stack:
        code = await report(stack, "东关一网格", GARBAGE, "o_resident_a")
        await stack.drain()

        [notice] = stack.fake.to("liminghua")
        assert code in notice


async def test_daytime_quiet_hours_hold_a_notice_until_they_end_the_same_day(seeded_url, clock):
    clock.current = shanghai(11, 26, 12, 30)
    sections = {"quiet": {"from": "12:00", "until": "14:00"}}  # a lunch break
    async with running_stack(
        seeded_url, clock, sections, classifier=embedded_classifier()
    ) as stack:
        code = await report(stack, "东关一网格", GARBAGE, "o_resident_a")
        await stack.drain()
        assert stack.fake.to("liminghua") == []

        clock.current = shanghai(11, 26, 14)
        await stack.drain()
        [notice] = stack.fake.to("liminghua")
        assert code in notice


# The assessment


async def a_quarters_work(stack, clock) -> None:
    """On 2026-10-01 liminghua patrols twice, handles a report the resident rates 满意 and
    visits his three households; sunjianguo patrols once and visits 西苑一网格's two."""
    clock.current = shanghai(10, 1, 9)
    for worker in ("liminghua", "sunjianguo"):
        await stack.staff_says(worker, "开始巡查")
        await stack.staff_says(worker, "巡查结束 无异常")
    code = await report(stack, "东关一网格", GARBAGE, "o_resident_a")
    clock.advance(minutes=10)
    await stack.staff_says("liminghua", f"接单 {code}")
    clock.advance(minutes=50)
    await stack.staff_says("liminghua", f"办结 {code} 已清运")
    await stack.say("1", "o_resident_a")
    for household in ("H0001", "H0002", "H0003"):
        await stack.staff_says("liminghua", f"走访 {household} 一切正常")
    await stack.staff_says("sunjianguo", "走访 H0006 孩子上学正常")
    await stack.staff_says("sunjianguo", "走访 H0007 按时服药，情绪稳定")
    clock.current = shanghai(10, 1, 15)
    await stack.staff_says("liminghua", "开始巡查")
    await stack.staff_says("liminghua", "巡查结束 无异常")


async def assessed(stack, quarter: str, now: datetime) -> dict:
    services = stack.services
    async with services.sessionmaker() as session:
        scores = await assess(UnitOfWork(session), quarter, now, services.policy, services.rhythm)
    return {score.userid: score for score in scores}


async def test_assessment_gives_each_worker_rates_a_score_and_a_grade(stack, clock):
    await a_quarters_work(stack, clock)

    scores = await assessed(stack, "2026Q4", shanghai(10, 2, 10))

    assert set(scores) == set(WORKERS)
    assert all(score.grade in GRADES for score in scores.values())
    best = scores["liminghua"]
    assert (best.tickets, best.accept_rate, best.resolve_rate, best.satisfaction) == (
        1,
        1.0,
        1.0,
        1.0,
    )
    assert (best.patrol_rate, best.visit_rate, best.grade) == (1.0, 1.0, "优秀")
    middle = scores["sunjianguo"]
    assert (middle.patrol_rate, middle.visit_rate) == (0.5, 1.0)
    assert middle.grade == "合格" and 60 <= middle.score < 90
    idle = scores["zhaoxiaoyan"]
    assert (idle.patrol_rate, idle.visit_rate, idle.grade) == (0.0, 0.0, "不合格")


async def test_worker_who_never_visits_the_key_population_household_is_not_fully_rated(
    stack, clock
):
    """五必访 covers 社区矫正人员 and 刑满释放人员 as much as 低保户 and 空巢老人."""
    clock.current = shanghai(10, 1, 9)
    for household in ("H0001", "H0002"):  # never H0003, the 社区矫正人员 household
        await stack.staff_says("liminghua", f"走访 {household} 一切正常")

    scores = await assessed(stack, "2026Q4", shanghai(10, 2, 10))

    assert scores["liminghua"].visit_rate < 1.0
    assert scores["lijunwei"].visit_rate == 0.0  # H0010, 刑满释放人员, never visited


async def test_assessment_job_sends_the_county_supervisor_last_quarters_grades_once(stack, clock):
    await a_quarters_work(stack, clock)
    clock.current = shanghai(1, 1, 8, year=2027)

    received = await run_and_collect(stack, "assessment", [COUNTY, "zhouhaitao"], times=2)
    clock.current = shanghai(1, 1, 9, year=2027)
    await catch_up(stack.services, stack.services.rhythm)  # as after a restart
    await stack.drain()

    assert stack.fake.to(COUNTY) == received[COUNTY]
    [grades] = received[COUNTY]
    assert "2026Q4" in grades and "共 5 人" in grades
    for name in ("李明华", "赵小燕", "孙建国", "王丽芳", "李俊伟"):
        [line] = [line for line in grades.splitlines() if name in line]
        assert line.endswith(GRADES), line
    assert received["zhouhaitao"] == []  # village supervisors are not sent the grades


# `gridbot report assessment`


@pytest.fixture
async def assessed_sqlite_url(seeded_sqlite, clock):
    async with running_stack(seeded_sqlite, clock, classifier=embedded_classifier()) as stack:
        await a_quarters_work(stack, clock)
    return seeded_sqlite


def gridbot(url: str, *args: str) -> subprocess.CompletedProcess:
    return run_gridbot(
        "report",
        "assessment",
        *args,
        env={"GRIDBOT_DATABASE_URL": url, "GRIDBOT_DATA_KEY": DEMO_DATA_KEY},
    )


def test_report_prints_a_table_with_a_grade_for_every_worker(assessed_sqlite_url):
    result = gridbot(assessed_sqlite_url, "--quarter", "2026Q4")

    assert result.returncode == 0, result.stderr
    heading, *rows = result.stdout.strip().splitlines()
    assert "等级" in heading and "得分" in heading
    assert sorted(row.split()[0] for row in rows) == sorted(WORKERS)
    assert all(row.split()[-1] in GRADES for row in rows), rows


def test_report_as_csv_has_a_heading_and_a_graded_row_per_worker(assessed_sqlite_url):
    result = gridbot(assessed_sqlite_url, "--quarter", "2026Q4", "--format", "csv")

    assert result.returncode == 0, result.stderr
    heading, *rows = list(csv.reader(io.StringIO(result.stdout)))
    assert heading[0] == "账号" and heading[-1] == "等级"
    assert sorted(row[0] for row in rows) == sorted(WORKERS)
    assert all(row[-1] in GRADES for row in rows)
    [liminghua] = [row for row in rows if row[0] == "liminghua"]
    assert liminghua[1] == "李明华" and liminghua[3] == "1"  # one ticket handled


def test_report_as_xlsx_writes_the_workbook(assessed_sqlite_url, tmp_path):
    out = tmp_path / "考核.xlsx"

    result = gridbot(
        assessed_sqlite_url, "--quarter", "2026Q4", "--format", "xlsx", "--out", str(out)
    )

    assert result.returncode == 0, result.stderr
    sheet = load_workbook(out, read_only=True).worksheets[0]
    heading, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert heading[-1] == "等级"
    assert sorted(row[0] for row in rows) == sorted(WORKERS)
    assert all(row[-1] in GRADES for row in rows)


def test_report_for_a_quarter_that_does_not_exist_fails_with_one_line(assessed_sqlite_url):
    result = gridbot(assessed_sqlite_url, "--quarter", "2026Q5")

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "2026Q5" in lines[0]
    assert result.stdout == ""


def test_report_for_a_quarter_not_yet_begun_does_not_fail_every_worker(assessed_sqlite_url):
    result = gridbot(assessed_sqlite_url, "--quarter", "2099Q1")

    graded = [row for row in result.stdout.splitlines() if row.split()[-1:] == ["不合格"]]
    assert graded == [], "nobody has worked a day of 2099Q1, yet:\n" + "\n".join(graded)


def test_report_as_xlsx_holds_numbers_and_rates_excel_can_sort_and_sum(
    assessed_sqlite_url, tmp_path
):
    out = tmp_path / "考核.xlsx"
    gridbot(assessed_sqlite_url, "--quarter", "2026Q4", "--format", "xlsx", "--out", str(out))

    sheet = load_workbook(out).worksheets[0]
    heading = [cell.value for cell in sheet[1]]
    [row] = [row for row in sheet.iter_rows(min_row=2) if row[0].value == "liminghua"]
    cell = dict(zip(heading, row, strict=True))
    assert cell["工单"].value == 1 and cell["工单"].data_type == "n"
    rate = cell["及时签收率"]
    assert (rate.value, rate.data_type, rate.number_format) == (1.0, "n", "0%")
    assert isinstance(cell["得分"].value, float) and cell["得分"].data_type == "n"
    middle = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "sunjianguo")
    assert 0 < middle[heading.index("巡查完成率")].value < 1  # a share, not the text '1%'


def test_report_for_a_quarter_nobody_worked_says_so_instead_of_grading(assessed_sqlite_url):
    table = gridbot(assessed_sqlite_url, "--quarter", "2026Q3")
    as_json = gridbot(assessed_sqlite_url, "--quarter", "2026Q3", "--json")

    assert table.returncode == 0, table.stderr
    assert "2026Q3" in table.stdout and "暂不评定" in table.stdout
    assert "不合格" not in table.stdout and "0.0" not in table.stdout
    rows = json.loads(as_json.stdout)
    assert sorted(row["userid"] for row in rows) == sorted(WORKERS)
    graded = {(row["grade"], row["score"], row["patrol_rate"]) for row in rows}
    assert graded == {("-", None, None)}


async def test_assessment_job_after_a_quarter_nobody_worked_says_so(stack, clock):
    clock.current = shanghai(10, 1, 8)  # 2026Q3 has just closed; nothing was done in it

    received = await run_and_collect(stack, "assessment", [COUNTY])

    [message] = received[COUNTY]
    assert "2026Q3" in message and "暂不评定" in message and "不合格" not in message
