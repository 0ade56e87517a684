"""The rhythm of grid work: patrols, visits, and the counts digests and the assessment read."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Select, bindparam, func, select

from storage.models import Household, OrgUnit, Patrol, Staff, Ticket, TicketEvent, Visit
from storage.repos.base import Repository
from storage.repos.org import under
from storage.repos.tickets import OPEN_STATES, ticket_query

# Asked by every staff message (a patrol command, a location, a photo) or for every worker of
# a job: built once, with bound parameters.
PATROL_OF_SLOT = select(Patrol).where(
    Patrol.staff_id == bindparam("staff_id"),
    Patrol.day == bindparam("day"),
    Patrol.slot == bindparam("slot"),
)
MISSED_PATROL = PATROL_OF_SLOT.where(Patrol.state == "missed")
ACTIVE_PATROL = (
    select(Patrol)
    .where(Patrol.staff_id == bindparam("staff_id"), Patrol.state == "started")
    .order_by(Patrol.started_at.desc())
    .limit(1)
)
PATROLS_ON_DAYS = select(Patrol).where(
    Patrol.staff_id == bindparam("staff_id"), Patrol.day.in_(bindparam("days", expanding=True))
)
LAST_VISITS = select(Visit.household_id, func.max(Visit.at)).group_by(Visit.household_id)
HOUSEHOLDS_IN = select(Household).where(
    Household.grid_id.in_(bindparam("grid_ids", expanding=True))
)
HOUSEHOLD_BY_CODE = select(Household).where(Household.code == bindparam("code"))
LAST_VISIT_BY = (
    select(Visit).where(Visit.staff_id == bindparam("staff_id")).order_by(Visit.at.desc()).limit(1)
)


# Late now: the fact the deadline watch keeps through escalation, or a deadline it has not
# acted on yet (an open ticket's deadline is never a rating's wait).
LATE_NOW = Ticket.state.in_(OPEN_STATES) & (
    Ticket.overdue_since.is_not(None) | (Ticket.deadline_at <= bindparam("now"))
)


def _within(column):
    return (column >= bindparam("start")) & (column < bindparam("end"))


def _ticket_counts() -> dict[str, Select]:
    """Tickets by category, one aggregate query per count (a county holds millions)."""
    escalated = select(TicketEvent.ticket_id).where(
        TicketEvent.action == "escalate", _within(TicketEvent.at)
    )
    conditions = {
        "new": _within(Ticket.created_at),
        "accepted": _within(Ticket.accepted_at),
        "resolved": _within(Ticket.resolved_at),
        "overdue": LATE_NOW,
        "escalated": Ticket.id.in_(escalated),
    }
    return {
        name: select(Ticket.category, func.count(Ticket.id))
        .where(Ticket.grid_id.in_(bindparam("grids", expanding=True)), condition)
        .group_by(Ticket.category)
        for name, condition in conditions.items()
    }


# A digest is built for every supervisor of a level.
UNIT_NAMES = select(OrgUnit.id, OrgUnit.name).where(
    OrgUnit.id.in_(bindparam("ids", expanding=True))
)
TICKET_COUNTS = _ticket_counts()
NEW_BY_GRID = (
    select(Ticket.grid_id, func.count(Ticket.id))
    .where(Ticket.grid_id.in_(bindparam("grids", expanding=True)), _within(Ticket.created_at))
    .group_by(Ticket.grid_id)
)
STAFF_OF_GRIDS = select(Staff.id).where(Staff.unit_id.in_(bindparam("grids", expanding=True)))
PATROL_STATES = select(Patrol.state).where(
    Patrol.staff_id.in_(STAFF_OF_GRIDS), Patrol.day.in_(bindparam("days", expanding=True))
)
VISITS_DONE = select(func.count(Visit.id)).where(
    _within(Visit.at), Visit.staff_id.in_(STAFF_OF_GRIDS)
)
WORST_OVERDUE = (
    ticket_query()
    .where(Ticket.grid_id.in_(bindparam("grids", expanding=True)), LATE_NOW)
    .order_by(func.coalesce(Ticket.overdue_since, Ticket.deadline_at))
)

# The assessment asks these for every worker.
PATROLS_DONE = select(func.count(Patrol.id)).where(
    Patrol.staff_id == bindparam("staff_id"),
    Patrol.state == "done",
    Patrol.day >= bindparam("first_day"),
    Patrol.day < bindparam("end_day"),
)
VISITS_BY = select(func.count(Visit.id)).where(
    Visit.staff_id == bindparam("staff_id"), _within(Visit.at)
)
TAGGED_HOUSEHOLDS = select(func.count(Household.id)).where(
    Household.grid_id == bindparam("grid_id"),
    (Household.tags != "") | Household.sensitive_tags.is_not(None),
)

VISITS_LISTED = (
    select(Visit, Staff.name, Household.code)
    .join(Staff, Staff.id == Visit.staff_id)
    .join(Household, Household.id == Visit.household_id)
    .order_by(Visit.at.desc(), Visit.id.desc())
)


class Rhythm(Repository):
    # Patrols (一日双巡)
    async def patrol(self, staff_id: int, day: str, slot: int) -> Patrol | None:
        return await self.session.scalar(
            PATROL_OF_SLOT, {"staff_id": staff_id, "day": day, "slot": slot}
        )

    async def missed_patrol(self, staff_id: int, day: str, slot: int) -> Patrol | None:
        return await self.session.scalar(
            MISSED_PATROL, {"staff_id": staff_id, "day": day, "slot": slot}
        )

    async def active_patrol(self, staff_id: int) -> Patrol | None:
        """The worker's patrol under way, the latest started if several."""
        return await self.session.scalar(ACTIVE_PATROL, {"staff_id": staff_id})

    async def patrols_of_slot(self, day: str, slot: int) -> dict[int, Patrol]:
        """Every worker's patrol of this slot, by staff id."""
        query = select(Patrol).where(Patrol.day == day, Patrol.slot == slot)
        return {p.staff_id: p for p in await self.session.scalars(query)}

    async def patrols_on_days(
        self, staff_id: int, days: list[str]
    ) -> dict[tuple[str, int], Patrol]:
        """The worker's patrols of these days, by (day, slot)."""
        found = await self.session.scalars(PATROLS_ON_DAYS, {"staff_id": staff_id, "days": days})
        return {(p.day, p.slot): p for p in found}

    # Visits (五必访)
    async def last_visits(self) -> dict[int, datetime]:
        """When each household was last visited, by household id."""
        return dict((await self.session.execute(LAST_VISITS)).all())

    async def households_in(self, grid_ids: list[int]) -> list[Household]:
        return list(await self.session.scalars(HOUSEHOLDS_IN, {"grid_ids": grid_ids}))

    async def household(self, household_id: int) -> Household | None:
        return await self.session.get(Household, household_id)

    async def household_by_code(self, code: str) -> Household | None:
        return await self.session.scalar(HOUSEHOLD_BY_CODE, {"code": code})

    async def visits_of_household(self, household_id: int, limit: int) -> list[tuple]:
        """(visit, staff name, household code), the latest first."""
        query = VISITS_LISTED.where(Visit.household_id == household_id).limit(limit)
        return [tuple(row) for row in await self.session.execute(query)]

    async def visits_of_staff(self, staff_id: int, limit: int) -> list[tuple]:
        """(visit, staff name, household code), the latest first."""
        query = VISITS_LISTED.where(Visit.staff_id == staff_id).limit(limit)
        return [tuple(row) for row in await self.session.execute(query)]

    async def last_visit_by(self, staff_id: int) -> Visit | None:
        return await self.session.scalar(LAST_VISIT_BY, {"staff_id": staff_id})

    # Digests
    async def units_at_level(self, level: str) -> list[OrgUnit]:
        return list(await self.session.scalars(select(OrgUnit).where(OrgUnit.level == level)))

    async def supervisors_of(self, unit_ids: list[int]) -> list[Staff]:
        """The supervisors on duty of these units (in the database's order)."""
        query = select(Staff).where(
            Staff.has_role("supervisor"), Staff.active.is_(True), Staff.unit_id.in_(unit_ids)
        )
        return list(await self.session.scalars(query))

    async def grids_under(self, path: str) -> list[int]:
        """The grids of the unit with this path, and of every unit below it."""
        query = select(OrgUnit.id).where(OrgUnit.level == "grid", under(path))
        return list(await self.session.scalars(query))

    async def unit_names(self, unit_ids: list[int]) -> dict[int, str]:
        return dict((await self.session.execute(UNIT_NAMES, {"ids": unit_ids})).all())

    async def ticket_counts(
        self, grids: list[int], start: datetime, end: datetime, now: datetime
    ) -> dict[str, Counter]:
        """Tickets of the grids by category: new, accepted, resolved and escalated between
        `start` and `end`, and overdue at `now`."""
        params = {"grids": grids, "start": start, "end": end, "now": now}
        counts = {}
        for name, query in TICKET_COUNTS.items():
            rows = await self.session.execute(query, params)
            counts[name] = Counter(dict(rows.all()))
        return counts

    async def new_by_grid(self, grids: list[int], start: datetime, end: datetime) -> Counter:
        rows = await self.session.execute(
            NEW_BY_GRID, {"grids": grids, "start": start, "end": end}
        )
        return Counter(dict(rows.all()))

    async def patrol_states(self, grids: list[int], days: list[str]) -> Counter:
        """How many patrols of the grids' staff on these days are in each state."""
        return Counter(await self.session.scalars(PATROL_STATES, {"grids": grids, "days": days}))

    async def visits_done(self, grids: list[int], start: datetime, end: datetime) -> int:
        """Visits by the grids' staff between `start` and `end`."""
        return await self.session.scalar(VISITS_DONE, {"grids": grids, "start": start, "end": end})

    async def worst_overdue(self, grids: list[int], now: datetime, limit: int) -> list[Ticket]:
        """The grids' open tickets past their deadline, the longest overdue first."""
        query = WORST_OVERDUE.limit(limit)
        return list(await self.session.scalars(query, {"grids": grids, "now": now}))

    # The assessment (考核)
    async def unit_paths(self) -> dict[int, str]:
        return dict((await self.session.execute(select(OrgUnit.id, OrgUnit.path))).all())

    async def assessed_staff(self, within: str | None = None) -> list[Staff]:
        """Everyone but supervisors (of the unit with path `within` and below it), by userid."""
        query = select(Staff).where(~Staff.has_role("supervisor")).order_by(Staff.userid)
        if within is not None:
            query = query.join(OrgUnit, OrgUnit.id == Staff.unit_id).where(under(within))
        return list(await self.session.scalars(query))

    async def patrols_done(self, staff_id: int, first_day: str, end_day: str) -> int:
        """Patrols the worker finished from `first_day` up to, not including, `end_day`."""
        params = {"staff_id": staff_id, "first_day": first_day, "end_day": end_day}
        return await self.session.scalar(PATROLS_DONE, params)

    async def visits_by(self, staff_id: int, start: datetime, end: datetime) -> int:
        params = {"staff_id": staff_id, "start": start, "end": end}
        return await self.session.scalar(VISITS_BY, params)

    async def tagged_households(self, grid_id: int) -> int:
        """The grid's households with a care or key-population tag (the ones to visit)."""
        return await self.session.scalar(TAGGED_HOUSEHOLDS, {"grid_id": grid_id})
