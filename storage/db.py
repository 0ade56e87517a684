"""Engines, sessions and schema upgrades. Nothing here connects at import time."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Text, event, select, type_coerce
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)

from storage.crypto import DataKey, KeyMissing, SealedText, attach_key, is_sealed
from storage.kept import KEPT_ROUTING, SPARE_CODES, KeptRouting
from storage.models import Base, DataVersion
from storage.sqlite import one_hop_dbapi, rollback_if_open

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(
    url: str, pool_size: int = 10, max_overflow: int = 0, data_key: DataKey | None = None
) -> AsyncEngine:
    """An engine that seals and opens personal text with `data_key` (without one, such text
    can be neither written nor read)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # One connection per process: SQLite takes one writer at a time, and sessions queued
        # on the pool wait their turn in order, where competing connections would poll
        # SQLite's busy handler with growing sleeps (seconds-long stalls under load).
        # One hop to aiosqlite's thread per statement, not four (storage/sqlite.py).
        one_hop = parsed.get_driver_name() == "aiosqlite"
        engine = create_async_engine(
            url,
            connect_args={"timeout": 30},
            pool_size=1,
            max_overflow=0,
            module=one_hop_dbapi() if one_hop else None,
            pool_reset_on_return=None if one_hop else "rollback",
        )
        if one_hop:  # rolled back on its way to the pool only if a transaction is open
            event.listen(engine.sync_engine, "reset", rollback_if_open)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        # No pre-ping (a round trip per checkout): a connection found dead invalidates the
        # pool, the callback answers 503 and WeChat's retry gets a fresh connection.
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=max_overflow)
    attach_key(engine.sync_engine.dialect, data_key)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: no corruption, fewer fsyncs
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def insert_ignoring(session, table, key: str):
    """INSERT … ON CONFLICT (key) DO NOTHING, in the dialect of the session's database."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=[key])


@contextlib.asynccontextmanager
async def committing(sessionmaker: async_sessionmaker) -> AsyncIterator[AsyncConnection]:
    """A connection for a statement or two that commit at once, as cheaply as the database
    allows: PostgreSQL in autocommit (no BEGIN/COMMIT round trips), SQLite in one short
    transaction (switching aiosqlite's isolation level costs more thread hops than it saves).
    A connection of the engine, not a session: these statements are Core, and an ORM session
    around them cost more CPU than running them."""
    engine: AsyncEngine = sessionmaker.kw["bind"]
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")
        return
    async with engine.begin() as connection:
        yield connection


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    """Sessions that share what the process keeps between them (storage/kept.py)."""
    kept = {KEPT_ROUTING: KeptRouting(), SPARE_CODES: []}
    return async_sessionmaker(engine, expire_on_commit=False, info=kept)


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema up to date (alembic upgrade head), then seal what an older gridbot
    left in clear."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)
    async with engine.begin() as connection:
        await connection.run_sync(seal_plaintext)


def _upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


SEALED_MARK = "sealed"  # a data version: every sealed column holds only sealed values


def seal_plaintext(connection: Connection) -> None:
    """Once per database: seal the personal text written in clear before it was sealed. A new
    database has none; an old one needs the key."""
    mark = select(DataVersion.version).where(DataVersion.name == SEALED_MARK)
    if connection.execute(mark).scalar():
        return
    for table, column in _sealed_columns():
        _seal_column(connection, table, column)
    connection.execute(DataVersion.__table__.insert().values(name=SEALED_MARK, version=1))


def reseal(connection: Connection, old: DataKey, new: DataKey) -> int:
    """Open every sealed value with `old` and seal it again with `new` (a key rotation, in
    the caller's transaction); the number of values."""
    count = 0
    for table, column in _sealed_columns():
        raw = type_coerce(column, Text)
        for row_id, value in connection.execute(
            select(table.c.id, raw).where(column.is_not(None))
        ).all():
            plain = old.decrypt(value, column.type.context)
            connection.execute(
                table.update()
                .where(table.c.id == row_id)
                .values({column.name: type_coerce(new.seal(plain, column.type.context), Text)})
            )
            count += 1
    return count


def _sealed_columns():
    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, SealedText)
    ]


def _seal_column(connection: Connection, table, column) -> None:
    raw = type_coerce(column, Text)
    plain = [
        (row_id, value)
        for row_id, value in connection.execute(select(table.c.id, raw).where(column.is_not(None)))
        if not is_sealed(value)
    ]
    if not plain:
        return
    key = getattr(connection.dialect, "gridbot_data_key", None)
    if key is None:
        raise KeyMissing()
    log.info("sealing %d values of %s.%s written in clear", len(plain), table.name, column.name)
    for row_id, value in plain:
        connection.execute(
            table.update()
            .where(table.c.id == row_id)
            .values({column.name: type_coerce(key.seal(value, column.type.context), Text)})
        )
