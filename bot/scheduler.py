"""The rhythm in time: APScheduler runs the jobs at Asia/Shanghai wall-clock times.

Jobs take plain values, coalesce and have a generous misfire grace; each message a job sends
carries an idempotency key (job, recipient, period) under the outbox's unique constraint, so a
restart or a second scheduler never sends it twice. On start, jobs whose time passed today while
the service was down run once if still useful. With PostgreSQL only the holder of an advisory
lock runs jobs; another process takes over when the holder dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlalchemy.orm.exc import StaleDataError

from handlers.calendar import SHANGHAI, Rhythm, local
from handlers.policy import Policy
from handlers.rhythm import digests, patrols, visits
from handlers.rhythm.assessment import send_quarter
from handlers.tickets import unassigned
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
LOCK_ID = 7_264_211  # pg_advisory_lock key for the scheduler leader
LEADER_RETRY_SECONDS = 15
MISFIRE_GRACE_SECONDS = 3600
UNASSIGNED_CHECK_SECONDS = 30  # a report nobody could route reaches the duty desk this soon


@dataclass(frozen=True)
class Job:
    name: str
    at: time
    run: Callable[[object, datetime], Awaitable[int]]
    day_of_week: str = "*"
    useful_for: timedelta = timedelta(hours=3)  # after a restart, still worth sending this long
    month: str = "*"
    day: str = "*"

    def falls_on(self, moment: datetime) -> bool:
        here = local(moment)
        return (
            (self.day_of_week == "*" or here.strftime("%a").lower() == self.day_of_week)
            and (self.month == "*" or here.month in _numbers(self.month))
            and (self.day == "*" or here.day in _numbers(self.day))
        )


def _numbers(spec: str) -> set[int]:
    return {int(part) for part in spec.split(",")}


def jobs(rhythm: Rhythm) -> list[Job]:
    out = []
    for slot, (at, due) in enumerate(zip(rhythm.patrol_times, rhythm.patrol_due, strict=False)):
        out.append(
            Job(f"patrol-remind-{slot}", at, _patrol_remind(slot), useful_for=_between(at, due))
        )
        out.append(
            Job(f"patrol-due-{slot}", due, _patrol_due(slot), useful_for=timedelta(hours=6))
        )
    out += [
        Job(
            "visit-plans",
            time(8, 0),
            _visit_plans,
            day_of_week="mon",
            useful_for=timedelta(hours=10),
        ),
        Job("digest-village", rhythm.digest_daily, _digest("village", digests.day_period)),
        Job(
            "digest-township",
            time(8, 0),
            _digest("township", lambda now: digests.day_period(now, days_back=1)),
        ),
        Job(
            "digest-county", time(8, 0), _digest("county", digests.week_period), day_of_week="mon"
        ),
        Job(
            "assessment",
            time(8, 0),
            _assessment,
            month="1,4,7,10",
            day="1",
            useful_for=timedelta(hours=12),
        ),
    ]
    return out


def _between(start: time, end: time) -> timedelta:
    today = datetime(2000, 1, 1)
    return max(datetime.combine(today, end) - datetime.combine(today, start), timedelta(0))


def _patrol_remind(slot: int):
    async def run(services, now: datetime) -> int:
        return await _in_unit_of_work(services, lambda s: patrols.remind(s, now, slot))

    return run


def _patrol_due(slot: int):
    async def run(services, now: datetime) -> int:
        return await _in_unit_of_work(services, lambda s: patrols.close_due(s, now, slot))

    return run


async def _visit_plans(services, now: datetime) -> int:
    key = services.data_key
    if key is None:
        log.warning("visit plans skipped: the registry has no data key")
        return 0
    return await _in_unit_of_work(
        services, lambda s: visits.send_plans(s, now, services.rhythm, key)
    )


def _digest(level: str, period: Callable[[datetime], digests.Period]):
    async def run(services, now: datetime) -> int:
        return await _in_unit_of_work(
            services,
            lambda s: digests.send(s, level, period(now), now, services.rhythm, services.data_key),
        )

    return run


async def _in_unit_of_work(services, work) -> int:
    """A job's use case in a transaction of its own, committed here (the edge), then the
    relay is woken for what it wrote."""
    async with UnitOfWork.opened(services.sessionmaker) as uow:
        done = await work(uow)
        await uow.commit()
    services.relay.wake()
    return done


async def run_job(services, job: Job, now: datetime | None = None) -> int:
    now = now or services.clock.now()
    done = await job.run(services, now)
    log.info("job %s ran for %d recipients", job.name, done)
    services.job_runs[job.name] = services.job_runs.get(job.name, 0) + 1
    if services.metrics:
        services.metrics.job_runs.labels(job.name).inc()
    return done


async def catch_up(services, rhythm: Rhythm) -> list[str]:
    """Run, once, today's jobs whose time passed while the service was down, if still useful.
    Sending twice is impossible: each message's idempotency key is already there if it went."""
    now = services.clock.now()
    here, ran = local(now), []
    for job in jobs(rhythm):
        planned = here.replace(hour=job.at.hour, minute=job.at.minute, second=0, microsecond=0)
        if job.falls_on(here) and planned <= here < planned + job.useful_for:
            await run_job(services, job, planned.astimezone(now.tzinfo))
            ran.append(job.name)
    return ran


