"""The CSV and XLSX files gridbot writes, safe to open in Excel or WPS: a cell never runs a
formula that came in with the data (an address, a name typed by someone else)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, TypeVar

from handlers.calendar import SHANGHAI

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP, CSV injection
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?|-")
Cell = TypeVar("Cell")


class Rate(float):
    """A share from 0 to 1: a number in a workbook, shown as a percent."""


FORMATS = ((Rate, "0%"), (datetime, "yyyy-mm-dd hh:mm"), (date, "yyyy-mm-dd"))


def defuse_formula(value: Cell) -> Cell:
    """Text a spreadsheet would read as a formula gets a leading ', which shows it as text."""
    if not isinstance(value, str) or PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_text(rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[defuse_formula(cell) for cell in row] for row in rows])
    return buffer.getvalue()


def save_xlsx(rows: list[list], title: str, out: Path | BinaryIO) -> None:
    """One sheet; numbers and dates are cells Excel can sort and sum (a Rate shown as a
    percent, times in Asia/Shanghai); text is defused, none starts with the '=' that openpyxl
    would store as a formula."""
    sheet = SheetWriter(title)
    sheet.append(rows)
    sheet.save(out)


class SheetWriter:
    """save_xlsx for rows that come in batches: openpyxl's write-only mode writes each row to
    a temporary file as it is appended (strings inline, no shared table), so memory stays the
    same whatever the number of rows; `save` then zips that file into `out`."""

    def __init__(self, title: str):
        from openpyxl import Workbook

        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title)

    def append(self, rows: list[list]) -> None:
        for row in rows:
            self.sheet.append([_xlsx_cell(self.sheet, cell) for cell in row])

    def save(self, out: Path | BinaryIO) -> None:
        self.book.save(out)


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(SHANGHAI).replace(tzinfo=None)  # Excel has no time zones
    shown = next((fmt for kind, fmt in FORMATS if isinstance(value, kind)), None)
    if shown is None:
        return defuse_formula(value)
    cell = WriteOnlyCell(sheet, value)
    cell.number_format = shown
    return cell
