"""Open311 keys (kept as their SHA-256), the sealed contacts of Open311 requests, and the
tickets as an outside system lists them."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, not_, or_, select

from storage.models import Attachment, Open311Contact, Open311Key, OrgUnit, Ticket
from storage.repos.base import Repository
from storage.repos.org import under

# The first linked media URL of the ticket (one index probe a listed ticket).
MEDIA_URL = (
    select(Attachment.url)
    .where(Attachment.ticket_id == Ticket.id, Attachment.url.is_not(None))
    .order_by(Attachment.id)
    .limit(1)
    .scalar_subquery()
)
COLUMNS = {
    "code": Ticket.code,
    "state": Ticket.state,
    "category": Ticket.category,
    "text": Ticket.text,
    "urgent": Ticket.urgent,
    "must_attend": Ticket.must_attend,
    "lat": Ticket.lat,
    "lon": Ticket.lon,
    "created_at": Ticket.created_at,
    "updated_at": Ticket.updated_at,
    "deadline_at": Ticket.deadline_at,
    "deadline_kind": Ticket.deadline_kind,
    "unit_path": OrgUnit.path,
    "media_url": MEDIA_URL,
    "place": Ticket.place,
}


class Listed(NamedTuple):
    """A ticket as an outside system lists it (a plain tuple: a page holds 1,000)."""

    code: str
    state: str
    category: str
    text: str
    urgent: bool
    must_attend: bool
    lat: float | None
    lon: float | None
    created_at: datetime
    updated_at: datetime
    deadline_at: datetime | None
    deadline_kind: str | None
    unit_path: str | None  # the grid's, else the unit's (the duty desk's county)
    media_url: str | None
    place: str | None = None  # read (and opened) only for full reads


PUBLIC_COLUMNS = [COLUMNS[name].label(name) for name in Listed._fields if name != "place"]
FULL_COLUMNS = [COLUMNS[name].label(name) for name in Listed._fields]
SENSITIVE = or_(
    Ticket.category == "special_population", Ticket.urgent.is_(True), Ticket.must_attend.is_(True)
)


def key_hash(key: str) -> str:
    """Keys are 32 random bytes: a plain SHA-256 cannot be reversed or guessed."""
    return hashlib.sha256(key.strip().encode()).hexdigest()


class Open311(Repository):
    async def add_key(self, name: str, key: str, unit_path: str | None, now: datetime) -> None:
        self.session.add(
            Open311Key(name=name, key_hash=key_hash(key), unit_path=unit_path, created_at=now)
        )

    async def key_named(self, name: str) -> Open311Key | None:
        return await self.session.scalar(select(Open311Key).where(Open311Key.name == name))

    async def key_for(self, key: str) -> Open311Key | None:
        """The key's row while it is not revoked."""
        query = select(Open311Key).where(
            Open311Key.key_hash == key_hash(key), Open311Key.revoked_at.is_(None)
        )
        return await self.session.scalar(query)

    async def keys(self) -> list[Open311Key]:
        return list(await self.session.scalars(select(Open311Key).order_by(Open311Key.name)))

    def add_contact(self, ticket_id: int, key_name: str, contact: str | None) -> None:
        self.session.add(Open311Contact(ticket_id=ticket_id, key_name=key_name, contact=contact))

    async def requests(
        self,
        *,
        categories: list[str],
        codes: list[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        states: tuple[str, ...] | None = None,
        full_within: str | None = None,
        public: bool = True,
        offset: int = 0,
        limit: int = 1000,
    ) -> list[Listed]:
        """Tickets of these categories as an outside system lists them, newest first, the
        typed address (`place`) only unless `public`. Whatever concerns vulnerable people
        or emergencies is left out, except (when not `public`) within the unit `full_within`
        (everywhere when None)."""
        query = select(*(PUBLIC_COLUMNS if public else FULL_COLUMNS)).outerjoin(
            OrgUnit, OrgUnit.id == func.coalesce(Ticket.grid_id, Ticket.unit_id)
        )
        query = query.where(Ticket.category.in_(categories))
        if codes is not None:
            query = query.where(Ticket.code.in_(codes))
        if since is not None:
            query = query.where(Ticket.created_at >= since)
        if until is not None:
            query = query.where(Ticket.created_at <= until)
        if states is not None:
            query = query.where(Ticket.state.in_(states))
        if public:
            query = query.where(not_(SENSITIVE))
        elif full_within is not None:
            query = query.where(or_(not_(SENSITIVE), under(full_within)))
        query = query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
        found = await self.session.execute(query.offset(offset).limit(limit))
        return [Listed(*row) for row in found]