class Scheduler:
    def __init__(self, services):
        self.services = services
        self.aps = AsyncIOScheduler(
            timezone=SHANGHAI,
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": MISFIRE_GRACE_SECONDS,
                "max_instances": 1,
            },
        )
        self._lock_connection = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._lead())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.aps.running:
            self.aps.shutdown(wait=False)
        if self._lock_connection is not None:
            with contextlib.suppress(Exception):
                await self._lock_connection.close()

    async def _lead(self) -> None:
        while not await self._become_leader():
            await asyncio.sleep(LEADER_RETRY_SECONDS)
        rhythm = self.services.rhythm
        for job in jobs(rhythm):
            trigger = CronTrigger(
                month=job.month,
                day=job.day,
                day_of_week=job.day_of_week,
                hour=job.at.hour,
                minute=job.at.minute,
                timezone=SHANGHAI,
            )
            self.aps.add_job(
                run_job, trigger, args=[self.services, job], id=job.name, replace_existing=True
            )
        self.aps.add_job(
            check_unassigned,
            IntervalTrigger(seconds=UNASSIGNED_CHECK_SECONDS, timezone=SHANGHAI),
            args=[self.services],
            id="unassigned-to-desk",
            replace_existing=True,
        )
        self.aps.start()
        await catch_up(self.services, rhythm)
        await check_unassigned(self.services)
        log.info("scheduler running %d jobs", len(self.aps.get_jobs()))

    async def _become_leader(self) -> bool:
        """On PostgreSQL, hold an advisory lock for as long as this process lives."""
        engine = self.services.engine
        if engine.dialect.name != "postgresql":
            return True
        connection = await engine.connect()
        got = await connection.scalar(text("SELECT pg_try_advisory_lock(:id)"), {"id": LOCK_ID})
        if got:
            self._lock_connection = connection
            log.info("this process leads the scheduler")
            return True
        await connection.close()
        return False


async def _assessment(services, now: datetime) -> int:
    """When a quarter closes, its assessment goes to the county supervisors."""
    return await _in_unit_of_work(
        services, lambda uow: send_quarter(uow, now, services.policy, services.rhythm)
    )


async def check_unassigned(services) -> int:
    """Every ticket still new and unassigned `locate_within` after it came in goes to the
    county's duty desk; how many went."""
    try:
        done = await hand_unassigned_to_desk(
            services.sessionmaker, services.clock.now(), services.policy
        )
    except Exception:  # a dead database must not end the job
        log.exception("unassigned-ticket check failed; will retry")
        return 0
    if done:
        log.info("%d unassigned ticket(s) handed to the duty desk", done)
        services.relay.wake()
    return done


async def hand_unassigned_to_desk(sessionmaker, now: datetime, policy: Policy) -> int:
    """One round of the check, one ticket per transaction (as the deadline watch does)."""
    return await ticket_by_ticket(
        sessionmaker,
        lambda uow: unassigned.waiting(uow, now, policy),
        lambda uow, ticket_id: unassigned.hand_to_desk(uow, ticket_id, now, policy),
    )


async def ticket_by_ticket(
    sessionmaker,
    find: Callable[[UnitOfWork], Awaitable[list[int]]],
    act: Callable[[UnitOfWork, int], Awaitable[int]],
) -> int:
    """The tickets `find` names, each acted on in a transaction of its own; a ticket another
    process changed meanwhile waits for the next round. How many were acted on."""
    async with UnitOfWork.opened(sessionmaker) as uow:
        found = await find(uow)
    acted = 0
    for ticket_id in found:
        try:
            async with UnitOfWork.opened(sessionmaker) as uow:
                done = await act(uow, ticket_id)
                await uow.commit()
        except StaleDataError:
            log.info("ticket %s changed meanwhile; it waits for the next round", ticket_id)
            continue
        acted += done
    return acted
