"""Personal free text is sealed at rest with the registry's key: a stolen database file (or a
dump of PostgreSQL) shows no report text, note, resolution, message or reply in clear; an
answer with registry details is cleared from the outbox once sent; what an older gridbot
wrote in clear is sealed on upgrade."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from storage.crypto import KeyMissing, is_sealed
from storage.db import MIGRATIONS, make_engine, make_sessionmaker, upgrade
from storage.models import OutboxMessage, Ticket
from tests.conftest import _create_pg_database, _drop_pg_database, data_key

PHONE, ID_NUMBER, NAME = "13912345678", "110101199001011237", "孙小红"


REPORT = f"我是{NAME}，电话{PHONE}，身份证{ID_NUMBER}，小区门口垃圾好几天没人清理"


@pytest.fixture
async def old_database(request, tmp_path):
    """An empty database at the schema before sealing (revision 0007), of each kind."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    server = request.getfixturevalue("pg_server")
    name = await _create_pg_database(server)
    yield "postgresql+asyncpg://" + server.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name
    await _drop_pg_database(server, name)


@pytest.mark.parametrize("old_database", ["sqlite", "postgresql"], indirect=True)
async def test_text_an_older_gridbot_wrote_in_clear_is_sealed_on_upgrade(old_database):
    await _migrate_to(old_database, "0007")
    await _write_in_clear(old_database)

    engine = make_engine(old_database, data_key=data_key())
    try:
        await upgrade(engine)
        async with make_sessionmaker(engine)() as session:
            ticket = await session.scalar(select(Ticket))
            outbox = await session.scalar(select(OutboxMessage))
            raw = (await session.execute(text("SELECT text FROM tickets"))).scalar()
    finally:
        await engine.dispose()
    assert ticket.text == REPORT and outbox.body["text"] == f"新工单：{REPORT}"
    assert is_sealed(raw) and PHONE not in raw


@pytest.mark.parametrize("old_database", ["sqlite"], indirect=True)
async def test_upgrading_text_in_clear_without_the_key_stops_with_one_line(old_database):
    await _migrate_to(old_database, "0007")
    await _write_in_clear(old_database)
    engine = make_engine(old_database)
    try:
        with pytest.raises(KeyMissing) as refused:
            await upgrade(engine)
    finally:
        await engine.dispose()
    assert "gridbot registry new-key" in str(refused.value)


async def _migrate_to(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: _alembic(sync, revision))
    finally:
        await engine.dispose()


def _alembic(connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def _write_in_clear(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO tickets (code, source, category, text, state, urgent,"
                    " must_attend, created_at, updated_at, level, version)"
                    " VALUES ('GB-OLD01', 'resident',"
                    " 'environment', :text, 'new', false, false, '2026-11-01 00:00:00',"
                    " '2026-11-01 00:00:00', 0, 1)"
                ),
                {"text": REPORT},
            )
            await connection.execute(
                text(
                    "INSERT INTO outbox (channel, recipient, body, dedup_key, state, attempts,"
                    " next_attempt_at, created_at) VALUES ('work', 'liminghua', :body,"
                    " 'event:1:x', 'sent', 1, '2026-11-01 00:00:00', '2026-11-01 00:00:00')"
                ),
                {"body": '{"msgtype": "text", "text": "新工单：' + REPORT + '"}'},
            )
    finally:
        await engine.dispose()
