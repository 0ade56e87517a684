"""`bot.wire` alone: what WeChat's side may post, and what the wire makes of it, without a
server. The same cases go over HTTP, one or two of each kind, in tests/e2e/test_webhook_input.py.
"""

from __future__ import annotations

import time

import pytest

from bot import wire
from bot.devkit.demo import demo_settings
from bot.devkit.simulator import WeChatSimulator, simulators, to_xml
from bot.wire import Refused, parse_xml, signature
from handlers.chat import verbs
from handlers.inbound import Inbound
from tests.stack import RESIDENT
from tests.wechat_input import (
    GRID_WORKER,
    HOSTILE_XML,
    UNSUPPORTED,
    envelope,
    forge,
    hostile,
    inside,
    sample,
    sealed,
    signed_query,
)

CHANNELS = ["mp", "work"]


@pytest.fixture(scope="module")
def sims() -> dict[str, WeChatSimulator]:
    """WeChat's side of both channels; each simulator's channel is the one the service checks
    with, built from the same settings. Nothing is posted: no session, no server."""
    settings = demo_settings("sqlite+aiosqlite://", "http://127.0.0.1:1")
    mp, work = simulators(None, "http://gridbot.invalid", settings)
    return {"mp": mp, "work": work}


def refusal(call, *args) -> Refused:
    with pytest.raises(Refused) as refused:
        call(*args)
    return refused.value


def received(sim: WeChatSimulator, query: dict[str, str], body: bytes) -> Inbound:
    """What the webhook makes of a POST before it stores anything: open, then read."""
    return wire.inbound(sim.channel.name, sim.channel.open(query, body))


def posted(sim: WeChatSimulator, fields: dict[str, object]) -> Inbound:
    query, body = sim.sign(fields)
    return received(sim, query, body.encode())


# URL verification (GET)


