"""A supervisor's changes to the people below them, from the console's staff pages: add a
person, change their roles, move them to another unit within scope, take them off duty or
bring them back (handlers/roster.py, the very use cases of `gridbot staff`). Each attempt is
audited, allowed or refused, under the supervisor's userid; the answer is the page's flash.

Open tickets stay with whoever holds them when roles or units change (routing asks again
only for new tickets); taking someone off duty is what passes their tickets on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from handlers import texts
from handlers.console.actions import Outcome
from handlers.console.staff import Refusal, manages, person_in_scope, scope_of, within
from handlers.ports import Ports
from handlers.roster import Change, audit, come_on_duty, go_off_duty
from handlers.scope import DESK
from storage.importer import PHONE, ROLES, USERID
from storage.models import OrgUnit, Staff, join_roles
from storage.uow import UnitOfWork

NAME_LENGTH = 64
ADDED = "staff_add"


@dataclass(frozen=True)
class Asked:
    """What the form sent: its fields, and the roles ticked."""

    fields: Mapping[str, str]
    roles: list[str]

    def get(self, name: str) -> str:
        return " ".join(str(self.fields.get(name, "")).split())[:200]


Step = Callable[[UnitOfWork, Staff, Staff, Asked, Change, Ports], Awaitable[str]]


async def change(
    uow: UnitOfWork, staff: Staff, userid: str, action: str, asked: Asked, ports: Ports
) -> Outcome:
    """`action` (a key of STEPS) on the person `userid`, who must be in the visitor's scope
    (else not found, audited)."""
    audited, step = STEPS[action]
    person, _ = await person_in_scope(uow, staff, userid, audited, ports)
    how = Change(f"staff:{staff.userid}", f"console: {action}", ports.clock.now())
    try:
        if not manages(staff):
            raise Refusal(texts.STAFF_ONLY_SUPERVISORS)
        if person.id == staff.id:
            raise Refusal(texts.STAFF_NOT_YOURSELF)
        text = await step(uow, staff, person, asked, how, ports)
    except Refusal as refusal:
        _refused(uow, how, audited, person.userid)
        return Outcome(person.userid, str(refusal), done=False)
    return Outcome(person.userid, text, done=True)


async def change_roles(
    uow: UnitOfWork, staff: Staff, person: Staff, asked: Asked, how: Change, ports: Ports
) -> str:
    unit = await uow.org.unit(person.unit_id)
    person.role = _roles(asked.roles, unit)
    audit(uow, how, "staff_roles", person, person.role)
    named = texts.roles_named(person.roles)
    return texts.STAFF_ROLES_CHANGED.format(name=person.name, roles=named)


async def move(
    uow: UnitOfWork, staff: Staff, person: Staff, asked: Asked, how: Change, ports: Ports
) -> str:
    unit = await _unit_to(uow, staff, asked.get("unit"))
    _roles(person.roles, unit)  # the desk stays at the county
    person.unit_id = unit.id
    audit(uow, how, "staff_move", person, f"unit:{unit.id}")
    return texts.STAFF_MOVED.format(name=person.name, unit=unit.path)


async def take_off(
    uow: UnitOfWork, staff: Staff, person: Staff, asked: Asked, how: Change, ports: Ports
) -> str:
    """Off duty as `gridbot staff off-duty` takes them: until someone brings them back."""
    if not person.active:
        return texts.STAFF_ALREADY_OFF.format(name=person.name)
    moved = await go_off_duty(uow, person, Staff.BY_OPERATOR, how, ports.policy)
    return texts.STAFF_TAKEN_OFF.format(name=person.name, count=len(moved))


async def bring_back(
    uow: UnitOfWork, staff: Staff, person: Staff, asked: Asked, how: Change, ports: Ports
) -> str:
    if person.active:
        return texts.STAFF_ALREADY_ON.format(name=person.name)
    come_on_duty(uow, person, how)
    return texts.STAFF_BROUGHT_BACK.format(name=person.name)


STEPS: dict[str, tuple[str, Step]] = {  # the URL's action: the audit's action, the step
    "roles": ("staff_roles", change_roles),
    "move": ("staff_move", move),
    "off-duty": ("off_duty", take_off),
    "on-duty": ("on_duty", bring_back),
}


async def add_person(uow: UnitOfWork, staff: Staff, asked: Asked, ports: Ports) -> Outcome:
    """A new person, on duty, in a unit within the supervisor's scope."""
    userid = asked.get("userid")
    how = Change(f"staff:{staff.userid}", "console: add", ports.clock.now())
    try:
        if not manages(staff):
            raise Refusal(texts.STAFF_ONLY_SUPERVISORS)
        person, unit = await _new_person(uow, staff, asked)
    except Refusal as refusal:
        _refused(uow, how, ADDED, userid[:64] or "-")
        return Outcome("", str(refusal), done=False)
    audit(uow, how, ADDED, person, f"unit:{unit.id} {person.role}")
    text = texts.STAFF_ADDED.format(
        name=person.name, roles=texts.roles_named(person.roles), unit=unit.path
    )
    return Outcome(person.userid, text, done=True)


async def _new_person(uow: UnitOfWork, staff: Staff, asked: Asked) -> tuple[Staff, OrgUnit]:
    userid, name, phone = asked.get("userid"), asked.get("name"), asked.get("phone")
    phone = phone.replace(" ", "")
    if not USERID.match(userid):
        raise Refusal(texts.STAFF_USERID_BAD)
    if not name or len(name) > NAME_LENGTH:
        raise Refusal(texts.STAFF_NAME_BAD)
    if not PHONE.match(phone):
        raise Refusal(texts.STAFF_PHONE_BAD)
    unit = await _unit_to(uow, staff, asked.get("unit"))
    role = _roles(asked.roles, unit)
    if await uow.people.staff(userid, off_duty_too=True) is not None:
        raise Refusal(texts.STAFF_USERID_TAKEN.format(userid=userid))
    person = Staff(userid=userid, name=name, phone=phone, role=role, unit_id=unit.id)
    person.active, person.off_duty_by = True, None
    uow.add(person)
    await uow.flush()
    return person, unit


async def _unit_to(uow: UnitOfWork, staff: Staff, given: str) -> OrgUnit:
    """The unit the form chose (its id), which must be within the supervisor's scope."""
    own, below = await scope_of(uow, staff)
    unit = await uow.org.unit(int(given)) if given.isdigit() and len(given) < 12 else None
    if unit is None or not within(unit, own, below):
        raise Refusal(texts.STAFF_UNIT_UNKNOWN)
    return unit


def _roles(roles, unit: OrgUnit) -> str:
    """The roles ticked, as `Staff.role` holds them; known ones, at least one, and the duty
    desk only at the county (its scope is the county's unplaced tickets)."""
    chosen = [role for role in ROLES if role in roles]  # in the roster's order
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise Refusal(texts.STAFF_UNKNOWN_ROLE.format(role=unknown[0][:32]))
    if not chosen:
        raise Refusal(texts.STAFF_NEED_ROLE)
    if DESK in chosen and unit.level != "county":
        raise Refusal(texts.STAFF_DESK_COUNTY_ONLY)
    return join_roles(chosen)


def _refused(uow: UnitOfWork, how: Change, action: str, target: str) -> None:
    uow.registry.audit(how.actor, action, target, how.how, how.now, "refused")
