"""Staff on WeCom: chat commands, and the photos and locations that follow them (going off
duty and back is handlers/roster.py)."""

from __future__ import annotations

from handlers import texts
from handlers.chat import desk, notices, supervise
from handlers.chat.verbs import parse
from handlers.console.sessions import console_link
from handlers.errors import DomainError
from handlers.inbound import Inbound
from handlers.ports import Ports
from handlers.registry import lookup
from handlers.rhythm import patrols, visits
from handlers.tickets.lifecycle import record
from storage.models import Attachment, Staff
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
    extra = texts.SUPERVISOR_HELP if staff.has_role("supervisor", "duty") else ""
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
