"""Open311 keys (kept as their SHA-256), the sealed contacts of Open311 requests, and the
tickets as an outside system lists them."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Select, case, func, not_, or_, select, update

from storage.models import Attachment, Open311Contact, Open311Key, OrgUnit, Ticket
from storage.repos.base import Repository
from storage.repos.org import under

COLUMNS = {
    "id": Ticket.id,
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


SENSITIVE = or_(
    Ticket.category == "special_population", Ticket.urgent.is_(True), Ticket.must_attend.is_(True)
)


FILTERS = {
    "codes": lambda codes: Ticket.code.in_(codes),
    "since": lambda since: Ticket.created_at >= since,
    "until": lambda until: Ticket.created_at <= until,
    "states": lambda states: Ticket.state.in_(states),
}


def _privacy(public: bool, full_within: str | None) -> list:
    """Nothing sensitive in public; in full reads, nothing sensitive outside `full_within`."""
    if public:
        return [not_(SENSITIVE)]
    return [] if full_within is None else [or_(not_(SENSITIVE), under(full_within))]


def _selected(public: bool) -> Select:
    """The listed columns (the address only in full reads), with the unit: the grid's, else
    the unit's (a duty desk's ticket has no grid)."""
    names = [name for name in COLUMNS if name != "place" or not public]
    return select(*(COLUMNS[name].label(name) for name in names)).outerjoin(
        OrgUnit, OrgUnit.id == func.coalesce(Ticket.grid_id, Ticket.unit_id)
    )


def _listed(page) -> Select:
    """The page's tickets (a subquery) with their first linked media URL, looked up for the
    page's rows only (not for those an offset skips)."""
    media = (
        select(Attachment.url)
        .where(Attachment.ticket_id == page.c.id, Attachment.url.is_not(None))
        .order_by(Attachment.id)
        .limit(1)
        .scalar_subquery()
    )
    fields = [
        media.label(name) if name == "media_url" else page.c[name]
        for name in Listed._fields
        if name in page.c or name == "media_url"
    ]
    return select(*fields).order_by(page.c.created_at.desc(), page.c.id.desc())


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

    async def take_post(self, key: Open311Key, minute: int, per_minute: int) -> bool:
        """Spend one of the key's POSTs in this minute; False when none is left. One UPDATE
        that checks and counts at once, so replicas filing for one key share its budget."""
        fresh = or_(Open311Key.posts_minute.is_(None), Open311Key.posts_minute != minute)
        spend = (
            update(Open311Key)
            .where(Open311Key.id == key.id, or_(fresh, Open311Key.posts_used < per_minute))
            .values(
                posts_used=case((fresh, 1), else_=Open311Key.posts_used + 1),
                posts_minute=minute,
            )
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(spend)).rowcount == 1

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
        given = {"codes": codes, "since": since, "until": until, "states": states}
        conditions = [FILTERS[name](value) for name, value in given.items() if value is not None]
        conditions += [Ticket.category.in_(categories), *_privacy(public, full_within)]
        query = _selected(public).where(*conditions)
        query = query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
        found = await self.session.execute(_listed(query.offset(offset).limit(limit).subquery()))
        return [Listed(*row) for row in found]
