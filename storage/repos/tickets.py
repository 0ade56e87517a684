"""Tickets, their trail and the households linked to them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import selectinload

from storage.kept import SPARE_CODES
from storage.models import Attachment, Resident, Ticket, TicketEvent, TicketReporter
from storage.repos.base import Repository

OPEN_STATES = ("new", "assigned", "accepted", "on_site")
_tickets = Ticket.__table__
CODES_TAKEN = select(_tickets.c.code).where(  # Core: cheaper
    _tickets.c.code.in_(bindparam("codes", expanding=True))
)
NO_RESIDENT = -1  # an id no resident has
NEARBY = select(Ticket).where(  # built once: every sure report asks it
    Ticket.category == bindparam("category"),
    Ticket.state.in_(OPEN_STATES),
    or_(Ticket.resident_id.is_(None), Ticket.resident_id != bindparam("resident_id")),
    Ticket.created_at >= bindparam("since"),
    Ticket.lat.between(bindparam("south"), bindparam("north")),
    Ticket.lon.between(bindparam("west"), bindparam("east")),
)
OPEN_OF_RESIDENT_SINCE = (
    select(Ticket)
    .where(
        Ticket.resident_id == bindparam("resident_id"),
        Ticket.state.in_(OPEN_STATES),
        Ticket.updated_at >= bindparam("since"),
    )
    .order_by(Ticket.created_at, Ticket.id)
)
STAMPED = {"on_site": Ticket.on_site_at, "resolved": Ticket.resolved_at}


def ticket_query():
    return select(Ticket).options(
        selectinload(Ticket.grid), selectinload(Ticket.assignee), selectinload(Ticket.resident)
    )


def _awaiting_answer():
    """Only the ticket's own resident picks its kind or rates it: a household linked to it
    later neither reopens nor closes another household's ticket."""
    own = Ticket.resident_id == bindparam("resident_id")
    choosing = (Ticket.state == "new") & Ticket.category_options.is_not(None)
    return select(Ticket.id, Ticket.state, Ticket.created_at, Ticket.resolved_at).where(
        own & (choosing | (Ticket.state == "resolved"))
    )


AWAITING_ANSWER = _awaiting_answer()


