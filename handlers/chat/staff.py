"""Staff on WeCom: chat commands, and the photos and locations that follow them; and staff
going off duty, whose open tickets go to someone else."""

from __future__ import annotations

from datetime import datetime

from handlers import texts
from handlers.chat import desk, notices, supervise
from handlers.chat.verbs import parse
from handlers.console.sessions import console_link
from handlers.errors import DomainError
from handlers.inbound import Inbound
from handlers.policy import Policy
from handlers.ports import Ports
from handlers.registry import lookup
from handlers.rhythm import patrols, visits
from handlers.scope import overseers
from handlers.tickets.escalation import escalate
from handlers.tickets.lifecycle import record, transition
from handlers.tickets.notify import tell_reporters, tell_staff
from handlers.tickets.routing import route
from nlu.categories import category_name
from storage.models import Attachment, Staff, Ticket, TicketEvent
from storage.uow import UnitOfWork

COMMANDS = {
    "accept": desk.accept,
    "arrive": desk.arrive,
    "resolve": desk.resolve,
    "transfer": desk.transfer,
    "escalate": desk.escalate_up,
    "give_back": desk.give_back,
    "my_tickets": desk.my_tickets,
    "show": desk.show,
    "summary": supervise.summary,
    "overdue": supervise.overdue,
    "urge": supervise.urge,
    "assign": supervise.assign,
    "household": lookup.show_household,
    "find_household": lookup.find_households,
    "collect": lookup.confirm_change,
    "patrol_start": patrols.start,
    "patrol_end": patrols.finish,
    "patrol_history": patrols.history,
    "visit": visits.record_visit,
    "visit_history": visits.visit_history,
    "notice": notices.send_notice,
    "console": console_link,
}


async def on_staff_text(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str:
    staff = await uow.people.staff(msg.sender)
    if staff is None:
        return await not_on_duty(uow, msg.sender)
    command = parse(msg.text)
    if command is None:
        return texts.NOT_UNDERSTOOD + help_for(staff)
    if command.verb == "help":
        return help_for(staff)
    try:
        return await COMMANDS[command.verb](uow, staff, command, ports)
    except DomainError as refusal:
        return str(refusal)


async def not_on_duty(uow: UnitOfWork, userid: str) -> str:
    """What someone not on duty hears, whatever they asked: nothing of tickets or the lookup."""
    known = await uow.people.staff(userid, off_duty_too=True)
    return texts.STAFF_OFF_DUTY if known else texts.STAFF_NOT_REGISTERED


def help_for(staff: Staff) -> str:
    extra = texts.SUPERVISOR_HELP if staff.role in ("supervisor", "duty") else ""
    return texts.STAFF_HELP + extra


async def on_staff_image(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str:
    """A photo joins the resolution or the visit just recorded (within the window)."""
    staff = await uow.people.staff(msg.sender)
    if staff is None:
        return await not_on_duty(uow, msg.sender)
    now = ports.clock.now()
    ticket = await uow.tickets.latest_of_staff(staff.id, "resolved")
    if ticket is not None and now - ticket.resolved_at <= ports.policy.photo_window:
        uow.add(
            Attachment(
                ticket_id=ticket.id,
                kind="image",
                media_id=msg.media_id,
                url=msg.pic_url,
                created_at=now,
            )
        )
        uow.add(record(ticket, "attach", actor=f"staff:{staff.userid}", now=now, note="image"))
        return texts.STAFF_PHOTO_ATTACHED.format(code=ticket.code)
    return await visits.attach_to_visit(uow, staff, msg, ports) or texts.STAFF_PHOTO_UNMATCHED


async def on_staff_location(uow: UnitOfWork, msg: Inbound, ports: Ports) -> str | None:
    """A location is a patrol's track point, else joins a visit just recorded, else the trail
    of the ticket the worker is on site for."""
    staff = await uow.people.staff(msg.sender)
    if staff is None or msg.lat is None:
        return None
    tracked = await patrols.keep_track(uow, staff, msg, ports)
    if tracked:
        return tracked
    kept = await visits.attach_to_visit(uow, staff, msg, ports)
    if kept:
        return kept
    ticket = await uow.tickets.latest_of_staff(staff.id, "on_site")
    if ticket is None:
        return None
    note = f"{msg.lat:.6f},{msg.lon:.6f} {msg.label}".strip()
    uow.add(
        record(ticket, "location", actor=f"staff:{staff.userid}", now=ports.clock.now(), note=note)
    )
    return texts.STAFF_LOCATION_NOTED.format(code=ticket.code)


async def go_off_duty(
    uow: UnitOfWork, person: Staff, by: str, now: datetime, policy: Policy
) -> list[Ticket]:
    """`person` goes off duty (`by` Staff.BY_OPERATOR or BY_IMPORT); their open tickets,
    returned, go to someone else."""
    person.active, person.off_duty_by = False, by
    await uow.flush()
    await uow.outbox.withdraw("work", person.userid)  # they see nothing more
    await uow.console.end_sessions(person.id, now)  # nor the web console
    return await pass_on_tickets(uow, person, now, policy)


def come_on_duty(person: Staff) -> None:
    person.active, person.off_duty_by = True, None


async def pass_on_tickets(
    uow: UnitOfWork, person: Staff, now: datetime, policy: Policy
) -> list[Ticket]:
    """Each open ticket of someone now off duty is routed again without them, or escalated
    when nobody can take it; the ticket's supervisors hear where it went."""
    tickets = await uow.tickets.of_staff(person.id)
    for ticket in tickets:
        event = transition(
            ticket,
            "transfer",
            actor="system",
            now=now,
            policy=policy,
            note=texts.OFF_DUTY_NOTE.format(userid=person.userid),
        )
        uow.add(event)  # on the trail before what routing or escalation adds
        ticket.assignee_id, ticket.accepted_at = None, None
        await _route_again(uow, ticket, person, event, now, policy)
    return tickets


async def _route_again(
    uow: UnitOfWork,
    ticket: Ticket,
    person: Staff,
    event: TicketEvent,
    now: datetime,
    policy: Policy,
) -> None:
    unit_id = ticket.unit_id
    target = await route(uow, ticket, now, policy, exclude=person)
    ticket.unit_id = unit_id  # it keeps the level it had reached
    if target is None:
        await escalate(
            uow,
            ticket,
            now=now,
            policy=policy,
            actor="system",
            template=texts.ESCALATION_OFF_DUTY,
            note=event.note,
            name=person.name,
        )
        return
    moved = texts.OFF_DUTY_MOVED.format(
        old=person.name, code=ticket.code, new=target.name, category=category_name(ticket.category)
    )
    await tell_staff(uow, event, await overseers(uow, ticket), moved, now, ticket.grid_id)
    told = texts.RESIDENT_REROUTED.format(code=ticket.code, handler=desk.title(target))
    await tell_reporters(uow, ticket, event, told, now)
