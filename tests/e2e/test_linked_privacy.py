"""End to end over HTTP: a household linked to another household's ticket (the same problem
reported nearby) hears how it goes, but neither reads its notes nor rates, reopens or closes
it. People and numbers are fictional; the demo county is described in test_case_desk.py."""

from __future__ import annotations

import pytest

from tests.desk import GARBAGE, GARBAGE_AGAIN, NEIGHBOUR, report, ticket_of, trail
from tests.stack import RESIDENT

NOTE = "已联系反映人张建明（13900000001），垃圾已清运"
REASON = "垃圾站归街道管，需要协调"


async def linked_ticket(stack) -> str:
    """The first household's garbage ticket, with the neighbour linked to it."""
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.locate("东关一网格", sender=NEIGHBOUR)
    assert code in await stack.say(GARBAGE_AGAIN, sender=NEIGHBOUR)
    return code


async def resolved_linked_ticket(stack) -> str:
    code = await linked_ticket(stack)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} {NOTE}")
    await stack.drain()
    return code


async def test_linked_neighbour_hears_each_step_in_words_of_its_own(stack):
    code = await linked_ticket(stack)

    await stack.staff_says("liminghua", f"上报 {code} {REASON}")
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"到场 {code}")
    await stack.staff_says("liminghua", f"办结 {code} {NOTE}")
    await stack.drain()

    escalated, accepted, on_site, resolved = stack.fake.to(NEIGHBOUR)
    for told in (escalated, accepted, on_site, resolved):
        assert code in told and "已有其他居民反映" in told and "感谢您的关注" in told
    assert "上报" in escalated and REASON not in escalated
    assert "受理" in accepted and "现场" in on_site
    assert "已办结" in resolved


async def test_linked_neighbour_never_reads_the_note_the_name_the_phone_or_a_rating_question(
    stack,
):
    await resolved_linked_ticket(stack)

    heard = "\n".join(stack.fake.to(NEIGHBOUR))
    for private in ("垃圾已清运", "张建明", "13900000001", "0001", "李明华", "满意", "评价"):
        assert private not in heard, private


async def test_first_reporter_reads_the_note_with_numbers_masked_and_is_asked_to_rate(stack):
    code = await resolved_linked_ticket(stack)

    resolved = stack.fake.to(RESIDENT)[-1]

    assert code in resolved and "张建明（139****0001），垃圾已清运" in resolved
    assert "13900000001" not in resolved
    assert "1 满意" in resolved and "3 不满意" in resolved


@pytest.mark.parametrize("answer", ["1", "3", "满意", "3 不满意"])
async def test_linked_neighbours_digit_or_word_is_no_rating_of_the_ticket(stack, answer):
    code = await resolved_linked_ticket(stack)
    steps = await trail(stack, code)

    reply = await stack.say(answer, sender=NEIGHBOUR)

    assert "感谢您的评价" not in reply and "重新打开" not in reply
    ticket = await ticket_of(stack, code)
    assert (ticket.state, ticket.level, ticket.rating) == ("resolved", 0, None)
    assert await trail(stack, code) == steps
    await stack.drain()
    assert stack.fake.to("zhouhaitao") == []  # nobody was told the resident is dissatisfied


async def test_only_the_first_reporter_reopens_the_ticket(stack):
    code = await resolved_linked_ticket(stack)
    await stack.say("3", sender=NEIGHBOUR)

    reply = await stack.say("3")

    assert "重新打开" in reply and code in reply
    ticket = await ticket_of(stack, code)
    assert (ticket.state, ticket.level, ticket.rating) == ("assigned", 1, "dissatisfied")


async def test_only_the_first_reporter_closes_the_ticket_as_satisfied(stack):
    code = await resolved_linked_ticket(stack)
    await stack.say("满意", sender=NEIGHBOUR)
    assert (await ticket_of(stack, code)).state == "resolved"

    assert "感谢您的评价" in await stack.say("1")

    ticket = await ticket_of(stack, code)
    assert (ticket.state, ticket.rating) == ("closed", "satisfied")
