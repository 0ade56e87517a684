"""The resident registry (民情档案): import, protection at rest, access in chat, audit,
基础信息采集 and retention, on real SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.cli.registry import import_households
from bot.devkit.demo import DEMO_DATA_KEY
from handlers.registry.retention import anonymise_old_tickets
from storage.crypto import DataKey
from storage.importer import ImportFailed
from storage.models import (
    AuditEntry,
    ChangeRequest,
    Household,
    HouseholdChange,
    InboundMessage,
    OutboxMessage,
    Ticket,
)
from storage.uow import UnitOfWork
from tests.registry_files import (
    BAD_ROWS,
    DEMO_LINES,
    ID_NUMBERS,
    ONLY_SQLITE,
    PHONES,
    database_bytes,
    demo_with,
    write_households,
)


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
