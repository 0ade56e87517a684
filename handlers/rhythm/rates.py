"""及时签收率, 按时办结率 and 满意率: one definition for the quarterly assessment and the
console's dashboard. Both ask `tallies` (counts summed in SQL) and read the rates off a Tally,
so the two can never disagree on what "on time" or "satisfied" means."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from handlers.policy import Policy
from nlu.categories import CATEGORY_IDS
from storage.repos.console import Scope
from storage.repos.rates import Limits
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Tally:
    """Tickets (withdrawn ones apart: taken back by the resident, neither handled nor late);
    of them, those accepted and those accepted in time; resolved, and resolved in time (never
    late for being on site or resolving); rated, and rated 满意/基本满意 (or by default)."""

    tickets: int = 0
    withdrawn: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    rated: int = 0
    satisfied: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def accept_rate(self) -> float | None:
        return _share(self.accepted_on_time, self.accepted)

    @property
    def resolve_rate(self) -> float | None:
        return _share(self.resolved_on_time, self.resolved)

    @property
    def satisfaction(self) -> float | None:
        return _share(self.satisfied, self.rated)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def limits(policy: Policy) -> Limits:
    def pair(sla) -> tuple[float, float]:
        return sla.accept.total_seconds(), sla.resolve.total_seconds()

    return Limits(
        {c: pair(policy.sla_for(c, False)) for c in CATEGORY_IDS},
        pair(policy.urgent_sla),
        pair(policy.sla),
    )


async def by_assignee(
    uow: UnitOfWork, policy: Policy, start: datetime, end: datetime
) -> dict[int, Tally]:
    """Each staff member's tally of the tickets assigned to them created in the period."""
    found = await uow.rates.by_assignee(start, end, limits(policy))
    return {key[0]: _tally(counts) for key, counts in found.items()}


async def by_place_and_period(
    uow: UnitOfWork, policy: Policy, scope: Scope, starts: list[datetime], end: datetime
) -> dict[tuple[int | None, int], Tally]:
    """The tally of the tickets in scope by place (grid, else unit) and period index."""
    found = await uow.rates.by_place_and_period(scope, starts, end, limits(policy))
    return {key: _tally(counts) for key, counts in found.items()}


def _tally(counts) -> Tally:
    return Tally(*map(int, counts))
