"""What every repository is: queries over one session, which the unit of work owns."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class Repository:
    def __init__(self, session: AsyncSession):
        self.session = session
