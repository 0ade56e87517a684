"""What residents send besides text, photos and places: voice WeChat could not understand,
video and links, kept on their latest open ticket (with none open, they wait on the resident
and join the next report); and the buttons of the Official Account's menu."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import texts
from handlers.chat.residents import INTENT_ANSWERS
from handlers.inbound import Inbound
from handlers.ports import Handler, Ports
from handlers.tickets.lifecycle import record
from storage.models import Attachment, Resident, Ticket
from storage.uow import UnitOfWork

WAITS_AT_MOST = timedelta(days=1)  # media waiting longer joins no report
KEPT_AT_MOST = 10  # the latest media waiting on a resident
TRAIL_ACTIONS = {
    "voice": "attach_voice",
    "video": "attach_video",
    "shortvideo": "attach_video",
    "link": "attach_link",
}
# The Official Account's menu (names in texts.MENU_NAMES): (key, type) for a button, (key,
# its buttons) for a group; at most 3 groups or buttons, 5 buttons in a group.
MENU = (
    ("report", (("locate", "location_select"), ("how_to_report", "click"))),
    ("my_tickets", "click"),
    ("service", (("my_worker", "click"), ("guide", "click"))),
)


async def on_voice(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str:
    """Voice without WeChat's recognition: asked again in text, the recording kept."""
    await _keep(uow, msg, ports.clock.now())
    return texts.VOICE_UNHEARD


async def on_media(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str:
    """A video, short video or link, attached as a photo is."""
    ticket = await _keep(uow, msg, ports.clock.now())
    if ticket is None:
        return texts.MEDIA_WAITING[msg.kind]
    return texts.MEDIA_ATTACHED[msg.kind].format(code=ticket.code, title=msg.text or msg.url)


async def _keep(uow: UnitOfWork, msg: Inbound, now: datetime) -> Ticket | None:
    """On the latest open ticket, which is returned; else waiting on the resident."""
    resident = await uow.people.get_or_add_resident(msg.sender, now)
    media = {
        "kind": msg.kind,
        "media_id": msg.media_id or None,
        "url": msg.url or None,
        "title": msg.text or None,
    }
    tickets = await uow.tickets.open_of_resident(resident.id)
    if tickets:
        _attach(uow, tickets[-1], media, now)
        return tickets[-1]
    resident.media_waiting = [*(resident.media_waiting or []), media][-KEPT_AT_MOST:]
    resident.media_waiting_at = now
    return None


def _attach(uow: UnitOfWork, ticket: Ticket, media: dict, now: datetime) -> None:
    uow.add(Attachment(ticket_id=ticket.id, **media, created_at=now))
    action = TRAIL_ACTIONS[media["kind"]]
    uow.add(record(ticket, action, actor="resident", now=now, note=media["title"]))


def with_waiting_media(handler: Handler) -> Handler:
    """Media that waited for a report joins the ticket the resident's message opened."""

    async def answer(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str | None:
        reply = await handler(uow, msg, ports)
        resident = await uow.people.resident(msg.sender)  # read already: no query
        if resident is None or not resident.media_waiting:
            return reply
        ticket = await _join_waiting(uow, resident, ports.clock.now())
        if ticket is None:
            return reply
        return "\n\n".join(
            [*([reply] if reply else []), texts.MEDIA_JOINED.format(code=ticket.code)]
        )

    return answer


async def _join_waiting(uow: UnitOfWork, resident: Resident, now: datetime) -> Ticket | None:
    """The open ticket the waiting media joined, if there is one; media kept too long goes."""
    since = resident.media_waiting_at
    if since is None or now - since > WAITS_AT_MOST:
        resident.media_waiting = resident.media_waiting_at = None
        return None
    tickets = await uow.tickets.open_of_resident(resident.id)
    if not tickets:
        return None
    for media in resident.media_waiting:
        _attach(uow, tickets[-1], media, now)
    resident.media_waiting = resident.media_waiting_at = None
    return tickets[-1]


async def on_click(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str:
    """A menu button answers as the chat command it stands for; an unknown one with the help."""
    resident = await uow.people.get_or_add_resident(msg.sender, ports.clock.now())
    answer = MENU_ANSWERS.get(msg.text, INTENT_ANSWERS["help"])
    return await answer(uow, resident, msg, ports)


async def _guide_intro(uow: UnitOfWork, resident: Resident, msg: Inbound, ports: Ports) -> str:
    return texts.GUIDE_INTRO


MENU_ANSWERS = {
    "how_to_report": INTENT_ANSWERS["help"],
    "my_tickets": INTENT_ANSWERS["query_status"],
    "my_worker": INTENT_ANSWERS["ask_worker"],
    "guide": _guide_intro,
}
