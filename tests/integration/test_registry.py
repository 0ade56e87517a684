"""The resident registry (民情档案): import, protection at rest, access in chat, audit,
基础信息采集 and retention, on real SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from bot.cli.registry import import_households
from handlers.registry.retention import ANONYMISED, anonymise_old_tickets
from nlu.categories import CATEGORY_IDS
from storage.crypto import DataKey, new_key
from storage.importer import ImportFailed, run_import
from storage.models import (
    AuditEntry,
    Household,
    HouseholdChange,
    RegistryKey,
    Resident,
    Ticket,
    TicketEvent,
)
from storage.uow import UnitOfWork
from tests.registry_files import (
    BAD_ROWS,
    DEMO_LINES,
    DEMO_ROWS,
    GRIDS,
    HEAD_NAMES,
    HOUSEHOLDS,
    ID_NUMBERS,
    KEY_TAGS,
    NEXT_LINE,
    NOTES,
    ONLY_SQLITE,
    PHONES,
    ROUTES,
    STAFF,
    database_bytes,
    demo_with,
    session_for,
    write_households,
)


@pytest.fixture
async def county_url(database_url):
    """The demo county's grids, staff and routes, with an empty registry."""
    await run_import(database_url, GRIDS, STAFF, ROUTES, categories=CATEGORY_IDS)
    return database_url


async def import_file(url: str, path: Path, key_text: str) -> dict:
    async with session_for(url) as session:
        return await import_households(session, path, DataKey.from_text(key_text), quiet=True)


async def households(url: str) -> dict[str, Household]:
    async with session_for(url) as session:
        return {h.code: h for h in await session.scalars(select(Household))}


async def count(url: str, model) -> int:
    async with session_for(url) as session:
        return await session.scalar(select(func.count()).select_from(model))


def plain(household: Household, key_text: str, field: str) -> str | None:
    return DataKey.from_text(key_text).decrypt(getattr(household, field), f"households.{field}")


# 1. Import ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", list(BAD_ROWS))
async def test_file_with_one_bad_row_imports_nothing_and_names_file_line_and_reason(
    county_url, tmp_path, bad
):
    row, reason = BAD_ROWS[bad]
    path = write_households(tmp_path, [*DEMO_LINES, row])

    with pytest.raises(ImportFailed) as failure:
        await import_file(county_url, path, new_key())

    assert len(failure.value.problems) == 1, failure.value.problems
    problem = failure.value.problems[0]
    assert str(path) in problem and f"line {NEXT_LINE}" in problem and reason in problem
    assert await count(county_url, Household) == 0
    assert await count(county_url, RegistryKey) == 0  # a refused file does not pin a key


async def test_demo_households_import_and_read_back_with_the_key(county_url):
    key = new_key()

    counts = await import_file(county_url, HOUSEHOLDS, key)

    assert counts == {"added": 10, "updated": 0, "unchanged": 0}
    found = await households(county_url)
    assert sorted(found) == [f"H{n:04d}" for n in range(1, 11)]
    assert plain(found["H0003"], key, "head_name") == "王志刚"
    assert plain(found["H0003"], key, "sensitive_tags") == "社区矫正人员"
    assert found["H0004"].tags == "出租房屋;流动人口" and found["H0004"].members == 4


async def test_gbk_encoded_csv_imports_with_names_intact(county_url, tmp_path):
    key = new_key()
    path = write_households(tmp_path, DEMO_LINES, encoding="gbk")

    counts = await import_file(county_url, path, key)

    assert counts["added"] == 10
    found = await households(county_url)
    assert plain(found["H0010"], key, "head_name") == "李长生"
    assert found["H0010"].address == "柳河镇李家洼村东头7号"


async def test_xlsx_file_imports_with_numbers_typed_as_excel_numbers(county_url, tmp_path):
    key = new_key()
    book = Workbook()
    sheet = book.active
    sheet.append(DEMO_LINES[0].split(","))
    for row in DEMO_ROWS:
        cells = list(row.values())
        cells[4], cells[6] = int(row["phone"]), int(row["members"])  # as Excel holds them
        sheet.append(cells)
    path = tmp_path / "households.xlsx"
    book.save(path)

    counts = await import_file(county_url, path, key)

    assert counts["added"] == 10
    found = await households(county_url)
    assert plain(found["H0001"], key, "phone") == "13900000001"
    assert found["H0004"].members == 4
    assert plain(found["H0003"], key, "id_number") == "37150119880205003X"


async def test_reimport_updates_by_code_and_records_which_fields_changed(county_url, tmp_path):
    key = new_key()
    await import_file(county_url, HOUSEHOLDS, key)
    changed = demo_with(
        {
            "H0001": {"members": "3"},
            "H0002": {"phone": "13911112222"},
            "H0005": {"tags": "五保户;空巢老人;出租房屋"},
            "H0006": {"note": "孩子父母已返乡"},
        }
    )
    path = write_households(tmp_path, changed)

    before = datetime.now(UTC)
    counts = await import_file(county_url, path, key)
    after = datetime.now(UTC)

    assert counts == {"added": 0, "updated": 4, "unchanged": 6}
    found = await households(county_url)
    assert found["H0001"].members == 3
    assert plain(found["H0002"], key, "phone") == "13911112222"
    async with session_for(county_url) as session:
        changes = list(await session.scalars(select(HouseholdChange)))
    by_code = {code: h.id for code, h in found.items()}
    fields = {
        code: c.fields for c in changes for code, i in by_code.items() if c.household_id == i
    }
    assert fields == {
        "H0001": ["members"],
        "H0002": ["phone"],
        "H0005": ["tags"],
        "H0006": ["note"],
    }
    assert all(c.source == "import" for c in changes)
    recorded = json.dumps([c.fields for c in changes], ensure_ascii=False)
    assert "13911112222" not in recorded and "返乡" not in recorded
    soon = (before + timedelta(days=3), after + timedelta(days=3))
    for code in ("H0001", "H0005"):  # members or tenants changed: a visit within three days
        assert soon[0] <= found[code].visit_due_by <= soon[1], code
    assert found["H0002"].visit_due_by is None and found["H0006"].visit_due_by is None


