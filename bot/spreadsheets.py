"""The CSV and XLSX files gridbot writes, safe to open in Excel or WPS: a cell never runs a
formula that came in with the data (an address, a name typed by someone else)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP, CSV injection
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?|-")
Cell = TypeVar("Cell")


def defuse_formula(value: Cell) -> Cell:
    """Text a spreadsheet would read as a formula gets a leading ', which shows it as text."""
    if not isinstance(value, str) or PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_text(rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[defuse_formula(cell) for cell in row] for row in rows])
    return buffer.getvalue()


def save_xlsx(rows: list[list], title: str, out: Path) -> None:
    """One sheet; defused, no text starts with the '=' that openpyxl would store as a formula."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append([defuse_formula(cell) for cell in row])
    book.save(out)
