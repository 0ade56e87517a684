"""The console's exports of many rows: streamed as the batches are read, so the server's memory
stays that of one batch however many rows the file has; every row there, numbers masked, numbers
and dates real; above the cap a page that says how to narrow the filters, and no file.

The 100,000-row export is timed in `bench/console_list.py --export`; here a few thousand rows
in twelve batches over real HTTP, the server's Python allocations traced while it streams them."""

from __future__ import annotations

import csv
import io
import tempfile
import tracemalloc
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from handlers.calendar import SHANGHAI
from handlers.console import export
from storage.models import OrgUnit, Staff, Ticket
from storage.uow import UnitOfWork
from tests.console import browser, signed_in

PHONE = "13900000001"
# Rows and batch size for each kind: twelve batches (openpyxl writes 2,000 rows a second here,
# and a tenth of that under tracemalloc, so the workbook gets fewer rows).
MANY = {"csv": (6_000, 500), "xlsx": (2_400, 200)}
# What one export may allocate at its peak, in Python objects; with all its rows read in one
# batch (the export as it was, in memory) the same exports reach 8 and 23 MB here.
PEAK_BYTES = 6 * 2**20


async def many_tickets(console, count: int, grid: str = "东关一网格") -> datetime:
    """`count` tickets in the grid, a minute apart, written in bulk; the newest one's time."""
    async with console.services.sessionmaker() as session:
        unit = await session.scalar(select(OrgUnit).where(OrgUnit.name == grid))
        worker = await session.scalar(select(Staff.id).where(Staff.unit_id == unit.id))
        start = console.services.clock.now() - timedelta(minutes=count)
        rows = [
            {
                "code": f"GB-M{n:06d}",
                "category": "environment",
                "text": f"第 {n} 张：垃圾没人清理，电话 {PHONE}",
                "state": "assigned",
                "grid_id": unit.id,
                "unit_id": unit.id,
                "assignee_id": worker,
                "level": n % 4,
                "created_at": start + timedelta(minutes=n),
                "updated_at": start + timedelta(minutes=n),
                "version": 1,
            }
            for n in range(count)
        ]
        await session.execute(insert(Ticket), rows)
        await session.commit()
    return start + timedelta(minutes=count - 1)


async def download(console, userid: str, kind: str, query: str = "", traced: bool = False):
    """The export's status, its body, and the peak of Python memory traced while the server
    made it (the client only writes what it receives to a file, read back afterwards)."""
    with tempfile.TemporaryFile() as body:
        async with browser() as http:
            await signed_in(console, http, userid)
            if traced:
                tracemalloc.start()
            try:
                url = f"{console.base}/console/tickets.{kind}?{query}"
                async with http.get(url) as response:
                    async for chunk in response.content.iter_chunked(64 * 1024):
                        body.write(chunk)
                peak = tracemalloc.get_traced_memory()[1] if traced else 0
            finally:
                tracemalloc.stop()
        body.seek(0)
        return response, body.read(), peak


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_a_large_export_streams_every_row_in_bounded_memory(console, monkeypatch, kind):
    many, batch = MANY[kind]
    monkeypatch.setattr(export, "BATCH", batch)
    newest = await many_tickets(console, many)

    response, body, peak = await download(console, "liminghua", kind, traced=True)

    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert peak < PEAK_BYTES, f"peak {peak / 2**20:.1f} MB"
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        book = load_workbook(io.BytesIO(body), read_only=True)
        rows = list(book.active.iter_rows(values_only=True))
    header, *tickets = rows
    assert header[0] == "工单编号" and len(tickets) == many
    assert tickets[0][0] == f"GB-M{many - 1:06d}" and tickets[-1][0] == "GB-M000000"
    assert len({row[0] for row in tickets}) == many  # no batch twice, none left out
    assert all(PHONE not in row[-1] and "139****0001" in row[-1] for row in tickets)
    if kind == "xlsx":
        assert isinstance(tickets[0][5], int) and tickets[0][5] == (many - 1) % 4
        assert isinstance(tickets[0][8], datetime)
        assert tickets[0][8] == newest.astimezone(SHANGHAI).replace(tzinfo=None)


async def test_an_export_above_the_cap_says_how_to_narrow_it_and_is_audited(console, monkeypatch):
    await many_tickets(console, 30)
    monkeypatch.setattr(export, "EXPORT_ROWS", 20)

    response, body, _ = await download(console, "zhouhaitao", "xlsx")

    page = body.decode("utf-8")
    assert response.status == 400 and "attachment" not in response.headers.get(
        "Content-Disposition", ""
    )
    assert "超过 20 张" in page and "缩小筛选范围" in page
    narrowed, body, _ = await download(console, "zhouhaitao", "csv", "q=GB-M00001")
    assert narrowed.status == 200 and len(list(csv.reader(io.StringIO(body.decode())))) == 11
    async with UnitOfWork.opened(console.services.sessionmaker) as uow:
        entries = await uow.registry.audit_entries("staff:zhouhaitao")
    outcomes = [e.outcome for e in entries if e.action == "export_tickets"]
    assert outcomes == ["refused", "allowed"]
