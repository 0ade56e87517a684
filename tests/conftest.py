"""Fixtures: a real database (SQLite, and PostgreSQL when reachable), a clock, a running stack;
and the tier marker of every test, from its folder (tests/unit, tests/integration, tests/e2e)."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest

from storage.db import make_engine, make_sessionmaker, upgrade
from tests.fakes import FakeClock

PG_SERVER = os.environ.get("GRIDBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
SEEDED = pytest.StashKey[bool]()  # the test's database_url was copied from the seeded template


TIERS = ("unit", "integration", "e2e")  # each a folder of tests/ and a marker
# What a unit test must not use: each of these opens a database or serves HTTP.
NOT_IN_UNIT = frozenset(
    {
        "database_url",
        "sqlite_url",
        "seeded_url",
        "seeded_sqlite",
        "sessionmaker",
        "pg_server",
        "stack",
        "templates",
    }
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


async def _create_pg_database(server: str, template: str | None = None) -> str:
    name = f"gridbot_test_{uuid.uuid4().hex[:12]}"
    copied = f' TEMPLATE "{template}"' if template else ""
    await _execute(server, f'CREATE DATABASE "{name}"{copied}')
    return name


async def _drop_pg_database(server: str, name: str) -> None:
    await _execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _execute(server: str, statement: str) -> None:
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class Templates:
    """Databases migrated (and, for `seeded_url`, seeded) once per test process and copied for
    each test: a copy is a file copy (SQLite) or `CREATE DATABASE … TEMPLATE` (PostgreSQL),
    where migrating costs about 0.25 s a test and seeding 0.1 s more. Tests marked
    `fresh_migrations` (the tests of the migrations) get a database migrated for them alone.

    PostgreSQL takes about a second to create or to drop a database on this machine (it writes
    and syncs the copy), so a thread of its own does both while the tests run: it makes the
    next copy as soon as a test takes one, and drops each test's database after the test."""

    def __init__(self, folder: Path):
        self.folder = folder
        # Unique per process, so parallel runs (pytest-xdist workers) never share a template.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.tag = f"{worker}_{uuid.uuid4().hex[:8]}"
        self.sqlite: dict[bool, Path] = {}
        self.postgresql: dict[bool, tuple[str, str]] = {}  # (server, template name), built
        self.made: list[tuple[str, str]] = []  # the templates, to drop at the end
        self.spares: dict[bool, Future] = {}  # the name of the next copy, being made
        self.drops: list[Future] = []
        self.worker = BackgroundLoop()

    async def sqlite_copy(self, seeded: bool, target: Path) -> str:
        if seeded not in self.sqlite:
            path = self.folder / f"template_{'seeded' if seeded else 'migrated'}.db"
            await _build(_sqlite_url(path), seeded)
            _checkpoint(path)
            self.sqlite[seeded] = path
        shutil.copyfile(self.sqlite[seeded], target)
        return _sqlite_url(target)

    async def postgresql_copy(self, server: str, seeded: bool) -> str:
        """A new database of its own, copied from the template; hand it to `drop_later`."""
        if seeded not in self.postgresql:
            template = f"gridbot_template_{self.tag}_{'seeded' if seeded else 'migrated'}"
            await _execute(server, f'CREATE DATABASE "{template}"')
            self.made.append((server, template))
            await _build(_pg_url(server, template), seeded)  # its engine is disposed: no
            # connection is left open, as CREATE DATABASE … TEMPLATE requires
            self.postgresql[seeded] = server, template
        taken = self.spares.pop(seeded, None) or self._copy(seeded)
        self.spares[seeded] = self._copy(seeded)  # for the next test
        return await asyncio.wrap_future(taken)

    def _copy(self, seeded: bool) -> Future:
        server, template = self.postgresql[seeded]
        return self.worker.submit(_create_pg_database(server, template=template))

    def drop_later(self, server: str, name: str) -> None:
        self.drops.append(self.worker.submit(_drop_pg_database(server, name)))

    def close(self) -> None:
        """Wait for the drops, then drop the spare copies and the templates."""
        if not self.made:
            return
        failed = [f.exception() for f in self.drops if f.exception()]  # waits for each
        spares = [
            (self.postgresql[seeded][0], spare.result())
            for seeded, spare in self.spares.items()
            if spare.exception() is None
        ]
        self.worker.submit(_drop_pg_databases([*spares, *self.made])).result()
        self.worker.stop()
        if failed:
            raise failed[0]


async def _drop_pg_databases(databases: list[tuple[str, str]]) -> None:
    for server, name in databases:  # the copies first: a template is dropped unused
        await _drop_pg_database(server, name)


class BackgroundLoop:
    """An event loop in a thread of its own, started on first use."""

    def __init__(self):
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None

    @property
    def started(self) -> bool:
        return self.loop is not None

    def submit(self, work: Coroutine) -> Future:
        if self.loop is None:
            self.loop = asyncio.new_event_loop()
            self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
            self.thread.start()
        return asyncio.run_coroutine_threadsafe(work, self.loop)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


async def _build(url: str, seeded: bool) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    if seeded:
        from bot.devkit.demo import seed

        await seed(url)


def _checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file, so that copying the file alone copies it all."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, f"{wal} left behind"


def _sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def _pg_url(server: str, name: str) -> str:
    return "postgresql+asyncpg://" + server.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def templates(tmp_path_factory) -> Iterator[Templates]:
    templates = Templates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.close()


def _fresh_migrations(request) -> bool:
    return request.node.get_closest_marker("fresh_migrations") is not None


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request, tmp_path, templates):
    """An empty, migrated database of each kind; PostgreSQL gets a database of its own. When
    the test also asks for `seeded_url`, the database is a copy of the seeded template."""
    seeded = "seeded_url" in request.fixturenames
    fresh = _fresh_migrations(request)
    name = None
    if request.param == "sqlite" and fresh:
        url = _sqlite_url(tmp_path / "test.db")
    elif request.param == "sqlite":
        url = await templates.sqlite_copy(seeded, tmp_path / "test.db")
    else:
        server = request.getfixturevalue("pg_server")
        if fresh:
            name = await _create_pg_database(server)
        else:
            name = await templates.postgresql_copy(server, seeded)
        url = _pg_url(server, name)
    if fresh:
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()
    request.node.stash[SEEDED] = seeded and not fresh
    yield url
    if name:
        templates.drop_later(request.getfixturevalue("pg_server"), name)


@pytest.fixture
async def sqlite_url(request, tmp_path, templates):
    """An empty, migrated SQLite database; seeded when the test also asks for `seeded_sqlite`."""
    seeded = "seeded_sqlite" in request.fixturenames
    return await templates.sqlite_copy(seeded, tmp_path / "test.db")


@pytest.fixture
async def seeded_sqlite(sqlite_url):
    """The demo county in a SQLite database (`sqlite_url`, copied from the seeded template)."""
    return sqlite_url


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
async def seeded_url(request, database_url):
    """The demo county (config/demo) imported into a fresh database (a copy of the seeded
    template: see `database_url`)."""
    if not request.node.stash[SEEDED]:
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


@pytest.fixture
async def console(seeded_url, clock):
    """The stack with the web console's cookies sent over plain HTTP, as loopback serves."""
    from tests.console import PLAIN_HTTP
    from tests.stack import running_stack

    async with running_stack(
        seeded_url, clock, PLAIN_HTTP, classifier=embedded_classifier()
    ) as running:
        yield running


@functools.cache
def embedded_classifier():
    """The trained classifier, loaded (or trained) once per test run."""
    from nlu.embedded import EmbeddedClassifier

    return EmbeddedClassifier()
