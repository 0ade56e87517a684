"""The county's duty desk (值班): a report nobody could route, for want of a location or of
staff, goes there with the normal deadlines; an urgent one at once, with the county's
supervisors alerted."""

from __future__ import annotations

from datetime import datetime

from handlers import texts
from handlers.policy import Policy
from handlers.tickets.escalation import TOP_LEVEL
from handlers.tickets.lifecycle import record
from handlers.tickets.notify import tell_staff
from handlers.tickets.routing import assign, clip, desk_routing
from nlu.categories import category_name
from storage.models import OrgUnit, Staff, Ticket
from storage.uow import UnitOfWork


async def to_desk(
    uow: UnitOfWork,
    ticket: Ticket,
    now: datetime,
    policy: Policy,
    *,
    alert: bool = False,
    exclude: Staff | None = None,
) -> Staff | None:
    """Give the ticket to the duty desk; with `alert`, the desk (and, when urgent, the
    supervisors of the whole county) hear of it at once."""
    routing = await desk_routing(uow, policy, exclude)
    ticket.level = TOP_LEVEL
    staff = await assign(uow, ticket, routing, now, policy, alert=False)
    if alert and routing.grid is not None:
        await alert_desk(uow, ticket, routing.grid, staff, now)
    return staff


async def alert_desk(
    uow: UnitOfWork, ticket: Ticket, county: OrgUnit, handler: Staff | None, now: datetime
) -> None:
    """An emergency nobody can place: every member of the duty desk and, when urgent, every
    supervisor in the county is told at once."""
    people = await uow.people.of_role([county.id], "duty")
    if ticket.urgent:
        people += await uow.people.supervisors(await uow.org.subtree_ids(county.id))
    people = [
        p for p in {p.id: p for p in people}.values() if handler is None or p.id != handler.id
    ]
    text = texts.STAFF_UNPLACED_ALERT.format(
        code=ticket.code,
        category=category_name(ticket.category),
        text=clip(ticket.text),
        handler=handler.name if handler else texts.NOBODY_YET,
    )
    event = record(
        ticket, "alert", actor="system", now=now, note=",".join(p.userid for p in people)
    )
    await tell_staff(uow, event, people, text, now, county.id, urgent=True)
