"""Fixtures: a real database (SQLite, and PostgreSQL when reachable), a clock, a running stack;
and the tier marker of every test, from its folder (tests/unit, tests/integration, tests/e2e)."""

from __future__ import annotations

import asyncio
import functools
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest

from storage.db import make_engine, make_sessionmaker, upgrade
from tests.fakes import FakeClock

PG_SERVER = os.environ.get("GRIDBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


TIERS = ("unit", "integration", "e2e")  # each a folder of tests/ and a marker
# What a unit test must not use: each of these opens a database or serves HTTP.
NOT_IN_UNIT = frozenset(
    {"database_url", "sqlite_url", "seeded_url", "sessionmaker", "pg_server", "stack"}
)


def pytest_collection_modifyitems(config, items):
    """Mark each test with its tier, taken from its folder; refuse a unit test that would open
    a database or start the stack."""
    here = Path(__file__).resolve().parent
    for item in items:
        parts = Path(item.path).resolve().relative_to(here).parts
        tier = parts[0] if len(parts) > 1 and parts[0] in TIERS else None
        if tier is None:
            continue
        item.add_marker(getattr(pytest.mark, tier))
        used = NOT_IN_UNIT.intersection(getattr(item, "fixturenames", ()))
        if tier == "unit" and used:
            raise pytest.UsageError(f"{item.nodeid} is in tests/unit but uses {sorted(used)}")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _pg_reachable() -> str | None:
    async def probe() -> None:
        connection = await asyncpg.connect(PG_SERVER, timeout=3)
        await connection.close()

    try:
        with ThreadPoolExecutor(1) as pool:  # the session fixture may start inside a loop
            pool.submit(asyncio.run, probe()).result()
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"PostgreSQL at {PG_SERVER} unreachable: {error}"
    return None


@pytest.fixture(scope="session")
def pg_server() -> str:
    problem = _pg_reachable()
    if problem and IN_CI:
        pytest.fail(problem + " (CI=true: PostgreSQL tests must run)")
    if problem:
        pytest.skip(problem)
    return PG_SERVER


async def _create_pg_database(server: str) -> str:
    name = f"gridbot_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name


async def _drop_pg_database(server: str, name: str) -> None:
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request, tmp_path):
    """An empty, migrated database of each kind; PostgreSQL gets a database of its own."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        name = None
    else:
        server = request.getfixturevalue("pg_server")
        name = await _create_pg_database(server)
        url = "postgresql+asyncpg://" + server.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()
    yield url
    if name:
        await _drop_pg_database(request.getfixturevalue("pg_server"), name)


@pytest.fixture
async def sqlite_url(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()
    return url


def data_key():
    """The key the test service seals personal text with (the demo's, made for this run)."""
    from bot.devkit.demo import DEMO_DATA_KEY
    from storage.crypto import DataKey

    return DataKey.from_text(DEMO_DATA_KEY)


@pytest.fixture
async def sessionmaker(database_url):
    engine = make_engine(database_url, data_key=data_key())
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def seeded_url(database_url):
    """The demo county (config/demo) imported into a fresh database."""
    from bot.devkit.demo import seed

    await seed(database_url)
    return database_url


@pytest.fixture
async def stack(seeded_url, clock):
    """The whole service on loopback HTTP, with a fake WeChat API and simulated WeChat clients.

    The outbox relay does not run by itself: tests call `stack.drain()`.
    """
    from tests.stack import running_stack

    async with running_stack(seeded_url, clock, classifier=embedded_classifier()) as running:
        yield running


@functools.cache
def embedded_classifier():
    """The trained classifier, loaded (or trained) once per test run."""
    from nlu.embedded import EmbeddedClassifier

    return EmbeddedClassifier()
