"""What a resident does to their own open ticket: add to it, or withdraw it."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import texts
from handlers.policy import Policy
from handlers.tickets.lifecycle import OPEN, record, transition
from handlers.tickets.notify import tell_staff
from handlers.tickets.routing import clip
from storage.models import Ticket
from storage.outbox import Message
from storage.uow import UnitOfWork

TOLD_ONCE_IN = timedelta(hours=1)  # the assignee hears of the first update within an hour
NOTE_CHARS = 500


async def add_update(uow: UnitOfWork, ticket: Ticket, text: str, now: datetime) -> None:
    """The resident's words join their open ticket; its assignee hears of them, but not of
    every repeat: only of the first update within `TOLD_ONCE_IN`."""
    told = any(
        event.action == "update" and now - event.at < TOLD_ONCE_IN
        for event in await uow.tickets.trail(ticket.id)
    )
    ticket.updated_at = now
    event = record(ticket, "update", actor="resident", now=now, note=clip(text, NOTE_CHARS))
    assignee = None if told else await uow.people.staff_by_id(ticket.assignee_id)
    if assignee is None:
        uow.add(event)
        return
    notice = texts.UPDATE_NOTICE.format(code=ticket.code, text=clip(text, 100))
    await tell_staff(uow, event, [assignee], notice, now, ticket.grid_id)


async def withdraw(
    uow: UnitOfWork,
    ticket: Ticket,
    reason: str | None,
    now: datetime,
    policy: Policy,
) -> None:
    """The resident takes their report back: it leaves every queue and deadline, and its
    assignee is told. Raises TransitionRefused unless it is open."""
    event = transition(ticket, "withdraw", actor="resident", now=now, policy=policy, note=reason)
    assignee = await uow.people.staff_by_id(ticket.assignee_id)
    if assignee is None:
        uow.add(event)
        return
    because = texts.WITHDRAWN_REASON.format(reason=clip(reason, 60)) if reason else ""
    notice = texts.WITHDRAWN_NOTICE.format(code=ticket.code, reason=because)
    await tell_staff(uow, event, [assignee], notice, now, ticket.grid_id)


async def withdraw_all_quietly(
    uow: UnitOfWork, tickets: list[Ticket], now: datetime, policy: Policy
) -> list[Message]:
    """The open tickets of a resident about to be forgotten are withdrawn; the notices to
    their assignees (codes only) are returned, to be written once the resident is gone, so
    that forgetting, which rewrites what was said about the tickets, leaves them readable."""
    notices = []
    for ticket in [t for t in tickets if t.state in OPEN]:
        uow.add(transition(ticket, "withdraw", actor="resident", now=now, policy=policy))
        assignee = await uow.people.staff_by_id(ticket.assignee_id)
        if assignee:
            notices.append(
                Message(
                    channel="work",
                    recipient=assignee.userid,
                    text=texts.WITHDRAWN_NOTICE.format(code=ticket.code, reason=""),
                    dedup_key=f"withdrawn:{ticket.id}:{assignee.userid}",
                    unit_id=ticket.grid_id,
                )
            )
    await uow.flush()
    return notices
