"""`gridbot staff list|off-duty|on-duty`: the roster, and taking people off duty and back."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.tables import table
from bot.cli.tickets import NotFound
from handlers import texts
from handlers.policy import Policy
from handlers.ports import SystemClock
from handlers.roster import Change, come_on_duty, go_off_duty
from storage.importer import OnLeave
from storage.models import Staff
from storage.repos import People
from storage.uow import UnitOfWork

COLUMNS = ("userid", "name", "role", "unit", "duty")
OPERATOR = "operator"  # the audit log's actor for the CLI


# Who took someone off duty, as the table says it.
OFF_DUTY_BY = {Staff.BY_OPERATOR: "操作员停用", Staff.BY_IMPORT: "名单中已无"}


def duty(person: Staff) -> str:
    if person.active:
        return "在岗"
    return f"离岗（{OFF_DUTY_BY.get(person.off_duty_by, '原因不明')}）"


async def listing(session: AsyncSession, as_json: bool) -> str:
    people = await People(session).roster()
    if as_json:
        return json.dumps(
            [
                {
                    "userid": p.userid,
                    "name": p.name,
                    "role": p.role,
                    "roles": list(p.roles),
                    "unit": p.unit.path,
                    "on_duty": p.active,
                    "off_duty_by": p.off_duty_by,
                }
                for p in people
            ],
            ensure_ascii=False,
            indent=2,
        )
    if not people:
        return "(no staff)"
    role = texts.roles_named
    return table(
        COLUMNS, [[p.userid, p.name, role(p.roles), p.unit.path, duty(p)] for p in people]
    )


async def off_duty(session: AsyncSession, userid: str, policy: Policy) -> str:
    """Off duty until `gridbot staff on-duty`, whatever later imports list."""
    person = await _person(session, userid)
    was_on = person.active
    change = Change(OPERATOR, "cli: gridbot staff off-duty", SystemClock().now())
    tickets = await go_off_duty(UnitOfWork(session), person, Staff.BY_OPERATOR, change, policy)
    await session.commit()
    if not was_on:
        return (
            f"{person.userid} ({person.name}) was already off duty; it now stays so until "
            "`gridbot staff on-duty`"
        )
    escalated = sum(ticket.assignee_id is None for ticket in tickets)
    unowned = f", {escalated} of them escalated: nobody could take them" if escalated else ""
    return (
        f"{person.userid} ({person.name}) is off duty: {len(tickets)} open ticket(s) "
        f"re-routed{unowned}"
    )


async def on_duty(session: AsyncSession, userid: str) -> str:
    person = await _person(session, userid)
    was_on = person.active
    come_on_duty(
        UnitOfWork(session),
        person,
        Change(OPERATOR, "cli: gridbot staff on-duty", SystemClock().now()),
    )
    await session.commit()
    state = "was already on duty" if was_on else "is back on duty"
    return f"{person.userid} ({person.name}) {state}"


async def _person(session: AsyncSession, userid: str) -> Staff:
    person = await People(session).staff(userid, off_duty_too=True)
    if person is None:
        raise NotFound(f"no staff member with userid {userid}")
    return person


def passing_on(policy: Policy) -> OnLeave:
    """What an import does with the people it takes off duty: what `off-duty` does (their
    tickets passed on, their messages and console sessions ended, audited)."""

    async def on_leave(session: AsyncSession, people: list[Staff]) -> int:
        change, moved = Change("import", "import: not in the staff file", SystemClock().now()), 0
        for person in people:
            uow = UnitOfWork(session)
            moved += len(await go_off_duty(uow, person, Staff.BY_IMPORT, change, policy))
        return moved

    return on_leave
