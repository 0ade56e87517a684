"""Operator commands for the registry: import households, export, audit, keys, forget."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.tickets import NotFound
from bot.spreadsheets import csv_text, save_xlsx
from handlers.registry.lookup import mask_id, mask_name, mask_phone
from handlers.registry.retention import forget_resident
from handlers.tickets.views import local
from storage import households as registry
from storage.crypto import DataKey, DataKeyError, check_registry_key
from storage.db import reseal
from storage.importer import ImportFailed
from storage.models import AuditEntry, Household, OrgUnit, RegistryKey
from storage.repos import under
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


def operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def now() -> datetime:
    return datetime.now(UTC)


def require_key(text: str) -> DataKey:
    if not text:
        raise DataKeyError("missing (needed to read or write the registry)")
    return DataKey.from_text(text)


def progress_printer(label: str):
    shown = {"step": -1}

    def show(done: int, total: int) -> None:
        step = done * 10 // max(total, 1)
        if step != shown["step"] or done == total:
            shown["step"] = step
            end = "\n" if done == total else ("\r" if sys.stderr.isatty() else "\n")
            print(
                f"{label} {done * 100 // max(total, 1)}% ({done}/{total})",
                end=end,
                file=sys.stderr,
                flush=True,
            )

    return show


async def precheck(session: AsyncSession, path: Path, more_grids: set[str]) -> None:
    """Raise ImportFailed if the household file has any bad row; write nothing."""
    grids = set(await session.scalars(select(OrgUnit.code).where(OrgUnit.level == "grid")))
    plan = registry.check(path, grids | more_grids)
    if plan.problems:
        raise ImportFailed(plan.problems)


async def import_households(
    session: AsyncSession, path: Path, key: DataKey, quiet: bool = False
) -> dict:
    await check_registry_key(session, key, now())
    grids = set(await session.scalars(select(OrgUnit.code).where(OrgUnit.level == "grid")))
    plan = registry.check(path, grids)
    if plan.problems:
        raise ImportFailed(plan.problems)
    progress = (lambda done, total: None) if quiet else progress_printer("导入住户")
    counts = await registry.apply(session, plan, key, now(), progress)
    await session.commit()
    return counts


async def export_households(
    session: AsyncSession, key: DataKey, unit: str | None, unmasked: bool, purpose: str
) -> list[list[str]]:
    await check_registry_key(session, key, now())
    query = select(Household, OrgUnit.code).join(OrgUnit, OrgUnit.id == Household.grid_id)
    if unit:
        found = await session.scalar(
            select(OrgUnit).where((OrgUnit.path == unit.strip("/")) | (OrgUnit.code == unit))
        )
        if found is None:
            raise NotFound(f"no unit {unit}")
        query = query.where(under(found.path))
    rows = [
        _export_row(h, grid, key, unmasked)
        for h, grid in await session.execute(query.order_by(Household.code))
    ]
    session.add(
        AuditEntry(
            at=now(),
            actor=operator(),
            action="export_unmasked" if unmasked else "export",
            target=f"households:{unit or 'all'}:{len(rows)}",
            purpose=purpose,
            outcome="allowed",
        )
    )
    await session.commit()
    return rows


def _export_row(h: Household, grid: str, key: DataKey, unmasked: bool) -> list[str]:
    plain = {
        n: key.decrypt(getattr(h, n), f"households.{n}") or ""
        for n in ("head_name", "phone", "id_number", "sensitive_tags", "note")
    }
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
        str(h.members),
        h.tags or "",
        plain["sensitive_tags"],
        plain["note"],
    ]


async def refuse_export(session: AsyncSession, unit: str | None) -> None:
    session.add(
        AuditEntry(
            at=now(),
            actor=operator(),
            action="export_unmasked",
            target=f"households:{unit or 'all'}",
            purpose="(none given)",
            outcome="refused",
        )
    )
    await session.commit()


def write_export(rows: list[list[str]], fmt: str, out: Path | None) -> str:
    if fmt == "xlsx":
        save_xlsx([EXPORT_HEADER, *rows], "households", out)
        return f"wrote {len(rows)} households to {out}"
    text = csv_text([EXPORT_HEADER, *rows])
    if out:
        out.write_text(text, encoding="utf-8-sig")
        return f"wrote {len(rows)} households to {out}"
    return text.rstrip("\n")


async def audit_list(session: AsyncSession, actor: str | None, as_json: bool) -> str:
    query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
    if actor:
        query = query.where(AuditEntry.actor.contains(actor, autoescape=True))
    entries = list(await session.scalars(query))
    if as_json:
        return json.dumps(
            [
                {
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "action": e.action,
                    "target": e.target,
                    "purpose": e.purpose,
                    "outcome": e.outcome,
                }
                for e in entries
            ],
            ensure_ascii=False,
            indent=2,
        )
    if not entries:
        return "(no audit entries)"
    return "\n".join(
        f"{local(e.at)}  {e.actor}  {e.action}  {e.target}  {e.outcome}  {e.purpose}"
        for e in entries
    )


async def rotate_key(session: AsyncSession, old: DataKey, new: DataKey) -> int:
    """Re-encrypt every household with the new key and re-hash its lookups, and seal every
    report text, note and message again with it, in one transaction."""
    await check_registry_key(session, old, now())
    count = 0
    for household in await session.scalars(select(Household)):
        for name in registry.SECRET_FIELDS:
            context = f"households.{name}"
            setattr(
                household,
                name,
                new.encrypt(old.decrypt(getattr(household, name), context), context),
            )
        phone = new.decrypt(household.phone, "households.phone")
        number = new.decrypt(household.id_number, "households.id_number")
        household.phone_hash, household.id_hash = new.lookup_hash(phone), new.lookup_hash(number)
        count += 1
    await session.run_sync(lambda sync: reseal(sync.connection(), old, new))
    stored = await session.get(RegistryKey, 1)
    stored.key_id, stored.set_at = new.key_id, now()
    await session.commit()
    return count


async def forget(session: AsyncSession, openid: str) -> str:
    kept = await forget_resident(UnitOfWork(session), openid)
    if kept is None:
        raise NotFound(f"no resident {openid}")
    session.add(
        AuditEntry(
            at=now(),
            actor=operator(),
            action="forget_resident",
            target="resident",
            purpose="request to be forgotten",
            outcome="allowed",
        )
    )
    await session.commit()
    return f"forgot the resident; {kept} tickets kept anonymously"
