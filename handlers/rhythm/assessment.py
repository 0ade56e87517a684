"""考核: the quarterly assessment of every worker, from the record of their work."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from handlers import texts
from handlers.calendar import SHANGHAI, Rhythm, local
from handlers.policy import Policy
from handlers.rhythm import rates
from handlers.tickets.notify import chunks
from storage.models import Staff
from storage.outbox import Message
from storage.uow import UnitOfWork

QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
GRADES = ("优秀", "合格", "不合格")
NOT_RATED = "-"  # nothing measurable this quarter
RATES = ("accept_rate", "resolve_rate", "satisfaction", "patrol_rate", "visit_rate")


def quarter_bounds(text: str) -> tuple[datetime, datetime]:
    match = QUARTER.match(text.strip().upper())
    if not match:
        raise ValueError(f"{text!r} is not a quarter like 2026Q4")
    year, quarter = int(match.group(1)), int(match.group(2))
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=SHANGHAI)
    end = datetime(
        year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1, tzinfo=SHANGHAI
    )
    return start, end


@dataclass
class Score:
    userid: str
    name: str
    unit: str
    tickets: int
    withdrawn: int  # taken back by the resident: counted apart, neither handled nor late
    accept_rate: float | None
    resolve_rate: float | None
    satisfaction: float | None
    patrol_rate: float | None
    visit_rate: float | None
    score: float | None  # None: nothing could be measured
    grade: str

    def row(self) -> dict:
        return asdict(self)


async def assess(
    uow: UnitOfWork,
    quarter: str,
    now: datetime,
    policy: Policy,
    rhythm: Rhythm,
    within: str | None = None,
) -> list[Score]:
    """Every assessed worker's score (those of the unit with path `within` and below it,
    when given). The ticket rates are handlers.rhythm.rates', as the dashboard's."""
    start, end = quarter_bounds(quarter)
    if start > now:
        raise ValueError(f"{quarter} has not begun yet")
    end = min(end, now)
    units = await uow.rhythm.unit_paths()
    tallied = await rates.by_assignee(uow, policy, start, end)
    scores = []
    for staff in await uow.rhythm.assessed_staff(within):
        tally = tallied.get(staff.id, rates.Tally())
        measured = {
            "accept": tally.accept_rate,
            "resolve": tally.resolve_rate,
            "satisfaction": tally.satisfaction,
        }
        if staff.has_role("grid_worker"):
            measured["patrol"] = await _patrol_rate(uow, staff, start, end, rhythm)
            measured["visit"] = await _visit_rate(uow, staff, start, end)
        if not (tally.tickets or tally.withdrawn) and not staff.has_role("grid_worker"):
            continue
        score = weighted(measured, rhythm)
        scores.append(
            Score(
                staff.userid,
                staff.name,
                units.get(staff.unit_id, ""),
                tally.tickets,
                tally.withdrawn,
                measured["accept"],
                measured["resolve"],
                measured["satisfaction"],
                measured.get("patrol"),
                measured.get("visit"),
                score,
                grade(score, rhythm),
            )
        )
    return [ungraded(s) for s in scores] if nothing_recorded(scores) else scores


def ungraded(score: Score) -> Score:
    """Nobody worked the quarter in gridbot: a 0% patrol rate would only grade the calendar."""
    unmeasured = dict.fromkeys(RATES)
    return replace(score, **unmeasured, score=None, grade=NOT_RATED)


def nothing_recorded(scores: list[Score]) -> bool:
    """A quarter without a ticket, a patrol or a visit: there is nothing to grade anyone on."""
    return not any(s.tickets or s.patrol_rate or s.visit_rate for s in scores)


async def _patrol_rate(
    uow: UnitOfWork, staff: Staff, start: datetime, end: datetime, rhythm: Rhythm
) -> float | None:
    days = max((end - start) // timedelta(days=1), 0)
    expected = days * len(rhythm.patrol_times)
    if not expected:
        return None
    done = await uow.rhythm.patrols_done(
        staff.id, start.date().isoformat(), end.date().isoformat()
    )
    return min(done / expected, 1.0)


async def _visit_rate(
    uow: UnitOfWork, staff: Staff, start: datetime, end: datetime
) -> float | None:
    done = await uow.rhythm.visits_by(staff.id, start, end)
    households = await uow.rhythm.tagged_households(staff.unit_id)
    return min(done / households, 1.0) if households else None


def weighted(rates: dict[str, float | None], rhythm: Rhythm) -> float | None:
    """The weighted mean of the rates that could be measured, out of 100."""
    known = {k: v for k, v in rates.items() if v is not None}
    total = sum(rhythm.weights[k] for k in known)
    if not total:
        return None
    return round(100 * sum(rhythm.weights[k] * v for k, v in known.items()) / total, 1)


def grade(score: float | None, rhythm: Rhythm) -> str:
    if score is None:
        return NOT_RATED
    if score >= rhythm.excellent:
        return GRADES[0]
    return GRADES[1] if score >= rhythm.passing else GRADES[2]


async def send_quarter(uow: UnitOfWork, now: datetime, policy: Policy, rhythm: Rhythm) -> int:
    """When a quarter closes, its assessment goes to the county supervisors: the number of
    messages written."""
    closed = local(now).replace(day=1) - timedelta(days=1)
    quarter = f"{closed.year}Q{(closed.month - 1) // 3 + 1}"
    scores = await assess(uow, quarter, now, policy, rhythm)
    empty = [texts.ASSESSMENT_EMPTY.format(quarter=quarter)]
    lines = empty if nothing_recorded(scores) else _grade_lines(quarter, scores)
    messages = [
        Message(
            channel="work",
            recipient=person.userid,
            text=part,
            dedup_key=f"assessment:{person.userid}:{quarter}:{n}",
        )
        for person in await uow.people.supervisors_at_level("county")
        for n, part in enumerate(chunks(lines))
    ]
    await uow.outbox.put(messages, now)
    return len(messages)


def _grade_lines(quarter: str, scores: list[Score]) -> list[str]:
    return [texts.ASSESSMENT_HEADER.format(quarter=quarter, count=len(scores))] + [
        texts.ASSESSMENT_LINE.format(
            name=s.name,
            unit=s.unit.rsplit("/", 1)[-1],
            score="-" if s.score is None else s.score,
            grade=s.grade,
        )
        for s in scores
    ]
