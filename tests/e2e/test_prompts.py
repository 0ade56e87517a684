"""End to end over HTTP: one rule for answers by number.

The latest live question takes the resident's `1`/`2`; questions expire after
`[intake] prompt_minutes` (10 by default); the rating keeps its own window; a number that
answers nothing is never a report.
"""

from __future__ import annotations

from tests.desk import GARBAGE, code_in, report, ticket_of
from tests.stack import RESIDENT

PENSION = "老人的高龄津贴怎么申请？"  # the guide answers and offers to do it (回复 1)


async def resolved(stack) -> str:
    code = await report(stack, "东关一网格", GARBAGE)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.staff_says("liminghua", f"办结 {code} 已清运")
    return code


async def test_a_bare_number_with_no_question_open_is_never_a_report(stack):
    await stack.locate("东关一网格")
    for number in ("1", "3", "２", "第1个"):
        reply = await stack.say(number)
        assert "没有对应的待回答问题" in reply and "GB-" not in reply
    assert await stack.tickets() == []


async def test_the_guides_offer_is_taken_up_by_1_while_it_is_live(stack):
    await stack.locate("东关一网格")
    offer = await stack.say(PENSION)
    assert offer.endswith("回复 1")

    reply = await stack.say("好的")

    [ticket] = await stack.tickets()
    assert ticket.category == "public_service" and "高龄" in ticket.text
    assert ticket.code in reply


async def test_an_offer_answered_after_the_prompt_window_opens_nothing(stack, clock):
    await stack.locate("东关一网格")
    await stack.say(PENSION)
    clock.advance(minutes=11)

    reply = await stack.say("1")

    assert "没有对应的待回答问题" in reply
    assert await stack.tickets() == []


async def test_an_offer_declined_with_2_opens_nothing_and_the_next_1_answers_nothing(stack):
    await stack.locate("东关一网格")
    await stack.say(PENSION)

    assert "随时在这里留言" in await stack.say("2")
    assert "没有对应的待回答问题" in await stack.say("1")
    assert await stack.tickets() == []


async def test_the_more_recent_question_wins_over_a_waiting_rating(stack, clock):
    code = await resolved(stack)  # asked to rate first
    clock.advance(minutes=1)
    await stack.say(PENSION)  # then offered an errand

    reply = await stack.say("1")

    assert "感谢您的评价" not in reply
    assert (await ticket_of(stack, code)).state == "resolved"  # not rated
    errand = [t for t in await stack.tickets() if t.code != code]
    assert [t.category for t in errand] == ["public_service"]


async def test_a_rating_asked_after_the_offer_takes_the_1(stack, clock):
    await stack.locate("东关一网格")
    await stack.say(PENSION)  # offered first
    clock.advance(minutes=1)
    code = await resolved(stack)  # then asked to rate

    reply = await stack.say("1")

    assert "感谢您的评价" in reply and code in reply
    assert [t.code for t in await stack.tickets()] == [code]


async def test_rating_words_still_rate_while_another_question_is_open(stack):
    code = await resolved(stack)
    await stack.say(PENSION)

    assert "感谢您的评价" in await stack.say("满意")
    assert (await ticket_of(stack, code)).rating == "satisfied"


async def test_the_rating_keeps_its_own_window_beyond_the_prompt_minutes(stack, clock):
    code = await resolved(stack)
    clock.advance(hours=5)

    assert "感谢您的评价" in await stack.say("1")
    assert (await ticket_of(stack, code)).state == "closed"


async def test_the_prompt_window_is_a_setting(seeded_url, clock):
    from tests.conftest import embedded_classifier
    from tests.stack import running_stack

    sections = {"intake": {"prompt_minutes": 30}}
    async with running_stack(
        seeded_url, clock, sections, classifier=embedded_classifier()
    ) as stack:
        await stack.locate("东关一网格")
        await stack.say(PENSION)
        clock.advance(minutes=20)
        code = code_in(await stack.say("1"))
    assert code.startswith("GB-")


async def test_other_residents_numbers_do_not_answer_this_residents_question(stack):
    await stack.locate("东关一网格")
    await stack.say(PENSION)
    await stack.locate("东关一网格", "o_someone_else")

    assert "没有对应的待回答问题" in await stack.say("1", "o_someone_else")
    assert code_in(await stack.say("1", RESIDENT))
