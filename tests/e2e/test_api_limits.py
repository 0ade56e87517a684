"""Every text sent fits the platform's limit in bytes; what is stored stays whole: notes typed
by staff over HTTP reach people clipped."""

from __future__ import annotations

import re

from tests.stack import RESIDENT

LIMIT = 2048  # bytes of UTF-8 in a WeCom text, a customer-service text and a passive reply


LONG_NOTE = ("已联系环卫清运完毕，并与物业约定每日巡查两次，异味问题已解决。" * 400)[:10_000]


GARBAGE = "小区门口垃圾堆了好几天没人清理，臭得很"


GRID_SUPERVISOR = "zhouhaitao"  # 东关社区's supervisor in the demo county


def fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= LIMIT


async def test_long_resolution_and_urging_notes_reach_people_clipped_and_stay_whole_on_the_ticket(
    stack,
):
    await stack.locate("东关一网格")
    code = re.search(r"GB-\w+", await stack.say(GARBAGE)).group(0)
    await stack.drain()
    [(worker, _)] = [(sent.to, sent.text) for sent in stack.fake.sent if sent.channel == "work"]
    await stack.staff_says(GRID_SUPERVISOR, f"督办 {code} {LONG_NOTE}")
    await stack.staff_says(worker, f"接单 {code}")
    await stack.staff_says(worker, f"办结 {code} {LONG_NOTE}")
    await stack.drain()

    urged = stack.fake.to(worker)[-1]
    resolved = stack.fake.to(RESIDENT)[-1]
    assert urged.startswith("【督办】") and fits(urged) and urged.endswith("…")
    assert "已办结" in resolved and fits(resolved) and resolved.endswith("…")
    [ticket] = await stack.tickets()
    assert ticket.resolution == LONG_NOTE and len(ticket.resolution) == 10_000
    detail = await stack.staff_says(worker, f"工单 {code}")  # the trail shows both notes
    assert detail.startswith(f"工单 {code}") and fits(detail) and detail.endswith("…")
