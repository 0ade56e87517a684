"""The resident registry (民情档案): import, protection at rest, access in chat, audit,
基础信息采集 and retention, on real SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.cli.registry import import_households
from bot.devkit.demo import DEMO_DATA_KEY
from handlers.registry.retention import ANONYMISED, anonymise_old_tickets
from nlu.categories import CATEGORY_IDS
from storage.crypto import DataKey, new_key
from storage.db import make_engine, make_sessionmaker
from storage.importer import ImportFailed, run_import
from storage.models import (
    AuditEntry,
    ChangeRequest,
    Household,
    HouseholdChange,
    InboundMessage,
    OutboxMessage,
    RegistryKey,
    Resident,
    Ticket,
    TicketEvent,
)
from storage.uow import UnitOfWork
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


@pytest.fixture
async def county_url(database_url):
    """The demo county's grids, staff and routes, with an empty registry."""
    await run_import(database_url, GRIDS, STAFF, ROUTES, categories=CATEGORY_IDS)
    return database_url


def write_households(tmp_path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "households.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def demo_with(changes: dict[str, dict[str, str]]) -> list[str]:
    """The demo file with some cells of some households changed."""
    rows = [{**row, **changes.get(row["code"], {})} for row in DEMO_ROWS]
    return [DEMO_LINES[0]] + [",".join(row.values()) for row in rows]


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


def database_bytes(url: str) -> bytes:
    path = Path(make_url(url).database)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


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


async def audit_rows(stack) -> list[tuple[str, str, str, str, str]]:
    async with stack.services.sessionmaker() as session:
        entries = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.actor, e.action, e.target, e.purpose, e.outcome) for e in entries]


async def test_grid_worker_sees_a_masked_household_by_default(stack):
    reply = await stack.staff_says("liminghua", "户 H0001")

    assert "张*明" in reply and "139****0001" in reply and "0018" in reply
    assert "张建明" not in reply and "13900000001" not in reply
    assert "371501195003120018" not in reply and "37150119500312" not in reply


async def test_grid_worker_asking_for_everything_sees_the_full_record(stack):
    reply = await stack.staff_says("liminghua", "户 H0001 全部")

    assert "张建明" in reply and "13900000001" in reply and "371501195003120018" in reply


async def test_worker_of_another_grid_is_politely_refused_the_household(stack):
    reply = await stack.staff_says("zhaoxiaoyan", "户 H0001")

    assert "不在您的辖区" in reply
    assert "张" not in reply and "139" not in reply and "东关路" not in reply


async def test_mediator_sees_the_masked_view_but_is_refused_the_full_record(stack):
    masked = await stack.staff_says("gaoshufen", "户 H0001")
    full = await stack.staff_says("gaoshufen", "户 H0001 全部")

    assert "张*明" in masked and "139****0001" in masked
    assert "不能查看完整信息" in full
    assert "13900000001" not in full and "张建明" not in full


async def test_community_supervisor_sees_households_of_every_grid_in_the_community(stack):
    first = await stack.staff_says("zhouhaitao", "户 H0001")
    second = await stack.staff_says("zhouhaitao", "户 H0004")
    elsewhere = await stack.staff_says("zhouhaitao", "户 H0006")

    assert "东关一网格" in first and "东关二网格" in second and "陈*红" in second
    assert "不在您的辖区" in elsewhere and "孙" not in elsewhere


async def test_address_search_lists_masked_matches_only_within_scope(stack):
    worker = await stack.staff_says("liminghua", "查户 清泉街道")
    supervisor = await stack.staff_says("zhouhaitao", "查户 清泉街道")
    other_grid = await stack.staff_says("zhaoxiaoyan", "查户 东关路")

    assert re.findall(r"H\d{4}", worker) == ["H0001", "H0002", "H0003"]
    assert "张*明" in worker and "张建明" not in worker and "139" not in worker
    assert re.findall(r"H\d{4}", supervisor) == ["H0001", "H0002", "H0003", "H0004", "H0005"]
    assert re.findall(r"H\d{4}", other_grid) == [] and "没有" in other_grid


async def test_every_look_and_refusal_is_in_the_audit_log(stack):
    await stack.staff_says("liminghua", "户 H0001")
    await stack.staff_says("liminghua", "户 H0001 全部")
    await stack.staff_says("zhaoxiaoyan", "户 H0001")
    await stack.staff_says("gaoshufen", "户 H0001 全部")
    await stack.staff_says("zhouhaitao", "查户 东关路")

    assert await audit_rows(stack) == [
        ("staff:liminghua", "view_masked", "H0001", "chat: 户 H0001", "allowed"),
        ("staff:liminghua", "view_full", "H0001", "chat: 户 H0001 全部", "allowed"),
        ("staff:zhaoxiaoyan", "view", "H0001", "chat: 户 H0001", "refused"),
        ("staff:gaoshufen", "view_full", "H0001", "chat: 户 H0001 全部", "refused"),
        ("staff:zhouhaitao", "search", "address:3 found", "chat: 查户 (3 字)", "allowed"),
    ]


