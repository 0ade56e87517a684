"""Residents hear back: ratings after resolution, and updates WeChat could not deliver."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import texts
from handlers.inbound import Inbound
from handlers.ports import Ports
from handlers.tickets.escalation import escalate
from handlers.tickets.lifecycle import transition
from handlers.tickets.notify import tell_staff
from handlers.tickets.routing import CODE_PREFIX, route
from storage.models import OutboxMessage, Resident, Ticket

Handler = Callable[[AsyncSession, Inbound, Ports], Awaitable[str | None]]
SHOWN_AT_MOST = 3


RATING = re.compile(r"^(?:([123])\s*)?(非常满意|很满意|基本满意|不满意|满意)?[。.!！~～\s]*$")
# `GB-7K3PQ 3`, `7k3pq 不满意`, `评价 GB-7K3PQ 1`: a rating that names its ticket.
CODED = re.compile(r"^(?:评价\s*)?(?:GB-?)?([0-9A-Z]{5})[\s:：,，]+(.+)$")
WORDS = {"非常满意": "1", "很满意": "1", "满意": "1", "基本满意": "2", "不满意": "3"}


def rating_of(text: str) -> str | None:
    """A rating only when the whole message is one: `1`, `１`, `3 不满意`, `满意`."""
    match = RATING.match(unicodedata.normalize("NFKC", text).strip())
    if not match or not any(match.groups()):
        return None
    number = match.group(1) or WORDS[match.group(2)]
    return texts.RATING_LABELS[number]


def coded_rating_of(text: str) -> tuple[str, str] | None:
    """(ticket code, rating) when the whole message rates a ticket it names."""
    match = CODED.match(unicodedata.normalize("NFKC", text).strip().upper())
    rating = rating_of(match.group(2)) if match else None
    return (CODE_PREFIX + match.group(1), rating) if rating else None


async def rate(
    session: AsyncSession, ticket: Ticket, resident: Resident, rating: str, ports: Ports
) -> str:
    now = ports.clock.now()
    ticket.rating = rating
    if rating != "dissatisfied":
        session.add(
            transition(
                ticket, "close", actor="resident", now=now, policy=ports.policy, note=rating
            )
        )
        return texts.RESIDENT_RATED.format(code=ticket.code)
    return await _reopen(session, ticket, now, ports)


async def _reopen(session: AsyncSession, ticket: Ticket, now: datetime, ports: Ports) -> str:
    """不满意: the ticket opens again at its assignee (routed anew if they are now off duty)
    and climbs one level."""
    event = transition(
        ticket, "reopen", actor="resident", now=now, policy=ports.policy, note="不满意"
    )
    session.add(event)
    ticket.accepted_at = ticket.resolved_at = None
    if ticket.assignee and not ticket.assignee.active:
        unit_id, gone = ticket.unit_id, ticket.assignee
        ticket.assignee_id, ticket.assignee = None, None
        await route(session, ticket, now, ports.policy, exclude=gone)
        ticket.unit_id = unit_id
    level = await escalate(
        session,
        ticket,
        now=now,
        policy=ports.policy,
        actor="resident",
        template=texts.ESCALATION_DISSATISFIED,
        note="居民不满意",
    )
    if ticket.assignee:
        await tell_staff(
            session,
            event,
            [ticket.assignee],
            texts.REOPENED_NOTICE.format(code=ticket.code, level=level),
            now,
            ticket.grid_id,
        )
    return texts.RESIDENT_REOPENED.format(code=ticket.code, level=level)


def with_earlier_updates(handler: Handler) -> Handler:
    """Updates WeChat refused to deliver (the 48-hour window had closed) are shown the next
    time the resident writes, before the answer to what they wrote."""

    async def answer(session: AsyncSession, msg: Inbound, ports: Ports) -> str | None:
        reply = await handler(session, msg, ports)
        held = await _take_held(session, msg.sender)
        if not held:
            return reply
        return "\n\n".join([texts.EARLIER_UPDATES, *held, *([reply] if reply else [])])

    return answer


HELD_FOR = (
    select(OutboxMessage)  # built once: every resident message asks it
    .where(
        OutboxMessage.channel == "mp",
        OutboxMessage.recipient == bindparam("openid"),
        OutboxMessage.state == "held",
    )
    .order_by(OutboxMessage.id)
)


async def _take_held(session: AsyncSession, openid: str) -> list[str]:
    rows = list(await session.scalars(HELD_FOR, {"openid": openid}))
    for row in rows:
        row.state = "shown"
    return [row.body["text"] for row in rows[-SHOWN_AT_MOST:]]
