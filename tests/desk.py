"""What the case-desk tests share: the demo county's residents and reports, and the steps that
file a report and read a ticket back over the running stack."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.models import OrgUnit, Resident, Staff, Ticket, TicketEvent
from tests.stack import RESIDENT

NEIGHBOUR = "o_second_resident"
GARBAGE = "小区门口垃圾堆了好几天没人清理，臭得很"  # environment → the grid worker
GARBAGE_AGAIN = "单元门口的垃圾箱满了，好几天没人来收"  # the same kind of problem
TRAFFIC_LIGHT = "路口红绿灯坏了，车都乱开"  # traffic → the grid worker
DISPUTE = "楼上楼下因为漏水吵起来了，都要动手了"  # dispute, must attend → mediator gaoshufen
STRANGERS = "最近小区里总有陌生人挨家挨户敲门推销，感觉不对劲"  # public security → hanlei


def code_in(text: str) -> str:
    return re.search(r"GB-[0-9A-Z]+", text).group(0)


def full_width(text: str) -> str:
    """What a Chinese input method in full-width mode types for ASCII."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


async def report(stack, grid: str, text: str, sender: str = RESIDENT) -> str:
    await stack.locate(grid, sender)
    return code_in(await stack.say(text, sender))


async def ticket_of(stack, code: str) -> Ticket:
    return next(t for t in await stack.tickets() if t.code == code)


async def assignee_of(stack, code: str) -> str | None:
    async with stack.services.sessionmaker() as session:
        query = select(Staff.userid).join(Ticket, Ticket.assignee_id == Staff.id)
        return await session.scalar(query.where(Ticket.code == code))


async def trail(stack, code: str) -> list[tuple[str, str, str | None]]:
    """(actor, action, note) for each step of the ticket, in order."""
    async with stack.services.sessionmaker() as session:
        query = (
            select(TicketEvent.actor, TicketEvent.action, TicketEvent.note)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(Ticket.code == code)
            .order_by(TicketEvent.at, TicketEvent.id)
        )
        return [tuple(row) for row in await session.execute(query)]


async def new_messages(stack, recipient: str, before: int) -> list[str]:
    await stack.drain()
    return stack.fake.to(recipient)[before:]


async def grid_of_resident(stack, openid: str = RESIDENT) -> OrgUnit | None:
    """The grid the resident is placed in, if any."""
    async with stack.services.sessionmaker() as session:
        resident = await session.scalar(select(Resident).where(Resident.openid == openid))
        if resident is None or resident.grid_id is None:
            return None
        return await session.get(OrgUnit, resident.grid_id)
