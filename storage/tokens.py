"""Access tokens kept in the database, so that every replica shares one token per app and only
one of them refreshes it at a time. The refresher marks the row with a short lease instead of
holding a lock across its call to WeChat: on SQLite a held lock would stop the whole database
for as long as WeChat takes to answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.db import insert_ignoring
from storage.models import AccessToken

MARGIN = timedelta(minutes=5)  # refresh this long before WeChat says the token expires
LEASE = timedelta(seconds=30)  # a refresher that died is replaced after this
WAIT_SECONDS = 0.05  # how often a process waiting for another's refresh looks again
WAIT_ROUNDS = 400  # then it gives up (the caller's send fails and is retried later)
Fetch = Callable[[bool], Awaitable[tuple[str, int]]]  # force -> (token, lifetime seconds)


class TokenStore:
    def __init__(self, sessionmaker: async_sessionmaker, app: str):
        self._sessionmaker = sessionmaker
        self._app = app

    async def token(self, now: datetime, stale: str, fetch: Fetch) -> tuple[str, datetime]:
        """The shared token and when to stop trusting it; fetched only if the stored one is
        missing, expiring or the one just refused (`stale`), and by one process at a time."""
        for _ in range(WAIT_ROUNDS):
            row = await self._read()
            if row.token and row.token != stale and row.expires_at > now + MARGIN:
                return row.token, row.expires_at - MARGIN
            if await self._take_lease(row, now):
                return await self._refresh(now, stale, fetch)
            await asyncio.sleep(WAIT_SECONDS)  # another process is fetching it
        raise TimeoutError(f"the {self._app} access token is being refreshed elsewhere")

    async def _read(self) -> AccessToken:
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                insert_ignoring(session, AccessToken, "app"), [{"app": self._app}]
            )
            return await session.get(AccessToken, self._app)

    async def _take_lease(self, seen: AccessToken, now: datetime) -> bool:
        """Mark the row as being refreshed by us, unless someone else did or the token changed
        since we read it."""
        async with self._sessionmaker() as session, session.begin():
            taken = await session.execute(
                update(AccessToken)
                .where(
                    AccessToken.app == self._app,
                    AccessToken.token.is_(None)
                    if seen.token is None
                    else AccessToken.token == seen.token,
                    AccessToken.refreshing_until.is_(None) | (AccessToken.refreshing_until < now),
                )
                .values(refreshing_until=now + LEASE)
            )
            return taken.rowcount == 1

    async def _refresh(self, now: datetime, stale: str, fetch: Fetch) -> tuple[str, datetime]:
        try:
            token, lifetime = await fetch(bool(stale))
        except BaseException:
            await self._store(refreshing_until=None)
            raise
        expires_at = now + timedelta(seconds=lifetime)
        await self._store(token=token, expires_at=expires_at, refreshing_until=None)
        return token, expires_at - MARGIN

    async def _store(self, **values) -> None:
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                update(AccessToken).where(AccessToken.app == self._app).values(**values)
            )
