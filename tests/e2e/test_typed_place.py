"""End to end over signed, encrypted XML: a typed place finds the grid. A resident who has not
shared a location and types where they are (`我住在清泉街道东关路12号`) is asked to confirm the
grid the gazetteer found (the org tree's names and config/demo/places.csv: 东关路 is in
东关一网格, whose worker is liminghua 李明华; 东关社区 routes public security to hanlei), then
placed and routed; a report that names the
place goes to that grid's worker after the one confirmation.
"""

from __future__ import annotations

from tests.desk import assignee_of, code_in, grid_of_resident, new_messages, ticket_of, trail
from tests.stack import RESIDENT

ADDRESS = "我住在清泉街道东关路12号"
CONFIRM = "您是在东关社区东关一网格吗？回复 1 确认，或发送位置。"
GARBAGE_THERE = "东关路12号门口垃圾堆了好几天没人清理，臭得很"
FIRE_THERE = "东关路12号着火了，三楼冒黑烟"


async def grid_of(stack, openid: str = RESIDENT) -> str | None:
    grid = await grid_of_resident(stack, openid)
    return grid.name if grid else None


async def test_a_typed_address_is_confirmed_then_places_the_resident(stack):
    asked = await stack.say(ADDRESS)

    assert asked == CONFIRM
    assert await stack.tickets() == []  # an address is not a report
    assert await grid_of(stack) is None  # not placed before the confirmation

    placed = await stack.say("1")

    assert "东关一网格" in placed and "李明华" in placed
    assert await grid_of(stack) == "东关一网格"
    code = code_in(await stack.say("单元门口的垃圾箱满了，好几天没人来收"))
    assert await assignee_of(stack, code) == "liminghua"


async def test_a_report_naming_the_place_goes_to_that_grids_worker_after_one_confirmation(stack):
    reply = await stack.say(GARBAGE_THERE)

    assert reply.endswith(CONFIRM)
    [ticket] = await stack.tickets()
    assert ticket.grid_id is None and ticket.assignee_id is None  # waits for the answer

    placed = await stack.say("是的")

    assert ticket.code in placed and "李明华" in placed
    assert await assignee_of(stack, ticket.code) == "liminghua"
    routed = await ticket_of(stack, ticket.code)
    assert routed.state == "assigned" and routed.deadline_at is not None
    await stack.drain()
    assert any(ticket.code in m for m in stack.fake.to("liminghua"))


async def test_no_to_the_place_asks_for_the_location_and_places_nobody(stack):
    await stack.say(GARBAGE_THERE)

    reply = await stack.say("2")

    assert "发送一次您的位置" in reply
    assert await grid_of(stack) is None
    [ticket] = await stack.tickets()
    assert ticket.assignee_id is None
    assert "没有对应的待回答问题" in await stack.say("1")  # the question is closed


async def test_an_unplaced_fire_naming_its_place_alerts_at_once_and_then_reaches_the_grid(stack):
    reply = await stack.say(FIRE_THERE)

    assert reply.splitlines()[0].startswith("着火了请立即拨打 119")
    assert reply.endswith(CONFIRM)
    code = code_in(reply)
    assert await assignee_of(stack, code) == "songlixin"  # the duty desk, alerted at once

    await stack.say("1")

    assert await assignee_of(stack, code) == "hanlei"  # 东关社区 routes public security to him
    events = [action for _, action, _ in await trail(stack, code)]
    assert "placed" in events
    await stack.drain()
    assert any(code in m for m in stack.fake.to("songlixin"))  # the desk hears it moved


async def test_a_placed_resident_is_not_asked_about_a_place_they_type(stack):
    await stack.locate("西苑一网格")

    reply = await stack.say(GARBAGE_THERE)

    assert "您是在" not in reply
    assert await assignee_of(stack, code_in(reply)) == "sunjianguo"


async def test_a_place_naming_no_single_grid_asks_for_the_location_as_before(stack):
    reply = await stack.say("我住在东关社区")  # two grids: the gazetteer does not guess

    assert "您是在" not in reply
    assert await grid_of(stack) is None
    assert not await new_messages(stack, RESIDENT, 0)
