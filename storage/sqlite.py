"""SQLite through aiosqlite with one hop to its thread per statement.

SQLAlchemy's aiosqlite adapter crosses to aiosqlite's thread four times a statement (open a
cursor, execute, fetch, close): each crossing wakes that thread and then the event loop
again, about 60 crossings for one resident's report, which cost more CPU than SQLite spends
running the statements. This cursor does the four in one function on that thread, so a
statement is one crossing. Everything still runs on aiosqlite's one thread, in order (the
event loop never waits on SQLite's locks); the results, the errors and the transactions are
those of the stock adapter.

A connection given back to the pool is rolled back only when a transaction is open on it
(`reset`): after a commit, or a unit of work that only read, SQLAlchemy's own reset would take
one more crossing for a rollback that has nothing to undo (three a report).
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool):
    """On aiosqlite's thread: the statement executed, its rows read, the cursor closed."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else ()
        return description, rows, cursor.rowcount, cursor.lastrowid, connection.in_transaction
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statement, rows and close take one trip to the thread."""

    __slots__ = ("_description", "_rowcount", "_lastrowid", "_arraysize")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection):
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # no aiosqlite cursor: each statement opens and closes its own
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description = None
        self._rowcount = -1
        self._lastrowid = None
        self._arraysize = 1

    @property
    def description(self):
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self):
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        """Nothing to close: the statement's cursor was closed on the thread."""

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        return self._execute_once(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        return self._execute_once(operation, seq_of_parameters, many=True)

    def _execute_once(self, operation: Any, parameters: Any, many: bool) -> None:
        try:
            return await_(self._execute_on_thread(operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _execute_on_thread(self, operation: Any, parameters: Any, many: bool) -> None:
        connection, adapted = self._connection, self._adapt_connection
        adapted.in_transaction = True  # until the statement says otherwise: a failed one
        async with adapted._execute_mutex:  # may have begun a transaction
            (
                description,
                rows,
                rowcount,
                lastrowid,
                adapted.in_transaction,
            ) = await connection._execute(_run, connection._conn, operation, parameters, many)
        self._description, self._rowcount, self._lastrowid = description, rowcount, lastrowid
        self._rows = collections.deque(rows)

    def nextset(self) -> None:
        return None  # one statement, one result

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None  # sqlite3 ignores them too


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("in_transaction",)  # as sqlite3 said after the last statement
    _cursor_cls = OneHopCursor

    def commit(self) -> None:
        super().commit()
        self.in_transaction = False

    def rollback(self) -> None:
        super().rollback()
        self.in_transaction = False


def rollback_if_open(dbapi_connection, _record, state) -> None:
    """The pool's reset (`pool_reset_on_return=None` and this): roll back what is open."""
    if state.asyncio_safe and getattr(dbapi_connection, "in_transaction", True):
        dbapi_connection.rollback()


class OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DB-API module SQLAlchemy's aiosqlite dialect is given (`module=`), handing out
    connections whose cursors take one hop a statement."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy's own adapter does
        adapted = OneHopConnection(self, await_(connection))
        adapted.in_transaction = False
        return adapted


def one_hop_dbapi() -> OneHopDbapi:
    return OneHopDbapi(aiosqlite, sqlite3)
