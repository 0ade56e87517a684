"""The console's staff pages: the org tree within the visitor's scope with each unit's people
(phones masked), and a supervisor's changes to the people below them — add, change roles,
move, off duty and back (handlers/roster.py, as the CLI does). Scope as for tickets: a
supervisor (or the duty desk) sees their unit's subtree, anyone else their own unit, read
only; only supervisors change anyone, never themselves. A person or unit out of sight is not
found, and that attempt is audited like every change."""

from __future__ import annotations

from dataclasses import dataclass

from handlers import texts
from handlers.errors import DomainError, TicketNotFound
from handlers.masking import mask_phone
from handlers.ports import Ports
from handlers.scope import SUPERVISING
from storage.importer import LEVELS
from storage.models import OrgUnit, Staff
from storage.uow import UnitOfWork

LEVELS_SHOWN = 3  # the unit and two levels below it; deeper units open with a click
MAX_UNITS = 500
MANAGER = "supervisor"


class StaffNotFound(TicketNotFound):
    """A person or unit outside the visitor's scope: a 404, as a ticket out of sight is."""


class Refusal(DomainError):
    """A change the form asked for that is not made; the flash says why."""


@dataclass(frozen=True)
class Person:
    userid: str
    name: str
    phone: str  # masked
    roles: tuple[str, ...]
    roles_named: str
    unit_id: int
    unit: str
    on_duty: bool


@dataclass(frozen=True)
class UnitRow:
    id: int
    name: str
    path: str
    depth: int  # below the tree's top
    people: list[Person]


@dataclass(frozen=True)
class Tree:
    top: OrgUnit
    parent_id: int | None  # the unit above, when still in scope
    units: list[UnitRow]
    manages: bool
    choices: list[OrgUnit]  # where a person may be added or moved


@dataclass(frozen=True)
class PersonPage:
    person: Person
    manages: bool  # the visitor may change this person
    choices: list[OrgUnit]


def manages(staff: Staff) -> bool:
    return staff.has_role(MANAGER)


async def scope_of(uow: UnitOfWork, staff: Staff) -> tuple[OrgUnit, bool]:
    """The visitor's unit, and whether they see below it (supervisors and the desk)."""
    return await uow.org.unit(staff.unit_id), staff.has_role(*SUPERVISING)


def within(unit: OrgUnit, top: OrgUnit, below: bool) -> bool:
    return unit.path == top.path or (below and unit.path.startswith(top.path + "/"))


async def org_tree(uow: UnitOfWork, staff: Staff, unit_id: int | None, ports: Ports) -> Tree:
    own, below = await scope_of(uow, staff)
    top = own if unit_id is None else await _unit_in_scope(uow, staff, unit_id, ports)
    levels = LEVELS[LEVELS.index(top.level) : LEVELS.index(top.level) + LEVELS_SHOWN]
    units = await uow.org.units_under(top.path, levels, MAX_UNITS) if below else [top]
    people = await uow.people.staff_of_units([unit.id for unit in units])
    by_unit: dict[int, list[Person]] = {}
    for person in people:
        by_unit.setdefault(person.unit_id, []).append(_person(person, _path(units, person)))
    depth = top.path.count("/")
    rows = [
        UnitRow(u.id, u.name, u.path, u.path.count("/") - depth, by_unit.get(u.id, []))
        for u in units
    ]
    parent = top.parent_id if top.id != own.id else None
    return Tree(top, parent, rows, manages(staff), await _choices(uow, staff))


async def person_page(uow: UnitOfWork, staff: Staff, userid: str, ports: Ports) -> PersonPage:
    person, unit = await person_in_scope(uow, staff, userid, "staff_view", ports)
    may = manages(staff) and person.id != staff.id
    choices = await _choices(uow, staff) if may else []
    return PersonPage(_person(person, unit.path), may, choices)


async def _choices(uow: UnitOfWork, staff: Staff) -> list[OrgUnit]:
    if not manages(staff):
        return []
    own = await uow.org.unit(staff.unit_id)
    return await uow.org.units_under(own.path, LEVELS, MAX_UNITS)


def _person(person: Staff, unit: str) -> Person:
    return Person(
        person.userid,
        person.name,
        mask_phone(person.phone),
        person.roles,
        texts.roles_named(person.roles),
        person.unit_id,
        unit,
        person.active,
    )


def _path(units: list[OrgUnit], person: Staff) -> str:
    return next((unit.path for unit in units if unit.id == person.unit_id), "")


async def _unit_in_scope(uow: UnitOfWork, staff: Staff, unit_id: int, ports: Ports) -> OrgUnit:
    own, below = await scope_of(uow, staff)
    unit = await uow.org.unit(unit_id)
    if unit is None or not within(unit, own, below):
        _refused(uow, staff, "staff_view", f"unit:{unit_id}", ports)
    return unit


async def person_in_scope(
    uow: UnitOfWork, staff: Staff, userid: str, action: str, ports: Ports
) -> tuple[Staff, OrgUnit]:
    """The person `userid`, on duty or not, when in the visitor's scope; else not found."""
    userid = userid[:64]
    own, below = await scope_of(uow, staff)
    person = await uow.people.staff(userid, off_duty_too=True)
    unit = await uow.org.unit(person.unit_id) if person else None
    if person is None or not within(unit, own, below):
        _refused(uow, staff, action, userid, ports)
    return person, unit


def _refused(uow: UnitOfWork, staff: Staff, action: str, target: str, ports: Ports) -> None:
    actor, now = f"staff:{staff.userid}", ports.clock.now()
    uow.registry.audit(actor, action, target, "console: staff pages", now, "refused")
    raise StaffNotFound(texts.CONSOLE_STAFF_NOT_FOUND)
