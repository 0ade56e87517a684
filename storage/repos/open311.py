"""Open311 keys (kept as their SHA-256) and the sealed contacts of Open311 requests."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select

from storage.models import Open311Contact, Open311Key
from storage.repos.base import Repository


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
