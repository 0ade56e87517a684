"""A grid's QR code without a server: the scene it carries, what the wire makes of WeChat's
scan events, and the picture drawn with and without a Chinese font."""

from __future__ import annotations

import pytest

from bot import wire
from bot.cli.qrboard import board, find_cjk_font
from bot.devkit.demo import demo_settings
from bot.devkit.simulator import simulators, to_xml
from handlers.chat.qrscene import grid_scene, scene_code
from tests.qrcodes import expected_modules, modules_of
from tests.stack import RESIDENT

INSTALLED = find_cjk_font()
URL = "http://weixin.qq.com/q/02fakeGridCode01"
LINES = ["青禾县/清泉街道/东关社区/东关一网格", "网格员：李明华", "QH-QQ-DG-01"]


@pytest.mark.parametrize(
    ("event_key", "code"),
    [
        ("qrscene_grid:QH-QQ-DG-01", "QH-QQ-DG-01"),  # subscribe: WeChat's prefix first
        ("grid:QH-QQ-DG-01", "QH-QQ-DG-01"),  # SCAN: the scene as it was made
        ("qrscene_campaign_2026", None),
        ("", None),
    ],
)
def test_the_grid_code_is_read_from_the_scan_events_key(event_key, code):
    assert scene_code(event_key) == code
    assert scene_code(grid_scene("QH-LH-WZ-01")) == "QH-LH-WZ-01"


@pytest.mark.parametrize(
    ("event", "event_key", "kind"),
    [
        ("subscribe", "qrscene_grid:QH-QQ-DG-01", "subscribe"),
        ("SCAN", "grid:QH-QQ-DG-01", "scan"),
        ("subscribe", "", "subscribe"),
    ],
)
def test_scan_events_reach_the_handlers_with_their_scene(event, event_key, kind):
    settings = demo_settings("sqlite+aiosqlite://", "http://127.0.0.1:1")
    mp, _ = simulators(None, "http://gridbot.invalid", settings)
    fields = mp.event(RESIDENT, event, EventKey=event_key, Ticket="gQFake")
    msg = wire.inbound("mp", to_xml(fields))
    assert (msg.kind, msg.event_key, msg.sender) == (kind, event_key, RESIDENT)


def test_without_a_chinese_font_the_picture_is_still_the_right_code():
    picture = board(URL, LINES, "微信扫一扫", None)
    assert modules_of(picture) == expected_modules(URL)
    assert picture.height > picture.width  # the grid code (ASCII) is written under it


@pytest.mark.skipif(INSTALLED is None, reason="no Chinese font where they are usually put")
def test_long_grid_names_are_wrapped_within_the_picture():
    font = INSTALLED
    short = board(URL, ["东关一网格"], "", font)
    long = board(URL, ["青禾县/清泉街道/东关社区/东关一网格" * 2], "", font)
    assert long.width == short.width and long.height > short.height
    assert modules_of(long) == expected_modules(URL)
