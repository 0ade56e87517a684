"""A resident's report becomes a ticket: asked about when unsure, routed once placed."""

from __future__ import annotations

from datetime import datetime

from handlers import prompts, texts
from handlers.policy import Policy
from handlers.registry.collection import propose_change
from handlers.tickets import linking
from handlers.tickets.duty import to_desk
from handlers.tickets.lifecycle import record
from handlers.tickets.notify import tell_staff
from handlers.tickets.routing import assign, choose_assignee, open_ticket, route
from nlu.categories import category_name
from nlu.classifier import Prediction
from storage.models import Resident, Staff, Ticket
from storage.uow import UnitOfWork


async def submit(
    uow: UnitOfWork,
    resident: Resident,
    text: str,
    prediction: Prediction,
    now: datetime,
    policy: Policy,
) -> str:
    """A resident's report: linked to a neighbour's open ticket of the same problem, or a new
    ticket, asked about when the kind is unsure, else routed at once when the resident is
    placed. A new ticket is written once, already routed (one INSERT, no UPDATE)."""
    sure = prediction.confidence >= policy.choice_threshold or prediction.urgent
    same = sure and await linking.find(uow, resident, prediction.category, now, policy)
    if same:
        return with_guidance(prediction, await linking.link(uow, same, resident, text, now))
    asking = not sure and len(prediction.alternatives) > 1
    placed = None if asking else resident.grid_id
    routing = await choose_assignee(uow, placed, prediction.category)
    ticket = await open_ticket(
        uow,
        now,
        "resident",
        source="resident",
        resident_id=resident.id,
        category=prediction.category,
        text=text,
        urgent=prediction.urgent,
        must_attend=prediction.must_attend,
        lat=resident.lat,
        lon=resident.lon,
        place=resident.place,
        grid_id=placed,
        unit_id=placed,
        category_options=list(prediction.alternatives) if asking else None,
    )
    if asking:
        prompts.ask(resident, "category", now, arg=ticket.code)  # not written yet: no id
        return with_guidance(prediction, _ask_category(ticket.category_options))
    crisis = prediction.emergency_kind == "self_harm"
    if placed is None:
        return await _unplaced(uow, ticket, resident, prediction, now, policy)
    await propose_change(uow, ticket)
    alert = _may_alert(ticket, resident, now, policy, crisis=crisis)
    staff = await assign(uow, ticket, routing, now, policy, alert=alert)
    if prediction.emergency_kind == "self_harm":  # words for a person in crisis, no thanks
        handler = texts.CRISIS_HANDLER.format(handler=_who(staff)) if staff else None
        return texts.CRISIS_REPLY.format(next=handler or texts.CRISIS_NO_HANDLER)
    return with_guidance(prediction, _routed(ticket, staff))


async def _unplaced(
    uow: UnitOfWork,
    ticket: Ticket,
    resident: Resident,
    prediction: Prediction,
    now: datetime,
    policy: Policy,
) -> str:
    """A report with no location waits for one (the duty desk takes it after
    `locate_within`); an emergency or a person in crisis goes to the duty desk at once, which
    is alerted, and the reply asks for the location first."""
    crisis = prediction.emergency_kind == "self_harm"
    if not (ticket.urgent or crisis):
        return with_guidance(prediction, texts.REPORT_WAITING_FOR_LOCATION)
    alert = _may_alert(ticket, resident, now, policy, crisis=crisis) or crisis
    staff = await to_desk(uow, ticket, now, policy, alert=alert)
    if crisis:
        return texts.CRISIS_REPLY.format(next=texts.CRISIS_ASK_LOCATION)
    desk = texts.URGENT_AT_DESK.format(code=ticket.code, handler=_who(staff) if staff else "")
    return with_guidance(prediction, f"{texts.URGENT_ASK_LOCATION}\n{desk}")


def with_guidance(prediction: Prediction, reply: str) -> str:
    """A message of someone in danger (or maybe so) first says what to do now, fitted to the
    kind of emergency."""
    if prediction.risk == "none":
        return reply
    line = texts.EMERGENCY_LINES.get(prediction.emergency_kind, texts.URGENT_FIRST_LINE)
    return f"{line}\n{reply}"


