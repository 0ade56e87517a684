"""The unit of work: one session, one transaction, rolled back unless the edge that opened it
commits. Use cases receive it and reach the data only through its repositories; they never
commit. Only edges open one (the webhook's journal write, the dispatcher, the relay, the
scheduler, the CLI)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.new_tickets import write_new_tickets
from storage.outbox import Outbox
from storage.repos import (
    Console,
    GridMap,
    Notices,
    Open311,
    Org,
    People,
    Registry,
    Rhythm,
    Tickets,
)
from storage.repos.dashboard import Dashboard
from storage.repos.rates import Rates


class UnitOfWork:
    def __init__(self, session: AsyncSession):
        self.session = session  # for storage and the edges; use cases use the repositories
        self.tickets = Tickets(session)
        self.people = People(session)
        self.org = Org(session)
        self.outbox = Outbox(session)
        self.registry = Registry(session)
        self.rhythm = Rhythm(session)
        self.notices = Notices(session)
        self.open311 = Open311(session)
        self.console = Console(session)
        self.map = GridMap(session)
        self.rates = Rates(session)
        self.dashboard = Dashboard(session)

    @classmethod
    def opened(cls, sessionmaker: async_sessionmaker) -> _Opened:
        """`async with UnitOfWork.opened(sessionmaker) as uow:` … `await uow.commit()`."""
        return _Opened(cls, sessionmaker)

    def add(self, *rows: Any) -> None:
        """New rows (a ticket, an event), written at the next flush or commit."""
        self.session.add_all(rows)

    async def flush(self) -> None:
        """Write what was added so far, in this transaction (to learn new rows' ids); new
        tickets and their trails by Core (storage/new_tickets.py), the rest by the ORM."""
        await write_new_tickets(self.session)
        await self.session.flush()

    async def commit(self) -> None:
        await write_new_tickets(self.session)
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


class _Opened:
    def __init__(self, cls: type[UnitOfWork], sessionmaker: async_sessionmaker):
        self._cls, self._sessionmaker = cls, sessionmaker

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessionmaker()
        return self._cls(self._session)

    async def __aexit__(self, *exc_info) -> None:
        await self._session.close()  # whatever was not committed is rolled back
