"""Residents (openids on the Official Account) and staff (WeCom userids)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import selectinload

from storage.db import insert_ignoring
from storage.models import OrgUnit, OutboxMessage, Resident, Staff, Ticket
from storage.repos.base import Repository
from storage.repos.tickets import OPEN_STATES

BUSY_UP_TO = 1_000  # open tickets counted for "least busy": past this, equally busy


@lru_cache(maxsize=64)  # built once for each set of roles: every routed report asks it
def least_busy_first(roles: tuple[str, ...]) -> Select:
    """Staff of the units holding any of `roles`, the least busy last. A role is matched in
    the `role` text (Staff.has_role): the unit ids, indexed, bound the rows it looks at. Each
    one's open tickets are counted up to BUSY_UP_TO, so that the count costs the same however
    many a grid has open."""
    open_ones = (
        select(Ticket.id)
        .where(Ticket.assignee_id == Staff.id, Ticket.state.in_(OPEN_STATES))
        .correlate(Staff)
        .limit(BUSY_UP_TO)
        .subquery()
    )
    return (
        select(Staff)
        .where(
            Staff.unit_id.in_(bindparam("unit_ids", expanding=True)),
            Staff.has_role(*roles),
            Staff.active.is_(True),
            Staff.id != bindparam("exclude"),
        )
        .order_by(
            select(func.count()).select_from(open_ones).scalar_subquery().desc(),
            Staff.userid.desc(),
        )
    )


ON_DUTY_BY_USERID = select(Staff).where(
    Staff.userid == bindparam("userid"), Staff.active.is_(True)
)
ANY_BY_USERID = select(Staff).where(Staff.userid == bindparam("userid"))
# What the resident's next message may answer (a kind to pick, a rating to give) and whether
# updates wait to be shown, asked with the resident's row: most messages need neither, and
# then neither is asked again.
AWAITS_ANSWER = (
    exists()
    .where(Ticket.resident_id == Resident.id)
    .where(
        ((Ticket.state == "new") & Ticket.category_options.is_not(None))
        | (Ticket.state == "resolved")
    )
)
HAS_HELD = exists().where(
    OutboxMessage.channel == "mp",
    OutboxMessage.recipient == Resident.openid,
    OutboxMessage.state == "held",
)
# The resident's row is locked for the message's transaction (PostgreSQL; SQLite has one
# writer): one resident's messages at once are handled one after another, so their rate
# limit and emergency alerts count every one.
RESIDENT_BY_OPENID = (
    select(Resident, AWAITS_ANSWER.label("awaits"), HAS_HELD.label("held"))
    .where(Resident.openid == bindparam("openid"))
    .with_for_update(of=Resident)
)


class People(Repository):
    async def resident(self, openid: str) -> Resident | None:
        """Asked once per unit of work: the limiter and the handler share what it found."""
        known = self.session.info.setdefault("residents", {})
        if openid not in known:
            row = (await self.session.execute(RESIDENT_BY_OPENID, {"openid": openid})).first()
            if row is not None:  # what the row said when it was read (not mapped columns)
                row.Resident.awaits_answer, row.Resident.has_held = row.awaits, row.held
            known[openid] = row.Resident if row is not None else None
        return known[openid]

    async def get_or_add_resident(self, openid: str, now: datetime) -> Resident:
        """The resident, added if new; two first messages at once add one."""
        resident = await self.resident(openid)
        if resident is None:
            await self.session.execute(
                insert_ignoring(self.session, Resident, "openid"),
                {"openid": openid, "created_at": now, "subscribed": True},
            )
            del self.session.info["residents"][openid]
            resident = await self.resident(openid)
        return resident

    async def staff_by_id(self, staff_id: int | None) -> Staff | None:
        return await self.session.get(Staff, staff_id) if staff_id is not None else None

    async def staff(self, userid: str, *, off_duty_too: bool = False) -> Staff | None:
        """The staff member on duty with this WeCom userid (or off duty too, for operators)."""
        query = ANY_BY_USERID if off_duty_too else ON_DUTY_BY_USERID
        return await self.session.scalar(query, {"userid": userid})

    async def find_staff(self, who: str) -> list[Staff]:
        """Staff by WeCom userid, else by name (possibly several)."""
        by_id = await self.staff(who)
        if by_id:
            return [by_id]
        query = select(Staff).where(Staff.name == who, Staff.active.is_(True))
        return list(await self.session.scalars(query.order_by(Staff.userid)))

    async def roster(self) -> list[Staff]:
        """Everyone on the roster, on duty or not, with their units."""
        query = select(Staff).options(selectinload(Staff.unit)).order_by(Staff.userid)
        return list(await self.session.scalars(query))

    async def grid_workers(self) -> list[Staff]:
        query = select(Staff).where(Staff.has_role("grid_worker"), Staff.active.is_(True))
        return list(await self.session.scalars(query.order_by(Staff.userid)))

    async def supervisors(self, unit_ids: list[int]) -> list[Staff]:
        query = select(Staff).where(
            Staff.unit_id.in_(unit_ids), Staff.has_role("supervisor"), Staff.active.is_(True)
        )
        return list(await self.session.scalars(query.order_by(Staff.userid)))

    async def of_role(self, unit_ids: list[int], role: str) -> list[Staff]:
        """Everyone on duty with this role in these units (the duty desk: `duty`)."""
        query = select(Staff).where(
            Staff.unit_id.in_(unit_ids), Staff.has_role(role), Staff.active.is_(True)
        )
        return list(await self.session.scalars(query.order_by(Staff.userid)))

    async def supervisors_at_level(self, level: str) -> list[Staff]:
        """The supervisors on duty of every unit at this level (county, township …)."""
        units = select(OrgUnit.id).where(OrgUnit.level == level)
        query = select(Staff).where(
            Staff.has_role("supervisor"), Staff.active.is_(True), Staff.unit_id.in_(units)
        )
        return list(await self.session.scalars(query.order_by(Staff.userid)))

    async def least_busy(
        self, unit_ids: list[int], roles: tuple[str, ...], exclude: Staff | None = None
    ) -> dict[tuple[int, str], Staff]:
        """For each (unit, role), the active member holding it with the fewest open tickets
        (then by userid), in one query; someone with two of `roles` counts for both."""
        found = await self.session.scalars(
            least_busy_first(roles),
            {"unit_ids": unit_ids, "exclude": exclude.id if exclude else -1},
        )
        return {
            (staff.unit_id, role): staff
            for staff in found  # the least busy last: it stays
            for role in staff.roles
            if role in roles
        }

    async def least_busy_staff(
        self, unit_id: int, role: str, exclude: Staff | None = None
    ) -> Staff | None:
        return (await self.least_busy([unit_id], (role,), exclude)).get((unit_id, role))

    async def grid_worker(self, grid_id: int) -> Staff | None:
        return await self.least_busy_staff(grid_id, "grid_worker")

    async def staff_of_units(self, unit_ids: list[int]) -> list[Staff]:
        """Everyone on the roster of these units, on duty or not, by name."""
        query = select(Staff).where(Staff.unit_id.in_(unit_ids))
        return list(await self.session.scalars(query.order_by(Staff.name, Staff.userid)))

    async def remove(self, resident: Resident) -> None:
        """The resident's row is deleted (forgotten), and no longer known to this unit of work."""
        await self.session.delete(resident)
        self.session.info.get("residents", {}).pop(resident.openid, None)
