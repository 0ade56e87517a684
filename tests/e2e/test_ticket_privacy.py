"""Phone and ID numbers residents type are masked for staff who do not handle the ticket, in
chat, notices and `gridbot ticket show`; every look at a ticket is audited. People and
numbers are fictional; the demo county is described in test_case_desk.py: liminghua handles
东关一网格's garbage, hanlei (police assistant, 东关社区) and gaoshufen (mediator, 清泉街道)
cover the grid without handling it, zhouhaitao, chenzhiqiang and huangwenjie supervise it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.devkit.demo import DEMO_DATA_KEY
from handlers.tickets.lifecycle import record
from handlers.tickets.notify import tell_staff
from storage.models import AuditEntry, OutboxMessage
from storage.repos import People, Tickets
from storage.uow import UnitOfWork
from tests.cli import run_gridbot
from tests.desk import GARBAGE, GARBAGE_AGAIN, NEIGHBOUR, report

PHONE, NEIGHBOURS_PHONE, ID_NUMBER = "13900000001", "139-0000-0003", "371501195003120018"
REPORT = f"{GARBAGE}，有事打我电话{PHONE}"
NOTE = f"已联系张先生核实，身份证{ID_NUMBER}，垃圾已清运"
HANDLING = ("liminghua", "zhouhaitao", "chenzhiqiang", "huangwenjie")
COVERING = ("hanlei", "gaoshufen")


async def worked_ticket(stack) -> str:
    """A report with the resident's phone, a neighbour's linked one with theirs, and a
    resolution note with an ID number."""
    code = await report(stack, "东关一网格", REPORT)
    await stack.locate("东关一网格", sender=NEIGHBOUR)
    assert code in await stack.say(f"{GARBAGE_AGAIN}，电话 {NEIGHBOURS_PHONE}", sender=NEIGHBOUR)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} {NOTE}")
    return code


async def audit_rows(stack) -> list[tuple[str, str, str, str, str]]:
    async with stack.services.sessionmaker() as session:
        entries = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.actor, e.action, e.target, e.purpose, e.outcome) for e in entries]


# 工单 CODE in chat


@pytest.mark.parametrize("userid", COVERING)
async def test_staff_covering_the_grid_without_handling_the_ticket_see_numbers_masked(
    stack, userid
):
    code = await worked_ticket(stack)

    detail = await stack.staff_says(userid, f"工单 {code}")

    assert code in detail and "垃圾" in detail and "办结" in detail
    for typed in (PHONE, "13900000003", "0000-0003", ID_NUMBER):
        assert typed not in detail, typed
    assert "139****0001" in detail and "139****0003" in detail and "尾号 0018" in detail
    assert "已脱敏" in detail


@pytest.mark.parametrize("userid", HANDLING)
async def test_assignee_and_supervisors_of_the_grid_see_what_was_written(stack, userid):
    code = await worked_ticket(stack)

    detail = await stack.staff_says(userid, f"工单 {code}")

    assert PHONE in detail and NEIGHBOURS_PHONE in detail and ID_NUMBER in detail
    assert "已脱敏" not in detail


async def test_every_ticket_view_and_refusal_in_chat_is_audited(stack):
    code = await report(stack, "东关一网格", REPORT)

    await stack.staff_says("liminghua", f"工单 {code}")
    await stack.staff_says("hanlei", f"工单 {code.lower()}")
    await stack.staff_says("wuxiulan", f"工单 {code}")  # another community's supervisor
    await stack.staff_says("liminghua", "工单 GB-ZZZZZ")

    purpose = f"chat: 工单 {code}"
    assert await audit_rows(stack) == [
        ("staff:liminghua", "view_ticket_unmasked", code, purpose, "allowed"),
        ("staff:hanlei", "view_ticket", code, purpose, "allowed"),
        ("staff:wuxiulan", "view_ticket", code, purpose, "refused"),
        ("staff:liminghua", "view_ticket", "GB-ZZZZZ", "chat: 工单 GB-ZZZZZ", "refused"),
    ]


# Notices on WeCom


async def notice_to(stack, code: str, userids: tuple[str, ...]) -> dict[str, str]:
    """What each of `userids` is sent when told about the ticket."""
    async with stack.services.sessionmaker() as session:
        ticket = await Tickets(session).by_code(code)
        people = [await People(session).staff(userid) for userid in userids]
        event = record(ticket, "urge", actor="system", now=stack.services.clock.now())
        await tell_staff(
            UnitOfWork(session),
            event,
            people,
            f"工单 {code}：{ticket.text}",
            stack.services.clock.now(),
            ticket.grid_id,
        )
        await session.commit()
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedup_key.startswith(f"event:{event.id}:"))
        )
        return {row.recipient: row.body["text"] for row in rows}


async def test_notice_to_staff_who_do_not_handle_the_ticket_masks_the_numbers(stack):
    code = await report(stack, "东关一网格", REPORT)

    sent = await notice_to(stack, code, ("hanlei", "gaoshufen", "liminghua", "zhouhaitao"))

    for userid in COVERING:
        assert PHONE not in sent[userid] and "139****0001" in sent[userid] and code in sent[userid]
    assert PHONE in sent["liminghua"] and PHONE in sent["zhouhaitao"]


async def test_emergency_alert_reaches_the_centres_supervisors_with_the_number_as_written(stack):
    await report(stack, "东关一网格", f"楼道里着火了，冒了好多烟！我电话{PHONE}")
    await stack.drain()

    for supervisor in ("zhouhaitao", "chenzhiqiang"):
        [alert] = stack.fake.to(supervisor)
        assert "紧急" in alert and PHONE in alert


# gridbot ticket show


def gridbot(url: str, *args: str):
    return run_gridbot(
        "ticket",
        "show",
        *args,
        env={"GRIDBOT_DATABASE_URL": url, "GRIDBOT_DATA_KEY": DEMO_DATA_KEY},
        timeout=60,
    )


async def test_ticket_show_masks_numbers_unless_unmasked_with_a_purpose(stack, seeded_url):
    code = await worked_ticket(stack)

    table = gridbot(seeded_url, code)
    as_json = json.loads(gridbot(seeded_url, code, "--json").stdout)
    purpose = "回访居民 2026-11"
    unmasked = gridbot(seeded_url, code, "--unmasked", "--purpose", purpose)

    assert table.returncode == 0, table.stderr
    everything = table.stdout + json.dumps(as_json, ensure_ascii=False)
    for typed in (PHONE, "0000-0003", ID_NUMBER):
        assert typed not in everything, typed
    assert "139****0001" in as_json["text"] and "139****0001" in table.stdout
    assert any("尾号 0018" in (step["note"] or "") for step in as_json["trail"])
    assert unmasked.returncode == 0, unmasked.stderr
    assert PHONE in unmasked.stdout and ID_NUMBER in unmasked.stdout
    actions = [
        (action, target, why, outcome)
        for actor, action, target, why, outcome in await audit_rows(stack)
        if actor.startswith("cli:")
    ]
    assert actions == [("view_ticket", code, "cli: ticket show", "allowed")] * 2 + [
        ("view_ticket_unmasked", code, purpose, "allowed")
    ]


async def test_ticket_show_unmasked_without_a_purpose_is_refused_and_audited(stack, seeded_url):
    code = await report(stack, "东关一网格", REPORT)

    refused = gridbot(seeded_url, code, "--unmasked")
    missing = gridbot(seeded_url, "GB-ZZZZZ")

    assert refused.returncode == 2 and "--purpose" in refused.stderr and refused.stdout == ""
    assert missing.returncode == 1
    outcomes = [
        (action, target, outcome)
        for actor, action, target, _, outcome in await audit_rows(stack)
        if actor.startswith("cli:")
    ]
    assert outcomes == [
        ("view_ticket_unmasked", code, "refused"),
        ("view_ticket", "GB-ZZZZZ", "refused"),
    ]


# The registry


async def test_refused_full_household_view_is_audited_as_a_full_view_whatever_the_reason(stack):
    await stack.staff_says("zhaoxiaoyan", "户 H0001 全部")  # another grid's household
    await stack.staff_says("liminghua", "户 H9999 全部")  # no such household
    await stack.staff_says("gaoshufen", "户 H0001 全部")  # a role that sees only masked

    assert [
        (actor, action, target, outcome)
        for actor, action, target, _, outcome in await audit_rows(stack)
    ] == [
        ("staff:zhaoxiaoyan", "view_full", "H0001", "refused"),
        ("staff:liminghua", "view_full", "H9999", "refused"),
        ("staff:gaoshufen", "view_full", "H0001", "refused"),
    ]
