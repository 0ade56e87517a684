"""When the 48-hour customer-service window has closed, a configured template message carries
the ticket update instead; without one, the update waits for the resident's next message."""

from __future__ import annotations

import re

from tests.conftest import embedded_classifier
from tests.stack import RESIDENT, running_stack

TEMPLATES = {"templates": {"ticket_update": "TPL-ticket-update"}}


async def accept_after_window_closes(stack) -> str:
    await stack.locate("东关一网格")
    code = re.search(r"GB-\w+", await stack.say("小区门口垃圾没人清")).group(0)
    stack.fake.window_closed.add(RESIDENT)
    await stack.staff_says("liminghua", f"接单 {code}")
    await stack.drain()
    return code


async def test_template_message_stands_in_when_the_window_has_closed(seeded_url, clock):
    async with running_stack(
        seeded_url, clock, TEMPLATES, classifier=embedded_classifier()
    ) as stack:
        code = await accept_after_window_closes(stack)
        [sent] = [s for s in stack.fake.sent if s.channel == "mp-template"]
        assert sent.to == RESIDENT and code in sent.text and "受理" in sent.text
        assert [row.state for row in await stack.outbox() if row.channel == "mp"] == ["sent"]


async def test_without_a_template_the_update_waits_for_the_next_message(stack):
    code = await accept_after_window_closes(stack)
    assert [row.state for row in await stack.outbox() if row.channel == "mp"] == ["held"]
    reply = await stack.say("你好")
    assert reply.startswith("这段时间您的工单有新进展") and code in reply and "受理" in reply
    assert "您好" in reply  # and the answer to what they wrote follows
    assert "新进展" not in await stack.say("你好")  # shown once
