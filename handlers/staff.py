"""Staff on WeCom: chat commands, and the photos and locations that follow them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import desk, patrols, registry, supervise, texts, visits
from handlers.commands import parse
from handlers.errors import DomainError
from handlers.inbound import Inbound
from handlers.lifecycle import record
from handlers.ports import Ports
from storage import repos
from storage.models import Attachment, Staff, Ticket

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
    "household": registry.show_household,
    "find_household": registry.find_households,
    "collect": registry.confirm_change,
    "patrol_start": patrols.start,
    "patrol_end": patrols.finish,
    "patrol_history": patrols.history,
    "visit": visits.record_visit,
}


async def on_staff_text(session: AsyncSession, msg: Inbound, ports: Ports) -> str:
    staff = await repos.staff_by_userid(session, msg.sender)
    if staff is None:
        return texts.STAFF_NOT_REGISTERED
    command = parse(msg.text)
    if command is None:
        return texts.NOT_UNDERSTOOD + help_for(staff)
    if command.verb == "help":
        return help_for(staff)
    try:
        return await COMMANDS[command.verb](session, staff, command, ports)
    except DomainError as refusal:
        return str(refusal)


def help_for(staff: Staff) -> str:
    extra = texts.SUPERVISOR_HELP if staff.role == "supervisor" else ""
    return texts.STAFF_HELP + extra


async def on_staff_image(session: AsyncSession, msg: Inbound, ports: Ports) -> str:
    """A photo joins the resolution or the visit just recorded (within the window)."""
    staff = await repos.staff_by_userid(session, msg.sender)
    if staff is None:
        return texts.STAFF_NOT_REGISTERED
    now = ports.clock.now()
    ticket = await _latest(session, staff, "resolved", Ticket.resolved_at)
    if ticket is not None and now - ticket.resolved_at <= ports.policy.photo_window:
        session.add(Attachment(ticket_id=ticket.id, kind="image", media_id=msg.media_id,
                               url=msg.pic_url, created_at=now))
        session.add(record(ticket, "attach", actor=f"staff:{staff.userid}", now=now,
                           note="image"))
        return texts.STAFF_PHOTO_ATTACHED.format(code=ticket.code)
    return await visits.attach_to_visit(session, staff, msg, ports) or \
        texts.STAFF_PHOTO_UNMATCHED


async def on_staff_location(session: AsyncSession, msg: Inbound, ports: Ports) -> str | None:
    """A location is a patrol's track point, else joins a visit just recorded, else the trail
    of the ticket the worker is on site for."""
    staff = await repos.staff_by_userid(session, msg.sender)
    if staff is None or msg.lat is None:
        return None
    tracked = await patrols.keep_track(session, staff, msg, ports)
    if tracked:
        return tracked
    kept = await visits.attach_to_visit(session, staff, msg, ports)
    if kept:
        return kept
    ticket = await _latest(session, staff, "on_site", Ticket.on_site_at)
    if ticket is None:
        return None
    note = f"{msg.lat:.6f},{msg.lon:.6f} {msg.label}".strip()
    session.add(record(ticket, "location", actor=f"staff:{staff.userid}",
                       now=ports.clock.now(), note=note))
    return texts.STAFF_LOCATION_NOTED.format(code=ticket.code)


async def _latest(session: AsyncSession, staff: Staff, state: str, column) -> Ticket | None:
    query = select(Ticket).where(Ticket.assignee_id == staff.id, Ticket.state == state)
    return await session.scalar(query.order_by(column.desc()).limit(1))

