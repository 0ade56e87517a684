"""The console's quarterly assessment page: handlers.rhythm.assessment's scores (the chat's
and the CLI's), for the staff of the visitor's unit and below it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.calendar import Rhythm, local
from handlers.console.listing import scope_of
from handlers.policy import Policy
from handlers.registry.lookup import audit
from handlers.rhythm.assessment import Score, assess, nothing_recorded, quarter_bounds
from storage.models import Staff
from storage.uow import UnitOfWork


class BadQuarter(ValueError):
    """Not a quarter like 2026Q4, or one that has not begun."""


@dataclass(frozen=True)
class Quarterly:
    quarter: str
    unit: str
    scores: list[Score]
    empty: bool  # nothing recorded: nobody graded


def this_quarter(now: datetime) -> str:
    today = local(now)
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def quarter_asked(given: str | None, now: datetime) -> str:
    quarter = (given or "").strip().upper()[:10] or this_quarter(now)
    try:
        start, _ = quarter_bounds(quarter)
    except ValueError:
        raise BadQuarter(quarter) from None
    if start > now:
        raise BadQuarter(quarter)
    return quarter


async def quarterly(
    uow: UnitOfWork,
    staff: Staff,
    given: str | None,
    now: datetime,
    policy: Policy,
    rhythm: Rhythm,
    download: bool = False,
) -> Quarterly:
    """The quarter's scores within the visitor's scope; a download is audited as an export."""
    quarter = quarter_asked(given, now)
    scope = await scope_of(uow, staff)
    scores = await assess(uow, quarter, now, policy, rhythm, within=scope.unit_path)
    if download:
        audit(uow, staff, "export_assessment", quarter, f"console: {scope.unit_path[:150]}", now)
    return Quarterly(quarter, scope.unit_path, scores, nothing_recorded(scores))
