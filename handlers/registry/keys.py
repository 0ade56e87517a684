"""The registry's operator use cases: rotate its key, export its households (audited, masked
unless a purpose is given), and forget a resident (audited). Each takes the unit of work and
what it uses; the edge that opened the unit of work commits it."""

from __future__ import annotations

from datetime import datetime

from handlers.masking import mask_id, mask_name, mask_phone
from handlers.registry.retention import forget_resident
from storage.crypto import DataKey
from storage.households import SECRET_FIELDS
from storage.models import Household
from storage.uow import UnitOfWork

EXPORT_HEADER = [
    "code",
    "grid",
    "address",
    "head_name",
    "phone",
    "id_number",
    "members",
    "tags",
    "key_tags",
    "note",
]


class UnitNotFound(LookupError):
    """No org unit has this path or code."""


class ResidentNotFound(LookupError):
    """No resident has this openid."""


async def rotate_key(uow: UnitOfWork, old: DataKey, new: DataKey, now: datetime) -> int:
    """Re-encrypt every household with the new key and re-hash its lookups, seal every report
    text, note and message again with it, and record it as the registry's key; the number of
    households."""
    await uow.registry.check_key(old, now)
    households = await uow.registry.households()
    for household in households:
        _reseal(household, old, new)
    await uow.registry.reseal_texts(old, new)
    await uow.registry.record_key(new, now)
    return len(households)


def _reseal(household: Household, old: DataKey, new: DataKey) -> None:
    plain = {name: old.decrypt(getattr(household, name), _context(name)) for name in SECRET_FIELDS}
    for name, value in plain.items():
        setattr(household, name, new.encrypt(value, _context(name)))
    household.phone_hash = new.lookup_hash(plain["phone"])
    household.id_hash = new.lookup_hash(plain["id_number"])


async def export_rows(
    uow: UnitOfWork,
    key: DataKey,
    unit: str | None,
    unmasked: bool,
    purpose: str,
    actor: str,
    now: datetime,
) -> list[list]:
    """The households (of `unit`, by path or code, else all) as rows under EXPORT_HEADER,
    masked unless `unmasked`; the export is audited with its purpose and size."""
    await uow.registry.check_key(key, now)
    path = None
    if unit:
        found = await uow.org.unit_named(unit)
        if found is None:
            raise UnitNotFound(unit)
        path = found.path
    households = await uow.registry.households_with_grid(path)
    rows = [_export_row(h, grid, key, unmasked) for h, grid in households]
    action = "export_unmasked" if unmasked else "export"
    uow.registry.audit(actor, action, f"households:{unit or 'all'}:{len(rows)}", purpose, now)
    return rows


def refuse_export(uow: UnitOfWork, unit: str | None, actor: str, now: datetime) -> None:
    """An unmasked export asked for without a purpose: refused, and the refusal audited."""
    target = f"households:{unit or 'all'}"
    uow.registry.audit(actor, "export_unmasked", target, "(none given)", now, "refused")


def _export_row(h: Household, grid: str, key: DataKey, unmasked: bool) -> list:
    plain = {n: key.decrypt(getattr(h, n), _context(n)) or "" for n in SECRET_FIELDS}
    if not unmasked:
        plain = {
            "head_name": mask_name(plain["head_name"]),
            "phone": mask_phone(plain["phone"]),
            "id_number": mask_id(plain["id_number"]),
            "sensitive_tags": "有" if plain["sensitive_tags"] else "",
            "note": "",
        }
    return [
        h.code,
        grid,
        h.address,
        plain["head_name"],
        plain["phone"],
        plain["id_number"],
        h.members,
        h.tags or "",
        plain["sensitive_tags"],
        plain["note"],
    ]


def _context(name: str) -> str:
    return f"households.{name}"


async def forget(uow: UnitOfWork, openid: str, actor: str, now: datetime) -> int:
    """Forget the resident (see retention.forget_resident) and audit it; the number of their
    tickets kept anonymously."""
    kept = await forget_resident(uow, openid)
    if kept is None:
        raise ResidentNotFound(openid)
    uow.registry.audit(actor, "forget_resident", "resident", "request to be forgotten", now)
    return kept
