"""Access tokens kept in the database, so that every replica shares one token per app and only
one of them refreshes it at a time (the row is locked while it does)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.db import insert_ignoring
from storage.models import AccessToken

MARGIN = timedelta(minutes=5)  # refresh this long before WeChat says the token expires
Fetch = Callable[[bool], Awaitable[tuple[str, int]]]  # force -> (token, lifetime seconds)


class TokenStore:
    def __init__(self, sessionmaker: async_sessionmaker, app: str):
        self._sessionmaker = sessionmaker
        self._app = app

    async def token(self, now: datetime, stale: str, fetch: Fetch) -> tuple[str, datetime]:
        """The shared token and when to stop trusting it; fetched only if the stored one is
        missing, expiring or the one just refused (`stale`)."""
        async with self._sessionmaker() as session, session.begin():
            await self._ensure_row(session)
            row = await session.scalar(select(AccessToken).where(AccessToken.app == self._app)
                                       .with_for_update())
            if row.token and row.token != stale and row.expires_at > now + MARGIN:
                return row.token, row.expires_at - MARGIN
            token, lifetime = await fetch(bool(stale))
            row.token, row.expires_at = token, now + timedelta(seconds=lifetime)
            return token, row.expires_at - MARGIN

    async def _ensure_row(self, session) -> None:
        await session.execute(insert_ignoring(session, AccessToken, "app"),
                              [{"app": self._app}])
