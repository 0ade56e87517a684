"""民情档案: households, their changes, change requests from 基础信息采集, the audit log, the
registry's key, and what retention clears from the inbox journal and the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update

from storage.crypto import DataKey, check_registry_key
from storage.db import reseal
from storage.models import (
    AuditEntry,
    ChangeRequest,
    Household,
    InboundMessage,
    OrgUnit,
    RegistryKey,
)
from storage.repos.base import Repository
from storage.repos.org import under

HOUSEHOLD_BY_CODE = select(Household).where(Household.code == bindparam("code"))
CHANGE_REQUEST_OF = select(ChangeRequest).where(ChangeRequest.ticket_id == bindparam("ticket_id"))
CHANGE_REQUEST_ID_OF = select(ChangeRequest.id).where(
    ChangeRequest.ticket_id == bindparam("ticket_id")
)


class Registry(Repository):
    async def household(self, code: str) -> Household | None:
        return await self.session.scalar(HOUSEHOLD_BY_CODE, {"code": code})

    async def households(self) -> list[Household]:
        return list(await self.session.scalars(select(Household)))

    async def households_on_address(self, path: str, fragment: str, limit: int) -> list[Household]:
        """Households in the unit at `path` (or below) whose address holds `fragment`, by code."""
        grids = select(OrgUnit.id).where(under(path))
        query = (
            select(Household)
            .where(
                Household.grid_id.in_(grids), Household.address.contains(fragment, autoescape=True)
            )
            .order_by(Household.code)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    async def households_with_grid(self, path: str | None) -> list[tuple[Household, str]]:
        """Every household (under the unit at `path`, when given) with its grid's code."""
        query = select(Household, OrgUnit.code).join(OrgUnit, OrgUnit.id == Household.grid_id)
        if path is not None:
            query = query.where(under(path))
        return [
            (h, grid) for h, grid in await self.session.execute(query.order_by(Household.code))
        ]

    async def change_request(self, ticket_id: int) -> ChangeRequest | None:
        return await self.session.scalar(CHANGE_REQUEST_OF, {"ticket_id": ticket_id})

    async def has_change_request(self, ticket_id: int) -> bool:
        found = await self.session.scalar(CHANGE_REQUEST_ID_OF, {"ticket_id": ticket_id})
        return found is not None

    def audit(
        self,
        actor: str,
        action: str,
        target: str,
        purpose: str,
        now: datetime,
        outcome: str = "allowed",
    ) -> None:
        """One line of the audit log, written with the unit of work; it stays for ever."""
        self.session.add(
            AuditEntry(
                at=now, actor=actor, action=action, target=target, purpose=purpose, outcome=outcome
            )
        )

    async def audit_entries(self, actor: str | None = None) -> list[AuditEntry]:
        """The audit log, oldest first; only the actors whose name holds `actor`, if given."""
        query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
        if actor:
            query = query.where(AuditEntry.actor.contains(actor, autoescape=True))
        return list(await self.session.scalars(query))

    # The key -----------------------------------------------------------------------------

    async def check_key(self, key: DataKey | None, now: datetime) -> None:
        """Raise DataKeyError unless `key` is the registry's (recorded if it is the first)."""
        await check_registry_key(self.session, key, now)

    async def reseal_texts(self, old: DataKey, new: DataKey) -> int:
        """Every sealed report text, note and message, sealed again with `new`."""
        return await self.session.run_sync(lambda sync: reseal(sync.connection(), old, new))

    async def record_key(self, key: DataKey, now: datetime) -> None:
        stored = await self.session.get(RegistryKey, 1)
        stored.key_id, stored.set_at = key.key_id, now

    # Retention: what the inbox journal and the outbox keep of residents -----------------

    async def clear_inbound_before(self, cutoff: datetime) -> None:
        """Residents' messages received before `cutoff` keep no content and no reply."""
        await self.session.execute(
            update(InboundMessage)
            .where(InboundMessage.received_at < cutoff, InboundMessage.content.is_not(None))
            .values(content=None, reply=None)
        )

    async def forget_messages_of(self, openid: str) -> None:
        """The resident's messages lose their sender, content and reply."""
        await self.session.execute(
            update(InboundMessage)
            .where(InboundMessage.sender == openid)
            .values(sender="forgotten", content=None, reply=None)
        )
