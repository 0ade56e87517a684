"""How a ticket reads to staff: its details, its trail and how late it is."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import texts
from handlers.calendar import SHANGHAI
from handlers.masking import mask_text
from handlers.tickets.routing import clip
from nlu.categories import category_name
from storage.models import Ticket, TicketEvent
from storage.uow import UnitOfWork

DETAIL_TEXT_CHARS = 300  # of the report, in `工单 CODE`; the trail follows


def local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%m-%d %H:%M")


def lateness(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} 分钟"
    if minutes < 60 * 24:
        return f"{minutes // 60} 小时"
    return f"{minutes // (60 * 24)} 天"


async def ticket_detail(uow: UnitOfWork, ticket: Ticket, masked: bool = True) -> str:
    """The ticket as staff read it; `masked`: phone and ID numbers in what residents and staff
    wrote are masked, for whoever does not handle it."""
    shown = mask_text if masked else str
    assignee = await uow.people.staff_by_id(ticket.assignee_id)
    deadline = (
        f"{texts.DEADLINE_NAMES[ticket.deadline_kind]} {local(ticket.deadline_at)} 前"
        if ticket.deadline_at
        else texts.NO_DEADLINE
    )
    head = texts.TICKET_DETAIL.format(
        code=ticket.code,
        category=category_name(ticket.category),
        urgent=texts.STAFF_URGENT_MARK if ticket.urgent else "",
        state=texts.STATE_NAMES.get(ticket.state, ticket.state),
        level=texts.LEVEL_NAMES[ticket.level],
        handler=f"{assignee.name}（{assignee.userid}）" if assignee else texts.NOBODY_YET,
        place=" ".join(filter(None, (ticket.grid.path if ticket.grid else "", ticket.place))),
        text=clip(shown(ticket.text), DETAIL_TEXT_CHARS),
        deadline=deadline,
        overdue=_overdue(ticket),
    )
    lines = [head, *await trail_lines(uow, ticket, masked)]
    return "\n".join([*lines, texts.TICKET_MASKED] if masked else lines)


def _overdue(ticket: Ticket) -> str:
    """The late step, since when and at which level it went late (kept through escalation)."""
    if ticket.overdue_since is None:
        return ""
    return texts.TICKET_OVERDUE.format(
        what=texts.DEADLINE_NAMES.get(ticket.overdue_kind, ticket.overdue_kind or ""),
        since=local(ticket.overdue_since),
        level=texts.LEVEL_NAMES.get(ticket.overdue_level or 0, ""),
    )


async def trail_lines(uow: UnitOfWork, ticket: Ticket, masked: bool = True) -> list[str]:
    shown = mask_text if masked else str
    return [
        texts.TRAIL_LINE.format(
            at=local(e.at),
            actor=actor_name(e.actor),
            action=texts.TRAIL_ACTIONS.get(e.action, e.action),
            note=f"：{shown(e.note)}" if e.note else "",
        )
        for e in await trail_events(uow, ticket)
    ]


async def trail_events(uow: UnitOfWork, ticket: Ticket) -> list[TicketEvent]:
    return await uow.tickets.trail(ticket.id)


def actor_name(actor: str) -> str:
    kind, _, who = actor.partition(":")
    return {"staff": who, "resident": "居民", "system": "系统"}.get(kind, actor)