def test_official_account_url_check_echoes_back_with_correct_signature(sims):
    token, timestamp, nonce = sims["mp"].channel.token, str(int(time.time())), "n0nce"
    query = {
        "signature": signature(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": "5837397749645421234",
    }
    assert sims["mp"].channel.verify_url(query) == "5837397749645421234"


def test_wecom_url_check_answers_decrypted_echo_with_correct_signature(sims):
    work = sims["work"]
    echo = work._prp().encrypt("echo-3815-网格", work.channel.app_id).decode()
    query = signed_query(work, echo) | {"echostr": echo}
    assert work.channel.verify_url(query) == "echo-3815-网格"


@pytest.mark.parametrize("channel", CHANNELS)
def test_url_check_with_wrong_signature_is_refused(sims, channel):
    sim = sims[channel]
    echo = sim._prp().encrypt("echo-1", sim.channel.app_id).decode()
    timestamp, nonce = str(int(time.time())), "n0nce"
    forged = signature("not-the-token", timestamp, nonce, echo)
    query = {
        "signature": forged,
        "msg_signature": forged,
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": echo,
    }
    refused = refusal(sim.channel.verify_url, query)
    assert refused.status == 403 and "echo-1" not in str(refused) and echo not in str(refused)


def test_wecom_url_check_encrypted_for_another_corp_is_refused(sims):
    work = sims["work"]
    echo = work._prp().encrypt("echo-2", "ww_someone_else").decode()
    refused = refusal(work.channel.verify_url, signed_query(work, echo) | {"echostr": echo})
    assert refused.status == 403 and "echo-2" not in str(refused)


# Who sent it (POST)


@pytest.mark.parametrize(
    "how", ["missing-signature", "wrong-token", "other-body", "changed-timestamp"]
)
@pytest.mark.parametrize("channel", CHANNELS)
def test_forged_signature_is_refused_and_nothing_is_stored(sims, channel, how):
    sim = sims[channel]
    assert refusal(sim.channel.open, *forge(sim, how)).status == 403


@pytest.mark.parametrize("channel", CHANNELS)
def test_message_encrypted_for_another_account_is_refused(sims, channel):
    sim = sims[channel]
    other = "wx_someone_else00" if channel == "mp" else "ww_someone_else0"
    query, body = sealed(sim, to_xml(sample(sim)), app_id=other)
    assert refusal(sim.channel.open, query, body).status == 403


@pytest.mark.parametrize("channel", CHANNELS)
def test_plaintext_message_is_refused_while_safe_mode_is_on(sims, channel):
    sim = sims[channel]
    timestamp, nonce = str(int(time.time())), "n0nce"
    token = sim.channel.token
    query = {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": signature(token, timestamp, nonce),
        "msg_signature": signature(token, timestamp, nonce),
    }
    assert refusal(sim.channel.open, query, to_xml(sample(sim)).encode()).status == 403


def test_a_correctly_signed_message_is_opened_and_read(sims):
    """The counterpart of every refusal above: what WeChat really sends gets through."""
    for sim in sims.values():
        msg = posted(sim, sample(sim))
        assert (msg.channel, msg.kind) == (sim.channel.name, "text")
        assert msg.sender == (RESIDENT if sim.channel.name == "mp" else GRID_WORKER)


# Hostile bodies


@pytest.mark.parametrize("case", list(HOSTILE_XML))
@pytest.mark.parametrize("channel", CHANNELS)
def test_hostile_xml_is_refused_quickly_as_bad_request(sims, channel, case):
    """Both the envelope WeChat posts and the message inside it. (How quickly: see
    bench/hostile_xml.py.)"""
    sim = sims[channel]
    query, body = sim.sign(sample(sim))
    attempts = [
        (query, hostile(case, inside(body))),
        sealed(sim, hostile(case, inside(to_xml(sample(sim))))),
    ]
    for attempt_query, attempt_body in attempts:
        refused = refusal(received, sim, attempt_query, attempt_body)
        assert refused.status == 400, (channel, str(refused))
        assert "root:" not in str(refused)  # nothing of /etc/passwd comes back


@pytest.mark.parametrize("case", list(HOSTILE_XML))
def test_parse_xml_refuses_every_hostile_document(case):
    refused = refusal(parse_xml, hostile(case, "<MsgType>text</MsgType>"))
    assert refused.status == 400 and "root:" not in str(refused)


@pytest.mark.parametrize("garbage", ["%%% not base64 %%%", "QUJD", "", "网格通"])
@pytest.mark.parametrize("channel", CHANNELS)
def test_garbage_in_encrypt_field_is_refused_as_bad_request(sims, channel, garbage):
    sim = sims[channel]
    refused = refusal(sim.channel.open, signed_query(sim, garbage), envelope(sim, garbage))
    assert refused.status == 400, str(refused)


@pytest.mark.parametrize("field", ["MsgType", "Event"])
@pytest.mark.parametrize("channel", CHANNELS)
def test_message_with_empty_type_or_event_is_refused_not_crashed(sims, channel, field):
    sim = sims[channel]
    fields = sim.event(RESIDENT, "subscribe") | {field: ""}
    refused = refusal(received, sim, *sealed(sim, to_xml(fields)))
    assert refused.status == 400, str(refused)


# What the handlers are given


@pytest.mark.parametrize("msg_type", list(UNSUPPORTED))
def test_unsupported_message_gets_polite_reply_and_is_kept(sims, msg_type):
    """The wire's part: a kind it does not know is read as "unknown", its fields kept whole."""
    extra = UNSUPPORTED[msg_type]
    msg = posted(sims["mp"], sims["mp"].message(RESIDENT, msg_type, **extra))
    assert msg.sender == RESIDENT and msg.kind == "unknown"
    assert next(iter(extra.values())) in msg.raw  # what they sent is kept whole


def test_report_with_markup_sql_emoji_and_zero_width_characters_is_kept_exactly(sims):
    report = (
        "小区门口垃圾堆了好几天没人清理 <script>alert('x')</script> "
        "'; DROP TABLE tickets; -- a &amp; b ]]> 🔥🧯𠮷👨‍👩‍👧 零\u200b宽\u200c字\u200d符\ufeff"
    )
    msg = posted(sims["mp"], sims["mp"].text(RESIDENT, report))
    assert msg.text == report
    assert wire.inbound("mp", msg.raw).text == report  # as the journal reads it back


def test_nul_character_is_dropped_from_a_report_that_is_otherwise_kept(sims):
    msg = posted(sims["mp"], sims["mp"].text(RESIDENT, "小区门口垃圾堆了\x00好几天没人清理"))
    assert msg.text == "小区门口垃圾堆了好几天没人清理"


def test_ten_thousand_character_report_is_kept_whole(sims):
    report = ("小区门口垃圾堆了好几天没人清理，臭得很，" * 500)[:10_000]
    assert posted(sims["mp"], sims["mp"].text(RESIDENT, report)).text == report


def test_staff_gibberish_gets_the_command_help():
    """The parser's part: gibberish is no command, so the staff handler answers with help."""
    assert verbs.parse("asdf 今天天气不错 ¯\\_(ツ)_/¯") is None


@pytest.mark.parametrize("x, y", [("nan", "nan"), ("inf", "-inf"), ("1e999", "36.5")])
def test_location_with_impossible_coordinates_is_answered_as_outside_every_grid(sims, x, y):
    """The wire's part: an impossible place is no place, so no grid can contain it."""
    fields = sims["mp"].message(RESIDENT, "location", Location_X=x, Location_Y=y, Scale=15)
    msg = posted(sims["mp"], fields)
    assert msg.kind == "location" and (msg.lat, msg.lon) == (None, None)


def test_location_is_read_as_latitude_and_longitude(sims):
    msg = posted(sims["mp"], sims["mp"].location(RESIDENT, lon=117.02, lat=36.67))
    assert (msg.kind, msg.lat, msg.lon) == ("location", 36.67, 117.02)
