"""Every text sent fits the platform's limit in bytes: clipping and the passive reply alone.
Through the relay: tests/integration/test_api_limits.py; over HTTP: tests/e2e/test_api_limits.py.
"""

from __future__ import annotations

import defusedxml.ElementTree as SafeTree
import pytest

from bot.devkit.simulator import to_xml
from bot.wire import clip_to_bytes, reply_xml
from tests.stack import RESIDENT

LIMIT = 2048  # bytes of UTF-8 in a WeCom text, a customer-service text and a passive reply
LONG_NOTE = ("已联系环卫清运完毕，并与物业约定每日巡查两次，异味问题已解决。" * 400)[:10_000]


def fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= LIMIT


# Clipping


@pytest.mark.parametrize("text", ["", "办结", "a" * LIMIT, "网" * 682 + "ab", "🔥" * 512])
def test_text_that_fits_is_left_as_it_is(text):
    assert clip_to_bytes(text, LIMIT) == text


CUT = {  # text, and what is sent: whole characters, then "…", in at most 2048 bytes
    "ascii-one-byte-over": ("a" * 2049, "a" * 2045 + "…"),
    "cjk-one-character-over": ("网" * 683, "网" * 681 + "…"),
    "cut-inside-a-cjk-character": ("网" * 682 + "abc", "网" * 681 + "…"),
    "astral-fits-to-the-byte": ("a" + "🔥" * 512, "a" + "🔥" * 511 + "…"),
    "cut-inside-an-astral-character": ("ab" + "🔥" * 512, "ab" + "🔥" * 510 + "…"),
    "ten-thousand-characters": (LONG_NOTE, LONG_NOTE[:681] + "…"),
}


@pytest.mark.parametrize("case", list(CUT))
def test_text_too_long_is_cut_at_a_character_and_ends_with_an_ellipsis(case):
    text, sent = CUT[case]
    clipped = clip_to_bytes(text, LIMIT)
    assert clipped == sent and fits(clipped)


@pytest.mark.parametrize("limit", range(3, 40))
def test_clipped_text_never_exceeds_the_limit_nor_breaks_a_character(limit):
    text = "a网🔥𠮷é" * 10
    clipped = clip_to_bytes(text, limit)
    assert len(clipped.encode("utf-8")) <= limit
    assert clipped.endswith("…") and text.startswith(clipped[:-1])
    next_char = text[len(clipped) - 1]
    assert len((clipped + next_char).encode("utf-8")) > limit  # nothing more would have fitted


@pytest.mark.parametrize("channel", ["mp", "work"])
def test_passive_reply_content_is_clipped_to_the_limit(channel):
    inbound = to_xml(
        {
            "ToUserName": "gh_gridbot",
            "FromUserName": RESIDENT,
            "CreateTime": 1764122400,
            "MsgType": "text",
            "Content": "查询",
            "MsgId": 1,
        }
    )
    reply = SafeTree.fromstring(reply_xml(LONG_NOTE, inbound, channel))
    assert reply.findtext("Content") == LONG_NOTE[:681] + "…"
