"""Operator commands for the registry: import households, export, audit, keys, forget."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.tables import table
from bot.cli.tickets import NotFound
from bot.spreadsheets import csv_text, save_xlsx
from handlers.registry import keys
from handlers.registry.keys import EXPORT_HEADER
from handlers.tickets.views import local
from storage import households as registry
from storage.crypto import DataKey, DataKeyError
from storage.importer import ImportFailed
from storage.uow import UnitOfWork


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
    grids = await UnitOfWork(session).org.grid_codes()
    plan = registry.check(path, grids | more_grids)
    if plan.problems:
        raise ImportFailed(plan.problems)


async def import_households(
    session: AsyncSession, path: Path, key: DataKey, quiet: bool = False
) -> dict:
    uow = UnitOfWork(session)
    await uow.registry.check_key(key, now())
    plan = registry.check(path, await uow.org.grid_codes())
    if plan.problems:
        raise ImportFailed(plan.problems)
    progress = (lambda done, total: None) if quiet else progress_printer("导入住户")
    counts = await registry.apply(session, plan, key, now(), progress)
    await uow.commit()
    return counts


async def export_households(
    session: AsyncSession, key: DataKey, unit: str | None, unmasked: bool, purpose: str
) -> list[list]:
    uow = UnitOfWork(session)
    try:
        rows = await keys.export_rows(uow, key, unit, unmasked, purpose, operator(), now())
    except keys.UnitNotFound:
        raise NotFound(f"no unit {unit}") from None
    await uow.commit()
    return rows


async def refuse_export(session: AsyncSession, unit: str | None) -> None:
    uow = UnitOfWork(session)
    keys.refuse_export(uow, unit, operator(), now())
    await uow.commit()


def write_export(rows: list[list], fmt: str, out: Path | None) -> str:
    if fmt == "xlsx":
        save_xlsx([EXPORT_HEADER, *rows], "households", out)
        return f"wrote {len(rows)} households to {out}"
    text = csv_text([EXPORT_HEADER, *rows])
    if out:
        out.write_text(text, encoding="utf-8-sig")
        return f"wrote {len(rows)} households to {out}"
    return text.rstrip("\n")


async def audit_list(session: AsyncSession, actor: str | None, as_json: bool) -> str:
    entries = await UnitOfWork(session).registry.audit_entries(actor)
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
    return table(
        ("at", "actor", "action", "target", "outcome", "purpose"),
        [[local(e.at), e.actor, e.action, e.target, e.outcome, e.purpose] for e in entries],
    )


async def rotate_key(session: AsyncSession, old: DataKey, new: DataKey) -> int:
    uow = UnitOfWork(session)
    count = await keys.rotate_key(uow, old, new, now())
    await uow.commit()
    return count


async def forget(session: AsyncSession, openid: str) -> str:
    uow = UnitOfWork(session)
    try:
        kept = await keys.forget(uow, openid, operator(), now())
    except keys.ResidentNotFound:
        raise NotFound(f"no resident {openid}") from None
    await uow.commit()
    return f"forgot the resident; {kept} tickets kept anonymously"
