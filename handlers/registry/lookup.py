"""The registry in chat: look a household up (masked, or whole for roles that need it),
search by address, and confirm 基础信息采集 changes. Every look is audited."""

from __future__ import annotations

from datetime import datetime

from handlers import texts
from handlers.chat.verbs import Command
from handlers.errors import BadCommand, NotYourTicket
from handlers.masking import mask_id, mask_name, mask_phone
from handlers.ports import Ports
from handlers.scope import covers_grid, ticket_for
from storage.crypto import DataKey
from storage.households import VISIT_AFTER_CHANGE
from storage.models import Household, HouseholdChange, Staff
from storage.uow import UnitOfWork

FULL_VIEW_ROLES = frozenset({"grid_worker", "supervisor", "population", "corrections"})
SEARCH_LIMIT = 10
MEMBER_CHANGE = {"birth": 1, "move_in": 1, "tenant": 1, "death": -1, "move_out": -1}


def audit(
    uow: UnitOfWork,
    staff: Staff,
    action: str,
    target: str,
    purpose: str,
    now: datetime,
    outcome: str = "allowed",
) -> None:
    uow.registry.audit(f"staff:{staff.userid}", action, target, purpose, now, outcome)


async def show_household(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    now, wants_all = ports.clock.now(), command.rest.strip() in ("全部", "all")
    purpose = f"chat: 户 {command.code} {command.rest}".strip()
    action = "view_full" if wants_all else "view"  # what was asked for, allowed or not
    household = await uow.registry.household(command.code)
    if household is None or not await _covers_household(uow, staff, household):
        audit(uow, staff, action, command.code or "-", purpose, now, "refused")
        return texts.HOUSEHOLD_NOT_VISIBLE.format(code=command.code)
    if wants_all and not staff.has_role(*FULL_VIEW_ROLES):
        audit(uow, staff, action, household.code, purpose, now, "refused")
        return texts.HOUSEHOLD_FULL_REFUSED
    audit(uow, staff, "view_full" if wants_all else "view_masked", household.code, purpose, now)
    return await _render(uow, household, registry_key(ports), full=wants_all)


async def find_households(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    fragment = command.rest.strip()
    if len(fragment) < 2:
        raise BadCommand(texts.HOUSEHOLD_SEARCH_HINT)
    unit = await uow.org.unit(staff.unit_id)
    found = await uow.registry.households_on_address(unit.path, fragment, SEARCH_LIMIT + 1)
    audit(
        uow,
        staff,
        "search",
        f"address:{len(found)} found",  # never what they typed:
        f"chat: 查户 ({len(fragment)} 字)",
        ports.clock.now(),
    )  # audit rows stay for ever
    if not found:
        return texts.HOUSEHOLD_NONE_FOUND.format(fragment=fragment)
    key = registry_key(ports)
    lines = [texts.HOUSEHOLD_FOUND.format(count=min(len(found), SEARCH_LIMIT))]
    lines += [
        texts.HOUSEHOLD_LINE.format(
            code=h.code,
            address=h.address,
            head=mask_name(key.decrypt(h.head_name, "households.head_name")),
        )
        for h in found[:SEARCH_LIMIT]
    ]
    return "\n".join(lines)


async def confirm_change(uow: UnitOfWork, staff: Staff, command: Command, ports: Ports) -> str:
    """采集 CODE 确认 户号: the registry takes the change the report described."""
    ticket = await ticket_for(uow, staff, command, "采集")
    request = await uow.registry.change_request(ticket.id)
    words = command.rest.split()
    if request is None or request.state != "pending":
        raise BadCommand(texts.NO_CHANGE_REQUEST.format(code=ticket.code))
    if not words or words[0] != "确认" or len(words) < 2:
        raise BadCommand(texts.CHANGE_NEEDS_HOUSEHOLD.format(code=ticket.code))
    household = await uow.registry.household(words[1])
    if household is None or not await _covers_household(uow, staff, household):
        raise NotYourTicket(texts.HOUSEHOLD_NOT_VISIBLE.format(code=words[1]))
    now = ports.clock.now()
    delta = MEMBER_CHANGE.get(request.kind, 0)
    household.members = max(household.members + delta, 0)
    household.updated_at, household.visit_due_by = now, now + VISIT_AFTER_CHANGE
    uow.add(
        HouseholdChange(
            household_id=household.id,
            at=now,
            ticket_id=ticket.id,
            source=f"chat:{staff.userid}",
            fields=["members"] if delta else [],
        )
    )
    request.state, request.household_id = "confirmed", household.id
    request.confirmed_by, request.confirmed_at = staff.userid, now
    return texts.CHANGE_CONFIRMED.format(
        code=ticket.code,
        household=household.code,
        kind=texts.CHANGE_KINDS[request.kind],
        members=household.members,
    )


async def _covers_household(uow: UnitOfWork, staff: Staff, household: Household) -> bool:
    return await covers_grid(uow, staff, household.grid_id)


async def _render(uow: UnitOfWork, household: Household, key: DataKey, full: bool) -> str:
    grid = await uow.org.unit(household.grid_id)
    plain = {
        name: key.decrypt(getattr(household, name), f"households.{name}")
        for name in ("head_name", "phone", "id_number", "sensitive_tags", "note")
    }
    care = "、".join(t for t in (household.tags or "").split(";") if t) or "无"
    if full:
        return texts.HOUSEHOLD_FULL.format(
            code=household.code,
            grid=grid.name,
            address=household.address,
            head=plain["head_name"] or "（未登记）",
            phone=plain["phone"] or "（未登记）",
            id_number=plain["id_number"] or "（未登记）",
            members=household.members,
            tags=care,
            key_tags="、".join((plain["sensitive_tags"] or "").split(";")) or "无",
            note=plain["note"] or "无",
        )
    return texts.HOUSEHOLD_MASKED.format(
        code=household.code,
        grid=grid.name,
        address=household.address,
        head=mask_name(plain["head_name"]),
        phone=mask_phone(plain["phone"]),
        id_number=mask_id(plain["id_number"]),
        members=household.members,
        tags=care,
        key_tags=texts.KEY_TAGS_HIDDEN if plain["sensitive_tags"] else "无",
    )


def registry_key(ports: Ports) -> DataKey:
    """The data key, or a polite refusal when the registry is locked."""
    if ports.data_key is None:
        raise BadCommand(texts.REGISTRY_LOCKED)
    return ports.data_key
