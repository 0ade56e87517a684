"""The same problem reported by another household nearby is linked, not opened again."""

from __future__ import annotations

import math
from datetime import datetime

from handlers import texts
from handlers.policy import Policy
from handlers.tickets.lifecycle import record
from handlers.tickets.notify import tell_staff
from handlers.tickets.routing import clip
from storage.models import Resident, Ticket, TicketReporter
from storage.uow import UnitOfWork

EARTH_RADIUS_M = 6_371_000
METRES_PER_DEGREE = 111_320


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


async def find(
    uow: UnitOfWork, resident: Resident, category: str, now: datetime, policy: Policy
) -> Ticket | None:
    """An open ticket of the same category from another household within the radius and
    window, nearest first."""
    if resident.lat is None or resident.lon is None:
        return None
    return await nearest_open(
        uow, category, resident.lat, resident.lon, now, policy, other_than=resident.id
    )


async def nearest_open(
    uow: UnitOfWork,
    category: str,
    lat: float,
    lon: float,
    now: datetime,
    policy: Policy,
    other_than: int | None = None,
) -> Ticket | None:
    """The nearest open ticket of the category within the radius and window, other than
    resident `other_than`'s own."""
    radius = policy.duplicate_radius_m
    dlat = radius / METRES_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    found = await uow.tickets.open_nearby(
        category,
        other_than=other_than,
        since=now - policy.duplicate_window,
        box=(lat - dlat, lat + dlat, lon - dlon, lon + dlon),
    )
    near = [(distance_m(lat, lon, t.lat, t.lon), t.id, t) for t in found]
    near = [item for item in near if item[0] <= radius]
    return min(near)[2] if near else None


async def link(
    uow: UnitOfWork, ticket: Ticket, resident: Resident, text: str, now: datetime
) -> str:
    if not await uow.tickets.is_reporter(ticket, resident.id):
        uow.add(
            TicketReporter(ticket_id=ticket.id, resident_id=resident.id, text=text, created_at=now)
        )
    await join(uow, ticket, "resident", text, now)
    return texts.RESIDENT_DUPLICATE.format(code=ticket.code, state=texts.STATE_NAMES[ticket.state])


async def join(uow: UnitOfWork, ticket: Ticket, actor: str, text: str, now: datetime) -> None:
    """Another report of the ticket's problem goes on its trail and to the person handling
    it."""
    event = record(ticket, "duplicate", actor=actor, now=now, note=clip(text, 60))
    assignee = await uow.people.staff_by_id(ticket.assignee_id)
    await tell_staff(
        uow,
        event,
        [assignee] if assignee else [],
        texts.DUPLICATE_NOTICE.format(code=ticket.code, text=clip(text, 100)),
        now,
        ticket.grid_id,
    )
