"""Notices to residents (政策宣传): who they reach, how many a unit sent today, what went out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from storage.models import InboundMessage, Notice, OrgUnit, OutboxMessage, Resident
from storage.repos.base import Repository


class Notices(Repository):
    async def audience(self, grid_ids: list[int], since: datetime) -> list[tuple[str, bool]]:
        """The subscribed residents placed in these grids, each with whether they wrote to
        the Official Account since `since` (WeChat's customer-service window is open)."""
        last = (
            select(InboundMessage.sender, func.max(InboundMessage.received_at).label("at"))
            .where(InboundMessage.channel == "mp", InboundMessage.received_at >= since)
            .group_by(InboundMessage.sender)
            .subquery()
        )
        query = (
            select(Resident.openid, last.c.at.is_not(None))
            .outerjoin(last, last.c.sender == Resident.openid)
            .where(Resident.grid_id.in_(grid_ids), Resident.subscribed.is_(True))
            .order_by(Resident.id)
        )
        return [(openid, bool(recent)) for openid, recent in await self.session.execute(query)]

    async def count_since(self, unit_id: int, since: datetime) -> int:
        """The unit's notices since `since`; the unit's row stays locked (PostgreSQL) until the
        transaction ends, so two notices to it at once are counted one after the other."""
        await self.session.execute(
            select(OrgUnit.id).where(OrgUnit.id == unit_id).with_for_update()
        )
        query = select(func.count(Notice.id)).where(
            Notice.unit_id == unit_id, Notice.created_at >= since
        )
        return await self.session.scalar(query) or 0

    async def latest(self, at_most: int) -> list[tuple[Notice, OrgUnit]]:
        """The latest notices, newest first, with their units."""
        query = (
            select(Notice, OrgUnit)
            .join(OrgUnit, OrgUnit.id == Notice.unit_id)
            .order_by(Notice.created_at.desc(), Notice.id.desc())
            .limit(at_most)
        )
        return [tuple(row) for row in await self.session.execute(query)]

    async def delivered(self, notice_id: int) -> int:
        """How many of the notice's messages WeChat has taken so far."""
        query = select(func.count(OutboxMessage.id)).where(
            OutboxMessage.dedup_key.startswith(f"notice:{notice_id}:", autoescape=True),
            OutboxMessage.state == "sent",
        )
        return await self.session.scalar(query) or 0
