"""One resident flooding the Official Account: a few reports go through, one polite answer
follows, no more tickets and no stream of WeCom messages; an emergency always gets through,
alerting the centres at most once a minute."""

from __future__ import annotations

import re

import pytest

from handlers import texts
from nlu.keywords import KeywordClassifier
from tests.stack import POINTS, RESIDENT, running_stack

FLOOD = [f"小区{n}号楼门口的垃圾堆了好几天没人清理" for n in range(60)]
FIRE = "楼下着火了，浓烟很大"
COLLAPSED = "三单元楼道里有个老人晕倒了，叫不醒"
DROWNING = "河边有个小孩掉水里了，快来人"
VILLAGE, TOWNSHIP, WORKER = "zhouhaitao", "chenzhiqiang", "liminghua"


@pytest.fixture
async def limited(seeded_url, clock):
    """The service with the default limits (10 a minute, 5 at once) and a clock that moves
    only when the test says."""
    async with running_stack(
        seeded_url, clock, sections={"limits": {}}, classifier=KeywordClassifier()
    ) as stack:
        yield stack


async def test_sixty_messages_in_a_burst_open_five_tickets_and_get_one_polite_answer(limited):
    lon, lat = POINTS["东关一网格"]
    await limited.mp.send(limited.mp.location(RESIDENT, lon, lat))  # the first token

    replies = [await limited.say(text) for text in FLOOD]

    assert len(await limited.tickets()) == 4  # the burst of 5, less the location
    assert replies.count(texts.RATE_LIMITED) == 1  # told once, then quiet
    assert all(reply is None for reply in replies[5:])
    await limited.drain()
    assert len(limited.fake.to(WORKER)) == 4  # the grid worker is not flooded either
    assert re.search(r"^gridbot_rate_limited_total 56\.0$", await metrics(limited), re.M)


async def test_the_bucket_refills_so_a_minute_later_the_resident_is_heard_again(limited, clock):
    await limited.locate("东关一网格")
    for text in FLOOD[:8]:
        await limited.say(text)
    assert len(await limited.tickets()) == 4

    clock.advance(minutes=1)  # 10 a minute, at most 5 kept: a full bucket again
    replies = [await limited.say(text) for text in FLOOD[8:16]]
    assert len(await limited.tickets()) == 9
    assert replies.count(texts.RATE_LIMITED) == 1  # a minute after being told, told again


async def test_an_emergency_over_the_limit_opens_a_ticket_and_alerts_once_a_minute(limited, clock):
    await limited.locate("东关一网格")
    for text in FLOOD[:10]:
        await limited.say(text)
    before = len(await limited.tickets())

    first = await limited.say(FIRE)
    second = await limited.say(COLLAPSED)  # another emergency: a fire's follow-up would join it
    assert "119" in first and "120" in second  # what to do now, for each
    assert len(await limited.tickets()) == before + 2  # never dropped
    await limited.drain()
    assert len(_alerts(limited, VILLAGE)) == len(_alerts(limited, TOWNSHIP)) == 1

    clock.advance(minutes=1)
    await limited.say(DROWNING)
    await limited.drain()
    assert len(_alerts(limited, VILLAGE)) == 2


def _alerts(stack, userid: str) -> list[str]:
    return [text for text in stack.fake.to(userid) if text.startswith("【紧急警情】")]


async def metrics(stack) -> str:
    async with stack.mp.http.get(f"{stack.base}/metrics") as response:
        return await response.text()
