"""Routing is data: (org unit, category) → role → staff, inherited down the tree."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from handlers import texts
from handlers.policy import Policy
from handlers.tickets.lifecycle import record, transition
from handlers.tickets.notify import tell_staff
from nlu.categories import category_name
from storage.kept import Unit
from storage.models import OrgUnit, Staff, Ticket
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
CODE_PREFIX = "GB-"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 5
FALLBACK_ROLES = ("grid_worker", "supervisor")
DESK_ROLES = ("duty", "supervisor")  # the county's duty desk, else its supervisor
NOTICE_TEXT_CHARS = 400  # a WeCom text message holds at most 2048 bytes


@dataclass(frozen=True)
class Routing:
    """Where a ticket goes: its grid and the units above (nearest first; plain values when
    routing kept them) and the person who takes it (None: nobody can)."""

    chain: list[OrgUnit | Unit]
    staff: Staff | None

    @property
    def grid(self) -> OrgUnit | None:
        return self.chain[0] if self.chain else None


CODES_AT_ONCE = 50  # codes drawn and checked in one query


def _drawn_codes() -> list[str]:
    return [
        CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        for _ in range(CODES_AT_ONCE)
    ]


async def open_ticket(
    uow: UnitOfWork, now: datetime, actor: str, note: str | None = None, **fields
) -> Ticket:
    """A new ticket with its code and the first line of its trail, written at the next flush
    together with whatever else happens to it in this unit of work."""
    ticket = Ticket(
        code=await uow.tickets.spare_code(_drawn_codes),
        state="new",
        created_at=now,
        updated_at=now,
        **fields,
    )
    uow.add(ticket, record(ticket, "create", actor=actor, now=now, note=note))
    return ticket


async def choose_assignee(
    uow: UnitOfWork, grid_id: int | None, category: str, exclude: Staff | None = None
) -> Routing:
    """The routed role nearest the grid, else the grid worker, else a supervisor above;
    never `exclude` (who just gave the ticket back)."""
    if grid_id is None:
        return Routing([], None)
    chain, role = await uow.org.routing_of(grid_id, category)  # kept between messages
    roles = ((role,) if role else ()) + FALLBACK_ROLES
    found = await uow.people.least_busy([unit.id for unit in chain], roles, exclude)
    staff = next(
        (found[u.id, wanted] for wanted in roles for u in chain if (u.id, wanted) in found),
        None,
    )
    return Routing(chain, staff)


async def desk_routing(uow: UnitOfWork, policy: Policy, exclude: Staff | None = None) -> Routing:
    """The county's duty desk: its least busy member on duty (else a county supervisor)."""
    county = await uow.org.county(policy.duty_unit)
    if county is None:
        return Routing([], None)
    found = await uow.people.least_busy([county.id], DESK_ROLES, exclude)
    staff = next(
        (found[county.id, role] for role in DESK_ROLES if (county.id, role) in found), None
    )
    return Routing([county], staff)


async def assign(
    uow: UnitOfWork,
    ticket: Ticket,
    routing: Routing,
    now: datetime,
    policy: Policy,
    alert: bool = True,
) -> Staff | None:
    """Give the ticket to the chosen person and tell them on WeCom; None when nobody can
    take it. An urgent ticket also alerts the centres, unless `alert` is false (its
    reporter's emergency alerted them a moment ago)."""
    ticket.unit_id = routing.grid.id if routing.grid else ticket.grid_id
    staff = routing.staff
    if staff is None:
        log.warning("no staff to route ticket %s in unit %s", ticket.code, ticket.grid_id)
    else:
        ticket.assignee_id, ticket.assignee = staff.id, staff
        event = transition(
            ticket, "assign", actor="system", now=now, note=staff.userid, policy=policy
        )
        notice = staff_notice(ticket, routing.grid)
        await tell_staff(uow, event, [staff], notice, now, ticket.grid_id, urgent=ticket.urgent)
    if ticket.urgent and ticket.grid_id is not None and routing.chain and alert:
        await alert_centres(uow, ticket, routing.chain, staff, now)
    return staff


async def route(
    uow: UnitOfWork,
    ticket: Ticket,
    now: datetime,
    policy: Policy,
    exclude: Staff | None = None,
    alert: bool = True,
) -> Staff | None:
    """Route a ticket anew (given back, transferred, reopened, categorised late); one not
    placed in a grid goes to the duty desk."""
    if ticket.grid_id is None:
        routing = await desk_routing(uow, policy, exclude)
    else:
        routing = await choose_assignee(uow, ticket.grid_id, ticket.category, exclude)
    return await assign(uow, ticket, routing, now, policy, alert=alert)


async def alert_centres(
    uow: UnitOfWork,
    ticket: Ticket,
    chain: list[OrgUnit | Unit],
    handler: Staff | None,
    now: datetime,
) -> None:
    """An emergency goes at once to the village and township centres' supervisors."""
    grid = chain[0]
    units = [u.id for u in chain if u.level in ("village", "township")]
    supervisors = await uow.people.supervisors(units)
    text = texts.STAFF_URGENT_ALERT.format(
        code=ticket.code,
        category=category_name(ticket.category),
        place=grid.path,
        text=clip(ticket.text),
        handler=handler.name if handler else texts.NOBODY_YET,
    )
    event = record(
        ticket, "alert", actor="system", now=now, note=",".join(s.userid for s in supervisors)
    )
    await tell_staff(uow, event, supervisors, text, now, grid.id, urgent=True)


def staff_notice(ticket: Ticket, grid: OrgUnit | Unit | None) -> str:
    place = " ".join(part for part in (grid.path if grid else "", ticket.place or "") if part)
    return texts.STAFF_NEW_TICKET.format(
        code=ticket.code,
        urgent=texts.STAFF_URGENT_MARK if ticket.urgent else "",
        category=category_name(ticket.category),
        place=place or "未知",
        text=clip(ticket.text),
        attend=(texts.STAFF_MUST_ATTEND.format(code=ticket.code) if ticket.must_attend else "")
        + (
            texts.STAFF_COLLECT_HINT.format(code=ticket.code)
            if ticket.category == "info_collection"
            else ""
        )
        + (texts.STAFF_UNPLACED_HINT.format(code=ticket.code) if ticket.grid_id is None else ""),
    )


def clip(text: str, limit: int = NOTICE_TEXT_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