async def choose(
    uow: UnitOfWork,
    ticket: Ticket,
    resident: Resident,
    number: int,
    now: datetime,
    policy: Policy,
) -> str:
    """The resident picked a category by number: the report goes out."""
    ticket.category = ticket.category_options[number - 1]
    ticket.category_options = None
    uow.add(record(ticket, "categorize", actor="resident", now=now, note=ticket.category))
    return await _dispatch(uow, ticket, resident, now, policy)


async def settle_choice(
    uow: UnitOfWork, ticket: Ticket, resident: Resident, now: datetime, policy: Policy
) -> str:
    """The resident wrote something else: the waiting report goes out as the likeliest kind."""
    ticket.category_options = None
    uow.add(record(ticket, "categorize", actor="system", now=now, note=ticket.category))
    if resident.grid_id is None:
        return texts.REPORT_WAITING_FOR_LOCATION
    staff = await _place_and_route(uow, ticket, resident, now, policy)
    return texts.CHOICE_SETTLED.format(line=_line(ticket, staff))


async def open_waiting(
    uow: UnitOfWork, ticket: Ticket, resident: Resident, now: datetime, policy: Policy
) -> str:
    """One line for a report that waited for the resident's location."""
    return _line(ticket, await _place_and_route(uow, ticket, resident, now, policy))


async def _dispatch(
    uow: UnitOfWork, ticket: Ticket, resident: Resident, now: datetime, policy: Policy
) -> str:
    if resident.grid_id is None:
        return texts.REPORT_WAITING_FOR_LOCATION
    return _routed(ticket, await _place_and_route(uow, ticket, resident, now, policy))


def _routed(ticket: Ticket, staff: Staff | None) -> str:
    name = category_name(ticket.category)
    if staff is None:
        return texts.REPORT_UNASSIGNED.format(code=ticket.code, category=name)
    return texts.REPORT_ROUTED.format(code=ticket.code, category=name, handler=_who(staff))


async def _place_and_route(
    uow: UnitOfWork, ticket: Ticket, resident: Resident, now: datetime, policy: Policy
) -> Staff | None:
    ticket.grid_id, ticket.level = resident.grid_id, 0
    ticket.lat, ticket.lon = ticket.lat or resident.lat, ticket.lon or resident.lon
    ticket.place = ticket.place or resident.place
    await propose_change(uow, ticket)
    desk = ticket.assignee  # the duty desk had it while the place was unknown
    staff = await route(uow, ticket, now, policy, alert=_may_alert(ticket, resident, now, policy))
    if desk is not None and staff is not None and staff.id != desk.id:
        note = texts.DESK_PLACED.format(code=ticket.code, name=staff.name)
        event = record(ticket, "placed", actor="resident", now=now, note=staff.userid)
        await tell_staff(uow, event, [desk], note, now, ticket.grid_id)
    return staff


def _may_alert(
    ticket: Ticket, resident: Resident, now: datetime, policy: Policy, crisis: bool = False
) -> bool:
    """At most one emergency alert to the centres per resident and `alert_gap`; a person in
    crisis (self-harm) alerts them every time."""
    if not ticket.urgent:
        return False
    recent = resident.alerted_at is not None and now - resident.alerted_at < policy.alert_gap
    if recent and not crisis:
        return False
    resident.alerted_at = now
    return True


def _ask_category(options: list[str]) -> str:
    lines = [f"{n}. {category_name(c)}" for n, c in enumerate(options, start=1)]
    return texts.ASK_CATEGORY.format(options="\n".join(lines))


def _line(ticket: Ticket, staff: Staff | None) -> str:
    return texts.PENDING_LINE.format(
        code=ticket.code,
        category=category_name(ticket.category),
        handler=_who(staff) if staff else texts.NOBODY_YET,
    )


def _who(staff: Staff) -> str:
    return f"{staff.name}（{texts.roles_named(staff.roles)}）"
