"""`bot.wire` and the structures WeChat itself nests in a message (the menu's ScanCodeInfo,
SendPicsInfo and SendLocationInfo, subscription-message lists, mass-send results, WeCom's
BatchJob …): every kind in tests/wechat_catalogue.py is read, hostile nesting still is not.
Over HTTP, signed and encrypted: tests/e2e/test_message_types.py."""

from __future__ import annotations

import pytest

from bot import wire
from bot.devkit.demo import demo_settings
from bot.devkit.simulator import WeChatSimulator, simulators
from bot.wire import Refused, parse_xml
from tests.stack import RESIDENT
from tests.wechat_catalogue import CASES, PICS_ONE, PICS_TWO, POPUP, SCANNED, picked_place, plain
from tests.wechat_input import sealed


@pytest.fixture(scope="module")
def sims() -> dict[str, WeChatSimulator]:
    settings = demo_settings("sqlite+aiosqlite://", "http://127.0.0.1:1")
    mp, work = simulators(None, "http://gridbot.invalid", settings)
    return {"mp": mp, "work": work}


def received(sim: WeChatSimulator, xml: str):
    """What the webhook makes of the message, sealed and signed as WeChat sends it."""
    query, body = sealed(sim, xml)
    return wire.inbound(sim.channel.name, sim.channel.open(query, body))


def case(sims, name: str, sender: str = RESIDENT):
    sim = sims[CASES[name][0]]
    return received(sim, plain(sim, name, sender))


def refused(xml: str) -> Refused:
    with pytest.raises(Refused) as refusal:
        parse_xml(xml.encode())
    return refusal.value


# What each case is read as; every other case is an event nobody need answer ("event").
KINDS = {
    "mp text": "text",
    "mp image": "image",
    "mp voice recognised": "text",
    "mp voice": "voice",
    "mp voice, empty recognition": "voice",
    "mp video": "video",
    "mp short video": "shortvideo",
    "mp location": "location",
    "mp link": "link",
    "mp mini program page": "unknown",
    "mp unknown message": "unknown",
    "subscribe": "subscribe",
    "unsubscribe": "unsubscribe",
    "LOCATION": "location_event",
    "CLICK": "click",
    "VIEW": "view",
    "location_select": "location_select",
    "work text": "text",
    "work image": "image",
    "work voice": "voice",
    "work video": "video",
    "work location": "location",
    "work link": "link",
    "work subscribe": "subscribe",
    "work LOCATION": "location_event",
    "work CLICK": "click",
    "work VIEW": "view",
    "work location_select": "location_select",
}
# The QR code's events are read by issue 15's part 5 (handlers/chat/qrscene.py), not here.
QR_CODE_CASES = {"subscribe from a QR code", "SCAN"}


@pytest.mark.parametrize("name", list(CASES))
def test_every_kind_wechat_sends_is_read(sims, name):
    msg = case(sims, name)
    assert msg.sender == RESIDENT and msg.channel == CASES[name][0]
    if name not in QR_CODE_CASES:
        assert msg.kind == KINDS.get(name, "event")


def test_the_picked_place_of_location_select_is_read_as_a_location(sims):
    msg = case(sims, "location_select")
    assert (msg.kind, msg.lat, msg.lon, msg.label) == (
        "location_select",
        36.6623,
        117.0271,
        "青禾县东关路12号",
    )


def test_location_select_without_a_place_is_no_place(sims):
    xml = plain(sims["mp"], "location_select", RESIDENT).replace(
        picked_place(36.6623, 117.0271), ""
    )
    msg = received(sims["mp"], xml)
    assert (msg.kind, msg.lat, msg.lon) == ("location_select", None, None)


@pytest.mark.parametrize("name, key", [("CLICK", "how_to_report"), ("work CLICK", "my_tickets")])
def test_a_click_carries_its_key(sims, name, key):
    msg = case(sims, name)
    assert (msg.kind, msg.text) == ("click", key)


def test_voice_without_recognition_keeps_its_media_id(sims):
    for name, media_id in [
        ("mp voice", "m-voice-2"),
        ("mp voice, empty recognition", "m-voice-3"),
    ]:
        msg = case(sims, name)
        assert (msg.kind, msg.media_id, msg.text) == ("voice", media_id, "")


def test_voice_with_recognition_is_a_text(sims):
    msg = case(sims, "mp voice recognised")
    assert (msg.kind, msg.text) == ("text", "路口红绿灯不亮了")


@pytest.mark.parametrize(
    "name, kind, media_id",
    [("mp video", "video", "m-video-1"), ("mp short video", "shortvideo", "m-video-2")],
)
def test_video_keeps_its_media_id(sims, name, kind, media_id):
    msg = case(sims, name)
    assert (msg.kind, msg.media_id) == (kind, media_id)


def test_a_link_keeps_its_title_and_address(sims):
    msg = case(sims, "mp link")
    assert (msg.kind, msg.text, msg.url) == ("link", "小区停水通知", "https://example.org/a/1")


def test_unknown_events_are_not_answered_and_unknown_messages_are(sims):
    assert case(sims, "unknown event").kind == "event"
    assert case(sims, "subscribe_msg_popup_event").kind == "event"
    assert case(sims, "mp unknown message").kind == "unknown"
    assert case(sims, "mp mini program page").kind == "unknown"


def test_structures_are_read_as_wechatpy_reads_them():
    one = parse_xml(f"<xml>{PICS_ONE}</xml>".encode())["SendPicsInfo"]
    two = parse_xml(f"<xml>{PICS_TWO}</xml>".encode())["SendPicsInfo"]
    assert one == {
        "Count": "1",
        "PicList": {"item": {"PicMd5Sum": one["PicList"]["item"]["PicMd5Sum"]}},
    }
    assert [item["PicMd5Sum"][:4] for item in two["PicList"]["item"]] == ["7d79", "a1d0"]
    lists = parse_xml(f"<xml>{POPUP}</xml>".encode())["SubscribeMsgPopupEvent"]["List"]
    assert [entry["SubscribeStatusString"] for entry in lists] == ["accept", "reject"]
    scanned = parse_xml(f"<xml>{SCANNED}</xml>".encode())["ScanCodeInfo"]
    assert scanned == {"ScanType": "qrcode", "ScanResult": "https://example.org/notice/7"}


@pytest.mark.parametrize(
    "xml",
    [
        "<xml><Extra><Inner>x</Inner></Extra></xml>",  # a structure WeChat does not send
        "<xml><Content>a</Content><Content>b</Content></xml>",  # a field twice
        f"<xml>{SCANNED}{SCANNED}</xml>",  # a structure twice
        "<xml><ScanCodeInfo><ScanType><Deeper>x</Deeper></ScanType></ScanCodeInfo></xml>",
        "<xml><SendPicsInfo><Count>1</Count><Count>2</Count></SendPicsInfo></xml>",
        "<xml><SendPicsInfo><PicList><item><PicMd5Sum><x/></PicMd5Sum></item></PicList>"
        "</SendPicsInfo></xml>",
        "<xml><SubscribeMsgPopupEvent><List><List><x/></List></List></SubscribeMsgPopupEvent></xml>",
    ],
)
def test_hostile_nesting_and_repeats_are_still_refused(xml):
    refusal = refused(xml)
    assert refusal.status == 400 and "nested or repeated" in str(refusal)
