"""The resident's rating after resolution: satisfied closes, dissatisfied reopens one level up."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from handlers import texts
from handlers.policy import Policy
from handlers.tickets.escalation import escalate
from handlers.tickets.lifecycle import transition
from handlers.tickets.notify import tell_staff
from handlers.tickets.routing import CODE_PREFIX, route
from storage.models import Ticket
from storage.uow import UnitOfWork

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


async def rate(uow: UnitOfWork, ticket: Ticket, rating: str, now: datetime, policy: Policy) -> str:
    """The resident's rating: satisfied closes the ticket, dissatisfied reopens it."""
    ticket.rating = rating
    if rating != "dissatisfied":
        uow.add(transition(ticket, "close", actor="resident", now=now, policy=policy, note=rating))
        return texts.RESIDENT_RATED.format(code=ticket.code)
    level = await reopen(uow, ticket, now, policy)
    return texts.RESIDENT_REOPENED.format(code=ticket.code, level=level)


async def reopen_on_request(
    uow: UnitOfWork, ticket: Ticket, reason: str, now: datetime, policy: Policy
) -> str:
    """`重新打开 CODE 原因` from its first reporter: a closed (or resolved) ticket opens again
    one level up, as after 不满意, to be rated anew."""
    ticket.rating = ticket.closed_at = None
    note = f"{texts.REOPEN_NOTE}：{reason}" if reason else texts.REOPEN_NOTE
    shown = reason or texts.REOPEN_NOTE
    level = await reopen(
        uow,
        ticket,
        now,
        policy,
        note=note,
        template=texts.ESCALATION_REOPENED,
        told=texts.REOPENED_BY_RESIDENT,
        reason=shown,
    )
    return texts.RESIDENT_REOPENED_ON_REQUEST.format(code=ticket.code, level=level)


async def reopen(
    uow: UnitOfWork,
    ticket: Ticket,
    now: datetime,
    policy: Policy,
    *,
    note: str = "不满意",
    template: str = texts.ESCALATION_DISSATISFIED,
    told: str = texts.REOPENED_NOTICE,
    **extra: str,
) -> str:
    """The ticket opens again at its assignee (routed anew if they are now off duty) and
    climbs one level, whose name is returned; `template` tells that level, `told` the
    assignee (both filled with `extra` too)."""
    event = transition(ticket, "reopen", actor="resident", now=now, policy=policy, note=note)
    uow.add(event)
    ticket.accepted_at = ticket.resolved_at = None
    if ticket.assignee and not ticket.assignee.active:
        unit_id, gone = ticket.unit_id, ticket.assignee
        ticket.assignee_id, ticket.assignee = None, None
        await route(uow, ticket, now, policy, exclude=gone)
        ticket.unit_id = unit_id
    level = await escalate(
        uow,
        ticket,
        now=now,
        policy=policy,
        actor="resident",
        template=template,
        note="居民不满意",
        **extra,
    )
    if ticket.assignee:
        await tell_staff(
            uow,
            event,
            [ticket.assignee],
            told.format(code=ticket.code, level=level, **extra),
            now,
            ticket.grid_id,
        )
    return level