@ONLY_SQLITE
async def test_full_view_in_chat_leaves_no_phone_or_id_in_clear_in_the_database(stack):
    reply = await stack.staff_says("liminghua", "户 H0003 全部")
    assert "13900000003" in reply

    raw = database_bytes(stack.services.settings.database_url)

    for secret in ("13900000003", "37150119880205003X", "王志刚", "社区矫正人员", "每周报到"):
        assert secret.encode() not in raw, secret


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


# 6. 基础信息采集 ----------------------------------------------------------------------------

BIRTH = "我家添了个孙子，上个月生的，跟社区报一下"


async def birth_reported(stack) -> Ticket:
    await stack.locate("东关一网格")
    await stack.say(BIRTH)
    await stack.drain()
    (ticket,) = await stack.tickets()
    return ticket


async def test_reported_birth_becomes_an_info_collection_ticket_with_a_birth_change(stack):
    ticket = await birth_reported(stack)

    assert ticket.category == "info_collection"
    async with stack.services.sessionmaker() as session:
        request = await session.scalar(select(ChangeRequest))
    assert (request.ticket_id, request.kind, request.state) == (ticket.id, "birth", "pending")
    assert any(f"采集 {ticket.code} 确认" in text for text in stack.fake.to("liminghua"))


async def test_worker_confirming_the_birth_adds_a_member_and_schedules_a_visit(stack, clock):
    ticket = await birth_reported(stack)

    reply = await stack.staff_says("liminghua", f"采集 {ticket.code} 确认 H0001")

    assert "H0001" in reply and "3 人" in reply
    async with stack.services.sessionmaker() as session:
        household = await session.scalar(select(Household).where(Household.code == "H0001"))
        change = await session.scalar(select(HouseholdChange))
    assert household.members == 3
    assert household.visit_due_by == clock.now() + timedelta(days=3)
    assert (change.household_id, change.ticket_id, change.fields) == (
        household.id,
        ticket.id,
        ["members"],
    )


async def test_confirming_the_same_report_twice_is_politely_refused(stack):
    ticket = await birth_reported(stack)
    await stack.staff_says("liminghua", f"采集 {ticket.code} 确认 H0001")

    again = await stack.staff_says("liminghua", f"采集 {ticket.code} 确认 H0001")

    assert "没有待确认的信息采集" in again
    async with stack.services.sessionmaker() as session:
        members = await session.scalar(select(Household.members).where(Household.code == "H0001"))
        changes = await session.scalar(select(func.count(HouseholdChange.id)))
    assert (members, changes) == (3, 1)


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


async def test_tickets_past_retention_leave_none_of_the_residents_words_behind(stack, clock):
    words = "我家楼下的垃圾堆了一个星期没人清，我是3号楼的老孙"
    await stack.locate("东关一网格")
    await stack.say(words)
    await stack.drain()
    async with stack.services.sessionmaker() as session:
        ticket = await session.scalar(select(Ticket))
        ticket.state, ticket.closed_at = "closed", clock.now()
        await session.commit()
    clock.advance(days=400)

    async with stack.services.sessionmaker() as session:
        assert await anonymise_old_tickets(UnitOfWork(session), clock.now(), days=365) == 1
        await session.commit()

    async with stack.services.sessionmaker() as session:
        kept = [c or "" for c in await session.scalars(select(InboundMessage.content))]
        kept += [
            json.dumps(m.body, ensure_ascii=False)
            for m in await session.scalars(select(OutboxMessage))
        ]
    assert not any("老孙" in text for text in kept), kept


# 8. Logs ------------------------------------------------------------------------------------


async def test_logs_carry_no_phone_or_id_number(stack, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    path = write_households(tmp_path, demo_with({"H0002": {"phone": "13911112222"}}))
    async with stack.services.sessionmaker() as session:
        await import_households(session, path, DataKey.from_text(DEMO_DATA_KEY))
    bad = write_households(tmp_path, [*DEMO_LINES, BAD_ROWS["bad phone"][0]])
    async with stack.services.sessionmaker() as session:
        with pytest.raises(ImportFailed):
            await import_households(session, bad, DataKey.from_text(DEMO_DATA_KEY))
    for userid, text in (
        ("liminghua", "户 H0001"),
        ("liminghua", "户 H0003 全部"),
        ("zhouhaitao", "查户 东关路"),
        ("zhaoxiaoyan", "户 H0001"),
        ("gaoshufen", "户 H0003 全部"),
    ):
        await stack.staff_says(userid, text)
    await stack.locate("东关一网格")
    await stack.say(BIRTH)
    await stack.drain()

    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert caplog.records  # the service did log something
    for secret in [*PHONES, *ID_NUMBERS, "13911112222", "1390000001"]:
        assert secret not in logged, secret
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)|\d{17}[\dX]", logged), logged
