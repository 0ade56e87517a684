"""`gridbot report assessment`: the quarter's grades as a table, CSV or XLSX."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.tables import table
from bot.spreadsheets import Rate, csv_text, save_xlsx
from config.settings import Settings
from handlers import texts
from handlers.calendar import Rhythm
from handlers.policy import Policy
from handlers.ports import SystemClock
from handlers.rhythm.assessment import RATES, assess, nothing_recorded, quarter_bounds
from storage.uow import UnitOfWork

COLUMNS = (
    "userid",
    "name",
    "unit",
    "tickets",
    "withdrawn",
    "accept_rate",
    "resolve_rate",
    "satisfaction",
    "patrol_rate",
    "visit_rate",
    "score",
    "grade",
)
HEADINGS = (
    "账号",
    "姓名",
    "单位",
    "工单",
    "撤回",
    "及时签收率",
    "按时办结率",
    "满意率",
    "巡查完成率",
    "走访完成率",
    "得分",
    "等级",
)


def _text(column: str, value) -> str:
    if value is None:
        return "-"
    if column in RATES:
        return f"{value:.0%}"
    return f"{value:.1f}" if column == "score" else str(value)


def _typed(column: str, value):
    """What a workbook cell holds: a number (a rate as a percent), or nothing when unmeasured."""
    return Rate(value) if column in RATES and value is not None else value


def sheet_rows(scores: list, typed: bool = False) -> list[list]:
    """The headings, then a row per worker: as text for a table or CSV, or typed for a
    workbook (rates as numbers shown as percents); the console's download is this too."""
    cell = _typed if typed else _text
    return [list(HEADINGS), *([cell(c, s.row()[c]) for c in COLUMNS] for s in scores)]


async def assessment(
    session: AsyncSession, settings: Settings, quarter: str, fmt: str, out: Path | None
) -> str:
    quarter_bounds(quarter)  # a bad quarter fails here, before any work
    scores = await assess(
        UnitOfWork(session),
        quarter,
        SystemClock().now(),
        Policy.from_settings(settings),
        Rhythm.from_settings(settings),
    )
    if fmt == "json":
        return json.dumps([s.row() for s in scores], ensure_ascii=False, indent=2)
    if fmt == "xlsx":
        save_xlsx(sheet_rows(scores, typed=True), quarter, out)
        return f"wrote {len(scores)} workers to {out}"
    rows = sheet_rows(scores)[1:]
    if fmt == "csv":
        text = csv_text([list(HEADINGS), *rows])
        if out:
            out.write_text(text, encoding="utf-8-sig")
            return f"wrote {len(rows)} workers to {out}"
        return text.rstrip("\n")
    text = table(HEADINGS, rows) if rows else f"{quarter}: no workers to assess"
    if nothing_recorded(scores):
        text = texts.ASSESSMENT_EMPTY.format(quarter=quarter)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
    return text
