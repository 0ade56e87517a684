"""`gridbot ticket show|list`: what an operator sees of tickets, as a table or JSON."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.tables import table
from handlers import texts
from handlers.chat.verbs import normalize_code
from handlers.masking import mask_text
from handlers.ports import SystemClock
from handlers.tickets.lifecycle import is_overdue
from handlers.tickets.views import local, trail_events, trail_lines
from nlu.categories import category_name
from storage.crypto import DataKey
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.models import AuditEntry, OrgUnit, Ticket
from storage.repos import Org, Tickets, ticket_query
from storage.uow import UnitOfWork

COLUMNS = ("code", "state", "category", "level", "assignee", "grid", "created", "deadline")


class NotFound(Exception):
    pass


async def with_session(database_url: str, work, data_key: str = "", existing: bool = False):
    """Run `work(session)` on the database; personal text opens with `data_key`. With
    `existing`, an SQLite file that is not there is not made: NotFound says so."""
    if existing:
        require_database(database_url)
    engine = make_engine(database_url, data_key=DataKey.from_text(data_key) if data_key else None)
    try:
        await upgrade(engine)
        async with make_sessionmaker(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


def require_database(database_url: str) -> None:
    """A command that only reads creates no empty database (a PostgreSQL one exists or the
    connection fails)."""
    url = make_url(database_url)
    name = url.database or ""
    if url.get_backend_name() != "sqlite" or name in ("", ":memory:"):
        return
    path = Path(name)
    if path.parent.is_dir() and not path.exists():  # a missing folder is told when connecting
        raise NotFound(
            f"no database {name} yet (nothing was imported here: gridbot import --grids FILE "
            "--staff FILE, or set GRIDBOT_DATABASE_URL)"
        )


def as_row(ticket: Ticket) -> dict:
    return {
        "code": ticket.code,
        "state": ticket.state,
        "category": ticket.category,
        "level": ticket.level,
        "urgent": ticket.urgent,
        "must_attend": ticket.must_attend,
        "assignee": ticket.assignee.userid if ticket.assignee else None,
        "grid": ticket.grid.path if ticket.grid else None,
        "created": ticket.created_at.isoformat(),
        "rating": ticket.rating,
        "deadline": ticket.deadline_at.isoformat() if ticket.deadline_at else None,
        "deadline_kind": ticket.deadline_kind,
    }


async def show(
    session: AsyncSession, code: str, as_json: bool, unmasked: bool = False, purpose: str = ""
) -> str:
    """Phone and ID numbers masked unless `unmasked` (given with a purpose); every show, of a
    ticket found or not, is audited."""
    ticket = await Tickets(session).by_code(normalize_code(code))
    await _audit(
        session,
        "view_ticket_unmasked" if unmasked else "view_ticket",
        ticket.code if ticket else normalize_code(code),
        purpose,
        "allowed" if ticket else "refused",
    )
    if ticket is None:
        raise NotFound(f"no ticket {code}")
    shown = str if unmasked else mask_text
    if as_json:
        return await _as_json(session, ticket, shown)
    return "\n".join(
        [
            f"{ticket.code}  {texts.STATE_NAMES[ticket.state]}  {category_name(ticket.category)}",
            shown(ticket.text),
            *await trail_lines(UnitOfWork(session), ticket, masked=not unmasked),
        ]
    )


async def _as_json(session: AsyncSession, ticket: Ticket, shown) -> str:
    trail = [
        {
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "note": shown(e.note) if e.note else e.note,
        }
        for e in await trail_events(UnitOfWork(session), ticket)
    ]
    return json.dumps(
        {**as_row(ticket), "text": shown(ticket.text), "trail": trail},
        ensure_ascii=False,
        indent=2,
    )


async def refuse_unmasked(session: AsyncSession, code: str) -> None:
    await _audit(session, "view_ticket_unmasked", normalize_code(code), "(none given)", "refused")


async def _audit(
    session: AsyncSession, action: str, target: str, purpose: str, outcome: str
) -> None:
    from bot.cli.registry import operator  # it imports this module

    session.add(
        AuditEntry(
            at=SystemClock().now(),
            actor=operator(),
            action=action,
            target=target,
            purpose=purpose or "cli: ticket show",
            outcome=outcome,
        )
    )
    await session.commit()


async def listing(
    session: AsyncSession,
    unit: str | None,
    state: str | None,
    overdue: bool,
    as_json: bool,
    now: datetime | None = None,
) -> str:
    tickets = await _select(session, unit, state)
    now = now or SystemClock().now()
    if overdue:
        tickets = [t for t in tickets if is_overdue(t, now)]
    rows = [as_row(t) for t in tickets]
    if as_json:
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if not rows:
        return "(no tickets)"
    return table(COLUMNS, [_shown(ticket) for ticket in tickets])


async def _select(session: AsyncSession, unit: str | None, state: str | None) -> list[Ticket]:
    query = ticket_query()
    if state:
        query = query.where(Ticket.state == state)
    if unit:
        found = await session.scalar(
            select(OrgUnit).where((OrgUnit.path == unit.strip("/")) | (OrgUnit.code == unit))
        )
        if found is None:
            raise NotFound(f"no unit {unit}")
        query = query.where(Ticket.grid_id.in_(await Org(session).subtree_ids(found.id)))
    return list(await session.scalars(query.order_by(Ticket.created_at)))


def _shown(ticket: Ticket) -> list:
    """A row for people: states, categories and levels by their Chinese names."""
    return [
        ticket.code,
        texts.STATE_NAMES[ticket.state],
        category_name(ticket.category),
        texts.LEVEL_NAMES.get(ticket.level, ticket.level),
        ticket.assignee.userid if ticket.assignee else None,
        ticket.grid.path if ticket.grid else None,
        local(ticket.created_at),
        local(ticket.deadline_at) if ticket.deadline_at else None,
    ]
