"""Photos after 办结 and a location after 到场 are kept on the ticket."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.models import Attachment, TicketEvent

WORKER = "gaoshufen"  # 清泉街道's mediator takes disputes in 东关二网格


async def dispute(stack) -> str:
    await stack.locate("东关二网格")
    reply = await stack.say("楼上楼下因为漏水吵起来了，都要动手了")
    return re.search(r"GB-\w+", reply).group(0)


async def trail(stack, action: str) -> list[TicketEvent]:
    async with stack.services.sessionmaker() as session:
        return list(await session.scalars(select(TicketEvent).where(TicketEvent.action == action)))


async def test_location_after_arriving_is_kept_on_the_trail(stack):
    code = await dispute(stack)
    await stack.staff_says(WORKER, f"接单 {code}")
    await stack.staff_says(WORKER, f"到场 {code}")
    reply = await stack.work.send(stack.work.location(WORKER, 116.36, 36.5))
    assert code in reply.text
    [kept] = await trail(stack, "location")
    assert kept.note.startswith("36.500000,116.360000")


async def test_photo_within_ten_minutes_of_resolving_attaches_and_later_does_not(stack, clock):
    code = await dispute(stack)
    for command in (f"接单 {code}", f"到场 {code}", f"办结 {code} 双方已和解"):
        await stack.staff_says(WORKER, command)
    clock.advance(minutes=9)
    reply = await stack.work.send(stack.work.image(WORKER, "after-1"))
    assert code in reply.text
    clock.advance(minutes=2)
    late = await stack.work.send(stack.work.image(WORKER, "after-2"))
    assert "没有附到工单上" in late.text
    async with stack.services.sessionmaker() as session:
        media = [a.media_id for a in await session.scalars(select(Attachment))]
    assert media == ["after-1"]
