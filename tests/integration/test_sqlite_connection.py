"""SQLite's one connection goes back to the pool rolled back only when a transaction is open
on it: whatever a unit of work left uncommitted, even by a statement that failed, is undone,
and the next one finds the database free to write."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage.db import make_engine, make_sessionmaker
from storage.models import DataVersion


@pytest.fixture
async def sessions(sqlite_url):
    engine = make_engine(sqlite_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def versions(sessions) -> dict[str, int]:
    async with sessions() as session:
        return dict((await session.execute(select(DataVersion.name, DataVersion.version))).all())


async def test_what_was_not_committed_is_undone_and_the_next_writer_is_not_held(sessions):
    async with sessions() as session:
        session.add(DataVersion(name="left_open", version=1))
        await session.flush()  # written in a transaction nobody commits
    async with sessions() as session:
        session.add(DataVersion(name="next", version=2))
        await session.commit()  # would wait on the lock (and fail) if the first were kept
    kept = await versions(sessions)
    assert kept["next"] == 2 and "left_open" not in kept


async def test_a_failed_first_statement_leaves_no_transaction_behind(sessions):
    async with sessions() as session:
        session.add(DataVersion(name="twice", version=1))
        await session.commit()
    async with sessions() as session:
        session.add(DataVersion(name="twice", version=2))
        with pytest.raises(IntegrityError):
            await session.flush()
    async with sessions() as session:
        session.add(DataVersion(name="after", version=3))
        await session.commit()
    kept = await versions(sessions)
    assert kept["twice"] == 1 and kept["after"] == 3


async def test_a_transaction_left_open_beneath_sqlalchemy_is_rolled_back_at_the_pool(sqlite_url):
    """The pool's own safety net: a statement run on the driver's connection directly, which
    SQLAlchemy knows nothing of, is undone when the connection goes back."""
    engine = make_engine(sqlite_url)
    try:
        async with engine.connect() as connection:

            def insert_beneath(sync_connection) -> None:
                cursor = sync_connection.connection.dbapi_connection.cursor()
                cursor.execute("INSERT INTO data_versions (name, version) VALUES ('raw', 9)")

            await connection.run_sync(insert_beneath)
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            session.add(DataVersion(name="next", version=2))
            await session.commit()
        kept = await versions(sessions)
        assert kept["next"] == 2 and "raw" not in kept
    finally:
        await engine.dispose()
