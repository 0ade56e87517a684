"""The demo county's registry files and the helpers the registry tests share: the households
CSV as lines and rows, rows that must be refused, and a session on a given database."""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from storage.db import make_engine, make_sessionmaker
from tests.conftest import data_key

DEMO = Path(__file__).resolve().parent.parent / "config" / "demo"
GRIDS, STAFF, ROUTES = DEMO / "grids.geojson", DEMO / "staff.csv", DEMO / "routes.csv"
HOUSEHOLDS = DEMO / "households.csv"
DEMO_LINES = HOUSEHOLDS.read_text(encoding="utf-8").splitlines()
DEMO_ROWS = list(csv.DictReader(DEMO_LINES))
NEXT_LINE = len(DEMO_LINES) + 1  # the line number of a row appended to the demo file
PHONES = [row["phone"] for row in DEMO_ROWS]
ID_NUMBERS = [row["id_number"] for row in DEMO_ROWS]
HEAD_NAMES = [row["head_name"] for row in DEMO_ROWS]
NOTES = [row["note"] for row in DEMO_ROWS if row["note"]]
KEY_TAGS = ["社区矫正人员", "严重精神障碍患者", "刑满释放人员"]
GOOD_ID = "371501199901010118"  # passes the GB 11643 checksum
ONLY_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@contextlib.asynccontextmanager
async def session_for(url: str):
    engine = make_engine(url, data_key=data_key())
    try:
        async with make_sessionmaker(engine)() as session:
            yield session
    finally:
        await engine.dispose()


def write_households(tmp_path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "households.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


BAD_ROWS = {
    "unknown grid": (
        f"H0011,QH-XX-99,清泉街道东关路30号,马小军,13900000011,{GOOD_ID},1,,",
        "grid 'QH-XX-99' is not a known grid code",
    ),
    "bad phone": (
        f"H0011,QH-QQ-DG-01,清泉街道东关路30号,马小军,1390000001,{GOOD_ID},1,,",
        "phone is not a mainland mobile or landline number",
    ),
    "ID failing the checksum": (
        "H0011,QH-QQ-DG-01,清泉街道东关路30号,马小军,13900000011,371501195003120019,1,,",
        "id_number fails the GB 11643 checksum",
    ),
    "unknown tag": (
        f"H0011,QH-QQ-DG-01,清泉街道东关路30号,马小军,13900000011,{GOOD_ID},1,贫困户,",
        "unknown tag 贫困户",
    ),
    "duplicate code": (
        f"H0003,QH-QQ-DG-01,清泉街道东关路30号,马小军,13900000011,{GOOD_ID},1,,",
        "code 'H0003' appears twice",
    ),
}


def demo_with(changes: dict[str, dict[str, str]]) -> list[str]:
    """The demo file with some cells of some households changed."""
    rows = [{**row, **changes.get(row["code"], {})} for row in DEMO_ROWS]
    return [DEMO_LINES[0]] + [",".join(row.values()) for row in rows]


def database_bytes(url: str) -> bytes:
    path = Path(make_url(url).database)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