class Tickets(Repository):
    async def get(self, ticket_id: int) -> Ticket | None:
        return await self.session.get(Ticket, ticket_id)

    async def by_code(self, code: str) -> Ticket | None:
        return await self.session.scalar(ticket_query().where(Ticket.code == code))

    async def spare_code(self, candidates: Callable[[], list[str]]) -> str:
        """A code no ticket has: from those this process checked free a batch at a time
        (storage/kept.py), checking `candidates()` when none is left. Another replica may
        take a kept code meanwhile only by drawing it at random too; the codes' unique
        index refuses the second ticket then, as it would after a check just before."""
        spare = self.session.info.get(SPARE_CODES)
        spare = [] if spare is None else spare  # a session of its own keeps nothing
        while not spare:
            drawn = set(candidates())
            taken = await self.session.scalars(CODES_TAKEN, {"codes": sorted(drawn)})
            spare.extend(drawn.difference(taken))
        return spare.pop()

    async def open_nearby(
        self,
        category: str,
        *,
        other_than: int | None,
        since: datetime,
        box: tuple[float, float, float, float],
    ) -> list[Ticket]:
        """Open tickets of the category since `since`, inside the box (south, north, west,
        east), but resident `other_than`'s own: the candidates for the same problem nearby
        (a ticket filed by another system has no resident and is one)."""
        south, north, west, east = box
        found = await self.session.scalars(
            NEARBY,
            {
                "category": category,
                "resident_id": NO_RESIDENT if other_than is None else other_than,
                "since": since,
                "south": south,
                "north": north,
                "west": west,
                "east": east,
            },
        )
        return list(found)

    async def latest_of_staff(self, staff_id: int, state: str) -> Ticket | None:
        """The staff member's ticket that most recently reached `state` (on_site, resolved)."""
        stamp = STAMPED[state]
        query = select(Ticket).where(Ticket.assignee_id == staff_id, Ticket.state == state)
        return await self.session.scalar(query.order_by(stamp.desc()).limit(1))

    async def state_changes(
        self, actions: tuple[str, ...], since: datetime, until: datetime, limit: int
    ) -> list[tuple[TicketEvent, Ticket]]:
        """Steps of these kinds in the window, oldest first, each with its ticket."""
        query = (
            select(TicketEvent, Ticket)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .options(selectinload(Ticket.grid))
            .where(
                TicketEvent.action.in_(actions), TicketEvent.at >= since, TicketEvent.at <= until
            )
            .order_by(TicketEvent.at, TicketEvent.id)
            .limit(limit)
        )
        return [(event, ticket) for event, ticket in await self.session.execute(query)]

    async def trail(self, ticket_id: int) -> list[TicketEvent]:
        query = (
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.at, TicketEvent.id)
        )
        return list(await self.session.scalars(query))

    async def due_ids(self, now: datetime, limit: int) -> list[int]:
        """Tickets past a deadline (a rating's wait included), earliest first."""
        query = (
            select(Ticket.id)
            .where(Ticket.deadline_at <= now, Ticket.state.in_((*OPEN_STATES, "resolved")))
            .order_by(Ticket.deadline_at)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    async def lock_if_due(self, ticket_id: int, now: datetime) -> Ticket | None:
        """The ticket, locked for this transaction, if it is still past its deadline and no
        other process holds it."""
        query = (
            select(Ticket)
            .options(selectinload(Ticket.assignee))
            .where(Ticket.id == ticket_id, Ticket.deadline_at <= now)
            .with_for_update(skip_locked=True)
        )
        return await self.session.scalar(query)

    async def unassigned_ids(self, before: datetime, limit: int) -> list[int]:
        """Tickets still new and without an assignee that came in before `before`."""
        query = (
            select(Ticket.id)
            .where(
                Ticket.state == "new", Ticket.assignee_id.is_(None), Ticket.created_at <= before
            )
            .order_by(Ticket.created_at)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    async def lock_unassigned(self, ticket_id: int, before: datetime) -> Ticket | None:
        """The ticket, locked for this transaction, if it is still new and unassigned since
        before `before` and no other process holds it."""
        query = (
            ticket_query()
            .where(
                Ticket.id == ticket_id,
                Ticket.state == "new",
                Ticket.assignee_id.is_(None),
                Ticket.created_at <= before,
            )
            .with_for_update(skip_locked=True)
        )
        return await self.session.scalar(query)

    async def of_staff(self, staff_id: int) -> list[Ticket]:
        query = ticket_query().where(Ticket.assignee_id == staff_id, Ticket.state.in_(OPEN_STATES))
        return list(await self.session.scalars(query.order_by(Ticket.created_at)))

    async def open_of_resident(self, resident_id: int) -> list[Ticket]:
        query = ticket_query().where(
            Ticket.resident_id == resident_id, Ticket.state.in_(OPEN_STATES)
        )
        return list(await self.session.scalars(query.order_by(Ticket.created_at)))

    async def latest_closed_of_resident(self, resident_id: int) -> Ticket | None:
        query = ticket_query().where(Ticket.resident_id == resident_id, Ticket.state == "closed")
        return await self.session.scalar(query.order_by(Ticket.closed_at.desc()).limit(1))

    async def open_of_resident_since(self, resident_id: int, since: datetime) -> list[Ticket]:
        """The resident's open tickets that moved since `since`, alone (one light query: every
        report asks it, to find the ticket it may add to)."""
        params = {"resident_id": resident_id, "since": since}
        return list(await self.session.scalars(OPEN_OF_RESIDENT_SINCE, params))

    async def unrouted_of_resident(self, resident_id: int) -> list[Ticket]:
        """The resident's reports that wait for their location: not routed yet, or with the
        duty desk and not yet accepted there."""
        query = ticket_query().where(
            Ticket.resident_id == resident_id,
            Ticket.state.in_(("new", "assigned")),
            Ticket.grid_id.is_(None),
            Ticket.category_options.is_(None),
        )
        return list(await self.session.scalars(query.order_by(Ticket.created_at)))

    async def in_units(
        self,
        unit_ids: list[int],
        states: tuple[str, ...] = OPEN_STATES,
        *,
        unplaced: bool = False,
    ) -> list[Ticket]:
        """Tickets in these grids; with `unplaced`, those not placed in a grid too."""
        where = Ticket.grid_id.in_(unit_ids)
        if unplaced:
            where = where | Ticket.grid_id.is_(None)
        query = ticket_query().where(where, Ticket.state.in_(states))
        return list(await self.session.scalars(query.order_by(Ticket.created_at)))

    async def attachments(self, ticket_id: int, limit: int = 200) -> list[Attachment]:
        """What came with the ticket, oldest first."""
        query = (
            select(Attachment)
            .where(Attachment.ticket_id == ticket_id)
            .order_by(Attachment.created_at, Attachment.id)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    async def linked(self, ticket_id: int, limit: int = 200) -> list[TicketReporter]:
        """The other households that reported the same problem, oldest first."""
        query = (
            select(TicketReporter)
            .where(TicketReporter.ticket_id == ticket_id)
            .order_by(TicketReporter.created_at, TicketReporter.id)
            .limit(limit)
        )
        return list(await self.session.scalars(query))

    async def reporters(self, ticket: Ticket) -> list[Resident]:
        """The resident who reported the ticket and every household linked to it since."""
        linked = select(TicketReporter.resident_id).where(TicketReporter.ticket_id == ticket.id)
        query = (
            select(Resident)
            .where((Resident.id == ticket.resident_id) | Resident.id.in_(linked))
            .order_by(Resident.id)
        )
        return list(await self.session.scalars(query))

    async def is_reporter(self, ticket: Ticket, resident_id: int) -> bool:
        """Whether the resident reported the ticket or was linked to it as the same problem."""
        if ticket.resident_id == resident_id:
            return True
        linked = select(TicketReporter.id).where(
            TicketReporter.ticket_id == ticket.id, TicketReporter.resident_id == resident_id
        )
        return await self.session.scalar(linked) is not None

    async def awaiting_answer(self, resident_id: int) -> tuple[Ticket | None, Ticket | None]:
        """What the resident's next message may answer: the latest report waiting for them to
        pick its kind, and the latest resolved ticket they reported (waiting for a rating).
        One light query; the tickets are loaded only when there are some."""
        rows = (await self.session.execute(AWAITING_ANSWER, {"resident_id": resident_id})).all()
        choosing = [row for row in rows if row.state == "new"]
        resolved = [row for row in rows if row.state == "resolved"]
        picked = [
            max(choosing, key=lambda row: (row.created_at, row.id)) if choosing else None,
            max(resolved, key=lambda row: (row.resolved_at, row.id)) if resolved else None,
        ]
        wanted = [row.id for row in picked if row]
        if not wanted:
            return None, None
        query = ticket_query().where(Ticket.id.in_(wanted))
        tickets = {t.id: t for t in await self.session.scalars(query)}
        return tuple(tickets[row.id] if row else None for row in picked)

    async def closed_before(self, cutoff: datetime) -> list[int]:
        """Tickets closed (or withdrawn) before `cutoff` and not yet anonymised."""
        query = select(Ticket.id).where(
            Ticket.state.in_(("closed", "withdrawn")),
            Ticket.closed_at < cutoff,
            Ticket.anonymised.is_(False),
        )
        return list(await self.session.scalars(query))

    async def ids_of_resident(self, resident_id: int) -> list[int]:
        return list(
            await self.session.scalars(select(Ticket.id).where(Ticket.resident_id == resident_id))
        )

    async def event_ids(self, ticket_ids: list[int]) -> list[int]:
        query = select(TicketEvent.id).where(TicketEvent.ticket_id.in_(ticket_ids))
        return list(await self.session.scalars(query))

    async def anonymise(self, ticket_ids: list[int], text: str) -> None:
        """The tickets keep their category, place in the tree, times and states; their text
        becomes `text`, and who reported them, where, their notes, attachments and linked
        households are gone."""
        await self.session.execute(
            update(Ticket)
            .where(Ticket.id.in_(ticket_ids))
            .values(
                text=text,
                place=None,
                lat=None,
                lon=None,
                resolution=None,
                resident_id=None,
                category_options=None,
                anonymised=True,
            )
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(TicketEvent)
            .where(TicketEvent.ticket_id.in_(ticket_ids))
            .values(note=None)
            .execution_options(synchronize_session=False)
        )
        for table in (Attachment, TicketReporter):
            await self.session.execute(delete(table).where(table.ticket_id.in_(ticket_ids)))

    async def unlink_resident(self, resident_id: int) -> None:
        """The resident is no longer linked to other households' tickets."""
        await self.session.execute(
            delete(TicketReporter).where(TicketReporter.resident_id == resident_id)
        )