async def test_reimport_dropping_a_tenant_tag_asks_for_a_visit(county_url, tmp_path):
    key = new_key()
    await import_file(county_url, HOUSEHOLDS, key)
    path = write_households(tmp_path, demo_with({"H0004": {"tags": "出租房屋"}}))

    await import_file(county_url, path, key)

    due = (await households(county_url))["H0004"].visit_due_by
    assert due is not None and due - datetime.now(UTC) > timedelta(days=2, hours=23)


# 2. Protection at rest ----------------------------------------------------------------------


@ONLY_SQLITE
async def test_database_file_holds_no_phone_id_name_or_key_tag_in_clear(county_url):
    await import_file(county_url, HOUSEHOLDS, new_key())

    raw = database_bytes(county_url)

    assert "东关路12号".encode() in raw  # the file is readable; only the secrets are hidden
    for secret in PHONES + ID_NUMBERS + HEAD_NAMES + NOTES + KEY_TAGS:
        assert secret.encode() not in raw, secret


async def test_households_are_found_by_phone_and_id_number_through_the_keyed_hash(county_url):
    key = new_key()
    await import_file(county_url, HOUSEHOLDS, key)
    data_key = DataKey.from_text(key)

    async with session_for(county_url) as session:
        by_phone = await session.scalar(
            select(Household.code).where(
                Household.phone_hash == data_key.lookup_hash("13900000003")
            )
        )
        by_id = await session.scalar(
            select(Household.code).where(
                Household.id_hash == data_key.lookup_hash("37150119880205003x")
            )
        )
        by_other_key = await session.scalar(
            select(Household.code).where(
                Household.phone_hash == DataKey.from_text(new_key()).lookup_hash("13900000003")
            )
        )

    assert (by_phone, by_id, by_other_key) == ("H0003", "H0003", None)


# 4. Access in chat --------------------------------------------------------------------------


async def test_audit_rows_cannot_be_changed_or_removed(seeded_url):
    at = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    async with session_for(seeded_url) as session:
        session.add(
            AuditEntry(
                at=at,
                actor="staff:liminghua",
                action="view_full",
                target="H0001",
                purpose="chat: 户 H0001 全部",
                outcome="allowed",
            )
        )
        await session.commit()

    for statement in (
        update(AuditEntry).values(purpose="nothing to see", outcome="refused"),
        delete(AuditEntry),
    ):
        async with session_for(seeded_url) as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(statement)
                await session.commit()

    async with session_for(seeded_url) as session:
        rows = [(e.actor, e.purpose, e.outcome) for e in await session.scalars(select(AuditEntry))]
    assert rows == [("staff:liminghua", "chat: 户 H0001 全部", "allowed")]


# 7. Retention -------------------------------------------------------------------------------


async def test_tickets_closed_past_retention_are_anonymised_and_newer_ones_kept(seeded_url):
    now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    async with session_for(seeded_url) as session:
        resident = Resident(openid="o_retention_01", created_at=now - timedelta(days=900))
        session.add(resident)
        await session.flush()
        for code, closed_days_ago in (("GB-OLD001", 400), ("GB-NEW001", 10)):
            created = now - timedelta(days=closed_days_ago + 5)
            ticket = Ticket(
                code=code,
                resident_id=resident.id,
                category="environment",
                text=f"{code} 楼下垃圾没人清，我电话13912345678",
                state="closed",
                place="东关路12号",
                created_at=created,
                updated_at=created,
                closed_at=now - timedelta(days=closed_days_ago),
                resolution="已清理",
            )
            session.add(ticket)
            await session.flush()
            session.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    at=created,
                    actor="resident",
                    action="report",
                    note="楼下垃圾",
                )
            )
        await session.commit()

    async with session_for(seeded_url) as session:
        anonymised = await anonymise_old_tickets(UnitOfWork(session), now, days=365)
        await session.commit()

    async with session_for(seeded_url) as session:
        tickets = {t.code: t for t in await session.scalars(select(Ticket))}
        notes = {e.ticket_id: e.note for e in await session.scalars(select(TicketEvent))}
    old, new = tickets["GB-OLD001"], tickets["GB-NEW001"]
    assert anonymised == 1
    assert (old.text, old.resident_id, old.place, old.resolution) == (ANONYMISED, None, None, None)
    assert (old.category, old.state) == ("environment", "closed") and notes[old.id] is None
    assert new.text.startswith("GB-NEW001") and new.resident_id is not None
    assert notes[new.id] == "楼下垃圾"
