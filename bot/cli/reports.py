"""`gridbot report assessment`: the quarter's grades as a table, CSV or XLSX."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.spreadsheets import csv_text, save_xlsx
from config.settings import Settings
from handlers.calendar import Rhythm
from handlers.policy import Policy
from handlers.ports import SystemClock
from handlers.rhythm.assessment import assess, quarter_bounds
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


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value <= 1 and not isinstance(value, bool):
        return f"{value:.0%}"
    return str(value)


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
    rows = [
        [_score(s.score) if c == "score" else _cell(s.row()[c]) for c in COLUMNS] for s in scores
    ]
    if fmt == "xlsx":
        save_xlsx([list(HEADINGS), *rows], quarter, out)
        return f"wrote {len(rows)} workers to {out}"
    if fmt == "csv":
        text = csv_text([list(HEADINGS), *rows])
        if out:
            out.write_text(text, encoding="utf-8-sig")
            return f"wrote {len(rows)} workers to {out}"
        return text.rstrip("\n")
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(HEADINGS)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(HEADINGS, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    text = "\n".join(lines) if rows else f"{quarter}: no workers to assess"
    if out:
        out.write_text(text + "\n", encoding="utf-8")
    return text
