"""The console's export of the filtered ticket list, as a table for CSV or XLSX: masked like
the pages, audited like every export."""

from __future__ import annotations

from datetime import datetime

from handlers import texts
from handlers.console.listing import Asked, Row, row_of, scope_of
from handlers.registry.lookup import audit
from storage.models import Staff
from storage.uow import UnitOfWork

EXPORT_ROWS = 10_000  # at most, in one file


async def export_rows(uow: UnitOfWork, staff: Staff, asked: Asked, now: datetime) -> list[list]:
    """The filtered list as a table (header first), every page of it up to EXPORT_ROWS;
    audited."""
    scope = await scope_of(uow, staff)
    found = await uow.console.tickets(scope, asked.wanted, now, 0, EXPORT_ROWS)
    audit(uow, staff, "export_tickets", scope.unit_path[:200], _purpose(asked), now)
    yes, no = texts.CONSOLE["yes"], texts.CONSOLE["no"]
    header = list(texts.CONSOLE_EXPORT_HEADER)
    return [header] + [_cells(row_of(ticket, now), yes, no) for ticket in found]


def _purpose(asked: Asked) -> str:
    filters = " ".join(f"{key}={value}" for key, value in asked.as_query().items())
    return f"console: export {filters}".strip()


def _cells(r: Row, yes: str, no: str) -> list:
    """Numbers and times as themselves, for the spreadsheet to sort and sum."""
    flags = [yes if r.urgent else no, yes if r.overdue else no]
    return [
        r.code,
        r.category,
        r.state,
        *flags,
        r.level,
        r.grid,
        r.handler,
        r.created,
        r.deadline,
        r.text,
    ]
