"""New tickets and their first events written by two Core statements, not by the ORM's flush.

Every routed report writes a ticket and the first lines of its trail; the ORM's unit-of-work
flush of those three rows cost about three times the statements themselves. Here each new
ticket is one INSERT … RETURNING (its id and the columns left to their defaults) and its events
one more (one multi-row VALUES); the rows are then known to the session as if loaded, so
whatever the unit of work does next (an UPDATE, more events, the commit) goes on as before,
in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import Ticket, TicketEvent

_TICKETS = Ticket.__table__
_EVENTS = TicketEvent.__table__
_EVENT_FIELDS = ("at", "actor", "action", "note")
_inserts: dict[frozenset[str], object] = {}  # one statement for each set of columns given
# Many rows with RETURNING: SQLAlchemy's "insertmanyvalues" sends them as one multi-row
# INSERT, built once (given its rows in .values(), the statement would be compiled anew every
# time). Its rows take their ids in the order of VALUES, each above those before it (SQLite's
# rowid, PostgreSQL's sequence); whatever order RETURNING gives them back in, sorted they are
# the rows' own. (Asking SQLAlchemy to sort them sends SQLite one INSERT a row instead.)
_INSERT_TRAIL = insert(_EVENTS).returning(_EVENTS.c.id)


async def write_new_tickets(session: AsyncSession) -> None:
    """Write the tickets added to the session since its last flush, each with the events
    that name it, and make them the session's persistent rows. Nothing else is flushed
    meanwhile: rows that refer to a new ticket (a change request) are written by the next
    flush, with its id."""
    tickets = [row for row in session.new if type(row) is Ticket]
    if not tickets:
        return
    trails = {id(ticket): [] for ticket in tickets}
    for row in session.new:
        if type(row) is TicketEvent and id(row.__dict__.get("ticket")) in trails:
            trails[id(row.__dict__["ticket"])].append(row)
    with session.sync_session.no_autoflush:
        for ticket in tickets:
            await _write(session, ticket, trails[id(ticket)])


async def _write(session: AsyncSession, ticket: Ticket, events: list[TicketEvent]) -> None:
    given = {c.key: ticket.__dict__[c.key] for c in _TICKETS.c if c.key in ticket.__dict__}
    row = (await session.execute(_insert_for(frozenset(given)), given)).one()
    _persist(session, ticket, row._mapping)
    if not events:
        return
    trail = [{"ticket_id": ticket.id, **{f: getattr(e, f) for f in _EVENT_FIELDS}} for e in events]
    ids = sorted((await session.execute(_INSERT_TRAIL, trail)).scalars())
    for event, event_id in zip(events, ids, strict=True):
        _persist(session, event, {"id": event_id, "ticket_id": ticket.id})


def _insert_for(given: frozenset[str]):
    statement = _inserts.get(given)
    if statement is None:
        defaulted = [c for c in _TICKETS.c if c.key not in given]
        statement = _inserts[given] = insert(_TICKETS).returning(*defaulted)
    return statement


def _persist(session: AsyncSession, row, written) -> None:
    """The row, with the values the database gave it, as the session would hold it after
    loading it: persistent, nothing left to write."""
    session.expunge(row)
    for key, value in written.items():
        set_committed_value(row, key, value)
    make_transient_to_detached(row)
    session.add(row)
