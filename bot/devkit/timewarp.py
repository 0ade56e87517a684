"""The demo's clock, which `/快进` moves: the scheduled jobs and deadlines it passes run, in
order, at the times they fall due, as a day of the real service would run them."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.app import act_on_due
from bot.scheduler import Job, check_unassigned, jobs, run_job
from handlers.calendar import SHANGHAI, local

STEP = timedelta(minutes=5)  # deadlines are looked at this often while time runs forward,
MOST_STOPS = 288  # or, over more than a day, this many times
LONGEST = timedelta(days=31)
UNITS = {
    "天": "days",
    "d": "days",
    "小时": "hours",
    "时": "hours",
    "h": "hours",
    "分钟": "minutes",
    "分": "minutes",
    "m": "minutes",
}
PART = re.compile(r"(\d+)\s*(" + "|".join(sorted(UNITS, key=len, reverse=True)) + r")")
AT = re.compile(r"^到\s*(\d{1,2})[:：](\d{2})$")


@dataclass
class DemoClock:
    """Wall-clock time moved by an offset; it runs on between the moves."""

    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def move_to(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)

    @classmethod
    def starting_at(cls, at: time) -> DemoClock:
        """Today (Asia/Shanghai) at `at`: the demo's working day begins there."""
        today = local(datetime.now(UTC)).date()
        clock = cls()
        clock.move_to(datetime.combine(today, at, SHANGHAI).astimezone(UTC))
        return clock


def parse_forward(argument: str, now: datetime) -> datetime:
    """`2小时`, `1天3小时`, `30分钟`, `90m` from now; `到 18:00` the next 18:00 (Asia/Shanghai)."""
    text = argument.strip().replace(" ", "")
    at = AT.match(text)
    if at:
        hour, minute = int(at.group(1)), int(at.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(argument)
        here = local(now)
        target = here.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return (target if target > here else target + timedelta(days=1)).astimezone(UTC)
    parts = PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(argument)
    span = sum((timedelta(**{UNITS[u]: int(n)}) for n, u in parts), timedelta(0))
    if not timedelta(0) < span <= LONGEST:
        raise ValueError(argument)
    return now + span


def planned_between(scheduled: list[Job], start: datetime, end: datetime) -> list:
    """(time, job) for each run planned in (start, end], earliest first."""
    runs, day = [], local(start).date()
    while day <= local(end).date():
        for job in scheduled:
            at = datetime.combine(day, job.at, SHANGHAI)
            if start < at <= end and job.falls_on(at):
                runs.append((at.astimezone(UTC), job))
        day += timedelta(days=1)
    return sorted(runs, key=lambda run: run[0])


async def run_until(
    services, clock: DemoClock, target: datetime, settle: Callable[[], Awaitable[None]]
) -> None:
    """Move the clock to `target`, stopping at each job's time and every few minutes for
    deadlines; what each stop sends is delivered before the next."""
    due: dict[datetime, list[Job]] = {}
    for at, job in planned_between(jobs(services.rhythm), clock.now(), target):
        due.setdefault(at, []).append(job)
    stops, moment = set(due) | {target}, clock.now()
    step = max(STEP, (target - moment) / MOST_STOPS)
    while moment + step < target:
        moment += step
        stops.add(moment)
    for moment in sorted(stops):
        clock.move_to(moment)
        for job in due.get(moment, []):
            await run_job(services, job, moment)
        acted = await act_on_due(services.sessionmaker, moment, services.policy)
        acted += await check_unassigned(services)
        if acted or moment in due:
            services.relay.wake()
            await settle()
