"""Who may touch which ticket: staff act only on tickets in their own units, and passing a
ticket on is for the people `MAY` names."""

from __future__ import annotations

from dataclasses import dataclass

from handlers import texts
from handlers.chat.verbs import Command
from handlers.errors import BadCommand, NotYourTicket, NotYourUnit, TicketNotFound
from storage.models import OrgUnit, Staff, Ticket
from storage.uow import UnitOfWork

DESK = "duty"  # the county's duty desk: sees every ticket of its county, placed or not


async def covers(uow: UnitOfWork, staff: Staff, ticket: Ticket) -> bool:
    """The staff member's unit is the ticket's grid or contains it; a ticket not placed in a
    grid is where it was sent (the duty desk's county), and any duty desk's until then."""
    where = ticket.grid_id or ticket.unit_id
    if where is None:
        return staff.has_role(DESK)
    return await covers_grid(uow, staff, where)


async def covers_grid(uow: UnitOfWork, staff: Staff, grid_id: int | None) -> bool:
    if grid_id is None:
        return False
    unit = await uow.org.unit(staff.unit_id)
    grid = await uow.org.unit(grid_id)
    return _within(grid.path, unit.path)


async def unit_within(uow: UnitOfWork, staff: Staff, word: str) -> OrgUnit | None:
    """The unit `word` names (a path, a name or a code), which must be the staff member's
    own unit or below it; None when no unit goes by that word."""
    found = await uow.org.units_called(word)
    if not found:
        return None
    own = await uow.org.unit(staff.unit_id)
    mine = [unit for unit in found if _within(unit.path, own.path)]
    if not mine:
        raise NotYourUnit(texts.UNIT_OUTSIDE_YOURS.format(unit=found[0].path, own=own.path))
    if len(mine) > 1:
        raise BadCommand(
            texts.UNIT_AMBIGUOUS.format(name=word, paths="、".join(u.path for u in mine))
        )
    return mine[0]


def _within(path: str, top: str) -> bool:
    return path == top or path.startswith(top + "/")


async def ticket_for(
    uow: UnitOfWork,
    staff: Staff,
    command: Command,
    verb: str,
    *,
    assignee_only: bool = False,
) -> Ticket:
    if not command.code:
        raise BadCommand(texts.NEED_CODE.format(verb=verb))
    ticket = await uow.tickets.by_code(command.code)
    if ticket is None:
        raise TicketNotFound(texts.TICKET_NOT_FOUND.format(code=command.code))
    if ticket.assignee_id == staff.id:
        return ticket
    if assignee_only:
        raise NotYourTicket(texts.NOT_YOUR_TICKET.format(code=ticket.code))
    if not await covers(uow, staff, ticket):
        raise NotYourTicket(texts.OUTSIDE_YOUR_UNITS.format(code=ticket.code))
    return ticket


@dataclass(frozen=True)
class May:
    """Who may do something to a ticket: its assignee (when `assignee`), and staff of `roles`
    whose unit covers the ticket."""

    assignee: bool
    roles: tuple[str, ...]


MAY = {
    "transfer": May(assignee=True, roles=("supervisor",)),  # 转派
    "escalate": May(assignee=True, roles=("supervisor",)),  # 上报
    "assign": May(assignee=False, roles=("supervisor", DESK)),  # 指派
}


async def ticket_to(
    uow: UnitOfWork, staff: Staff, command: Command, action: str, verb: str
) -> Ticket:
    """The command's ticket, when `staff` may do `action` to it; else a refusal naming who
    may."""
    rule = MAY[action]
    if not rule.assignee and not staff.has_role(*rule.roles):
        raise NotYourTicket(who_may(rule, verb))
    ticket = await ticket_for(uow, staff, command, verb)
    if await may(uow, staff, ticket, action):
        return ticket
    raise NotYourTicket(who_may(rule, verb))


async def may(uow: UnitOfWork, staff: Staff, ticket: Ticket, action: str) -> bool:
    """Whether `staff` may do `action` (a key of MAY) to the ticket."""
    rule = MAY[action]
    if rule.assignee and ticket.assignee_id == staff.id:
        return True
    return staff.has_role(*rule.roles) and await covers(uow, staff, ticket)


def who_may(rule: May, verb: str) -> str:
    who = [texts.WHO_MAY_ASSIGNEE] if rule.assignee else []
    who += [texts.ROLE_NAMES[role] for role in rule.roles]
    return texts.ONLY_WHO_MAY.format(who=texts.WHO_MAY_OR.join(who), verb=verb)


SUPERVISING = ("supervisor", DESK)  # who may 督办, 汇总, 超时


def require_supervisor(staff: Staff) -> None:
    """Supervisors, and the duty desk, who look over the whole county."""
    if not staff.has_role(*SUPERVISING):
        raise NotYourTicket(texts.NOT_SUPERVISOR)


async def successor(uow: UnitOfWork, ticket: Ticket, who: str, code: str) -> Staff:
    """The staff member named to take the ticket over, who must cover its grid."""
    found = await uow.people.find_staff(who)
    if not found:
        raise BadCommand(texts.STAFF_NOT_FOUND.format(who=who))
    if len(found) > 1:
        raise BadCommand(
            texts.STAFF_AMBIGUOUS.format(who=who, userids="、".join(s.userid for s in found))
        )
    if not await _near(uow, found[0], ticket):
        raise BadCommand(texts.STAFF_OUTSIDE_UNIT.format(name=found[0].name, code=code))
    return found[0]


async def _near(uow: UnitOfWork, staff: Staff, ticket: Ticket) -> bool:
    """Staff covering the ticket's village/community or anything in it (a neighbouring grid
    included: a report placed in the wrong grid can go across); for a ticket not placed yet,
    anyone in the county the duty desk has it for (its grid is then the taker's)."""
    if ticket.grid_id is None:
        return ticket.unit_id is not None and await _staff_below(uow, staff, ticket.unit_id)
    grid = await uow.org.unit(ticket.grid_id)
    village = grid.path.rsplit("/", 1)[0]
    unit = await uow.org.unit(staff.unit_id)
    return any(
        a == b or a.startswith(b + "/") for a, b in ((unit.path, village), (village, unit.path))
    )


async def _staff_below(uow: UnitOfWork, staff: Staff, unit_id: int) -> bool:
    """The staff member's unit is this unit or below it."""
    unit = await uow.org.unit(unit_id)
    own = await uow.org.unit(staff.unit_id)
    return own.path == unit.path or own.path.startswith(unit.path + "/")


async def overseers(uow: UnitOfWork, ticket: Ticket) -> list[Staff]:
    """The supervisors of the nearest centre over the ticket, at its level or above."""
    chain = (await uow.org.chain(ticket.grid_id))[ticket.level :]
    found = await uow.people.supervisors([unit.id for unit in chain])
    nearest = next((unit.id for unit in chain if any(s.unit_id == unit.id for s in found)), None)
    return [person for person in found if person.unit_id == nearest]


def require_text(command: Command, template: str, verb: str) -> str:
    if not command.rest:
        raise BadCommand(template.format(verb=verb, code=command.code))
    return command.rest
