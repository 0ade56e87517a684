"""Every message type has an answer (issue 15, part 4), over loopback HTTP with signed and
encrypted XML: every kind WeChat and WeCom post gets a 200 and is handled; voice WeChat could
not understand, video and links are kept on the resident's ticket; the menu's buttons answer as
the chat commands they stand for, and its location picker places the resident."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.devkit.console import Console
from handlers import texts
from storage.models import Attachment, Resident
from tests.hostile import code_in, inbound_rows
from tests.stack import POINTS, RESIDENT
from tests.wechat_catalogue import CASES, picked_place, plain
from tests.wechat_input import sealed

REPORT = "小区门口垃圾堆了好几天没人清理"


async def post(sim, xml: str):
    reply = await sim.post(*sealed(sim, xml))
    assert reply.status == 200, reply.body
    return reply.text


async def send(stack, name: str, sender: str = RESIDENT) -> str | None:
    sim = getattr(stack, CASES[name][0])
    return await post(sim, plain(sim, name, sender))


async def attachments(stack) -> list[Attachment]:
    async with stack.services.sessionmaker() as session:
        return list(await session.scalars(select(Attachment).order_by(Attachment.id)))


async def resident(stack, openid: str = RESIDENT) -> Resident:
    async with stack.services.sessionmaker() as session:
        return await session.scalar(select(Resident).where(Resident.openid == openid))


async def click(stack, key: str) -> str | None:
    return await post(
        stack.mp, plain_event(stack.mp, f"<Event>CLICK</Event><EventKey>{key}</EventKey>")
    )


def plain_event(sim, rest: str, sender: str = RESIDENT) -> str:
    head = (
        f"<ToUserName>{sim.account}</ToUserName><FromUserName>{sender}</FromUserName>"
        f"<CreateTime>{int(sim.now())}</CreateTime><MsgType>event</MsgType>"
    )
    return f"<xml>{head}{rest}</xml>"


@pytest.mark.parametrize("channel", ["mp", "work"])
async def test_every_kind_wechat_sends_gets_200_and_is_handled(stack, channel):
    names = [name for name, (ch, _) in CASES.items() if ch == channel]
    senders = {f"o_kind_{n:03d}": name for n, name in enumerate(names)}
    failures = []
    for sender, name in senders.items():
        sim = getattr(stack, channel)
        reply = await sim.post(*sealed(sim, plain(sim, name, sender)))
        if reply.status != 200 or reply.text == texts.SORRY_FAILED:
            failures.append((name, reply.status, reply.body[:80]))
    assert failures == []
    rows = {row.sender: row for row in await inbound_rows(stack)}
    assert sorted(rows) == sorted(senders)  # each journalled once
    assert {senders[s]: r.status for s, r in rows.items() if r.status != "done"} == {}


async def test_voice_without_recognition_is_asked_again_and_kept_on_the_open_ticket(stack):
    await stack.locate("东关一网格")
    code = code_in(await stack.say(REPORT))

    assert await send(stack, "mp voice") == texts.VOICE_UNHEARD

    [ticket] = await stack.tickets()
    kept = await attachments(stack)
    assert ticket.code == code
    assert [(a.ticket_id, a.kind, a.media_id) for a in kept] == [(ticket.id, "voice", "m-voice-2")]


async def test_voice_before_any_report_joins_the_next_report(stack):
    assert await send(stack, "mp voice") == texts.VOICE_UNHEARD
    assert await stack.tickets() == [] and await attachments(stack) == []

    reply = await stack.say(REPORT)

    [ticket] = await stack.tickets()
    assert texts.MEDIA_JOINED.format(code=ticket.code) in reply
    assert [(a.ticket_id, a.media_id) for a in await attachments(stack)] == [
        (ticket.id, "m-voice-2")
    ]
    assert (await resident(stack)).media_waiting is None


async def test_voice_kept_waiting_a_day_joins_no_later_report(stack, clock):
    await send(stack, "mp voice")
    clock.advance(days=1, minutes=1)

    reply = await stack.say(REPORT)

    assert "附在工单" not in reply and await attachments(stack) == []
    assert (await resident(stack)).media_waiting is None


async def test_recognised_voice_is_a_report_like_text(stack):
    await stack.locate("东关一网格")

    reply = await send(stack, "mp voice recognised")

    [ticket] = await stack.tickets()
    assert ticket.code in reply and ticket.text == "路口红绿灯不亮了"


@pytest.mark.parametrize("name, kind", [("mp video", "video"), ("mp short video", "shortvideo")])
async def test_video_is_attached_like_a_photo(stack, name, kind):
    await stack.locate("东关一网格")
    code = code_in(await stack.say(REPORT))

    reply = await send(stack, name)

    assert reply == texts.MEDIA_ATTACHED[kind].format(code=code)
    assert [a.kind for a in await attachments(stack)] == [kind]


async def test_video_without_a_report_asks_what_happened_and_waits(stack):
    assert await send(stack, "mp video") == texts.MEDIA_WAITING["video"]
    code = code_in(await stack.say(REPORT))
    [kept] = await attachments(stack)
    [ticket] = await stack.tickets()
    assert (ticket.code, kept.ticket_id, kept.media_id) == (code, ticket.id, "m-video-1")


async def test_a_link_is_attached_with_its_title_and_address(stack):
    await stack.locate("东关一网格")
    code = code_in(await stack.say(REPORT))

    reply = await send(stack, "mp link")

    assert reply == texts.MEDIA_ATTACHED["link"].format(code=code, title="小区停水通知")
    [kept] = await attachments(stack)
    assert (kept.kind, kept.title, kept.url) == ("link", "小区停水通知", "https://example.org/a/1")


async def test_the_worker_sees_the_attachments_in_the_ticket_trail(stack):
    await stack.locate("东关一网格")
    code = code_in(await stack.say(REPORT))
    await send(stack, "mp voice")
    await send(stack, "mp link")

    trail = await stack.staff_says("liminghua", f"工单 {code}")

    assert "附语音" in trail and "附链接：小区停水通知" in trail


@pytest.mark.parametrize("name", ["mp mini program page", "mp unknown message"])
async def test_a_message_type_not_understood_gets_a_polite_line(stack, name):
    assert await send(stack, name) == texts.UNSUPPORTED
    assert await stack.tickets() == []


# The menu


@pytest.mark.parametrize(
    "key, command",
    [("how_to_report", "帮助"), ("my_tickets", "查询"), ("my_worker", "我的网格员")],
)
async def test_each_menu_button_answers_as_its_chat_command(stack, key, command):
    await stack.locate("东关一网格")
    code_in(await stack.say(REPORT))

    assert await click(stack, key) == await stack.say(command)


async def test_my_tickets_button_lists_the_residents_tickets(stack):
    await stack.locate("东关一网格")
    code = code_in(await stack.say(REPORT))
    assert code in await click(stack, "my_tickets")


async def test_the_guide_button_introduces_the_guide(stack):
    assert await click(stack, "guide") == texts.GUIDE_INTRO


async def test_a_button_of_an_older_menu_gets_the_help(stack):
    assert await click(stack, "no_longer_there") == texts.HELP_RESIDENT


async def test_a_view_button_gets_200_and_no_reply(stack):
    assert await send(stack, "VIEW") is None


async def test_the_location_picker_places_the_resident_as_a_location_message_does(stack):
    waiting = await stack.say(REPORT)  # no location yet: the report waits
    assert waiting == texts.REPORT_WAITING_FOR_LOCATION
    lon, lat = POINTS["东关一网格"]
    event = "<Event>location_select</Event><EventKey>locate</EventKey>" + picked_place(lat, lon)

    reply = await post(stack.mp, plain_event(stack.mp, event))

    [ticket] = await stack.tickets()
    placed = await resident(stack)
    assert placed.grid_id is not None and ticket.grid_id == placed.grid_id
    assert texts.PENDING_ROUTED in reply and ticket.code in reply
    by_message = await stack.locate("东关一网格", sender="o_other_resident")
    assert reply.split("\n\n")[0] == by_message  # the same grid and worker a location gives


async def test_a_location_picked_outside_every_grid_is_told_so(stack):
    event = "<Event>location_select</Event><EventKey>locate</EventKey>" + picked_place(10.0, 10.0)
    assert await post(stack.mp, plain_event(stack.mp, event)) == texts.OUTSIDE_GRIDS


async def test_staff_voice_without_recognition_gets_the_command_help(stack):
    reply = await send(stack, "work voice", sender="liminghua")
    assert reply == await stack.staff_says("liminghua", "")


async def test_the_demo_console_taps_menu_buttons_by_name(stack):
    shown: list[str] = []
    console = Console(stack.mp, stack.work, RESIDENT, {}, POINTS, show=shown.append)

    await console.handle("/菜单 办事指南")
    await console.handle("/菜单 不存在的按钮")

    assert any(texts.GUIDE_INTRO.splitlines()[0] in line for line in shown)
    assert "可用按钮：怎么反映、我的工单、联系网格员、办事指南" in shown[-1]
