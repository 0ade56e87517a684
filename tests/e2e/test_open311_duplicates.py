"""The same problem filed twice through Open311, or once there and once on WeChat, is one
ticket, as a neighbour's report of it on WeChat is: the later report joins the open one, its
handler hears of it, and the filer is answered with the open ticket's id."""

from __future__ import annotations

import json

from sqlalchemy import select

from handlers import texts
from storage.models import Open311Contact, TicketEvent
from tests.desk import GARBAGE, GARBAGE_AGAIN, NEIGHBOUR, report, ticket_of
from tests.open311 import grid_point, new_key, post

FILED_BY = "open311:fixmystreet"


async def filed(stack, key: str, description: str, grid: str = "东关一网格", **extra) -> dict:
    form = {"api_key": key, "service_code": "environment", "description": description}
    status, _, body = await post(stack, "requests.json", {**form, **grid_point(grid), **extra})
    assert status == 200, body
    [answer] = json.loads(body)
    return answer


async def trail(stack, code: str) -> list[tuple[str, str]]:
    ticket = await ticket_of(stack, code)
    async with stack.services.sessionmaker() as session:
        events = await session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        )
        return [(event.action, event.actor) for event in events]


async def test_the_same_problem_filed_twice_nearby_is_one_ticket(stack):
    key = await new_key(stack)
    first = await filed(stack, key, GARBAGE)

    again = await filed(stack, key, GARBAGE_AGAIN, phone="13900000009")

    assert again["service_request_id"] == first["service_request_id"]
    assert again["service_notice"] == texts.OPEN311_JOINED.format(code=first["service_request_id"])
    assert len(await stack.tickets()) == 1
    assert ("duplicate", FILED_BY) in await trail(stack, first["service_request_id"])
    await stack.drain()
    told = [text for text in stack.fake.to("liminghua") if "同一问题" in text]
    assert told == [
        texts.DUPLICATE_NOTICE.format(code=again["service_request_id"], text=GARBAGE_AGAIN)
    ]
    async with stack.services.sessionmaker() as session:
        contacts = list(await session.scalars(select(Open311Contact)))
    assert len(contacts) == 2 and "13900000009" in contacts[1].contact  # both filers kept


async def test_a_wechat_report_near_an_open311_ticket_joins_it(stack):
    key = await new_key(stack)
    code = (await filed(stack, key, GARBAGE))["service_request_id"]

    await stack.locate("东关一网格", sender=NEIGHBOUR)
    reply = await stack.say(GARBAGE_AGAIN, sender=NEIGHBOUR)

    assert code in reply and "已有邻居反映过" in reply
    assert len(await stack.tickets()) == 1


async def test_an_open311_request_near_a_residents_ticket_joins_it(stack):
    code = await report(stack, "东关一网格", GARBAGE)
    key = await new_key(stack)

    answer = await filed(stack, key, GARBAGE_AGAIN)

    assert answer["service_request_id"] == code
    assert ("duplicate", FILED_BY) in await trail(stack, code)


async def test_the_same_kind_in_another_grid_is_a_ticket_of_its_own(stack):
    key = await new_key(stack)
    first = await filed(stack, key, GARBAGE)

    other = await filed(stack, key, GARBAGE_AGAIN, grid="东关二网格")

    assert other["service_request_id"] != first["service_request_id"]
    assert other["service_notice"] is None
    assert len(await stack.tickets()) == 2


async def test_a_resolved_ticket_is_not_joined(stack):
    key = await new_key(stack)
    code = (await filed(stack, key, GARBAGE))["service_request_id"]
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已清运")

    again = await filed(stack, key, GARBAGE_AGAIN)

    assert again["service_request_id"] != code
    assert len(await stack.tickets()) == 2
