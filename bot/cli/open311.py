"""`gridbot open311 keys add|list|revoke`: the keys other systems file Open311 requests with."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.tickets import NotFound
from storage.uow import UnitOfWork


async def add(session: AsyncSession, name: str, unit: str | None) -> str:
    """A new key, printed this once; only its hash is stored."""
    uow = UnitOfWork(session)
    name = name.strip()
    if not name or len(name) > 80:
        raise NotFound("a key's name is 1 to 80 characters")
    if await uow.open311.key_named(name):
        raise NotFound(f"a key named {name!r} exists already (revoked ones too)")
    path = await _unit_path(uow, unit) if unit else None
    key = secrets.token_urlsafe(32)
    await uow.open311.add_key(name, key, path, datetime.now(UTC))
    await uow.commit()
    return key


async def _unit_path(uow: UnitOfWork, unit: str) -> str:
    """The unit's path, given its path, code or (unambiguous) name."""
    found = await uow.org.units_called(unit.strip())
    if len(found) != 1:
        problem = "no unit" if not found else "several units are called"
        raise NotFound(f"{problem} {unit!r}: give its path")
    return found[0].path


async def listing(session: AsyncSession) -> str:
    keys = await UnitOfWork(session).open311.keys()
    if not keys:
        return "(no keys)"
    lines = ["name  unit  created  revoked"]
    for key in keys:
        revoked = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "-"
        created = key.created_at.isoformat(timespec="seconds")
        lines.append(f"{key.name}  {key.unit_path or '(all)'}  {created}  {revoked}")
    return "\n".join(lines)


async def revoke(session: AsyncSession, name: str) -> str:
    uow = UnitOfWork(session)
    key = await uow.open311.key_named(name)
    if key is None or key.revoked_at is not None:
        raise NotFound(f"no key named {name!r} in use")
    key.revoked_at = datetime.now(UTC)
    await uow.commit()
    return f"revoked {name}"
