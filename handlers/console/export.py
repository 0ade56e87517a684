"""The console's export of the filtered ticket list, as a table for CSV or XLSX, in batches
so that a file of 100,000 rows is written with the memory of one batch: masked like the
pages, audited like every export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from handlers import texts
from handlers.console.listing import Asked, Row, row_of, scope_of
from handlers.errors import DomainError
from handlers.registry.lookup import audit
from storage.models import Staff
from storage.repos.console import Scope
from storage.uow import UnitOfWork

EXPORT_ROWS = 100_000  # at most, in one file
BATCH = 1_000  # tickets read, masked and written at a time


class TooManyToExport(DomainError):
    """More tickets match than one file holds; nothing is exported."""


async def export_rows(
    uow: UnitOfWork, staff: Staff, asked: Asked, now: datetime
) -> AsyncIterator[list[list]]:
    """The filtered list as a table, header first, in batches of rows; audited before the
    first row is read (refused, and TooManyToExport, above EXPORT_ROWS)."""
    scope = await scope_of(uow, staff)
    matching = await uow.console.count_upto(scope, asked.wanted, now, EXPORT_ROWS + 1)
    if matching > EXPORT_ROWS:
        audit(uow, staff, "export_tickets", scope.unit_path[:200], _purpose(asked), now, "refused")
        raise TooManyToExport(texts.CONSOLE_EXPORT_TOO_MANY.format(most=f"{EXPORT_ROWS:,}"))
    audit(uow, staff, "export_tickets", scope.unit_path[:200], _purpose(asked), now)
    return _table(uow, scope, asked, now)


async def _table(
    uow: UnitOfWork, scope: Scope, asked: Asked, now: datetime
) -> AsyncIterator[list[list]]:
    yield [list(texts.CONSOLE_EXPORT_HEADER)]
    yes, no = texts.CONSOLE["yes"], texts.CONSOLE["no"]
    async for found in uow.console.batches(scope, asked.wanted, now, BATCH):
        yield [_cells(row_of(ticket, now), yes, no) for ticket in found]


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
